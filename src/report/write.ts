/**
 * Writes a session's reports next to its journal (or into another folder), owner-only:
 * `<journal>.md` (people), `<journal>.json` (rootlock.report/v1, tools) and
 * `<journal>.asff.json` (Security Hub BatchImportFindings).
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asffFromSessionReport, type AsffFinding } from './asff.js';
import { renderMarkdown } from './markdown.js';
import { reportFromJournalFile, type SessionReport } from './session-report.js';

// JSON.stringify escapes C0 controls but leaves DEL, C1 controls, bidi controls and line
// separators raw; written as \uNNNN the parsed document is unchanged and `cat` is safe.
const JSON_TERMINAL_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Indented JSON that is safe to print on a terminal. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(JSON_TERMINAL_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

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
export function writeSessionReports(journalPath: string, opts: { outDir?: string; region?: string } = {}): WrittenReports {
  const report = reportFromJournalFile(journalPath);
  const paths = reportPaths(journalPath, opts.outDir);
  if (opts.outDir) mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const findings = asffFromSessionReport(report, opts.region ?? report.session.region ?? undefined);
  writeOwnerOnly(paths.json, safeJson(report));
  writeOwnerOnly(paths.asff, safeJson(findings));
  writeOwnerOnly(paths.markdown, renderMarkdown(report, { asff: basename(paths.asff) }));
  return { ...paths, report, findings };
}
