/**
 * Denied permissions, one IAM action at a time (reads in `check --json`, writes in the
 * wizard). The fault proxy answers the denied call with the protocol's own access-denied
 * error (403 AccessDenied / AccessDeniedException / UnauthorizedOperation) naming the action,
 * as AWS answers a principal whose policy lacks it.
 *
 * Why the proxy and not moto's own IAM enforcement: moto enforces policies only once
 * INITIAL_NO_AUTH_ACTION_COUNT requests have passed, counted per process and never reset by
 * /moto-api/reset, and then also checks every signature, which refuses the root layer's root
 * users and its own internal calls; and the calls the root layer answers itself (contact
 * information, centralized root access, AssumeRoot) never reach moto's checks. Denying one
 * named action in the proxy tests exactly the property that matters: what rootlock does when
 * AWS refuses that action.
 */
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { runRootlock, type RunResult } from '../support/harness.js';
import { NO_STATEMENT_NEEDED, policyActions, readPolicy } from './iam-policy.js';
import {
  changeEnds,
  fastClock,
  journal,
  onboardingAnswers,
  REGION_FLAGS,
  seedAccount,
  useFaultProxy,
  type NewAccount,
} from './support.js';

const emu = useEmulator();
const proxy = useFaultProxy(emu);

const statement = (action: string) => JSON.stringify({ Effect: 'Allow', Action: action, Resource: '*' });
type StepId = 'admins' | 'ec2-roles' | 'billing-recovery' | 'root-keys';

interface ReadCase {
  action: string;
  /** Steps that must end in `error`, naming the action and the statement to add. */
  error?: StepId[];
  /** Steps that go on without the data and say which action was refused (a finding or detail names it). */
  named?: StepId[];
  /** Reads whose loss changes nothing reported: why. */
  optional?: string;
  /** A reported gap, asserted by its own `it.fails` below. */
  knownGap?: string;
  /** A next step that must turn `not-checked`, naming the action (the steps run as before). */
  nextStep?: string;
}

const READS_AS_ADMIN: ReadCase[] = [
  { action: 'iam:GetAccountAuthorizationDetails', error: ['admins', 'ec2-roles'] },
  { action: 'iam:GenerateCredentialReport', error: ['admins'], named: ['root-keys'] },
  { action: 'iam:GetCredentialReport', error: ['admins'], named: ['root-keys'] },
  { action: 'iam:GetAccountPasswordPolicy', named: ['admins'] },
  { action: 'ec2:DescribeInstances', error: ['ec2-roles'] },
  { action: 'account:GetAlternateContact', error: ['billing-recovery'] },
  { action: 'account:GetContactInformation', error: ['billing-recovery'] },
  // A standalone account: the account type says there is no organization, so root-keys asks nothing
  // more about one (iam:ListOrganizationsFeatures is read only in an organization's accounts).
  {
    action: 'organizations:DescribeOrganization',
    optional: 'refused, the account type is "unknown" and every step reads as before',
  },
  { action: 'iam:ListAccountAliases', optional: 'the alias only decorates the account id' },
  { action: 'iam:GetAccountSummary', named: ['root-keys'] },
  { action: 's3:GetAccountPublicAccessBlock', nextStep: 's3-public-access-block' },
];

const READS_AS_ROOT: ReadCase[] = [
  ...READS_AS_ADMIN.filter((c) => c.action !== 'iam:GetAccountSummary'),
  { action: 'iam:ListAccessKeys', named: ['root-keys'] },
  // Root signing certificates: refused, root-keys says so and takes presence from GetAccountSummary.
  { action: 'iam:ListSigningCertificates', named: ['root-keys'] },
  // A used key's recent activity: refused, root-keys says so and keeps the key's last-used fields.
  { action: 'cloudtrail:LookupEvents', named: ['root-keys'] },
  {
    action: 'iam:GetAccessKeyLastUsed',
    optional: 'last use is detail beside each key; the keys themselves come from ListAccessKeys',
  },
  {
    action: 'iam:GetAccountSummary',
    optional: 'as the root user, ListAccessKeys is the immediate truth about the keys',
  },
];

/** Reads the admins step makes only for users the credential report cannot speak for (here: one rootlock left half-done). */
const READS_FOR_A_HALF_DONE_USER: ReadCase[] = [
  { action: 'iam:GetUser', error: ['admins'] },
  { action: 'iam:GetLoginProfile', error: ['admins'] },
  { action: 'iam:ListMFADevices', error: ['admins'] },
  { action: 'iam:ListAccessKeys', error: ['admins'] },
  { action: 'iam:GetAccessKeyLastUsed', error: ['admins'] },
];

