/**
 * An emulated organization for `check --org` tests: a management account with an operator (an
 * IAM user with an inline administrator policy), OUs two levels deep, and N member accounts
 * whose states follow their index, so every test knows what each member should look like:
 *
 * | index % 10 | member state                                                        |
 * |------------|---------------------------------------------------------------------|
 * | 0          | clean: 2 admins, contacts, read role, no root credentials (passes) |
 * | 1          | a root access key                                                   |
 * | 2          | a root signing certificate                                          |
 * | 3          | a root password (reported, not a failure)                           |
 * | 4          | root MFA devices (a virtual and a FIDO key; reported)               |
 * | 5          | no security alternate contact                                       |
 * | 6          | no read role (AssumeRole refused)                                   |
 * | 7          | an SCP that denies the read role IAM reads                          |
 * | 8          | only one admin                                                      |
 * | 9          | clean, in another OU                                                |
 *
 * plus, when asked, one suspended (closed) account. Members are built concurrently, in the
 * member accounts themselves (the root layer's `actAs` credentials), the way a StackSet and an
 * account factory would have left them. Administrators and the role use inline policies, so the
 * emulator can run without loading AWS managed policies in each of hundreds of accounts.
 */
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { AccountClient, PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import {
  CreateRoleCommand,
  CreateUserCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients, type IamUserCredentials } from './clients.js';
import { REPO_ROOT, type Emulator } from './emulator.js';

export const MEMBER_ROLE = 'rootlock-read';

export type MemberKind =
  | 'clean'
  | 'root-key'
  | 'root-certificate'
  | 'root-password'
  | 'root-mfa'
  | 'no-security-contact'
  | 'no-role'
  | 'scp-denied'
  | 'one-admin'
  | 'clean-other-ou';

const KINDS: MemberKind[] = [
  'clean',
  'root-key',
  'root-certificate',
  'root-password',
  'root-mfa',
  'no-security-contact',
  'no-role',
  'scp-denied',
  'one-admin',
  'clean-other-ou',
];

export interface FixtureMember {
  id: string;
  name: string;
  kind: MemberKind;
  ou: string;
}

export interface OrgFixture {
  orgId: string;
  managementId: string;
  rootId: string;
  ous: Record<'workloads' | 'prod' | 'sandbox', string>;
  operator: IamUserCredentials;
  members: FixtureMember[];
  suspended?: FixtureMember;
}

export interface OrgFixtureOptions {
  members: number;
  /** Close one more account (SUSPENDED). */
  suspended?: boolean;
  /** Turn on centralized root access (default true). */
  rootAccess?: boolean;
  /** Turn on trusted access for AWS Account Management (default true). */
  accountAccess?: boolean;
  /** Members built at once. */
  concurrency?: number;
}

const INLINE_ADMIN = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

/**
 * The read role's policy: the actions of docs/iam/check-policy.json, on `*` and without
 * conditions (moto refuses the `arn:aws:iam::*:root` resource when the policy is stored; it
 * authorizes nothing here either way: the emulator runs without IAM authorization).
 */
const CHECK_POLICY = (() => {
  // From the sources or from their build in .cache/support-build (bench/org.mjs).
  const file = [REPO_ROOT, path.resolve(REPO_ROOT, '..', '..')]
    .map((root) => path.join(root, 'docs', 'iam', 'check-policy.json'))
    .find((f) => existsSync(f)) as string;
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    Version: string;
    Statement: Array<{ Sid?: string; Effect: string; Action: string | string[] }>;
  };
  return JSON.stringify({
    Version: doc.Version,
    Statement: doc.Statement.map((st) => ({ Sid: st.Sid, Effect: st.Effect, Action: st.Action, Resource: '*' })),
  });
})();

const CONTACT = { Name: 'Sec Team', Title: 'Security', EmailAddress: 'sec@example.com', PhoneNumber: '+1 555 0100' };
const PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Springfield',
  StateOrRegion: 'IL',
  PostalCode: '62701',
  CountryCode: 'US',
  PhoneNumber: '+1 555 0100',
};

async function mapConcurrent<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

