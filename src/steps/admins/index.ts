/**
 * Step admins: 2 or 3 IAM users with full admin rights (shadow admins count), found from
 * GetAccountAuthorizationDetails and the credential report; creates the missing ones
 * (group, user, one-time console password, membership), trims extra ones by group
 * removal, and finishes or rolls back users it left half-done.
 */
import type { InteractiveContext, StepDefinition } from '../../engine/step.js';
import type { Assessment } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { appliedInSession, askAdmins } from './ask.js';
import { assessAdmins, type AdminDetail, type AdminRoleDetail } from './assess.js';
import { meta, mfaConsoleUrl, signInUrl } from './meta.js';
import { newMemo } from './memo.js';
import { buildPlan, changeIds, IDC_ASSIGN_PREFIX, type AdminsAnswers } from './plan.js';
import { readAdminsState, type AdminsState } from './read.js';

/**
 * After the rounds: where new admins sign in, and MFA, which nobody can enrol on a
 * user's behalf (the device must be in the user's hands), so it is guided and reported.
 */
export async function adminsAfter(state: AdminsState, _assessment: Assessment, ctx: InteractiveContext): Promise<void> {
  const { output } = ctx;
  const url = signInUrl(ctx.account);
  const applied = appliedInSession(ctx.results);
  const withNewPassword = (state.details.UserDetailList ?? [])
    .map((u) => u.UserName ?? '')
    .filter((n) => applied.has(changeIds.loginProfile(n)));
  if (withNewPassword.length > 0) {
    output.info(`Console sign-in URL: ${url}`);
    output.detail([
      `New console users: ${withNewPassword.map((n) => sanitize(n, { maxLength: 64 })).join(', ')}.`,
      'Hand each user their name and the one-time password shown above over a channel you trust; rootlock did not ' +
        'store it.',
      'AWS asks for a new password at the first sign-in.',
    ]);
  }
  if (ctx.results.some((r) => r.outcome === 'applied' && r.changeId.startsWith(IDC_ASSIGN_PREFIX))) {
    output.info(
      'Identity Center users sign in at the AWS access portal, where this account and permission set now appear.',
    );
    output.detail([
      'MFA for Identity Center users is set in IAM Identity Center > Settings > Authentication (rootlock does not ' +
        'change it).',
    ]);
  }
  const consoleAdmins = state.analysis.admins.filter((a) => state.credentials[a.name]?.consoleAccess);
  const withoutMfa = consoleAdmins.filter((a) => !state.credentials[a.name]?.mfa);
  const withMfa = consoleAdmins.filter((a) => state.credentials[a.name]?.mfa);
  if (withoutMfa.length > 0) {
    output.warn(`MFA is not active yet for: ${withoutMfa.map((a) => sanitize(a.name, { maxLength: 64 })).join(', ')}.`);
    output.detail([
      'Each of them enrols their own device (rootlock cannot do it for them):',
      `1. Sign in at ${url} as the user.`,
      '2. Open IAM > Users > (the user) > Security credentials, or the link below.',
      '3. Choose "Assign MFA device", pick a passkey or security key (or an authenticator app), and follow the ' +
        'prompts.',
      ...withoutMfa.map((a) => `${sanitize(a.name, { maxLength: 64 })}: ${mfaConsoleUrl(a.name)}`),
      'Then run `rootlock check --only admins` to confirm (the credential report can lag up to 4 hours).',
    ]);
  }
  if (withMfa.length > 0)
    output.success(`MFA is active for: ${withMfa.map((a) => sanitize(a.name, { maxLength: 64 })).join(', ')}.`);
}

export const step: StepDefinition<AdminsState, AdminsAnswers> = {
  meta,
  read: readAdminsState,
  assess(state, ctx) {
    return assessAdmins(state, { accountId: ctx.account.id, now: ctx.clock.now() });
  },
  ask: askAdmins,
  plan(_state, answers) {
    return buildPlan(answers);
  },
  // Identity Center creates assignments asynchronously: the verification read polls these first.
  applied(_state, answers, results, ctx) {
    const a = answers.identityCenter;
    if (!a) return;
    const memo = ctx.memory(newMemo);
    for (const r of results) {
      if (r.outcome !== 'applied' || !r.changeId.startsWith(IDC_ASSIGN_PREFIX)) continue;
      const status = (r.response as { AccountAssignmentCreationStatus?: { RequestId?: string; Status?: string } })
        ?.AccountAssignmentCreationStatus;
      if (status?.RequestId && status.Status === 'IN_PROGRESS')
        memo.idcPending.push({ requestId: status.RequestId, instanceArn: a.instanceArn, region: a.region });
    }
  },
  after: adminsAfter,
  // Who may take over from root once this step passes: the admins it found, users and roles.
  handoffCandidates(assessment) {
    const d = assessment.details as { admins?: AdminDetail[]; adminRoles?: AdminRoleDetail[] };
    return {
      users: (d.admins ?? []).map((a) => ({ arn: a.arn, name: a.name })),
      roles: (d.adminRoles ?? []).map((r) => ({ name: r.name })),
    };
  },
  // A failed round (say CreateLoginProfile refused) leaves a half-done user: the next
  // round must offer to complete or roll it back rather than stop.
  continueAfterFailure: true,
};
