/**
 * `rootlock check --org` end to end on an emulated organization of 200 members (plus the
 * management account and a suspended account), built once for the file: every member's row is
 * asserted against the state the fixture gave it, the counts against the rows, the API calls
 * against what the emulator saw, and nothing is changed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';
import { buildOrgFixture, MEMBER_ROLE, type FixtureMember, type OrgFixture } from '../support/org-fixture.js';

const MEMBERS = 200;

// Without AWS managed policies in every account: hundreds of accounts stay quick to create.
const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });

let org: OrgFixture;

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: MEMBERS, suspended: true });
}, 600_000);

interface StepJson {
  id: string;
  status: string;
  summary: string;
  findings: Array<{ id: string; kind: string }>;
}
interface AccountJson {
  id: string;
  type?: string;
  name: string;
  ou: string;
  status: string;
  error?: string;
  reason?: string;
  steps: StepJson[];
  apiCalls: { total: number; byOperation: Record<string, number> };
}
interface OrgDoc {
  schema: string;
  organization: { id: string; managementAccountId: string };
  principal: { arn: string; type: string };
  accounts: AccountJson[];
  summary: {
    accounts: number;
    pass: number;
    fail: number;
    error: number;
    skipped: number;
    byStep: Record<string, Record<string, number>>;
  };
  apiCalls: { total: number; byOperation: Record<string, number> };
}

const FAST = ['--regions', 'us-east-1'];

function step(a: AccountJson, id: string): StepJson {
  const s = a.steps.find((x) => x.id === id);
  if (!s) throw new Error(`${a.id} has no ${id} step`);
  return s;
}

/** What each member's row must say, from the state the fixture gave it. */
function expectRow(m: FixtureMember, a: AccountJson): void {
  const where = `${m.id} (${m.kind})`;
  expect(a.ou, where).toBe(m.ou);
  const s = (id: string) => step(a, id).status;
  switch (m.kind) {
    case 'clean':
    case 'clean-other-ou':
    case 'root-password':
    case 'root-mfa':
      expect([s('admins'), s('ec2-roles'), s('root-keys'), s('billing-recovery')], where).toEqual([
        'pass',
        'pass',
        'pass',
        'pass',
      ]);
      expect(a.status, where).toBe('pass');
      break;
    case 'root-key':
    case 'root-certificate':
      expect(s('root-keys'), where).toBe('fail');
      expect(a.status, where).toBe('fail');
      break;
    case 'no-security-contact':
      expect(s('billing-recovery'), where).toBe('fail');
      expect(a.status, where).toBe('fail');
      break;
    case 'one-admin':
      expect(s('admins'), where).toBe('fail');
      expect(a.status, where).toBe('fail');
      break;
    case 'no-role':
      expect([s('admins'), s('ec2-roles')], where).toEqual(['error', 'error']);
      expect(a.error, where).toMatch(/sts:AssumeRole into arn:aws:iam::\d{12}:role\/rootlock-read was refused/);
      // What needs no role is still read.
      expect([s('root-keys'), s('billing-recovery')], where).toEqual(['pass', 'pass']);
      expect(a.status, where).toBe('error');
      break;
    case 'scp-denied':
      expect(s('admins'), where).toBe('error');
      expect(step(a, 'admins').summary, where).toMatch(/service control polic/i);
      expect(s('root-keys'), where).toBe('pass');
      expect(a.status, where).toBe('error');
      break;
  }
}

