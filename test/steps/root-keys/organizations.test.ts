/**
 * Path 2: from the organization's management account, for --target-account: enable
 * centralized root access if needed (plan first), then list the member's root keys in an
 * IAMAuditRootUserCredentials session and delete them in an IAMDeleteRootUserCredentials one.
 * The root layer supplies ListOrganizationsFeatures, the Enable calls and sts:AssumeRoot.
 */
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { ADMIN_POLICY, FAST, makeOrganization } from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;

describe('root-keys for a member account (centralized root access)', () => {
  it('enables centralized root access (trusted access first), then deletes the member root keys via AssumeRoot; a rerun changes nothing', async () => {
    const { orgId, memberId } = await makeOrganization(emu().endpoint, { trustedIam: false });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    const { keys } = layer().seedRoot(memberId, { keys: [{}, { status: 'Inactive' }] });
    const start = layer().requests.length;

    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--target-account', memberId], {
      credentials: admin,
      answers: { 'root-keys.apply': true, 'root-keys.override': memberId },
    });

    expect(layer().organizationFeatures(orgId)).toEqual(['RootCredentialsManagement']);
    expect(layer().root(memberId).rootKeys).toEqual([]);
    expect(r.code).toBe(0);
    const sent = layer().requests.slice(start);
    expect(mutatingRequests(sent)).toEqual([
      'organizations:EnableAWSServiceAccess',
      'iam:EnableOrganizationsRootCredentialsManagement',
      'iam:DeleteAccessKey',
      'iam:DeleteAccessKey',
    ]);
    // Deletions were signed by the short root session, obtained with the delete task policy; no deactivation was tried.
    const assumed = sent.filter((q) => q.operation === 'AssumeRoot' && q.status === 200);
    expect(assumed.map((q) => String(q.params['TaskPolicyArn.arn']).split('/').pop())).toEqual(
      expect.arrayContaining(['IAMAuditRootUserCredentials', 'IAMDeleteRootUserCredentials']),
    );
    const deletes = sent.filter((q) => q.operation === 'DeleteAccessKey');
    expect(deletes.map((q) => q.params.AccessKeyId).sort()).toEqual(keys.map((k) => k.accessKeyId).sort());
    for (const d of deletes) {
      expect(d.accessKeyId).toMatch(/^ASIA/);
      expect(d.status).toBe(200);
    }
    expect(sent.some((q) => q.operation === 'UpdateAccessKey')).toBe(false);
    // The plan was shown before each apply: first the enabling calls, then the deletions with the AssumeRoot note.
    expect(r.prompter.asked.filter((q) => q.id === 'root-keys.apply')).toHaveLength(2);
    expect(r.output.text).toContain('organizations:EnableAWSServiceAccess {"ServicePrincipal":"iam.amazonaws.com"}');
    expect(r.output.text).toContain(
      `as a root session of account ${memberId} (sts:AssumeRoot, IAMDeleteRootUserCredentials)`,
    );
    expect(r.output.text).toContain('allows iam:DeleteAccessKey but not iam:UpdateAccessKey');
    expect(r.output.text).toContain(`PASS: No root access keys in member account ${memberId}.`);

    const before = layer().requests.length;
    const again = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--target-account', memberId], {
      credentials: admin,
      answers: {},
    });
    expect(again.code).toBe(0);
    // The only question: password recovery for the member root user (it has none), left at its default "no".
    expect(again.prompter.asked.map((q) => [q.id, q.answer])).toEqual([['root-keys.recover-password', 'no']]);
    expect(mutatingRequests(layer().requests.slice(before))).toEqual([]);
  });

  it('dry-run shows the enabling calls and sends none', async () => {
    const { orgId, memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    layer().seedRoot(memberId, { keys: [{}] });
    const start = layer().requests.length;
    const r = await runRootlock(
      emu().endpoint,
      ['--only', 'root-keys', ...FAST, '--target-account', memberId, '--dry-run'],
      { credentials: admin, answers: {} },
    );
    expect(mutatingRequests(layer().requests.slice(start))).toEqual([]);
    expect(layer().organizationFeatures(orgId)).toEqual([]);
    expect(r.output.text).toContain('iam:EnableOrganizationsRootCredentialsManagement {}');
    // Trusted access is on already, so only the IAM feature is planned.
    expect(r.output.text).not.toContain('organizations:EnableAWSServiceAccess {');
    expect(r.output.text).toContain('Dry run: 1 change shown, none sent.');
  });

  it('refuses --target-account for a root caller (AssumeRoot cannot be called with root credentials) and for a non-management account', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const { keys } = layer().seedRoot('123456789012', { keys: [{}], mfaEnabled: true });
    const asRoot = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--only', 'root-keys', ...FAST, '--target-account', memberId],
      { credentials: keys[0]! },
    );
    expect(asRoot.json.steps[0]).toMatchObject({
      status: 'error',
      details: { path: 'organizations', organization: { status: 'root-caller' } },
    });
    expect(asRoot.json.steps[0].summary).toContain('cannot be called with root user credentials');

    const { keys: memberKeys } = layer().seedRoot(memberId, { keys: [{}] });
    const fromMember = await runRootlock(
      emu().endpoint,
      ['check', '--json', '--only', 'root-keys', ...FAST, '--target-account', '123456789012'],
      { credentials: memberKeys[0]! },
    );
    expect(fromMember.json.steps[0].details.organization.status).toBe('root-caller');
  });
});
