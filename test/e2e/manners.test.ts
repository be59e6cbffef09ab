/**
 * Terminal manners of the real binary: colour only when wanted, plain output without a
 * terminal, no waiting for an answer nobody can give, and Ctrl-C (at a prompt and during a
 * running change) that exits 130, says what was done and how to go on, and leaves the
 * journal whole. Each test also checks the account in the emulator afterwards.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetAlternateContactCommand } from '@aws-sdk/client-account';
import { GetUserCommand, ListRolesCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, primaryContactAnswers } from '../support/harness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import {
  assertFreshBuild,
  killAllPtys,
  readJournals,
  rootlockEnv,
  runPiped,
  SGR,
  startRootlock,
} from '../support/pty.js';
import {
  ACCOUNT,
  atPrompt,
  CONTACTS,
  enter,
  PRIMARY,
  profileAssociations,
  seedAccount,
  startNotReadyProxy,
  removeTempHomes,
  tempHome,
  typeLine,
  upThenEnter,
  type NotReadyProxy,
} from './helpers.js';

const emu = useEmulator();
beforeAll(() => assertFreshBuild());
afterAll(() => removeTempHomes());
let proxy: NotReadyProxy | undefined;
afterEach(async () => {
  killAllPtys();
  await proxy?.close();
  proxy = undefined;
});

/** A line of plain output: a marker, a `== heading ==`, an indented detail, or empty. */
const PLAIN_LINE = /^(\[(start|info|ok|warn|fail)\] .+|== .+ ==|  .*|)$/;

function expectPlain(stream: string, what: string): void {
  expect(stream, `${what} holds an escape sequence`).not.toContain('\x1b');
  expect(stream, `${what} holds a carriage return`).not.toContain('\r');
  for (const line of stream.split('\n')) expect(line, `${what}: unexpected line shape`).toMatch(PLAIN_LINE);
}

/** Every journal of a run: each line parsed (readJournals throws on a line that is not JSON). */
function journalOf(home: string) {
  const files = readJournals(home);
  expect(files.length).toBeGreaterThan(0);
  return files;
}

/** change-start entries that have no change-end: calls that may or may not have reached AWS. */
function unfinished(entries: Array<Record<string, unknown>>): string[] {
  const open = new Set<string>();
  for (const e of entries) {
    if (e.type === 'change-start') open.add(String(e.change));
    if (e.type === 'change-end') open.delete(String(e.change));
  }
  return [...open];
}

describe('colour', () => {
  it('NO_COLOR=1 on a terminal: prompts and progress, and not one colour or style sequence', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin'] });
    emu().layer.requests.splice(0);
    const home = tempHome();
    // FORCE_COLOR too, as CI systems set it for every tool: NO_COLOR, the operator's own choice, wins.
    const env = rootlockEnv({
      endpoint: emu().endpoint,
      home,
      credentials: seeded.root[0]!,
      extra: { NO_COLOR: '1', FORCE_COLOR: '1' },
    });
    const pty = startRootlock(['--only', 'admins'], { env });
    await atPrompt(pty, 'The account has no password policy. Set one', typeLine('n'));
    await atPrompt(pty, 'Create an admin user now', typeLine('n'));
    const code = await pty.waitForExit();

    expect(pty.transcript).not.toMatch(SGR);
    expect(pty.text()).toContain('[fail] FAIL: 1 full admin (first-admin): at least 2 are needed.');
    expect(pty.text()).toMatch(/^\[start\] Checking who is signed in|[-\\|/] Checking who is signed in/m);
    expect(code).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  }, 60_000);

  it('a terminal without NO_COLOR is coloured (so the test above can fail)', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin', 'second-admin'], contacts: true });
    const home = tempHome();
    const pty = startRootlock(['check', '--only', 'billing-recovery'], {
      env: rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! }),
    });
    expect(await pty.waitForExit()).toBe(0);
    expect(pty.transcript).toMatch(SGR);
  }, 60_000);
});

