/**
 * IAM Identity Center for the admins step: which people get full admin on this account through a
 * permission set, directly or through a group. Read from the organization's instance, which only
 * the management account or the delegated administrator for Identity Center can read, in the
 * instance's region (rootlock looks in the session's region, `--region`).
 *
 * The reads: sso-admin ListInstances, ListPermissionSets, for each permission set
 * DescribePermissionSet, ListManagedPoliciesInPermissionSet,
 * ListCustomerManagedPolicyReferencesInPermissionSet and GetInlinePolicyForPermissionSet (the
 * policies' documents from IAM in this account), judged with the same evaluator as IAM users;
 * ListAccountAssignments for this account and each admin permission set; identitystore
 * ListGroupMemberships, DescribeGroup and DescribeUser for the people. A read that fails or is
 * refused leaves Identity Center "not read", with the reason: the step then counts IAM users only.
 */
import type { ManagedPolicyDetail } from '@aws-sdk/client-iam';
import { describeAwsError, isNotFound } from '../../aws/errors.js';
import type { ClientPool } from '../../aws/pool.js';
import { allTokenItems } from '../../aws/reads.js';
import type { StepContext } from '../../engine/step.js';
import { compilePolicy, evaluatePolicies, type CompiledPolicy } from '../../iam/evaluate.js';
import { PolicyDocumentError } from '../../iam/parse.js';
import { mapLimit } from '../../util/concurrency.js';
import { newMemo, type SessionMemo } from './memo.js';
import { policyLookup, type PolicyLookup } from './policy-documents.js';

/** How many Identity Center reads run at once. */
const CONCURRENCY = 5;
/**
 * Pages read of one listing at most: a guard against a listing that never ends. Reaching it is an
 * error (the reason Identity Center was not read), never a silently shortened list.
 */
const MAX_PAGES = 1000;

/** One permission set and whether it grants full admin (the same rule as for IAM users). */
export interface PermissionSetVerdict {
  arn: string;
  name: string;
  admin: boolean;
  /** The policies that grant full admin ("AdministratorAccess (AWS managed)", "inline policy", ...). */
  via: string[];
  /** Policies that could not be judged (missing in this account, unreadable). */
  notes: string[];
}

/** One account assignment of an admin permission set to this account. */
export interface IdcAssignment {
  permissionSetArn: string;
  principalType: 'USER' | 'GROUP';
  principalId: string;
}

/** Identity Center as read from an instance. */
export interface IdentityCenterRead {
  status: 'read';
  instanceArn: string;
  identityStoreId: string;
  region: string;
  ownerAccountId?: string;
  permissionSets: PermissionSetVerdict[];
  /** Assignments to this account of the admin permission sets. */
  assignments: IdcAssignment[];
  /** Users named by those assignments (directly or as group members), by user id. */
  users: Record<string, { userName: string; displayName?: string }>;
  /** Groups named by those assignments, by group id. */
  groups: Record<string, { displayName: string; members: string[] }>;
  /** The identity store has at least one user, or this account has admin assignments. */
  inUse: boolean;
}

/** Why Identity Center was not read. */
export type NotReadWhy = 'standalone' | 'member' | 'org-member-run' | 'no-instance' | 'denied' | 'error';

export interface IdentityCenterNotRead {
  status: 'not-read';
  why: NotReadWhy;
  /** In words, for findings and details. */
  reason: string;
  region?: string;
}

export type IdentityCenterState = IdentityCenterRead | IdentityCenterNotRead;

/** A person with full admin on this account through Identity Center. */
export interface IdcAdmin {
  userId: string;
  userName: string;
  displayName?: string;
  /** "permission set AdminAccess" or "group Admins: permission set AdminAccess". */
  via: string[];
}

/**
 * The distinct Identity Center users with an admin permission set on this account, directly or
 * through a group, sorted by user name. Pure.
 */
