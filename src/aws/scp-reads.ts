/**
 * Reads the service control policies (SCPs) on each member account's path, for the SCP preflight
 * of an organization fix (src/iam/scp.ts evaluates them). An organization of 1,000 members has a
 * handful of OUs and policies, so every answer is shared: `organizations:ListRoots` is called once
 * (is SERVICE_CONTROL_POLICY enabled on the root?), `ListPoliciesForTarget` once per target (the
 * root and OU ids recur across accounts) and `DescribePolicy` once per policy. The promise is what
 * is cached, so concurrent callers share one call; a failed call is cached too (its error answers
 * every account that needs it, rather than being repeated for each). One reader per run: the
 * answers are a snapshot.
 */
import { describeAwsError, explainFailure, type AwsFailure } from './errors.js';
import type { ClientPool, ServiceName } from './pool.js';
import { allTokenItems } from './reads.js';

/** Where an SCP is attached (the shape src/iam/scp.ts evaluates). */
export interface ScpTargetRead {
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  id: string;
  name?: string;
}

/** The SCPs attached at one level of an account's path, each with its document. */
export interface ScpLevelRead {
  target: ScpTargetRead;
  policies: Array<{ id: string; name: string; document: string }>;
}

/** An account whose SCPs are wanted (see OrgAccount in ./organization.ts). */
export interface ScpAccountInput {
  id: string;
  /** The OU ids on the path, root first (r-..., ou-...). */
  ouIds: readonly string[];
  /** OU path names joined by `/` (`Root/Workloads/Prod`), to name the levels; optional. */
  ou?: string;
  /** The organization's management account: SCPs never apply to it. */
  management?: boolean;
}

/** The SCPs of one account, or why there are none to evaluate, or why they could not be read. */
export type AccountScps =
  /** The levels on the account's path, root first, the account last. */
  | { accountId: string; status: 'read'; levels: ScpLevelRead[] }
  /** No SCP applies: SERVICE_CONTROL_POLICY is not enabled on the root, or the management account. */
  | { accountId: string; status: 'not-applicable'; why: string }
  /** A read failed: the preflight cannot decide, so the account must be refused. */
  | { accountId: string; status: 'unreadable'; failure: AwsFailure; message: string };

/** API calls the reader made, by operation (pages included). */
export interface ScpReadCounters {
  ListRoots: number;
  ListPoliciesForTarget: number;
  DescribePolicy: number;
}

interface RootInfo {
  id: string;
  name?: string;
  scpEnabled: boolean;
}

/** A failure with the call it came from, so every account that needed that answer names it. */
class ScpReadError extends Error {
  constructor(
    readonly failure: AwsFailure,
    readonly call: string,
  ) {
    super(`${call}: ${failure.message}`);
  }
}

/** Reads the SCPs of accounts of one organization, sharing every answer between them. */
export class ScpReader {
  readonly counters: ScpReadCounters = { ListRoots: 0, ListPoliciesForTarget: 0, DescribePolicy: 0 };
  private readonly pool: Pick<ClientPool, 'call'>;
  private root?: Promise<RootInfo>;
  private readonly targets = new Map<string, Promise<Array<{ id: string; name: string }>>>();
  private readonly policies = new Map<string, Promise<string>>();

  constructor(pool: Pick<ClientPool, 'call'>) {
    // Counts each call (each page of a listing) on its way to the pool.
    this.pool = {
      call: <T>(service: ServiceName, operation: string, params?: Record<string, unknown>, region?: string) => {
        if (operation in this.counters) this.counters[operation as keyof ScpReadCounters] += 1;
        return pool.call<T>(service, operation, params, region);
      },
    };
  }

  /** Total API calls made. */
  get calls(): number {
    return this.counters.ListRoots + this.counters.ListPoliciesForTarget + this.counters.DescribePolicy;
  }

  /** The root, and whether SCPs are enabled on it (ListRoots, once). */
  rootInfo(): Promise<RootInfo> {
    this.root ??= (async () => {
      const roots = await this.guard('organizations:ListRoots', () =>
        allTokenItems<{ Id?: string; Name?: string; PolicyTypes?: Array<{ Type?: string; Status?: string }> }>(
          this.pool,
          'organizations',
          'ListRoots',
          {},
          'Roots',
        ),
      );
      const root = roots[0];
      if (!root?.Id) throw new ScpReadError({ code: 'NoRoot', message: 'ListRoots returned no root' }, 'ListRoots');
      // ENABLED, or PENDING_ENABLE / PENDING_DISABLE (they may apply meanwhile): listed at all means read them.
      const scpEnabled = (root.PolicyTypes ?? []).some((t) => t.Type === 'SERVICE_CONTROL_POLICY');
      return { id: root.Id, name: root.Name, scpEnabled };
    })();
    return this.root;
  }

