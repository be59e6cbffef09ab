/**
 * The session's own root key under IAM's eventual consistency. On AWS a key that was just deleted
 * or deactivated can keep authenticating for a few seconds, so a call signed with it then proves
 * nothing. The root layer models that here (keyPropagationSeconds): every test checks, from the
 * requests the layer recorded, that once AWS answered the removal nothing was signed with the key
 * again (while it would still have worked), and checks the verdict and the exit code.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { REGISTRY, step } from '../../../src/engine/registry.js';
import type { ChangeResult } from '../../../src/engine/types.js';
import type { RootKeysState } from '../../../src/steps/root-keys/analysis.js';
import { sessionKeyRemoval } from '../../../src/steps/root-keys/index.js';
import type { Answers } from '../../../src/steps/root-keys/plan.js';
import { meta as aliasMeta } from '../../fixtures/steps/account-alias/meta.js';
import { createIamUserWithKey, testClients, type TestCredentials } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import type { RecordedRequest } from '../../support/root-layer.js';
import { runRootlock } from '../../support/harness.js';
import { ACCT, ADMIN_POLICY, FAST, journalEntries, useProfile } from './support.js';

const PROPAGATION_SECONDS = 120;
const emu = useEmulator({ keyPropagationSeconds: PROPAGATION_SECONDS, credentialReportReuse: true });
const layer = () => emu().layer;

/** The fixture step of test/engine/extra-step.test.ts, registered after root-keys. */
const withAlias = REGISTRY.with(step(aliasMeta, () => import('../../fixtures/steps/account-alias/index.js')));

/** Index of the answered (2xx) request that deleted or deactivated `keyId`. */
function removalIndex(reqs: RecordedRequest[], keyId: string): number {
  const i = reqs.findIndex(
    (q) =>
      q.params.AccessKeyId === keyId &&
      (q.status ?? 0) < 300 &&
      (q.operation === 'DeleteAccessKey' || (q.operation === 'UpdateAccessKey' && q.params.Status === 'Inactive')),
  );
  expect(i, 'the removal of the session key was answered').toBeGreaterThanOrEqual(0);
  return i;
}

/** Requests signed with `keyId` after AWS answered its removal. */
function signedAfterRemoval(keyId: string): Array<[string, number | undefined]> {
  const reqs = layer().requests;
  return reqs
    .slice(removalIndex(reqs, keyId) + 1)
    .filter((q) => q.accessKeyId === keyId)
    .map((q) => [q.operation, q.status]);
}

/** The removed key still authenticates: the test ran inside the propagation window. */
async function stillAuthenticates(key: TestCredentials): Promise<void> {
  const who = await testClients(emu().endpoint, key).sts.send(new GetCallerIdentityCommand({}));
  expect(who.Arn).toBe(`arn:aws:iam::${ACCT}:root`);
}

