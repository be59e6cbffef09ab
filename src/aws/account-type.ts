/**
 * What kind of account the session acts on: standalone, an organization's management account, a
 * member account, or a member that is a delegated administrator; and, where the account may read
 * it, whether the organization has centralized root access (the `RootCredentialsManagement`
 * feature). Read once at the start of a session; every verdict that depends on the account's kind
 * takes it from here.
 *
 * Reads (all read-only, each allowed to fail):
 * - organizations:DescribeOrganization: any account of an organization may call it; an account in
 *   none gets AWSOrganizationsNotInUseException.
 * - iam:ListOrganizationsFeatures: only the management account and the delegated administrator
 *   for centralized root access may call it; from any other member the refusal
 *   (AccountNotManagementOrDelegatedAdministratorException) is the answer "a plain member", not an
 *   error. Memoized in the shared reads, so root-keys asks AWS once.
 * - organizations:ListDelegatedServicesForAccount for the account itself (members only): allowed to
 *   a delegated administrator (for any service: they may read the organization), answering the
 *   services it administers; refused to any other member.
 *
 * `classifyAccount` is pure and carries the tests; `readAccountType` makes the calls.
 */
import { describeAwsError, isAccessDenied } from './errors.js';
import type { ClientPool } from './pool.js';
import { allTokenItems, type AccountReads } from './reads.js';

/** The kinds of account rootlock tells apart. `unknown`: DescribeOrganization itself was refused. */
export type AccountType = 'standalone' | 'management' | 'member' | 'delegated-admin' | 'unknown';

/** The organization an account belongs to, as far as the account may read it. */
export interface AccountOrganization {
  id: string;
  managementAccountId: string;
  /**
   * Centralized root access for member accounts (the organization's RootCredentialsManagement
   * feature, which needs trusted access for IAM). Undefined: this account may not read it (a
   * plain member) or the read failed; `note` says which.
   */
  rootCredentialsManagement?: boolean;
  /** The RootSessions feature (privileged root tasks through sts:AssumeRoot); undefined as above. */
  rootSessions?: boolean;
  /** Services this member is a delegated administrator for, as far as rootlock probes them. */
  delegatedAdministratorFor?: string[];
}

/** The account's kind, with its organization and a sentence on what could not be read. */
export interface AccountClassification {
  type: AccountType;
  organization?: AccountOrganization;
  /** What limits the classification (a read that was refused), for the operator. */
  note?: string;
}

/** What a read answered: the value, or AWS's error code (and whether it is a plain denial). */
export type ReadAnswer<T> = { ok: T } | { code: string; denied: boolean; action: string };

/** The inputs of {@link classifyAccount}: the account id and each read's answer. */
export interface ClassifyInput {
  accountId: string;
  describe: ReadAnswer<{ Id?: string; MasterAccountId?: string }>;
  /** iam:ListOrganizationsFeatures; absent when not read (no organization). */
  features?: ReadAnswer<{ EnabledFeatures?: string[] }>;
  /** organizations:ListDelegatedServicesForAccount for the account itself (service principals), members only. */
  delegatedServices?: ReadAnswer<string[]>;
}

/** Errors of ListOrganizationsFeatures that answer the question "is the feature on?" with no. */
const FEATURE_OFF_CODES = new Set(['ServiceAccessNotEnabledException', 'OrganizationNotInAllFeaturesModeException']);
/** The refusal a member that is not the delegated administrator for centralized root access gets. */
const NOT_ADMIN_CODE = 'AccountNotManagementOrDelegatedAdministratorException';

/** Classifies an account from its reads. Pure. */
export function classifyAccount(input: ClassifyInput): AccountClassification {
  const { describe } = input;
  if (!('ok' in describe)) {
    if (describe.code === 'AWSOrganizationsNotInUseException') return { type: 'standalone' };
    return {
      type: 'unknown',
      note:
        `${describe.action} failed (${describe.code}), ` +
        'so whether the account belongs to an organization is unknown.',
    };
  }
  const id = describe.ok.Id;
  const managementAccountId = describe.ok.MasterAccountId;
  if (!id || !managementAccountId)
    return { type: 'unknown', note: 'organizations:DescribeOrganization answered without an organization.' };
  const organization: AccountOrganization = { id, managementAccountId };
  const management = managementAccountId === input.accountId;
  const notes: string[] = [];
  const delegated: string[] = [];
  const f = input.features;
  if (f && 'ok' in f) {
    const enabled = f.ok.EnabledFeatures ?? [];
    organization.rootCredentialsManagement = enabled.includes('RootCredentialsManagement');
    organization.rootSessions = enabled.includes('RootSessions');
    if (!management) delegated.push('iam.amazonaws.com');
  } else if (f && FEATURE_OFF_CODES.has(f.code)) {
    organization.rootCredentialsManagement = false;
    organization.rootSessions = false;
  } else if (f && f.code !== NOT_ADMIN_CODE) {
    notes.push(`${f.action} failed (${f.code}), so whether centralized root access is on is unknown.`);
  } else if (f) {
    notes.push('Whether centralized root access is on can be read only from the management account.');
  }
  const services = input.delegatedServices;
  if (!management && services && 'ok' in services) {
    for (const principal of services.ok) if (!delegated.includes(principal)) delegated.push(principal);
  }
  if (delegated.length) organization.delegatedAdministratorFor = delegated;
  const type: AccountType = management ? 'management' : delegated.length ? 'delegated-admin' : 'member';
  return { type, organization, ...(notes.length ? { note: notes.join(' ') } : {}) };
}

