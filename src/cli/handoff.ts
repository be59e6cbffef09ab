/**
 * Onboarding as root, handed over: once the admins step passes, the root user may name the AWS
 * profile of one of the admins, and the steps that do not need root go on with it. The profile
 * is proved before anything is sent with it: same account, not root, and one of the
 * administrators the admins step just found (an IAM user, or a role it lists as admin).
 */
import { RunError } from '../aws/errors.js';
import { describePrincipal, type CallerIdentity } from '../aws/identity.js';
import type { AdminHandoff, HandoffSession, WizardContext } from '../engine/runner.js';
import type { SessionFactory } from '../engine/session.js';
import type { HandoffCandidates, StepDefinition } from '../engine/step.js';
import { sanitize } from '../util/text.js';

/** The question's id, for answers files: `--answer session.admin-profile=NAME`. */
export const ADMIN_PROFILE_QUESTION = 'session.admin-profile';

/** Profiles tried before the offer is withdrawn and the session goes on as root. */
const MAX_TRIES = 3;

/** Why a principal may not take over from root, or undefined when it may. Pure. */
export function refusal(caller: CallerIdentity, accountId: string, admins: HandoffCandidates): string | undefined {
  if (caller.accountId !== accountId) return `its credentials act on account ${caller.accountId}, not ${accountId}.`;
  if (caller.type === 'root') return 'it signs in as the root user too.';
  if (caller.type === 'iam-user') {
    if (admins.users.some((a) => a.arn === caller.arn)) return undefined;
    return (
      `IAM user ${caller.name} is not one of the administrators found ` +
      `(${admins.users.map((a) => a.name).join(', ') || 'none'}).`
    );
  }
  if (caller.type === 'assumed-role' || caller.type === 'sso-role') {
    const role = caller.name.split('/')[0] ?? '';
    if (admins.roles.some((r) => r.name === role)) return undefined;
    return `role ${role} does not have administrator access in this account.`;
  }
  return `it is ${describePrincipal(caller.type)}, which rootlock cannot match to an administrator.`;
}

export interface HandoffOptions {
  region: string;
  /** --endpoint-url, shared with the session. */
  endpoint?: string;
}

/** The CLI's handoff: asks for a profile, proves it, and returns its session. */
export function profileHandoff(factory: SessionFactory, opts: HandoffOptions): AdminHandoff {
  return {
    async offer(
      ctx: WizardContext,
      rest: StepDefinition[],
      admins: HandoffCandidates,
    ): Promise<HandoffSession | undefined> {
      const movable = rest.filter((s) => !s.meta.needsRoot).map((s) => s.meta.id);
      const names = admins.users.map((a) => sanitize(a.name, { maxLength: 64 }));
      let last: string | undefined;
      for (let i = 0; i < MAX_TRIES; i++) {
        const profile = (
          await ctx.prompter.input({
            id: ADMIN_PROFILE_QUESTION,
            message:
              `Go on as an admin${names.length ? ` (${names.join(', ')})` : ''} for ${movable.join(', ')}? ` +
              `AWS profile to use (empty: go on as root)`,
            default: '',
            optional: true,
            validate: (v) => /^[^\s\p{C}]*$/u.test(v.trim()) || 'A profile name has no spaces or control characters.',
          })
        ).trim();
        if (!profile) return undefined;
        // An answers file gives the same answer each time it is asked: one refusal is enough.
        if (profile === last) break;
        last = profile;
        // The profile may have been written during this session (aws configure, aws sso login):
        // read the shared files again rather than the copy the SDK cached at start.
        const shown = sanitize(profile, { maxLength: 64 });
        const checking = ctx.output.progress(`Checking profile ${shown}`);
        let why: string | undefined;
        let session: Awaited<ReturnType<SessionFactory['open']>> | undefined;
        try {
          session = await factory.open({
            region: opts.region,
            profile,
            endpoint: opts.endpoint,
            counter: ctx.pool.counter,
            reloadProfiles: true,
          });
          why = refusal(session.caller, ctx.account.id, admins);
        } catch (err) {
          why =
            err instanceof RunError && err.code === 'NO_CREDENTIALS'
              ? `no credentials for it were found in the AWS config and credentials files (set it up with aws ` +
                `configure --profile ${shown}, or aws sso login --profile ${shown}).`
              : err instanceof RunError
                ? `${err.message}${err.hint ? ` ${err.hint}` : ''}`
                : (err as Error).message;
        } finally {
          checking.stop();
        }
        if (!why && session) return { pool: session.pool, reads: session.reads, caller: session.caller, profile };
        ctx.output.warn(`Profile ${shown} cannot take over: ${sanitize(why ?? 'unknown', { maxLength: 300 })}`);
      }
      ctx.output.warn('No profile could take over; going on as the root user.');
      return undefined;
    },
  };
}