describe('without a terminal', () => {
  it('check: plain lines on stderr, one JSON document on stdout, no escape sequence, no carriage return', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin'], bareInstances: 1 });
    const home = tempHome();
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! });
    const text = await runPiped(['check', '--regions', 'us-east-1'], { env });
    expect(text.timedOut).toBe(false);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expectPlain(text.stderr, 'check on stderr');
    expect(text.stderr).toContain('[fail] Administrators: FAIL: 1 full admin (first-admin): at least 2 are needed.');
    expect(text.stderr).toContain('== Summary ==');

    const json = await runPiped(['check', '--json', '--regions', 'us-east-1'], { env });
    expect(json.code).toBe(1);
    expect(json.stdout).not.toContain('\x1b');
    const doc = JSON.parse(json.stdout) as { steps: Array<{ id: string; status: string }> };
    expect(doc.steps.map((s) => [s.id, s.status])).toEqual([
      ['admins', 'fail'],
      ['ec2-roles', 'fail'],
      ['billing-recovery', 'fail'],
      ['root-keys', 'fail'],
    ]);
    expectPlain(json.stderr, 'check --json on stderr');
  }, 90_000);

  it('the wizard with every answer in an answers file: runs to the end, plain output, contacts written', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin'] });
    const home = tempHome();
    const answers: Record<string, unknown> = {
      'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
      'billing-recovery.contact.SECURITY.reuse': 'new',
      'billing-recovery.primary.fill': true,
      ...primaryContactAnswers(PRIMARY),
      'billing-recovery.billing-access.attest': false,
      'billing-recovery.apply': true,
    };
    for (const type of ['BILLING', 'SECURITY'] as const) {
      const c = CONTACTS[type];
      Object.assign(answers, {
        [`billing-recovery.contact.${type}.name`]: c.Name,
        [`billing-recovery.contact.${type}.title`]: c.Title,
        [`billing-recovery.contact.${type}.email`]: c.EmailAddress,
        [`billing-recovery.contact.${type}.phone`]: c.PhoneNumber,
      });
    }
    const file = path.join(home, 'answers.json');
    writeFileSync(file, JSON.stringify(answers));
    const run = await runPiped(['--only', 'billing-recovery', '--answers', file], {
      env: rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! }),
      stdin: 'closed',
    });
    expect(run.timedOut).toBe(false);
    expectPlain(run.stderr, 'the wizard on stderr');
    expect(run.stderr).toContain('== Plan: 4 change(s) ==');
    expect(run.stderr).toContain('[ok] Set the OPERATIONS alternate contact');
    expect(run.stderr).toContain('[warn] Not attested: it stays a manual item.');
    expect(run.code).toBe(0);
    const { account } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const ops = await account.send(new GetAlternateContactCommand({ AlternateContactType: 'OPERATIONS' }));
    expect(ops.AlternateContact).toMatchObject(CONTACTS.BILLING); // copied from BILLING, as answered
    expect(emu().layer.root(ACCOUNT).contactInformation).toMatchObject(PRIMARY);
  }, 90_000);

  it('a question nobody can answer: exit 2 at once, naming the --answer flag and the answers file; nothing sent', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin'] });
    emu().layer.requests.splice(0);
    const home = tempHome();
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! });

    // stdin is /dev/null.
    const run = await runPiped(['--only', 'admins'], { env, stdin: 'null', timeoutMs: 60_000 });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '[fail] Question "admins.password-policy" needs an answer and there is no terminal to ask it on.',
    );
    expect(run.stderr).toContain('--answer admins.password-policy=true|false');
    expect(run.stderr).toContain('(--answers file.json)');
    expectPlain(run.stderr, 'stderr');

    // stdin a closed pipe, and --yes: the safe confirmations are answered, the first input is not.
    const yes = await runPiped(['--only', 'admins', '--yes'], { env, stdin: 'closed', timeoutMs: 60_000 });
    expect(yes.timedOut).toBe(false);
    expect(yes.code).toBe(2);
    expect(yes.stderr).toContain('Question "admins.create.count" needs an answer');
    expect(yes.stderr).toContain('--answer admins.create.count=<text>');

    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    const journals = journalOf(home);
    expect(journals.map((j) => j.entries.at(-1))).toEqual([
      expect.objectContaining({ type: 'session-end', outcome: 'stopped: NeedsInputError' }),
      expect.objectContaining({ type: 'session-end', outcome: 'stopped: NeedsInputError' }),
    ]);
  }, 90_000);
});

