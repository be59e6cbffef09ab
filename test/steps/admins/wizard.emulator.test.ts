/**
 * The admins step's wizard end to end: the real CLI in-process against the moto emulator
 * (with the root layer), asserting what the operator saw and, by reading IAM afterwards,
 * what the account became: creation, dry run, rerun, bad names, half-created users
 * (completed or rolled back), and trimming extra admins.
 */
import { readFileSync } from 'node:fs';
import {
  AddUserToGroupCommand,
  CreateGroupCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  GetAccountPasswordPolicyCommand,
  GetGroupCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAttachedGroupPoliciesCommand,
  ListUserTagsCommand,
  ListUsersCommand,
  PasswordPolicyViolationException,
} from '@aws-sdk/client-iam';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIamUserWithKey } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock, type RunResult, type ScriptedAnswer } from '../../support/harness.js';
import { ACCOUNT, ADMIN_POLICY, bootstrapIam, createAdmin } from './fixtures.js';

const emu = useEmulator({ credentialReportReuse: true });

function rootKey() {
  return emu().layer.seedRoot(ACCOUNT, { keys: [{ status: 'Active' }] }).keys[0]!;
}

/** `rootlock check --json --only admins`; returns the step's entry and the run. */
async function check(credentials = rootKey()) {
  const run = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'admins'], { credentials });
  return { step: run.json.steps[0], run };
}

async function wizard(
  answers: Record<string, ScriptedAnswer>,
  extra: string[] = [],
  credentials = rootKey(),
): Promise<RunResult> {
  return runRootlock(emu().endpoint, ['--only', 'admins', ...extra], { credentials, answers });
}

const iam = (): IAMClient => bootstrapIam(emu().endpoint);
const names = (list: Array<{ name: string }>) => list.map((a) => a.name).sort();

async function groupMembers(group: string): Promise<string[]> {
  const g = await iam().send(new GetGroupCommand({ GroupName: group }));
  return (g.Users ?? []).map((u) => u.UserName!).sort();
}
async function hasLoginProfile(user: string): Promise<boolean> {
  try {
    await iam().send(new GetLoginProfileCommand({ UserName: user }));
    return true;
  } catch {
    return false;
  }
}
async function userTags(user: string): Promise<Record<string, string>> {
  const t = await iam().send(new ListUserTagsCommand({ UserName: user }));
  return Object.fromEntries((t.Tags ?? []).map((x) => [x.Key!, x.Value!]));
}
async function userNames(): Promise<string[]> {
  const u = await iam().send(new ListUsersCommand({}));
  return (u.Users ?? []).map((x) => x.UserName!).sort();
}

/** Asserts no secret value appears anywhere but output.secrets. */
function expectSecretsContained(r: RunResult, extraTexts: string[] = []): void {
  const journal = r.journalPath ? readFileSync(r.journalPath, 'utf8') : '';
  for (const s of r.output.secrets) {
    expect(s.value.length).toBeGreaterThanOrEqual(14);
    expect(r.output.text).not.toContain(s.value);
    expect(journal).not.toContain(s.value);
    expect(r.stdout).not.toContain(s.value);
    for (const t of extraTexts) expect(t).not.toContain(s.value);
  }
}

const CREATE_TWO = {
  'admins.password-policy': true,
  'admins.create': true,
  'admins.create.count': '2',
  'admins.create.name.1': 'alice',
  'admins.create.name.2': 'bob',
  'admins.apply': true,
};

