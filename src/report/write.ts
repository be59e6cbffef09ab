/**
 * Writes a session's reports next to its journal (or into another folder), owner-only:
 * `<journal>.md` (people), `<journal>.json` (rootlock.report/v1, tools) and
 * `<journal>.asff.json` (Security Hub BatchImportFindings).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { safeJson } from '../util/json.js';
import { asffFromSessionReport, type AsffFinding } from './asff.js';
import { renderMarkdown } from './markdown.js';
import { reportFromJournalFile, type SessionReport } from './session-report.js';

/** Writes a file readable by its owner only (also when it already existed with wider permissions). */
export function writeOwnerOnly(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

export interface WrittenReports {
  markdown: string;
  json: string;
  asff: string;
  report: SessionReport;
  findings: AsffFinding[];
}

/** The three report paths for a journal: same base name, in `outDir` or beside the journal. */
export function reportPaths(journalPath: string, outDir?: string): { markdown: string; json: string; asff: string } {
  const base = basename(journalPath).replace(/\.jsonl$/, '');
  const dir = outDir ?? dirname(journalPath);
  return { markdown: join(dir, `${base}.md`), json: join(dir, `${base}.json`), asff: join(dir, `${base}.asff.json`) };
}

/** Builds the report from the journal file and writes the three files. */
export function writeSessionReports(
  journalPath: string,
  opts: { outDir?: string; region?: string } = {},
): WrittenReports {
  const report = reportFromJournalFile(journalPath);
  const paths = reportPaths(journalPath, opts.outDir);
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const findings = asffFromSessionReport(report, opts.region ?? report.session.region ?? undefined);
  writeOwnerOnly(paths.json, safeJson(report));
  writeOwnerOnly(paths.asff, safeJson(findings));
  writeOwnerOnly(paths.markdown, renderMarkdown(report, { asff: basename(paths.asff) }));
  return { ...paths, report, findings };
}
