/**
 * Proves the root layer against moto with the real AWS SDK: every behaviour listed in
 * root-layer.ts's header, and the errors around it.
 */
import {
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
} from '@aws-sdk/client-account';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  DisableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  ListOrganizationsFeaturesCommand,
  ListUsersCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  DescribeOrganizationCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, createIamUserWithKey, testClients, type TestCredentials } from './clients.js';
import { useEmulator } from './emulator.js';

const emu = useEmulator();
const ACCT = '123456789012';
const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const DELETE_TASK = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';
const AUDIT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

const clients = (creds: TestCredentials, region?: string) => testClients(emu().endpoint, creds, region);
const boot = () => clients(MOTO_BOOTSTRAP_CREDENTIALS);

/** Seeds root keys and returns the first key pair as credentials. */
function seedRootKeys(accountId = ACCT, n = 1): TestCredentials[] {
  const { keys } = emu().layer.seedRoot(accountId, { keys: Array.from({ length: n }, () => ({})) });
  return keys;
}

/** An organization with one member account, managed by the default account. */
async function makeOrganization(opts: { featureSet?: 'ALL' | 'CONSOLIDATED_BILLING'; trustedIam?: boolean } = {}) {
  const { organizations } = boot();
  const org = await organizations.send(new CreateOrganizationCommand({ FeatureSet: opts.featureSet ?? 'ALL' }));
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }),
  );
  const memberId = created.CreateAccountStatus?.AccountId;
  const orgId = org.Organization?.Id;
  if (!memberId || !orgId) throw new Error('organization setup failed');
  if (opts.trustedIam ?? true)
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  return { orgId, memberId };
}

describe('root identity', () => {
  it('answers GetCallerIdentity for a root key as the account root user', async () => {
    const [root] = seedRootKeys();
    const id = await clients(root!).sts.send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Arn: `arn:aws:iam::${ACCT}:root`, Account: ACCT, UserId: ACCT });
  });

  it('seeds AKIA-style key ids and 40-character secrets', () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{}, {}] });
    for (const k of keys) {
      expect(k.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(k.secretAccessKey).toHaveLength(40);
    }
    expect(keys[0]!.accessKeyId).not.toBe(keys[1]!.accessKeyId);
  });

  it('leaves other callers to moto', async () => {
    seedRootKeys();
    const id = await boot().sts.send(new GetCallerIdentityCommand({}));
    expect(id.Arn).not.toMatch(/:root$/);
    const user = await createIamUserWithKey(emu().endpoint, 'alice');
    const asUser = await clients(user).sts.send(new GetCallerIdentityCommand({}));
    expect(asUser.Arn).toBe(`arn:aws:iam::${ACCT}:user/alice`);
  });

  it("acts in a member account's own IAM when its root signs", async () => {
    const { memberId } = await makeOrganization();
    const [memberRoot] = seedRootKeys(memberId);
    const id = await clients(memberRoot!).sts.send(new GetCallerIdentityCommand({}));
    expect(id.Arn).toBe(`arn:aws:iam::${memberId}:root`);
    const created = await clients(memberRoot!).iam.send(new CreateUserCommand({ UserName: 'in-member' }));
    expect(created.User?.Arn).toBe(`arn:aws:iam::${memberId}:user/in-member`);
    const mgmtUsers = await boot().iam.send(new ListUsersCommand({}));
    expect(mgmtUsers.Users?.map((u) => u.UserName)).not.toContain('in-member');
  });
});

