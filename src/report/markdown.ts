/**
 * The session report as Markdown: for people (a ticket, an audit folder). Every value from the
 * journal was cleaned when the report was built; here it is also escaped for Markdown, so an
 * account-controlled name cannot add links, HTML, table cells or code blocks.
 */
import { parseControl } from '../engine/controls.js';
import { REGISTRY } from '../engine/registry.js';
import type { AdvisoryMeta } from '../engine/types.js';
import { formatParams } from '../util/text.js';
import type { ReportAssessment, ReportChange, SessionReport } from './session-report.js';

/** Escapes text for Markdown inline use (also inside table cells). */
export function md(text: string): string {
  // Not `_` (intraword underscores never emphasise, and names and URLs are full of them) nor `#`
  // (a heading only at the start of a line, and every value here follows other text).
  return text.replace(/[\\`*[\]<>|~&]/g, (c) => (c === '&' ? '&amp;' : `\\${c}`));
}

/** An inline code span (backslashes are literal inside one, so backticks are replaced, not escaped). */
export function codeSpan(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

/** A fenced code block whose fence no backtick run inside can close. */
export function codeBlock(text: string, lang = ''): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}

/** An advisory's metadata from the registry; undefined for an id it does not list as an advisory. */
function advisoryMeta(id: string): AdvisoryMeta | undefined {
  const meta = REGISTRY.meta(id);
  return meta?.kind === 'advisory' ? meta : undefined;
}

const STATUS: Record<string, string> = {
  pass: 'PASS',
  fail: 'FAIL',
  manual: 'MANUAL',
  error: 'ERROR',
  'not-checked': 'NOT CHECKED',
  'not-applicable': 'NOT APPLICABLE',
};
const status = (s: string): string => STATUS[s] ?? md(s.toUpperCase());

const OUTCOME: Record<string, string> = {
  applied: 'applied',
  'already-done': 'already in place',
  'dry-run': 'not sent (dry run)',
  failed: 'FAILED',
  'in-flight': 'IN FLIGHT when the session stopped: it may or may not have reached AWS',
};

function modeLine(r: SessionReport): string {
  const cmd = r.session.command === 'wizard' ? 'rootlock' : `rootlock ${r.session.command}`;
  return `${md(r.session.mode)} (${codeSpan(cmd)})${r.session.dryRun ? ', dry run: nothing was sent' : ''}`;
}

/**
 * Controls grouped by framework from their structured form (src/engine/controls.ts): "CIS v5.0.0
 * 1.4, v6.0.0 2.4, v7.0.0 2.5; Security Hub IAM.9". A string in neither form is shown as it is.
 */
export function controlsText(labels: readonly string[]): string {
  const cis: string[] = [];
  const hub: string[] = [];
  const other: string[] = [];
  for (const label of labels) {
    const ref = parseControl(label);
    if (!ref) other.push(md(label));
    else if (ref.version) cis.push(`v${ref.version} ${ref.id}`);
    else hub.push(ref.id);
  }
  return [
    ...(cis.length ? [`CIS ${cis.join(', ')}`] : []),
    ...(hub.length ? [`Security Hub ${hub.join(', ')}`] : []),
    ...other,
  ].join('; ');
}

function assessmentLines(label: string, a: ReportAssessment): string[] {
  const lines = [`**${label}: ${status(a.status)}**: ${md(a.summary)}`, ''];
  for (const f of a.findings) {
    const tag = `${md(f.kind)}, ${md(f.severity)}`;
    lines.push(`- [${tag}] ${md(f.message)}`);
    if (f.remediation) lines.push(`  - Fix: ${md(f.remediation)}`);
    if (f.controls.length > 0) lines.push(`  - Controls: ${controlsText(f.controls)}`);
    lines.push(`  - Resource: ${md(f.resource)}`);
  }
  if (a.findings.length > 0) lines.push('');
  return lines;
}

function changeLines(c: ReportChange, n: number): string[] {
  const marker = `${n}. `;
  // Continuation lines are indented by the marker's width, so they stay inside item 10 and up.
  const indent = ' '.repeat(marker.length);
  const lines = [
    `${marker}${codeSpan(c.operation)} ` +
      `(${md(c.step)}): ${OUTCOME[c.outcome] ?? md(c.outcome)}${c.description ? `. ${md(c.description)}` : ''}`,
  ];
  if (c.error)
    lines.push(
      `${indent}- Error ${md(c.error.code)}: ${md(c.error.message)}` +
        `${c.error.deniedAction ? ` (denied: ${md(c.error.deniedAction)})` : ''}`,
    );
  lines.push('', codeBlock(formatParams(c.params), 'json').replace(/^/gm, indent), '');
  return lines;
}

function changeCount(r: SessionReport, step: string): string {
  const mine = r.changes.filter((c) => c.step === step);
  if (mine.length === 0) return 'none';
  const by = new Map<string, number>();
  for (const c of mine) by.set(c.outcome, (by.get(c.outcome) ?? 0) + 1);
  return [...by.entries()].map(([o, k]) => `${k} ${o}`).join(', ');
}

/** The whole report as Markdown. */
export function renderMarkdown(r: SessionReport, files: { asff?: string } = {}): string {
  const out: string[] = [];
  const acct = r.account.alias ? `${md(r.account.id)} (${md(r.account.alias)})` : md(r.account.id);
  out.push(`# rootlock session report: account ${acct}`, '');
  out.push('| | |', '|---|---|');
  out.push(`| Account | ${acct} |`);
  if (r.account.type) {
    const org = r.account.organizationId ? `, organization ${md(r.account.organizationId)}` : '';
    out.push(`| Account type | ${md(r.account.type)}${org} |`);
  }
  out.push(`| Run by | ${md(r.principal.arn)}${r.principal.type ? ` (${md(r.principal.type)})` : ''} |`);
  if (r.handoff) {
    const h = r.handoff;
    out.push(
      `| Then, as an admin | ${md(h.arn)}${h.type ? ` (${md(h.type)})` : ''}, profile ${md(h.profile)}, ` +
        `for ${h.steps.map(md).join(', ')} |`,
    );
  }
  out.push(`| Mode | ${modeLine(r)} |`);
  out.push(`| Started | ${md(r.session.startedAt)} |`);
  const ended = r.session.endedAt
    ? md(r.session.endedAt)
    : 'never (the journal has no end: the process was killed or crashed)';
  out.push(`| Ended | ${ended} |`);
  out.push(`| Outcome | ${md(r.session.outcome)} |`);
  out.push(`| rootlock | ${md(r.session.rootlockVersion)} |`);
  out.push(`| Journal | ${md(r.session.journal)} (session ${md(r.session.id)}) |`, '');

  out.push('## Summary', '');
  if (r.steps.length === 0) out.push('No step was assessed.', '');
  else {
    out.push('| Step | Before | After | Changes |', '|---|---|---|---|');
    for (const s of r.steps) {
      const after = s.after ? status(s.after.status) : 'unchanged';
      out.push(
        `| ${md(s.title)} | ${s.before ? status(s.before.status) : 'not assessed'} | ${after} ` +
          `| ${changeCount(r, s.id)} |`,
      );
    }
    out.push('');
  }
  const t = r.totals;
  out.push(
    `Changes: ${t.applied} applied, ${t['already-done']} already in place, ${t.failed} failed, ${t['in-flight']} in ` +
      `flight, ${t['dry-run']} shown in a dry run.`,
    '',
  );

  out.push('## Steps', '');
  for (const s of r.steps) {
    out.push(`### ${md(s.title)} (${codeSpan(s.id)})`, '');
    if (s.controls.length > 0) out.push(`Controls: ${controlsText(s.controls)}`, '');
    if (s.before) out.push(...assessmentLines('Before', s.before));
    if (s.after) out.push(...assessmentLines('After', s.after));
    else if (s.before) out.push('After: no change was applied, so the step was not assessed again.', '');
  }

  out.push('## Changes', '');
  if (r.changes.length === 0) out.push('No change was sent.', '');
  else {
    out.push(
      'Each change is one AWS API call, with its parameters as sent (secrets are never recorded: a generated ' +
        'password appears as a placeholder).',
      '',
    );
    r.changes.forEach((c, i) => out.push(...changeLines(c, i + 1)));
  }

  out.push('## Attestations', '');
  if (r.attestations.length === 0) out.push('None.', '');
  else {
    for (const a of r.attestations) {
      out.push(`- ${md(a.step)} / ${md(a.item)}: "${md(a.statement)}" by ${md(a.by)}${a.at ? ` at ${md(a.at)}` : ''}`);
    }
    out.push('');
  }

  out.push('## Next steps', '');
  if (!r.nextSteps) out.push('Not checked in this session (they run when no --only is given).', '');
  else {
    out.push('Read-only checks beyond the four steps; they do not change the outcome above.', '');
    out.push('| Next step | Status | Controls |', '|---|---|---|');
    const title = (id: string): string => md(advisoryMeta(id)?.title ?? id);
    for (const n of r.nextSteps) {
      out.push(`| ${title(n.id)} | ${status(n.status)} | ${controlsText(n.controls)} |`);
    }
    out.push('');
    for (const n of r.nextSteps) {
      out.push(`- **${title(n.id)}**: ${md(n.message)}`);
      const meta = advisoryMeta(n.id);
      if (n.status === 'fail' && meta) out.push(`  - Fix: ${md(meta.remediation)} ${meta.url}`);
    }
    out.push('');
  }

  if (files.asff) {
    out.push('## AWS Security Hub', '');
    out.push(
      `The findings of this session in the AWS Security Finding Format are in ${codeSpan(files.asff)}. To import them:`,
      '',
    );
    out.push(
      codeBlock(
        `aws securityhub batch-import-findings --region ${r.session.region ?? '<region>'} --findings ` +
          `file://${files.asff}`,
        'sh',
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