type CheckStep = {
  id: StepId;
  status: string;
  summary: string;
  details: Record<string, any>;
  findings: Array<{ message: string; remediation?: string }>;
};

async function check(credentials: NewAccount['root']): Promise<{ r: RunResult; steps: Map<StepId, CheckStep> }> {
  proxy().clear();
  const r = await runRootlock(proxy().url, ['check', '--json', ...REGION_FLAGS], { credentials });
  return { r, steps: new Map((r.json?.steps ?? []).map((s: CheckStep) => [s.id, s])) };
}

/** What a step says about a refused action: its error (with the statement) or any finding or detail naming it. */
function saysDenied(s: CheckStep, action: string, how: 'error' | 'named'): string[] {
  const problems: string[] = [];
  const text = JSON.stringify(s);
  if (how === 'named') {
    if (!text.includes(action)) problems.push(`${s.id} does not say that ${action} was refused`);
    return problems;
  }
  if (s.status !== 'error') problems.push(`${s.id} is ${s.status}, not error`);
  const regional = (s.details.regionErrors ?? []) as Array<{ deniedAction?: string }>;
  if (s.details.error) {
    if (s.details.error.deniedAction !== action)
      problems.push(`${s.id} names ${s.details.error.deniedAction}, not ${action}`);
    if (!s.summary.includes(statement(action)))
      problems.push(`${s.id} does not give the statement to add: ${s.summary}`);
  } else if (regional.length > 0) {
    // A regional scan: every region unreadable, each finding naming the action to allow.
    if (!regional.every((e) => e.deniedAction === action))
      problems.push(`${s.id} region errors name ${JSON.stringify(regional)}`);
    if (!s.findings.some((f) => f.remediation?.includes(`Allow ${action}`)))
      problems.push(`${s.id} does not say to allow ${action}`);
  } else problems.push(`${s.id} gives no cause`);
  return problems;
}