describe('root access keys', () => {
  it('lists the root keys without a UserName', async () => {
    const created = new Date('2020-01-02T03:04:05Z');
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{ createDate: created }, { status: 'Inactive' }] });
    const out = await clients(keys[0]!).iam.send(new ListAccessKeysCommand({}));
    expect(out.AccessKeyMetadata).toHaveLength(2);
    expect(out.AccessKeyMetadata?.[0]).toEqual({
      AccessKeyId: keys[0]!.accessKeyId,
      Status: 'Active',
      CreateDate: created,
    });
    expect(out.AccessKeyMetadata?.[1]).toMatchObject({ AccessKeyId: keys[1]!.accessKeyId, Status: 'Inactive' });
    expect(out.AccessKeyMetadata?.[1]?.UserName).toBeUndefined();
  });

  it('deactivates a key, refuses it, and lets the other key re-activate it', async () => {
    const [a, b] = seedRootKeys(ACCT, 2);
    await clients(a!).iam.send(new UpdateAccessKeyCommand({ AccessKeyId: b!.accessKeyId, Status: 'Inactive' }));
    expect(emu().layer.root(ACCT).rootKeys[1]?.status).toBe('Inactive');

    const refused = {
      name: 'InvalidClientTokenId',
      $metadata: { httpStatusCode: 403 },
      message: 'The security token included in the request is invalid.',
    };
    await expect(clients(b!).sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject(refused);
    await expect(clients(b!).iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject(refused);

    await clients(a!).iam.send(new UpdateAccessKeyCommand({ AccessKeyId: b!.accessKeyId, Status: 'Active' }));
    await expect(clients(b!).sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: ACCT });
  });

  it('refuses an inactive key in the EC2 and JSON protocols too', async () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Inactive' }] });
    await expect(clients(keys[0]!).ec2.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'AuthFailure',
      $metadata: { httpStatusCode: 401 },
    });
    await expect(clients(keys[0]!).organizations.send(new DescribeOrganizationCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('deletes a key; a deleted key is refused, including the one that signed the deletion', async () => {
    const [a, b] = seedRootKeys(ACCT, 2);
    await clients(a!).iam.send(new DeleteAccessKeyCommand({ AccessKeyId: b!.accessKeyId }));
    expect(
      emu()
        .layer.root(ACCT)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual([a!.accessKeyId]);
    await expect(clients(b!).sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });

    await clients(a!).iam.send(new DeleteAccessKeyCommand({ AccessKeyId: a!.accessKeyId }));
    expect(emu().layer.root(ACCT).rootKeys).toEqual([]);
    await expect(clients(a!).iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
  });

  it('answers NoSuchEntity (404) for a key id the root user does not hold', async () => {
    const [a] = seedRootKeys();
    const { iam } = clients(a!);
    const missing = 'AKIAIOSFODNN7MISSING';
    const notFound = { name: 'NoSuchEntityException', $metadata: { httpStatusCode: 404 } };
    await expect(
      iam.send(new UpdateAccessKeyCommand({ AccessKeyId: missing, Status: 'Inactive' })),
    ).rejects.toMatchObject(notFound);
    await expect(iam.send(new DeleteAccessKeyCommand({ AccessKeyId: missing }))).rejects.toMatchObject(notFound);
    await expect(iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: missing }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('reports last use: N/A before any use, then the date, region and service of the last signed call', async () => {
    const [a, b] = seedRootKeys(ACCT, 2);
    const before = await clients(a!).iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: b!.accessKeyId }));
    expect(before.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
    expect(before.UserName).toBeUndefined();

    emu().layer.advanceClock(3600);
    const expected = emu().layer.now().getTime();
    await clients(b!, 'eu-west-1').sts.send(new GetCallerIdentityCommand({}));
    const after = await clients(a!).iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: b!.accessKeyId }));
    expect(after.AccessKeyLastUsed).toMatchObject({ ServiceName: 'sts', Region: 'eu-west-1' });
    expect(Math.abs(after.AccessKeyLastUsed!.LastUsedDate!.getTime() - expected)).toBeLessThan(5000);
    // The query itself was signed with key a, signed in us-east-1 for iam.
    expect(emu().layer.root(ACCT).rootKeys[0]?.lastUsed).toMatchObject({ service: 'iam', region: 'us-east-1' });
  });

  it('does not record a use for a refused request', async () => {
    const { keys } = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Inactive' }] });
    await expect(clients(keys[0]!).sts.send(new GetCallerIdentityCommand({}))).rejects.toThrow();
    expect(emu().layer.root(ACCT).rootKeys[0]?.lastUsed).toBeUndefined();
  });

  it('returns a seeded last use', async () => {
    const date = new Date('2024-05-06T07:08:09Z');
    const { keys } = emu().layer.seedRoot(ACCT, {
      keys: [{}, { lastUsed: { date, region: 'ap-south-1', service: 's3' } }],
    });
    const out = await clients(keys[0]!).iam.send(
      new GetAccessKeyLastUsedCommand({ AccessKeyId: keys[1]!.accessKeyId }),
    );
    expect(out.AccessKeyLastUsed).toEqual({ LastUsedDate: date, ServiceName: 's3', Region: 'ap-south-1' });
  });

  it('creates root keys up to the limit of two', async () => {
    const [a] = seedRootKeys();
    const created = await clients(a!).iam.send(new CreateAccessKeyCommand({}));
    expect(created.AccessKey).toMatchObject({ Status: 'Active' });
    expect(created.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
    expect(created.AccessKey?.SecretAccessKey).toHaveLength(40);
    const fresh = {
      accessKeyId: created.AccessKey!.AccessKeyId!,
      secretAccessKey: created.AccessKey!.SecretAccessKey!,
    };
    await expect(clients(fresh).sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({
      Arn: `arn:aws:iam::${ACCT}:root`,
    });
    await expect(clients(a!).iam.send(new CreateAccessKeyCommand({}))).rejects.toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 409 },
    });
  });

  it('sends calls that name a UserName to moto', async () => {
    const [a] = seedRootKeys();
    const { iam } = clients(a!);
    await iam.send(new CreateUserCommand({ UserName: 'bob' }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'bob' }));
    const listed = await iam.send(new ListAccessKeysCommand({ UserName: 'bob' }));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([key.AccessKey?.AccessKeyId]);
    expect(listed.AccessKeyMetadata?.[0]?.UserName).toBe('bob');
    expect(emu().layer.root(ACCT).rootKeys).toHaveLength(1);
  });

  it("gives an IAM user its own keys, never the root user's", async () => {
    seedRootKeys(ACCT, 2);
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN_POLICY);
    const listed = await clients(alice).iam.send(new ListAccessKeysCommand({}));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([alice.accessKeyId]);
  });
});

