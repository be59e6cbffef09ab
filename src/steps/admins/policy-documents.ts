/**
 * Managed policy documents for judging Identity Center permission sets: the default version of
 * each, read once, first from the authorization details the step already read, else from IAM in
 * this account (GetPolicy, GetPolicyVersion). Kept apart from identity-center.ts so each file
 * names the one service whose operations it calls.
 */
import type { ManagedPolicyDetail } from '@aws-sdk/client-iam';
import { describeAwsError, isNotFound } from '../../aws/errors.js';
import type { ClientPool } from '../../aws/pool.js';

/** The default version's document of a managed policy, from the shared details or IAM. */
export type PolicyLookup = (arn: string) => Promise<string | undefined>;

/** Reads managed policies' documents once each: first from the authorization details already read. */
export function policyLookup(pool: ClientPool, known: readonly ManagedPolicyDetail[] | undefined): PolicyLookup {
  const cache = new Map<string, Promise<string | undefined>>();
  const byArn = new Map((known ?? []).map((p) => [p.Arn ?? '', p]));
  return (arn) => {
    let p = cache.get(arn);
    if (!p) {
      p = (async () => {
        const k = byArn.get(arn);
        const versions = k?.PolicyVersionList ?? [];
        const doc = (
          versions.find((v) => v.VersionId === k?.DefaultVersionId) ?? versions.find((v) => v.IsDefaultVersion)
        )?.Document;
        if (doc) return doc;
        try {
          const got = await pool.call<{ Policy?: { DefaultVersionId?: string } }>('iam', 'GetPolicy', {
            PolicyArn: arn,
          });
          const version = got.Policy?.DefaultVersionId;
          if (!version) return undefined;
          const v = await pool.call<{ PolicyVersion?: { Document?: string } }>('iam', 'GetPolicyVersion', {
            PolicyArn: arn,
            VersionId: version,
          });
          return v.PolicyVersion?.Document;
        } catch (err) {
          if (isNotFound(describeAwsError(err))) return undefined;
          throw err;
        }
      })();
      cache.set(arn, p);
    }
    return p;
  };
}
