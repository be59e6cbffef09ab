/**
 * Two more operator sessions in a real pseudo-terminal:
 * - a dry-run of the whole wizard, answered partly from an answers file and partly at the
 *   keyboard: every plan shown, nothing sent, the account unchanged;
 * - a remediation session (`rootlock fix`) on an account where only one step fails: the
 *   passing steps are reported and skipped, the failing one is walked and fixed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, primaryContactAnswers } from '../support/harness.js';
import { assertFreshBuild, killAllPtys, readJournals, rootlockEnv, startRootlock } from '../support/pty.js';
import {
  ACCOUNT,
  atPrompt,
  CONTACTS,
  enter,
  PRIMARY,
  profileAssociations,
  seedAccount,
  removeTempHomes,
  tempHome,
  typeLine,
  upThenEnter,
} from './helpers.js';

const emu = useEmulator();
beforeAll(() => assertFreshBuild());
afterEach(() => killAllPtys());
afterAll(() => removeTempHomes());

/** Every question of the billing-recovery step, by id, as an answers file holds them. */
function contactAnswers(): Record<string, unknown> {
  const a: Record<string, unknown> = {
    'billing-recovery.contact.OPERATIONS.reuse': 'new',
    'billing-recovery.contact.SECURITY.reuse': 'new',
    'billing-recovery.primary.fill': true,
    ...primaryContactAnswers(PRIMARY),
  };
  for (const [type, c] of Object.entries(CONTACTS)) {
    a[`billing-recovery.contact.${type}.name`] = c.Name;
    a[`billing-recovery.contact.${type}.title`] = c.Title;
    a[`billing-recovery.contact.${type}.email`] = c.EmailAddress;
    a[`billing-recovery.contact.${type}.phone`] = c.PhoneNumber;
  }
  return a;
}