describe('GetAccountSummary', () => {
  async function summary(creds: TestCredentials) {
    const out = await clients(creds).iam.send(new GetAccountSummaryCommand({}));
    return out.SummaryMap ?? {};
  }

  it('reports no root keys and no MFA by default, keeping moto’s other entries', async () => {
    await createIamUserWithKey(emu().endpoint, 'alice');
    const map = await summary(MOTO_BOOTSTRAP_CREDENTIALS);
    expect(map).toMatchObject({ AccountAccessKeysPresent: 0, AccountMFAEnabled: 0, Users: 1 });
  });

  it('counts an inactive root key as present and reflects root MFA', async () => {
    emu().layer.seedRoot(ACCT, { keys: [{ status: 'Inactive' }], mfaEnabled: true });
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN_POLICY);
    expect(await summary(alice)).toMatchObject({ AccountAccessKeysPresent: 1, AccountMFAEnabled: 1 });
  });

  it('drops to 0 as soon as the last root key is deleted', async () => {
    const [a] = seedRootKeys();
    expect(await summary(a!)).toMatchObject({ AccountAccessKeysPresent: 1 });
    await clients(a!).iam.send(new DeleteAccessKeyCommand({ AccessKeyId: a!.accessKeyId }));
    expect(await summary(MOTO_BOOTSTRAP_CREDENTIALS)).toMatchObject({ AccountAccessKeysPresent: 0 });
  });
});