  /** The SCPs attached directly to a target (root, OU or account): ListPoliciesForTarget, once per target. */
  attached(targetId: string): Promise<Array<{ id: string; name: string }>> {
    let p = this.targets.get(targetId);
    if (!p) {
      p = this.guard('organizations:ListPoliciesForTarget', async () => {
        const list = await allTokenItems<{ Id?: string; Name?: string }>(
          this.pool,
          'organizations',
          'ListPoliciesForTarget',
          { TargetId: targetId, Filter: 'SERVICE_CONTROL_POLICY' },
          'Policies',
        );
        return list.filter((x) => x.Id).map((x) => ({ id: x.Id as string, name: x.Name ?? (x.Id as string) }));
      });
      this.targets.set(targetId, p);
    }
    return p;
  }

  /** A policy's document: DescribePolicy, once per policy. */
  document(policyId: string): Promise<string> {
    let p = this.policies.get(policyId);
    if (!p) {
      p = this.guard('organizations:DescribePolicy', async () => {
        const r = await this.pool.call<{ Policy?: { Content?: string } }>('organizations', 'DescribePolicy', {
          PolicyId: policyId,
        });
        const content = r.Policy?.Content;
        if (typeof content !== 'string')
          throw new ScpReadError(
            { code: 'NoContent', message: `DescribePolicy ${policyId} returned no Content` },
            'DescribePolicy',
          );
        return content;
      });
      this.policies.set(policyId, p);
    }
    return p;
  }

  /**
   * The SCP levels of one account (root first, each OU, the account last), `not-applicable` when
   * SCPs are not enabled on the root (then nothing but ListRoots is called, once) or for the
   * management account, and `unreadable` when a read failed (an AccessDenied names the action).
   */
  async levelsFor(account: ScpAccountInput): Promise<AccountScps> {
    const accountId = account.id;
    if (account.management)
      return { accountId, status: 'not-applicable', why: 'SCPs do not apply to the management account' };
    try {
      const root = await this.rootInfo();
      if (!root.scpEnabled)
        return {
          accountId,
          status: 'not-applicable',
          why: `service control policies are not enabled on the organization's root (${root.id})`,
        };
      const ouIds =
        account.ouIds.length > 0 && account.ouIds[0] === root.id ? account.ouIds : [root.id, ...account.ouIds];
      const names = account.ou?.split('/');
      const nameOf = (i: number): string | undefined =>
        names && names.length === ouIds.length ? names[i] : i === 0 ? root.name : undefined;
      const targets: ScpTargetRead[] = [
        ...ouIds.map((id, i): ScpTargetRead => {
          const t: ScpTargetRead = { type: i === 0 ? 'ROOT' : 'ORGANIZATIONAL_UNIT', id };
          const name = nameOf(i);
          if (name) t.name = name;
          return t;
        }),
        { type: 'ACCOUNT', id: accountId },
      ];
      const levels = await Promise.all(
        targets.map(async (target) => {
          const attached = await this.attached(target.id);
          const policies = await Promise.all(
            attached.map(async (p) => ({ id: p.id, name: p.name, document: await this.document(p.id) })),
          );
          return { target, policies };
        }),
      );
      return { accountId, status: 'read', levels };
    } catch (err) {
      const e = err instanceof ScpReadError ? err : new ScpReadError(describeAwsError(err), 'Organizations read');
      return {
        accountId,
        status: 'unreadable',
        failure: e.failure,
        message:
          `The service control policies of account ${accountId} could not be read, so the SCP preflight ` +
          `cannot clear it: ${explainFailure(e.failure)}`,
      };
    }
  }

  /** Runs a read, turning any failure into a ScpReadError that names the call. */
  private async guard<T>(call: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof ScpReadError) throw err;
      const [service, operation] = call.split(':') as [string, string];
      throw new ScpReadError(describeAwsError(err, service, operation), call);
    }
  }
}