export function identityCenterAdmins(ic: IdentityCenterState | undefined): IdcAdmin[] {
  if (ic?.status !== 'read') return [];
  const psName = new Map(ic.permissionSets.map((p) => [p.arn, p.name]));
  const byUser = new Map<string, Set<string>>();
  const add = (userId: string, via: string): void => {
    const set = byUser.get(userId) ?? new Set<string>();
    set.add(via);
    byUser.set(userId, set);
  };
  for (const a of ic.assignments) {
    const ps = `permission set ${psName.get(a.permissionSetArn) ?? a.permissionSetArn}`;
    if (a.principalType === 'USER') add(a.principalId, ps);
    else {
      const g = ic.groups[a.principalId];
      for (const m of g?.members ?? []) add(m, `group ${g?.displayName ?? a.principalId}: ${ps}`);
    }
  }
  return [...byUser.entries()]
    .map(([userId, via]) => {
      const u = ic.users[userId];
      return {
        userId,
        userName: u?.userName ?? userId,
        ...(u?.displayName ? { displayName: u.displayName } : {}),
        via: [...via].sort(),
      };
    })
    .sort((a, b) => a.userName.localeCompare(b.userName) || a.userId.localeCompare(b.userId));
}

/** A policy document and how to name it, for {@link judgePermissionSet}. */
export interface PolicySource {
  label: string;
  /** The document (JSON or URL-encoded JSON); undefined when it could not be found. */
  document?: string;
  /** Why the document is missing. */
  missing?: string;
}

/** Judges one permission set from its policies' documents with the IAM evaluator. Pure. */
export function judgePermissionSet(arn: string, name: string, sources: readonly PolicySource[]): PermissionSetVerdict {
  const notes: string[] = [];
  const compiled: Array<{ label: string; policy: CompiledPolicy }> = [];
  for (const s of sources) {
    if (s.document === undefined) {
      notes.push(`${s.label}: ${s.missing ?? 'not found'}`);
      continue;
    }
    try {
      compiled.push({ label: s.label, policy: compilePolicy(s.document) });
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
      notes.push(`${s.label}: ${err.message}`);
    }
  }
  if (compiled.length === 0) return { arn, name, admin: false, via: [], notes };
  const ev = evaluatePolicies(
    compiled.map((c) => c.policy),
    null,
    { skipEscalation: true },
  );
  const via = ev.fullAdmin
    ? ev.fullAdminBy.length > 0
      ? ev.fullAdminBy.map((i) => compiled[i]!.label)
      : [`together: ${ev.fullAdminTogether.map((i) => compiled[i]!.label).join(' + ')}`]
    : [];
  if (ev.limitedBy === 'deny') notes.push('its Allows grant every action, but an explicit Deny removes part of it');
  return { arn, name, admin: ev.fullAdmin, via, notes };
}

/** Every page of a NextToken listing (an error, never a shortened list, past {@link MAX_PAGES} pages). */
function allPages<T>(
  pool: ClientPool,
  service: 'sso-admin' | 'identitystore',
  operation: string,
  params: Record<string, unknown>,
  key: string,
  region: string,
): Promise<T[]> {
  return allTokenItems<T>(pool, service, operation, params, key, { region, maxPages: MAX_PAGES });
}

function partitionOf(arn: string): string {
  return /^arn:(aws[a-z-]*):/.exec(arn)?.[1] ?? 'aws';
}

