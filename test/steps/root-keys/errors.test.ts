/**
 * Bad input and refusals, against the emulator: a wrong account id at the override prompt, a
 * key deleted between plan and apply, AccessDenied on UpdateAccessKey (an AssumeRoot session
 * scoped to IAMDeleteRootUserCredentials signs rootlock in as root, and that policy has no
 * UpdateAccessKey), and AccessDenied on AssumeRoot (when reading and when applying).
 */
import {
  DeleteAccessKeyCommand,
  DisableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { runStep } from '../../../src/engine/runner.js';
import { step } from '../../../src/steps/root-keys/index.js';
import { createIamUserWithKey, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock, ScriptedPrompter } from '../../support/harness.js';
import {
  ACCT,
  ADMIN_POLICY,
  assumeRootCredentials,
  FAST,
  HookedPrompter,
  journalEntries,
  makeOrganization,
  prerequisites,
  stepContext,
} from './support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const layer = () => emu().layer;

describe('root-keys: bad input and refusals', () => {
  it('re-asks a wrong account id at the override prompt, with the reason, then records the override', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}], mfaEnabled: true });
    const prompter = new ScriptedPrompter({
      'root-keys.override': { sequence: ['111111111111', 'yes please', ACCT] },
      'root-keys.active': 'stop',
    });
    const { ctx, output, journal } = await stepContext(emu().endpoint, keys[0]!, {
      prompter,
      assessments: prerequisites({ admins: 'fail' }),
    });
    await runStep(step, ctx);
    const asked = prompter.asked.find((q) => q.id === 'root-keys.override')!;
    expect(asked.rejected).toEqual([
      `111111111111 is not the account whose root keys would be removed (${ACCT}). Type ${ACCT} to go ahead anyway, or leave it empty to stop.`,
      `Type the 12-digit account id ${ACCT} (digits only) to go ahead anyway, or leave it empty to stop.`,
    ]);
    expect(asked.answer).toBe(ACCT);
    expect(output.text).toContain('Administrators (admins): FAIL');
    expect(output.text).toContain('nobody may be able to administer the account');
    expect(journalEntries(journal.path).find((e) => e.type === 'attestation')).toMatchObject({
      item: 'prerequisites-override',
      statement: expect.stringContaining('admins is fail'),
    });
    expect(mutatingRequests(layer().requests)).toEqual([]);
  });

  it('stops without changing anything when the override is left empty', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}], mfaEnabled: true });
    const prompter = new ScriptedPrompter({ 'root-keys.override': '' });
    const { ctx, output } = await stepContext(emu().endpoint, keys[0]!, {
      prompter,
      assessments: prerequisites({ 'ec2-roles': 'error' }),
    });
    const o = await runStep(step, ctx);
    expect(prompter.asked.map((q) => q.id)).toEqual(['root-keys.override']);
    expect(output.text).toContain('Root keys left as they are. Finish first: rootlock --only ec2-roles');
    expect(o.plan).toEqual([]);
    expect(
      layer()
        .root(ACCT)
        .rootKeys.map((k) => k.status),
    ).toEqual(['Active', 'Active']);
  });

  it('treats deleting a key that vanished between plan and apply as done, and says so', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, { status: 'Inactive' }], mfaEnabled: true });
    const [own, other] = [keys[0]!, keys[1]!];
    const prompter = new HookedPrompter(
      { 'root-keys.inactive': 'delete', 'root-keys.apply': true, 'root-keys.session-key': 'stop' },
      {
        // Someone deletes the key in the console while the plan is on screen.
        'root-keys.apply': async (n) => {
          if (n === 1)
            await testClients(emu().endpoint, own).iam.send(
              new DeleteAccessKeyCommand({ AccessKeyId: other.accessKeyId }),
            );
        },
      },
    );
    const { ctx, output, gate } = await stepContext(emu().endpoint, own, { prompter });
    const o = await runStep(step, ctx);
    expect(gate.results.map((r) => [r.changeId, r.outcome])).toEqual([
      [`root-keys/delete/${other.accessKeyId}`, 'already-done'],
    ]);
    expect(output.text).toMatch(
      /Root access key AKIA\*+\w{4} no longer existed when rootlock sent the call \(NoSuchEntity: deleted after the plan was made/,
    );
    expect(output.text).not.toMatch(/\[fail\].*NoSuchEntity/);
    expect(
      layer()
        .root(ACCT)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual([own.accessKeyId]);
    expect(o.after?.summary).toBe('The root user has 1 access key (1 active).');
  });

  it('explains AccessDenied on UpdateAccessKey (root session without that action), leaves the key as it was, and deleting directly then works', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    const { keys } = layer().seedRoot(memberId, { keys: [{}] });
    const rootSession = await assumeRootCredentials(emu().endpoint, admin, memberId, 'IAMDeleteRootUserCredentials');

    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: rootSession,
      answers: { 'root-keys.override': memberId, 'root-keys.active': 'deactivate', 'root-keys.apply': true },
    });
    expect(
      layer()
        .root(memberId)
        .rootKeys.map((k) => k.status),
    ).toEqual(['Active']);
    expect(r.code).toBe(1);
    expect(r.output.text).toContain('temporary credentials');
    expect(r.output.text).toMatch(
      /AWS refused iam:UpdateAccessKey for root access key AKIA\*+\w{4}; that key is unchanged/,
    );
    expect(r.output.text).toContain('root-keys.active=delete');
    expect(r.output.text).toContain('https://console.aws.amazon.com/iam/home#/security_credentials');
    expect(r.output.text).toMatch(/Where the root keys stand now:\n\s+AKIA\*+\w{4}, active/);

    // The same session kind may delete: rerun and delete directly.
    const again = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: await assumeRootCredentials(emu().endpoint, admin, memberId, 'IAMDeleteRootUserCredentials'),
      answers: { 'root-keys.override': memberId, 'root-keys.active': 'delete', 'root-keys.apply': true },
    });
    expect(layer().root(memberId).rootKeys).toEqual([]);
    expect(again.output.text).toContain(`No root access keys.`);
    expect(keys).toHaveLength(1);
  });

  it('says which AssumeRoot was refused when the target is not a member account (read), and sends nothing', async () => {
    await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    const before = layer().requests.length;
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST, '--target-account', '111122223333'], {
      credentials: admin,
      answers: {},
    });
    expect(r.code).toBe(1);
    expect(r.output.text).toMatch(
      /ERROR: sts:AssumeRoot was refused for member account 111122223333 \(AccessDenied\).*Nothing was changed/,
    );
    expect(r.prompter.asked).toEqual([]);
    expect(mutatingRequests(layer().requests.slice(before))).toEqual([]);
  });

  it('says nothing was deleted when AssumeRoot is refused at apply time (feature turned off meanwhile)', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    const iam = testClients(emu().endpoint, admin).iam;
    await iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    const { keys } = layer().seedRoot(memberId, { keys: [{}, {}] });
    const prompter = new HookedPrompter(
      { 'root-keys.apply': true },
      { 'root-keys.apply': () => iam.send(new DisableOrganizationsRootCredentialsManagementCommand({})) },
    );
    const { ctx, output, gate } = await stepContext(emu().endpoint, admin, { prompter, targetAccount: memberId });
    await runStep(step, ctx);
    expect(
      layer()
        .root(memberId)
        .rootKeys.map((k) => k.accessKeyId),
    ).toEqual(keys.map((k) => k.accessKeyId));
    expect(gate.results).toHaveLength(1);
    expect(gate.results[0]!.error).toMatchObject({ code: 'AccessDenied', deniedAction: 'sts:AssumeRoot' });
    expect(output.text).toContain(
      `sts:AssumeRoot (task policy IAMDeleteRootUserCredentials) was refused for member account ${memberId}, so nothing was deleted there`,
    );
    expect(output.text).toMatch(/Stopped here\. Not sent: Delete root access key/);
  });
});
