/**
 * One pool of AWS SDK clients per session: shared credentials, retries, endpoint,
 * call counting, and a guard that refuses any mutating call not sent by the
 * mutation gate. SDK modules are imported on first use so `--help` stays fast.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { UngatedMutationError } from './errors.js';
import type { ApiLimiter } from './limiter.js';

/** AWS services rootlock talks to. */
export type ServiceName =
  | 'iam'
  | 'account'
  | 'sts'
  | 'ec2'
  | 'organizations'
  | 's3control'
  | 'cloudtrail'
  | 'sso-admin'
  | 'identitystore';

/** Global services are signed in us-east-1 whatever the session's region. */
const GLOBAL_REGION = 'us-east-1';

/** Operations that change nothing in the account, though their names do not say Get/List/Describe. */
const READ_ONLY_EXTRA = new Set([
  'GenerateCredentialReport',
  'GetCallerIdentity',
  'AssumeRoot',
  // A member read role's session (check --org): it changes nothing in either account.
  'AssumeRole',
  'SimulatePrincipalPolicy',
  // CloudTrail event history (root-keys: what a root key is used for).
  'LookupEvents',
]);

/** True when the operation only reads (it may be sent outside the gate, and in dry-run). */
export function isReadOnlyOperation(operation: string): boolean {
  return /^(Get|List|Describe)/.test(operation) || READ_ONLY_EXTRA.has(operation);
}

const gateScope = new AsyncLocalStorage<true>();

/** Runs `fn` with permission to send mutating calls. Only the mutation gate calls this. */
export function withinGate<T>(fn: () => Promise<T>): Promise<T> {
  return gateScope.run(true, fn);
}

/** Counts API calls by `service:Operation`, and HTTP attempts (retries included). */
export class CallCounter {
  readonly byOperation = new Map<string, number>();
  attempts = 0;
  constructor(private readonly parent?: CallCounter) {}
  record(key: string): void {
    this.byOperation.set(key, (this.byOperation.get(key) ?? 0) + 1);
    this.parent?.record(key);
  }
  attempt(): void {
    this.attempts += 1;
    this.parent?.attempt();
  }
  /** A counter for part of the run (one account of an organization run) that also counts in this one. */
  child(): CallCounter {
    return new CallCounter(this);
  }
  get total(): number {
    let n = 0;
    for (const v of this.byOperation.values()) n += v;
    return n;
  }
  toJSON(): { total: number; attempts: number; byOperation: Record<string, number> } {
    const sorted = [...this.byOperation.entries()].sort(([a], [b]) => a.localeCompare(b));
    return { total: this.total, attempts: this.attempts, byOperation: Object.fromEntries(sorted) };
  }
}

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface PoolOptions {
  region: string;
  profile?: string;
  /** --endpoint-url; when unset the SDK honours AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>. */
  endpoint?: string;
  /** Explicit credentials (tests, AssumeRoot sessions); otherwise the default chain (with --profile). */
  credentials?: Credentials;
  counter?: CallCounter;
  maxAttempts?: number;
  /** Read the shared config and credentials files afresh for `profile` (the SDK caches them per process). */
  reloadProfiles?: boolean;
  /** Limits shared with other sessions that count against the same account's quotas (an organization run). */
  limiter?: ApiLimiter;
}

/** The minimum an SDK client offers that the pool and the gate use. */
export interface SendingClient {
  send(command: unknown): Promise<unknown>;
}

type ModuleLoader = () => Promise<Record<string, unknown>>;