describe('root-keys: the session key while IAM propagates its removal', () => {
  it('with --verify-profile: deletes the key, verifies with the profile at once, PASS, exit 0', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const own = keys[0]!;
    const verifier = await createIamUserWithKey(emu().endpoint, 'verifier', ADMIN_POLICY);
    const restore = useProfile('verifier', verifier);
    let r;
    try {
      r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--verify-profile', 'verifier'], {
        credentials: own,
        answers: { 'root-keys.override': ACCT, 'root-keys.session-key': 'delete', 'root-keys.apply': true },
      });
    } finally {
      restore();
    }
    expect(layer().root(ACCT).rootKeys).toEqual([]);
    expect(signedAfterRemoval(own.accessKeyId)).toEqual([]);
    const reqs = layer().requests;
    const after = reqs.slice(removalIndex(reqs, own.accessKeyId) + 1);
    expect(after.filter((q) => q.accessKeyId === verifier.accessKeyId).map((q) => [q.operation, q.status])).toEqual([
      ['GetCallerIdentity', 200],
      ['GetAccountSummary', 200],
    ]);
    await stillAuthenticates(own);

    expect(r.output.text).toContain('Verified with profile verifier');
    expect(r.output.text).toContain('Root access keys: PASS: No root access keys.');
    expect(r.code).toBe(0);
    const verified = journalEntries(r.journalPath).filter((e) => e.type === 'verify');
    expect(verified.at(-1)).toMatchObject({ step: 'root-keys', status: 'pass' });
  });

  it('without --verify-profile: deactivates the key, ends MANUAL with the commands, skips the next steps, exit 0', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const own = keys[0]!;
    // Every step but root-keys skipped, so the next steps run after it (--only would leave them out).
    const r = await runRootlock(emu().endpoint, ['--skip', 'admins,ec2-roles,billing-recovery', ...FAST], {
      credentials: own,
      answers: { 'root-keys.override': ACCT, 'root-keys.session-key': 'deactivate', 'root-keys.apply': true },
    });
    expect(
      layer()
        .root(ACCT)
        .rootKeys.map((k) => k.status),
    ).toEqual(['Inactive']);
    expect(signedAfterRemoval(own.accessKeyId)).toEqual([]);
    await stillAuthenticates(own);

    expect(r.output.text).toContain(
      'Root access keys: MANUAL: This session removed its own root key; verify from another session.',
    );
    expect(r.output.text).toContain('aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent');
    expect(r.output.text).toContain('rootlock check --only root-keys');
    expect(r.output.text).toContain('Next steps not checked: this session removed the key it signs with.');
    // Not asked again about a key it can no longer see.
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'root-keys.override',
      'root-keys.session-key',
      'root-keys.apply',
    ]);
    expect(r.code).toBe(0);
    const end = journalEntries(r.journalPath).filter((e) => e.type === 'assessment' && e.step === 'root-keys');
    expect(end.at(-1)).toMatchObject({ phase: 'after', status: 'manual' });
  });

  it('a later step that would sign with the removed key is not run, and says how to run it', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const own = keys[0]!;
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys,account-alias', ...FAST], {
      credentials: own,
      answers: { 'root-keys.override': ACCT, 'root-keys.session-key': 'delete', 'root-keys.apply': true },
      deps: { registry: withAlias },
    });
    expect(signedAfterRemoval(own.accessKeyId)).toEqual([]);
    // The session read the alias when it opened (who acts on which account), never for the step.
    const reqs = layer().requests;
    expect(reqs.slice(removalIndex(reqs, own.accessKeyId)).some((q) => q.operation === 'ListAccountAliases')).toBe(
      false,
    );
    await stillAuthenticates(own);
    expect(r.output.text).toContain(
      'Account alias: MANUAL: Not run: this session removed the access key it signs with. Run ' +
        '`rootlock check --only account-alias` with other credentials.',
    );
    expect(r.code).toBe(0);
  });

  it('rootlock apply: a recorded change after the removal is not sent, the other step is not verified, exit 1', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}], mfaEnabled: true });
    const own = keys[0]!;
    const out = join(mkdtempSync(join(tmpdir(), 'rootlock-propagation-')), 'plan.json');
    const planned = await runRootlock(
      emu().endpoint,
      ['plan', '--only', 'root-keys,account-alias', ...FAST, '--out', out],
      {
        credentials: own,
        answers: { 'root-keys.override': ACCT, 'root-keys.session-key': 'delete', 'account-alias.name': 'after-root' },
        deps: { registry: withAlias },
      },
    );
    expect(planned.code).toBe(0);
    const r = await runRootlock(emu().endpoint, ['apply', out, ...FAST], {
      credentials: own,
      answers: { 'apply.confirm': true },
      deps: { registry: withAlias },
    });
    expect(layer().root(ACCT).rootKeys).toEqual([]);
    expect(signedAfterRemoval(own.accessKeyId)).toEqual([]);
    expect(layer().requests.some((q) => q.operation === 'CreateAccountAlias')).toBe(false);
    await stillAuthenticates(own);
    expect(r.gate?.results.map((x) => [x.changeId, x.outcome, x.error?.code])).toEqual([
      [`root-keys/delete/${own.accessKeyId}`, 'applied', undefined],
      ['account-alias/create/after-root', 'failed', 'SigningKeyRemoved'],
    ]);
    expect(r.output.text).toContain('not sent, because this session removed the access key it signs with');
    expect(r.output.text).toContain('MANUAL: This session removed its own root key; verify from another session.');
    expect(r.output.text).toContain('MANUAL: Not verified: this session removed the access key it signs with.');
    expect(r.code).toBe(1);
  });
});

describe('sessionKeyRemoval: what counts as the session key removed', () => {
  const own = 'AKIAOWNKEY0000000000';
  const other = 'AKIAOTHERKEY00000000';
  const state = {
    keys: [
      { id: other, active: false, sessionKey: false },
      { id: own, active: true, sessionKey: true },
    ],
  } as RootKeysState;
  const result = (changeId: string, outcome: ChangeResult['outcome']): ChangeResult => ({ changeId, outcome });

  it('an answered removal (applied, or already gone) ends the session; a refusal or a change not sent does not', () => {
    const mode: Answers = { action: 'session-key', mode: 'deactivate', keyId: own };
    expect(sessionKeyRemoval(state, mode, [result(`root-keys/deactivate/${own}`, 'applied')])).toEqual({
      keyId: own,
      action: 'deactivate',
    });
    const both: Answers = { action: 'delete', keyIds: [other, own] };
    expect(
      sessionKeyRemoval(state, both, [
        result(`root-keys/delete/${other}`, 'applied'),
        result(`root-keys/delete/${own}`, 'already-done'),
      ]),
    ).toEqual({ keyId: own, action: 'delete' });
    expect(sessionKeyRemoval(state, mode, [result(`root-keys/deactivate/${own}`, 'failed')])).toBeUndefined();
    expect(sessionKeyRemoval(state, both, [result(`root-keys/delete/${other}`, 'failed')])).toBeUndefined();
    expect(sessionKeyRemoval(state, { action: 'delete', keyIds: [other] }, [])).toBeUndefined();
  });
});
