/**
 * The summary of an organization run: one short line per account (all a run keeps of an account
 * once its row is written), the counts of the `summary` object, the terminal's table (worst
 * first) and the aggregate Markdown report.
 */
import type { OrgAccountStatus, OrgStepStatus } from '../engine/org-check.js';
import { sanitize } from '../util/text.js';
import { codeSpan, md } from './markdown.js';

export interface AccountLine {
  id: string;
  name: string;
  ou: string;
  status: OrgAccountStatus;
  /** Step id -> status, in step order. */
  steps: Record<string, OrgStepStatus>;
  /** Why the account was skipped, or its error. */
  reason?: string;
}

const STEP_STATUSES: OrgStepStatus[] = ['pass', 'fail', 'manual', 'error', 'not-checked'];
const ACCOUNT_ORDER: Record<OrgAccountStatus, number> = { error: 0, fail: 1, pass: 2, skipped: 3 };

export interface SummaryJson {
  accounts: number;
  pass: number;
  fail: number;
  error: number;
  skipped: number;
  byStep: Record<string, Record<OrgStepStatus, number>>;
}

/** Counts and lines of a run, filled in as rows arrive. */
export class AccountsSummary {
  private readonly lines: AccountLine[] = [];

  constructor(private readonly steps: ReadonlyArray<{ id: string; title: string }>) {}

  add(line: AccountLine): void {
    this.lines.push(line);
  }

  get all(): readonly AccountLine[] {
    return this.lines;
  }

  get json(): SummaryJson {
    const byStep: SummaryJson['byStep'] = {};
    for (const s of this.steps)
      byStep[s.id] = Object.fromEntries(STEP_STATUSES.map((k) => [k, 0])) as Record<OrgStepStatus, number>;
    const out: SummaryJson = { accounts: this.lines.length, pass: 0, fail: 0, error: 0, skipped: 0, byStep };
    for (const l of this.lines) {
      out[l.status] += 1;
      if (l.status === 'skipped') continue;
      for (const [id, st] of Object.entries(l.steps)) {
        const counts = byStep[id];
        if (counts) counts[st] += 1;
      }
    }
    return out;
  }

  /** Accounts worst first: error, fail, pass, skipped; then by how many steps fail; then by id. */
  sorted(): AccountLine[] {
    const bad = (l: AccountLine) => Object.values(l.steps).filter((s) => s === 'fail' || s === 'error').length;
    return [...this.lines].sort(
      (a, b) => ACCOUNT_ORDER[a.status] - ACCOUNT_ORDER[b.status] || bad(b) - bad(a) || a.id.localeCompare(b.id),
    );
  }

  /**
   * The terminal table: accounts x steps, worst first, then the counts per step. Passing and
   * skipped accounts beyond `passingShown` are counted, not listed (hundreds of lines say less).
   */
  table(passingShown = 20): string[] {
    const ids = this.steps.map((s) => s.id);
    const width = (i: number) => Math.max(ids[i]?.length ?? 0, 11);
    const name = (l: AccountLine) => sanitize(l.name, { maxLength: 24 });
    const nameWidth = Math.min(24, Math.max(4, ...this.lines.map((l) => name(l).length)));
    const row = (cells: string[]) => cells.join('  ').trimEnd();
    const out = [
      row(['account     ', 'name'.padEnd(nameWidth), 'status ', ...ids.map((id, i) => id.padEnd(width(i)))]),
    ];
    let quiet = 0;
    let shownQuiet = 0;
    for (const l of this.sorted()) {
      const isQuiet = l.status === 'pass' || l.status === 'skipped';
      if (isQuiet && shownQuiet >= passingShown) {
        quiet += 1;
        continue;
      }
      if (isQuiet) shownQuiet += 1;
      const cells =
        l.status === 'skipped'
          ? [sanitize(l.reason ?? 'skipped', { maxLength: 60 })]
          : ids.map((id, i) => (l.steps[id] ?? '-').padEnd(width(i)));
      out.push(row([l.id.padEnd(12), name(l).padEnd(nameWidth), l.status.padEnd(7), ...cells]));
    }
    if (quiet > 0)
      out.push(`... and ${quiet} more passing or skipped accounts (all of them are in --json and --out-dir)`);
    const j = this.json;
    out.push('');
    out.push(
      `${j.accounts} accounts: ${j.pass} pass, ${j.fail} fail, ${j.error} error, ${j.skipped} skipped. ` +
        'Per step (pass/fail/manual/error/not-checked):',
    );
    for (const s of this.steps) {
      const c = j.byStep[s.id] as Record<OrgStepStatus, number>;
      out.push(`  ${s.title}: ${STEP_STATUSES.map((k) => c[k]).join('/')}`);
    }
    return out;
  }

  /** The aggregate Markdown report of --out-dir. */
  markdown(head: {
    organizationId: string;
    managementAccountId: string;
    principal: string;
    generatedAt: string;
  }): string {
    const j = this.json;
    const ids = this.steps.map((s) => s.id);
    const lines = [
      '# rootlock: organization check',
      '',
      `Organization ${codeSpan(head.organizationId)} (management account ${codeSpan(head.managementAccountId)}), ` +
        `read by ${codeSpan(head.principal)} at ${head.generatedAt}.`,
      '',
      `**${j.accounts} accounts**: ${j.pass} pass, ${j.fail} fail, ${j.error} error, ${j.skipped} skipped.`,
      '',
      '| Step | pass | fail | manual | error | not checked |',
      '|---|---|---|---|---|---|',
      ...this.steps.map((s) => {
        const c = j.byStep[s.id] as Record<OrgStepStatus, number>;
        return `| ${md(s.title)} | ${STEP_STATUSES.map((k) => c[k]).join(' | ')} |`;
      }),
      '',
      '## Accounts, worst first',
      '',
      `| Account | Name | OU | Status | ${ids.map(md).join(' | ')} |`,
      `|---|---|---|---|${ids.map(() => '---').join('|')}|`,
      ...this.sorted().map((l) => {
        const cells = l.status === 'skipped' ? ids.map(() => '') : ids.map((id) => l.steps[id] ?? '');
        const status = l.reason ? `${l.status}: ${md(sanitize(l.reason, { maxLength: 300 }))}` : l.status;
        const name = md(sanitize(l.name, { maxLength: 100 }));
        const ou = md(sanitize(l.ou, { maxLength: 300 }));
        return `| ${l.id} | ${name} | ${ou} | ${status} | ${cells.join(' | ')} |`;
      }),
      '',
      'Each account has its own report in `accounts/<id>.json` (schema rootlock.check/v1) and its findings for ' +
        'AWS Security Hub in `asff/<id>.json`, to import from that account.',
      '',
    ];
    return lines.join('\n');
  }
}
