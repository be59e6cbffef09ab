/**
 * Least privilege proven by an evaluator: rootlock runs as an IAM user that holds only
 * docs/iam/check-policy.json (`check`) or docs/iam/wizard-policy.json (the wizard), and every
 * request it signs is authorized by moto's IAM policy evaluator before the emulator answers it
 * (test/support/iam-authorizer.ts). Nothing is denied; with one action removed, moto refuses
 * that call and rootlock names the action.
 *
 * What this proves, and what it cannot (docs/testing-emulator.md, "Least privilege: moto's IAM
 * evaluator"):
 * - moto judges Action lists only. It compares a statement's Resource with `*` for nearly every
 *   call and has no request context for conditions, so the principal holds policyForMoto(doc):
 *   the same actions with Resource `*` and no Condition. Resource scoping is unproven here.
 * - The conditions of the two policies are checked by this file against the parameters the
 *   root layer recorded (AttachGroupPolicy's PolicyArn, AssumeRoot's TaskPolicyArn,
 *   EnableAWSServiceAccess's ServicePrincipal): the test's reading, not moto's.
 * - moto authorizes a call's own action only: the actions AWS authorizes along with it
 *   (iam:TagUser with a tagged CreateUser, iam:PassRole with AddRoleToInstanceProfile, ...) are
 *   never asked about. Calls moto has no route for (Account API contact information) are not
 *   evaluated: the authorizer's control user shows which, and each run lists them.
 * - Each run lists the policy actions it did not exercise, with the reason.
 */
import { AssociateIamInstanceProfileCommand } from '@aws-sdk/client-ec2';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetUserCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { statementFor } from '../../src/aws/errors.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { runRootlock, type RunResult } from '../support/harness.js';
import { policyForMoto, useIamAuthorizer, type AuthorizedCall } from '../support/iam-authorizer.js';
import { makeOrganization } from '../steps/root-keys/support.js';
import { policyActions, readPolicy, type PolicyDocument } from './iam-policy.js';
import {
  ACCOUNT,
  changeEnds,
  fastClock,
  isMutatingOperation,
  onboardingAnswers,
  REGION_FLAGS,
  seedAccount,
  useFaultProxy,
} from './support.js';

const emu = useEmulator();
// rootlock -> authorizer (moto's verdict) -> fault proxy (no rules unless a test sets them) -> root layer -> moto.
const proxy = useFaultProxy(emu);
const auth = useIamAuthorizer(() => ({ endpoint: proxy().url }));

const PRINCIPAL = 'least-privilege';
const CHECK = readPolicy('check-policy.json');
const WIZARD = readPolicy('wizard-policy.json');
const sorted = (s: Iterable<string>) => [...new Set(s)].sort();

/** The policy without one action (statements left empty are dropped). */
function without(doc: PolicyDocument, action: string): PolicyDocument {
  return {
    ...doc,
    Statement: doc.Statement.flatMap((s) => {
      const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action);
      return actions.length > 0 ? [{ ...s, Action: actions }] : [];
    }),
  };
}

/**
 * Gives the principal the policy: in the authorizer (what moto evaluates) and, as data, to the
 * same user in the emulator (what rootlock reads about the caller). The emulator gets the moto
 * form too: moto's policy validator refuses the `arn:aws:iam::*:root` resource of sts:AssumeRoot.
 */
async function givePolicy(doc: PolicyDocument): Promise<void> {
  const form = policyForMoto(doc);
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await iam.send(new CreateUserCommand({ UserName: PRINCIPAL })).catch((err: { name?: string }) => {
    if (!err.name?.startsWith('EntityAlreadyExists')) throw err;
  });
  await iam.send(
    new PutUserPolicyCommand({ UserName: PRINCIPAL, PolicyName: 'rootlock', PolicyDocument: JSON.stringify(form) }),
  );
  await auth().setPolicy(form);
  auth().clear();
  emu().layer.requests.length = 0;
}

const asPrincipal = (argv: string[], answers: Record<string, unknown> = {}): Promise<RunResult> =>
  runRootlock(auth().url, argv, { credentials: auth().principal, answers, deps: { clock: fastClock } });

const principalCalls = (): AuthorizedCall[] => auth().calls.filter((c) => c.verdict !== 'other-principal');
const withVerdict = (v: AuthorizedCall['verdict']) =>
  sorted(
    principalCalls()
      .filter((c) => c.verdict === v)
      .map((c) => c.action),
  );