describe('permissions', () => {
  let faults: FaultProxy | undefined;
  afterEach(async () => {
    await faults?.close();
    faults = undefined;
  });

  it('a denied read names the IAM action and the statement to add; the other steps still run', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, rootMfa: true, admins: ['alice', 'bob'] });
    faults = await startFaultProxy({
      target: emu().endpoint,
      rules: [{ kind: 'deny', match: 'account:GetAlternateContact' }],
      principalArn: seeded.admin.arn,
    });
    const home = tempHome();
    const run = await runPiped(['check', '--regions', 'us-east-1'], {
      env: rootlockEnv({ endpoint: faults.url, home, credentials: seeded.admin }),
    });
    expect(run.timedOut).toBe(false);
    expectPlain(run.stderr, 'check on stderr');
    expect(run.stderr).toContain(
      '[fail] Billing and recovery contacts: ERROR: Access denied for account:GetAlternateContact. Add this statement to the caller\'s policy, or run as a principal that has it: {"Effect":"Allow","Action":"account:GetAlternateContact","Resource":"*"}',
    );
    expect(run.stderr).toContain('[ok] Administrators: PASS: 2 full admins (alice, bob).');
    expect(run.stderr).toContain('[ok] Root access keys: PASS');
    expect(run.code).toBe(1);
  }, 60_000);

  it('a denied change stops the plan there, names the action, and says what was not sent', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, rootMfa: true, admins: ['alice', 'bob'], bareInstances: 1 });
    faults = await startFaultProxy({
      target: emu().endpoint,
      rules: [{ kind: 'deny', match: 'iam:CreateRole' }],
      principalArn: seeded.admin.arn,
    });
    const home = tempHome();
    const answers = [
      `ec2-roles.instances=${seeded.bareInstances[0]}`,
      'ec2-roles.role.name=web-servers',
      'ec2-roles.policies=arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      'ec2-roles.apply=true',
    ];
    const run = await runPiped(
      ['--only', 'ec2-roles', '--regions', 'us-east-1', ...answers.flatMap((a) => ['--answer', a])],
      {
        env: rootlockEnv({ endpoint: faults.url, home, credentials: seeded.admin }),
        stdin: 'null',
      },
    );
    expect(run.timedOut).toBe(false);
    expectPlain(run.stderr, 'the wizard on stderr');
    expect(run.stderr).toContain('[fail] Create IAM role web-servers that EC2 instances can assume: failed');
    expect(run.stderr).toContain(
      '[fail] Access denied for iam:CreateRole. Add this statement to the caller\'s policy, or run as a principal that has it: {"Effect":"Allow","Action":"iam:CreateRole","Resource":"*"}',
    );
    expect(run.stderr).toMatch(
      /\[warn\] Stopped here\. Not sent: Attach AmazonSSMManagedInstanceCore to role web-servers; Create instance profile web-servers; Put role web-servers in instance profile web-servers; Attach instance profile web-servers to instance/,
    );
    expect(run.code).toBe(1);
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    expect(((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName)).not.toContain(
      'web-servers',
    );
    const [journal] = journalOf(home);
    expect(journal!.entries.filter((e) => e.type === 'change-end').map((e) => [e.change, e.outcome])).toEqual([
      ['ec2-roles/create-role/web-servers', 'failed'],
    ]);
  }, 60_000);

  it('a plan that sets a one-time password is refused up front without a terminal: nothing is half done', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, rootMfa: true, admins: ['alice'] });
    const home = tempHome();
    const answers = [
      'admins.password-policy=false',
      'admins.create=true',
      'admins.create.count=1',
      'admins.create.name.1=carol',
      'admins.apply=true',
    ];
    emu().layer.requests.length = 0;
    const run = await runPiped(['--only', 'admins', ...answers.flatMap((a) => ['--answer', a])], {
      env: rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.admin }),
      stdin: 'null',
    });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toContain(
      '[fail] This plan sets a one-time secret (one-time console password for carol), and this output is not a terminal, so nobody would see it. Nothing was sent.',
    );
    expect(run.stderr).toContain('Run rootlock in a terminal to apply it');
    expect(run.code).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    expect(((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName)).toEqual(['alice']);
    const [journal] = journalOf(home);
    expect(journal!.entries.filter((e) => e.type === 'change-start')).toEqual([]);
  }, 60_000);
});

