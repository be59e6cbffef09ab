/**
 * Path 3: an IAM principal cannot touch root keys by API. rootlock guides the console steps,
 * then re-reads GetAccountSummary (straight from AWS) each time the operator asks, until the
 * keys are gone or the operator stops. Also: temporary root credentials that may not call IAM
 * fall back to this path.
 */
import { DeleteAccessKeyCommand, EnableOrganizationsRootCredentialsManagementCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, RecordingOutput, runRootlock } from '../../support/harness.js';
import {
  ACCT,
  ADMIN_POLICY,
  assumeRootCredentials,
  FAST,
  HookedPrompter,
  journalEntries,
  makeOrganization,
} from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;

describe('root-keys as an IAM principal (console path)', () => {
  it('guides the console steps and re-checks GetAccountSummary until the keys are gone', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    const summaries = () =>
      layer().requests.filter((q) => q.operation === 'GetAccountSummary' && q.accessKeyId === admin.accessKeyId).length;
    const seen: number[] = [];
    const prompter = new HookedPrompter(
      { 'root-keys.override': ACCT, 'root-keys.recheck': 'check' },
      {
        'root-keys.recheck': async (n) => {
          seen.push(summaries());
          // Between the first and the second "check again", the operator deletes the key in the console.
          if (n === 2)
            await testClients(emu().endpoint, keys[0]!).iam.send(
              new DeleteAccessKeyCommand({ AccessKeyId: keys[0]!.accessKeyId }),
            );
        },
      },
    );
    const output = new RecordingOutput();
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: admin,
      deps: { ui: { output, prompter, close: () => {} } },
    });

    expect(prompter.asked.filter((q) => q.id === 'root-keys.recheck')).toHaveLength(2);
    // Each "check again" asked AWS once more (not the memoized summary); then one final read for the result.
    expect(seen[1]).toBe(seen[0]! + 1);
    expect(summaries()).toBe(seen[1]! + 2);
    expect(output.text).toContain('https://console.aws.amazon.com/iam/home#/security_credentials');
    expect(output.text).toContain('Actions, Deactivate');
    expect(output.text).toContain('AWS still reports root access keys (AccountAccessKeysPresent = 1)');
    expect(output.text).toContain('AWS reports no root access keys now (AccountAccessKeysPresent = 0).');
    // The final state is AWS's: pass, recorded in the journal and the exit code.
    expect(output.text).toContain('Root access keys: PASS: No root access keys.');
    expect(r.code).toBe(0);
    expect(
      journalEntries(r.journalPath)
        .filter((e) => e.type === 'verify')
        .at(-1),
    ).toMatchObject({ status: 'pass' });
    // rootlock itself sent nothing (the test's own console stand-in did).
    expect(mutatingRequests(layer().requests.filter((q) => q.accessKeyId === admin.accessKeyId))).toEqual([]);
    // The report's root row told the operator which key and when it was last used.
    expect(output.text).toMatch(/access key 1, active, created \d{4}-\d\d-\d\d/);
  });

  it('stops when the operator says so, and the step still fails', async () => {
    layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: admin,
      answers: { 'root-keys.override': ACCT, 'root-keys.recheck': 'stop' },
    });
    expect(r.code).toBe(1);
    expect(r.output.text).toContain('Root access keys: FAIL: The root user has 1 access key (1 active).');
    expect(layer().root(ACCT).rootKeys).toHaveLength(1);
  });

  it('names --target-account when the caller manages an organization with centralized root access', async () => {
    await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: admin,
    });
    const s = r.json.steps[0];
    expect(s.details.path).toBe('console');
    expect(s.details.organization).toMatchObject({ status: 'enabled', features: ['RootCredentialsManagement'] });
    expect(s.findings.find((f: { id: string }) => f.id === 'root-keys.path').message).toContain('--target-account');
  });

  it('falls back to the console when temporary root credentials may not list the keys, and says why', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    layer().seedRoot(memberId, { keys: [{}] });
    // A root session scoped to IAMCreateRootUserPassword: iam:ListAccessKeys is not in it.
    const creds = await assumeRootCredentials(emu().endpoint, admin, memberId, 'IAMCreateRootUserPassword');
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys', ...FAST], {
      credentials: creds,
    });
    const s = r.json.steps[0];
    expect(r.json.principal).toMatchObject({ type: 'root' });
    expect(s.details.path).toBe('console');
    expect(s.findings.find((f: { id: string }) => f.id === 'root-keys.path').message).toMatch(
      /AWS refused iam:ListAccessKeys \(AccessDenied\)\. Temporary root credentials/,
    );
    expect(s.findings.map((f: { id: string }) => f.id)).toContain('root-keys.api-refused');
    // This session may not read GetAccountSummary or the report either: it says it cannot tell, rather than pass.
    expect(s.status).toBe('error');
    expect(s.summary).toContain('Could not tell whether the root user has access keys');
  });
});