/** What moto said about a run. */
function verdicts() {
  return {
    denied: withVerdict('denied'),
    credentialsRefused: withVerdict('credentials-refused'),
    notEvaluated: withVerdict('not-evaluated'),
  };
}

/** Account API contact information: moto has no route for it, so it never evaluates these calls. */
const CONTACT_INFORMATION = ['account:GetContactInformation', 'account:PutContactInformation'];

/** A run that needed nothing beyond the policy: moto refused nothing, and only contact information went unevaluated. */
function nothingDenied(notEvaluated: string[]): void {
  expect(verdicts()).toEqual({ denied: [], credentialsRefused: [], notEvaluated });
}

/** Every `deniedAction` anywhere in a value (check JSON). */
function deniedActions(v: unknown): string[] {
  if (!v || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
    k === 'deniedAction' && typeof x === 'string' ? [x] : deniedActions(x),
  );
}

/** The policy's actions the run did not exercise (moto evaluated and allowed the others). */
function notExercised(doc: PolicyDocument): string[] {
  const allowed = new Set(withVerdict('allowed'));
  return sorted(policyActions(doc)).filter((a) => !allowed.has(a));
}

/** Request parameters an AWS condition key is read from, for the conditions in docs/iam. */
const CONDITION_CONTEXT: Record<string, (params: Record<string, unknown>) => unknown> = {
  'iam:PolicyARN': (p) => p.PolicyArn,
  'sts:TaskPolicyArn': (p) => p['TaskPolicyArn.arn'],
  'organizations:ServicePrincipal': (p) => p.ServicePrincipal,
};

/**
 * The policy's conditions against what the principal sent (as the root layer recorded it):
 * every request for a conditioned action must meet its StringEquals / ArnEquals. Returns the
 * violations and the conditioned actions the run never sent (nothing to judge).
 */
function conditions(doc: PolicyDocument): { violations: string[]; unjudged: string[] } {
  const key = auth().principal.accessKeyId;
  const sent = emu().layer.requests.filter((r) => r.accessKeyId === key);
  const violations: string[] = [];
  const unjudged: string[] = [];
  for (const s of doc.Statement) {
    if (!s.Condition) continue;
    for (const action of Array.isArray(s.Action) ? s.Action : [s.Action]) {
      const requests = sent.filter((r) => `${r.service}:${r.operation}` === action);
      if (requests.length === 0) unjudged.push(action);
      for (const [op, tests] of Object.entries(s.Condition as Record<string, Record<string, string | string[]>>)) {
        if (op !== 'StringEquals' && op !== 'ArnEquals') throw new Error(`${s.Sid}: no reading of ${op}`);
        for (const [contextKey, want] of Object.entries(tests)) {
          const read = CONDITION_CONTEXT[contextKey];
          for (const r of requests) {
            const got = read ? String(read(r.params)) : `(no reading of ${contextKey})`;
            if (!(Array.isArray(want) ? want : [want]).includes(got))
              violations.push(`${action}: ${contextKey} is ${got}, the policy allows ${JSON.stringify(want)}`);
          }
        }
      }
    }
  }
  return { violations, unjudged: sorted(unjudged) };
}

/** The step statuses, summaries and findings of a `check --json` document, and its next steps. */
function report(json: any) {
  return {
    steps: (json?.steps ?? []).map((s: any) => ({
      id: s.id,
      status: s.status,
      summary: s.summary,
      findings: (s.findings ?? []).map((f: any) => f.message),
    })),
    nextSteps: (json?.nextSteps ?? []).map((n: any) => ({ id: n.id, status: n.status })),
  };
}

