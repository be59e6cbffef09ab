/**
 * The summary of an organization run (src/report/org-summary.ts): the counts of the `summary`
 * object, worst-first order, the terminal's table (passing accounts beyond N counted, not
 * listed) and the aggregate Markdown report's rows.
 */
import { describe, expect, it } from 'vitest';
import { type AccountLine, AccountsSummary } from '../../src/report/org-summary.js';

const STEPS = [
  { id: 'admins', title: 'Administrators' },
  { id: 'root-keys', title: 'Root access keys' },
];

function line(id: string, status: AccountLine['status'], steps: AccountLine['steps'], extra = {}): AccountLine {
  return { id, name: `name-${id.slice(0, 3)}`, ou: 'Root/Workloads', status, steps, ...extra };
}

/** Nine accounts, added in no particular order. */
function summary(): AccountsSummary {
  const s = new AccountsSummary(STEPS);
  s.add(line('500000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }));
  s.add(line('200000000000', 'fail', { admins: 'fail', 'root-keys': 'pass' }));
  s.add(line('900000000000', 'skipped', {}, { reason: 'account is SUSPENDED' }));
  s.add(line('300000000000', 'pass', { admins: 'manual', 'root-keys': 'not-checked' }));
  s.add(line('700000000000', 'error', { admins: 'error', 'root-keys': 'error' }, { reason: 'did not finish' }));
  s.add(line('100000000000', 'fail', { admins: 'fail', 'root-keys': 'fail' }));
  s.add(line('400000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }));
  s.add(line('600000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }));
  s.add(line('800000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }));
  return s;
}

describe('AccountsSummary', () => {
  it('counts accounts by status and steps by status (skipped accounts count no step)', () => {
    expect(summary().json).toEqual({
      accounts: 9,
      pass: 5,
      fail: 2,
      error: 1,
      skipped: 1,
      byStep: {
        admins: { pass: 4, fail: 2, manual: 1, error: 1, 'not-checked': 0 },
        'root-keys': { pass: 5, fail: 1, manual: 0, error: 1, 'not-checked': 1 },
      },
    });
  });

  it('counts nothing for an empty run, with a zero for every step and status', () => {
    const json = new AccountsSummary(STEPS).json;
    expect(json).toMatchObject({ accounts: 0, pass: 0, fail: 0, error: 0, skipped: 0 });
    expect(json.byStep.admins).toEqual({ pass: 0, fail: 0, manual: 0, error: 0, 'not-checked': 0 });
  });

  it('orders worst first: error, fail (more failing steps first), pass, skipped; then by id', () => {
    expect(
      summary()
        .sorted()
        .map((l) => l.id),
    ).toEqual([
      '700000000000',
      '100000000000',
      '200000000000',
      '300000000000',
      '400000000000',
      '500000000000',
      '600000000000',
      '800000000000',
      '900000000000',
    ]);
    // The lines themselves stay in the order they came.
    expect(summary().all.map((l) => l.id)[0]).toBe('500000000000');
  });

  it('the table lists every failing account and the first N passing or skipped ones, and counts the rest', () => {
    const table = summary().table(2);
    expect(table).toEqual([
      'account       name      status   admins       root-keys',
      '700000000000  name-700  error    error        error',
      '100000000000  name-100  fail     fail         fail',
      '200000000000  name-200  fail     fail         pass',
      '300000000000  name-300  pass     manual       not-checked',
      '400000000000  name-400  pass     pass         pass',
      '... and 4 more passing or skipped accounts (all of them are in --json and --out-dir)',
      '',
      '9 accounts: 5 pass, 2 fail, 1 error, 1 skipped. Per step (pass/fail/manual/error/not-checked):',
      '  Administrators: 4/2/1/1/0',
      '  Root access keys: 5/1/0/1/1',
    ]);
  });

  it('failing accounts are never collapsed, however many', () => {
    const s = new AccountsSummary(STEPS);
    for (let i = 0; i < 30; i += 1)
      s.add(line(String(100000000000 + i), 'fail', { admins: 'fail', 'root-keys': 'pass' }));
    s.add(line('999999999999', 'pass', { admins: 'pass', 'root-keys': 'pass' }));
    const table = s.table(0);
    expect(table.filter((l) => / fail /.test(l))).toHaveLength(30);
    expect(table).toContain('... and 1 more passing or skipped accounts (all of them are in --json and --out-dir)');
  });

  it('a skipped account shows its reason in the table; with the default N nothing is collapsed here', () => {
    const table = summary().table();
    expect(table.find((l) => l.startsWith('900000000000'))).toBe(
      '900000000000  name-900  skipped  account is SUSPENDED',
    );
    expect(table.some((l) => l.startsWith('...'))).toBe(false);
    expect(table.filter((l) => /^\d{12} /.test(l))).toHaveLength(9);
  });

  it('the table shows names safely and cut to 24 characters', () => {
    const s = new AccountsSummary(STEPS);
    s.add({ ...line('100000000000', 'pass', {}), name: `evil\x1b[2J${'x'.repeat(40)}` });
    const row = s.table()[1] ?? '';
    expect(row).not.toContain('\x1b');
    expect(row).toContain('evil\\x1b[2J');
  });

  it('the Markdown report: counts per step, then a row per account, worst first', () => {
    const md = summary().markdown({
      organizationId: 'o-exampleorgid',
      managementAccountId: '111111111111',
      principal: 'arn:aws:iam::111111111111:role/Audit',
      generatedAt: '2026-01-02T03:04:05.000Z',
    });
    const lines = md.split('\n');
    expect(lines).toContain('**9 accounts**: 5 pass, 2 fail, 1 error, 1 skipped.');
    expect(lines).toContain('| Administrators | 4 | 2 | 1 | 1 | 0 |');
    expect(lines).toContain('| Root access keys | 5 | 1 | 0 | 1 | 1 |');
    const header = lines.indexOf('| Account | Name | OU | Status | admins | root-keys |');
    expect(header).toBeGreaterThan(0);
    expect(lines[header + 1]).toBe('|---|---|---|---|---|---|');
    const rows = lines.slice(header + 2, header + 11);
    expect(rows).toEqual([
      '| 700000000000 | name-700 | Root/Workloads | error: did not finish | error | error |',
      '| 100000000000 | name-100 | Root/Workloads | fail | fail | fail |',
      '| 200000000000 | name-200 | Root/Workloads | fail | fail | pass |',
      '| 300000000000 | name-300 | Root/Workloads | pass | manual | not-checked |',
      '| 400000000000 | name-400 | Root/Workloads | pass | pass | pass |',
      '| 500000000000 | name-500 | Root/Workloads | pass | pass | pass |',
      '| 600000000000 | name-600 | Root/Workloads | pass | pass | pass |',
      '| 800000000000 | name-800 | Root/Workloads | pass | pass | pass |',
      // A skipped account: its reason, and no step cells filled.
      '| 900000000000 | name-900 | Root/Workloads | skipped: account is SUSPENDED |  |  |',
    ]);
    // Every row has as many cells as the header.
    for (const row of rows) expect(row.split(' | ')).toHaveLength(6);
    expect(lines[header + 11]).toBe('');
    expect(md).toContain('`o-exampleorgid`');
    expect(md).toContain('`arn:aws:iam::111111111111:role/Audit`');
  });

  it('Markdown escapes what would break a table row: pipes and Markdown syntax in names and OUs', () => {
    const s = new AccountsSummary(STEPS);
    s.add({
      ...line('100000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }),
      name: 'a|b *c*',
      ou: 'Root/[x]',
    });
    const row = s.markdown({ organizationId: 'o', managementAccountId: '1', principal: 'p', generatedAt: 't' });
    expect(row).toContain('| 100000000000 | a\\|b \\*c\\* | Root/\\[x\\] | pass | pass | pass |');
  });

  // Known bug (reported): OU names may hold any ASCII character, newline and ESC included, and
  // markdown() passes names and OU paths through md() only. A newline splits the row, an ESC
  // sequence reaches report.md raw. Remove `.fails` once markdown() sanitizes them.
  it('Markdown keeps control characters in an OU path or name inert and on one row', () => {
    const s = new AccountsSummary(STEPS);
    s.add({
      ...line('100000000000', 'pass', { admins: 'pass', 'root-keys': 'pass' }),
      name: 'red\x1b[31m',
      ou: 'Root/Bad\nOU',
    });
    const md = s.markdown({ organizationId: 'o', managementAccountId: '1', principal: 'p', generatedAt: 't' });
    expect(md).not.toContain('\x1b');
    expect(md.split('\n').filter((l) => l.startsWith('| 100000000000 |'))[0]).toContain('| pass | pass | pass |');
  });
});