describe('admins: creating the missing admins', () => {
  it('creates group, users, one-time passwords and memberships; verified by reading IAM; secrets shown once only', async () => {
    const key = rootKey();
    const r = await wizard(CREATE_TWO, [], key);
    expect(r.code).toBe(0);
    // The group has AdministratorAccess and both users.
    const attached = await iam().send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([ADMIN_POLICY]);
    expect(await groupMembers('Administrators')).toEqual(['alice', 'bob']);
    for (const u of ['alice', 'bob']) {
      expect(await hasLoginProfile(u)).toBe(true);
      expect(await userTags(u)).toEqual({ 'created-by': 'rootlock' });
    }
    const pp = await iam().send(new GetAccountPasswordPolicyCommand({}));
    expect(pp.PasswordPolicy).toMatchObject({
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      PasswordReusePrevention: 24,
    });
    expect(pp.PasswordPolicy?.MaxPasswordAge ?? 0).toBe(0);
    // The CreateLoginProfile calls asked for a reset at first sign-in (moto ignores the flag, so read the request).
    const profiles = emu().layer.requests.filter((q) => q.operation === 'CreateLoginProfile');
    expect(profiles.map((q) => q.params.PasswordResetRequired)).toEqual(['true', 'true']);
    // Each password shown exactly once, through output.secret, and nowhere else.
    expect(r.output.secrets.map((s) => s.label)).toEqual([
      'one-time console password for alice',
      'one-time console password for bob',
    ]);
    expect(new Set(r.output.secrets.map((s) => s.value)).size).toBe(2);
    const after = await check(key);
    expectSecretsContained(r, [JSON.stringify(after.run.json)]);
    // The verify round passes and the check agrees.
    expect(r.output.text).toContain('PASS: 2 full admins (alice, bob).');
    expect(after.step.status).toBe('pass');
    expect(after.step.details.admins).toEqual([
      expect.objectContaining({
        name: 'alice',
        consoleAccess: true,
        mfa: false,
        lastActivity: null,
        via: ['group Administrators: AdministratorAccess (AWS managed)'],
      }),
      expect.objectContaining({ name: 'bob', consoleAccess: true, mfa: false, lastActivity: null }),
    ]);
    // Sign-in URL and MFA guidance.
    expect(r.output.text).toContain(`Console sign-in URL: https://${ACCOUNT}.signin.aws.amazon.com/console`);
    expect(r.output.text).toContain('MFA is not active yet for: alice, bob.');
    expect(r.output.text).toContain('Assign MFA device');
  });

  it('dry run shows the plan and sends nothing', async () => {
    const r = await wizard({ ...CREATE_TWO, 'admins.apply': undefined }, ['--dry-run']);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.text).toContain('Plan (dry run: nothing will be sent), 11 change(s)');
    expect(r.output.text).toContain(
      'iam:CreateLoginProfile {"UserName":"alice","Password":"<generated when applied, shown once>","PasswordResetRequired":true}',
    );
    expect(r.output.secrets).toEqual([]);
    expect(await userNames()).toEqual([]);
    expect(r.prompter.asked.map((q) => q.id)).not.toContain('admins.apply');
  });

  it('a rerun changes nothing and asks nothing', async () => {
    const key = rootKey();
    await wizard(CREATE_TWO, [], key);
    emu().layer.requests.length = 0;
    const again = await wizard({}, [], key);
    expect(again.code).toBe(0);
    expect(again.prompter.asked).toEqual([]);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(again.output.secrets).toEqual([]);
  });

  it('re-asks user names AWS would refuse, with the reason', async () => {
    await iam().send(new CreateUserCommand({ UserName: 'Existing' }));
    const r = await wizard({
      ...CREATE_TWO,
      'admins.create.name.1': { sequence: ['has space', 'x'.repeat(65), 'existing', 'alice'] },
      'admins.create.name.2': { sequence: ['ALICE', 'bob'] },
    });
    expect(r.code).toBe(0);
    const asked = Object.fromEntries(r.prompter.asked.map((q) => [q.id, q]));
    expect(asked['admins.create.name.1']!.rejected).toEqual([
      expect.stringContaining('may only contain letters, digits'),
      'IAM user names are at most 64 characters; this one has 65.',
      expect.stringContaining('User Existing already exists, and IAM user names ignore case'),
    ]);
    expect(asked['admins.create.name.1']!.answer).toBe('alice');
    expect(asked['admins.create.name.2']!.rejected).toEqual([
      'alice was already given for another new admin; choose another name.',
    ]);
    expect(await groupMembers('Administrators')).toEqual(['alice', 'bob']);
  });

  it('reuses an existing admin group, and promotes an existing non-admin group only when asked', async () => {
    const client = iam();
    await client.send(new CreateGroupCommand({ GroupName: 'Ops' }));
    await client.send(new CreateUserCommand({ UserName: 'opsie' }));
    await client.send(new AddUserToGroupCommand({ GroupName: 'Ops', UserName: 'opsie' }));
    // Declined: nothing is created, and the operator is told how to use another group.
    const no = await wizard({ ...CREATE_TWO, 'admins.create.attach-policy': false }, ['--admin-group', 'ops']);
    expect(no.prompter.asked.find((q) => q.id === 'admins.create.attach-policy')?.message).toContain(
      'current member (opsie) would become full admins too',
    );
    expect(await userNames()).toEqual(['opsie']);
    expect(no.output.text).toContain('--admin-group NAME');
    // Accepted: AdministratorAccess goes on the existing group (IAM spelling kept: "Ops").
    const yes = await wizard(
      {
        ...CREATE_TWO,
        'admins.password-policy': false,
        'admins.create.count': '1',
        'admins.create.attach-policy': true,
      },
      ['--admin-group', 'ops'],
    );
    expect(yes.code).toBe(0);
    const attached = await client.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Ops' }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([ADMIN_POLICY]);
    expect(await groupMembers('Ops')).toEqual(['alice', 'opsie']);
  });
});