/** Each step's final status, from the run's summary. */
function finalStatuses(r: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of r.output.lines.slice(r.output.lines.indexOf('== Summary') + 1)) {
    const m = /^\[\w+\] (.+?): (PASS|FAIL|ERROR|MANUAL):/.exec(l);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** A user an earlier rootlock run left half-done (created, tagged pending), with a key and optionally a console password. */
async function seedHalfDoneUser(name: string, loginProfile: boolean): Promise<void> {
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await iam.send(
    new CreateUserCommand({
      UserName: name,
      Tags: [
        { Key: 'created-by', Value: 'rootlock' },
        { Key: 'rootlock-setup', Value: 'pending' },
      ],
    }),
  );
  await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  if (loginProfile)
    await iam.send(new CreateLoginProfileCommand({ UserName: name, Password: 'Earlier-session-password-1' }));
}

const ORGANIZATION_ONLY = [
  'iam:EnableOrganizationsRootCredentialsManagement', // an organization's management account: see the organization test
  'organizations:EnableAWSServiceAccess',
  'sts:AssumeRoot',
];
/**
 * What only an organization's accounts read, which a standalone account never needs: centralized root
 * access (the account type already says there is no organization), a member's delegated-administrator
 * registrations, and IAM Identity Center (readable from the management or delegated administrator
 * account only), with the customer managed policies its permission sets name. Exercised by
 * test/e2e/account-types.test.ts and test/steps/admins/identity-center.emulator.test.ts.
 */
const ORGANIZATION_READS = [
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListOrganizationsFeatures',
  'identitystore:DescribeGroup',
  'identitystore:DescribeUser',
  'identitystore:ListGroupMemberships',
  'identitystore:ListGroups',
  'identitystore:ListUsers',
  'organizations:ListDelegatedServicesForAccount',
  'sso:DescribeAccountAssignmentCreationStatus',
  'sso:DescribePermissionSet',
  'sso:GetInlinePolicyForPermissionSet',
  'sso:ListAccountAssignments',
  'sso:ListCustomerManagedPolicyReferencesInPermissionSet',
  'sso:ListInstances',
  'sso:ListManagedPoliciesInPermissionSet',
  'sso:ListPermissionSets',
];
/** Actions AWS authorizes along with another call; moto only ever asks about the call's own action. */
const AUTHORIZED_ALONG = ['iam:PassRole', 'iam:TagInstanceProfile', 'iam:TagRole', 'iam:TagUser'];
/** Reads the gate makes only after a lost answer: see the lost-answers test. */
const READ_BACKS = [
  'iam:GetGroup',
  'iam:GetInstanceProfile',
  'iam:GetRole',
  'iam:ListAttachedGroupPolicies',
  'iam:ListAttachedRolePolicies',
  'iam:ListGroupsForUser',
  'iam:ListUserTags',
];
/** Undoing a user rootlock created in this session: see the iam:UntagUser removal. */
const ROLLBACK = ['iam:DeleteLoginProfile', 'iam:DeleteUser', 'iam:RemoveUserFromGroup'];

describe("what moto's evaluator judges (asserted, so that a moto upgrade that changes it is noticed)", () => {
  it('the policy it judges: the same actions (S3 Control renamed), Resource *, no Condition', () => {
    for (const doc of [CHECK, WIZARD]) {
      const form = policyForMoto(doc);
      expect(sorted(policyActions(form as PolicyDocument))).toEqual(
        sorted(
          [...policyActions(doc)].map((a) => (a === 's3:GetAccountPublicAccessBlock' ? 's3:GetPublicAccessBlock' : a)),
        ),
      );
      for (const st of form.Statement) {
        expect(st.Resource).toBe('*');
        expect(st.Condition).toBeUndefined();
      }
    }
  });

  it('moto refuses to store the policies as written (arn:aws:iam::*:root is not an IAM resource path to it)', async () => {
    await expect(auth().setPolicy(CHECK)).rejects.toThrow(/IAM resource path must either be "\*" or start with/);
  });

  it('a statement scoped to resource ARNs allows nothing (moto compares Resource with "*")', async () => {
    await givePolicy(CHECK);
    await auth().setPolicy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'iam:GetUser', Resource: 'arn:aws:iam::*:user/*' }],
    });
    const { iam } = testClients(auth().url, auth().principal);
    await expect(iam.send(new GetUserCommand({ UserName: PRINCIPAL }))).rejects.toThrow(
      /not authorized to perform: iam:GetUser/,
    );
    expect(withVerdict('denied')).toEqual(['iam:GetUser']);
  });

  it('conditions are not evaluated, nor the actions AWS authorizes along with a call', async () => {
    await givePolicy(CHECK);
    await auth().setPolicy({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'iam:CreateUser', Resource: '*' },
        {
          Effect: 'Allow',
          Action: 'iam:AttachUserPolicy',
          Resource: '*',
          Condition: { ArnEquals: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/ReadOnlyAccess' } },
        },
      ],
    });
    const { iam } = testClients(auth().url, auth().principal);
    // AWS: iam:TagUser is needed too for a tagged CreateUser; the condition refuses another policy.
    await iam.send(new CreateUserCommand({ UserName: 'tagged', Tags: [{ Key: 'k', Value: 'v' }] }));
    await iam.send(
      new AttachUserPolicyCommand({ UserName: 'tagged', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }),
    );
    expect(verdicts()).toEqual({ denied: [], credentialsRefused: [], notEvaluated: [] });
    expect(withVerdict('allowed')).toEqual(['iam:AttachUserPolicy', 'iam:CreateUser']);
  });
});

