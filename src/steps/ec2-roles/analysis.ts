/**
 * Pure analysis for the ec2-roles step: turns EC2 and IAM responses into domain facts
 * (which instance has which role, which roles EC2 may assume, which of those are full
 * admins) and those facts into findings. No AWS calls here; read.ts fetches, this decides.
 */
import type { IamInstanceProfileAssociation, Instance, Region, Reservation } from '@aws-sdk/client-ec2';
import type { ManagedPolicyDetail, RoleDetail } from '@aws-sdk/client-iam';
import type { Assessment, Finding } from '../../engine/types.js';
import { parsePolicy, PolicyDocumentError } from '../../iam/parse.js';
import { actionMatches } from '../../iam/patterns.js';
import { analyzeAdmins } from '../../iam/principals.js';
import { sanitize } from '../../util/text.js';
import { INSTANCE_ROLE_CONTROLS } from './meta.js';

/** Instance states the step looks at: everything that can run again. Terminated instances cannot be fixed. */
export const SCANNED_STATES = ['pending', 'running', 'stopping', 'stopped'] as const;

/** The service principal EC2 uses to assume an instance role. */
export const EC2_SERVICE = 'ec2.amazonaws.com';

/** Control ids for "use IAM instance roles" (CIS renumbered it in v5). */

/** One EC2 instance as the step sees it. */
export interface Ec2Instance {
  id: string;
  region: string;
  /** The Name tag, raw (account-controlled: sanitize before printing). */
  name?: string;
  state: string;
  /** ARN of the associated instance profile, if any. */
  instanceProfileArn?: string;
  /** The association id (needed to replace the profile), when DescribeIamInstanceProfileAssociations listed one. */
  associationId?: string;
  /** `associating` / `associated` (from the association), when known. */
  associationState?: string;
}

/** A region whose instances could not be listed. */
export interface RegionError {
  region: string;
  code: string;
  message: string;
  /** `ec2:DescribeInstances` when the call was denied. */
  deniedAction?: string;
}

/** An instance profile and the role(s) in it, from GetAccountAuthorizationDetails. */
export interface ProfileInfo {
  name: string;
  arn: string;
  /** AWS allows one role per instance profile; a list because the API shape is a list. */
  roleNames: string[];
}

/** What the step knows about one IAM role. */
export interface RoleInfo {
  name: string;
  arn: string;
  /** Path `/aws-service-role/`: owned by an AWS service, never offered for reuse. */
  serviceLinked: boolean;
  /** The trust policy Allows `ec2.amazonaws.com` to call sts:AssumeRole. */
  trustsEc2: boolean;
  /** Instance profiles the role is in (sorted by name). */
  profiles: Array<{ name: string; arn: string }>;
  /** Allowed every action on every resource, per the principal analysis (src/iam/principals.ts). */
  fullAdmin: boolean;
  /** Why it is a full admin, in words (from the principal analysis). */
  adminVia: string[];
  /** Managed policies attached plus inline policies: 0 means instances with this role get no permissions. */
  policyCount: number;
}

/** Everything the step reads. */
export interface Ec2RolesState {
  accountId: string;
  partition: string;
  /** Regions scanned, sorted. */
  regions: string[];
  /** Instances in the scanned regions, sorted by region then id. */
  instances: Ec2Instance[];
  regionErrors: RegionError[];
  roles: RoleInfo[];
  /** Customer managed policies of the account (offered when creating a role). */
  customerPolicies: Array<{ arn: string; name: string }>;
}

/** An instance joined with its profile and role. */
export interface InstanceView extends Ec2Instance {
  profile?: ProfileInfo;
  /** The role EC2 hands the instance; undefined when there is no profile or the profile holds no role. */
  role?: RoleInfo;
}

/* ------------------------------------------------------------------------------------ */
/* EC2 responses                                                                        */
/* ------------------------------------------------------------------------------------ */

/**
 * Regions to scan from DescribeRegions. AWS answers only enabled regions when
 * `AllRegions` is not set; the emulator also lists `not-opted-in` ones, so the opt-in
 * status is checked here too (a region that is not enabled cannot hold instances).
 */
export function enabledRegions(regions: readonly Region[] | undefined): string[] {
  const out = new Set<string>();
  for (const r of regions ?? []) {
    if (!r.RegionName) continue;
    const status = r.OptInStatus;
    if (status === undefined || status === 'opt-in-not-required' || status === 'opted-in') out.add(r.RegionName);
  }
  return [...out].sort();
}

/** The instances of DescribeInstances pages for one region. */
export function instancesOf(region: string, reservations: readonly Reservation[] | undefined): Ec2Instance[] {
  const out: Ec2Instance[] = [];
  for (const res of reservations ?? []) {
    for (const i of res.Instances ?? []) {
      if (!i.InstanceId) continue;
      out.push(toInstance(region, i));
    }
  }
  return out;
}

