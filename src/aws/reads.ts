/**
 * Account-wide reads that several steps share. Each is fetched at most once per
 * run (memoized) and invalidated after changes, so verification re-reads AWS.
 */
import type {
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  InstanceProfile,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import type { Clock } from '../util/clock.js';
import type { ClientPool, ServiceName } from './pool.js';
import { parseCredentialReport, type CredentialReport } from './credential-report.js';
import {
  ALTERNATE_CONTACT_FIELDS,
  type AlternateContactFields,
  type AlternateContactType,
  CONTACT_INFORMATION_FIELDS,
  type ContactInformationFields,
} from './contact-fields.js';
import { describeAwsError, isNotFound } from './errors.js';

/** Memo keys of the contact reads: the session's own account (`self`) or a member named by AccountId. */
const alternateContactKey = (type: AlternateContactType, accountId?: string): string =>
  `account:alternate-contact:${accountId ?? 'self'}:${type}`;
const contactInformationKey = (accountId?: string): string => `account:contact-information:${accountId ?? 'self'}`;

/** The string fields `keys` of an Account API answer's object, or null when it has none. */
function pickStrings<K extends string>(obj: unknown, keys: readonly K[]): Partial<Record<K, string>> | null {
  if (!obj || typeof obj !== 'object') return null;
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) {
    const v = (obj as Record<string, unknown>)[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

/** One Account API read; ResourceNotFoundException (never set) is null, any other failure is thrown. */
async function readAccountObject<K extends string>(
  pool: ClientPool,
  operation: string,
  params: Record<string, unknown>,
  field: string,
  keys: readonly K[],
): Promise<Partial<Record<K, string>> | null> {
  try {
    const res = await pool.call<Record<string, unknown>>('account', operation, params);
    return pickStrings(res[field], keys);
  } catch (err) {
    if (isNotFound(describeAwsError(err, 'account', operation))) return null;
    throw err;
  }
}

/** Where a long read says what it is waiting for (a spinner, in the terminal). */
export interface ProgressNote {
  update(text: string): void;
}

/**
 * All pages of GetAccountAuthorizationDetails, merged, each entity cut down to what the
 * analyses read (see {@link readAuthorizationDetails}).
 */
export interface AuthorizationDetails {
  users: UserDetail[];
  groups: GroupDetail[];
  roles: RoleDetail[];
  policies: ManagedPolicyDetail[];
  pages: number;
}

/**
 * Every item of a NextToken listing (`key` names the items of each page), in order. A listing that
 * has not ended after `maxPages` pages is an error, never a silently shortened list.
 */
export async function allTokenItems<T>(
  pool: Pick<ClientPool, 'call'>,
  service: ServiceName,
  operation: string,
  params: Record<string, unknown>,
  key: string,
  opts: { region?: string; maxPages?: number } = {},
): Promise<T[]> {
  const maxPages = opts.maxPages ?? 10_000;
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const r = await pool.call<Record<string, unknown>>(
      service,
      operation,
      { ...params, ...(token ? { NextToken: token } : {}) },
      opts.region,
    );
    out.push(...((r[key] as T[] | undefined) ?? []));
    token = typeof r.NextToken === 'string' && r.NextToken ? r.NextToken : undefined;
    if (!token) return out;
  }
  throw new Error(`${service}:${operation} did not stop paging after ${maxPages} pages`);
}

/** Pages through a marker-based IAM listing. */
export async function allPages<T extends { IsTruncated?: boolean; Marker?: string }>(
  fetchPage: (marker?: string) => Promise<T>,
): Promise<T[]> {
  const pages: T[] = [];
  await forEachPage(fetchPage, (page) => pages.push(page));
  return pages;
}

/** Pages through a marker-based IAM listing, handing each page to `take` and keeping none; returns the page count. */
export async function forEachPage<T extends { IsTruncated?: boolean; Marker?: string }>(
  fetchPage: (marker?: string) => Promise<T>,
  take: (page: T) => void,
): Promise<number> {
  let pages = 0;
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    pages += 1;
    take(page);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return pages;
}

const AWS_MANAGED_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\//;

/** Copies the fields that are set, and no others (an absent field stays absent). */
function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

/**
 * The fields of each entity that anything reads: src/iam/principals.ts (policies, groups,
 * boundaries, trust, role paths), the admins step and the next steps (user names, tags and
 * creation dates) and the ec2-roles step (instance profiles). IDs, last-used data, counts,
 * descriptions, role tags and the non-default versions of managed policies are left behind.
 */
const USER_FIELDS = [
  'UserName',
  'Arn',
  'CreateDate',
  'Tags',
  'GroupList',
  'UserPolicyList',
  'AttachedManagedPolicies',
  'PermissionsBoundary',
] as const satisfies ReadonlyArray<keyof UserDetail>;
const GROUP_FIELDS = [
  'GroupName',
  'Arn',
  'GroupPolicyList',
  'AttachedManagedPolicies',
] as const satisfies ReadonlyArray<keyof GroupDetail>;
const ROLE_FIELDS = [
  'RoleName',
  'Arn',
  'Path',
  'AssumeRolePolicyDocument',
  'RolePolicyList',
  'AttachedManagedPolicies',
  'PermissionsBoundary',
] as const satisfies ReadonlyArray<keyof RoleDetail>;

function extractRole(r: RoleDetail): RoleDetail {
  const out: RoleDetail = pick(r, ROLE_FIELDS);
  if (r.InstanceProfileList) {
    // A profile's name and ARN; its Roles (a second copy of the role) and the rest are left out.
    out.InstanceProfileList = r.InstanceProfileList.map(
      (p) => pick(p, ['InstanceProfileName', 'Arn'] as const) as InstanceProfile,
    );
  }
  return out;
}

/** A managed policy with its default version only: the one document the analyses evaluate. */
function extractPolicy(p: ManagedPolicyDetail): ManagedPolicyDetail {
  const out: ManagedPolicyDetail = pick(p, ['PolicyName', 'Arn', 'DefaultVersionId'] as const);
  const versions = p.PolicyVersionList;
  if (versions) {
    const byDefault =
      p.DefaultVersionId === undefined ? undefined : versions.find((v) => v.VersionId === p.DefaultVersionId);
    // Without a version named by DefaultVersionId, every version is kept: the analyses decide.
    const keep = byDefault ? [byDefault] : versions;
    out.PolicyVersionList = keep.map((v) => pick(v, ['VersionId', 'IsDefaultVersion', 'Document'] as const));
  }
  return out;
}

/** ARNs of the managed policies something uses: attached to a user, group or role, or a permissions boundary. */
function usedPolicies(d: AuthorizationDetails): Set<string> {
  const used = new Set<string>();
  for (const e of [...d.users, ...d.groups, ...d.roles]) {
    for (const a of e.AttachedManagedPolicies ?? []) if (a.PolicyArn) used.add(a.PolicyArn);
  }
  for (const e of [...d.users, ...d.roles]) {
    const arn = e.PermissionsBoundary?.PermissionsBoundaryArn;
    if (arn) used.add(arn);
  }
  return used;
}

/**
 * Reads GetAccountAuthorizationDetails for users, groups, roles and managed policies, all
 * pages. Each page is cut down to the fields the analyses read as it arrives and then let
 * go, and AWS managed policies that nothing uses are dropped at the end: a large account's
 * pages weigh many megabytes, and AWS may list AWS managed policies that nothing in the
 * account uses. Customer managed policies are all kept (the ec2-roles step offers them).
 */
export async function readAuthorizationDetails(pool: ClientPool): Promise<AuthorizationDetails> {
  const out: AuthorizationDetails = { users: [], groups: [], roles: [], policies: [], pages: 0 };
  out.pages = await forEachPage(
    (Marker) =>
      pool.call<GetAccountAuthorizationDetailsResponse>('iam', 'GetAccountAuthorizationDetails', {
        Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
        MaxItems: 1000,
        Marker,
      }),
    (page) => {
      for (const u of page.UserDetailList ?? []) out.users.push(pick(u, USER_FIELDS));
      for (const g of page.GroupDetailList ?? []) out.groups.push(pick(g, GROUP_FIELDS));
      for (const r of page.RoleDetailList ?? []) out.roles.push(extractRole(r));
      for (const p of page.Policies ?? []) out.policies.push(extractPolicy(p));
    },
  );
  const used = usedPolicies(out);
  out.policies = out.policies.filter((p) => !p.Arn || !AWS_MANAGED_POLICY.test(p.Arn) || used.has(p.Arn));
  return out;
}

/** Options for waiting on the credential report. */
export interface ReportWait {
  clock: Clock;
  /** Total time to wait for generation before giving up. */
  timeoutMs?: number;
  progress?: ProgressNote;
}

/**
 * Generates (if needed) and reads the credential report: GenerateCredentialReport,
 * then poll with exponential backoff while it is in progress or throttled.
 */
export async function readCredentialReport(pool: ClientPool, wait: ReportWait): Promise<CredentialReport> {
  const timeout = wait.timeoutMs ?? 120_000;
  const started = wait.clock.now().getTime();
  let delay = 250;
  let polls = 0;
  for (;;) {
    try {
      const gen = await pool.call<{ State?: string }>('iam', 'GenerateCredentialReport');
      if (gen.State === 'COMPLETE') break;
    } catch (err) {
      const f = describeAwsError(err, 'iam', 'GenerateCredentialReport');
      if (f.code !== 'LimitExceeded' && f.code !== 'LimitExceededException' && f.code !== 'Throttling') throw err;
    }
    polls += 1;
    wait.progress?.update(`Waiting for AWS to generate the credential report (check ${polls})`);
    if (wait.clock.now().getTime() - started > timeout) {
      throw new Error(
        `The credential report was not ready after ${Math.round(timeout / 1000)} s; run again in a minute.`,
      );
    }
    await wait.clock.sleep(delay);
    delay = Math.min(delay * 2, 5_000);
  }
  for (;;) {
    try {
      const res = await pool.call<{ Content?: Uint8Array | string; GeneratedTime?: Date }>(
        'iam',
        'GetCredentialReport',
      );
      return { generatedAt: res.GeneratedTime, rows: await parseCredentialReport(res.Content) };
    } catch (err) {
      const f = describeAwsError(err, 'iam', 'GetCredentialReport');
      if (f.code !== 'ReportInProgress' && f.code !== 'ReportNotPresent' && f.code !== 'ReportExpired') throw err;
      if (wait.clock.now().getTime() - started > timeout) throw err;
      if (f.code !== 'ReportInProgress') await pool.call('iam', 'GenerateCredentialReport');
      await wait.clock.sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/** Memoized shared reads for one run. */
export class AccountReads {
  private readonly memo = new Map<string, Promise<unknown>>();
  constructor(
    private readonly pool: ClientPool,
    private readonly clock: Clock,
    private readonly parent?: AccountReads,
  ) {}

  /**
   * Reads for one member account made through this session (`check --org`): what this session
   * has already read (its own account's facts, the organization's) is shared, what the member's
   * reads add stays in the child and goes when the child is dropped. `pool` is the same
   * session counting into the member's share of the calls.
   */
  scoped(pool: ClientPool = this.pool): AccountReads {
    return new AccountReads(pool, this.clock, this);
  }

  /** Memoizes any read under a key; failures are not cached. */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = (this.memo.get(key) ?? this.parent?.memo.get(key)) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  authorizationDetails(): Promise<AuthorizationDetails> {
    return this.once('iam:authorization-details', () => readAuthorizationDetails(this.pool));
  }

  credentialReport(progress?: ProgressNote): Promise<CredentialReport> {
    return this.once('iam:credential-report', () => readCredentialReport(this.pool, { clock: this.clock, progress }));
  }

  accountSummary(): Promise<Record<string, number>> {
    return this.once('iam:account-summary', async () => {
      const res = await this.pool.call<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary');
      return res.SummaryMap ?? {};
    });
  }

  /**
   * One alternate contact of the session's account, or of member `accountId` (Account API with
   * AccountId): null when it was never set. Steps that read contacts share the one answer.
   */
  alternateContact(type: AlternateContactType, accountId?: string): Promise<AlternateContactFields | null> {
    return this.once(alternateContactKey(type, accountId), () =>
      readAccountObject(
        this.pool,
        'GetAlternateContact',
        { AlternateContactType: type, ...(accountId ? { AccountId: accountId } : {}) },
        'AlternateContact',
        ALTERNATE_CONTACT_FIELDS,
      ),
    );
  }

  /**
   * Takes the contacts of this session's own account as another session read them (the management
   * account's Account API with AccountId, in an organization run), so they are not asked again
   * here; only the answers that read gave, and only where this session has not read them itself.
   */
  async adoptContacts(from: AccountReads, accountId: string): Promise<void> {
    const adopt = async (key: string, read: Promise<unknown>): Promise<void> => {
      try {
        const value = await read;
        if (!this.memo.has(key)) this.memo.set(key, Promise.resolve(value));
      } catch {
        // Not read there: this session reads it itself when it needs it.
      }
    };
    await Promise.all([
      ...(['BILLING', 'OPERATIONS', 'SECURITY'] as const).map((t) =>
        adopt(alternateContactKey(t), from.alternateContact(t, accountId)),
      ),
      adopt(contactInformationKey(), from.contactInformation(accountId)),
    ]);
  }

  /** The primary contact of the session's account, or of member `accountId`: null when it was never set. */
  contactInformation(accountId?: string): Promise<ContactInformationFields | null> {
    return this.once(contactInformationKey(accountId), () =>
      readAccountObject(
        this.pool,
        'GetContactInformation',
        accountId ? { AccountId: accountId } : {},
        'ContactInformation',
        CONTACT_INFORMATION_FIELDS,
      ),
    );
  }

  /**
   * organizations:DescribeOrganization as AWS answers it (AWSOrganizationsNotInUseException outside an
   * organization): the account type, check --org and the next steps share the one answer.
   */
  describeOrganization(): Promise<{ Id?: string; MasterAccountId?: string; FeatureSet?: string }> {
    return this.once('organizations:describe-organization', async () => {
      const res = await this.pool.call<{
        Organization?: { Id?: string; MasterAccountId?: string; FeatureSet?: string };
      }>('organizations', 'DescribeOrganization');
      return res.Organization ?? {};
    });
  }

  /** iam:ListOrganizationsFeatures as AWS answers it (the organization's centralized root access). */
  organizationsFeatures(): Promise<{ OrganizationId?: string; EnabledFeatures?: string[] }> {
    return this.once('iam:organizations-features', () =>
      this.pool.call<{ OrganizationId?: string; EnabledFeatures?: string[] }>('iam', 'ListOrganizationsFeatures'),
    );
  }

  /** Forgets everything, so the next reads (verification) ask AWS again. */
  invalidate(): void {
    this.memo.clear();
  }
}
