import { describe, expect, it } from 'vitest';
import type { InteractiveContext } from '../../../src/engine/step.js';
import type { ChangeResult, SelectQuestion } from '../../../src/engine/types.js';
import { adminGroupStatus, askAdmins } from '../../../src/steps/admins/ask.js';
import type { AdminsState } from '../../../src/steps/admins/read.js';
import { RecordingOutput, ScriptedPrompter, type ScriptedAnswer } from '../../support/harness.js';
import {
  ACCOUNT,
  ADMIN_ARN,
  ADMINS_GROUP,
  allow,
  attach,
  document,
  group,
  groupAdmin,
  inline,
  stateOf,
  user,
} from './state.js';

/** A prompter that also keeps the choices each select offered. */
class Prompter extends ScriptedPrompter {
  readonly offered: Record<string, unknown[]> = {};
  readonly safe: Record<string, boolean | undefined> = {};
  override async select<T>(q: SelectQuestion<T>): Promise<T> {
    this.offered[q.id] = q.choices.map((c) => c.value);
    return super.select(q);
  }
  override async confirm(q: Parameters<ScriptedPrompter['confirm']>[0]): Promise<boolean> {
    this.safe[q.id] = q.safeDefault;
    return super.confirm(q);
  }
}

interface Session {
  gate: { results: ChangeResult[]; dryRun: boolean };
  /** The step's memory in this session (what ctx.memory gives a step). */
  memory?: object;
}

function ctxFor(
  answers: Record<string, ScriptedAnswer>,
  opts: { session?: Session; callerName?: string; adminGroup?: string } = {},
) {
  const prompter = new Prompter(answers);
  const output = new RecordingOutput();
  const session = opts.session ?? { gate: { results: [], dryRun: false } };
  const ctx = {
    prompter,
    output,
    results: session.gate.results,
    memory: <T extends object>(init: () => T): T => (session.memory ??= init()) as T,
    options: { adminGroup: opts.adminGroup ?? 'Administrators', dryRun: false, yes: false, region: 'us-east-1' },
    caller: opts.callerName
      ? {
          type: 'iam-user',
          name: opts.callerName,
          arn: `arn:aws:iam::${ACCOUNT}:user/${opts.callerName}`,
          accountId: ACCOUNT,
          userId: 'AIDA',
          temporary: false,
        }
      : {
          type: 'root',
          name: 'root',
          arn: `arn:aws:iam::${ACCOUNT}:root`,
          accountId: ACCOUNT,
          userId: ACCOUNT,
          temporary: false,
        },
    account: { id: ACCOUNT },
  } as unknown as InteractiveContext;
  return { ctx, prompter, output, session };
}

const ask = (state: AdminsState, c: ReturnType<typeof ctxFor>) =>
  askAdmins(state, { status: 'fail', summary: '', findings: [], details: {} }, c.ctx);
const applied = (...ids: string[]): ChangeResult[] => ids.map((changeId) => ({ changeId, outcome: 'applied' }));

