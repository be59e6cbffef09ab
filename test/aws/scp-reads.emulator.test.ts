/**
 * The SCP preflight of an organization fix end to end on the emulator: the reader
 * (src/aws/scp-reads.ts) reads each member's SCP levels through rootlock's pool, sharing every
 * answer across accounts, and the evaluator (src/iam/scp.ts) refuses an account under a
 * "deny root user actions" SCP without an AssumeRoot exception and clears one with it. The
 * emulator's own SCP enforcement (root layer, 14) then agrees: an AssumeRoot session in the refused
 * account is denied what the preflight said, and one in the cleared account deletes the root key.
 */
import {
  DeleteAccessKeyCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  ListAccessKeysCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { listOrganizationAccounts, type OrgAccount } from '../../src/aws/organization.js';
import { ClientPool } from '../../src/aws/pool.js';
import { ScpReader, type AccountScps } from '../../src/aws/scp-reads.js';
import { assumeRootContext, evaluateScps, rootSessionActions, type ScpPreflight } from '../../src/iam/scp.js';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type TestCredentials,
} from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';

const emu = useEmulator({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
const boot = () => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
const MGMT = '123456789012';
const ALL_KINDS = { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true };

const doc = (...statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** (a) "deny root user actions" without an exception for AssumeRoot sessions. */
const DENY_ROOT = doc({
  Sid: 'DenyRootUser',
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
});
/** (b) The same, exempting AssumeRoot sessions (AWS's example SCP). */
const DENY_ROOT_EXCEPT_ASSUMED = doc({
  Sid: 'DenyRootUserExceptAssumeRoot',
  Effect: 'Deny',
  Action: '*',
  Resource: '*',
  Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' }, Null: { 'aws:AssumedRoot': 'true' } },
});

async function createScp(name: string, content: string, targets: string[]): Promise<string> {
  const { organizations } = boot();
  const out = await organizations.send(
    new CreatePolicyCommand({ Name: name, Description: name, Type: 'SERVICE_CONTROL_POLICY', Content: content }),
  );
  const id = out.Policy?.PolicySummary?.Id as string;
  for (const TargetId of targets) await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId }));
  return id;
}

/**
 * An all-features organization with centralized root access, `n` members split between OUs
 * Locked and Open (first half Locked), SCPs enabled unless `scp: false`, and an operator in the
 * management account.
 */
async function organization(n: number, opts: { scp?: boolean } = {}) {
  const { organizations, iam } = boot();
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ou = async (Name: string) =>
    (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name }))).OrganizationalUnit
      ?.Id as string;
  const locked = await ou('Locked');
  const open = await ou('Open');
  const lockedIds: string[] = [];
  const openIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const out = await organizations.send(
      new CreateAccountCommand({ AccountName: `m${i}`, Email: `m${i}@example.com` }),
    );
    const id = out.CreateAccountStatus?.AccountId as string;
    const target = i < n / 2 ? locked : open;
    await organizations.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: target }),
    );
    (target === locked ? lockedIds : openIds).push(id);
  }
  await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  if (opts.scp ?? true)
    await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  const operator = await createIamUserWithKey(emu().endpoint, 'operator');
  const pool = new ClientPool({ region: 'us-east-1', endpoint: emu().endpoint, credentials: operator, maxAttempts: 1 });
  return { rootId, ous: { locked, open }, lockedIds, openIds, operator, pool };
}

