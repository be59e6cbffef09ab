/**
 * Proves the root layer's organization behaviours (root-layer.ts header, 11-17) against moto with
 * the real AWS SDK: every kind of root credential, the Account API with AccountId, sts:AssumeRole
 * trust policies, service control policies, delegated administrators, closed accounts and the
 * actAs set-up keys; and what one request with SCP evaluation costs in a 200-member organization.
 */
import {
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
  PutContactInformationCommand,
} from '@aws-sdk/client-account';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import {
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeactivateMFADeviceCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  DeleteVirtualMFADeviceCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  GetLoginProfileCommand,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListRolesCommand,
  ListSigningCertificatesCommand,
  ListUsersCommand,
  UpdateSigningCertificateCommand,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DeregisterDelegatedAdministratorCommand,
  DetachPolicyCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListDelegatedAdministratorsCommand,
  ListDelegatedServicesForAccountCommand,
  ListRootsCommand,
  MoveAccountCommand,
  RegisterDelegatedAdministratorCommand,
  UpdatePolicyCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, AssumeRootCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, createIamUserWithKey, testClients, type TestCredentials } from './clients.js';
import { useEmulator } from './emulator.js';

// Inline policies only: hundreds of accounts stay quick to create without AWS managed policies.
const emu = useEmulator({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
const layer = () => emu().layer;
const MGMT = '123456789012';
const TASK = (name: string) => `arn:aws:iam::aws:policy/root-task/${name}`;

const clients = (creds: TestCredentials, region?: string) => testClients(emu().endpoint, creds, region);
const boot = () => clients(MOTO_BOOTSTRAP_CREDENTIALS);

interface Org {
  orgId: string;
  rootId: string;
  members: string[];
}

/** An all-features organization of the default account with `n` members. */
async function organization(
  n: number,
  opts: { trusted?: string[]; scp?: boolean; rootAccess?: boolean } = {},
): Promise<Org> {
  const { organizations, iam } = boot();
  const org = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
  const members: string[] = [];
  for (let i = 0; i < n; i++) {
    const out = await organizations.send(
      new CreateAccountCommand({ AccountName: `m${i}`, Email: `m${i}@example.com` }),
    );
    members.push(out.CreateAccountStatus?.AccountId as string);
  }
  for (const ServicePrincipal of opts.trusted ?? [])
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal }));
  if (opts.rootAccess) await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
  if (opts.scp)
    await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
  return { orgId: org.Organization?.Id as string, rootId, members };
}

async function scp(name: string, statements: unknown[], targets: string[]): Promise<string> {
  const { organizations } = boot();
  const out = await organizations.send(
    new CreatePolicyCommand({
      Name: name,
      Description: name,
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  const id = out.Policy?.PolicySummary?.Id as string;
  for (const TargetId of targets) await organizations.send(new AttachPolicyCommand({ PolicyId: id, TargetId }));
  return id;
}

const trustDoc = (statement: Record<string, unknown>) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', ...statement }] });

/** A role in `account`, created with the layer's set-up keys for that account. */
async function role(account: string, name: string, trust: string): Promise<string> {
  const out = await clients(layer().actAs(account)).iam.send(
    new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }),
  );
  return out.Role?.Arn as string;
}

async function assume(caller: TestCredentials, RoleArn: string, ExternalId?: string): Promise<TestCredentials> {
  const out = await clients(caller).sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'test', ExternalId }));
  const c = out.Credentials;
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken,
  };
}

async function assumeRoot(caller: TestCredentials, target: string, task: string): Promise<TestCredentials> {
  const out = await clients(caller).sts.send(
    new AssumeRootCommand({ TargetPrincipal: target, TaskPolicyArn: { arn: TASK(task) } }),
  );
  const c = out.Credentials;
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken,
  };
}

/** An operator: an IAM user in the management account (the layer learns its key through CreateAccessKey). */
const operator = () => createIamUserWithKey(emu().endpoint, 'operator');

