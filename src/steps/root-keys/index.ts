/**
 * Step root-keys: find the root user's access keys and remove them by the path the caller
 * allows (the root user itself, centralized root access from the management account, or the
 * console), after showing whether the account is prepared. Passes only when
 * GetAccountSummary reports AccountAccessKeysPresent = 0 (or, for a member account, when the
 * AssumeRoot audit session lists no key and no signing certificate). Root MFA is a separate finding.
 */
import type { InteractiveContext, StepDefinition } from '../../engine/step.js';
import type { ChangeResult } from '../../engine/types.js';
import { maskKeyId, sanitize } from '../../util/text.js';
import { assessRootKeys, describeKey, verifyCommands, type RootKeysState } from './analysis.js';
import { askRootKeys } from './ask.js';
import { meta, SECURITY_CREDENTIALS_URL } from './meta.js';
import { rootKeysOrg } from './org.js';
import { buildPlan, planAhead, type Answers } from './plan.js';
import { readState } from './read.js';
import { explainRecovery } from './recover.js';
import { sessionNotes, type SessionNotes } from './session.js';

export const step: StepDefinition<RootKeysState, Answers> = {
  meta,
  read: (ctx) => readState(ctx),
  assess: (state) => assessRootKeys(state),
  ask: (state, assessment, ctx) => askRootKeys(state, assessment, ctx),
  plan: (state, answers) => buildPlan(state, answers),
  planAhead: (state, answers) => planAhead(state, answers),
  org: rootKeysOrg,
  applied(state, answers, results, ctx) {
    // Password recovery explains itself (console steps follow); explainResults is about keys and certificates.
    if (answers.action === 'org-recover-password') return explainRecovery(answers, results, ctx);
    const notes = sessionNotes(ctx);
    for (const r of results) notes.planned.add(r.changeId);
    const removal = sessionKeyRemoval(state, answers, results);
    if (removal) notes.sessionKeyRemoval = removal;
    if (answers.action === 'reactivate')
      for (const id of [...answers.keyIds, ...(answers.certificateIds ?? [])]) notes.reactivated.add(id);
  },
  async after(state, _assessment, ctx) {
    const notes = sessionNotes(ctx);
    explainResults(state, ctx);
    if (state.sessionEnded && !state.sessionEnded.verified) {
      ctx.output.warn(
        'This session can no longer call AWS, so rootlock cannot ' +
          'confirm the result itself. Verify from another session:',
      );
      ctx.output.detail(verifyCommands(state.account));
      if (!ctx.options.verifyProfile)
        ctx.output.detail([
          'Next time, --verify-profile NAME (an IAM administrator of this account) lets rootlock verify on its own.',
        ]);
    }
    if (notes.rechecked && state.path === 'console') {
      // The re-check loop saw AWS after the last assessment: record what AWS says now.
      notes.rechecked = undefined;
      ctx.reads.invalidate();
      try {
        return assessRootKeys(await readState(ctx));
      } catch {
        return undefined;
      }
    }
    // The wait decision came after the last assessment: the final one carries the date.
    if (notes.revisit && !state.revisitAfter) return assessRootKeys({ ...state, revisitAfter: notes.revisit.after });
    return undefined;
  },
};

/**
 * The removal of the key this session signs with, when AWS answered it: applied, or already gone
 * (NoSuchEntity). A refusal leaves the key as it was; a change not sent (an earlier one failed)
 * removed nothing.
 */
export function sessionKeyRemoval(
  state: RootKeysState,
  answers: Answers,
  results: readonly ChangeResult[],
): SessionNotes['sessionKeyRemoval'] {
  const own =
    answers.action === 'session-key'
      ? answers.keyId
      : answers.action === 'delete'
        ? answers.keyIds.find((id) => state.keys.some((k) => k.id === id && k.sessionKey))
        : undefined;
  if (!own) return undefined;
  const action = answers.action === 'session-key' ? answers.mode : 'delete';
  const result = results.find((r) => r.changeId === `root-keys/${action}/${own}`);
  const answered = result?.outcome === 'applied' || result?.outcome === 'already-done';
  return answered ? { keyId: own, action } : undefined;
}

/**
 * Says, in the step's own terms, what became of each change it planned: keys already gone,
 * refusals (with what to do), and where the keys stand now after a partial round.
 */