describe('rootlock check as a principal holding only docs/iam/check-policy.json', { timeout: 300_000 }, () => {
  it('a standalone account: moto refuses nothing, and the report is the one an administrator gets', async () => {
    const acct = await seedAccount(emu());
    // Root MFA on: the next steps then classify it (iam:ListVirtualMFADevices).
    emu().layer.root(ACCOUNT).mfaEnabled = true;
    // A user left half-done is read directly (GetUser, GetLoginProfile, ListMFADevices, ListAccessKeys, GetAccessKeyLastUsed).
    await seedHalfDoneUser('half-done', false);
    await givePolicy(CHECK);

    const r = await asPrincipal(['check', '--json', ...REGION_FLAGS]);
    nothingDenied(['account:GetContactInformation']);
    expect(deniedActions(r.json)).toEqual([]);
    expect(r.output.text).not.toMatch(/access denied/i);

    // Least privilege changes nothing reported: the same account, read by an administrator.
    const admin = await runRootlock(emu().endpoint, ['check', '--json', ...REGION_FLAGS], {
      credentials: acct.firstAdmin,
    });
    expect(r.code).toBe(admin.code);
    expect(report(r.json)).toEqual(report(admin.json));
    expect(report(r.json).steps.map((s: { id: string }) => s.id)).toEqual([
      'admins',
      'ec2-roles',
      'billing-recovery',
      'root-keys',
    ]);

    expect(notExercised(CHECK)).toEqual(
      sorted([
        'account:GetContactInformation', // not evaluated: moto has no route for it
        'ec2:DescribeIamInstanceProfileAssociations', // check reads no associations (the wizard does)
        'ec2:DescribeRegions', // the run names its region (--regions us-east-1)
        'sts:AssumeRoot', // an organization's management account: see the organization test
        ...ORGANIZATION_READS,
      ]),
    );
  });
});