describe('root credentials beyond access keys (11)', () => {
  it('seeds certificates, a password and MFA devices, and exposes them in root()', () => {
    const up = new Date('2021-02-03T04:05:06Z');
    layer().seedRoot(MGMT, {
      certificates: [{ uploadDate: up }, { status: 'Inactive' }],
      password: true,
      mfaDevices: [{ kind: 'virtual' }, { kind: 'hardware' }, { kind: 'fido' }, { kind: 'virtual' }],
    });
    const s = layer().root(MGMT);
    expect(s.certificates.map((c) => c.status)).toEqual(['Active', 'Inactive']);
    expect(s.certificates[0]?.uploadDate).toEqual(up);
    expect(s.certificates[0]?.certificateBody).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----$/,
    );
    expect(s.password).toMatchObject({ passwordResetRequired: false });
    expect(s.mfaEnabled).toBe(true);
    const [virtual, hardware, fido, virtual2] = s.mfaDevices.map((d) => d.serialNumber);
    expect(virtual).toBe(`arn:aws:iam::${MGMT}:mfa/root-account-mfa-device`);
    expect(virtual2).toBe(`arn:aws:iam::${MGMT}:mfa/root-account-mfa-device-2`);
    expect(hardware).toMatch(/^GAHT\d{8}$/);
    expect(fido).toMatch(new RegExp(`^arn:aws:iam::${MGMT}:u2f/root/\\S+$`));
  });

  it('gives a standalone root user a password and a member created by Organizations none', async () => {
    const { members } = await organization(1);
    expect(layer().root(MGMT).password).toBeDefined();
    expect(layer().root('210987654321').password).toBeDefined();
    expect(layer().root(members[0]!).password).toBeUndefined();
  });

  it('keeps mfaEnabled meaning one virtual device, and passwordLastUsed implying a password', () => {
    layer().seedRoot(MGMT, { mfaEnabled: true, passwordLastUsed: new Date('2024-01-01T00:00:00Z') });
    expect(
      layer()
        .root(MGMT)
        .mfaDevices.map((d) => d.kind),
    ).toEqual(['virtual']);
    expect(layer().root(MGMT).password).toBeDefined();
    layer().root(MGMT).mfaEnabled = false;
    expect(layer().root(MGMT).mfaDevices).toEqual([]);
  });

  it('refuses more than 2 certificates, more than 8 MFA devices, and contradictions', () => {
    expect(() => layer().seedRoot(MGMT, { certificates: [{}, {}, {}] })).toThrow(/at most 2/);
    expect(() =>
      layer().seedRoot(MGMT, { mfaDevices: Array.from({ length: 9 }, () => ({ kind: 'fido' as const })) }),
    ).toThrow(/at most 8/);
    expect(() => layer().seedRoot(MGMT, { mfaEnabled: true, mfaDevices: [] })).toThrow(/contradicts/);
    expect(() => layer().seedRoot(MGMT, { password: false, passwordLastUsed: new Date() })).toThrow(/implies/);
  });

  it('serves certificates and MFA devices to the root user itself, without UserName', async () => {
    const { keys } = layer().seedRoot(MGMT, {
      keys: [{}],
      certificates: [{ uploadDate: new Date('2020-01-01T00:00:00Z') }],
      mfaDevices: [{ kind: 'hardware', enableDate: new Date('2022-01-01T00:00:00Z') }],
    });
    const { iam } = clients(keys[0]!);
    const certs = await iam.send(new ListSigningCertificatesCommand({}));
    const [cert] = layer().root(MGMT).certificates;
    expect(certs.Certificates).toEqual([
      {
        CertificateId: cert!.certificateId,
        CertificateBody: cert!.certificateBody,
        Status: 'Active',
        UploadDate: new Date('2020-01-01T00:00:00Z'),
      },
    ]);
    await iam.send(new UpdateSigningCertificateCommand({ CertificateId: cert!.certificateId, Status: 'Inactive' }));
    expect(layer().root(MGMT).certificates[0]?.status).toBe('Inactive');
    await expect(iam.send(new DeleteSigningCertificateCommand({ CertificateId: 'NOPE' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    });
    await iam.send(new DeleteSigningCertificateCommand({ CertificateId: cert!.certificateId }));
    expect(layer().root(MGMT).certificates).toEqual([]);

    const mfa = await iam.send(new ListMFADevicesCommand({}));
    expect(mfa.MFADevices).toEqual([
      { SerialNumber: layer().root(MGMT).mfaDevices[0]!.serialNumber, EnableDate: new Date('2022-01-01T00:00:00Z') },
    ]);
  });

  it('refuses the password and DeactivateMFADevice without UserName to root keys (AWS: use an AssumeRoot session)', async () => {
    const { keys } = layer().seedRoot(MGMT, { keys: [{}], password: true, mfaEnabled: true });
    const { iam } = clients(keys[0]!);
    const refused = { name: 'ValidationError', $metadata: { httpStatusCode: 400 } };
    await expect(iam.send(new GetLoginProfileCommand({}))).rejects.toMatchObject(refused);
    await expect(iam.send(new DeleteLoginProfileCommand({}))).rejects.toMatchObject(refused);
    const SerialNumber = layer().root(MGMT).mfaDevices[0]!.serialNumber;
    await expect(iam.send(new DeactivateMFADeviceCommand({ SerialNumber }))).rejects.toMatchObject(refused);
    expect(layer().root(MGMT).password).toBeDefined();
    expect(layer().root(MGMT).mfaDevices).toHaveLength(1);
  });

  it('reports certificates, password and MFA in GetAccountSummary', async () => {
    const { keys } = layer().seedRoot(MGMT, { keys: [{}] });
    const summary = async () => (await clients(keys[0]!).iam.send(new GetAccountSummaryCommand({}))).SummaryMap;
    // A standalone account's root user signed up with a password.
    expect(await summary()).toMatchObject({
      AccountAccessKeysPresent: 1,
      AccountSigningCertificatesPresent: 0,
      AccountPasswordPresent: 1,
      AccountMFAEnabled: 0,
    });
    layer().seedRoot(MGMT, { keys: [{}], password: false });
    const noPassword = await clients(layer().root(MGMT).rootKeys[0]!).iam.send(new GetAccountSummaryCommand({}));
    expect(noPassword.SummaryMap?.AccountPasswordPresent).toBe(0);
    layer().seedRoot(MGMT, {
      keys: [{}],
      certificates: [{ status: 'Inactive' }],
      password: true,
      mfaDevices: [{ kind: 'fido' }],
    });
    const again = (await clients(layer().root(MGMT).rootKeys[0]!).iam.send(new GetAccountSummaryCommand({})))
      .SummaryMap;
    expect(again).toMatchObject({
      AccountSigningCertificatesPresent: 1,
      AccountPasswordPresent: 1,
      AccountMFAEnabled: 1,
    });
  });

  it("writes the root row's certificate and MFA columns from root state; password_enabled stays not_supported", async () => {
    const first = new Date('2020-05-01T00:00:00Z');
    const second = new Date('2021-05-01T00:00:00Z');
    layer().seedRoot(MGMT, {
      certificates: [{ status: 'Inactive', uploadDate: second }, { uploadDate: first }],
      password: true,
      mfaDevices: [{ kind: 'hardware' }],
    });
    const { iam } = boot();
    await iam.send(new GenerateCredentialReportCommand({}));
    const csv = Buffer.from((await iam.send(new GetCredentialReportCommand({}))).Content!).toString();
    const rows = parseCsv(csv, { columns: true }) as Array<Record<string, string>>;
    expect(rows[0]).toMatchObject({
      user: '<root_account>',
      password_enabled: 'not_supported',
      mfa_active: 'true',
      cert_1_active: 'true',
      cert_1_last_rotated: '2020-05-01T00:00:00+00:00',
      cert_2_active: 'false',
      cert_2_last_rotated: '2021-05-01T00:00:00+00:00',
    });
  });

  describe('in AssumeRoot sessions of a member account', () => {
    async function ready() {
      const { members } = await organization(1, { trusted: ['iam.amazonaws.com'], rootAccess: true });
      const member = members[0]!;
      const admin = await operator();
      layer().seedRoot(member, {
        keys: [{}],
        certificates: [{}],
        password: true,
        mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }],
      });
      return { member, admin };
    }

    it('lets the audit task read every credential and the account summary, without UserName and without changing anything', async () => {
      const { member, admin } = await ready();
      const { iam } = clients(await assumeRoot(admin, member, 'IAMAuditRootUserCredentials'));
      expect((await iam.send(new ListSigningCertificatesCommand({}))).Certificates).toHaveLength(1);
      const profile = await iam.send(new GetLoginProfileCommand({}));
      expect(profile.LoginProfile?.CreateDate).toBeInstanceOf(Date);
      expect(profile.LoginProfile?.UserName).toBeUndefined();
      const devices = (await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? [];
      expect(devices.map((d) => d.SerialNumber)).toEqual(
        layer()
          .root(member)
          .mfaDevices.map((d) => d.serialNumber),
      );
      expect(devices.every((d) => d.UserName === undefined)).toBe(true);
      expect((await iam.send(new GetAccountSummaryCommand({}))).SummaryMap).toMatchObject({
        AccountAccessKeysPresent: 1,
        AccountSigningCertificatesPresent: 1,
        AccountPasswordPresent: 1,
        AccountMFAEnabled: 1,
      });
      await expect(iam.send(new DeleteLoginProfileCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining('iam:DeleteLoginProfile with an explicit deny in a session policy'),
      });
      // The task policy denies its actions on every resource but the root user.
      await expect(iam.send(new GetLoginProfileCommand({ UserName: 'alice' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        message: expect.stringContaining(`on resource: arn:aws:iam::${member}:user/alice`),
      });
      expect(layer().root(member).password).toBeDefined();
    });

    it('lets the delete task remove the password, certificates and MFA devices', async () => {
      const { member, admin } = await ready();
      const { iam } = clients(await assumeRoot(admin, member, 'IAMDeleteRootUserCredentials'));
      const state = layer().root(member);
      await iam.send(new DeleteLoginProfileCommand({}));
      await expect(iam.send(new GetLoginProfileCommand({}))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
        $metadata: { httpStatusCode: 404 },
      });
      await iam.send(new DeleteSigningCertificateCommand({ CertificateId: state.certificates[0]!.certificateId }));
      const [virtual, fido] = state.mfaDevices.map((d) => d.serialNumber);
      await expect(iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: virtual }))).rejects.toMatchObject({
        name: 'DeleteConflictException',
      });
      await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: virtual }));
      await iam.send(new DeleteVirtualMFADeviceCommand({ SerialNumber: virtual }));
      await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: fido }));
      await expect(iam.send(new DeactivateMFADeviceCommand({ SerialNumber: fido }))).rejects.toMatchObject({
        name: 'NoSuchEntityException',
      });
      expect(layer().root(member).password).toBeUndefined();
      expect(layer().root(member)).toMatchObject({ certificates: [], mfaDevices: [], mfaEnabled: false });
    });

    it('lets the create-password task create a password that must be reset, once', async () => {
      const { member, admin } = await ready();
      layer().seedRoot(member, { password: false });
      const { iam } = clients(await assumeRoot(admin, member, 'IAMCreateRootUserPassword'));
      await expect(iam.send(new CreateLoginProfileCommand({ Password: 'Secret-123456' }))).rejects.toMatchObject({
        name: 'ValidationError',
      });
      const created = await iam.send(new CreateLoginProfileCommand({}));
      expect(created.LoginProfile).toMatchObject({ PasswordResetRequired: true });
      expect(created.LoginProfile?.UserName).toBeUndefined();
      expect(layer().root(member).password).toMatchObject({ passwordResetRequired: true });
      await expect(iam.send(new CreateLoginProfileCommand({}))).rejects.toMatchObject({
        name: 'EntityAlreadyExistsException',
        $metadata: { httpStatusCode: 409 },
      });
      await expect(iam.send(new ListSigningCertificatesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    });
  });
});

