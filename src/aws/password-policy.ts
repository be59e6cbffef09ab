/**
 * The account password policy (iam:GetAccountPasswordPolicy), read once per run and shared: the
 * admins step judges it before setting passwords, and the next steps check it against CIS.
 */
import type { GetAccountPasswordPolicyResponse, PasswordPolicy } from '@aws-sdk/client-iam';
import { describeAwsError, isAccessDenied, isNotFound } from './errors.js';
import type { ClientPool } from './pool.js';
import type { AccountReads } from './reads.js';

/** The account password policy, as far as the caller may read it. */
export type PasswordPolicyState =
  | { state: 'present'; policy: PasswordPolicy }
  | { state: 'none' }
  | { state: 'unknown'; reason: string };

/** What {@link readPasswordPolicy} needs: the run's shared reads (to memoize) and a client pool. */
export interface PasswordPolicyReader {
  reads: Pick<AccountReads, 'once'>;
  pool: Pick<ClientPool, 'call'>;
}

/**
 * The account password policy; NoSuchEntity means none is set, and an access denial is
 * `unknown` with the action to allow (the callers carry on without it). Memoized as a shared read.
 */
export function readPasswordPolicy(ctx: PasswordPolicyReader): Promise<PasswordPolicyState> {
  return ctx.reads.once('iam:password-policy', async (): Promise<PasswordPolicyState> => {
    try {
      const res = await ctx.pool.call<GetAccountPasswordPolicyResponse>('iam', 'GetAccountPasswordPolicy');
      return res.PasswordPolicy ? { state: 'present', policy: res.PasswordPolicy } : { state: 'none' };
    } catch (err) {
      const f = describeAwsError(err, 'iam', 'GetAccountPasswordPolicy');
      if (isNotFound(f)) return { state: 'none' };
      if (isAccessDenied(f)) {
        return { state: 'unknown', reason: `access denied for ${f.deniedAction ?? 'iam:GetAccountPasswordPolicy'}` };
      }
      throw err;
    }
  });
}