describe('the wizard as a principal holding only docs/iam/wizard-policy.json', { timeout: 300_000 }, () => {
  it('onboards a standalone account: every change applied, moto refuses nothing', async () => {
    const acct = await seedAccount(emu());
    emu().layer.root(ACCOUNT).mfaEnabled = true;
    // An admin an earlier run left half-done, with a console password nobody here saw: completed, password replaced.
    await seedHalfDoneUser('earlier-admin', true);
    // One instance has a profile that holds no role: replaced.
    const { iam, ec2 } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'no-role' }));
    await ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: acct.instanceIds[1],
        IamInstanceProfile: { Name: 'no-role' },
      }),
    );
    await givePolicy(WIZARD);

    const r = await asPrincipal(REGION_FLAGS, {
      ...onboardingAnswers(acct.instanceIds),
      'admins.pending.action': 'complete',
      'admins.pending.reset-password': true,
      'ec2-roles.replace': true,
      // An IAM user cannot touch the root user's keys: root-keys hands them to the console.
      'root-keys.recheck': 'stop',
    });
    nothingDenied(CONTACT_INFORMATION);
    expect(r.output.text).not.toMatch(/access denied/i);
    const ends = [...changeEnds(r.journalPath).values()];
    expect(ends.filter((e) => e.outcome !== 'applied')).toEqual([]);
    expect(sorted(ends.map((e) => String(e.operation)))).toEqual(
      sorted(
        principalCalls()
          .filter((c) => isMutatingOperation(c.action.split(':')[1]!))
          .map((c) => c.action),
      ),
    );
    expect(finalStatuses(r)).toEqual({
      Administrators: 'PASS',
      'EC2 instance roles': 'PASS',
      'Billing and recovery contacts': 'PASS',
      'Root access keys': 'FAIL',
    });
    expect(conditions(WIZARD)).toEqual({
      violations: [],
      unjudged: ['iam:PassRole', 'organizations:EnableAWSServiceAccess', 'sts:AssumeRoot'],
    });

    expect(notExercised(WIZARD)).toEqual(
      sorted([
        ...CONTACT_INFORMATION, // not evaluated: moto has no route for them
        'ec2:DescribeRegions', // the run names its region (--regions us-east-1)
        'iam:CreateLoginProfile', // the earlier admin is completed, so no user is created: see the lost-answers test
        'iam:CreateUser',
        ...ORGANIZATION_ONLY,
        ...ORGANIZATION_READS,
        'sso:CreateAccountAssignment', // where Identity Center is in use: see the Identity Center test
        ...AUTHORIZED_ALONG,
        ...READ_BACKS,
        ...ROLLBACK,
      ]),
    );
  });

  it('after lost answers, the gate reads back within the policy', async () => {
    const acct = await seedAccount(emu());
    await givePolicy(WIZARD);
    // Every change is applied and its answer replaced by HTTP 500: rootlock reads AWS back before going on.
    proxy().configure([{ kind: 'error-after', match: (c) => isMutatingOperation(c.operation), firstOfEach: true }]);
    const r = await asPrincipal(REGION_FLAGS, { ...onboardingAnswers(acct.instanceIds), 'root-keys.recheck': 'stop' });
    nothingDenied(CONTACT_INFORMATION);
    const ends = [...changeEnds(r.journalPath).values()];
    expect(ends.length).toBeGreaterThan(0);
    for (const e of ends) expect(`${e.change} ${e.outcome} ${e.lostAnswers}`).toBe(`${e.change} applied 1`);
    expect(READ_BACKS.filter((a) => !withVerdict('allowed').includes(a))).toEqual([]);
  });

  it('an organization: trusted access, centralized root access and AssumeRoot sessions, then check for the member', async () => {
    const { orgId, memberId } = await makeOrganization(emu().endpoint, { trustedIam: false });
    emu().layer.seedRoot(memberId, { keys: [{}, { status: 'Inactive' }] });
    await givePolicy(WIZARD);

    const wizard = await asPrincipal(['--only', 'root-keys', ...REGION_FLAGS, '--target-account', memberId], {
      'root-keys.apply': true,
      'root-keys.override': memberId,
    });
    expect(wizard.code).toBe(0);
    nothingDenied(['account:GetContactInformation']);
    expect(emu().layer.organizationFeatures(orgId)).toEqual(['RootCredentialsManagement']);
    expect(emu().layer.root(memberId).rootKeys).toEqual([]);
    // Calls the root layer answers itself were evaluated by moto first.
    expect(withVerdict('allowed')).toEqual(
      expect.arrayContaining(['iam:ListOrganizationsFeatures', ...ORGANIZATION_ONLY]),
    );
    // The member's keys were handled in AssumeRoot sessions: the task policy governs those calls (the root layer enforces it).
    expect(
      sorted(
        auth()
          .calls.filter((c) => c.verdict === 'other-principal')
          .map((c) => c.accessKeyId.slice(0, 4)),
      ),
    ).toEqual(['ASIA']);
    expect(conditions(WIZARD)).toEqual({ violations: [], unjudged: ['iam:AttachGroupPolicy', 'iam:PassRole'] });

    // check, for the member, with its root keys back: reads them in an audit session only.
    emu().layer.seedRoot(memberId, { keys: [{}] });
    await givePolicy(CHECK);
    const check = await asPrincipal(['check', '--json', ...REGION_FLAGS, '--target-account', memberId]);
    nothingDenied(['account:GetContactInformation']);
    expect(deniedActions(check.json)).toEqual([]);
    const rootKeys = (check.json?.steps ?? []).find((s: { id: string }) => s.id === 'root-keys');
    expect(rootKeys?.status).toBe('fail');
    expect(rootKeys?.summary).toContain(memberId);
    expect(withVerdict('allowed')).toContain('sts:AssumeRoot');
    expect(conditions(CHECK)).toEqual({ violations: [], unjudged: [] });
  });
});