describe('askAdmins: creating', () => {
  it('no admins, no group: asks count and names, plans a new group', async () => {
    const c = ctxFor({
      'admins.create': true,
      'admins.create.count': '2',
      'admins.create.name.1': 'alice',
      'admins.create.name.2': 'bob',
    });
    const s = stateOf({ users: [user('plain')], groups: [] });
    const a = await ask(s, c);
    expect(a).toEqual({
      group: { name: 'Administrators', create: true, attachPolicy: true },
      create: { names: ['alice', 'bob'] },
    });
    expect(c.prompter.asked.map((q) => q.id)).toEqual([
      'admins.create',
      'admins.create.count',
      'admins.create.name.1',
      'admins.create.name.2',
    ]);
    expect(c.prompter.safe['admins.create']).toBe(true);
  });

  it('the count defaults to reaching 2 and may go up to 3 minus shadow admins, never below what is needed', async () => {
    const sneaky = user('sneaky', { UserPolicyList: [inline('p', document(allow('iam:AttachUserPolicy')))] });
    const c = ctxFor({
      'admins.create': true,
      'admins.create.count': { sequence: ['2', '0', '1'] },
      'admins.create.name.1': 'bob',
    });
    const a = await ask(stateOf({ users: [groupAdmin('ann'), sneaky] }), c);
    const q = c.prompter.asked.find((x) => x.id === 'admins.create.count')!;
    expect(q.rejected).toEqual(['Enter 1.', 'Enter 1.']);
    expect(a?.create).toEqual({ names: ['bob'] });
    // An existing admin group is reused as IAM spells it.
    expect(a?.group).toEqual({ name: 'Administrators', create: false, attachPolicy: false });

    const zero = ctxFor({
      'admins.create': true,
      'admins.create.count': { sequence: ['4', '3'] },
      'admins.create.name.1': 'a',
      'admins.create.name.2': 'b',
      'admins.create.name.3': 'c',
    });
    await ask(stateOf({ users: [] }), zero);
    expect(zero.prompter.asked.find((x) => x.id === 'admins.create.count')!.rejected).toEqual([
      'Enter a whole number from 1 to 3.',
    ]);
  });

  it('finds the group whatever the case of --admin-group', () => {
    const s = stateOf({ users: [groupAdmin('ann')] });
    expect(adminGroupStatus(s, 'administrators')).toEqual({ name: 'Administrators', state: 'admin', members: ['ann'] });
    expect(adminGroupStatus(s, 'Other')).toEqual({ name: 'Other', state: 'missing', members: [] });
  });

  it('an existing group without admin rights is promoted only when asked; never by default when it has members', async () => {
    const ops = group('Ops');
    const s = stateOf({ users: [user('opsie', { GroupList: ['Ops'] })], groups: [ADMINS_GROUP, ops] });
    const no = ctxFor({ 'admins.create': true, 'admins.create.attach-policy': false }, { adminGroup: 'ops' });
    expect(await ask(s, no)).toBeUndefined();
    expect(no.prompter.safe['admins.create.attach-policy']).toBe(false);
    expect(no.output.text).toContain('--admin-group NAME');
    const yes = ctxFor(
      {
        'admins.create': true,
        'admins.create.attach-policy': true,
        'admins.create.count': '2',
        'admins.create.name.1': 'a',
        'admins.create.name.2': 'b',
      },
      { adminGroup: 'ops' },
    );
    expect((await ask(s, yes))?.group).toEqual({ name: 'Ops', create: false, attachPolicy: true });
    const empty = ctxFor({ 'admins.create': true, 'admins.create.attach-policy': false }, { adminGroup: 'Ops' });
    await ask(stateOf({ users: [], groups: [ADMINS_GROUP, ops] }), empty);
    expect(empty.prompter.safe['admins.create.attach-policy']).toBe(true);
  });

  it('a declined offer is not repeated in later rounds of the same session', async () => {
    const session: Session = { gate: { results: [], dryRun: false } };
    const s = stateOf({ users: [] }, { passwordPolicy: { state: 'none' } });
    const first = ctxFor({ 'admins.create': false, 'admins.password-policy': false }, { session });
    expect(await ask(s, first)).toBeUndefined();
    const second = ctxFor({}, { session });
    expect(await ask(s, second)).toBeUndefined();
    expect(second.prompter.asked).toEqual([]);
    // A new session asks again.
    const fresh = ctxFor({ 'admins.create': false, 'admins.password-policy': true });
    expect(await ask(s, fresh)).toEqual({ passwordPolicy: true });
  });

  it('after a failed change this session, creation is not offered again (the operator runs again)', async () => {
    const session: Session = {
      gate: {
        results: [...applied('admins/create-user/alice'), { changeId: 'admins/create-user/bob', outcome: 'failed' }],
        dryRun: false,
      },
    };
    const c = ctxFor({}, { session });
    expect(await ask(stateOf({ users: [groupAdmin('alice')] }), c)).toBeUndefined();
    expect(c.prompter.asked).toEqual([]);
    expect(c.output.text).toContain('A change failed earlier in this session, so no further admin is created now');
  });

  it('nothing to do: no question, undefined', async () => {
    const c = ctxFor({});
    expect(await ask(stateOf({ users: [groupAdmin('a'), groupAdmin('b')] }), c)).toBeUndefined();
    expect(c.prompter.asked).toEqual([]);
  });
});

