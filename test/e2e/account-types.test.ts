/**
 * The account's kind, end to end: `rootlock check --json` from a standalone account, an
 * organization's management account, a plain member and a member that is the delegated
 * administrator for centralized root access, each signed in as an IAM administrator of that
 * account. Each document's `account.type` and `account.organization` must match the emulated
 * organization, the "Acting as" line must say it, and the reads the account type forbids must not
 * turn into errors.
 */
import { PutUserPolicyCommand, IAMClient } from '@aws-sdk/client-iam';
import { RegisterDelegatedAdministratorCommand } from '@aws-sdk/client-organizations';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type TestCredentials,
} from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { runRootlock } from '../support/harness.js';
import { buildOrgFixture, type OrgFixture } from '../support/org-fixture.js';

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
const STANDALONE = '210987654321';
const ADMIN_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

let org: OrgFixture;
let member: string;
let delegated: string;

/** An IAM administrator of `accountId` (created by the layer's set-up credentials for that account). */
async function adminOf(accountId: string, name: string): Promise<TestCredentials> {
  const setup = emu().layer.actAs(accountId);
  const user = await createIamUserWithKey(emu().endpoint, name, undefined, setup);
  const iam = new IAMClient({ endpoint: emu().endpoint, credentials: setup, region: 'us-east-1', maxAttempts: 1 });
  await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'admin', PolicyDocument: ADMIN_POLICY }));
  return user;
}

async function check(credentials: TestCredentials) {
  return runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], { credentials });
}

type Doc = {
  steps: Array<{ id: string; status: string; findings: Array<{ id: string; kind: string }> }>;
  nextSteps: Array<{ id: string; status: string; message: string }>;
};
const nextStep = (doc: Doc, id: string) => doc.nextSteps.find((n) => n.id === id);
const findingIds = (doc: Doc, step: string) => doc.steps.find((s) => s.id === step)?.findings.map((f) => f.id) ?? [];

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: 10 });
  member = org.members.find((m) => m.kind === 'clean')?.id as string;
  delegated = org.members.find((m) => m.kind === 'clean-other-ou')?.id as string;
  await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).organizations.send(
    new RegisterDelegatedAdministratorCommand({ AccountId: delegated, ServicePrincipal: 'iam.amazonaws.com' }),
  );
}, 300_000);

describe('the account type in check --json and the "Acting as" line', () => {
  it('standalone: no organization, one read to tell and none after it', async () => {
    const r = await check(await adminOf(STANDALONE, 'standalone-admin'));
    expect(r.json.account).toMatchObject({ id: STANDALONE, type: 'standalone', organization: null });
    expect(r.json.account.typeNote).toBeUndefined();
    expect(r.output.text).toContain('a standalone account (not in an AWS Organization)');
    expect(r.json.apiCalls.byOperation['organizations:DescribeOrganization']).toBe(1);
    expect(r.json.apiCalls.byOperation['iam:ListOrganizationsFeatures']).toBeUndefined();
    // Verdicts: not in an organization (Security Hub Account.2); root MFA required.
    expect(nextStep(r.json, 'organization-member')?.status).toBe('fail');
    expect(nextStep(r.json, 'root-mfa')?.status).toBe('fail');
    expect(findingIds(r.json, 'root-keys')).toContain('root-keys.no-mfa');
  });

  it('management account: the organization and centralized root access', async () => {
    const r = await check(org.operator);
    expect(r.json.account).toMatchObject({
      id: org.managementId,
      type: 'management',
      organization: {
        id: org.orgId,
        managementAccountId: org.managementId,
        rootCredentialsManagement: true,
        rootSessions: false,
      },
    });
    expect(r.output.text).toContain(`the management account of organization ${org.orgId}, centralized root access on`);
    // root-keys shares the one ListOrganizationsFeatures answer with the classification.
    expect(r.json.apiCalls.byOperation['iam:ListOrganizationsFeatures']).toBe(1);
    // The management account's root is out of AssumeRoot's reach: its MFA is required like a standalone's.
    expect(nextStep(r.json, 'organization-member')?.status).toBe('pass');
    expect(nextStep(r.json, 'root-mfa')?.status).toBe('fail');
  });

  it('member: the refused management-only reads are answers, not errors', async () => {
    const r = await check(await adminOf(member, 'member-admin'));
    // Neither the classification nor root-keys asks again what a member may not read.
    expect(r.json.apiCalls.byOperation['iam:ListOrganizationsFeatures']).toBe(1);
    expect(r.json.account).toMatchObject({
      id: member,
      type: 'member',
      organization: { id: org.orgId, managementAccountId: org.managementId, rootCredentialsManagement: null },
      typeNote: 'Whether centralized root access is on can be read only from the management account.',
    });
    expect(r.output.text).toContain(
      `a member account of organization ${org.orgId} (management account ${org.managementId})`,
    );
    const rootKeys = r.json.steps.find((s: { id: string }) => s.id === 'root-keys');
    expect(rootKeys.status).toBe('pass');
    expect(nextStep(r.json, 'organization-member')?.status).toBe('pass');
    // Whether the organization manages root access is not readable here, so not "not applicable"; but a root
    // user without password or keys cannot sign in until its password is recovered (then MFA is due).
    expect(nextStep(r.json, 'root-mfa')).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('no password'),
    });
    expect(findingIds(r.json, 'root-keys')).toContain('root-keys.no-mfa-no-password');
    expect(rootKeys.summary).toBe(
      'No root access keys. Root MFA is off, and nobody signs in as root until its password is recovered.',
    );
    expect(findingIds(r.json, 'root-keys')).not.toContain('root-keys.no-mfa');
    // The way out without a root sign-in is named: centralized root access from the management account.
    expect(JSON.stringify(rootKeys.findings)).toContain(
      `from the management account ${org.managementId} (or its delegated administrator for centralized root ` +
        `access), run rootlock --target-account ${member}.`,
    );
  });

  it('delegated administrator for centralized root access', async () => {
    const r = await check(await adminOf(delegated, 'delegated-admin'));
    expect(r.json.account).toMatchObject({
      id: delegated,
      type: 'delegated-admin',
      organization: {
        id: org.orgId,
        managementAccountId: org.managementId,
        rootCredentialsManagement: true,
        delegatedAdministratorFor: ['iam.amazonaws.com'],
      },
    });
    expect(r.output.text).toContain('its delegated administrator for centralized root access');
    // Centralized root access is known to be on and its root user has no credential at all (the emulator agrees).
    const root = emu().layer.root(delegated);
    expect([root.rootKeys.length, root.certificates.length, root.mfaDevices.length, root.password ?? null]).toEqual([
      0,
      0,
      0,
      null,
    ]);
    expect(nextStep(r.json, 'root-mfa')?.status).toBe('not-applicable');
    expect(findingIds(r.json, 'root-keys')).toContain('root-keys.mfa-not-applicable');
    expect(findingIds(r.json, 'root-keys')).not.toContain('root-keys.no-mfa');
    expect(r.json.steps.find((s: { id: string }) => s.id === 'root-keys').status).toBe('pass');
  });
});