function explainResults(state: RootKeysState, ctx: InteractiveContext): void {
  const notes = sessionNotes(ctx);
  const done = notes.explained;
  let failed = false;
  for (const r of ctx.results) {
    if (!notes.planned.has(r.changeId) || done.has(r.changeId)) continue;
    done.add(r.changeId);
    const keyId = r.changeId.split('/').pop() ?? '';
    const kind = r.changeId.split('/')[1];
    if (kind?.endsWith('-certificate')) {
      failed = explainCertificateResult(r, kind, keyId, state, ctx) || failed;
      continue;
    }
    if (r.outcome === 'already-done' && (kind === 'delete' || kind === 'deactivate' || kind === 'org-delete')) {
      ctx.output.info(
        `Root access key ${maskKeyId(keyId)} no longer existed when rootlock sent the call ` +
          `(NoSuchEntity: deleted after the plan was made, perhaps in the console). Counted as done.`,
      );
    }
    if (r.outcome !== 'failed' || !r.error) continue;
    failed = true;
    const e = r.error;
    if (e.deniedAction === 'sts:AssumeRoot' || (kind === 'org-delete' && e.code.startsWith('AccessDenied'))) {
      ctx.output.error(
        `sts:AssumeRoot (task policy IAMDeleteRootUserCredentials) was refused for member account ` +
          `${state.account}, so nothing was deleted there. Check that centralized root credentials ` +
          `management is still on (aws iam list-organizations-features) and that the caller may call ` +
          `sts:AssumeRoot on arn:aws:iam::${state.account}:root with that task policy, then run again.`,
      );
    } else if (e.code === 'AccessDenied' || e.code === 'AccessDeniedException') {
      const op = kind === 'delete' || kind === 'org-delete' ? 'iam:DeleteAccessKey' : 'iam:UpdateAccessKey';
      ctx.output.error(
        `AWS refused ${op} for root access key ${maskKeyId(keyId)}; that key is unchanged. The ` +
          `root user has no IAM policy to fix: the refusal comes from the credentials (an AssumeRoot ` +
          `session scoped to IAMDeleteRootUserCredentials allows deletion but not deactivation; ` +
          `temporary root credentials without MFA may not call IAM) or from a service control policy.`,
      );
      ctx.output.detail([
        op === 'iam:UpdateAccessKey'
          ? 'Run again and answer "Delete now without deactivating first" ' +
            '(root-keys.active=delete), or deactivate it in the console:'
          : 'Delete it in the console instead:',
        SECURITY_CREDENTIALS_URL,
      ]);
    } else if (e.code === 'NoSuchEntity' && kind === 'reactivate') {
      ctx.output.error(
        `Root access key ${maskKeyId(keyId)} no longer exists, so it cannot be ` +
          `reactivated. If something truly needs root API access, create a new key in ` +
          `the console (${SECURITY_CREDENTIALS_URL}); better, move it to an IAM role.`,
      );
    }
  }
  if (failed && !state.sessionEnded) {
    const now = state.keysSource === 'api' ? state.keys : [];
    ctx.output.info(now.length ? 'Where the root keys stand now:' : 'AWS lists no root access keys now.');
    if (now.length) ctx.output.detail(now.map((k) => describeKey(k, state.now)));
  }
}

/** explainResults for a signing certificate change; true when it failed. */
function explainCertificateResult(
  r: ChangeResult,
  kind: string,
  certificateId: string,
  state: RootKeysState,
  ctx: InteractiveContext,
): boolean {
  const cert = `Root signing certificate ${sanitize(certificateId, { maxLength: 128 })}`;
  if (r.outcome === 'already-done' && kind !== 'reactivate-certificate') {
    ctx.output.info(
      `${cert} no longer existed when rootlock sent the call (NoSuchEntity: deleted after the plan was made, ` +
        'perhaps in the console). Counted as done.',
    );
  }
  if (r.outcome !== 'failed' || !r.error) return false;
  const e = r.error;
  if (e.deniedAction === 'sts:AssumeRoot') {
    ctx.output.error(
      `sts:AssumeRoot (task policy IAMDeleteRootUserCredentials) was refused for member account ${state.account}, ` +
        'so nothing was deleted there. Check that centralized root credentials management is still on and that ' +
        `the caller may call sts:AssumeRoot on arn:aws:iam::${state.account}:root with that task policy.`,
    );
  } else if (e.code === 'AccessDenied' || e.code === 'AccessDeniedException') {
    const op =
      kind.startsWith('delete') || kind.startsWith('org-delete')
        ? 'DeleteSigningCertificate'
        : 'UpdateSigningCertificate';
    ctx.output.error(
      `AWS refused iam:${op} for ${cert.charAt(0).toLowerCase()}${cert.slice(1)}; it is unchanged. The root user ` +
        'has no IAM policy to fix: the refusal comes from the credentials or from a service control policy.',
    );
    ctx.output.detail([`Remove it in the console instead (X.509 certificates): ${SECURITY_CREDENTIALS_URL}`]);
  } else {
    ctx.output.error(`${cert}: ${sanitize(e.code, { maxLength: 80 })}: ${sanitize(e.message, { maxLength: 300 })}`);
  }
  return true;
}