describe('credential report', () => {
  async function report(creds: TestCredentials) {
    const { iam } = clients(creds);
    const out = await iam.send(new GetCredentialReportCommand({}));
    const csv = Buffer.from(out.Content!).toString('utf8');
    const rows = parseCsv(csv, { columns: true }) as Array<Record<string, string>>;
    return { rows, generated: out.GeneratedTime };
  }

  it('is not present before it is generated', async () => {
    await expect(boot().iam.send(new GetCredentialReportCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 410 },
    });
  });

  it('puts the <root_account> row first, then moto’s users', async () => {
    const lastUsed = { date: new Date('2024-02-03T04:05:06Z'), region: 'us-west-2', service: 'ec2' };
    const created = new Date('2023-01-01T00:00:00Z');
    emu().layer.seedRoot(ACCT, {
      keys: [
        { createDate: created, lastUsed },
        { status: 'Inactive', createDate: new Date('2023-06-01T00:00:00Z') },
      ],
      mfaEnabled: true,
      passwordLastUsed: new Date('2024-03-01T00:00:00Z'),
    });
    await createIamUserWithKey(emu().endpoint, 'alice');
    await boot().iam.send(new GenerateCredentialReportCommand({}));
    const { rows, generated } = await report(MOTO_BOOTSTRAP_CREDENTIALS);
    expect(rows.map((r) => r.user)).toEqual(['<root_account>', 'alice']);
    expect(rows[0]).toMatchObject({
      arn: `arn:aws:iam::${ACCT}:root`,
      password_enabled: 'not_supported',
      password_last_used: '2024-03-01T00:00:00+00:00',
      mfa_active: 'true',
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2023-01-01T00:00:00+00:00',
      access_key_1_last_used_date: '2024-02-03T04:05:06+00:00',
      access_key_1_last_used_region: 'us-west-2',
      access_key_1_last_used_service: 'ec2',
      access_key_2_active: 'false',
      access_key_2_last_rotated: '2023-06-01T00:00:00+00:00',
      access_key_2_last_used_date: 'N/A',
      access_key_2_last_used_region: 'N/A',
      access_key_2_last_used_service: 'N/A',
      cert_1_active: 'false',
    });
    expect(Object.keys(rows[0]!)).toEqual(Object.keys(rows[1]!));
    expect(Math.abs(generated!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('writes N/A for a root user without keys', async () => {
    await boot().iam.send(new GenerateCredentialReportCommand({}));
    const { rows } = await report(MOTO_BOOTSTRAP_CREDENTIALS);
    expect(rows[0]).toMatchObject({
      user: '<root_account>',
      mfa_active: 'false',
      access_key_1_active: 'false',
      access_key_1_last_rotated: 'N/A',
      access_key_2_last_rotated: 'N/A',
    });
  });

  it('is a snapshot: a deletion shows only after the report is generated again', async () => {
    const [a] = seedRootKeys();
    const { iam } = clients(a!);
    await iam.send(new GenerateCredentialReportCommand({}));
    const first = await report(a!);
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: a!.accessKeyId }));

    const stale = await report(MOTO_BOOTSTRAP_CREDENTIALS);
    expect(stale.rows[0]?.access_key_1_active).toBe('true');
    expect(stale.generated).toEqual(first.generated);

    emu().layer.advanceClock(5 * 3600);
    await boot().iam.send(new GenerateCredentialReportCommand({}));
    const fresh = await report(MOTO_BOOTSTRAP_CREDENTIALS);
    expect(fresh.rows[0]).toMatchObject({ access_key_1_active: 'false', access_key_1_last_rotated: 'N/A' });
    expect(fresh.generated!.getTime()).toBeGreaterThan(first.generated!.getTime());
  });
});