describe('rootlock check --org (200 members)', () => {
  it('reads every member, each row right for its state, and changes nothing', async () => {
    const before = emu().layer.requests.length;
    const r = await runRootlock(emu().endpoint, ['check', '--org', '--json', '--member-role', MEMBER_ROLE, ...FAST], {
      credentials: org.operator,
    });
    const doc = r.json as OrgDoc;
    expect(doc.schema).toBe('rootlock.org-check/v1');
    expect(doc.organization).toEqual({ id: org.orgId, managementAccountId: org.managementId });
    expect(doc.principal.arn).toBe(org.operator.arn);
    expect(r.code).toBe(1);

    const byId = new Map(doc.accounts.map((a) => [a.id, a]));
    expect(byId.size).toBe(MEMBERS + 2);
    for (const m of org.members) expectRow(m, byId.get(m.id) as AccountJson);
    const suspended = byId.get(org.suspended?.id as string) as AccountJson;
    expect(suspended).toMatchObject({ status: 'skipped', reason: 'account is SUSPENDED' });
    // The management account is read with the operator's own session (its root is out of AssumeRoot's reach).
    const management = byId.get(org.managementId) as AccountJson;
    expect(step(management, 'root-keys').status).not.toBe('not-checked');

    // The summary counts are the rows' counts.
    const count = (status: string) => doc.accounts.filter((a) => a.status === status).length;
    expect(doc.summary).toMatchObject({
      accounts: MEMBERS + 2,
      pass: count('pass'),
      fail: count('fail'),
      error: count('error'),
      skipped: 1,
    });
    for (const id of ['admins', 'ec2-roles', 'billing-recovery', 'root-keys']) {
      const statuses = doc.accounts.filter((a) => a.status !== 'skipped').map((a) => step(a, id).status);
      for (const [k, n] of Object.entries(doc.summary.byStep[id] as Record<string, number>))
        expect(n, `${id} ${k}`).toBe(statuses.filter((x) => x === k).length);
    }

    // Nothing changed: no mutating call reached the emulator (AssumeRole and AssumeRoot only read).
    const sent = emu().layer.requests.slice(before);
    expect(mutatingRequests(sent).filter((op) => op !== 'sts:AssumeRole')).toEqual([]);
    // Every call the run counted reached the emulator, and no other.
    expect(doc.apiCalls.total).toBe(sent.length);
    // Member root credentials came from AssumeRoot audit sessions, one per member with root access read.
    expect(doc.apiCalls.byOperation['sts:AssumeRoot']).toBe(MEMBERS);
    // Contacts are read once per member, from the management side (billing-recovery): the member's next
    // steps (contacts-distinct) take those answers instead of asking the Account API again in the member.
    for (const a of doc.accounts.filter((x) => x.status !== 'skipped' && x.id !== org.managementId)) {
      expect(a.apiCalls.byOperation['account:GetAlternateContact'] ?? 0, a.id).toBe(3);
      expect(a.apiCalls.byOperation['account:GetContactInformation'] ?? 0, a.id).toBe(1);
    }
    // The accounts' type comes from the run, with no read in the member.
    expect(byId.get(org.managementId)?.type).toBe('management');
    expect(org.members.every((m) => byId.get(m.id)?.type === 'member')).toBe(true);
  }, 600_000);

  it('selects by OU, tag, list and exclusion, and writes per-account reports that --resume picks up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-org-'));
    try {
      const prod = org.members.filter((m) => m.ou === 'Root/Workloads/Prod');
      const excluded = prod[0] as FixtureMember;
      const r = await runRootlock(
        emu().endpoint,
        ['check', '--org', '--ou', org.ous.prod, '--exclude', excluded.id, '--out-dir', dir, ...FAST],
        { credentials: org.operator },
      );
      expect(r.code).toBe(1);
      const files = readdirSync(join(dir, 'accounts')).sort();
      expect(files).toEqual(
        prod
          .filter((m) => m !== excluded)
          .map((m) => `${m.id}.json`)
          .sort(),
      );
      const one = JSON.parse(readFileSync(join(dir, 'accounts', files[0] as string), 'utf8'));
      expect(one.schema).toBe('rootlock.check/v1');
      const csv = readFileSync(join(dir, 'report.csv'), 'utf8').trim().split('\n');
      expect(csv[0]).toBe('account_id,account_name,ou,account_status,step,step_status,summary');
      expect(csv.length - 1).toBe(files.length * 4);
      expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('## Accounts, worst first');
      // ASFF per account, each finding naming its own account.
      for (const f of readdirSync(join(dir, 'asff'))) {
        const findings = JSON.parse(readFileSync(join(dir, 'asff', f), 'utf8')) as Array<{ AwsAccountId: string }>;
        expect(findings.length).toBeLessThanOrEqual(100);
        for (const x of findings) expect(x.AwsAccountId).toBe(f.slice(0, 12));
      }
      // Without a member role, the steps that need one are not checked, with the reason.
      const rows = JSON.parse(readFileSync(join(dir, 'org-check.json'), 'utf8')) as OrgDoc;
      const row = rows.accounts.find((a) => a.status !== 'skipped') as AccountJson;
      expect(step(row, 'admins')).toMatchObject({ status: 'not-checked' });
      expect(step(row, 'admins').summary).toMatch(/--member-role/);
      expect(rows.accounts.find((a) => a.id === excluded.id)).toMatchObject({
        status: 'skipped',
        reason: 'excluded with --exclude',
      });

      // --resume reads only what is missing: drop two accounts' files and run again.
      const gone = files.slice(0, 2);
      for (const f of gone) rmSync(join(dir, 'accounts', f));
      const before = emu().layer.requests.length;
      const again = await runRootlock(
        emu().endpoint,
        ['check', '--org', '--ou', org.ous.prod, '--exclude', excluded.id, '--out-dir', dir, '--resume', ...FAST],
        { credentials: org.operator },
      );
      expect(again.code).toBe(1);
      expect(readdirSync(join(dir, 'accounts')).sort()).toEqual(files);
      const roots = emu()
        .layer.requests.slice(before)
        .filter((q) => q.operation === 'AssumeRoot')
        .map((q) => q.params.TargetPrincipal);
      expect(roots.sort()).toEqual(gone.map((f) => f.slice(0, 12)).sort());
      const resumed = JSON.parse(readFileSync(join(dir, 'org-check.json'), 'utf8')) as OrgDoc;
      expect(resumed.summary.accounts).toBe(rows.summary.accounts);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('selects by tag and by account list', async () => {
    // Within one OU: --tag reads each account's tags (one Organizations call per account).
    const blue = org.members.filter((m, i) => i % 3 === 0 && m.ou === 'Root/Sandbox').map((m) => m.id);
    expect(blue.length).toBeGreaterThan(3);
    const r = await runRootlock(
      emu().endpoint,
      ['check', '--org', '--json', '--ou', org.ous.sandbox, '--tag', 'team=blue', '--only', 'root-keys'],
      { credentials: org.operator },
    );
    const doc = r.json as OrgDoc;
    expect(doc.accounts.map((a) => a.id).sort()).toEqual(blue.sort());
    const two = org.members.slice(0, 2).map((m) => m.id);
    const r2 = await runRootlock(
      emu().endpoint,
      ['check', '--org', '--json', '--accounts', two.join(','), '--only', 'root-keys'],
      { credentials: org.operator },
    );
    expect((r2.json as OrgDoc).accounts.map((a) => a.id).sort()).toEqual([...two].sort());
  }, 120_000);
});