describe('a denied read: the step that needs it reports it, the others run as before', { timeout: 300_000 }, () => {
  async function deniedReads(creds: NewAccount['root'], cases: ReadCase[], only?: string[]): Promise<string[]> {
    const base = await check(creds);
    expect(base.r.code).toBe(1);
    // Every call of the read-only run is covered by docs/iam/check-policy.json.
    const allowed = policyActions(readPolicy('check-policy.json'));
    const called = [...new Set(proxy().calls.map((c) => `${c.service}:${c.operation}`))];
    expect(called.filter((a) => !allowed.has(a) && !(a in NO_STATEMENT_NEEDED))).toEqual([]);
    // The table covers every read the run made (GetCallerIdentity cannot be denied in AWS).
    const reads = called.filter((a) => a !== 'sts:GetCallerIdentity' && (!only || only.includes(a)));
    expect(reads.sort()).toEqual(cases.map((c) => c.action).sort());

    const problems: string[] = [];
    for (const c of cases) {
      if (c.knownGap) continue;
      proxy().configure([{ kind: 'deny', match: c.action }]);
      const { r, steps } = await check(creds);
      if (r.code !== 1) problems.push(`${c.action}: exit ${r.code}`);
      if (!proxy().faulted('deny').length) problems.push(`${c.action}: never called`);
      if (c.nextStep) {
        const item = (r.json?.nextSteps ?? []).find((i: { id: string }) => i.id === c.nextStep);
        if (item?.status !== 'not-checked' || !String(item.message).includes(c.action))
          problems.push(`${c.action}: next step ${c.nextStep} is ${JSON.stringify(item)}`);
      }
      for (const [id, s] of steps) {
        const how = c.error?.includes(id) ? 'error' : c.named?.includes(id) ? 'named' : undefined;
        if (how) problems.push(...saysDenied(s, c.action, how).map((p) => `${c.action}: ${p}`));
        else if (s.status !== base.steps.get(id)?.status)
          problems.push(`${c.action}: ${id} went from ${base.steps.get(id)?.status} to ${s.status}`);
        if (how !== 'error' && s.status === 'error') problems.push(`${c.action}: ${id} errors`);
        if (how === 'named' && s.status !== base.steps.get(id)?.status)
          problems.push(`${c.action}: ${id} went from ${base.steps.get(id)?.status} to ${s.status}`);
      }
    }
    return problems;
  }

  it.each([
    ['an IAM administrator', 'admin', READS_AS_ADMIN],
    ['the root user', 'root', READS_AS_ROOT],
  ] as const)('as %s', async (_who, as, cases) => {
    const acct = await seedAccount(emu());
    // The credential report then speaks for every user (it is generated after their creation second).
    await new Promise((r) => setTimeout(r, 1100));
    expect(await deniedReads(as === 'root' ? acct.root : acct.firstAdmin, [...cases])).toEqual([]);
  });

  it('in --dry-run, which also reads the instance profile associations (check does not need them)', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'deny', match: 'ec2:DescribeIamInstanceProfileAssociations' }]);
    const r = await runRootlock(proxy().url, ['--dry-run', '--only', 'ec2-roles', ...REGION_FLAGS], {
      credentials: acct.firstAdmin,
      answers: {},
    });
    expect(proxy().faulted('deny').length).toBeGreaterThan(0);
    expect(r.output.text).toContain('access denied for ec2:DescribeIamInstanceProfileAssociations');
    expect(r.output.text).toMatch(/ERROR: Could not list EC2 instances/);
  });

  it('as an IAM administrator, for a user rootlock left half-done (read directly, not from the report)', async () => {
    const acct = await seedAccount(emu());
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(
      new CreateUserCommand({
        UserName: 'half-done',
        Tags: [
          { Key: 'created-by', Value: 'rootlock' },
          { Key: 'rootlock-setup', Value: 'pending' },
        ],
      }),
    );
    await iam.send(new CreateAccessKeyCommand({ UserName: 'half-done' }));
    expect(
      await deniedReads(
        acct.firstAdmin,
        READS_FOR_A_HALF_DONE_USER,
        READS_FOR_A_HALF_DONE_USER.map((c) => c.action),
      ),
    ).toEqual([]);
  });

  // root-keys reads GetAccountSummary (the immediate truth); when it is refused and the credential
  // report answers, a warning names the refusal, since a report up to 4 hours old then speaks alone.
  it('as an IAM administrator, a refused iam:GetAccountSummary is named by root-keys', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'deny', match: 'iam:GetAccountSummary' }]);
    const { steps } = await check(acct.firstAdmin);
    expect(saysDenied(steps.get('root-keys')!, 'iam:GetAccountSummary', 'named')).toEqual([]);
  });
});

/** The final status of each step after a full onboarding with nothing denied. */
const ONBOARDED: Record<StepId, string> = {
  admins: 'pass',
  'ec2-roles': 'pass',
  'billing-recovery': 'pass',
  'root-keys': 'fail',
};

/** Denied writes, at most one per step per run (so each run also shows the steps going on past a denial). */
const WRITE_RUNS: Array<Partial<Record<StepId, string>>> = [
  {
    admins: 'iam:CreateGroup',
    'ec2-roles': 'iam:CreateRole',
    'billing-recovery': 'account:PutAlternateContact',
    'root-keys': 'iam:UpdateAccessKey',
  },
  {
    admins: 'iam:AttachGroupPolicy',
    'ec2-roles': 'iam:AttachRolePolicy',
    'billing-recovery': 'account:PutContactInformation',
    'root-keys': 'iam:DeleteAccessKey',
  },
  { admins: 'iam:CreateUser', 'ec2-roles': 'iam:CreateInstanceProfile' },
  { admins: 'iam:CreateLoginProfile', 'ec2-roles': 'iam:AddRoleToInstanceProfile' },
  { admins: 'iam:AddUserToGroup', 'ec2-roles': 'ec2:AssociateIamInstanceProfile' },
  { admins: 'iam:UntagUser' },
];

async function wizard(acct: NewAccount) {
  return runRootlock(proxy().url, REGION_FLAGS, {
    credentials: acct.root,
    // A user left half-done is reported and left as it is.
    answers: { ...onboardingAnswers(acct.instanceIds), 'admins.pending.action': 'leave' },
    deps: { clock: fastClock },
  });
}