describe('organizations root access features', () => {
  it('needs an organization', async () => {
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    await expect(clients(admin).iam.send(new ListOrganizationsFeaturesCommand({}))).rejects.toMatchObject({
      name: 'OrganizationNotFoundException',
    });
  });

  it('needs trusted access for iam.amazonaws.com', async () => {
    await makeOrganization({ trustedIam: false });
    await expect(boot().iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}))).rejects.toMatchObject({
      name: 'ServiceAccessNotEnabledException',
    });
  });

  it('needs all features', async () => {
    await makeOrganization({ featureSet: 'CONSOLIDATED_BILLING' });
    await expect(boot().iam.send(new ListOrganizationsFeaturesCommand({}))).rejects.toMatchObject({
      name: 'OrganizationNotInAllFeaturesModeException',
    });
  });

  it('refuses member accounts', async () => {
    const { memberId } = await makeOrganization();
    const [memberRoot] = seedRootKeys(memberId);
    await expect(
      clients(memberRoot!).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({})),
    ).rejects.toMatchObject({
      name: 'AccountNotManagementOrDelegatedAdministratorException',
    });
    await expect(
      clients(memberRoot!).organizations.send(
        new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('enables and disables the features in the management account', async () => {
    const { orgId } = await makeOrganization();
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    const { iam, organizations } = clients(admin);

    const access = await organizations.send(new ListAWSServiceAccessForOrganizationCommand({}));
    expect(access.EnabledServicePrincipals?.map((s) => s.ServicePrincipal)).toContain('iam.amazonaws.com');

    expect(await iam.send(new ListOrganizationsFeaturesCommand({}))).toMatchObject({
      OrganizationId: orgId,
      EnabledFeatures: [],
    });
    expect(await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}))).toMatchObject({
      OrganizationId: orgId,
      EnabledFeatures: ['RootCredentialsManagement'],
    });
    expect(await iam.send(new EnableOrganizationsRootSessionsCommand({}))).toMatchObject({
      EnabledFeatures: ['RootCredentialsManagement', 'RootSessions'],
    });
    expect(await iam.send(new DisableOrganizationsRootCredentialsManagementCommand({}))).toMatchObject({
      EnabledFeatures: ['RootSessions'],
    });
    expect(await iam.send(new ListOrganizationsFeaturesCommand({}))).toMatchObject({
      EnabledFeatures: ['RootSessions'],
    });
    expect(emu().layer.organizationFeatures(orgId)).toEqual(['RootSessions']);
  });
});

describe('sts AssumeRoot', () => {
  async function readyOrganization() {
    const org = await makeOrganization();
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    await clients(admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    const memberKeys = emu().layer.seedRoot(org.memberId, { keys: [{}, {}] }).keys;
    return { ...org, admin, memberKeys };
  }

  async function assumeRoot(caller: TestCredentials, target: string, task = DELETE_TASK, DurationSeconds?: number) {
    const out = await clients(caller, 'eu-west-1').sts.send(
      new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: { arn: task }, DurationSeconds }),
    );
    const c = out.Credentials!;
    return {
      out,
      creds: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! },
    };
  }

  it('returns short-term credentials that act as the member root within IAMDeleteRootUserCredentials', async () => {
    const { admin, memberId, memberKeys } = await readyOrganization();
    const start = emu().layer.now().getTime();
    const { out, creds } = await assumeRoot(admin, memberId);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(creds.sessionToken.length).toBeGreaterThan(20);
    expect(out.Credentials!.Expiration!.getTime() - start).toBeGreaterThan(890_000);
    expect(out.Credentials!.Expiration!.getTime() - start).toBeLessThanOrEqual(901_000);
    expect(out.SourceIdentity).toBeUndefined();

    const session = clients(creds, 'eu-west-1');
    expect(await session.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Arn: `arn:aws:iam::${memberId}:root`,
      Account: memberId,
    });
    const listed = await session.iam.send(new ListAccessKeysCommand({}));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual(memberKeys.map((k) => k.accessKeyId));
    await session.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: memberKeys[0]!.accessKeyId }));
    expect(
      emu()
        .layer.root(memberId)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual([memberKeys[1]!.accessKeyId]);
    // The management account's root state is untouched.
    expect(emu().layer.root(ACCT).rootKeys).toEqual([]);
  });

  it('denies actions outside the task policy, naming the action', async () => {
    const { admin, memberId } = await readyOrganization();
    const session = clients((await assumeRoot(admin, memberId)).creds);
    await expect(session.iam.send(new CreateAccessKeyCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining('iam:CreateAccessKey'),
    });
    await expect(session.iam.send(new CreateUserCommand({ UserName: 'x' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('iam:CreateUser'),
    });
    await expect(session.ec2.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
    });
  });

  it('keeps an IAMAuditRootUserCredentials session read-only', async () => {
    const { admin, memberId, memberKeys } = await readyOrganization();
    const session = clients((await assumeRoot(admin, memberId, AUDIT_TASK)).creds);
    expect((await session.iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(2);
    await expect(
      session.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: memberKeys[0]!.accessKeyId })),
    ).resolves.toBeDefined();
    await expect(
      session.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: memberKeys[0]!.accessKeyId })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('iam:DeleteAccessKey'),
    });
    expect(emu().layer.root(memberId).rootKeys).toHaveLength(2);
  });

  it('expires after DurationSeconds', async () => {
    const { admin, memberId } = await readyOrganization();
    const session = clients((await assumeRoot(admin, memberId, DELETE_TASK, 60)).creds);
    await expect(session.iam.send(new ListAccessKeysCommand({}))).resolves.toBeDefined();
    emu().layer.advanceClock(61);
    await expect(session.iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'ExpiredToken',
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses session credentials without their session token', async () => {
    const { admin, memberId } = await readyOrganization();
    const { creds } = await assumeRoot(admin, memberId);
    const noToken = { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey };
    await expect(clients(noToken).iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId',
    });
  });

  it('refuses root callers, the management account as target, non-members and long sessions', async () => {
    const { admin, memberId } = await readyOrganization();
    const [mgmtRoot] = seedRootKeys(ACCT);
    await expect(assumeRoot(mgmtRoot!, memberId)).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(assumeRoot(admin, ACCT)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assumeRoot(admin, '999999999999')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assumeRoot(admin, memberId, DELETE_TASK, 901)).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(assumeRoot(admin, memberId, 'arn:aws:iam::aws:policy/AdministratorAccess')).rejects.toMatchObject({
      name: 'ValidationError',
    });
    // An ARN target principal works like the account id.
    await expect(assumeRoot(admin, `arn:aws:iam::${memberId}:root`)).resolves.toBeDefined();
  });

  it('needs RootCredentialsManagement enabled', async () => {
    const { memberId } = await makeOrganization();
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    await expect(assumeRoot(admin, memberId)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('RootCredentialsManagement'),
    });
  });
});