describe('admins: a half-created admin is reported, then completed or rolled back', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** Makes IAM refuse CreateLoginProfile for `user` once, as AWS does for a password it will not take. */
  function failLoginProfileOnce(user: string): { failed: () => boolean } {
    const original = IAMClient.prototype.send;
    let failed = false;
    vi.spyOn(IAMClient.prototype, 'send').mockImplementation(function (this: IAMClient, command: any, ...rest: any[]) {
      if (!failed && command?.constructor?.name === 'CreateLoginProfileCommand' && command.input?.UserName === user) {
        failed = true;
        return Promise.reject(
          new PasswordPolicyViolationException({
            message: 'Password does not conform to the account password policy.',
            $metadata: { httpStatusCode: 400 },
          }),
        );
      }
      return (original as any).apply(this, [command, ...rest]);
    } as any);
    return { failed: () => failed };
  }

  it('completes it in the next round when asked', async () => {
    const f = failLoginProfileOnce('bob');
    const r = await wizard({ ...CREATE_TWO, 'admins.pending.action': 'complete' });
    expect(f.failed()).toBe(true);
    // The verify round after the failure reported bob as half-done...
    expect(r.output.text).toMatch(
      /User bob was created by rootlock but its setup was not finished: it lacks a console password and membership of an admin group/,
    );
    expect(r.prompter.asked.map((q) => q.id)).toEqual([
      'admins.password-policy',
      'admins.create',
      'admins.create.count',
      'admins.create.name.1',
      'admins.create.name.2',
      'admins.apply',
      'admins.pending.action',
      'admins.apply',
    ]);
    // ...and the next round completed it.
    expect(r.code).toBe(0);
    expect(await hasLoginProfile('bob')).toBe(true);
    expect(await groupMembers('Administrators')).toEqual(['alice', 'bob']);
    expect(await userTags('bob')).toEqual({ 'created-by': 'rootlock' });
    // bob's first password never reached AWS and was never shown; the second was shown once.
    expect(r.output.secrets.map((s) => s.label)).toEqual([
      'one-time console password for alice',
      'one-time console password for bob',
    ]);
    expectSecretsContained(r);
  });

  it('rolls back only what this session created, after confirmation', async () => {
    failLoginProfileOnce('bob');
    const r = await wizard({ ...CREATE_TWO, 'admins.pending.action': 'rollback' });
    expect(await userNames()).toEqual(['alice']);
    expect(await groupMembers('Administrators')).toEqual(['alice']);
    const deletes = mutatingRequests(emu().layer.requests).filter(
      (op) => op.startsWith('iam:Delete') || op === 'iam:RemoveUserFromGroup',
    );
    expect(deletes).toEqual(['iam:DeleteUser']);
    // The rollback plan was destructive, so it was confirmed (admins.apply asked a second time).
    expect(r.prompter.asked.filter((q) => q.id === 'admins.apply')).toHaveLength(2);
    expect(r.output.text).toContain('Delete user bob, created by rootlock in this session [destructive]');
    // One admin remains: the step fails, and creation is not pushed again in this session.
    expect(r.code).toBe(1);
    expect(r.prompter.asked.filter((q) => q.id === 'admins.create')).toHaveLength(1);
  });

  it('a user half-created by an earlier run is reported by check and completed by the next run', async () => {
    await createAdmin(emu().endpoint, 'ann', 'group');
    await iam().send(
      new CreateUserCommand({
        UserName: 'bob',
        Tags: [
          { Key: 'created-by', Value: 'rootlock' },
          { Key: 'rootlock-setup', Value: 'pending' },
        ],
      }),
    );
    const { step } = await check();
    expect(step.status).toBe('fail');
    expect(step.details.pending).toEqual([
      { name: 'bob', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, loginProfile: false, admin: false },
    ]);
    const r = await wizard({
      'admins.pending.action': 'complete',
      'admins.password-policy': false,
      'admins.apply': true,
    });
    expect(r.code).toBe(0);
    expect(r.output.text).toContain('Rolling back is offered only for users created in this session');
    expect(await hasLoginProfile('bob')).toBe(true);
    expect(await groupMembers('Administrators')).toEqual(['ann', 'bob']);
    expect(await userTags('bob')).toEqual({ 'created-by': 'rootlock' });
    expect(r.output.secrets.map((s) => s.label)).toEqual(['one-time console password for bob']);
  });
});

