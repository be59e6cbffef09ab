/**
 * The admins step's questions. Every question has a stable id (answers files, --answer,
 * scripted tests); everything account-controlled is escaped before it is shown.
 *
 * | id                              | kind     | when                                                        |
 * |---------------------------------|----------|-------------------------------------------------------------|
 * | admins.pending.action           | select   | a user rootlock created was left half-done                  |
 * | admins.pending.reset-password   | confirm  | completing one whose console password nobody may have seen  |
 * | admins.password-policy          | confirm  | the account has no password policy                          |
 * | admins.identity-center.assign   | confirm  | fewer than 2 people, Identity Center in use                 |
 * | admins.identity-center.permission-set | select | which admin permission set (value: its name)          |
 * | admins.identity-center.principals | checkbox | which users/groups (values `user:NAME`, `group:NAME`)     |
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
import { newMemo, type SessionMemo } from './memo.js';
import { validateCount, validateUserName } from './names.js';
import { identityCenterAdmins, listPrincipals, type IdentityCenterRead } from './identity-center.js';
import { changeIds, type AdminsAnswers, type GroupAnswer, type IdentityCenterAssignAnswer } from './plan.js';
import type { AdminsState } from './read.js';
import { checkRemoval, removalCandidates, type RemovalCandidate } from './removal.js';

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

  // 3. Too few: assign Identity Center people where it is in use, else (or as break-glass) create IAM users.
  const admins = state.analysis.admins.length + completing;
  const shadowUsers = state.analysis.shadowAdmins.filter((s) => s.kind === 'user').length;
  const ic = state.identityCenter;
  const idcCount = identityCenterAdmins(ic).length;
  const idcInUse = ic?.status === 'read' && (ic.inUse || idcCount > 0);
  const need = MIN_ADMINS - admins - idcCount;
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
  if (
    need > 0 &&
    idcInUse &&
    ic?.status === 'read' &&
    !failedBefore &&
    !memo.rolledBack &&
    !memo.declined.has('admins.identity-center.assign')
  ) {
    // Offered once a session: a later round that still lacks admins offers IAM users (break-glass).
    memo.declined.add('admins.identity-center.assign');
    const assign = await askIdentityCenter(ic, admins + idcCount, ctx);
    if (assign) answers.identityCenter = assign;
  }
  if (need > 0 && !answers.identityCenter && !memo.declined.has('admins.create') && !memo.rolledBack) {
    const g = adminGroupStatus(state, ctx.options.adminGroup);
    const yes = await prompter.confirm({
      id: 'admins.create',
      message:
        `${admins === 0 ? 'No IAM user is' : `Only ${admins} IAM user${admins === 1 ? ' is' : 's are'}`} ` +
        `a full admin${idcInUse ? ` (and ${idcCount} Identity Center user${idcCount === 1 ? '' : 's'})` : ''}. ` +
        `Create ${need === 1 ? 'an admin user' : 'admin users'}${idcInUse ? ' (break-glass IAM users)' : ''} now ` +
        `(user, one-time console password, member of group ${show(g.name)})?`,
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
    answers.identityCenter?.principals.length ||
    answers.create?.names.length ||
    answers.complete?.length ||
    answers.rollback?.length ||
    answers.remove?.length;
  return something ? answers : undefined;
}

function pick(candidates: readonly RemovalCandidate[], names: readonly string[]): RemovalCandidate[] {
  return candidates.filter((c) => names.includes(c.name));
}

/**
 * Offers to assign existing Identity Center users or groups an admin permission set on this
 * account; undefined when declined, or when there is nothing to choose from.
 */
async function askIdentityCenter(
  ic: IdentityCenterRead,
  people: number,
  ctx: InteractiveContext,
): Promise<IdentityCenterAssignAnswer | undefined> {
  const { prompter, output } = ctx;
  const adminSets = ic.permissionSets.filter((p) => p.admin).sort((a, b) => a.name.localeCompare(b.name));
  if (adminSets.length === 0) {
    output.info(
      'IAM Identity Center is in use, but no permission set grants full admin; create one with the AWS managed ' +
        'AdministratorAccess policy in the IAM Identity Center console to assign people through it.',
    );
    return undefined;
  }
  const yes = await prompter.confirm({
    id: 'admins.identity-center.assign',
    message:
      `${people === 0 ? 'Nobody has' : `Only ${people} ${people === 1 ? 'person has' : 'people have'}`} full ` +
      `admin on this account, and IAM Identity Center is in use. Assign Identity Center users or groups an admin ` +
      `permission set on this account (instead of creating IAM users)?`,
    default: true,
    safeDefault: true,
  });
  if (!yes) return undefined;
  const psName = await prompter.select<string>({
    id: 'admins.identity-center.permission-set',
    message: 'Which admin permission set?',
    choices: adminSets.map((p) => ({ value: p.name, name: `${show(p.name)} (${p.via.map(show).join('; ')})` })),
    default: adminSets.find((p) => p.via.some((v) => v.startsWith('AdministratorAccess')))?.name ?? adminSets[0]!.name,
  });
  const ps = adminSets.find((p) => p.name === psName)!;
  const { users, groups, truncated } = await listPrincipals(ctx.pool, ic);
  if (truncated)
    output.info(
      'Only the first 500 users and 500 groups are listed; assign others in the IAM Identity Center console.',
    );
  const assigned = new Set(
    ic.assignments.filter((a) => a.permissionSetArn === ps.arn).map((a) => `${a.principalType}:${a.principalId}`),
  );
  const choices = [
    ...groups
      .filter((g) => !assigned.has(`GROUP:${g.id}`))
      .map((g) => ({ value: `group:${g.displayName}`, name: `group ${show(g.displayName)}`, id: g.id })),
    ...users
      .filter((u) => !assigned.has(`USER:${u.id}`))
      .map((u) => ({
        value: `user:${u.userName}`,
        name: `user ${show(u.userName)}${u.displayName ? ` (${show(u.displayName)})` : ''}`,
        id: u.id,
      })),
  ];
  if (choices.length === 0) {
    output.info(`Every Identity Center user and group already has ${show(ps.name)} on this account.`);
    return undefined;
  }
  const picked = await prompter.checkbox<string>({
    id: 'admins.identity-center.principals',
    message:
      `Assign ${show(ps.name)} on account ${ctx.account.id} to which users or groups? ` +
      `(A group's members, present and future, all become admins.)`,
    choices: choices.map(({ value, name }) => ({ value, name })),
  });
  const principals = choices
    .filter((c) => picked.includes(c.value))
    .map((c) => ({
      type: c.value.startsWith('group:') ? ('GROUP' as const) : ('USER' as const),
      id: c.id,
      name: c.value.slice(c.value.indexOf(':') + 1),
    }));
  if (principals.length === 0) return undefined;
  return {
    instanceArn: ic.instanceArn,
    region: ic.region,
    accountId: ctx.account.id,
    permissionSet: { name: ps.name, arn: ps.arn },
    principals,
  };
}
