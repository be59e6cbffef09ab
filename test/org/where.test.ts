/**
 * Where `check --org` runs: the management account or a delegated administrator. Anywhere
 * else it stops before reading any member (exit 2) and says why.
 */
import { describe, expect, it } from 'vitest';
import { CreateAccessKeyCommand, CreateUserCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { RegisterDelegatedAdministratorCommand } from '@aws-sdk/client-organizations';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { makeOrganization } from '../steps/root-keys/support.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });

const errors = (lines: string[]) => lines.filter((l) => l.startsWith('[fail]')).join('\n');

describe('where check --org runs', () => {
  it('an account outside any organization: exit 2, nothing read beyond the organization question', async () => {
    const user = await createIamUserWithKey(emu().endpoint, 'ops');
    const r = await runRootlock(emu().endpoint, ['check', '--org', '--json'], { credentials: user });
    expect(r.code).toBe(2);
    expect(errors(r.output.lines)).toContain('is not in an AWS Organization, so --org has nothing to read');
    expect(r.stdout).toBe('');
    expect(emu().layer.requests.map((q) => q.operation)).not.toContain('ListRoots');
  });

  it('the root user: exit 2 (AWS refuses AssumeRoot and AssumeRole to root credentials)', async () => {
    const { keys } = emu().layer.seedRoot(undefined, { keys: [{}] });
    const r = await runRootlock(emu().endpoint, ['check', '--org'], {
      credentials: keys[0] as { accessKeyId: string; secretAccessKey: string },
    });
    expect(r.code).toBe(2);
    expect(errors(r.output.lines)).toContain('check --org cannot run as the root user');
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });
});

describe('check --org from a member account', () => {
  it('a plain member: exit 2, naming the management account; a delegated administrator: reads the organization', async () => {
    const { memberId, orgId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const inMember = emu().layer.actAs(memberId);
    await testClients(emu().endpoint, inMember).iam.send(new CreateUserCommand({ UserName: 'auditor' }));
    const key = await testClients(emu().endpoint, inMember).iam.send(
      new CreateAccessKeyCommand({ UserName: 'auditor' }),
    );
    const auditor = {
      accessKeyId: key.AccessKey?.AccessKeyId as string,
      secretAccessKey: key.AccessKey?.SecretAccessKey as string,
    };
    const plain = await runRootlock(emu().endpoint, ['check', '--org', '--json'], { credentials: auditor });
    expect(plain.code).toBe(2);
    expect(errors(plain.output.lines)).toContain(`is a member of organization ${orgId}, not its management account`);

    await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).organizations.send(
      new RegisterDelegatedAdministratorCommand({ AccountId: memberId, ServicePrincipal: 'iam.amazonaws.com' }),
    );
    const before = emu().layer.requests.length;
    const delegated = await runRootlock(emu().endpoint, ['check', '--org', '--json', '--only', 'root-keys'], {
      credentials: auditor,
    });
    // The probe that tells a delegated administrator from a plain member also gives the root: listed once.
    expect(
      emu()
        .layer.requests.slice(before)
        .filter((q) => q.operation === 'ListRoots'),
    ).toHaveLength(1);
    const doc = delegated.json as {
      accounts: Array<{ id: string; steps: Array<{ status: string; summary: string }> }>;
    };
    expect(delegated.code, delegated.output.lines.join('\n')).toBeLessThan(2);
    expect(delegated.output.text).toContain('read as its delegated administrator');
    const management = doc.accounts.find((a) => a.id !== memberId);
    // The management account's root is out of AssumeRoot's reach, from a delegated administrator too.
    expect(management?.steps[0]?.status).toBe('not-checked');
    expect(management?.steps[0]?.summary).toContain("cannot reach the management account's own root user");
  });
});

describe('what the organization allows', () => {
  it('centralized root access and trusted access off, no role: each member says what to turn on', async () => {
    const { memberId } = await makeOrganization(emu().endpoint);
    const ops = await createIamUserWithKey(emu().endpoint, 'org-ops');
    const r = await runRootlock(emu().endpoint, ['check', '--org', '--json', '--regions', 'us-east-1'], {
      credentials: ops,
    });
    expect(r.code).toBe(1);
    const doc = r.json as {
      accounts: Array<{
        id: string;
        status: string;
        error?: string;
        steps: Array<{ id: string; status: string; summary: string }>;
      }>;
    };
    const member = doc.accounts.find((a) => a.id === memberId);
    const step = (id: string) => member?.steps.find((s) => s.id === id);
    expect(step('root-keys')?.status).toBe('not-checked');
    expect(step('root-keys')?.summary).toContain('aws iam enable-organizations-root-credentials-management');
    expect(step('billing-recovery')?.summary).toContain('--service-principal account.amazonaws.com');
    expect(step('admins')?.summary).toContain('--member-role');
    // Nothing could be read in it: an error, never a pass.
    expect(member?.status).toBe('error');
    expect(member?.error).toMatch(/^nothing could be checked in this account/);
    expect(r.output.lines.filter((l) => l.startsWith('[warn] Not checked in member accounts'))).toHaveLength(2);
  });

  it('--external-id: the member role that requires one is refused without it and read with it', async () => {
    const { memberId } = await makeOrganization(emu().endpoint);
    const ops = await createIamUserWithKey(emu().endpoint, 'org-ops');
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::123456789012:root' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': 'rootlock-audit-7' } },
        },
      ],
    };
    // Organizations created the role with the member account (as AWS does); its trust now asks for an external id.
    await testClients(emu().endpoint, emu().layer.actAs(memberId)).iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'OrganizationAccountAccessRole',
        PolicyDocument: JSON.stringify(trust),
      }),
    );
    const base = ['check', '--org', '--json', '--accounts', memberId, '--only', 'admins'];
    const role = ['--member-role', 'OrganizationAccountAccessRole'];
    const without = await runRootlock(emu().endpoint, [...base, ...role], { credentials: ops });
    const row = (r: typeof without) => (r.json as { accounts: Array<{ status: string; error?: string }> }).accounts[0];
    expect(row(without)?.status).toBe('error');
    expect(row(without)?.error).toContain('sts:AssumeRole into');
    const withId = await runRootlock(emu().endpoint, [...base, ...role, '--external-id', 'rootlock-audit-7'], {
      credentials: ops,
    });
    expect(row(withId)?.status).not.toBe('error');
    // The administrator role is named: warned once.
    expect(
      withId.output.lines.filter((l) => l.includes('OrganizationAccountAccessRole has AdministratorAccess')),
    ).toHaveLength(1);
  });
});
