/**
 * The next steps that depend on the kind of account and of root MFA device, against the emulator:
 * root MFA of each device kind (virtual, hardware TOTP, FIDO security key / passkey, mixed) with
 * the Security Hub IAM.6 verdict per kind, signed as the root user (device kinds named) and as an
 * IAM user; the account in an organization or not (Account.2); the contacts one person or several;
 * and a member account under centralized root access whose root user has no credentials, where
 * root MFA is not applicable (`check --org` through the member read role).
 */
import { AccountClient, PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { CreateOrganizationCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { buildOrgFixture, MEMBER_ROLE } from '../../support/org-fixture.js';
import type { RootMfaKind } from '../../support/root-layer.js';

const emu = useEmulator();
const ACCT = '123456789012';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const FAST = ['--regions', 'us-east-1'];

type Item = { id: string; status: string; message: string; controls: string[]; resources: string[] };
const byId = (items: Item[]) => Object.fromEntries(items.map((i) => [i.id, i])) as Record<string, Item>;

/** Root of the default account with these MFA devices and one access key (to sign as root). */
function seedRootMfa(kinds: RootMfaKind[]) {
  const { keys } = emu().layer.seedRoot(ACCT, { keys: [{}], mfaDevices: kinds.map((kind) => ({ kind })) });
  return keys[0]!;
}

describe('root MFA of each device kind (Security Hub IAM.6: no virtual device assigned to root)', () => {
  const cases: Array<[RootMfaKind[], 'pass' | 'fail', string]> = [
    [['virtual'], 'fail', '1 MFA device: 1 virtual device'],
    [['hardware'], 'pass', '1 MFA device: 1 hardware TOTP token'],
    [['fido'], 'pass', '1 MFA device: 1 FIDO security key or passkey'],
    [['fido', 'virtual'], 'fail', '2 MFA devices: 1 FIDO security key or passkey, 1 virtual device'],
    [['hardware', 'fido', 'fido'], 'pass', '3 MFA devices: 2 FIDO security keys or passkeys, 1 hardware TOTP token'],
  ];

  it.each(cases)('signed as root, devices %j: hardware MFA %s, each kind named', async (kinds, verdict, text) => {
    const rootKey = seedRootMfa(kinds);
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: rootKey });
    const n = byId(r.json.nextSteps);
    expect(n['root-mfa']).toMatchObject({ status: 'pass', message: `The root user has MFA (${text}).` });
    expect(n['root-hardware-mfa']!.status).toBe(verdict);
    expect(n['root-hardware-mfa']!.message).toContain(
      'the Security Hub IAM.6 judgement: no virtual MFA device assigned to the root user',
    );
    expect(n['root-hardware-mfa']!.message).toContain(`The root user has ${text}.`);
    expect(n['root-hardware-mfa']!.resources).toEqual(verdict === 'fail' ? [ACCT] : []);
    if (verdict === 'fail') {
      const serial = emu()
        .layer.root(ACCT)
        .mfaDevices.find((d) => d.kind === 'virtual')!.serialNumber;
      expect(n['root-hardware-mfa']!.message).toContain(serial);
    }
    // The reads as AWS saw them: assigned virtual devices, and root's own devices without a user name.
    const seen = emu().layer.requests.filter(
      (q) => q.operation === 'ListVirtualMFADevices' || q.operation === 'ListMFADevices',
    );
    expect(seen.map((q) => [q.operation, q.params.AssignmentStatus, q.params.UserName])).toEqual(
      expect.arrayContaining([
        ['ListVirtualMFADevices', 'Assigned', undefined],
        ['ListMFADevices', undefined, undefined],
      ]),
    );
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(
      emu()
        .layer.root(ACCT)
        .mfaDevices.map((d) => d.kind),
    ).toEqual(kinds);
  });

  it('as an IAM user: the same IAM.6 verdicts from ListVirtualMFADevices, without listing root devices', async () => {
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN);
    for (const [kinds, verdict] of [
      [['virtual'], 'fail'],
      [['fido'], 'pass'],
      [['hardware', 'virtual'], 'fail'],
    ] as const) {
      seedRootMfa([...kinds]);
      emu().layer.requests.length = 0;
      const r = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
      const n = byId(r.json.nextSteps);
      expect(n['root-mfa']).toMatchObject({ status: 'pass', message: 'The root user has MFA.' });
      expect(n['root-hardware-mfa']!.status, kinds.join('+')).toBe(verdict);
      expect(
        emu().layer.requests.filter((q) => q.operation === 'ListMFADevices' && q.params.UserName === undefined),
      ).toEqual([]);
    }
  });
});

describe('the account belongs to an organization (Security Hub Account.2)', () => {
  it('the management account passes; the same account outside an organization fails (see emulator.test.ts)', async () => {
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN);
    const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const org = (await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }))).Organization!;
    const r = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
    expect(byId(r.json.nextSteps)['organization-member']).toMatchObject({
      status: 'pass',
      message: `This account is the management account of organization ${org.Id}.`,
      controls: ['Security Hub Account.2'],
    });
  });
});

