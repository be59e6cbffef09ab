/**
 * Reads an AWS Organization from its management account (or a delegated administrator): who
 * the caller is to the organization, its accounts with each one's OU path, which trusted
 * services and centralized-root-access features are on. Pure selection (`selectAccounts`) is
 * separate from the reads, so it carries the tests.
 */
import { type AwsFailure, describeAwsError, isAccessDenied, RunError } from './errors.js';
import { mapLimit } from '../util/concurrency.js';
import type { ClientPool } from './pool.js';
import { allTokenItems, type AccountReads } from './reads.js';

/** Where the run stands in the organization. */
export type OrgRole = 'management' | 'delegated-admin';

export interface OrganizationInfo {
  id: string;
  managementAccountId: string;
  featureSet?: string;
  role: OrgRole;
  /** The root, when reading the organization already listed it (a delegated administrator's probe). */
  root?: { Id: string; Name?: string };
}

export interface OrgAccount {
  id: string;
  name: string;
  email?: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE (AWS's Status; State where AWS gives it). */
  status: string;
  /** OU path from the root, names joined by `/` (`Root/Workloads/Prod`). */
  ou: string;
  /** The OU ids on the path, root first (r-..., ou-...). */
  ouIds: string[];
  tags?: Record<string, string>;
}

/** Which accounts a run covers (flags --accounts, --ou, --tag, --exclude). */
export interface AccountSelection {
  accounts?: string[];
  ou?: string;
  tags?: Array<{ key: string; value: string }>;
  exclude?: string[];
}

/** An account left out, and why (a suspended account, an exclusion). */
export interface SkippedAccount {
  account: OrgAccount;
  reason: string;
}

/**
 * The organization as the caller sees it. Refuses (exit 2) anywhere but the management or a
 * delegated administrator account.
 */
export async function readOrganization(
  pool: ClientPool,
  callerAccount: string,
  reads?: Pick<AccountReads, 'describeOrganization'>,
): Promise<OrganizationInfo> {
  let org: { Id?: string; MasterAccountId?: string; FeatureSet?: string } | undefined;
  try {
    // The session's memoized answer when there is one (its account type already asked).
    org = reads
      ? await reads.describeOrganization()
      : (await pool.call<{ Organization?: typeof org }>('organizations', 'DescribeOrganization')).Organization;
  } catch (err) {
    const f = describeAwsError(err, 'organizations', 'DescribeOrganization');
    if (f.code === 'AWSOrganizationsNotInUseException')
      throw new RunError(
        'NOT_IN_ORGANIZATION',
        `Account ${callerAccount} is not in an AWS Organization, so --org has nothing to read.`,
        'Run `rootlock check` without --org for this account.',
      );
    throw err;
  }
  if (!org?.Id || !org.MasterAccountId) throw new Error('organizations:DescribeOrganization returned no organization');
  if (org.MasterAccountId === callerAccount)
    return { id: org.Id, managementAccountId: org.MasterAccountId, featureSet: org.FeatureSet, role: 'management' };
  // A member account: only a delegated administrator may list the organization.
  let roots: Array<{ Id: string; Name?: string }>;
  try {
    roots = await listAll(pool, 'ListRoots', {}, 'Roots');
  } catch (err) {
    const f = describeAwsError(err, 'organizations', 'ListRoots');
    if (isAccessDenied(f) || f.code === 'AccessDeniedException')
      throw new RunError(
        'NOT_ORG_ADMIN',
        `Account ${callerAccount} is a member of organization ${org.Id}, not its management account ` +
          `(${org.MasterAccountId}) or a delegated administrator, so it cannot list the organization's accounts ` +
          `(AWS said ${f.code}: ${f.message}).`,
        `Run with credentials of the management account ${org.MasterAccountId}, or of a delegated administrator.`,
      );
    throw err;
  }
  return {
    id: org.Id,
    managementAccountId: org.MasterAccountId,
    featureSet: org.FeatureSet,
    role: 'delegated-admin',
    root: roots[0],
  };
}

interface OuNode {
  id: string;
  name: string;
}

/** All pages of an Organizations NextToken listing. */
function listAll<T>(pool: ClientPool, operation: string, params: Record<string, unknown>, key: string): Promise<T[]> {
  return allTokenItems<T>(pool, 'organizations', operation, params, key);
}

/** How many OUs are listed at once while walking the tree. */
const WALK_CONCURRENCY = 4;

/**
 * Every account under the root (or under `fromOu`, recursively), each with its OU path:
 * ListRoots (unless `root` is given), then ListOrganizationalUnitsForParent and ListAccountsForParent
 * level by level.
 */
export async function listOrganizationAccounts(
  pool: ClientPool,
  opts: { fromOu?: string; tags?: boolean; root?: { Id: string; Name?: string } } = {},
): Promise<OrgAccount[]> {
  const root = opts.root ?? (await listAll<{ Id: string; Name?: string }>(pool, 'ListRoots', {}, 'Roots'))[0];
  if (!root) throw new Error('organizations:ListRoots returned no root');
  const accounts: OrgAccount[] = [];
  let level: Array<{ node: OuNode; path: OuNode[] }> = [{ node: { id: root.Id, name: root.Name ?? 'Root' }, path: [] }];
  /** OUs (and the root) whose accounts are read: everything, or the --ou subtree. */
  const scoped = new Set<string>();
  while (level.length > 0) {
    const next: typeof level = [];
    await mapLimit(level, WALK_CONCURRENCY, async ({ node, path }) => {
      const here = [...path, node];
      const parentScoped = path.length > 0 && scoped.has((path[path.length - 1] as OuNode).id);
      const nodeInScope = opts.fromOu === undefined || node.id === opts.fromOu || parentScoped;
      if (nodeInScope) scoped.add(node.id);
      // Outside the --ou subtree only the OUs are listed (to find it), not the accounts.
      const [ous, accts] = await Promise.all([
        listAll<{ Id: string; Name?: string }>(
          pool,
          'ListOrganizationalUnitsForParent',
          { ParentId: node.id },
          'OrganizationalUnits',
        ),
        nodeInScope
          ? listAll<{ Id: string; Name?: string; Email?: string; Status?: string; State?: string }>(
              pool,
              'ListAccountsForParent',
              { ParentId: node.id },
              'Accounts',
            )
          : Promise.resolve([]),
      ]);
      for (const ou of ous) next.push({ node: { id: ou.Id, name: ou.Name ?? ou.Id }, path: here });
      for (const a of accts) {
        accounts.push({
          id: a.Id,
          name: a.Name ?? a.Id,
          email: a.Email,
          status: a.State ?? a.Status ?? 'UNKNOWN',
          ou: here.map((n) => n.name).join('/'),
          ouIds: here.map((n) => n.id),
        });
      }
    });
    level = next;
  }
  if (opts.fromOu !== undefined && !scoped.has(opts.fromOu))
    throw new RunError('BAD_FLAGS', `--ou ${opts.fromOu}: no such OU (or root) in this organization.`);
  if (opts.tags) {
    await mapLimit(accounts, WALK_CONCURRENCY, async (a) => {
      const tags = await listAll<{ Key: string; Value: string }>(
        pool,
        'ListTagsForResource',
        { ResourceId: a.id },
        'Tags',
      );
      a.tags = Object.fromEntries(tags.map((t) => [t.Key, t.Value]));
    });
  }
  accounts.sort((a, b) => a.id.localeCompare(b.id));
  return accounts;
}

/**
 * The accounts a run reads and those it skips (with the reason), from the selection flags.
 * Only ACTIVE accounts are read; --accounts names accounts that must exist in the organization.
 */
export function selectAccounts(
  all: readonly OrgAccount[],
  sel: AccountSelection,
): { selected: OrgAccount[]; skipped: SkippedAccount[] } {
  const byId = new Map(all.map((a) => [a.id, a]));
  const unknown = (sel.accounts ?? []).filter((id) => !byId.has(id));
  if (unknown.length > 0)
    throw new RunError(
      'BAD_FLAGS',
      `--accounts names ${unknown.length === 1 ? 'an account' : 'accounts'} not in this organization` +
        `${sel.ou ? ` (under --ou ${sel.ou})` : ''}: ${unknown.join(', ')}.`,
    );
  const named = sel.accounts ? new Set(sel.accounts) : undefined;
  const excluded = new Set(sel.exclude ?? []);
  const selected: OrgAccount[] = [];
  const skipped: SkippedAccount[] = [];
  for (const a of all) {
    if (named && !named.has(a.id)) continue;
    if (sel.tags && !sel.tags.every((t) => a.tags?.[t.key] === t.value)) continue;
    if (excluded.has(a.id)) {
      skipped.push({ account: a, reason: 'excluded with --exclude' });
      continue;
    }
    if (a.status !== 'ACTIVE') {
      skipped.push({ account: a, reason: `account is ${a.status}` });
      continue;
    }
    selected.push(a);
  }
  return { selected, skipped };
}

/** Trusted access (organizations:ListAWSServiceAccessForOrganization): the enabled service principals. */
export async function readServiceAccess(pool: ClientPool): Promise<Set<string> | { error: string }> {
  try {
    const list = await listAll<{ ServicePrincipal?: string }>(
      pool,
      'ListAWSServiceAccessForOrganization',
      {},
      'EnabledServicePrincipals',
    );
    return new Set(list.map((s) => s.ServicePrincipal ?? ''));
  } catch (err) {
    const f = describeAwsError(err, 'organizations', 'ListAWSServiceAccessForOrganization');
    return { error: `${f.code}: ${f.message}` };
  }
}

/** What the organization has turned on that rootlock's organization runs need, as the management side reads it. */
export interface OrgAccessState {
  /** Trusted access for iam.amazonaws.com (undefined: trusted access could not be listed). */
  iamTrustedAccess?: boolean;
  /** Trusted access for account.amazonaws.com (undefined: trusted access could not be listed). */
  accountTrustedAccess?: boolean;
  rootCredentialsManagement: boolean;
  rootSessions: boolean;
  /** iam:ListOrganizationsFeatures was refused for another reason than IAM's trusted access being off. */
  featuresError?: { failure: AwsFailure; error: unknown };
}

/**
 * Trusted access (ListAWSServiceAccessForOrganization) and the centralized root access features
 * (ListOrganizationsFeatures, through the session's memoized read). `fresh`: after the run turned
 * something on, the memoized answers are dropped and read again.
 */
export async function readOrgAccess(
  pool: ClientPool,
  reads: Pick<AccountReads, 'organizationsFeatures' | 'invalidate'>,
  { fresh = false } = {},
): Promise<OrgAccessState> {
  if (fresh) reads.invalidate();
  const [services, features] = await Promise.all([
    readServiceAccess(pool),
    reads.organizationsFeatures().then(
      (f) => ({ enabled: f.EnabledFeatures ?? [] }),
      (error: unknown) => {
        const failure = describeAwsError(error, 'iam', 'ListOrganizationsFeatures');
        const off = failure.code === 'ServiceAccessNotEnabledException' || failure.code === 'ServiceAccessNotEnabled';
        return { enabled: [] as string[], ...(off ? {} : { featuresError: { failure, error } }) };
      },
    ),
  ]);
  return {
    ...(services instanceof Set
      ? {
          iamTrustedAccess: services.has('iam.amazonaws.com'),
          accountTrustedAccess: services.has('account.amazonaws.com'),
        }
      : {}),
    rootCredentialsManagement: features.enabled.includes('RootCredentialsManagement'),
    rootSessions: features.enabled.includes('RootSessions'),
    ...('featuresError' in features ? { featuresError: features.featuresError } : {}),
  };
}