const MODULES: Record<ServiceName, { load: ModuleLoader; client: string; global: boolean }> = {
  iam: { load: () => import('@aws-sdk/client-iam'), client: 'IAMClient', global: true },
  account: { load: () => import('@aws-sdk/client-account'), client: 'AccountClient', global: true },
  organizations: { load: () => import('@aws-sdk/client-organizations'), client: 'OrganizationsClient', global: true },
  sts: { load: () => import('@aws-sdk/client-sts'), client: 'STSClient', global: false },
  ec2: { load: () => import('@aws-sdk/client-ec2'), client: 'EC2Client', global: false },
  // Account-level settings (S3 Block Public Access), signed in the session's region.
  s3control: { load: () => import('@aws-sdk/client-s3-control'), client: 'S3ControlClient', global: false },
  // CloudTrail event history (LookupEvents), per region.
  cloudtrail: { load: () => import('@aws-sdk/client-cloudtrail'), client: 'CloudTrailClient', global: false },
  // IAM Identity Center: sent to the region of its instance.
  'sso-admin': { load: () => import('@aws-sdk/client-sso-admin'), client: 'SSOAdminClient', global: false },
  identitystore: { load: () => import('@aws-sdk/client-identitystore'), client: 'IdentitystoreClient', global: false },
};

/**
 * The endpoint an S3 Control client must use as given. The SDK's endpoint rules put the account
 * id in front of the host (`https://{AccountId}.{endpoint}`), which AWS's own hosts resolve but an
 * AWS-compatible endpoint usually does not (an IP address cannot take the prefix at all). With a
 * custom endpoint the account travels only in the `x-amz-account-id` header, which S3 Control
 * requests always carry. Without one (real AWS) the SDK's rules apply unchanged.
 */
export function s3ControlEndpoint(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  return explicit ?? env.AWS_ENDPOINT_URL_S3_CONTROL ?? env.AWS_ENDPOINT_URL;
}

/**
 * The logger given to the credential chain of an explicit profile (--profile, --verify-profile).
 * Without one the SDK console.warns a nine-line "Multiple credential sources detected" notice
 * whenever AWS_ACCESS_KEY_ID is also set, straight onto the terminal, in the middle of the
 * wizard's output (or of a spinner). A profile named on the command line is the operator's
 * explicit choice, so that notice is dropped; any other warning or error still reaches stderr.
 */
const profileChainLogger = {
  debug: (): void => {},
  info: (): void => {},
  warn: (...args: unknown[]): void => {
    if (args.some((a) => typeof a === 'string' && a.includes('Multiple credential sources detected'))) return;
    console.warn(...args);
  },
  error: (...args: unknown[]): void => console.error(...args),
};

/** Lazily built SDK clients, one per service and region. */
export class ClientPool {
  readonly options: PoolOptions;
  readonly counter: CallCounter;
  private readonly clients = new Map<string, Promise<SendingClient>>();
  private credentials?: Promise<Credentials | undefined>;

  constructor(options: PoolOptions) {
    this.options = options;
    this.counter = options.counter ?? new CallCounter();
  }

  /** A pool for other credentials (an AssumeRoot session) that shares this pool's counter and endpoint. */
  withCredentials(credentials: Credentials): ClientPool {
    return new ClientPool({ ...this.options, profile: undefined, credentials, counter: this.counter });
  }

  /**
   * The same credentials, endpoint and limits, counting into `counter` (one account's share of an
   * organization run); the credentials are resolved once for both.
   */
  withCounter(counter: CallCounter): ClientPool {
    const pool = new ClientPool({ ...this.options, counter });
    pool.credentials = this.resolveCredentials();
    return pool;
  }

  private single?: ClientPool;

  /**
   * The same session with SDK retries off (one HTTP attempt per call), for the mutation gate:
   * a mutating call whose answer was lost must be checked by reading AWS before it is sent
   * again, which the SDK's blind retry cannot do. Shares credentials and counter.
   */
  singleAttempt(): ClientPool {
    if (this.options.maxAttempts === 1) return this;
    if (!this.single) {
      this.single = new ClientPool({ ...this.options, maxAttempts: 1, counter: this.counter });
      this.single.credentials = this.resolveCredentials();
    }
    return this.single;
  }

  /** The region a service's calls are signed for. */
  regionFor(service: ServiceName, region?: string): string {
    return MODULES[service].global ? GLOBAL_REGION : (region ?? this.options.region);
  }