describe('admins: a half-created admin whose console password nobody may have seen', () => {
  it('is offered a new one-time password when completed: UpdateLoginProfile, shown once, nowhere else', async () => {
    await createAdmin(emu().endpoint, 'ann', 'group');
    await iam().send(
      new CreateUserCommand({
        UserName: 'bob',
        Tags: [
          { Key: 'created-by', Value: 'rootlock' },
          { Key: 'rootlock-setup', Value: 'pending' },
        ],
      }),
    );
    // An earlier session set a password, and its answer never came back (nobody saw the value).
    await iam().send(
      new CreateLoginProfileCommand({
        UserName: 'bob',
        Password: 'Never-shown-password-00',
        PasswordResetRequired: true,
      }),
    );
    emu().layer.requests.length = 0;
    const r = await wizard({
      'admins.pending.action': 'complete',
      'admins.pending.reset-password': true,
      'admins.password-policy': false,
      'admins.apply': true,
    });
    expect(r.code).toBe(0);
    const updates = emu().layer.requests.filter((q) => q.operation === 'UpdateLoginProfile');
    expect(updates.map((q) => [q.params.UserName, q.params.PasswordResetRequired])).toEqual([['bob', 'true']]);
    expect(r.output.secrets.map((x) => x.label)).toEqual(['one-time console password for bob']);
    expect(updates[0]!.params.Password).toBe(r.output.secrets[0]!.value);
    expect(mutatingRequests(emu().layer.requests)).not.toContain('iam:CreateLoginProfile');
    expect(await groupMembers('Administrators')).toEqual(['ann', 'bob']);
    expect(await userTags('bob')).toEqual({ 'created-by': 'rootlock' });
    expectSecretsContained(r);
  });
});

describe('admins: too many', () => {
  async function fourGroupAdminsAndOneDirect(): Promise<void> {
    for (const u of ['ann', 'ben', 'cat']) await createAdmin(emu().endpoint, u, 'group');
    await createAdmin(emu().endpoint, 'dan', 'direct');
  }

  it('offers group removal, refuses a selection that leaves fewer than 2 admins, and removes the chosen user (kept as a user)', async () => {
    await fourGroupAdminsAndOneDirect();
    const r = await wizard({
      'admins.password-policy': false,
      'admins.remove': { sequence: [['ann', 'ben', 'cat'], ['cat']] },
      'admins.apply': true,
    });
    const q = r.prompter.asked.find((x) => x.id === 'admins.remove')!;
    expect(q.rejected).toEqual([expect.stringContaining('would leave 1 full admin (dan); at least 2 must remain')]);
    expect(q.answer).toEqual(['cat']);
    // dan is an admin through its own policy: listed, not offered.
    expect(r.output.text).toContain('dan is an admin through its own (inline or attached) policies');
    expect(await groupMembers('Administrators')).toEqual(['ann', 'ben']);
    expect(await userNames()).toEqual(['ann', 'ben', 'cat', 'dan']);
    expect(r.output.text).toContain('Remove cat from group Administrators (the user is kept) [destructive]');
    expect(r.code).toBe(0);
  });

  it("never removes the caller's own admin path without the extra confirmation", async () => {
    await fourGroupAdminsAndOneDirect();
    const eve = await createIamUserWithKey(emu().endpoint, 'eve');
    await iam().send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: 'eve' }));
    emu().layer.requests.length = 0;
    const r = await wizard(
      { 'admins.password-policy': false, 'admins.remove': ['eve'], 'admins.remove.self': false, 'admins.apply': true },
      [],
      eve,
    );
    expect(r.prompter.asked.map((x) => x.id)).toEqual([
      'admins.password-policy',
      'admins.remove',
      'admins.remove.self',
    ]);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(await groupMembers('Administrators')).toEqual(['ann', 'ben', 'cat', 'eve']);
  });
});