interface RemovalCase {
  action: string;
  policy: 'check' | 'wizard';
  /** Runs rootlock in a freshly seeded emulator. */
  run: () => Promise<RunResult>;
  /** How the output names the refused action; default "access denied for <action>" (any case). */
  named?: RegExp;
  /** What the run must show about the refusal, beyond naming the action. */
  shows: (r: RunResult) => void;
}

const checkRun = async (): Promise<RunResult> => {
  await seedAccount(emu());
  return asPrincipal(['check', '--json', ...REGION_FLAGS]);
};

const REMOVALS: RemovalCase[] = [
  {
    // IAM (query protocol): moto's refusal names the action.
    action: 'iam:GetAccountAuthorizationDetails',
    policy: 'check',
    run: checkRun,
    shows: (r) => expect(sorted(deniedActions(r.json))).toEqual(['iam:GetAccountAuthorizationDetails']),
  },
  {
    // EC2: moto answers AccessDenied (AWS: UnauthorizedOperation), naming the action.
    action: 'ec2:DescribeInstances',
    policy: 'check',
    run: checkRun,
    shows: (r) => expect(sorted(deniedActions(r.json))).toEqual(['ec2:DescribeInstances']),
  },
  {
    // Account API (REST-JSON): moto answers in XML, which the SDK cannot read; rootlock names
    // the action from the call (HTTP 403), not from moto's message.
    action: 'account:GetAlternateContact',
    policy: 'check',
    run: checkRun,
    shows: (r) => expect(sorted(deniedActions(r.json))).toEqual(['account:GetAlternateContact']),
  },
  {
    // S3 Control: moto evaluates it as s3:GetPublicAccessBlock (the policy form renames it) and
    // says only "Access Denied"; the next step is left unchecked, naming AWS's action.
    action: 's3:GetAccountPublicAccessBlock',
    policy: 'check',
    run: checkRun,
    shows: (r) => {
      const item = (r.json?.nextSteps ?? []).find((n: { id: string }) => n.id === 's3-public-access-block');
      expect(item?.status).toBe('not-checked');
    },
  },
  {
    // A write: the new admin is left half-done and rolled back, within the policy.
    action: 'iam:UntagUser',
    policy: 'wizard',
    run: async () => {
      const acct = await seedAccount(emu());
      return asPrincipal(REGION_FLAGS, {
        ...onboardingAnswers(acct.instanceIds),
        'admins.pending.action': 'rollback',
        'root-keys.recheck': 'stop',
      });
    },
    shows: (r) => {
      expect(r.output.lines).toContain(
        `[fail] Access denied for iam:UntagUser. Add this statement to the caller's policy, or run as a principal that has it: ${statementFor('iam:UntagUser')}`,
      );
      expect(withVerdict('allowed')).toEqual(expect.arrayContaining(ROLLBACK));
      const ends = [...changeEnds(r.journalPath).values()];
      expect(ends.filter((e) => e.operation === 'iam:DeleteUser').map((e) => e.outcome)).toEqual(['applied']);
    },
  },
  {
    // A call the root layer answers itself (AssumeRoot): refused by moto before the layer sees it.
    action: 'sts:AssumeRoot',
    policy: 'wizard',
    run: async () => {
      const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
      emu().layer.seedRoot(memberId, { keys: [{}] });
      return asPrincipal(['--only', 'root-keys', ...REGION_FLAGS, '--target-account', memberId], {
        'root-keys.apply': true,
        'root-keys.override': memberId,
      });
    },
    named: /sts:AssumeRoot was refused for member account \d{12} \(AccessDenied\).*The caller needs sts:AssumeRoot/,
    shows: () => {
      expect(emu().layer.requests.filter((q) => q.operation === 'AssumeRoot')).toEqual([]);
    },
  },
];

describe('one action removed from the policy: moto refuses that call and rootlock names it', {
  timeout: 300_000,
}, () => {
  it.each(REMOVALS.map((c) => [c.action, c] as const))('%s', async (action, c) => {
    await givePolicy(without(c.policy === 'check' ? CHECK : WIZARD, action));
    const r = await c.run();
    expect(verdicts().denied).toEqual([action]);
    expect(
      principalCalls()
        .filter((x) => x.verdict === 'denied')
        .every((x) => x.status === 403),
    ).toBe(true);
    const named = c.named ?? new RegExp(`access denied for ${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
    expect(`${r.output.text}\n${r.stdout}`).toMatch(named);
    c.shows(r);
  });
});
