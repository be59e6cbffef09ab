/**
 * The session factory: the one place that opens AWS sessions (a client pool, the caller's
 * identity, the memoized shared reads). The CLI opens the operator's session with it, the
 * handoff an admin's profile, root-keys a verify profile and member root sessions, the gate the
 * root sessions its changes name. Opening one is cheap: SDK modules are loaded once per process
 * and shared, each session holds only its credentials, clients and counters, so hundreds can be
 * open in one process.
 */
import { readAccountType } from '../aws/account-type.js';
import { classifyArn, readIdentity, type AccountInfo, type CallerIdentity } from '../aws/identity.js';
import type { ApiLimiter } from '../aws/limiter.js';
import { type CallCounter, ClientPool, type Credentials } from '../aws/pool.js';
import { AccountReads } from '../aws/reads.js';
import type { StepSessions } from './step.js';
import type { Clock } from './types.js';

/** Where and as whom a session talks to AWS. */
export interface SessionSpec {
  region: string;
  /** A named AWS profile; otherwise the SDK's default chain (or `credentials`). */
  profile?: string;
  /** --endpoint-url; when unset the SDK honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
  endpoint?: string;
  /** Explicit credentials (tests, assumed sessions). */
  credentials?: Credentials;
  /** Count this session's calls with another's (a handoff's calls are the run's calls). */
  counter?: CallCounter;
  /** Read the shared config and credentials files afresh (a profile written during the run). */
  reloadProfiles?: boolean;
  /** Limits shared by every session of an organization run (see ApiLimiter). */
  limiter?: ApiLimiter;
  /** Also read what kind of account it is (the operator's session): see src/aws/account-type.ts. */
  classify?: boolean;
}

/** A role to assume in a member account (`check --org --member-role`). */
export interface MemberRoleSpec {
  accountId: string;
  roleName: string;
  externalId?: string;
  /** RoleSessionName: shows in the member's CloudTrail as who read. */
  sessionName: string;
}

/** sts:AssumeRole sessions of an organization run: long enough for one account's reads. */
const MEMBER_ROLE_SECONDS = 3600;

/** An open session: who it is, on which account, and its clients and shared reads. */
export interface Session {
  pool: ClientPool;
  reads: AccountReads;
  caller: CallerIdentity;
  account: AccountInfo;
}

/** Task policies that allow each root-session operation; see AWS "Perform a privileged task". */
const ROOT_TASK_POLICY_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

/** sts:AssumeRoot sessions last at most 900 s. */
const ROOT_SESSION_SECONDS = 900;

/** A root session is renewed when less than this is left, so no call starts on one about to expire. */
const RENEW_BEFORE_MS = 60_000;

interface CachedRoot {
  pool: Promise<ClientPool>;
  /** When its credentials expire (AWS's Expiration, else the requested duration from the start). */
  expiresAt: number;
}

/** Opens sessions for one run, sharing one clock; caches root sessions per principal. */
export class SessionFactory {
  private readonly rootSessions = new WeakMap<ClientPool, Map<string, CachedRoot>>();

  constructor(private readonly clock: Clock) {}

  /** A client pool for `spec`, without reading who it is. */
  pool(spec: SessionSpec): ClientPool {
    return new ClientPool({
      region: spec.region,
      profile: spec.profile,
      endpoint: spec.endpoint,
      credentials: spec.credentials,
      counter: spec.counter,
      reloadProfiles: spec.reloadProfiles,
      limiter: spec.limiter,
    });
  }

  /**
   * Opens a session and reads its identity (GetCallerIdentity, ListAccountAliases) and, with
   * `classify`, the account's kind (its organization, read concurrently with the identity).
   */
  async open(spec: SessionSpec): Promise<Session> {
    const pool = this.pool(spec);
    const reads = new AccountReads(pool, this.clock);
    const identity = readIdentity(pool);
    const classified = spec.classify
      ? readAccountType(
          pool,
          reads,
          identity.then((i) => i.account.id),
        )
      : undefined;
    // A failed identity read is the session's error; the classification then has nothing to add.
    classified?.catch(() => undefined);
    const { caller, account } = await identity;
    const kind = await classified;
    if (kind) {
      account.type = kind.type;
      if (kind.organization) account.organization = kind.organization;
      if (kind.note) account.typeNote = kind.note;
    }
    return { pool, reads, caller, account };
  }

