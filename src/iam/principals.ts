/**
 * Who administers the account, decided from the output of
 * `iam:GetAccountAuthorizationDetails` alone (no further AWS calls): full admins,
 * shadow admins (can escalate to admin) and admin roles, each with the path that makes
 * it so, in words. The policy logic lives in ./evaluate.ts; this module gathers each
 * principal's policies, names them, and classifies roles by their trust policy.
 * docs/admin-analysis.md states exactly what counts. What a step then requires of these
 * principals (how many admins, which findings) is the step's own business.
 */
import type {
  AttachedPolicy,
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  ManagedPolicyDetail,
  PolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import { compilePolicy, evaluatePolicies, type CompiledPolicy, type PolicyEvaluation } from './evaluate.js';
import { parsePolicy, PolicyDocumentError } from './parse.js';

/** The parts of `GetAccountAuthorizationDetails` (all pages merged) the analysis reads. */
export type AuthorizationDetails = Pick<
  GetAccountAuthorizationDetailsResponse,
  'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'
>;

/** How a role is meant to be used, from its path and trust policy. */
export type RoleKind = 'sso' | 'cross-account' | 'service' | 'other';

/** The verdict on one IAM user or role. */
export interface PrincipalVerdict {
  kind: 'user' | 'role';
  name: string;
  arn: string;
  /** Allowed every action on every resource (docs/admin-analysis.md). */
  fullAdmin: boolean;
  /**
   * Each path that makes it a full admin or a shadow admin, in words:
   * `group Administrators: AdministratorAccess (AWS managed)`, `inline policy full-access`,
   * `customer managed policy arn:... (iam:PassRole, ec2:RunInstances)`,
   * `together: inline policy a + group Ops: inline policy b`. Empty for everyone else.
   */
  via: string[];
  /**
   * Escalation actions allowed (evaluate.ts `ESCALATION_ACTIONS`, then combos like
   * `iam:PassRole+ec2:RunInstances`); empty for full admins.
   */
  escalation: string[];
  /** Condition keys the verdict assumes satisfied (gated Allows) or not holding (conditional Denies). */
  assumedConditions: string[];
  /**
   * Other facts worth showing: a Deny or boundary that stops an otherwise full admin,
   * unreadable or missing policies.
   */
  notes: string[];
}

/** A role's verdict plus what its trust policy says. */
export interface RoleVerdict extends PrincipalVerdict {
  kind: 'role';
  roleKind: RoleKind;
  /** Path `/aws-service-role/`: created and owned by an AWS service, never listed as an admin. */
  serviceLinked: boolean;
  /** Account ids (or `*`) the trust policy lets assume the role, own account included. */
  trustedAccounts: string[];
  /** Service principals in the trust policy (`ec2.amazonaws.com`). */
  trustedServices: string[];
}

/** The result of {@link analyzeAdmins}. */
export interface AdminAnalysis {
  /** Every user, in input order. */
  users: PrincipalVerdict[];
  /** Every role, in input order, service-linked ones included. */
  roles: RoleVerdict[];
  /** IAM users that are full admins (roles are in `adminRoles`). */
  admins: PrincipalVerdict[];
  /** Users and non-service-linked roles that are not full admins but can escalate. */
  shadowAdmins: PrincipalVerdict[];
  /** Non-service-linked roles that are full admins, with their kind. */
  adminRoles: RoleVerdict[];
  /** Input problems: unreadable documents, policies referenced but absent, unknown groups. */
  warnings: string[];
}

/** A group whose policies alone make every member a full admin. */
export interface AdminGroup {
  name: string;
  arn: string;
  via: string[];
  /** Names of the users in the group. */
  members: string[];
}

/**
 * Merges the pages of `GetAccountAuthorizationDetails` into one. Entries are
 * concatenated in page order; a later duplicate (same ARN) is dropped.
 */
export function mergeAuthorizationDetails(pages: Iterable<AuthorizationDetails>): AuthorizationDetails {
  const merged: Required<AuthorizationDetails> = {
    UserDetailList: [],
    GroupDetailList: [],
    RoleDetailList: [],
    Policies: [],
  };
  const seen = new Set<string>();
  const add = <T extends { Arn?: string | undefined }>(into: T[], items: T[] | undefined, kind: string): void => {
    for (const item of items ?? []) {
      const key = item.Arn === undefined ? undefined : `${kind} ${item.Arn}`;
      if (key !== undefined && seen.has(key)) continue;
      if (key !== undefined) seen.add(key);
      into.push(item);
    }
  };
  for (const page of pages) {
    add(merged.UserDetailList, page.UserDetailList, 'u');
    add(merged.GroupDetailList, page.GroupDetailList, 'g');
    add(merged.RoleDetailList, page.RoleDetailList, 'r');
    add(merged.Policies, page.Policies, 'p');
  }
  return merged;
}

const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\//;
const ADMINISTRATOR_ACCESS = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;

/** One identity policy of a principal, with the words that name it. */
interface Source {
  label: string;
  policy: CompiledPolicy;
}

/**
 * Looks up and compiles policies once per input: a managed policy is compiled the
 * first time something references it (the input may list hundreds of AWS managed
 * policies nobody uses), then shared by every user, group and role it is attached to.
 */
class PolicyBook {
  readonly warnings: string[] = [];
  private readonly managed = new Map<string, ManagedPolicyDetail>();
  private readonly compiled = new Map<string, CompiledPolicy | null>();
  /**
   * Documents by their text: copies of one inline policy (IaC modules make many) share one
   * compiled policy and its profile.
   */
  private readonly byText = new Map<string, CompiledPolicy | null>();
  /** Trust policies by their text: most service roles share a handful. */
  readonly trust = new Map<string, TrustedBy>();
  private readonly groups = new Map<string, GroupDetail>();
  private readonly groupSources = new Map<string, Source[]>();

  constructor(details: AuthorizationDetails) {
    // Keyed by Arn: the moto emulator omits PolicyName and PolicyId.
    for (const p of details.Policies ?? []) if (p.Arn) this.managed.set(p.Arn, p);
    for (const g of details.GroupDetailList ?? []) if (g.GroupName) this.groups.set(g.GroupName, g);
  }

  hasGroup(name: string): boolean {
    return this.groups.has(name);
  }

  managedLabel(arn: string, name?: string): string {
    if (AWS_MANAGED.test(arn)) return `${name ?? arn.slice(arn.lastIndexOf('/') + 1)} (AWS managed)`;
    return `customer managed policy ${arn}`;
  }

  /** The compiled default version of a managed policy, or null (with a warning) when it cannot be had. */
  managedPolicy(arn: string): CompiledPolicy | null {
    if (this.compiled.has(arn)) return this.compiled.get(arn)!;
    let result: CompiledPolicy | null = null;
    const detail = this.managed.get(arn);
    if (!detail) {
      if (ADMINISTRATOR_ACCESS.test(arn)) {
        // Its document is fixed and public; a caller that did not ask for AWS managed
        // policies must not hide every admin.
        result = compilePolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
      } else {
        this.warnings.push(`managed policy ${arn} is attached but not in the input; it was not evaluated`);
      }
    } else {
      const versions = detail.PolicyVersionList ?? [];
      const version =
        versions.find((v) => v.VersionId !== undefined && v.VersionId === detail.DefaultVersionId) ??
        versions.find((v) => v.IsDefaultVersion) ??
        (versions.length === 1 ? versions[0] : undefined);
      if (!version?.Document) {
        this.warnings.push(`managed policy ${arn} has no default version document; it was not evaluated`);
      } else {
        result = this.compile(version.Document, `managed policy ${arn}`);
      }
    }
    this.compiled.set(arn, result);
    return result;
  }

  compile(document: string, what: string): CompiledPolicy | null {
    const known = this.byText.get(document);
    if (known !== undefined) {
      if (known === null) this.warnings.push(`${what}: unreadable policy document; it was not evaluated`);
      return known;
    }
    let result: CompiledPolicy | null = null;
    try {
      result = compilePolicy(document);
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
      this.warnings.push(`${what}: ${err.message}; it was not evaluated`);
    }
    this.byText.set(document, result);
    return result;
  }

  inline(list: PolicyDetail[] | undefined, owner: string, prefix: string): Source[] {
    const out: Source[] = [];
    for (const p of list ?? []) {
      if (!p.PolicyDocument) continue;
      const policy = this.compile(p.PolicyDocument, `inline policy ${p.PolicyName ?? '?'} of ${owner}`);
      if (policy) out.push({ label: `${prefix}inline policy ${p.PolicyName ?? '?'}`, policy });
    }
    return out;
  }

  attached(list: AttachedPolicy[] | undefined, prefix: string): Source[] {
    const out: Source[] = [];
    for (const a of list ?? []) {
      if (!a.PolicyArn) continue;
      const policy = this.managedPolicy(a.PolicyArn);
      if (policy) out.push({ label: `${prefix}${this.managedLabel(a.PolicyArn, a.PolicyName)}`, policy });
    }
    return out;
  }

  /** A group's own policies, labelled `group NAME: ...`; computed once per group. */
  groupPolicies(name: string): Source[] {
    let sources = this.groupSources.get(name);
    if (!sources) {
      const g = this.groups.get(name);
      const prefix = `group ${name}: `;
      sources = g
        ? [
            ...this.inline(g.GroupPolicyList, `group ${name}`, prefix),
            ...this.attached(g.AttachedManagedPolicies, prefix),
          ]
        : [];
      this.groupSources.set(name, sources);
    }
    return sources;
  }
}

function via(sources: readonly Source[], ev: PolicyEvaluation): string[] {
  if (ev.fullAdmin) {
    if (ev.fullAdminBy.length > 0) return ev.fullAdminBy.map((i) => sources[i]!.label);
    return [`together: ${ev.fullAdminTogether.map((i) => sources[i]!.label).join(' + ')}`];
  }
  // One line per policy, naming the escalation actions it allows.
  const byPolicy = new Map<number, string[]>();
  for (const action of ev.escalation) {
    for (const i of ev.escalationBy[action] ?? []) {
      const list = byPolicy.get(i) ?? [];
      list.push(action);
      byPolicy.set(i, list);
    }
  }
  return [...byPolicy.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([i, actions]) => `${sources[i]!.label} (${actions.join(', ')})`);
}

function verdict(
  kind: 'user' | 'role',
  name: string,
  arn: string,
  sources: readonly Source[],
  boundary: { arn: string; policy: CompiledPolicy | null } | undefined,
  notes: string[],
): PrincipalVerdict {
  const ev = evaluatePolicies(
    sources.map((s) => s.policy),
    boundary?.policy ?? null,
  );
  if (ev.limitedBy === 'deny') notes.push('its Allows grant every action, but an explicit Deny removes part of it');
  if (ev.limitedBy === 'boundary' && boundary) {
    notes.push(`its Allows grant every action, but permissions boundary ${boundary.arn} does not allow everything`);
  }
  return {
    kind,
    name,
    arn,
    fullAdmin: ev.fullAdmin,
    via: ev.fullAdmin || ev.escalation.length > 0 ? via(sources, ev) : [],
    escalation: ev.escalation,
    assumedConditions: ev.assumedConditionKeys,
    notes,
  };
}

function boundaryOf(
  book: PolicyBook,
  boundaryArn: string | undefined,
  notes: string[],
): { arn: string; policy: CompiledPolicy | null } | undefined {
  if (!boundaryArn) return undefined;
  const policy = book.managedPolicy(boundaryArn);
  // An unreadable boundary is ignored: better to over-report an admin than to hide one.
  if (!policy) notes.push(`permissions boundary ${boundaryArn} could not be read and was ignored`);
  return { arn: boundaryArn, policy };
}

function analyzeUser(book: PolicyBook, user: UserDetail): PrincipalVerdict {
  const name = user.UserName ?? '';
  const notes: string[] = [];
  const sources = [
    ...book.inline(user.UserPolicyList, `user ${name}`, ''),
    ...book.attached(user.AttachedManagedPolicies, ''),
  ];
  for (const g of user.GroupList ?? []) {
    if (!book.hasGroup(g)) {
      notes.push(`group ${g} is not in the input; its policies were not evaluated`);
      book.warnings.push(`user ${name} is in group ${g}, which is not in the input`);
    }
    sources.push(...book.groupPolicies(g));
  }
  const boundary = boundaryOf(book, user.PermissionsBoundary?.PermissionsBoundaryArn, notes);
  return verdict('user', name, user.Arn ?? '', sources, boundary, notes);
}

/** What a trust policy says about who may assume the role. */
export interface TrustSummary {
  roleKind: RoleKind;
  serviceLinked: boolean;
  trustedAccounts: string[];
  trustedServices: string[];
}

function accountOfAwsPrincipal(value: string): string | undefined {
  if (value === '*') return '*';
  if (/^\d{12}$/.test(value)) return value;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(value);
  // Anything else is a unique id (AIDA..., AROA...) left behind by a deleted principal.
  return m?.[1];
}

/** Who a trust policy lets in: AWS account ids (or `*`) and service principals. */
export interface TrustedBy {
  accounts: string[];
  services: string[];
}

function trustedBy(document: string | undefined): TrustedBy {
  const accounts = new Set<string>();
  const services = new Set<string>();
  if (document) {
    try {
      for (const st of parsePolicy(document).statements) {
        if (st.effect !== 'Allow' || !st.principal) continue;
        for (const v of st.principal['AWS'] ?? []) {
          const account = accountOfAwsPrincipal(v);
          if (account) accounts.add(account);
        }
        for (const v of st.principal['Service'] ?? []) services.add(v);
      }
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
      // An unreadable trust policy leaves the role unclassified ('other').
    }
  }
  return { accounts: [...accounts].sort(), services: [...services].sort() };
}

/**
 * Classifies a role: `sso` (IAM Identity Center permission-set role, path
 * `/aws-reserved/sso.amazonaws.com/`), `cross-account` (trust policy Allows an AWS
 * principal of another account, or `*`), `service` (trusts a service principal), else
 * `other` (own-account principals, SAML or web-identity federation). The first that
 * applies wins, in that order. Service-linked roles (path `/aws-service-role/`) are
 * flagged separately.
 */
export function classifyRole(
  role: RoleDetail,
  /** Parsed trust policies by text, shared across calls (many roles share one trust policy). */
  cache?: Map<string, TrustedBy>,
): TrustSummary {
  const path = role.Path ?? '/';
  const ownAccount = (role.Arn ?? '').split(':')[4] ?? '';
  const text = role.AssumeRolePolicyDocument ?? '';
  let trusted = cache?.get(text);
  if (!trusted) {
    trusted = trustedBy(text);
    cache?.set(text, trusted);
  }
  // Copies: a caller may change its lists without touching the cache.
  const trustedAccounts = [...trusted.accounts];
  const trustedServices = [...trusted.services];
  let roleKind: RoleKind = 'other';
  if (path.startsWith('/aws-reserved/sso.amazonaws.com/')) roleKind = 'sso';
  else if (trustedAccounts.some((a) => a !== ownAccount)) roleKind = 'cross-account';
  else if (trustedServices.length > 0) roleKind = 'service';
  return { roleKind, serviceLinked: path.startsWith('/aws-service-role/'), trustedAccounts, trustedServices };
}

function analyzeRole(book: PolicyBook, role: RoleDetail): RoleVerdict {
  const name = role.RoleName ?? '';
  const notes: string[] = [];
  const sources = [
    ...book.inline(role.RolePolicyList, `role ${name}`, ''),
    ...book.attached(role.AttachedManagedPolicies, ''),
  ];
  const boundary = boundaryOf(book, role.PermissionsBoundary?.PermissionsBoundaryArn, notes);
  const v = verdict('role', name, role.Arn ?? '', sources, boundary, notes);
  const t = classifyRole(role, book.trust);
  return {
    kind: 'role',
    name: v.name,
    arn: v.arn,
    fullAdmin: v.fullAdmin,
    via: v.via,
    escalation: v.escalation,
    assumedConditions: v.assumedConditions,
    notes: v.notes,
    roleKind: t.roleKind,
    serviceLinked: t.serviceLinked,
    trustedAccounts: t.trustedAccounts,
    trustedServices: t.trustedServices,
  };
}

/**
 * Decides, for every user and role in the (merged) authorization details, whether it
 * is a full admin, a shadow admin, or neither, and why. Users are judged on their
 * inline and attached policies plus those of each group they are in, within their
 * permissions boundary; roles on their inline and attached policies within theirs.
 * Pure: no AWS calls; every managed policy is compiled once.
 */
export function analyzeAdmins(details: AuthorizationDetails): AdminAnalysis {
  const book = new PolicyBook(details);
  const users = (details.UserDetailList ?? []).map((u) => analyzeUser(book, u));
  const roles = (details.RoleDetailList ?? []).map((r) => analyzeRole(book, r));
  const countable = roles.filter((r) => !r.serviceLinked);
  return {
    users,
    roles,
    admins: users.filter((u) => u.fullAdmin),
    shadowAdmins: [...users, ...countable].filter((p) => !p.fullAdmin && p.escalation.length > 0),
    adminRoles: countable.filter((r) => r.fullAdmin),
    warnings: [...new Set(book.warnings)],
  };
}

/**
 * Groups whose own policies (inline and attached, no boundary: groups have none) make
 * every member a full admin, with their members. A member whose permissions boundary
 * narrows this is still listed: the group grants admin, the boundary is the user's.
 */
export function adminGroupsOf(details: AuthorizationDetails): AdminGroup[] {
  const book = new PolicyBook(details);
  const members = new Map<string, string[]>();
  for (const u of details.UserDetailList ?? []) {
    for (const g of u.GroupList ?? []) {
      const list = members.get(g) ?? [];
      list.push(u.UserName ?? '');
      members.set(g, list);
    }
  }
  const out: AdminGroup[] = [];
  for (const g of details.GroupDetailList ?? []) {
    if (!g.GroupName) continue;
    const sources = book.groupPolicies(g.GroupName);
    const ev = evaluatePolicies(
      sources.map((s) => s.policy),
      null,
      { skipEscalation: true },
    );
    if (!ev.fullAdmin) continue;
    out.push({ name: g.GroupName, arn: g.Arn ?? '', via: via(sources, ev), members: members.get(g.GroupName) ?? [] });
  }
  return out;
}