  /** The SDK client for a service (and region, for regional services). */
  client(service: ServiceName, region?: string): Promise<SendingClient> {
    const r = this.regionFor(service, region);
    const key = `${service}@${r}`;
    let c = this.clients.get(key);
    if (!c) {
      c = this.build(service, r);
      this.clients.set(key, c);
    }
    return c;
  }

  /**
   * Loads services' SDK modules now instead of at their first call (see StepDefinition.preload).
   * A module that fails to load is left for its first call to report.
   */
  async preload(services: readonly ServiceName[]): Promise<void> {
    await Promise.all(services.map((s) => MODULES[s].load().catch(() => undefined)));
  }

  /** Builds the SDK command object for `operation` (e.g. "CreateUser") with `params`. */
  async command(service: ServiceName, operation: string, params: Record<string, unknown>): Promise<unknown> {
    const mod = await MODULES[service].load();
    const Ctor = mod[`${operation}Command`] as (new (input: unknown) => unknown) | undefined;
    if (typeof Ctor !== 'function') throw new Error(`Unknown ${service} operation ${operation}`);
    return new Ctor(params);
  }

  /** Sends one call by name. Mutating calls are refused unless sent through the gate. */
  async call<T = Record<string, unknown>>(
    service: ServiceName,
    operation: string,
    params: Record<string, unknown> = {},
    region?: string,
  ): Promise<T> {
    const [client, command] = await Promise.all([
      this.client(service, region),
      this.command(service, operation, params),
    ]);
    try {
      return (await client.send(command)) as T;
    } catch (err) {
      // Remember which call failed, so a denial can name the IAM action.
      if (err && typeof err === 'object' && !('$rootlockCall' in err)) {
        Object.defineProperty(err, '$rootlockCall', { value: { service, operation }, enumerable: false });
      }
      throw err;
    }
  }

  private resolveCredentials(): Promise<Credentials | undefined> {
    if (!this.credentials) {
      this.credentials = (async () => {
        if (this.options.credentials) return this.options.credentials;
        if (!this.options.profile) return undefined; // the SDK's default chain, per client
        const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
        return fromNodeProviderChain({
          profile: this.options.profile,
          logger: profileChainLogger,
          ignoreCache: this.options.reloadProfiles,
        });
      })();
    }
    return this.credentials;
  }

  private async build(service: ServiceName, region: string): Promise<SendingClient> {
    const [mod, credentials] = await Promise.all([MODULES[service].load(), this.resolveCredentials()]);
    const Ctor = mod[MODULES[service].client] as new (
      config: Record<string, unknown>,
    ) => SendingClient & {
      middlewareStack: { add: (mw: unknown, opts: unknown) => void };
    };
    const config: Record<string, unknown> = { region };
    if (credentials) config.credentials = credentials;
    if (this.options.profile && !credentials) config.profile = this.options.profile;
    if (this.options.endpoint) config.endpoint = this.options.endpoint;
    const s3Control = service === 's3control' ? s3ControlEndpoint(this.options.endpoint) : undefined;
    if (s3Control) {
      const url = new URL(s3Control);
      config.endpointProvider = () => ({ url });
    }
    if (this.options.maxAttempts) config.maxAttempts = this.options.maxAttempts;
    else if (!process.env.AWS_MAX_ATTEMPTS) config.maxAttempts = 5;
    const client = new Ctor(config);
    const counter = this.counter;
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
        if (!isReadOnlyOperation(operation) && !gateScope.getStore()) {
          throw new UngatedMutationError(`${service}:${operation}`);
        }
        counter.record(`${service}:${operation}`);
        return next(args);
      },
      { step: 'initialize', name: 'rootlockGuardAndCount', priority: 'high' },
    );
    const limiter = this.options.limiter;
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        counter.attempt();
        if (!limiter) return next(args);
        // Per HTTP attempt, under the SDK's retries: a throttled attempt slows its family down.
        return limiter.run(service, (context.commandName ?? '').replace(/Command$/, ''), () => next(args));
      },
      { step: 'deserialize', name: 'rootlockAttempts', priority: 'high' },
    );
    return client;
  }
}