/** Final statuses from the run's summary lines. */
function summary(r: RunResult): Record<string, string> {
  const titles: Record<string, StepId> = {
    Administrators: 'admins',
    'EC2 instance roles': 'ec2-roles',
    'Billing and recovery contacts': 'billing-recovery',
    'Root access keys': 'root-keys',
  };
  const start = r.output.lines.indexOf('== Summary');
  const out: Record<string, string> = {};
  for (const l of r.output.lines.slice(start + 1)) {
    const m = /^\[\w+\] (.+?): (PASS|FAIL|ERROR|MANUAL):/.exec(l);
    if (m && titles[m[1]!]) out[titles[m[1]!]!] = m[2]!.toLowerCase();
  }
  return out;
}

describe('a denied write: named with the statement to add, the rest of the plan not sent and said so, other steps go on', {
  timeout: 300_000,
}, () => {
  it.each(WRITE_RUNS.map((run) => [Object.values(run).join(', '), run] as const))('%s', async (_label, denied) => {
    const acct = await seedAccount(emu());
    proxy().configure(Object.values(denied).map((action) => ({ kind: 'deny' as const, match: action })));
    const r = await wizard(acct);
    const ends = changeEnds(r.journalPath);
    const entries = journal(r.journalPath);
    const final = summary(r);

    for (const [step, action] of Object.entries(denied) as Array<[StepId, string]>) {
      // The refusal is journaled and shown with the action and the statement.
      const failed = [...ends.values()].filter((e) => e.step === step && e.outcome === 'failed');
      expect(
        failed.map((e) => e.error?.deniedAction),
        step,
      ).toContain(action);
      expect(r.output.lines).toContain(
        `[fail] Access denied for ${action}. Add this statement to the caller's policy, or run as a principal that has it: ${statement(action)}`,
      );
      // What the plan still held after the refusal was not sent, and the output says so by name.
      const refusedIn = (e: Record<string, any>) =>
        (e.changes as Array<{ id: string }>).some((c) => ends.get(c.id)?.error?.deniedAction === action);
      const plan = entries.find((e) => e.type === 'plan' && e.step === step && refusedIn(e))?.changes as Array<{
        id: string;
        description: string;
      }>;
      expect(plan, step).toBeDefined();
      const at = plan.findIndex((c) => ends.get(c.id)?.error?.deniedAction === action);
      expect(at, step).toBeGreaterThanOrEqual(0);
      for (const c of plan.slice(at + 1)) {
        const sent = entries.some((e) => e.type === 'change-start' && e.change === c.id);
        if (sent) continue; // a later round may have sent it (nothing of the kind here)
        expect(r.output.text, `${step}: ${c.id}`).toContain(c.description);
        expect(
          r.output.lines.some((l) => l.startsWith('[warn] Stopped here. Not sent:') && l.includes(c.description)),
          `${step}: ${c.id}`,
        ).toBe(true);
      }
      // The step does not pretend to pass (UntagUser leaves a full admin marked half-done: said so).
      expect(final[step], step).not.toBe('pass');
    }
    // Steps with nothing denied end as they do without any denial.
    for (const step of Object.keys(ONBOARDED) as StepId[]) {
      if (!(step in denied)) expect(final[step], step).toBe(ONBOARDED[step]);
    }
    // A user rootlock created but could not finish is reported as such.
    if (['iam:CreateLoginProfile', 'iam:AddUserToGroup', 'iam:UntagUser'].includes(denied.admins ?? '')) {
      expect(r.output.text).toContain('1 user left half-created by rootlock');
    }
  });

  it('AWS names a different action than the call (iam:PassRole for AddRoleToInstanceProfile): that action is reported', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'deny', match: 'iam:AddRoleToInstanceProfile', action: 'iam:PassRole' }]);
    const r = await wizard(acct);
    expect(r.output.lines).toContain(
      `[fail] Access denied for iam:PassRole. Add this statement to the caller's policy, or run as a principal that has it: ${statement('iam:PassRole')}`,
    );
    expect(
      changeEnds(r.journalPath).get('ec2-roles/add-role-to-instance-profile/rootlock-ec2-instance')?.error
        ?.deniedAction,
    ).toBe('iam:PassRole');
  });

  // A refused UpdateAccountPasswordPolicy stops its round before the group and user; the next
  // round does not offer the policy again and creates the admins.
  it('a refused password policy does not stop the admins from being created', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'deny', match: 'iam:UpdateAccountPasswordPolicy' }]);
    const r = await wizard(acct);
    expect(r.prompter.asked.filter((q) => q.id === 'admins.password-policy')).toHaveLength(1);
    expect(summary(r).admins).toBe('pass');
  });
});
