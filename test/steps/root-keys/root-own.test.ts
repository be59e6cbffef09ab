/**
 * Path 1: the root user removes its own keys. Emulator-backed: the root layer supplies root
 * keys (an inactive or deleted key is refused with InvalidClientTokenId), GetAccountSummary's
 * root flags and the credential report's root row.
 */
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { AffirmativePrompter, mutatingRequests, RecordingOutput, runRootlock } from '../../support/harness.js';
import { ACCT, ADMIN_POLICY, FAST, journalEntries, useProfile } from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;
const rootKeys = () =>
  layer()
    .root(ACCT)
    .rootKeys.map((k) => ({ id: k.accessKeyId, status: k.status }));
/** Mutating requests with the key they name and the key that signed them. */
const mutations = (from = 0) =>
  layer()
    .requests.slice(from)
    .filter((r) => mutatingRequests([r]).length > 0)
    .map((r) => ({
      op: r.operation,
      key: r.params.AccessKeyId,
      status: r.params.Status,
      signer: r.accessKeyId,
      http: r.status,
    }));

describe('root-keys as the root user (own keys)', () => {
  it('deactivates, then deletes, the session key last; verifies with --verify-profile; a rerun changes nothing', async () => {
    const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000);
    const { keys } = layer().seedRoot(ACCT, {
      keys: [{}, { lastUsed: { date: threeDaysAgo, region: 'eu-west-1', service: 's3' } }],
      mfaEnabled: true,
    });
    const [own, other] = keys as [(typeof keys)[0], (typeof keys)[0]];
    const verifier = await createIamUserWithKey(emu().endpoint, 'verifier', ADMIN_POLICY);
    const restore = useProfile('verifier', verifier);
    const start = layer().requests.length;
    let r;
    try {
      r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--verify-profile', 'verifier'], {
        credentials: own,
        answers: {
          'root-keys.override': ACCT,
          'root-keys.active': 'deactivate',
          'root-keys.apply': true,
          'root-keys.inactive': 'delete',
          'root-keys.session-key': 'delete',
        },
      });
    } finally {
      restore();
    }

    // AWS state: no root key left.
    expect(rootKeys()).toEqual([]);
    expect(r.code).toBe(0);
    // Order: deactivate the other key, delete it, then the session's own key, signed with itself.
    expect(mutations(start)).toEqual([
      { op: 'UpdateAccessKey', key: other.accessKeyId, status: 'Inactive', signer: own.accessKeyId, http: 200 },
      { op: 'DeleteAccessKey', key: other.accessKeyId, status: undefined, signer: own.accessKeyId, http: 200 },
      { op: 'DeleteAccessKey', key: own.accessKeyId, status: undefined, signer: own.accessKeyId, http: 200 },
    ]);
    // Once AWS answered the deletion of its own key, the session signed nothing more with it; verification
    // used the profile.
    const reqs = layer().requests;
    const lastDelete = reqs.findIndex(
      (q) => q.operation === 'DeleteAccessKey' && q.params.AccessKeyId === own.accessKeyId,
    );
    const after = reqs.slice(lastDelete + 1);
    expect(after.filter((q) => q.accessKeyId === own.accessKeyId).map((q) => [q.operation, q.status])).toEqual([]);
    expect(
      after.some(
        (q) => q.accessKeyId === verifier.accessKeyId && q.operation === 'GetAccountSummary' && q.status === 200,
      ),
    ).toBe(true);
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'root-keys.override',
      'root-keys.active',
      'root-keys.apply',
      'root-keys.inactive',
      'root-keys.apply',
      'root-keys.session-key',
      'root-keys.apply',
    ]);
    expect(r.output.text).toContain('Verified with profile verifier');
    expect(r.output.text).toContain('Root access keys: PASS: No root access keys.');
    // The other key's recent use was pointed out before anything changed.
    expect(r.output.text).toMatch(/Root key AKIA\*+\w{4} was used 3 days ago \(s3, eu-west-1\)/);
    // Secrets never reach the output or the journal; key ids are masked in the output.
    const journal = JSON.stringify(journalEntries(r.journalPath));
    for (const k of keys) {
      expect(r.output.text).not.toContain(k.secretAccessKey);
      expect(journal).not.toContain(k.secretAccessKey);
    }
    expect(
      r.output.text
        .split('\n')
        .filter((l) => !l.includes('{"AccessKeyId"'))
        .join('\n'),
    ).not.toContain(other.accessKeyId);

    // Rerun after success (the root keys are gone, so as the IAM administrator): nothing asked, nothing sent.
    const before = layer().requests.length;
    const again = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: verifier,
      answers: {},
    });
    expect(again.code).toBe(0);
    expect(again.prompter.asked).toEqual([]);
    expect(mutatingRequests(layer().requests.slice(before))).toEqual([]);
    expect(again.output.text).toContain('PASS: No root access keys.');
  });

  it('without --verify-profile, ends with a clear "verify elsewhere" (manual), not an error', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      answers: { 'root-keys.override': ACCT, 'root-keys.session-key': 'delete', 'root-keys.apply': true },
    });
    expect(rootKeys()).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.output.text).toContain('MANUAL: This session removed its own root key; verify from another session.');
    expect(r.output.text).toContain('aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent');
    expect(r.output.text).toContain('rootlock check --only root-keys');
    expect(r.output.text).not.toMatch(/ERROR|InvalidClientTokenId/);
    // The session key was the only one, so no deactivate/delete round came first.
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'root-keys.override',
      'root-keys.session-key',
      'root-keys.apply',
    ]);
  });

  it('offers an inactive key found on a rerun for deletion (the session key stays when told to)', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, { status: 'Inactive' }], mfaEnabled: true });
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      answers: {
        'root-keys.override': ACCT,
        'root-keys.inactive': 'delete',
        'root-keys.apply': true,
        'root-keys.session-key': 'stop',
      },
    });
    expect(rootKeys()).toEqual([{ id: keys[0]!.accessKeyId, status: 'Active' }]);
    expect(r.code).toBe(1);
    expect(r.output.text).toContain('FAIL: The root user has 1 access key (1 active).');
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'root-keys.override',
      'root-keys.inactive',
      'root-keys.apply',
      'root-keys.session-key',
    ]);
  });

  it('reactivates an inactive key when something broke, and does not propose deactivating it again', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, { status: 'Inactive' }], mfaEnabled: true });
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      answers: { 'root-keys.override': ACCT, 'root-keys.inactive': 'reactivate', 'root-keys.apply': true },
    });
    expect(rootKeys()).toEqual([
      { id: keys[0]!.accessKeyId, status: 'Active' },
      { id: keys[1]!.accessKeyId, status: 'Active' },
    ]);
    expect(mutations()).toEqual([
      { op: 'UpdateAccessKey', key: keys[1]!.accessKeyId, status: 'Active', signer: keys[0]!.accessKeyId, http: 200 },
    ]);
    expect(r.prompter.asked.map((q) => q.id)).toEqual(['root-keys.override', 'root-keys.inactive', 'root-keys.apply']);
    expect(r.output.text).toContain('You reactivated');
  });

  it('"come back after N days" sends nothing; the final assessment and the journal carry the date; a rerun remembers', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}], mfaEnabled: true });
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      answers: {
        'root-keys.override': ACCT,
        'root-keys.active': 'deactivate',
        'root-keys.apply': true,
        'root-keys.inactive': 'wait',
        'root-keys.wait-days': '10',
      },
    });
    expect(rootKeys()).toEqual([
      { id: keys[0]!.accessKeyId, status: 'Active' },
      { id: keys[1]!.accessKeyId, status: 'Inactive' },
    ]);
    expect(mutatingRequests(layer().requests)).toEqual(['iam:UpdateAccessKey']);
    const due = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const entries = journalEntries(r.journalPath);
    expect(entries.find((e) => e.type === 'answers' && e.answers.action === 'wait')?.answers).toMatchObject({
      keyIds: [keys[1]!.accessKeyId],
      waitDays: 10,
    });
    expect(entries.filter((e) => e.type === 'verify').at(-1)?.summary).toContain(`Come back after ${due}`);
    expect(r.output.text).toContain(`Summary`);
    expect(r.output.text).toMatch(new RegExp(`Root access keys: FAIL: .*Come back after ${due}`));

    // A later session (same journal directory) picks up: it says when, and offers deletion or reactivation.
    const rerun = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: keys[0]!,
      journalDir: r.journalDir,
      answers: { 'root-keys.override': ACCT, 'root-keys.inactive': 'stop' },
    });
    expect(rerun.output.text).toMatch(
      new RegExp(
        `AKIA\\*+\\w{4}: deactivated by rootlock on \\d{4}-\\d\\d-\\d\\d you planned to come back after ${due}`,
      ),
    );
    expect(rerun.prompter.asked.find((q) => q.id === 'root-keys.inactive')?.message).toContain('inactive');
  });

  it('dry-run shows every call of the removal (session key last) and sends none, whatever the answers', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}], mfaEnabled: true });
    const output = new RecordingOutput();
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--dry-run'], {
      credentials: keys[0]!,
      deps: { ui: { output, prompter: new AffirmativePrompter(), close: () => {} } },
    });
    expect(mutatingRequests(layer().requests)).toEqual([]);
    expect(rootKeys().map((k) => k.status)).toEqual(['Active', 'Active']);
    expect(r.code).toBe(1);
    const planLines = output.lines.filter((l) => /^ {4}iam:/.test(l)).map((l) => l.trim());
    expect(planLines).toEqual([
      `iam:UpdateAccessKey {"AccessKeyId":"${keys[1]!.accessKeyId}","Status":"Inactive"}`,
      `iam:DeleteAccessKey {"AccessKeyId":"${keys[1]!.accessKeyId}"}`,
      `iam:DeleteAccessKey {"AccessKeyId":"${keys[0]!.accessKeyId}"}`,
    ]);
    expect(output.text).toContain('Dry run: 3 changes shown, none sent.');
  });
});