describe('a dry-run in a terminal', () => {
  it('asks, shows every plan as exact API calls, sends nothing and leaves the account as it was', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 2, admins: ['first-admin'], bareInstances: 2 });
    emu().layer.requests.splice(0);
    const home = tempHome();
    const answersFile = path.join(home, 'answers.json');
    writeFileSync(answersFile, JSON.stringify(contactAnswers(), null, 2));
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! });
    const pty = startRootlock(['--dry-run', '--regions', 'us-east-1', '--answers', answersFile], {
      env,
      cols: 100,
      rows: 50,
    });

    await pty.waitFor('Dry run: every change is shown and none is sent.');
    await atPrompt(pty, 'The account has no password policy. Set one', enter);
    await atPrompt(pty, 'Create an admin user now', enter);
    await atPrompt(pty, 'How many admin users to create?', enter); // the default: 1
    await atPrompt(pty, 'User name for new admin 1 of 1', typeLine('carol'));
    // The admin group exists already: policy, user, password, membership, finish.
    await pty.waitFor('Plan (dry run: nothing will be sent), 5 change(s)');
    await pty.waitFor('Dry run: 5 changes shown, none sent.');
    await atPrompt(pty, 'Which instances should get an instance role?', enter);
    await atPrompt(pty, 'Name of the new role', enter);
    await atPrompt(pty, 'Which managed policies', enter);
    await pty.waitFor('Plan (dry run: nothing will be sent), 6 change(s)');
    // The contacts come from the answers file: nothing about them is asked at the keyboard.
    await pty.waitFor('Dry run: the attestation is not asked or recorded.');
    await pty.waitFor('Plan (dry run: nothing will be sent), 4 change(s)');
    // Nothing was prepared for real, so removing root keys needs the typed override; a wrong id is refused.
    await atPrompt(
      pty,
      `To remove the root keys of account ${ACCOUNT} anyway, type that account id`,
      typeLine('111111111111'),
    );
    await pty.waitFor(`111111111111 is not the account whose root keys would be removed (${ACCOUNT}).`);
    await pty.settle(150);
    pty.press('backspace', 12);
    typeLine(ACCOUNT)(pty);
    await atPrompt(pty, 'What should happen to the active root key', enter);
    await pty.waitFor(/Plan \(dry run: nothing will be sent\), \d+ change\(s\)/);
    const code = await pty.waitForExit(60_000);

    const text = pty.text();
    const flat = text.replace(/\s+/g, ' ');
    for (const call of [
      'iam:UpdateAccountPasswordPolicy',
      'iam:CreateUser {"UserName":"carol"',
      'iam:CreateRole',
      'ec2:AssociateIamInstanceProfile',
      'account:PutAlternateContact',
      'account:PutContactInformation',
      'iam:UpdateAccessKey {"AccessKeyId":',
      'iam:DeleteAccessKey {"AccessKeyId":',
    ]) {
      expect(flat).toContain(call);
    }
    expect(text).not.toMatch(/Apply (this change|these \d+ changes)\?/);
    expect(text).not.toContain('Shown once'); // no password is generated in a dry run
    expect(text).not.toMatch(/[?✔] BILLING contact name/);
    expect(code).toBe(1); // every step still fails: nothing changed

    // Nothing was sent, and the account is as it was.
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    const { iam, account } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    expect(((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName)).toEqual(['first-admin']);
    expect(
      emu()
        .layer.root(ACCOUNT)
        .rootKeys.map((k) => k.status),
    ).toEqual(['Active', 'Active']);
    expect(await profileAssociations(emu().endpoint)).toEqual({});
    await expect(
      account.send(new GetAlternateContactCommand({ AlternateContactType: 'BILLING' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

    // The journal records the dry run as such.
    const [journal] = readJournals(home);
    expect(journal!.entries[0]).toMatchObject({ type: 'session-start', dryRun: true });
    const starts = journal!.entries.filter((e) => e.type === 'change-start');
    const shown = [...flat.matchAll(/Dry run: (\d+) changes? shown, none sent\./g)].map((m) => Number(m[1]));
    expect(shown.slice(0, 3)).toEqual([5, 6, 4]);
    expect(shown.length).toBe(4);
    expect(starts.length).toBe(shown.reduce((a, b) => a + b, 0));
    expect(starts.every((e) => e.dryRun === true)).toBe(true);
    expect(new Set(journal!.entries.filter((e) => e.type === 'change-end').map((e) => e.outcome))).toEqual(
      new Set(['dry-run']),
    );
  }, 120_000);
});

describe('a remediation session (rootlock fix)', () => {
  it('skips the passing steps and walks only the failing one, then verifies it', async () => {
    // Prepared account (two admins in a group, contacts set, no root keys, root MFA on) where one
    // of two instances lost its role: only ec2-roles fails.
    const seeded = await seedAccount(emu(), {
      rootKeys: 0,
      rootMfa: true,
      admins: ['alice', 'bob'],
      roleInstances: 1,
      bareInstances: 1,
      contacts: true,
    });
    emu().layer.requests.splice(0);
    const home = tempHome();
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.admin });
    const pty = startRootlock(['fix', '--regions', 'us-east-1'], { env, cols: 100, rows: 50 });

    await pty.waitFor('Acting as arn:aws:iam::123456789012:user/alice');
    await pty.waitFor('PASS: 2 full admins (alice, bob).');
    await pty.waitFor('FAIL: 1 of 2 instances in 1 region have no instance role.');
    await pty.waitFor('Which instances should get an instance role?');
    await pty.settle(150);
    // Only the instance without a role is picked by default.
    const picked = pty.screen.visible().filter((l) => /◉|◯/.test(l));
    expect(picked.find((l) => l.includes(seeded.bareInstances[0]!))).toMatch(/◉/);
    expect(picked.find((l) => l.includes(seeded.roleInstances[0]!))).toMatch(/◯/);
    await atPrompt(pty, /space select/, enter);
    // The existing EC2 role is offered first; "Create a new role" is the default.
    await atPrompt(pty, 'Which role should these instances get?', upThenEnter(1));
    await pty.waitFor('Plan: 1 change(s)');
    await atPrompt(pty, 'Apply this change? (Y/n)', enter);
    await pty.waitFor('PASS: All 2 instances in 1 region have an instance role.');
    await pty.waitFor('Summary');
    const code = await pty.waitForExit(60_000);

    const text = pty.text();
    // Questions came from ec2-roles only.
    const questions = [...text.matchAll(/^\? (.*)$/gm)].map((m) => m[1]!);
    expect(questions.every((q) => /instances should get|role should these|Apply this change/.test(q))).toBe(true);
    expect(text).toContain('✔ Administrators: PASS');
    expect(text).toContain('✔ EC2 instance roles: PASS');
    expect(text).toContain('✔ Billing and recovery contacts: PASS');
    expect(text).toContain('✔ Root access keys: PASS');
    expect(code).toBe(0);

    // Exactly one change reached AWS, and it is the one shown.
    expect(mutatingRequests(emu().layer.requests)).toEqual(['ec2:AssociateIamInstanceProfile']);
    const assoc = await profileAssociations(emu().endpoint);
    expect(assoc).toEqual({
      [seeded.roleInstances[0]!]: `arn:aws:iam::${ACCOUNT}:instance-profile/app-role`,
      [seeded.bareInstances[0]!]: `arn:aws:iam::${ACCOUNT}:instance-profile/app-role`,
    });
    const [journal] = readJournals(home);
    expect(journal!.entries[0]).toMatchObject({ type: 'session-start', command: 'fix' });
    expect(journal!.entries.filter((e) => e.type === 'change-end').map((e) => [e.change, e.outcome])).toEqual([
      [`ec2-roles/associate/us-east-1/${seeded.bareInstances[0]}`, 'applied'],
    ]);
  }, 120_000);
});