describe('Account API with AccountId (12)', () => {
  const CONTACT = { Name: 'Sec', Title: 'CISO', EmailAddress: 'sec@example.com', PhoneNumber: '+1 555 0100' };
  const PRIMARY = {
    FullName: 'Member Corp',
    AddressLine1: '1 Main St',
    City: 'Springfield',
    StateOrRegion: 'IL',
    PostalCode: '62701',
    CountryCode: 'US',
    PhoneNumber: '+1 555 0100',
  };

  it('acts in the member account from the management account once trusted access is on', async () => {
    const { members } = await organization(1, { trusted: ['account.amazonaws.com'] });
    const member = members[0]!;
    const admin = await operator();
    const { account } = clients(admin);
    await account.send(
      new PutAlternateContactCommand({ AccountId: member, AlternateContactType: 'SECURITY', ...CONTACT }),
    );
    expect(
      (await account.send(new GetAlternateContactCommand({ AccountId: member, AlternateContactType: 'SECURITY' })))
        .AlternateContact,
    ).toMatchObject({ Name: 'Sec' });
    // It is the member's own contact, not the management account's.
    const own = clients(layer().actAs(member)).account;
    expect(
      (await own.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }))).AlternateContact,
    ).toMatchObject({ Name: 'Sec' });
    await expect(
      account.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await account.send(new DeleteAlternateContactCommand({ AccountId: member, AlternateContactType: 'SECURITY' }));
    await expect(own.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });

    await account.send(new PutContactInformationCommand({ AccountId: member, ContactInformation: PRIMARY }));
    expect(layer().root(member).contactInformation?.FullName).toBe('Member Corp');
    expect(layer().root(MGMT).contactInformation).toBeUndefined();
    expect((await account.send(new GetContactInformationCommand({ AccountId: member }))).ContactInformation).toEqual(
      PRIMARY,
    );
  });

  it('refuses without trusted access for account.amazonaws.com, naming only the action', async () => {
    const { members } = await organization(1);
    const admin = await operator();
    await expect(
      clients(admin).account.send(new GetContactInformationCommand({ AccountId: members[0] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
      message: `User: ${admin.arn} is not authorized to perform: account:GetContactInformation`,
    });
  });

  it('refuses the management account naming itself, with AWS’s words', async () => {
    await organization(1, { trusted: ['account.amazonaws.com'] });
    const admin = await operator();
    await expect(
      clients(admin).account.send(new GetAlternateContactCommand({ AccountId: MGMT, AlternateContactType: 'BILLING' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: ${admin.arn} is not authorized to perform: account:GetAlternateContact (The management account can only be managed using the standalone context from the management account.)`,
    });
  });

  it('refuses a target outside the organization, a caller outside any organization, and a member that is not a delegated administrator', async () => {
    const { members } = await organization(2, { trusted: ['account.amazonaws.com'] });
    const admin = await operator();
    await expect(
      clients(admin).account.send(new GetContactInformationCommand({ AccountId: '999999999999' })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('not a member account'),
    });
    const { keys } = layer().seedRoot('210987654321', { keys: [{}] });
    await expect(
      clients(keys[0]!).account.send(new GetContactInformationCommand({ AccountId: members[0] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('arn:aws:iam::210987654321:root is not authorized'),
    });
    const memberUser = await createIamUserWithKey(emu().endpoint, 'm-admin', undefined, layer().actAs(members[0]!));
    await expect(
      clients(memberUser).account.send(new GetContactInformationCommand({ AccountId: members[1] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('delegated administrator'),
    });
  });

  it('lets the delegated administrator for account.amazonaws.com name another member', async () => {
    const { members } = await organization(2, { trusted: ['account.amazonaws.com'] });
    const [da, other] = members as [string, string];
    await boot().organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'account.amazonaws.com' }),
    );
    const daUser = await createIamUserWithKey(emu().endpoint, 'da-admin', undefined, layer().actAs(da));
    await clients(daUser).account.send(
      new PutContactInformationCommand({ AccountId: other, ContactInformation: PRIMARY }),
    );
    expect(layer().root(other).contactInformation).toEqual(PRIMARY);
  });

  it('still reads a closed member account’s contacts from the management account', async () => {
    const { members } = await organization(1, { trusted: ['account.amazonaws.com'] });
    const admin = await operator();
    await clients(admin).account.send(
      new PutContactInformationCommand({ AccountId: members[0], ContactInformation: PRIMARY }),
    );
    await boot().organizations.send(new CloseAccountCommand({ AccountId: members[0] }));
    await expect(
      clients(admin).account.send(new GetContactInformationCommand({ AccountId: members[0] })),
    ).resolves.toMatchObject({ ContactInformation: PRIMARY });
  });
});

describe('sts:AssumeRole into member roles (13)', () => {
  it('lets a management IAM user assume a member role that trusts the management account with an aws:PrincipalArn condition', async () => {
    const { members } = await organization(1);
    const member = members[0]!;
    const admin = await operator();
    const arn = await role(
      member,
      'reader',
      trustDoc({
        Principal: { AWS: `arn:aws:iam::${MGMT}:root` },
        Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${MGMT}:user/*` } },
      }),
    );
    const session = clients(await assume(admin, arn));
    expect(await session.sts.send(new GetCallerIdentityCommand({}))).toMatchObject({
      Account: member,
      Arn: `arn:aws:sts::${member}:assumed-role/reader/test`,
    });
    const roles = (await session.iam.send(new ListRolesCommand({}))).Roles?.map((r) => r.RoleName);
    expect(roles).toContain('reader');
  });

  it('refuses a role that does not exist, with AWS’s message', async () => {
    const { members } = await organization(1);
    const admin = await operator();
    const arn = `arn:aws:iam::${members[0]}:role/missing`;
    await expect(assume(admin, arn)).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: ${admin.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    });
  });

  it('refuses a trust policy that names another account, a service, another user, or fails its condition', async () => {
    const { members } = await organization(1);
    const member = members[0]!;
    const admin = await operator();
    const cases = [
      trustDoc({ Principal: { AWS: 'arn:aws:iam::999999999999:root' } }),
      trustDoc({ Principal: { AWS: '999999999999' } }),
      trustDoc({ Principal: { Service: 'ec2.amazonaws.com' } }),
      trustDoc({ Principal: { AWS: `arn:aws:iam::${MGMT}:user/someone-else` } }),
      trustDoc({
        Principal: { AWS: MGMT },
        Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${MGMT}:role/x` } },
      }),
    ];
    for (const [i, trust] of cases.entries()) {
      const arn = await role(member, `r${i}`, trust);
      await expect(assume(admin, arn), trust).rejects.toMatchObject({ name: 'AccessDenied' });
    }
    // The same caller by exact ARN and by account id is let in.
    const byArn = await role(member, 'by-arn', trustDoc({ Principal: { AWS: [admin.arn] } }));
    await expect(assume(admin, byArn)).resolves.toBeDefined();
    const byId = await role(member, 'by-id', trustDoc({ Principal: { AWS: MGMT } }));
    await expect(assume(admin, byId)).resolves.toBeDefined();
  });

  it('checks sts:ExternalId', async () => {
    const { members } = await organization(1);
    const admin = await operator();
    const arn = await role(
      members[0]!,
      'vendor',
      trustDoc({ Principal: { AWS: MGMT }, Condition: { StringEquals: { 'sts:ExternalId': 'abc-123' } } }),
    );
    await expect(assume(admin, arn)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume(admin, arn, 'wrong')).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(assume(admin, arn, 'abc-123')).resolves.toBeDefined();
  });

  it('lets an explicit Deny win', async () => {
    const { members } = await organization(1);
    const admin = await operator();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: MGMT }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { AWS: admin.arn }, Action: 'sts:*' },
      ],
    });
    await expect(assume(admin, await role(members[0]!, 'denied', trust))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });

  it('lets a role session assume a role that trusts that role (its ARN, not the session’s)', async () => {
    const { members } = await organization(2);
    const admin = await operator();
    const hop = await role(members[0]!, 'hop', trustDoc({ Principal: { AWS: MGMT } }));
    const target = await role(members[1]!, 'target', trustDoc({ Principal: { AWS: hop } }));
    const hopSession = await assume(admin, hop);
    const out = clients(await assume(hopSession, target));
    expect((await out.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(members[1]);
    await expect(assume(admin, target)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('refuses root credentials', async () => {
    const { members } = await organization(1);
    const arn = await role(members[0]!, 'any', trustDoc({ Principal: { AWS: MGMT } }));
    const { keys } = layer().seedRoot(MGMT, { keys: [{}] });
    await expect(assume(keys[0]!, arn)).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: 'Roles may not be assumed by root accounts.',
    });
  });

  it('fails loudly on a trust condition it does not evaluate', async () => {
    const { members } = await organization(1);
    const admin = await operator();
    const arn = await role(
      members[0]!,
      'ip',
      trustDoc({ Principal: { AWS: MGMT }, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
    );
    await expect(assume(admin, arn)).rejects.toMatchObject({
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
      message: expect.stringContaining('aws:SourceIp'),
    });
  });
});

describe('service control policies (14)', () => {
  const DENY_READ_ROLE_IAM = {
    Effect: 'Deny',
    Action: 'iam:*',
    Resource: '*',
    Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/rootlock-read' } },
  };

  /** An organization with SCPs on, a management operator and a role in each member it may assume. */
  async function setup(n = 1) {
    const org = await organization(n, { scp: true, trusted: ['iam.amazonaws.com'], rootAccess: true });
    const admin = await operator();
    const sessions: Record<string, { read: TestCredentials; other: TestCredentials }> = {};
    for (const m of org.members) {
      const read = await role(m, 'rootlock-read', trustDoc({ Principal: { AWS: MGMT } }));
      const other = await role(m, 'other', trustDoc({ Principal: { AWS: MGMT } }));
      sessions[m] = { read: await assume(admin, read), other: await assume(admin, other) };
    }
    return { ...org, admin, sessions };
  }

  it('denies what an SCP on the account denies, naming the SCP, and only for the principal its condition names', async () => {
    const { members, sessions } = await setup();
    const m = members[0]!;
    await scp('deny-read-role-iam', [DENY_READ_ROLE_IAM], [m]);
    const read = clients(sessions[m]!.read);
    await expect(read.iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:sts::${m}:assumed-role/rootlock-read/test is not authorized to perform: iam:ListUsers with an explicit deny in a service control policy`,
    });
    // GetCallerIdentity is never denied; other services and other roles are not touched.
    await expect(read.sts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: m });
    await expect(read.ec2.send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
    await expect(clients(sessions[m]!.other).iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });

  it('applies SCPs on the OUs above the account, and follows attach, detach, update and move at once', async () => {
    const { members, rootId, sessions } = await setup();
    const m = members[0]!;
    const { organizations } = boot();
    const ou = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' })))
      .OrganizationalUnit?.Id as string;
    const inner = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: ou, Name: 'Prod' })))
      .OrganizationalUnit?.Id as string;
    await organizations.send(
      new MoveAccountCommand({ AccountId: m, SourceParentId: rootId, DestinationParentId: inner }),
    );
    const read = clients(sessions[m]!.read).iam;
    await expect(read.send(new ListUsersCommand({}))).resolves.toBeDefined();
    const id = await scp('deny-on-ou', [DENY_READ_ROLE_IAM], [ou]);
    await expect(read.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    await organizations.send(
      new UpdatePolicyCommand({
        PolicyId: id,
        Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ ...DENY_READ_ROLE_IAM, Action: 'iam:Get*' }] }),
      }),
    );
    await expect(read.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await organizations.send(
      new UpdatePolicyCommand({
        PolicyId: id,
        Content: JSON.stringify({ Version: '2012-10-17', Statement: [{ ...DENY_READ_ROLE_IAM, Action: 'IAM:list*' }] }),
      }),
    );
    await expect(read.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' });
    await organizations.send(
      new MoveAccountCommand({ AccountId: m, SourceParentId: inner, DestinationParentId: rootId }),
    );
    await expect(read.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await organizations.send(
      new MoveAccountCommand({ AccountId: m, SourceParentId: rootId, DestinationParentId: inner }),
    );
    await organizations.send(new DetachPolicyCommand({ PolicyId: id, TargetId: ou }));
    await expect(read.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });

  it('denies an action no SCP allows at some level', async () => {
    const { members, sessions } = await setup();
    const m = members[0]!;
    const { organizations } = boot();
    await scp('sts-only', [{ Effect: 'Allow', Action: ['sts:*', 'ec2:Describe*'], Resource: '*' }], [m]);
    await organizations.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: m }));
    const s = clients(sessions[m]!.other);
    await expect(s.iam.send(new ListRolesCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::${m}:assumed-role/other/test is not authorized to perform: iam:ListRoles because no service control policy allows the iam:ListRoles action`,
    });
    await expect(s.ec2.send(new DescribeRegionsCommand({}))).resolves.toBeDefined();
  });

  it('answers in each service’s protocol', async () => {
    const { members, sessions } = await setup();
    const m = members[0]!;
    await scp('deny-all', [{ Effect: 'Deny', NotAction: 'sts:GetSessionToken', Resource: '*' }], [m]);
    const s = clients(sessions[m]!.other);
    await expect(s.ec2.send(new DescribeRegionsCommand({}))).rejects.toMatchObject({
      name: 'UnauthorizedOperation',
      message: expect.stringContaining('ec2:DescribeRegions with an explicit deny in a service control policy'),
    });
    await expect(s.organizations.send(new ListRootsCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
    });
    await expect(
      s.account.send(new GetAlternateContactCommand({ AlternateContactType: 'BILLING' })),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('applies to member root users and AssumeRoot sessions, telling them apart with aws:AssumedRoot', async () => {
    const { members, admin } = await setup();
    const m = members[0]!;
    const { keys } = layer().seedRoot(m, { keys: [{}] });
    // AWS's example: deny the member root user, except in AssumeRoot sessions.
    const id = await scp(
      'deny-root',
      [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:aws:iam::*:root'] }, Null: { 'aws:AssumedRoot': 'true' } },
        },
      ],
      [m],
    );
    await expect(clients(keys[0]!).iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${m}:root is not authorized to perform: iam:ListAccessKeys with an explicit deny in a service control policy`,
    });
    const session = clients(await assumeRoot(admin, m, 'IAMAuditRootUserCredentials'));
    await expect(session.iam.send(new ListAccessKeysCommand({}))).resolves.toMatchObject({
      AccessKeyMetadata: [expect.objectContaining({ AccessKeyId: keys[0]!.accessKeyId })],
    });
    await boot().organizations.send(
      new UpdatePolicyCommand({
        PolicyId: id,
        Content: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { Bool: { 'aws:AssumedRoot': 'true' } } },
          ],
        }),
      }),
    );
    await expect(session.iam.send(new ListAccessKeysCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('with an explicit deny in a service control policy'),
    });
    await expect(clients(keys[0]!).iam.send(new ListAccessKeysCommand({}))).resolves.toBeDefined();
  });

  it('never applies to the management account, actAs set-up keys, or an organization without SCPs enabled', async () => {
    const { members } = await setup();
    const m = members[0]!;
    const everything = [{ Effect: 'Deny', Action: '*', Resource: '*' }];
    await scp('deny-everything', everything, [MGMT, m]);
    const admin = await createIamUserWithKey(emu().endpoint, 'mgmt-user');
    await expect(clients(admin).iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
    await expect(clients(layer().actAs(m)).iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
    const user = await createIamUserWithKey(emu().endpoint, 'member-user', undefined, layer().actAs(m));
    await expect(clients(user).iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${m}:user/member-user is not authorized to perform: iam:ListUsers with an explicit deny in a service control policy`,
    });
  });

  it('has no effect while SERVICE_CONTROL_POLICY is not enabled on the root', async () => {
    const { members } = await organization(1);
    const m = members[0]!;
    await scp('deny-everything', [{ Effect: 'Deny', Action: '*', Resource: '*' }], [m]);
    const user = await createIamUserWithKey(emu().endpoint, 'member-user', undefined, layer().actAs(m));
    await expect(clients(user).iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });

  it('fails loudly on a condition key or resource it does not evaluate', async () => {
    const { members, sessions } = await setup(2);
    const [a, b] = members as [string, string];
    await scp(
      'by-region',
      [
        {
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        },
      ],
      [a],
    );
    await expect(clients(sessions[a]!.other).iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'InternalFailure',
      $metadata: { httpStatusCode: 500 },
      message: expect.stringContaining('aws:RequestedRegion'),
    });
    await scp('one-bucket', [{ Effect: 'Deny', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' }], [b]);
    await expect(clients(sessions[b]!.other).iam.send(new ListUsersCommand({}))).rejects.toMatchObject({
      name: 'InternalFailure',
      message: expect.stringContaining('arn:aws:s3:::b/*'),
    });
    expect(layer().requests.filter((r) => r.status === 500)).toHaveLength(2);
  });

  it('denies the AssumeRole call itself from a member account', async () => {
    const { members, sessions } = await setup(2);
    const [a, b] = members as [string, string];
    const target = await role(b, 'cross', trustDoc({ Principal: { AWS: a } }));
    await scp('no-assume', [{ Effect: 'Deny', Action: 'sts:AssumeRole', Resource: '*' }], [a]);
    await expect(assume(sessions[a]!.other, target)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('sts:AssumeRole with an explicit deny in a service control policy'),
    });
  });
});

describe('delegated administrator for iam.amazonaws.com (15, AssumeRoot)', () => {
  it('registers, lists and deregisters a delegated administrator moto refuses', async () => {
    const { members } = await organization(2, { trusted: ['iam.amazonaws.com'] });
    const [da] = members as [string, string];
    const { organizations } = boot();
    await organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'iam.amazonaws.com' }),
    );
    const listed = await organizations.send(
      new ListDelegatedAdministratorsCommand({ ServicePrincipal: 'iam.amazonaws.com' }),
    );
    expect(listed.DelegatedAdministrators?.map((a) => a.Id)).toEqual([da]);
    expect(listed.DelegatedAdministrators?.[0]?.DelegationEnabledDate).toBeInstanceOf(Date);
    expect(
      (await organizations.send(new ListDelegatedAdministratorsCommand({}))).DelegatedAdministrators?.map((a) => a.Id),
    ).toEqual([da]);
    expect(
      (await organizations.send(new ListDelegatedServicesForAccountCommand({ AccountId: da }))).DelegatedServices?.map(
        (s) => s.ServicePrincipal,
      ),
    ).toEqual(['iam.amazonaws.com']);
    await expect(
      organizations.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'iam.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({ name: 'AccountAlreadyRegisteredException' });
    await expect(
      organizations.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: MGMT, ServicePrincipal: 'iam.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({ name: 'ConstraintViolationException' });
    await expect(
      organizations.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: '999999999999', ServicePrincipal: 'iam.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({ name: 'AccountNotFoundException' });
    const memberUser = await createIamUserWithKey(emu().endpoint, 'm', undefined, layer().actAs(da));
    await expect(
      clients(memberUser).organizations.send(
        new RegisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'account.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDeniedException' });
    await organizations.send(
      new DeregisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'iam.amazonaws.com' }),
    );
    expect(
      (await organizations.send(new ListDelegatedAdministratorsCommand({ ServicePrincipal: 'iam.amazonaws.com' })))
        .DelegatedAdministrators,
    ).toEqual([]);
    await expect(
      organizations.send(
        new DeregisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'iam.amazonaws.com' }),
      ),
    ).rejects.toMatchObject({ name: 'AccountNotRegisteredException' });
  });

  it('lets the delegated administrator call AssumeRoot and ListOrganizationsFeatures; others are refused', async () => {
    const { members } = await organization(2, { trusted: ['iam.amazonaws.com'], rootAccess: true });
    const [da, target] = members as [string, string];
    layer().seedRoot(target, { keys: [{}] });
    const daUser = await createIamUserWithKey(emu().endpoint, 'da-admin', undefined, layer().actAs(da));
    await expect(assumeRoot(daUser, target, 'IAMAuditRootUserCredentials')).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining('delegated administrator'),
    });
    await expect(clients(daUser).iam.send(new ListOrganizationsFeaturesCommand({}))).rejects.toMatchObject({
      name: 'AccountNotManagementOrDelegatedAdministratorException',
    });
    await boot().organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: da, ServicePrincipal: 'iam.amazonaws.com' }),
    );
    expect((await clients(daUser).iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures).toEqual([
      'RootCredentialsManagement',
    ]);
    const session = clients(await assumeRoot(daUser, target, 'IAMAuditRootUserCredentials'));
    expect((await session.iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata).toHaveLength(1);
    // Still never the management account.
    await expect(assumeRoot(daUser, MGMT, 'IAMAuditRootUserCredentials')).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});

describe('actAs set-up keys (17)', () => {
  it('act in the given account with AKIA-style ids', async () => {
    const { members } = await organization(1);
    const creds = layer().actAs(members[0]!);
    expect(creds.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(creds.secretAccessKey).toHaveLength(40);
    const c = clients(creds);
    expect((await c.sts.send(new GetCallerIdentityCommand({}))).Account).toBe(members[0]);
    await c.iam.send(new CreateUserCommand({ UserName: 'made-here' }));
    expect((await boot().iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName)).not.toContain('made-here');
    expect(() => layer().actAs('12345')).toThrow(/12-digit/);
  });
});

describe('closed (SUSPENDED) accounts (16)', () => {
  it('refuses role sessions, users and AssumeRole in a closed account; the management account is unaffected', async () => {
    const { members } = await organization(2, { trusted: ['iam.amazonaws.com'] });
    const [closed, open] = members as [string, string];
    const admin = await operator();
    const arn = await role(closed, 'reader', trustDoc({ Principal: { AWS: MGMT } }));
    const session = clients(await assume(admin, arn));
    const user = await createIamUserWithKey(emu().endpoint, 'u', undefined, layer().actAs(closed));
    await expect(session.iam.send(new ListRolesCommand({}))).resolves.toBeDefined();
    await boot().organizations.send(new CloseAccountCommand({ AccountId: closed }));
    await expect(session.iam.send(new ListRolesCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining(`account ${closed} is SUSPENDED`),
    });
    await expect(clients(user).sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(assume(admin, arn)).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: ${admin.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
    });
    // Other accounts and the management account go on.
    const openArn = await role(open, 'reader', trustDoc({ Principal: { AWS: MGMT } }));
    await expect(clients(await assume(admin, openArn)).iam.send(new ListRolesCommand({}))).resolves.toBeDefined();
    await expect(clients(admin).iam.send(new ListUsersCommand({}))).resolves.toBeDefined();
  });
});

describe('cost of SCP evaluation at 200 member accounts', () => {
  it('keeps one request with SCP evaluation cheap once its account is cached', async () => {
    const N = 200;
    const started = Date.now();
    const { members, rootId } = await organization(N, { scp: true });
    const { organizations } = boot();
    const ou = (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'Workloads' })))
      .OrganizationalUnit?.Id as string;
    for (const m of members.slice(0, N / 2))
      await organizations.send(
        new MoveAccountCommand({ AccountId: m, SourceParentId: rootId, DestinationParentId: ou }),
      );
    await scp(
      'deny-read-role-iam',
      [
        {
          Effect: 'Deny',
          Action: 'iam:*',
          Resource: '*',
          Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/rootlock-read' } },
        },
      ],
      [ou],
    );
    // Root keys in every member: ListAccessKeys is answered by the layer itself, so the time is the layer's.
    const rootKeys = members.map((m) => layer().seedRoot(m, { keys: [{}] }).keys[0]!);
    const mgmtKey = layer().seedRoot(MGMT, { keys: [{}] }).keys[0]!;
    const built = Date.now() - started;

    const memberIam = rootKeys.map((k) => clients(k).iam);
    const mgmtIam = clients(mgmtKey).iam;
    const timeAll = async (iams: Array<typeof mgmtIam>): Promise<number> => {
      const t0 = performance.now();
      for (const iam of iams) await iam.send(new ListAccessKeysCommand({}));
      return (performance.now() - t0) / iams.length;
    };
    const cold = await timeAll(memberIam); // first request of each account: fills its cache
    const warm = await timeAll([...memberIam, ...memberIam, ...memberIam]);
    const baseline = await timeAll(Array.from({ length: 3 * N }, () => mgmtIam)); // management: no SCP evaluation
    console.log(
      `[root-layer] ${N} members (built in ${(built / 1000).toFixed(1)} s): ListAccessKeys per request ` +
        `${cold.toFixed(2)} ms cold (cache fill), ${warm.toFixed(2)} ms warm with SCP evaluation, ` +
        `${baseline.toFixed(2)} ms in the management account (no SCPs)`,
    );
    expect(warm - baseline).toBeLessThan(5);
    // Every root key still works (FullAWSAccess everywhere, the deny names a role).
    expect(layer().requests.filter((r) => r.operation === 'ListAccessKeys' && r.status !== 200)).toEqual([]);
  }, 600_000);
});