describe('askAdmins: half-created users', () => {
  const pending = (name: string, loginProfile = false, admin = false) => ({
    name,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    loginProfile,
    admin,
    groups: [] as string[],
  });

  it('offers rollback only for users this session created', async () => {
    const s = stateOf({ users: [groupAdmin('ann'), groupAdmin('ben'), user('bob')] }, { pending: [pending('bob')] });
    const earlier = ctxFor({ 'admins.pending.action': 'complete' });
    const a = await ask(s, earlier);
    expect(earlier.prompter.offered['admins.pending.action']).toEqual(['complete', 'leave']);
    expect(earlier.output.text).toContain('Rolling back is offered only for users created in this session');
    expect(a).toEqual({
      group: { name: 'Administrators', create: false, attachPolicy: false },
      complete: [{ name: 'bob', loginProfile: true, addToGroup: true, finish: true }],
    });

    const now = ctxFor(
      { 'admins.pending.action': 'rollback' },
      { session: { gate: { results: applied('admins/create-user/bob'), dryRun: false } } },
    );
    expect(await ask(s, now)).toEqual({ rollback: [{ name: 'bob', deleteLoginProfile: false, removeFromGroups: [] }] });
    expect(now.prompter.offered['admins.pending.action']).toEqual(['complete', 'rollback', 'leave']);
  });

  it('rolls back exactly the login profile and memberships this session applied', async () => {
    const p = { ...pending('eve', true, true), groups: ['Administrators', 'Other'] };
    const s = stateOf(
      {
        users: [groupAdmin('eve', { GroupList: ['Administrators', 'Other'] })],
        groups: [ADMINS_GROUP, group('Other')],
      },
      { pending: [p] },
    );
    const results = [
      ...applied('admins/create-user/eve', 'admins/login-profile/eve', 'admins/add-to-group/Administrators/eve'),
      { changeId: 'admins/add-to-group/Other/eve', outcome: 'failed' as const },
    ];
    const c = ctxFor({ 'admins.pending.action': 'rollback' }, { session: { gate: { results, dryRun: false } } });
    expect((await ask(s, c))?.rollback).toEqual([
      { name: 'eve', deleteLoginProfile: true, removeFromGroups: ['Administrators'] },
    ]);
    // After a rollback, creation is not pushed again in the same session.
    const again = ctxFor({}, { session: c.session });
    expect(await ask(stateOf({ users: [] }, {}), again)).toBeUndefined();
  });

  it('offers a new one-time password for a console password nobody can be known to have seen', async () => {
    // Set by an earlier session (or its answer lost): asked, and replaced when the operator agrees.
    const s = stateOf(
      { users: [groupAdmin('ann'), groupAdmin('ben'), groupAdmin('bob')] },
      { pending: [pending('bob', true, true)] },
    );
    const c = ctxFor({ 'admins.pending.action': 'complete', 'admins.pending.reset-password': true });
    expect((await ask(s, c))?.complete).toEqual([
      { name: 'bob', loginProfile: false, resetPassword: true, addToGroup: false, finish: true },
    ]);
    expect(c.prompter.asked.find((q) => q.id === 'admins.pending.reset-password')?.message).toContain(
      'bob already has a console password that rootlock cannot vouch anyone saw',
    );
    // Declined: completed without touching the password.
    const no = ctxFor({ 'admins.pending.action': 'complete', 'admins.pending.reset-password': false });
    expect((await ask(s, no))?.complete).toEqual([
      { name: 'bob', loginProfile: false, addToGroup: false, finish: true },
    ]);
    // Shown in this session (its CreateLoginProfile applied): nothing to ask.
    const shown = ctxFor(
      { 'admins.pending.action': 'complete' },
      { session: { gate: { results: applied('admins/login-profile/bob'), dryRun: false } } },
    );
    expect((await ask(s, shown))?.complete).toEqual([
      { name: 'bob', loginProfile: false, addToGroup: false, finish: true },
    ]);
    expect(shown.prompter.asked.map((q) => q.id)).toEqual(['admins.pending.action']);
  });

  it('counts the completed user towards 2, so no extra admin is asked for', async () => {
    const s = stateOf({ users: [groupAdmin('ann'), user('bob')] }, { pending: [pending('bob')] });
    const c = ctxFor({ 'admins.pending.action': 'complete' });
    await ask(s, c);
    expect(c.prompter.asked.map((q) => q.id)).toEqual(['admins.pending.action']);
  });

  it('a completion that failed is not retried in a loop within the session', async () => {
    const session: Session = { gate: { results: [], dryRun: false } };
    const s = stateOf({ users: [groupAdmin('ann'), groupAdmin('ben'), user('bob')] }, { pending: [pending('bob')] });
    expect((await ask(s, ctxFor({ 'admins.pending.action': 'complete' }, { session })))?.complete).toHaveLength(1);
    session.gate.results.push({ changeId: 'admins/login-profile/bob', outcome: 'failed' });
    const again = ctxFor({}, { session });
    expect(await ask(s, again)).toBeUndefined();
    expect(again.prompter.asked).toEqual([]);
    expect(again.output.text).toContain('Completing bob did not succeed in this session');
  });

  it('"leave" is respected for the rest of the session', async () => {
    const session: Session = { gate: { results: [], dryRun: false } };
    const s = stateOf({ users: [groupAdmin('ann'), groupAdmin('ben'), user('bob')] }, { pending: [pending('bob')] });
    expect(await ask(s, ctxFor({ 'admins.pending.action': 'leave' }, { session }))).toBeUndefined();
    const again = ctxFor({}, { session });
    expect(await ask(s, again)).toBeUndefined();
  });
});