describe('Ctrl-C', () => {
  it('at a prompt: exit 130, says what was applied and how to go on, journal whole', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 1, admins: ['first-admin'], bareInstances: 1 });
    const home = tempHome();
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.root[0]! });
    const pty = startRootlock(['--only', 'admins,ec2-roles', '--regions', 'us-east-1'], { env });
    await atPrompt(pty, 'The account has no password policy. Set one', enter);
    await atPrompt(pty, 'Create an admin user now', enter);
    await atPrompt(pty, 'How many admin users to create?', enter);
    await atPrompt(pty, 'User name for new admin 1 of 1', typeLine('carol'));
    await atPrompt(pty, 'Apply these 5 changes? (Y/n)', enter);
    // The admins exist: Enter declines the offer to go on with an admin profile (stays root).
    await atPrompt(pty, 'Go on as an admin', enter);
    await atPrompt(pty, 'Which instances should get an instance role?', (p) => p.press('ctrl-c'));
    const code = await pty.waitForExit();

    expect(code).toBe(130);
    const flat = pty.text().replace(/\s+/g, ' ');
    expect(flat).toContain(
      'Interrupted. 5 change(s) had been applied: admins/password-policy, admins/create-user/carol, admins/login-profile/carol, admins/add-to-group/Administrators/carol, admins/finish-setup/carol.',
    );
    expect(flat).toContain(
      "Run the same rootlock command again: it re-reads AWS and continues from the account's actual state.",
    );
    const [journal] = journalOf(home);
    expect(flat).toContain(`Journal of this session: ${journal!.path}`);
    expect(journal!.entries.at(-1)).toMatchObject({
      type: 'session-end',
      outcome: 'interrupted: cancelled at a prompt',
    });
    expect(unfinished(journal!.entries)).toEqual([]);
    // What was applied is in AWS; what was not asked yet is not.
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    expect((await iam.send(new GetUserCommand({ UserName: 'carol' }))).User?.UserName).toBe('carol');
    expect(await profileAssociations(emu().endpoint)).toEqual({});
  }, 90_000);

  it('during a running change (AWS not ready yet): exit 130, journal shows the call in flight; the next run says so and finishes', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, admins: ['first-admin', 'second-admin'], bareInstances: 1 });
    proxy = await startNotReadyProxy(emu().endpoint);
    const home = tempHome();
    const env = rootlockEnv({ endpoint: proxy.url, home, credentials: seeded.admin });
    const pty = startRootlock(['--only', 'ec2-roles', '--regions', 'us-east-1'], { env });
    await atPrompt(pty, 'Which instances should get an instance role?', enter);
    await atPrompt(pty, 'Name of the new role', enter);
    await atPrompt(pty, 'Which managed policies', enter);
    await atPrompt(pty, 'Apply these 5 changes? (Y/n)', enter);
    // Waiting for the new instance profile, with counts.
    await pty.waitFor(/AWS is not ready yet \(InvalidParameterValue\); attempt 2 of 6 in 2 s/);
    await pty.waitFor(/AWS is not ready yet \(InvalidParameterValue\); attempt 3 of 6 in 4 s/);
    pty.press('ctrl-c');
    const code = await pty.waitForExit();

    expect(code).toBe(130);
    expect(proxy.refused).toBe(2);
    const flat = pty.text().replace(/\s+/g, ' ');
    expect(flat).toContain(
      'Interrupted. 4 change(s) had been applied: ec2-roles/create-role/rootlock-ec2-instance, ec2-roles/attach-policy/rootlock-ec2-instance/AmazonSSMManagedInstanceCore, ec2-roles/create-instance-profile/rootlock-ec2-instance, ec2-roles/add-role-to-instance-profile/rootlock-ec2-instance.',
    );
    expect(flat).toContain('Run the same rootlock command again');
    const [first] = journalOf(home);
    expect(first!.entries.at(-1)).toMatchObject({ type: 'session-end', outcome: 'interrupted: SIGINT' });
    const associate = `ec2-roles/associate/us-east-1/${seeded.bareInstances[0]}`;
    expect(unfinished(first!.entries)).toEqual([associate]);
    expect(await profileAssociations(emu().endpoint)).toEqual({});

    // AWS catches up; the operator runs the same command again.
    proxy.notReady = false;
    const again = startRootlock(['--only', 'ec2-roles', '--regions', 'us-east-1'], { env });
    await again.waitFor(`An earlier session on this account did not finish (${first!.path}).`);
    await again.waitFor(
      `In flight when it stopped (it may or may not have reached AWS; the steps below check): ec2-roles: ec2:AssociateIamInstanceProfile (${associate})`,
    );
    await atPrompt(again, 'Which instances should get an instance role?', enter);
    // The role made before the interruption is offered; "Create a new role" is the default.
    await atPrompt(again, 'Which role should these instances get?', upThenEnter(1));
    await atPrompt(again, 'Apply this change? (Y/n)', enter);
    await again.waitFor('PASS: All 1 instance');
    expect(await again.waitForExit()).toBe(0);
    expect(await profileAssociations(emu().endpoint)).toEqual({
      [seeded.bareInstances[0]!]: `arn:aws:iam::${ACCOUNT}:instance-profile/rootlock-ec2-instance`,
    });
    const journals = journalOf(home);
    expect(journals.length).toBe(2);
    expect(journals[1]!.entries.at(-1)).toMatchObject({ type: 'session-end', outcome: 'completed' });
    const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    expect(((await iam.send(new ListUsersCommand({}))).Users ?? []).length).toBe(2);
  }, 120_000);
});