async function assumeRoot(caller: TestCredentials, target: string, task: string): Promise<TestCredentials> {
  const out = await testClients(emu().endpoint, caller).sts.send(
    new AssumeRootCommand({
      TargetPrincipal: target,
      TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${task}` },
    }),
  );
  const c = out.Credentials;
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken,
  };
}

function preflight(read: AccountScps): ScpPreflight {
  if (read.status !== 'read') throw new Error(`SCPs of ${read.accountId}: ${read.status}`);
  return evaluateScps(read.levels, rootSessionActions(ALL_KINDS), assumeRootContext(read.accountId));
}

/** The organization's accounts as an organization fix reads them (OU ids on each path), the management one marked. */
async function orgAccounts(pool: ClientPool): Promise<Array<OrgAccount & { management: boolean }>> {
  return (await listOrganizationAccounts(pool)).map((a) => ({ ...a, management: a.id === MGMT }));
}

/** Requests the operator's key sent, by operation. */
function operatorCalls(accessKeyId: string, operation: string): number {
  return emu().layer.requests.filter((r) => r.accessKeyId === accessKeyId && r.operation === operation).length;
}

describe('SCP preflight against the emulator', () => {
  it('refuses accounts under a deny-root SCP naming policy and statement, clears the AssumeRoot exception, and reads each target and policy once', async () => {
    const org = await organization(20);
    const policyA = await createScp('deny-root-no-exception', DENY_ROOT, [org.ous.locked]);
    const exempted = org.openIds[0] as string;
    const policyB = await createScp('deny-root-except-assumeroot', DENY_ROOT_EXCEPT_ASSUMED, [exempted]);

    // The accounts as the organization fix has them (OU ids on each path), read through the pool.
    const accounts = await orgAccounts(org.pool);
    expect(accounts).toHaveLength(21);
    const reader = new ScpReader(org.pool);
    const reads = await Promise.all(accounts.map((a) => reader.levelsFor(a)));
    expect(reads.find((r) => r.accountId === MGMT)?.status).toBe('not-applicable');

    // Caching: ListRoots once, ListPoliciesForTarget once per distinct target (root, 2 OUs, 20
    // accounts), DescribePolicy once per distinct policy (FullAWSAccess, (a), (b)); concurrent callers shared calls.
    expect(reader.counters).toEqual({ ListRoots: 1, ListPoliciesForTarget: 23, DescribePolicy: 3 });
    expect(operatorCalls(org.operator.accessKeyId, 'ListPoliciesForTarget')).toBe(23);
    expect(operatorCalls(org.operator.accessKeyId, 'DescribePolicy')).toBe(3);
    // A second pass over the same accounts calls nothing.
    await Promise.all(accounts.map((a) => reader.levelsFor(a)));
    expect(reader.calls).toBe(27);

    const byId = new Map(reads.map((r) => [r.accountId, r]));
    const exemptedRead = byId.get(exempted);
    expect(exemptedRead?.status === 'read' && exemptedRead.levels.map((l) => [l.target.type, l.target.id])).toEqual([
      ['ROOT', org.rootId],
      ['ORGANIZATIONAL_UNIT', org.ous.open],
      ['ACCOUNT', exempted],
    ]);
    expect(exemptedRead?.status === 'read' && exemptedRead.levels[2]?.policies.map((p) => p.name).sort()).toEqual([
      'FullAWSAccess',
      'deny-root-except-assumeroot',
    ]);

    for (const id of org.lockedIds) {
      const r = preflight(byId.get(id) as AccountScps);
      expect(r.allowed).toBe(false);
      expect(r.blocks).toHaveLength(rootSessionActions(ALL_KINDS).length);
      expect(r.blocks[0]).toMatchObject({
        reason: 'explicit-deny',
        level: { type: 'ORGANIZATIONAL_UNIT', id: org.ous.locked, name: 'Locked' },
        policyId: policyA,
        policyName: 'deny-root-no-exception',
        statementSid: 'DenyRootUser',
        statementIndex: 0,
      });
      expect(r.blocks[0]?.message).toBe(
        `SCP "deny-root-no-exception" (${policyA}) attached to OU Locked (${org.ous.locked}) denies ` +
          'iam:ListAccessKeys to the AssumeRoot session: its statement "DenyRootUser" (Statement[0]) applies.',
      );
    }
    for (const id of org.openIds)
      expect(preflight(byId.get(id) as AccountScps)).toMatchObject({ allowed: true, blocks: [] });
    expect(policyB).toMatch(/^p-/);

    // The emulator agrees. (a): the session is refused what the preflight refused, and the key stays.
    const refused = org.lockedIds[0] as string;
    const refusedKey = emu().layer.seedRoot(refused, { keys: [{}] }).keys[0]!;
    const refusedSession = testClients(
      emu().endpoint,
      await assumeRoot(org.operator, refused, 'IAMDeleteRootUserCredentials'),
    );
    await expect(refusedSession.iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${refused}:root is not authorized to perform: iam:ListAccessKeys with an explicit deny in a service control policy`,
    });
    await expect(
      refusedSession.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: refusedKey.accessKeyId })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('iam:DeleteAccessKey with an explicit deny in a service control policy'),
    });
    expect(
      emu()
        .layer.root(refused)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual([refusedKey.accessKeyId]);

    // (b): the session the preflight cleared deletes the key, and an audit session sees it gone.
    const clearedKey = emu().layer.seedRoot(exempted, { keys: [{}] }).keys[0]!;
    const cleared = testClients(
      emu().endpoint,
      await assumeRoot(org.operator, exempted, 'IAMDeleteRootUserCredentials'),
    );
    await expect(cleared.iam.send(new ListAccessKeysCommand({}))).resolves.toMatchObject({
      AccessKeyMetadata: [expect.objectContaining({ AccessKeyId: clearedKey.accessKeyId })],
    });
    await cleared.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: clearedKey.accessKeyId }));
    const audit = testClients(emu().endpoint, await assumeRoot(org.operator, exempted, 'IAMAuditRootUserCredentials'));
    await expect(audit.iam.send(new ListAccessKeysCommand({}))).resolves.toMatchObject({ AccessKeyMetadata: [] });
    expect(emu().layer.root(exempted).rootKeys).toEqual([]);
  });

  it('an allow-list SCP without iam on an OU: no-allow-at-level, and the emulator refuses the session too', async () => {
    const org = await organization(2);
    const { organizations } = boot();
    const allowList = await createScp(
      'allow-compute-only',
      doc({ Effect: 'Allow', Action: ['ec2:*', 's3:*'], Resource: '*' }),
      [org.ous.locked],
    );
    await organizations.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: org.ous.locked }));
    const reader = new ScpReader(org.pool);
    const account = (await listOrganizationAccounts(org.pool)).find((a) => a.id === org.lockedIds[0]) as OrgAccount;
    const r = preflight(await reader.levelsFor(account));
    expect(r.blocks[0]).toMatchObject({
      reason: 'no-allow-at-level',
      level: { type: 'ORGANIZATIONAL_UNIT', id: org.ous.locked },
      policiesAtLevel: [{ id: allowList, name: 'allow-compute-only' }],
    });
    const session = testClients(
      emu().endpoint,
      await assumeRoot(org.operator, account.id, 'IAMDeleteRootUserCredentials'),
    );
    await expect(session.iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('because no service control policy allows the iam:ListAccessKeys action'),
    });
    // The other OU keeps FullAWSAccess: cleared, and the session may read.
    const other = (await listOrganizationAccounts(org.pool)).find((a) => a.id === org.openIds[0]) as OrgAccount;
    expect(preflight(await reader.levelsFor(other)).allowed).toBe(true);
    const otherSession = testClients(
      emu().endpoint,
      await assumeRoot(org.operator, other.id, 'IAMDeleteRootUserCredentials'),
    );
    await expect(otherSession.iam.send(new ListAccessKeysCommand({}))).resolves.toMatchObject({
      AccessKeyMetadata: [],
    });
  });

  it('SCPs not enabled on the root: every account is not-applicable after one ListRoots and nothing else', async () => {
    const org = await organization(4, { scp: false });
    const reader = new ScpReader(org.pool);
    const accounts = (await orgAccounts(org.pool)).filter((a) => !a.management);
    const reads = await Promise.all(accounts.map((a) => reader.levelsFor(a)));
    expect(reads.map((r) => r.status)).toEqual([
      'not-applicable',
      'not-applicable',
      'not-applicable',
      'not-applicable',
    ]);
    expect(reads[0]).toMatchObject({ why: expect.stringContaining('not enabled on the organization') });
    expect(reader.counters).toEqual({ ListRoots: 1, ListPoliciesForTarget: 0, DescribePolicy: 0 });
    expect(operatorCalls(org.operator.accessKeyId, 'ListPoliciesForTarget')).toBe(0);
  });

  it('the management account is not-applicable without a call', async () => {
    const org = await organization(1);
    const reader = new ScpReader(org.pool);
    expect(await reader.levelsFor({ id: MGMT, ouIds: [org.rootId], management: true })).toMatchObject({
      status: 'not-applicable',
    });
    expect(reader.calls).toBe(0);
  });

  it('a caller that may not read the organization: every account unreadable, naming the denied action, one call', async () => {
    const org = await organization(2);
    // A user in a member account (not a delegated administrator): Organizations reads are refused.
    const member = org.openIds[0] as string;
    const outsider = await createIamUserWithKey(emu().endpoint, 'outsider', undefined, emu().layer.actAs(member));
    const pool = new ClientPool({
      region: 'us-east-1',
      endpoint: emu().endpoint,
      credentials: outsider,
      maxAttempts: 1,
    });
    const reader = new ScpReader(pool);
    const reads = await Promise.all(
      [...org.lockedIds, ...org.openIds].map((id) => reader.levelsFor({ id, ouIds: [org.rootId, org.ous.open] })),
    );
    for (const r of reads) {
      expect(r.status).toBe('unreadable');
      if (r.status !== 'unreadable') continue;
      expect(r.failure).toMatchObject({ code: 'AccessDeniedException', deniedAction: 'organizations:ListRoots' });
      expect(r.message).toContain(`The service control policies of account ${r.accountId} could not be read`);
      expect(r.message).toContain('organizations:ListRoots');
    }
    expect(reader.counters.ListRoots).toBe(1);
  });
});