describe('askAdmins: too many', () => {
  const four = () =>
    stateOf({
      users: ['ann', 'ben', 'cat', 'dan']
        .map((n) => groupAdmin(n))
        .concat(user('solo', { AttachedManagedPolicies: attach(ADMIN_ARN) })),
    });

  it('offers group-only admins, refuses a selection below 2 with the reason', async () => {
    const c = ctxFor({
      'admins.remove': {
        sequence: [
          ['ann', 'ben', 'cat', 'dan'],
          ['ann', 'ben'],
        ],
      },
    });
    const a = await ask(four(), c);
    expect(a?.remove).toEqual([
      { name: 'ann', groups: ['Administrators'] },
      { name: 'ben', groups: ['Administrators'] },
    ]);
    const q = c.prompter.asked.find((x) => x.id === 'admins.remove')!;
    expect(q.rejected).toEqual([
      'Removing ann, ben, cat, dan would leave 1 full admin (solo); at least 2 must remain. Choose fewer.',
    ]);
    expect(c.output.text).toContain('solo is an admin through its own (inline or attached) policies');
  });

  it("asks again before removing the caller's own admin path, and removes it last", async () => {
    const declined = ctxFor({ 'admins.remove': ['ann', 'cat'], 'admins.remove.self': false }, { callerName: 'ann' });
    expect((await ask(four(), declined))?.remove).toEqual([{ name: 'cat', groups: ['Administrators'] }]);
    expect(declined.prompter.safe['admins.remove.self']).toBe(false);
    const accepted = ctxFor({ 'admins.remove': ['ann', 'cat'], 'admins.remove.self': true }, { callerName: 'ann' });
    expect((await ask(four(), accepted))?.remove?.map((r) => r.name)).toEqual(['cat', 'ann']);
    const onlySelf = ctxFor({ 'admins.remove': ['ann'], 'admins.remove.self': false }, { callerName: 'ann' });
    expect(await ask(four(), onlySelf)).toBeUndefined();
  });

  it('a root or role caller is never asked the self question', async () => {
    const c = ctxFor({ 'admins.remove': ['ann'] });
    await ask(four(), c);
    expect(c.prompter.asked.map((q) => q.id)).toEqual(['admins.remove']);
  });
});
