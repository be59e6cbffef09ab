/**
 * The admins step's questions. Every question has a stable id (answers files, --answer,
 * scripted tests); everything account-controlled is escaped before it is shown.
 *
 * | id                              | kind     | when                                                        |
 * |---------------------------------|----------|-------------------------------------------------------------|
 * | admins.pending.action           | select   | a user rootlock created was left half-done                  |
 * | admins.pending.reset-password   | confirm  | completing one whose console password nobody may have seen  |
 * | admins.password-policy          | confirm  | the account has no password policy                          |
 * | admins.create                   | confirm  | fewer than 2 full admins                                    |
 * | admins.create.attach-policy     | confirm  | the admin group exists without admin rights                 |
 * | admins.create.count             | input    | how many admins to create                                   |
 * | admins.create.name.N            | input    | the N-th new user's name                                    |
 * | admins.remove                   | checkbox | more than 3 admins and shadow admins                        |
 * | admins.remove.self              | confirm  | the selection includes the signed-in user                   |
 */
import type { InteractiveContext } from '../../engine/step.js';
import type { Assessment, ChangeResult } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { isoDay } from '../../util/time.js';
import { MAX_ADMINS, MIN_ADMINS } from './meta.js';
import { validateCount, validateUserName } from './names.js';
import { changeIds, type AdminsAnswers, type GroupAnswer } from './plan.js';
import type { AdminsState } from './read.js';
import { checkRemoval, removalCandidates, type RemovalCandidate } from './removal.js';

/** What the step remembers within one session (one gate), so a declined offer is not repeated every round. */
interface SessionMemo {
  declined: Set<string>;
  rolledBack: boolean;
  /** Half-done users a completion was already planned for in this session (not retried in a loop). */
  completionTried: Set<string>;
}

const newMemo = (): SessionMemo => ({ declined: new Set(), rolledBack: false, completionTried: new Set() });

/** Ids of the changes this session applied (not dry-run, not already-done, not failed). */
export function appliedInSession(results: readonly ChangeResult[]): Set<string> {
  return new Set(results.filter((r) => r.outcome === 'applied').map((r) => r.changeId));
}

/**
 * True when this session set `user`'s console password and showed it (the gate shows a secret only
 * once AWS took it).
 */
export function passwordShown(results: readonly ChangeResult[], user: string): boolean {
  const applied = appliedInSession(results);
  return applied.has(changeIds.loginProfile(user)) || applied.has(changeIds.resetPassword(user));
}

/** Where the admin group stands. */
export interface GroupStatus {
  /** As IAM spells it when it exists, else as asked. */
  name: string;
  state: 'missing' | 'admin' | 'not-admin';
  members: string[];
}

/** Finds the admin group by name, case-insensitively (IAM group names are unique regardless of case). */
export function adminGroupStatus(state: AdminsState, wanted: string): GroupStatus {
  const lower = wanted.toLowerCase();
  const existing = (state.details.GroupDetailList ?? []).find((g) => (g.GroupName ?? '').toLowerCase() === lower);
  if (!existing?.GroupName) return { name: wanted, state: 'missing', members: [] };
  const name = existing.GroupName;
  const members = (state.details.UserDetailList ?? [])
    .filter((u) => (u.GroupList ?? []).includes(name))
    .map((u) => u.UserName ?? '');
  const admin = state.adminGroups.some((g) => g.name === name);
  return { name, state: admin ? 'admin' : 'not-admin', members };
}

const show = (s: string): string => sanitize(s, { maxLength: 64 });

function day(iso: string | undefined): string {
  return iso ? isoDay(iso) : 'never';
}

/** Asks which admin group to use; undefined when the operator declines to promote an existing non-admin group. */
async function chooseGroup(
  state: AdminsState,
  ctx: InteractiveContext,
  memo: SessionMemo,
): Promise<GroupAnswer | undefined> {
  const g = adminGroupStatus(state, ctx.options.adminGroup);
  if (g.state === 'admin') return { name: g.name, create: false, attachPolicy: false };
  if (g.state === 'missing') return { name: g.name, create: true, attachPolicy: true };
  const others = g.members.length
    ? ` Its ${g.members.length} current member${g.members.length === 1 ? '' : 's'} ` +
      `(${g.members.map(show).join(', ')}) would become full admins too.`
    : '';
  const ok = await ctx.prompter.confirm({
    id: 'admins.create.attach-policy',
    message: `Group ${show(g.name)} exists but does not give admin rights.${others} Attach AdministratorAccess to it?`,
    default: false,
    // Promoting strangers is never a safe default; an empty group is.
    safeDefault: g.members.length === 0,
  });
  if (!ok) {
    memo.declined.add('admins.create');
    ctx.output.warn(
      `Group ${show(g.name)} was left as it is, so no admin was created. To use another group, run again with ` +
        `--admin-group NAME.`,
    );
    return undefined;
  }
  return { name: g.name, create: false, attachPolicy: true };
}

