/**
 * Password recovery for one member account's root user (`rootlock --only root-keys --target-account
 * ID`), offered only when that root user has no password, and only when asked: the question
 * `root-keys.recover-password` defaults to "no", is not asked at all in `--yes` runs, and an
 * unattended run without an answer for it keeps the default. "yes" plans iam:CreateLoginProfile
 * in an IAMCreateRootUserPassword AssumeRoot session (no password is sent: AWS requires it to be
 * reset), then the console steps are shown: the owner of the root email address sets the password
 * with "Forgot password".
 */
import type { InteractiveContext } from '../../engine/step.js';
import type { ChangeResult } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import type { RootKeysState } from './analysis.js';
import type { Answers } from './plan.js';

export const RECOVER_QUESTION = 'root-keys.recover-password';

const YES = new Set(['yes', 'y', 'true']);
const NO = new Set(['no', 'n', 'false', '']);

/** Accepts yes/no (y/n, true/false); empty is no. */
export function validateRecoverAnswer(value: string): true | string {
  const v = value.trim().toLowerCase();
  return YES.has(v) || NO.has(v) ? true : 'Answer yes or no.';
}

/**
 * Asks whether to allow password recovery for the member's root user, when it has no password (read in
 * the audit session). undefined unless the operator answers yes.
 */
export async function askRecovery(state: RootKeysState, ctx: InteractiveContext): Promise<Answers | undefined> {
  if (state.member?.password !== null || ctx.options.yes) return undefined;
  const answer = await ctx.prompter.input({
    id: RECOVER_QUESTION,
    message:
      `The root user of member account ${state.account} has no password: nobody can sign in as it, nor use ` +
      '"Forgot password". Allow password recovery for it (iam:CreateLoginProfile in an sts:AssumeRoot session ' +
      'with IAMCreateRootUserPassword)? Leave "no" unless a task needs this root user: yes/no',
    default: 'no',
    optional: true,
    validate: validateRecoverAnswer,
  });
  return YES.has(answer.trim().toLowerCase())
    ? { action: 'org-recover-password', accountId: state.account }
    : undefined;
}

/** The console steps that finish recovery: AWS created a password nobody knows, which must be reset. */
export function recoverySteps(accountId: string): string[] {
  return [
    '1. Open https://console.aws.amazon.com/, choose Root user and enter the email address of the root user ' +
      `of account ${accountId}.`,
    '2. Choose "Forgot password?" and follow the link AWS sends to that address to set a new password.',
    '3. Sign in as the root user and assign an MFA device at once (account name, Security credentials).',
    '4. When the task is done, delete the root user credentials again (rootlock fix --org, or the IAM console: ' +
      'Root access management, the member account, Take privileged action).',
  ];
}

/** After the recovery change was sent: the console steps, or why it did not happen. */
export function explainRecovery(
  answers: Extract<Answers, { action: 'org-recover-password' }>,
  results: readonly ChangeResult[],
  ctx: InteractiveContext,
): void {
  const r = results.find((x) => x.changeId === `root-keys/org-recover-password/${answers.accountId}`);
  if (!r || r.outcome === 'dry-run') return;
  if (r.outcome === 'applied' || r.outcome === 'already-done') {
    ctx.output.success(
      r.outcome === 'applied'
        ? `Password recovery is allowed for the root user of member account ${answers.accountId}.`
        : `The root user of member account ${answers.accountId} already had a password (EntityAlreadyExists).`,
    );
    ctx.output.detail(recoverySteps(answers.accountId));
    return;
  }
  const e = r.error;
  ctx.output.error(
    `Password recovery for the root user of member account ${answers.accountId} was not allowed` +
      `${e ? ` (${sanitize(e.code, { maxLength: 80 })}: ${sanitize(e.message, { maxLength: 300 })})` : ''}. ` +
      'The caller needs sts:AssumeRoot on the member account with the IAMCreateRootUserPassword task policy, ' +
      'and centralized root access must be on.',
  );
}