function toInstance(region: string, i: Instance): Ec2Instance {
  const name = i.Tags?.find((t) => t.Key === 'Name')?.Value;
  const inst: Ec2Instance = { id: i.InstanceId ?? '', region, state: i.State?.Name ?? 'unknown' };
  if (name !== undefined) inst.name = name;
  if (i.IamInstanceProfile?.Arn) inst.instanceProfileArn = i.IamInstanceProfile.Arn;
  return inst;
}

/** Association states that mean "this instance has (or is getting) this profile". */
const LIVE_ASSOCIATION_STATES = new Set(['associating', 'associated']);

/**
 * Folds DescribeIamInstanceProfileAssociations into the instances of one region. The
 * association is authoritative for the profile: right after AssociateIamInstanceProfile
 * it says `associating` before DescribeInstances may show the profile, and it carries
 * the association id that ReplaceIamInstanceProfileAssociation needs. Associations
 * being removed (`disassociating`, `disassociated`) are ignored.
 */
export function withAssociations(
  instances: readonly Ec2Instance[],
  associations: readonly IamInstanceProfileAssociation[] | undefined,
): Ec2Instance[] {
  const live = new Map<string, IamInstanceProfileAssociation>();
  for (const a of associations ?? []) {
    if (a.InstanceId && LIVE_ASSOCIATION_STATES.has(a.State ?? '')) live.set(a.InstanceId, a);
  }
  return instances.map((i) => {
    const a = live.get(i.id);
    if (!a) return { ...i };
    const out: Ec2Instance = { ...i };
    if (a.IamInstanceProfile?.Arn) out.instanceProfileArn = a.IamInstanceProfile.Arn;
    if (a.AssociationId) out.associationId = a.AssociationId;
    if (a.State) out.associationState = a.State;
    return out;
  });
}

/** Sorts instances by region, then id (stable output for reports and tests). */
export function sortInstances<T extends { region: string; id: string }>(list: T[]): T[] {
  return list.sort((a, b) => a.region.localeCompare(b.region) || a.id.localeCompare(b.id));
}

/* ------------------------------------------------------------------------------------ */
/* IAM                                                                                  */
/* ------------------------------------------------------------------------------------ */

/**
 * Whether a trust policy lets EC2 assume the role: an Allow statement whose Service
 * principal is `ec2.amazonaws.com` (or the China partition's `ec2.amazonaws.com.cn`)
 * and whose actions cover `sts:AssumeRole`. Conditions are not evaluated (EC2 rarely
 * meets them in a way we can judge offline); an unreadable document trusts nobody.
 */
export function trustsEc2(document: string | undefined): boolean {
  if (!document) return false;
  let statements;
  try {
    statements = parsePolicy(document).statements;
  } catch (err) {
    if (err instanceof PolicyDocumentError) return false;
    throw err;
  }
  return statements.some(
    (st) =>
      st.effect === 'Allow' &&
      (st.principal?.['Service'] ?? []).some((s) => s === EC2_SERVICE || s === `${EC2_SERVICE}.cn`) &&
      (st.action ?? []).some((a) => actionMatches(a, 'sts:AssumeRole')),
  );
}

/**
 * Roles with their instance profiles, trust and admin verdicts. The admin verdict is
 * the pure principal analysis over the roles and managed policies alone (users and
 * groups do not bear on what a role may do).
 */
