/**
 * The report of an organization fix (`fix --org`, `apply` of an organization plan): counts by
 * outcome, one row per account with its facts before and after, and what is left for people to
 * do. Built from the per-account outcome lines the run keeps, nothing else.
 */
import type { OrgApplyOutcome, OrgAppliedAccount } from '../engine/org-fix.js';
import { sanitize } from '../util/text.js';
import { codeSpan, md } from './markdown.js';

export const OUTCOME_ORDER: readonly OrgApplyOutcome[] = [
  'failed',
  'error',
  'incomplete',
  'drifted',
  'refused',
  'done',
  'done-earlier',
  'dry-run',
  'nothing-to-do',
];

/** Counts of accounts by outcome (every outcome present, zeros included). */
export function outcomeCounts(rows: readonly Pick<OrgAppliedAccount, 'outcome'>[]): Record<OrgApplyOutcome, number> {
  const counts = Object.fromEntries(OUTCOME_ORDER.map((o) => [o, 0])) as Record<OrgApplyOutcome, number>;
  for (const r of rows) counts[r.outcome] += 1;
  return counts;
}

/** Facts in one short cell: `root-keys: accessKeys 1, password true; billing-recovery: security missing`. */
export function factsText(facts: OrgAppliedAccount['before'] | undefined): string {
  if (!facts) return '';
  return Object.entries(facts)
    .map(
      ([step, f]) =>
        `${step}: ${Object.entries(f ?? {})
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', ')}`,
    )
    .join('; ');
}

/** Rows worst first, then by account id. */
export function sortRows<T extends Pick<OrgAppliedAccount, 'outcome' | 'id'>>(rows: readonly T[]): T[] {
  const rank = (o: OrgApplyOutcome) => OUTCOME_ORDER.indexOf(o);
  return [...rows].sort((a, b) => rank(a.outcome) - rank(b.outcome) || a.id.localeCompare(b.id));
}

export interface OrgFixReportHead {
  organizationId: string;
  managementAccountId: string;
  principal: string;
  generatedAt: string;
  dryRun: boolean;
  planId?: string;
  /** What people must still do (billing access, the management account's own root...). */
  manual: string[];
}

/** The Markdown report. */
export function orgFixMarkdown(head: OrgFixReportHead, rows: readonly OrgAppliedAccount[]): string {
  const counts = outcomeCounts(rows);
  const out: string[] = [
    `# rootlock organization fix${head.dryRun ? ' (dry run: nothing was sent)' : ''}`,
    '',
    `- Organization: ${codeSpan(head.organizationId)} (management account ${codeSpan(head.managementAccountId)})`,
    `- By: ${codeSpan(head.principal)}`,
    `- At: ${head.generatedAt}`,
    ...(head.planId ? [`- Plan: ${codeSpan(head.planId)}`] : []),
    `- Accounts: ${rows.length}; ${OUTCOME_ORDER.filter((o) => counts[o] > 0)
      .map((o) => `${o} ${counts[o]}`)
      .join(', ')}`,
    `- Calls sent: ${rows.reduce((n, r) => n + r.results.filter((x) => x.outcome === 'applied').length, 0)}`,
    '',
    '| Account | Name | OU | Outcome | Before | After | Changes | Why |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of sortRows(rows)) {
    const changes = r.results.map((x) => `${x.changeId}: ${x.outcome}`).join('; ');
    out.push(
      `| ${codeSpan(r.id)} | ${md(sanitize(r.name, { maxLength: 60 }))} | ${md(sanitize(r.ou, { maxLength: 80 }))} | ` +
        `${r.outcome} | ${md(factsText(r.before))} | ${md(factsText(r.after))} | ${md(changes)} | ` +
        `${md(sanitize(r.reason ?? '', { maxLength: 300 }))} |`,
    );
  }
  if (head.manual.length > 0) {
    out.push('', '## Left for people to do', '');
    for (const m of head.manual) out.push(`- ${md(m)}`);
  }
  return `${out.join('\n')}\n`;
}