describe('more than one person behind the contacts', () => {
  const person = { Name: 'Jane Doe', Title: 'Owner', EmailAddress: 'jane@example.com', PhoneNumber: '+1 555 0100' };
  const primary = {
    FullName: 'Jane Doe',
    AddressLine1: '1 Main St',
    City: 'Springfield',
    StateOrRegion: 'IL',
    PostalCode: '62701',
    CountryCode: 'US',
    PhoneNumber: '+1 555 0100',
  };

  it('warns when one person is every contact; passes once the security contact is someone else; reads once', async () => {
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN);
    const account = new AccountClient({
      endpoint: emu().endpoint,
      region: 'us-east-1',
      credentials: MOTO_BOOTSTRAP_CREDENTIALS,
    });
    for (const AlternateContactType of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
      // The same person, once with the e-mail address in capitals.
      const EmailAddress = AlternateContactType === 'SECURITY' ? 'JANE@example.com' : person.EmailAddress;
      await account.send(new PutAlternateContactCommand({ AlternateContactType, ...person, EmailAddress }));
    }
    await account.send(new PutContactInformationCommand({ ContactInformation: primary }));

    const same = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
    expect(byId(same.json.nextSteps)['contacts-distinct']).toMatchObject({
      status: 'fail',
      resources: [ACCT],
      message: expect.stringContaining('One person (Jane Doe) is all four contacts'),
    });
    expect(byId(same.json.nextSteps)['contacts-distinct']!.message).toContain('A small company may accept this.');
    // billing-recovery read the contacts first; the next step asked AWS nothing more.
    expect(same.json.apiCalls.byOperation['account:GetAlternateContact']).toBe(3);
    expect(same.json.apiCalls.byOperation['account:GetContactInformation']).toBe(1);
    // Advisory: the exit code is the steps' alone.
    const stepsOnly = await runRootlock(emu().endpoint, ['check', '--json', '--skip', 'next-steps', ...FAST], {
      credentials: ops,
    });
    expect(same.code).toBe(stepsOnly.code);

    await account.send(
      new PutAlternateContactCommand({
        AlternateContactType: 'SECURITY',
        Name: 'Security Team',
        Title: 'Security',
        EmailAddress: 'security@example.com',
        PhoneNumber: '+1 555 0199',
      }),
    );
    const two = await runRootlock(emu().endpoint, ['check', '--json', ...FAST], { credentials: ops });
    expect(byId(two.json.nextSteps)['contacts-distinct']).toMatchObject({
      status: 'pass',
      message: 'The 4 contacts set reach 2 different people: billing and operations and primary; security.',
    });
  });
});

describe('a member account under centralized root access', () => {
  it('with no root credentials, root MFA is not applicable; a member with root MFA devices is judged as usual', async () => {
    // Members 0..4: clean (no root credentials), a root key, a certificate, a password, MFA (virtual + FIDO).
    const org = await buildOrgFixture(emu(), { members: 5 });
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['check', '--org', '--json', '--member-role', MEMBER_ROLE, ...FAST], {
      credentials: org.operator,
    });
    const accounts = r.json.accounts as Array<{ id: string; nextSteps: Item[] }>;
    const next = (kind: string) => {
      const m = org.members.find((x) => x.kind === kind)!;
      return byId(accounts.find((a) => a.id === m.id)!.nextSteps);
    };
    const clean = next('clean');
    expect(clean['root-mfa']).toMatchObject({ status: 'not-applicable', resources: [] });
    expect(clean['root-mfa']!.message).toMatch(/^Not applicable: this member account is under centralized root access/);
    expect(clean['root-hardware-mfa']!.status).toBe('not-applicable');
    expect(clean['organization-member']).toMatchObject({
      status: 'pass',
      message: `This account is a member of organization ${org.orgId} (management account ${org.managementId}).`,
    });
    // The fixture gives the three alternate contacts to one team; the primary contact (another name) is another.
    expect(clean['contacts-distinct']).toMatchObject({
      status: 'pass',
      message: 'The 4 contacts set reach 2 different people: billing and operations and security; primary.',
    });
    // AWS state: the clean member's root user has no credentials at all.
    const cleanId = org.members.find((x) => x.kind === 'clean')!.id;
    const state = emu().layer.root(cleanId);
    expect([state.rootKeys.length, state.certificates.length, state.mfaDevices.length, state.password]).toEqual([
      0,
      0,
      0,
      undefined,
    ]);

    const mfa = next('root-mfa');
    expect(mfa['root-mfa']!.status).toBe('pass');
    expect(mfa['root-hardware-mfa']).toMatchObject({ status: 'fail', resources: [expect.any(String)] });
    expect(mfa['root-hardware-mfa']!.message).toContain('Security Hub IAM.6');
    // A root password and no MFA: a fail, with the way out centralized root access offers.
    const password = next('root-password');
    expect(password['root-mfa']!.status).toBe('fail');
    expect(password['root-mfa']!.message).toContain('deleting the root credentials from the management account');
    // A certificate but no password or key: nobody signs in as root, so not a fail, but not "not applicable".
    expect(next('root-certificate')['root-mfa']!.status).toBe('pass');
    // Read-only (AssumeRole only opens the member read role's sessions).
    expect(mutatingRequests(emu().layer.requests).filter((op) => op !== 'sts:AssumeRole')).toEqual([]);
  }, 120_000);
});