async function answer<T>(
  read: () => Promise<T>,
  service: 'organizations' | 'iam',
  operation: string,
): Promise<ReadAnswer<T>> {
  try {
    return { ok: await read() };
  } catch (err) {
    const f = describeAwsError(err, service, operation);
    return { code: f.code, denied: isAccessDenied(f), action: `${service}:${operation}` };
  }
}

/**
 * Reads and classifies the account `pool` acts on: one call for a standalone account, two for the
 * management account, three (two of them concurrent) for a member. `accountId` may still be on
 * its way (the identity read), so DescribeOrganization goes out beside it.
 */
export async function readAccountType(
  pool: ClientPool,
  reads: AccountReads,
  accountIdOrPending: string | Promise<string>,
): Promise<AccountClassification> {
  const describing = answer(() => reads.describeOrganization(), 'organizations', 'DescribeOrganization');
  const [describe, accountId] = await Promise.all([describing, accountIdOrPending]);
  if (!('ok' in describe)) return classifyAccount({ accountId, describe });
  const member = describe.ok.MasterAccountId !== accountId;
  const [features, delegatedServices] = await Promise.all([
    answer(() => reads.organizationsFeatures(), 'iam', 'ListOrganizationsFeatures'),
    member
      ? answer(() => delegatedServicesOf(pool, accountId), 'organizations', 'ListDelegatedServicesForAccount')
      : undefined,
  ]);
  return classifyAccount({ accountId, describe, features, delegatedServices });
}

/**
 * A member account (a delegated administrator is one too) of an organization whose centralized root
 * access is known to be on: the management account can remove its root credentials and perform root
 * tasks through sts:AssumeRoot. The one test of it, for every verdict that depends on it.
 */
export function centrallyManagedMember(
  type: string | undefined,
  rootCredentialsManagement: boolean | undefined,
): boolean {
  return (type === 'member' || type === 'delegated-admin') && rootCredentialsManagement === true;
}

/** The service principals `accountId` is a delegated administrator for (every page). */
async function delegatedServicesOf(pool: ClientPool, accountId: string): Promise<string[]> {
  const services = await allTokenItems<{ ServicePrincipal?: string }>(
    pool,
    'organizations',
    'ListDelegatedServicesForAccount',
    { AccountId: accountId },
    'DelegatedServices',
  );
  return services.flatMap((s) => (s.ServicePrincipal ? [s.ServicePrincipal] : []));
}

/** The account's kind in words, for the "Acting as" line and reports. */
export function describeAccountType(c: AccountClassification): string {
  const org = c.organization;
  const root =
    org?.rootCredentialsManagement === true
      ? ', centralized root access on'
      : org?.rootCredentialsManagement === false
        ? ', centralized root access off'
        : '';
  switch (c.type) {
    case 'standalone':
      return 'a standalone account (not in an AWS Organization)';
    case 'management':
      return `the management account of organization ${org?.id}${root}`;
    case 'delegated-admin':
      return (
        `a member account of organization ${org?.id} and its delegated administrator for ` +
        `${(org?.delegatedAdministratorFor ?? []).map(serviceWords).join(' and ')}${root}`
      );
    case 'member':
      return `a member account of organization ${org?.id} (management account ${org?.managementAccountId})${root}`;
    default:
      return 'an account whose organization could not be read';
  }
}

function serviceWords(principal: string): string {
  if (principal === 'iam.amazonaws.com') return 'centralized root access';
  if (principal === 'account.amazonaws.com') return 'account management';
  if (principal === 'sso.amazonaws.com') return 'IAM Identity Center';
  return principal;
}