  /** A pool for a named profile on `base`'s endpoint and region, counted with `base`'s calls. */
  profilePool(base: ClientPool, profile: string): ClientPool {
    return this.pool({ region: base.options.region, endpoint: base.options.endpoint, profile, counter: base.counter });
  }

  /**
   * A root session for a member account, obtained by `base` with sts:AssumeRoot and the task
   * policy; cached per principal, account and task policy, and renewed shortly before AWS's
   * expiry, so a long interactive session never signs with expired credentials.
   */
  rootSession(base: ClientPool, accountId: string, taskPolicy: string): Promise<ClientPool> {
    let cache = this.rootSessions.get(base);
    if (!cache) {
      cache = new Map();
      this.rootSessions.set(base, cache);
    }
    const key = `${accountId}/${taskPolicy}`;
    const now = this.clock.now().getTime();
    const hit = cache.get(key);
    if (hit && hit.expiresAt - RENEW_BEFORE_MS > now) return hit.pool;
    const entry: CachedRoot = { expiresAt: now + ROOT_SESSION_SECONDS * 1000, pool: Promise.resolve(base) };
    entry.pool = (async () => {
      const res = await base.call<{
        Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
      }>('sts', 'AssumeRoot', {
        TargetPrincipal: accountId,
        TaskPolicyArn: { arn: taskPolicy.startsWith('arn:') ? taskPolicy : `${ROOT_TASK_POLICY_PREFIX}${taskPolicy}` },
        DurationSeconds: ROOT_SESSION_SECONDS,
      });
      const c = res.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('sts:AssumeRoot returned no credentials');
      if (c.Expiration) entry.expiresAt = Math.min(entry.expiresAt, new Date(c.Expiration).getTime());
      return base.withCredentials({
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      });
    })();
    cache.set(key, entry);
    entry.pool.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return entry.pool;
  }

  /**
   * A session in a member account through a read role (sts:AssumeRole from `base`), counted in
   * `counter`. The identity comes from AssumeRole's answer (no further call); the account's alias
   * is not read (an organization run names accounts by their Organizations name).
   */
  async memberRole(base: ClientPool, spec: MemberRoleSpec, counter: CallCounter): Promise<Session> {
    const roleArn = `arn:aws:iam::${spec.accountId}:role/${spec.roleName}`;
    const res = await base.withCounter(counter).call<{
      Credentials?: { AccessKeyId?: string; SecretAccessKey?: string; SessionToken?: string; Expiration?: Date };
      AssumedRoleUser?: { Arn?: string; AssumedRoleId?: string };
    }>('sts', 'AssumeRole', {
      RoleArn: roleArn,
      RoleSessionName: spec.sessionName,
      DurationSeconds: MEMBER_ROLE_SECONDS,
      ...(spec.externalId ? { ExternalId: spec.externalId } : {}),
    });
    const c = res.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`sts:AssumeRole returned no credentials for ${roleArn}`);
    const pool = this.pool({
      region: base.options.region,
      endpoint: base.options.endpoint,
      limiter: base.options.limiter,
      counter,
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      },
    });
    const arn =
      res.AssumedRoleUser?.Arn ?? `arn:aws:sts::${spec.accountId}:assumed-role/${spec.roleName}/${spec.sessionName}`;
    const { type, name } = classifyArn(arn);
    const caller: CallerIdentity = {
      arn,
      type,
      name,
      accountId: spec.accountId,
      userId: res.AssumedRoleUser?.AssumedRoleId ?? '',
      accessKeyId: c.AccessKeyId,
      temporary: true,
    };
    return { pool, reads: new AccountReads(pool, this.clock), caller, account: { id: spec.accountId } };
  }

  /** The sessions a step may open, bound to the step's own pool. */
  forSteps(base: ClientPool): StepSessions {
    return {
      rootSession: (accountId, taskPolicy) => this.rootSession(base, accountId, taskPolicy),
      profilePool: (profile) => this.profilePool(base, profile),
    };
  }
}