/** Reads one permission set's policies and judges it. */
async function readPermissionSet(
  pool: ClientPool,
  instanceArn: string,
  arn: string,
  region: string,
  accountId: string,
  lookup: PolicyLookup,
): Promise<PermissionSetVerdict> {
  const base = { InstanceArn: instanceArn, PermissionSetArn: arn };
  const [described, managed, customer, inline] = await Promise.all([
    pool.call<{ PermissionSet?: { Name?: string } }>('sso-admin', 'DescribePermissionSet', base, region),
    allPages<{ Arn?: string; Name?: string }>(
      pool,
      'sso-admin',
      'ListManagedPoliciesInPermissionSet',
      base,
      'AttachedManagedPolicies',
      region,
    ),
    allPages<{ Name?: string; Path?: string }>(
      pool,
      'sso-admin',
      'ListCustomerManagedPolicyReferencesInPermissionSet',
      base,
      'CustomerManagedPolicyReferences',
      region,
    ),
    pool.call<{ InlinePolicy?: string }>('sso-admin', 'GetInlinePolicyForPermissionSet', base, region),
  ]);
  const sources: PolicySource[] = [];
  for (const m of managed) {
    if (!m.Arn) continue;
    const document = await lookup(m.Arn);
    sources.push({ label: `${m.Name ?? m.Arn} (AWS managed)`, document, missing: 'not found in IAM' });
  }
  for (const c of customer) {
    if (!c.Name) continue;
    const path = c.Path ?? '/';
    const policyArn = `arn:${partitionOf(instanceArn)}:iam::${accountId}:policy${path}${c.Name}`;
    const document = await lookup(policyArn);
    sources.push({
      label: `customer managed ${path}${c.Name}`,
      document,
      missing: 'no such policy in this account, so the permission set cannot be provisioned here',
    });
  }
  if (inline.InlinePolicy?.trim()) sources.push({ label: 'inline policy', document: inline.InlinePolicy });
  return judgePermissionSet(arn, described.PermissionSet?.Name ?? arn.split('/').pop() ?? arn, sources);
}

/** Why nothing was read, in words the assessment shows. */
function notRead(why: NotReadWhy, detail: string, region?: string): IdentityCenterNotRead {
  return { status: 'not-read', why, reason: detail, ...(region ? { region } : {}) };
}

/** Account type as the session classified it, when it did (read defensively: it may be absent). */
function accountType(ctx: StepContext): string | undefined {
  const t = (ctx.account as { type?: unknown }).type;
  return typeof t === 'string' ? t : undefined;
}

/** How often, and how far apart, a new assignment's creation status is polled before re-reading. */
const STATUS_POLLS = 10;
const STATUS_POLL_MS = 1000;

/**
 * Waits (a bounded number of polls) for assignment creations this session sent: AWS creates
 * assignments asynchronously (CreateAccountAssignment answers IN_PROGRESS). A creation that
 * FAILED or is still running after the polls is simply not counted by the re-read that follows.
 */
async function settlePending(ctx: StepContext, memo: SessionMemo): Promise<string[]> {
  const failures: string[] = [];
  const left = [...memo.idcPending];
  memo.idcPending.length = 0;
  for (const p of left) {
    for (let i = 0; i < STATUS_POLLS; i++) {
      const r = await ctx.pool
        .call<{ AccountAssignmentCreationStatus?: { Status?: string; FailureReason?: string } }>(
          'sso-admin',
          'DescribeAccountAssignmentCreationStatus',
          { InstanceArn: p.instanceArn, AccountAssignmentCreationRequestId: p.requestId },
          p.region,
        )
        .catch(() => undefined);
      const status = r?.AccountAssignmentCreationStatus?.Status;
      if (status === 'FAILED') failures.push(r?.AccountAssignmentCreationStatus?.FailureReason ?? 'no reason given');
      if (status !== 'IN_PROGRESS') break;
      await ctx.clock.sleep(STATUS_POLL_MS);
    }
  }
  return failures;
}

/**
 * Reads Identity Center for this account. Never throws for AWS's answers: a refusal, a missing
 * instance or any failed read becomes `not-read` with the reason.
 */