export function analyzeRoles(roles: readonly RoleDetail[], policies: readonly ManagedPolicyDetail[]): RoleInfo[] {
  const verdicts = analyzeAdmins({ RoleDetailList: [...roles], Policies: [...policies] }).roles;
  const byArn = new Map(verdicts.map((v) => [v.arn, v]));
  return roles
    .filter((r) => r.RoleName && r.Arn)
    .map((r) => {
      const v = byArn.get(r.Arn ?? '');
      const profiles = (r.InstanceProfileList ?? [])
        .filter((p) => p.InstanceProfileName && p.Arn)
        .map((p) => ({ name: p.InstanceProfileName ?? '', arn: p.Arn ?? '' }))
        .sort((a, b) => a.name.localeCompare(b.name));
      return {
        name: r.RoleName ?? '',
        arn: r.Arn ?? '',
        serviceLinked: (r.Path ?? '/').startsWith('/aws-service-role/'),
        trustsEc2: trustsEc2(r.AssumeRolePolicyDocument),
        profiles,
        fullAdmin: v?.fullAdmin ?? false,
        adminVia: v?.via ?? [],
        policyCount: (r.AttachedManagedPolicies?.length ?? 0) + (r.RolePolicyList?.length ?? 0),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Instance profiles by ARN, built from the roles' InstanceProfileList (no per-profile
 * IAM calls). A profile that holds no role appears under no role, so it is absent here:
 * an instance whose profile is not found has no role as far as AWS credentials go.
 */
export function profilesByArn(roles: readonly RoleInfo[]): Map<string, ProfileInfo> {
  const out = new Map<string, ProfileInfo>();
  for (const r of roles) {
    for (const p of r.profiles) {
      const known = out.get(p.arn);
      if (known) known.roleNames.push(r.name);
      else out.set(p.arn, { name: p.name, arn: p.arn, roleNames: [r.name] });
    }
  }
  return out;
}

/** Joins each instance with its profile and role. */
export function viewInstances(state: Pick<Ec2RolesState, 'instances' | 'roles'>): InstanceView[] {
  const profiles = profilesByArn(state.roles);
  const roles = new Map(state.roles.map((r) => [r.name, r]));
  return state.instances.map((i) => {
    const view: InstanceView = { ...i };
    if (!i.instanceProfileArn) return view;
    const profile = profiles.get(i.instanceProfileArn);
    if (profile) {
      view.profile = profile;
      const role = profile.roleNames.map((n) => roles.get(n)).find((r) => r !== undefined);
      if (role) view.role = role;
    }
    return view;
  });
}

/** The last path segment of an instance profile ARN (its name), for profiles IAM did not list. */
export function profileNameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Roles EC2 may assume that could be given to instances: EC2-trusted, not service-linked. Admin roles last. */
export function reusableRoles(roles: readonly RoleInfo[]): RoleInfo[] {
  return roles
    .filter((r) => r.trustsEc2 && !r.serviceLinked)
    .sort((a, b) => Number(a.fullAdmin) - Number(b.fullAdmin) || a.name.localeCompare(b.name));
}

/* ------------------------------------------------------------------------------------ */
/* Words                                                                                */
/* ------------------------------------------------------------------------------------ */

/** `i-0abc ("web-1")`: an instance for messages, its Name tag sanitized and shortened. */
export function instanceLabel(i: Pick<Ec2Instance, 'id' | 'name'>): string {
  return i.name ? `${i.id} ("${sanitize(i.name, { maxLength: 60 })}")` : i.id;
}

/** The instance's ARN. */
export function instanceArn(partition: string, accountId: string, i: Pick<Ec2Instance, 'id' | 'region'>): string {
  return `arn:${partition}:ec2:${i.region}:${accountId}:instance/${i.id}`;
}

/** The partition (`aws`, `aws-cn`, `aws-us-gov`) of an ARN; `aws` when it cannot tell. */
export function partitionOf(arn: string | undefined): string {
  const m = /^arn:(aws[a-z-]*):/.exec(arn ?? '');
  return m?.[1] ?? 'aws';
}

/* ------------------------------------------------------------------------------------ */
/* Assessment                                                                           */
/* ------------------------------------------------------------------------------------ */

/** The `details` object of the check JSON (docs/steps/ec2-roles.md). */
export interface Ec2RolesDetails {
  regions: string[];
  instances: Array<{
    id: string;
    region: string;
    name: string | null;
    state: string;
    instanceProfileArn: string | null;
    roleName: string | null;
  }>;
  regionErrors?: RegionError[];
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Findings and status:
 * - `fail` per instance without an instance profile, or whose profile holds no role;
 * - `fail` per region whose instances could not be listed (the step cannot vouch for it);
 *   every scanned region unreadable: status `error`;
 * - `warn` per instance role that is a full admin (the instances using it are listed);
 * - `info` per role EC2 may assume that is in no instance profile (unusable by EC2 as is);
 * - no instances and no unreadable region: `pass`, saying so.
 */
export function assessEc2Roles(state: Ec2RolesState): Assessment {
  const views = viewInstances(state);
  const findings: Finding[] = [];
  const { partition, accountId } = state;

  for (const e of state.regionErrors) {
    const why = e.deniedAction ? `access denied for ${e.deniedAction}` : `${e.code}: ${e.message}`;
    findings.push({
      id: 'ec2-roles.region-unreadable',
      kind: 'fail',
      severity: 'high',
      resource: `arn:${partition}:ec2:${e.region}:${accountId}:instance/*`,
      message: `Could not list the EC2 instances in ${e.region} (${why}); its instances were not checked.`,
      controls: INSTANCE_ROLE_CONTROLS,
      remediation: e.deniedAction
        ? `Allow ${e.deniedAction} (and ec2:DescribeIamInstanceProfileAssociations) in ${e.region} for this ` +
          `principal, or leave the region out with --regions.`
        : `Check that ${e.region} is enabled and reachable, then run again.`,
    });
  }

  const missing = views.filter((v) => !v.instanceProfileArn);
  const roleless = views.filter((v) => v.instanceProfileArn && !v.role);
  for (const v of missing) {
    findings.push({
      id: 'ec2-roles.no-instance-profile',
      kind: 'fail',
      severity: 'medium',
      resource: instanceArn(partition, accountId, v),
      message:
        `Instance ${instanceLabel(v)} in ${v.region} (${v.state}) has no IAM instance profile, so software on ` +
        `it has no role credentials and tends to get long-lived access keys instead.`,
      controls: INSTANCE_ROLE_CONTROLS,
      remediation:
        'Attach an instance profile whose role grants what the instance needs (rootlock can create one with ' +
        'AmazonSSMManagedInstanceCore).',
    });
  }
  for (const v of roleless) {
    findings.push({
      id: 'ec2-roles.profile-without-role',
      kind: 'fail',
      severity: 'medium',
      resource: instanceArn(partition, accountId, v),
      message:
        `Instance ${instanceLabel(v)} in ${v.region} (${v.state}) has instance ` +
        `profile ${sanitize(profileNameFromArn(v.instanceProfileArn ?? ''))}, which holds no IAM role (or no longer ` +
        `exists), so the instance gets no role credentials.`,
      controls: INSTANCE_ROLE_CONTROLS,
      remediation: 'Add a role to that instance profile, or replace the association with a profile that has one.',
    });
  }

  const adminUse = new Map<string, { role: RoleInfo; instances: InstanceView[] }>();
  for (const v of views) {
    if (!v.role?.fullAdmin) continue;
    const entry = adminUse.get(v.role.name) ?? { role: v.role, instances: [] };
    entry.instances.push(v);
    adminUse.set(v.role.name, entry);
  }
  for (const { role, instances } of adminUse.values()) {
    // At most 3 named: the terminal shows 300 characters of a message; details list them all.
    const shown = instances.slice(0, 3).map(instanceLabel).join(', ');
    const more = instances.length > 3 ? ` and ${instances.length - 3} more` : '';
    findings.push({
      id: 'ec2-roles.admin-instance-role',
      kind: 'warn',
      severity: 'high',
      resource: role.arn,
      message:
        `Instance role ${sanitize(role.name)} has full administrator rights ` +
        `(${role.adminVia.map((s) => sanitize(s)).join('; ') || 'allows * on *'}); anyone who can run code ` +
        `on ${shown}${more} can act as an administrator of the account.`,
      controls: [],
      remediation:
        'Give these instances a role scoped to what they do (replace the instance profile association), or narrow ' +
        "the role's policies.",
    });
  }

  const used = new Set(views.map((v) => v.role?.name).filter((n): n is string => n !== undefined));
  for (const r of state.roles) {
    if (!r.trustsEc2 || r.serviceLinked || r.profiles.length > 0 || used.has(r.name)) continue;
    findings.push({
      id: 'ec2-roles.role-without-profile',
      kind: 'info',
      severity: 'info',
      resource: r.arn,
      message:
        `Role ${sanitize(r.name)} trusts ec2.amazonaws.com but is in no instance profile, so no instance can ` +
        `use it yet.`,
      controls: [],
      remediation:
        'Create an instance profile for it (rootlock does this when you pick the role), or delete the role if ' +
        'nothing needs it.',
    });
  }

  const scanned = state.regions.length;
  const readable = scanned - state.regionErrors.length;
  const failing = missing.length + roleless.length;
  let status: Assessment['status'];
  let summary: string;
  if (scanned > 0 && readable === 0) {
    status = 'error';
    summary = `Could not list EC2 instances in any of the ${plural(scanned, 'region')} scanned.`;
  } else {
    const unread =
      state.regionErrors.length > 0 ? ` ${plural(state.regionErrors.length, 'region')} could not be read.` : '';
    if (views.length === 0) {
      summary =
        `No EC2 instances (pending, running, stopping or stopped) in ${plural(readable, 'region')}: nothing ` +
        `needs an instance role.${unread}`;
    } else if (failing === 0) {
      summary =
        `All ${plural(views.length, 'instance')} in ${plural(readable, 'region')} ` + `have an instance role.${unread}`;
    } else {
      summary =
        `${failing} of ${plural(views.length, 'instance')} in ${plural(readable, 'region')} have no instance ` +
        `role.${unread}`;
    }
    status = failing > 0 || state.regionErrors.length > 0 ? 'fail' : 'pass';
  }

  const details: Ec2RolesDetails = {
    regions: [...state.regions],
    instances: views.map((v) => ({
      id: v.id,
      region: v.region,
      name: v.name ?? null,
      state: v.state,
      instanceProfileArn: v.instanceProfileArn ?? null,
      roleName: v.role?.name ?? null,
    })),
  };
  if (state.regionErrors.length > 0) details.regionErrors = state.regionErrors.map((e) => ({ ...e }));
  return { status, summary, findings, details: details as unknown as Record<string, unknown> };
}