describe('Account API contact information', () => {
  const valid = {
    FullName: 'Jane Doe',
    AddressLine1: '1 Main Street',
    City: 'Seattle',
    StateOrRegion: 'WA',
    PostalCode: '98101',
    CountryCode: 'US',
    PhoneNumber: '+1 206-555-0100',
  };

  it('is not found before it is set', async () => {
    const [root] = seedRootKeys();
    await expect(clients(root!).account.send(new GetContactInformationCommand({}))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
  });

  it('stores what is put, per account', async () => {
    const [root] = seedRootKeys();
    const { account } = clients(root!);
    await account.send(
      new PutContactInformationCommand({ ContactInformation: { ...valid, CompanyName: 'Example Corp' } }),
    );
    expect((await account.send(new GetContactInformationCommand({}))).ContactInformation).toEqual({
      ...valid,
      CompanyName: 'Example Corp',
    });
    expect(emu().layer.root(ACCT).contactInformation?.FullName).toBe('Jane Doe');

    // Another account's own administrator writes its own contact; AccountId without an organization is refused.
    const other = clients(emu().layer.actAs('210987654321')).account;
    await other.send(
      new PutContactInformationCommand({ ContactInformation: { ...valid, FullName: 'Member Contact' } }),
    );
    expect((await other.send(new GetContactInformationCommand({}))).ContactInformation?.FullName).toBe(
      'Member Contact',
    );
    await expect(account.send(new GetContactInformationCommand({ AccountId: '210987654321' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect((await account.send(new GetContactInformationCommand({}))).ContactInformation?.FullName).toBe('Jane Doe');
  });

  it.each([
    ['StateOrRegion missing for US', { ...valid, StateOrRegion: undefined }, 'StateOrRegion'],
    ['StateOrRegion missing for JP', { ...valid, CountryCode: 'JP', StateOrRegion: undefined }, 'StateOrRegion'],
    ['phone without +', { ...valid, PhoneNumber: '206-555-0100' }, 'PhoneNumber'],
    ['phone with letters', { ...valid, PhoneNumber: '+1 CALL-NOW' }, 'PhoneNumber'],
    ['phone longer than 20', { ...valid, PhoneNumber: '+1 206 555 0100 00000' }, 'PhoneNumber'],
    ['3-letter country', { ...valid, CountryCode: 'USA' }, 'CountryCode'],
    ['FullName longer than 50', { ...valid, FullName: 'x'.repeat(51) }, 'FullName'],
    ['City missing', { ...valid, City: undefined }, 'City'],
  ])('rejects %s with ValidationException', async (_label, input, field) => {
    const [root] = seedRootKeys();
    const { account } = clients(root!);
    await expect(
      account.send(new PutContactInformationCommand({ ContactInformation: input as typeof valid })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining(field),
    });
    expect(emu().layer.root(ACCT).contactInformation).toBeUndefined();
  });

  it('accepts a country that needs no StateOrRegion', async () => {
    const [root] = seedRootKeys();
    const { account } = clients(root!);
    const fr = {
      ...valid,
      CountryCode: 'FR',
      StateOrRegion: undefined,
      City: 'Paris',
      PostalCode: '75001',
      PhoneNumber: '+33 1 23 45 67 89',
    };
    await expect(account.send(new PutContactInformationCommand({ ContactInformation: fr }))).resolves.toBeDefined();
  });

  it('leaves alternate contacts to moto', async () => {
    const [root] = seedRootKeys();
    const { account } = clients(root!);
    await account.send(
      new PutAlternateContactCommand({
        AlternateContactType: 'SECURITY',
        Name: 'Sec Team',
        Title: 'CISO',
        EmailAddress: 'sec@example.com',
        PhoneNumber: '+1 206 555 0101',
      }),
    );
    const got = await account.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
    expect(got.AlternateContact).toMatchObject({ Name: 'Sec Team', EmailAddress: 'sec@example.com' });
    expect(emu().layer.requests.map((r) => r.operation)).toEqual(['PutAlternateContact', 'GetAlternateContact']);
  });
});

describe('request recording', () => {
  it('records service, operation, key, region, params and status of every signed request', async () => {
    const [root] = seedRootKeys();
    const c = clients(root!, 'eu-central-1');
    await c.sts.send(new GetCallerIdentityCommand({}));
    await c.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: root!.accessKeyId, Status: 'Active' }));
    await c.organizations.send(new DescribeOrganizationCommand({})).catch(() => undefined);
    await c.account.send(new GetContactInformationCommand({ AccountId: ACCT })).catch(() => undefined);
    await c.ec2.send(new DescribeRegionsCommand({ RegionNames: ['eu-central-1'] }));

    const key = root!.accessKeyId;
    expect(emu().layer.requests).toEqual([
      {
        service: 'sts',
        operation: 'GetCallerIdentity',
        accessKeyId: key,
        region: 'eu-central-1',
        params: {},
        status: 200,
      },
      {
        service: 'iam',
        operation: 'UpdateAccessKey',
        accessKeyId: key,
        region: 'us-east-1',
        params: { AccessKeyId: key, Status: 'Active' },
        status: 200,
      },
      {
        service: 'organizations',
        operation: 'DescribeOrganization',
        accessKeyId: key,
        region: 'us-east-1',
        params: {},
        status: 400,
      },
      {
        service: 'account',
        operation: 'GetContactInformation',
        accessKeyId: key,
        region: 'us-east-1',
        params: { AccountId: ACCT },
        // AccountId outside an organization (and naming the caller's own account) is refused.
        status: 403,
      },
      {
        service: 'ec2',
        operation: 'DescribeRegions',
        accessKeyId: key,
        region: 'eu-central-1',
        params: { 'RegionName.1': 'eu-central-1' },
        status: 200,
      },
    ]);
  });

  it('shows that a read-only sequence sent no mutating request', async () => {
    const [root] = seedRootKeys();
    const { iam } = clients(root!);
    await iam.send(new ListAccessKeysCommand({}));
    await iam.send(new GetAccountSummaryCommand({}));
    const mutating = emu().layer.requests.filter((r) => !/^(Get|List|Describe)/.test(r.operation));
    expect(mutating).toEqual([]);
    await iam.send(new UpdateAccessKeyCommand({ AccessKeyId: root!.accessKeyId, Status: 'Active' }));
    expect(
      emu()
        .layer.requests.filter((r) => !/^(Get|List|Describe)/.test(r.operation))
        .map((r) => r.operation),
    ).toEqual(['UpdateAccessKey']);
  });

  it('starts empty in every test', () => {
    expect(emu().layer.requests).toEqual([]);
  });
});