export async function readIdentityCenter(
  ctx: StepContext,
  policies: readonly ManagedPolicyDetail[] | undefined,
): Promise<IdentityCenterState> {
  const region = ctx.options.region;
  const type = accountType(ctx);
  if (ctx.options.orgMember)
    return notRead(
      'org-member-run',
      'a member account in an organization run: its Identity Center assignments are read from the management account',
    );
  if (type === 'standalone')
    return notRead(
      'standalone',
      'a standalone account: Identity Center gives access to AWS accounts only through an organization instance',
    );
  if (type === 'member')
    return notRead(
      'member',
      'a member account: the organization instance of Identity Center is readable only from the management ' +
        'account or its delegated administrator for Identity Center',
    );
  const pool = ctx.pool;
  const memo = ctx.memory(newMemo);
  try {
    if (memo.idcPending.length > 0) {
      const failed = await settlePending(ctx, memo);
      for (const f of failed) ctx.output.warn(`An Identity Center assignment failed: ${f}`);
    }
    const instances = await allPages<{
      InstanceArn?: string;
      IdentityStoreId?: string;
      OwnerAccountId?: string;
      Status?: string;
    }>(pool, 'sso-admin', 'ListInstances', {}, 'Instances', region);
    const org = (ctx.account as { organization?: { managementAccountId?: string } }).organization;
    const usable = instances.filter((i) => i.InstanceArn && i.IdentityStoreId && (i.Status ?? 'ACTIVE') === 'ACTIVE');
    const instance =
      usable.find((i) => org?.managementAccountId && i.OwnerAccountId === org.managementAccountId) ?? usable[0];
    if (!instance?.InstanceArn || !instance.IdentityStoreId) {
      return notRead(
        'no-instance',
        `no IAM Identity Center instance is visible from this account in ${region}: it is readable only from the ` +
          `management account or its delegated administrator, in the instance's region (run with --region REGION ` +
          `if it is elsewhere)`,
        region,
      );
    }
    const instanceArn = instance.InstanceArn;
    const storeId = instance.IdentityStoreId;
    const accountId = ctx.account.id;
    const lookup = policyLookup(pool, policies);
    const setArns = await allPages<string>(
      pool,
      'sso-admin',
      'ListPermissionSets',
      { InstanceArn: instanceArn },
      'PermissionSets',
      region,
    );
    const permissionSets = await mapLimit(setArns, CONCURRENCY, (arn) =>
      readPermissionSet(pool, instanceArn, arn, region, accountId, lookup),
    );
    const adminSets = permissionSets.filter((p) => p.admin);
    const assigned = await mapLimit(adminSets, CONCURRENCY, (ps) =>
      allPages<{ PrincipalType?: string; PrincipalId?: string }>(
        pool,
        'sso-admin',
        'ListAccountAssignments',
        { InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: ps.arn },
        'AccountAssignments',
        region,
      ),
    );
    const assignments: IdcAssignment[] = [];
    adminSets.forEach((ps, i) => {
      for (const a of assigned[i] ?? []) {
        if ((a.PrincipalType === 'USER' || a.PrincipalType === 'GROUP') && a.PrincipalId)
          assignments.push({ permissionSetArn: ps.arn, principalType: a.PrincipalType, principalId: a.PrincipalId });
      }
    });
    const groupIds = [...new Set(assignments.filter((a) => a.principalType === 'GROUP').map((a) => a.principalId))];
    const groupList = await mapLimit(groupIds, CONCURRENCY, async (id) => {
      const [g, members] = await Promise.all([
        pool
          .call<{ DisplayName?: string }>(
            'identitystore',
            'DescribeGroup',
            { IdentityStoreId: storeId, GroupId: id },
            region,
          )
          .catch((err: unknown) => {
            if (isNotFound(describeAwsError(err))) return {} as { DisplayName?: string };
            throw err;
          }),
        allPages<{ MemberId?: { UserId?: string } }>(
          pool,
          'identitystore',
          'ListGroupMemberships',
          { IdentityStoreId: storeId, GroupId: id },
          'GroupMemberships',
          region,
        ),
      ]);
      return {
        id,
        displayName: g.DisplayName ?? id,
        members: members.map((m) => m.MemberId?.UserId ?? '').filter(Boolean),
      };
    });
    const groups: IdentityCenterRead['groups'] = {};
    for (const g of groupList) groups[g.id] = { displayName: g.displayName, members: g.members };
    const userIds = [
      ...new Set([
        ...assignments.filter((a) => a.principalType === 'USER').map((a) => a.principalId),
        ...groupList.flatMap((g) => g.members),
      ]),
    ];
    const userList = await mapLimit(userIds, CONCURRENCY, async (id) => {
      try {
        const u = await pool.call<{ UserName?: string; DisplayName?: string }>(
          'identitystore',
          'DescribeUser',
          { IdentityStoreId: storeId, UserId: id },
          region,
        );
        return { id, userName: u.UserName ?? id, displayName: u.DisplayName };
      } catch (err) {
        if (isNotFound(describeAwsError(err))) return undefined;
        throw err;
      }
    });
    const users: IdentityCenterRead['users'] = {};
    for (const u of userList) {
      if (u) users[u.id] = { userName: u.userName, ...(u.displayName ? { displayName: u.displayName } : {}) };
    }
    // A user that no longer exists is not a person with access.
    const known = assignments.filter((a) => a.principalType === 'GROUP' || users[a.principalId]);
    for (const g of Object.values(groups)) g.members = g.members.filter((m) => users[m]);
    let inUse = known.length > 0;
    if (!inUse) {
      const some = await pool.call<{ Users?: unknown[] }>(
        'identitystore',
        'ListUsers',
        { IdentityStoreId: storeId, MaxResults: 1 },
        region,
      );
      inUse = (some.Users?.length ?? 0) > 0;
    }
    return {
      status: 'read',
      instanceArn,
      identityStoreId: storeId,
      region,
      ...(instance.OwnerAccountId ? { ownerAccountId: instance.OwnerAccountId } : {}),
      permissionSets,
      assignments: known,
      users,
      groups,
      inUse,
    };
  } catch (err) {
    const f = describeAwsError(err);
    const call = (err as { $rootlockCall?: { service: string; operation: string } }).$rootlockCall;
    const action = call ? `${call.service === 'sso-admin' ? 'sso' : call.service}:${call.operation}` : undefined;
    if (f.code === 'AccessDeniedException' || f.code === 'AccessDenied' || f.httpStatus === 403) {
      return notRead(
        'denied',
        `reading IAM Identity Center was refused${action ? ` (${action})` : ''}: it is readable only from the ` +
          `management account or its delegated administrator, with sso:List*/Describe*/Get* and identitystore ` +
          `read permissions`,
        region,
      );
    }
    return notRead(
      'error',
      `IAM Identity Center could not be read${action ? ` (${action})` : ''}: ${f.code}: ${f.message}`,
      region,
    );
  }
}