/** What the member's own administrator sets up in it. */
async function buildMember(emu: Emulator, m: FixtureMember, managementId: string): Promise<void> {
  const creds = emu.layer.actAs(m.id);
  const common = { endpoint: emu.endpoint, credentials: creds, maxAttempts: 1, region: 'us-east-1' };
  const iam = new IAMClient(common);
  const account = new AccountClient(common);
  const admins = m.kind === 'one-admin' ? 1 : 2;
  for (let i = 1; i <= admins; i++) {
    const UserName = `admin-${i}`;
    await iam.send(new CreateUserCommand({ UserName }));
    await iam.send(new PutUserPolicyCommand({ UserName, PolicyName: 'admin', PolicyDocument: INLINE_ADMIN }));
  }
  if (m.kind !== 'no-role') {
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${managementId}:root` },
          Action: 'sts:AssumeRole',
          Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${managementId}:user/*` } },
        },
      ],
    };
    await iam.send(new CreateRoleCommand({ RoleName: MEMBER_ROLE, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(
      new PutRolePolicyCommand({ RoleName: MEMBER_ROLE, PolicyName: 'read', PolicyDocument: CHECK_POLICY }),
    );
  }
  for (const AlternateContactType of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
    if (AlternateContactType === 'SECURITY' && m.kind === 'no-security-contact') continue;
    await account.send(new PutAlternateContactCommand({ AlternateContactType, ...CONTACT }));
  }
  await account.send(new PutContactInformationCommand({ ContactInformation: PRIMARY }));
  switch (m.kind) {
    case 'root-key':
      emu.layer.seedRoot(m.id, { keys: [{}] });
      break;
    case 'root-certificate':
      emu.layer.seedRoot(m.id, { certificates: [{}] });
      break;
    case 'root-password':
      emu.layer.seedRoot(m.id, { password: true });
      break;
    case 'root-mfa':
      emu.layer.seedRoot(m.id, { mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }] });
      break;
  }
}

/** Builds the organization. */
export async function buildOrgFixture(emu: Emulator, opts: OrgFixtureOptions): Promise<OrgFixture> {
  const { organizations } = testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const org = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const orgId = org.Organization?.Id as string;
  const managementId = org.Organization?.MasterAccountId as string;
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const ou = async (ParentId: string, Name: string) =>
    (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId, Name }))).OrganizationalUnit
      ?.Id as string;
  const workloads = await ou(rootId, 'Workloads');
  const prod = await ou(workloads, 'Prod');
  const sandbox = await ou(rootId, 'Sandbox');
  const operator = await createIamUserWithKey(emu.endpoint, 'org-operator');
  await testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(
    new PutUserPolicyCommand({ UserName: 'org-operator', PolicyName: 'admin', PolicyDocument: INLINE_ADMIN }),
  );
  if (opts.rootAccess ?? true) {
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
    await testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(
      new EnableOrganizationsRootCredentialsManagementCommand({}),
    );
  }
  if (opts.accountAccess ?? true)
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }));

  const members: FixtureMember[] = [];
  const total = opts.members + (opts.suspended ? 1 : 0);
  for (let i = 0; i < total; i++) {
    const name = `member-${String(i).padStart(4, '0')}`;
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const id = created.CreateAccountStatus?.AccountId as string;
    const kind = KINDS[i % KINDS.length] as MemberKind;
    const target = kind === 'clean-other-ou' ? sandbox : i % 2 === 0 ? prod : workloads;
    await organizations.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: target }),
    );
    await organizations.send(
      new TagResourceCommand({ ResourceId: id, Tags: [{ Key: 'team', Value: i % 3 === 0 ? 'blue' : 'green' }] }),
    );
    const ouName = target === sandbox ? 'Root/Sandbox' : target === prod ? 'Root/Workloads/Prod' : 'Root/Workloads';
    members.push({ id, name, kind, ou: ouName });
  }
  const suspended = opts.suspended ? members.pop() : undefined;

  // The SCP that denies the read role its IAM reads, on the scp-denied members.
  await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  const scp = await organizations.send(
    new CreatePolicyCommand({
      Name: 'deny-read-role-iam',
      Description: 'test: the read role may not read IAM',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: 'iam:*',
            Resource: '*',
            Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::*:role/${MEMBER_ROLE}` } },
          },
        ],
      }),
    }),
  );
  const scpId = scp.Policy?.PolicySummary?.Id as string;
  await mapConcurrent(members, opts.concurrency ?? 16, async (m) => {
    await buildMember(emu, m, managementId);
    if (m.kind === 'scp-denied') await organizations.send(new AttachPolicyCommand({ PolicyId: scpId, TargetId: m.id }));
  });
  if (suspended) {
    await buildMember(emu, suspended, managementId);
    await organizations.send(new CloseAccountCommand({ AccountId: suspended.id }));
  }
  return { orgId, managementId, rootId, ous: { workloads, prod, sandbox }, operator, members, suspended };
}