/** The questions for one round; undefined when there is nothing (more) to do. */
export async function askAdmins(
  state: AdminsState,
  _assessment: Assessment,
  ctx: InteractiveContext,
): Promise<AdminsAnswers | undefined> {
  const memo = ctx.memory(newMemo);
  const { prompter, output } = ctx;
  const answers: AdminsAnswers = {};
  let group: GroupAnswer | undefined;
  let groupAsked = false;
  const needGroup = async (): Promise<GroupAnswer | undefined> => {
    if (!groupAsked) {
      groupAsked = true;
      group = await chooseGroup(state, ctx, memo);
    }
    return group;
  };

  // 1. Users rootlock left half-done: never silently left.
  let completing = 0;
  if (state.pending.length > 0 && !memo.declined.has('admins.pending.action')) {
    const applied = appliedInSession(ctx.results);
    const thisSession = state.pending.filter((p) => applied.has(changeIds.createUser(p.name)));
    const canRollBack = thisSession.length === state.pending.length;
    const list = state.pending.map((p) => show(p.name)).join(', ');
    // A completion that already failed once in this session is not retried in a loop.
    const canComplete = state.pending.some((p) => !memo.completionTried.has(p.name));
    const choices = [
      ...(canComplete ? [{ value: 'complete', name: 'Complete them (console password, admin group membership)' }] : []),
      ...(canRollBack
        ? [{ value: 'rollback', name: 'Roll them back (delete only what rootlock created in this session)' }]
        : []),
      { value: 'leave', name: 'Leave them as they are for now (the step keeps failing until they are resolved)' },
    ];
    if (!canRollBack) {
      output.info(
        `Rolling back is offered only for users created in this ` +
          `session; ${list} ${state.pending.length === 1 ? 'was' : 'were'} created earlier. Delete unwanted ones ` +
          `yourself (IAM > Users).`,
      );
    }
    let action = 'leave';
    if (choices.length > 1) {
      action = await prompter.select<string>({
        id: 'admins.pending.action',
        message: `rootlock did not finish setting up ${list}. What now?`,
        choices,
        default: canComplete ? 'complete' : 'leave',
      });
    } else {
      output.info(`Completing ${list} did not succeed in this session; fix the cause and run rootlock again.`);
    }
    if (action === 'complete') {
      const needsGroup = state.pending.some((p) => !p.admin);
      const g = needsGroup ? await needGroup() : undefined;
      // A password set but never shown in this session (an earlier session set it, or AWS's
      // answer was lost): nobody may know it. Offer to replace it, shown once.
      const unseen = state.pending
        .filter((p) => p.loginProfile && !passwordShown(ctx.results, p.name))
        .map((p) => p.name);
      let reset = false;
      if (unseen.length > 0) {
        reset = await prompter.confirm({
          id: 'admins.pending.reset-password',
          message:
            `${unseen.map(show).join(', ')} ` +
            `already ${unseen.length === 1 ? 'has a console password' : 'have console passwords'} that rootlock ` +
            `cannot vouch anyone saw (set by an earlier session, or AWS's answer was lost). ` +
            `Replace ${unseen.length === 1 ? 'it' : 'them'} with a new one-time password, shown once?`,
          default: true,
          safeDefault: true,
        });
      }
      answers.complete = state.pending
        .map((p) => {
          // Without a usable group, only the console password can be completed; the tag stays.
          const addToGroup = !p.admin && g !== undefined;
          const resetPassword = reset && unseen.includes(p.name);
          return {
            name: p.name,
            loginProfile: !p.loginProfile,
            ...(resetPassword ? { resetPassword } : {}),
            addToGroup,
            finish: p.admin || addToGroup,
          };
        })
        .filter((c) => c.loginProfile || c.resetPassword || c.addToGroup || c.finish);
      completing = answers.complete.filter((c) => c.addToGroup).length;
      for (const p of state.pending) memo.completionTried.add(p.name);
    } else if (action === 'rollback') {
      answers.rollback = thisSession.map((p) => ({
        name: p.name,
        deleteLoginProfile: applied.has(changeIds.loginProfile(p.name)),
        removeFromGroups: p.groups.filter((g) => applied.has(changeIds.addToGroup(g, p.name))),
      }));
      memo.rolledBack = true;
    } else {
      memo.declined.add('admins.pending.action');
    }
  }

  // 2. A password policy, before any password is set. Once it failed this session (for
  // example iam:UpdateAccountPasswordPolicy denied) it is not offered again in a loop.
  const policyFailed = ctx.results.some((r) => r.outcome === 'failed' && r.changeId === changeIds.passwordPolicy);
  if (state.passwordPolicy.state === 'none' && !memo.declined.has('admins.password-policy') && !policyFailed) {
    const yes = await prompter.confirm({
      id: 'admins.password-policy',
      message:
        'The account has no password policy. Set one: at least 14 characters, upper and lower case, numbers and ' +
        'symbols, no reuse of the last 24 passwords, no forced expiry?',
      default: true,
      safeDefault: true,
    });
    if (yes) answers.passwordPolicy = true;
    else memo.declined.add('admins.password-policy');
  }

  // 3. Too few: create.
  const admins = state.analysis.admins.length + completing;
  const shadowUsers = state.analysis.shadowAdmins.filter((s) => s.kind === 'user').length;
  const need = MIN_ADMINS - admins;
  // After a failed change this session, creating more would pile onto an unexplained
  // failure (and re-use answers given for the first try): the operator runs again instead.
  // A failed password policy does not touch users, so it does not stop creating admins.
  const failedBefore = ctx.results.some(
    (r) => r.outcome === 'failed' && r.changeId.startsWith('admins/') && r.changeId !== changeIds.passwordPolicy,
  );
  if (need > 0 && failedBefore && !memo.declined.has('admins.create')) {
    memo.declined.add('admins.create');
    output.info(
      'A change failed earlier in this session, so no further admin is created now; fix the cause and run rootlock ' +
        'again.',
    );
  }
  if (need > 0 && !memo.declined.has('admins.create') && !memo.rolledBack) {
    const g = adminGroupStatus(state, ctx.options.adminGroup);
    const yes = await prompter.confirm({
      id: 'admins.create',
      message:
        `${admins === 0 ? 'No IAM user is' : `Only ${admins} IAM user${admins === 1 ? ' is' : 's are'}`} ` +
        `a full admin. Create ${need === 1 ? 'an admin user' : 'admin users'} now (user, one-time console password, ` +
        `member of group ${show(g.name)})?`,
      default: true,
      safeDefault: true,
    });
    if (!yes) {
      memo.declined.add('admins.create');
    } else if (await needGroup()) {
      // More than needed is allowed up to the limit of 3 (shadow admins count against it).
      const max = Math.max(need, MAX_ADMINS - admins - shadowUsers);
      const count = Number(
        await prompter.input({
          id: 'admins.create.count',
          message:
            `How many admin users to create? (${need} brings the account ` +
            `to ${MIN_ADMINS} admins${max > need ? `; at most ${max}, for ${admins + max} in all` : ''})`,
          default: String(need),
          validate: (v) => validateCount(v, 1, max),
        }),
      );
      const existing = (state.details.UserDetailList ?? []).map((u) => u.UserName ?? '');
      const names: string[] = [];
      for (let i = 1; i <= count; i++) {
        const name = await prompter.input({
          id: `admins.create.name.${i}`,
          message: `User name for new admin ${i} of ${count} (letters, digits, + = , . @ _ -; at most 64)?`,
          validate: (v) => validateUserName(v, { existing, given: names }),
        });
        names.push(name);
      }
      answers.create = { names };
    }
  }
  if (group && (answers.create || answers.complete?.some((c) => c.addToGroup))) answers.group = group;

  // 4. Too many: offer to demote admins that are admins only through a group.
  const total = state.analysis.admins.length + shadowUsers;
  if (total > MAX_ADMINS && !memo.declined.has('admins.remove')) {
    const { candidates, notRemovable } = removalCandidates(
      state.details,
      state.analysis,
      (n) => state.credentials[n]?.lastActivity,
    );
    for (const n of notRemovable) output.info(`${show(n.name)} ${n.reason}; rootlock does not change that.`);
    if (candidates.length === 0) {
      output.info('No admin can be demoted by group removal; reduce the admins in the IAM console.');
    } else {
      const picked = await prompter.checkbox<string>({
        id: 'admins.remove',
        message:
          `${total} admins and shadow admins; at most ${MAX_ADMINS} are wanted. Remove which users from their ` +
          `admin group(s)? (Users are kept; at least ${MIN_ADMINS} full admins must remain.)`,
        choices: candidates.map((c) => ({
          value: c.name,
          name: `${show(c.name)}: last activity ${day(c.lastActivity)}; groups ${c.groups.map(show).join(', ')}`,
        })),
        validate: (values) => checkRemoval(state.details, pick(candidates, values)),
      });
      let chosen = pick(candidates, picked);
      const self = ctx.caller.type === 'iam-user' ? chosen.find((c) => c.name === ctx.caller.name) : undefined;
      if (self) {
        const really = await prompter.confirm({
          id: 'admins.remove.self',
          message:
            `You are signed in as ${show(self.name)}. Removing it from ${self.groups.map(show).join(', ')} ` +
            `takes away this session's own admin rights (later steps may then fail). Remove ${show(self.name)} anyway?`,
          default: false,
          safeDefault: false,
        });
        if (!really) chosen = chosen.filter((c) => c !== self);
        // The caller's own removal goes last, so nothing else depends on rights it loses.
        else chosen = [...chosen.filter((c) => c !== self), self];
      }
      if (chosen.length > 0) answers.remove = chosen.map((c) => ({ name: c.name, groups: c.groups }));
      else memo.declined.add('admins.remove');
    }
  }

  const something =
    answers.passwordPolicy ||
    answers.create?.names.length ||
    answers.complete?.length ||
    answers.rollback?.length ||
    answers.remove?.length;
  return something ? answers : undefined;
}

function pick(candidates: readonly RemovalCandidate[], names: readonly string[]): RemovalCandidate[] {
  return candidates.filter((c) => names.includes(c.name));
}