/** Identity Center users and groups to choose from when assigning, at most `max` of each. */
export async function listPrincipals(
  pool: ClientPool,
  ic: IdentityCenterRead,
  max = 500,
): Promise<{
  users: Array<{ id: string; userName: string; displayName?: string }>;
  groups: Array<{ id: string; displayName: string }>;
  truncated: boolean;
}> {
  const pages = Math.ceil(max / 100);
  const list = async <T>(operation: string, key: string): Promise<{ items: T[]; more: boolean }> => {
    const items: T[] = [];
    let token: string | undefined;
    for (let i = 0; i < pages; i++) {
      const r = await pool.call<Record<string, unknown>>(
        'identitystore',
        operation,
        { IdentityStoreId: ic.identityStoreId, MaxResults: 100, ...(token ? { NextToken: token } : {}) },
        ic.region,
      );
      items.push(...((r[key] as T[] | undefined) ?? []));
      token = typeof r.NextToken === 'string' && r.NextToken ? r.NextToken : undefined;
      if (!token) return { items, more: false };
    }
    return { items, more: true };
  };
  const [u, g] = await Promise.all([
    list<{ UserId?: string; UserName?: string; DisplayName?: string }>('ListUsers', 'Users'),
    list<{ GroupId?: string; DisplayName?: string }>('ListGroups', 'Groups'),
  ]);
  return {
    users: u.items
      .filter((x) => x.UserId && x.UserName)
      .map((x) => ({ id: x.UserId!, userName: x.UserName!, ...(x.DisplayName ? { displayName: x.DisplayName } : {}) }))
      .sort((a, b) => a.userName.localeCompare(b.userName)),
    groups: g.items
      .filter((x) => x.GroupId && x.DisplayName)
      .map((x) => ({ id: x.GroupId!, displayName: x.DisplayName! }))
      .sort((a, b) => a.displayName.localeCompare(b.displayName)),
    truncated: u.more || g.more,
  };
}
