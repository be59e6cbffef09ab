/**
 * The admins rule, as a pure function of the state read: fewer than 2 full-admin IAM
 * users fails, more than 3 admins plus shadow admins fails, half-done users rootlock
 * created fail; everything else is a warning or context, mapped to CIS and Security Hub.
 */
import type { PasswordPolicy } from '@aws-sdk/client-iam';
import { controls } from '../../engine/controls.js';
import type { Assessment, Finding } from '../../engine/types.js';
import { compilePolicy, grantsFullAccess } from '../../iam/evaluate.js';
import { PolicyDocumentError } from '../../iam/parse.js';
import type { PrincipalVerdict, RoleVerdict } from '../../iam/principals.js';
import { daysSince, isoDay } from '../../util/time.js';
import type { UserCredentials } from './credentials.js';
import { identityCenterAdmins, type IdcAdmin, type IdentityCenterState } from './identity-center.js';
import { KEY_MAX_AGE_DAYS, MAX_ADMINS, MIN_ADMINS, STRONG_PASSWORD_POLICY, UNUSED_DAYS } from './meta.js';
import type { AdminsState } from './read.js';

/** What the assessment needs besides the state. */
export interface AssessEnv {
  accountId: string;
  now: Date;
}

/** One admin in the check JSON `details.admins`. */
export interface AdminDetail {
  name: string;
  arn: string;
  via: string[];
  consoleAccess: boolean | null;
  mfa: boolean | null;
  lastActivity: string | null;
  accessKeys: Array<{ active: boolean; createdAt: string | null; ageDays: number | null; lastUsed: string | null }>;
  createdByRootlock: boolean;
}

/** One shadow admin in `details.shadowAdmins`. */
export interface ShadowDetail extends Omit<AdminDetail, 'accessKeys' | 'createdByRootlock'> {
  kind: 'user' | 'role';
  escalation: string[];
  /** Counts against the limit of 3 (IAM users do; roles are listed only). */
  counted: boolean;
}

/** One admin role in `details.adminRoles`. */
export interface AdminRoleDetail {
  name: string;
  arn: string;
  roleKind: RoleVerdict['roleKind'];
  via: string[];
  trustedAccounts: string[];
  trustedServices: string[];
}

const AWS_MANAGED = /^arn:aws[a-z-]*:iam::aws:policy\//;

function day(iso: string | undefined): string {
  return iso ? isoDay(iso) : 'never';
}

/** "alice (admin, last activity 2025-01-02)" */
export function describeActivity(name: string, role: string, creds: UserCredentials | undefined): string {
  return `${name} (${role}, last activity ${creds ? day(creds.lastActivity) : 'unknown'})`;
}

function adminDetail(v: PrincipalVerdict, state: AdminsState, now: Date): AdminDetail {
  const c = state.credentials[v.name];
  return {
    name: v.name,
    arn: v.arn,
    via: v.via,
    consoleAccess: c ? c.consoleAccess : null,
    mfa: c ? c.mfa : null,
    lastActivity: c?.lastActivity ?? null,
    accessKeys: (c?.accessKeys ?? []).map((k) => ({
      active: k.active,
      createdAt: k.createdAt ?? null,
      ageDays: k.createdAt ? daysSince(k.createdAt, now) : null,
      lastUsed: k.lastUsed ?? null,
    })),
    createdByRootlock: state.createdByRootlock.includes(v.name),
  };
}

function shadowDetail(v: PrincipalVerdict, state: AdminsState): ShadowDetail {
  const c = v.kind === 'user' ? state.credentials[v.name] : undefined;
  return {
    kind: v.kind,
    name: v.name,
    arn: v.arn,
    via: v.via,
    escalation: v.escalation,
    consoleAccess: c ? c.consoleAccess : null,
    mfa: c ? c.mfa : null,
    lastActivity: c?.lastActivity ?? null,
    counted: v.kind === 'user',
  };
}

/** Customer managed policies that allow every action on every resource, with what they are attached to. */
export function fullAccessCustomerPolicies(state: AdminsState): Array<{ arn: string; attachedTo: string[] }> {
  const attached = new Map<string, string[]>();
  const note = (arn: string | undefined, who: string): void => {
    if (!arn) return;
    attached.set(arn, [...(attached.get(arn) ?? []), who]);
  };
  for (const u of state.details.UserDetailList ?? [])
    for (const p of u.AttachedManagedPolicies ?? []) note(p.PolicyArn, `user ${u.UserName}`);
  for (const g of state.details.GroupDetailList ?? [])
    for (const p of g.AttachedManagedPolicies ?? []) note(p.PolicyArn, `group ${g.GroupName}`);
  for (const r of state.details.RoleDetailList ?? [])
    for (const p of r.AttachedManagedPolicies ?? []) note(p.PolicyArn, `role ${r.RoleName}`);
  const out: Array<{ arn: string; attachedTo: string[] }> = [];
  for (const p of state.details.Policies ?? []) {
    if (!p.Arn || AWS_MANAGED.test(p.Arn)) continue;
    const to = attached.get(p.Arn);
    if (!to) continue; // CIS v5.0.0 1.15 is about attached policies
    const versions = p.PolicyVersionList ?? [];
    const doc = (versions.find((v) => v.VersionId === p.DefaultVersionId) ?? versions.find((v) => v.IsDefaultVersion))
      ?.Document;
    if (!doc) continue;
    try {
      if (grantsFullAccess(compilePolicy(doc))) out.push({ arn: p.Arn, attachedTo: to });
    } catch (err) {
      if (!(err instanceof PolicyDocumentError)) throw err;
    }
  }
  return out;
}

/** How an existing password policy falls short of CIS v5.0.0 1.7 / 1.8 (empty when it does not). */
export function passwordPolicyGaps(p: PasswordPolicy): Array<{ gap: string; controls: string[] }> {
  const gaps: Array<{ gap: string; controls: string[] }> = [];
  if ((p.MinimumPasswordLength ?? 0) < STRONG_PASSWORD_POLICY.MinimumPasswordLength) {
    gaps.push({
      gap:
        `minimum length is ${p.MinimumPasswordLength ?? 'unset'}, ` +
        `below ${STRONG_PASSWORD_POLICY.MinimumPasswordLength}`,
      controls: controls('password-length'),
    });
  }
  if ((p.PasswordReusePrevention ?? 0) < STRONG_PASSWORD_POLICY.PasswordReusePrevention) {
    gaps.push({
      gap:
        `reuse prevention remembers ${p.PasswordReusePrevention ?? 0} passwords, ` +
        `below ${STRONG_PASSWORD_POLICY.PasswordReusePrevention}`,
      controls: controls('password-reuse'),
    });
  }
  const classes = [
    ['uppercase letters', p.RequireUppercaseCharacters],
    ['lowercase letters', p.RequireLowercaseCharacters],
    ['numbers', p.RequireNumbers],
    ['symbols', p.RequireSymbols],
  ] as const;
  const missing = classes.filter(([, on]) => !on).map(([what]) => what);
  if (missing.length)
    gaps.push({ gap: `does not require ${missing.join(', ')}`, controls: controls('password-complexity') });
  return gaps;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The assessment of the admins step. Pure. */
export function assessAdmins(state: AdminsState, env: AssessEnv): Assessment {
  const { analysis } = state;
  const findings: Finding[] = [];
  const account = env.accountId;
  const admins = analysis.admins;
  const shadowUsers = analysis.shadowAdmins.filter((s) => s.kind === 'user');
  const shadowRoles = analysis.shadowAdmins.filter((s) => s.kind === 'role');
  const creds = (name: string): UserCredentials | undefined => state.credentials[name];
  const ic = state.identityCenter;
  const idcAdmins = identityCenterAdmins(ic);
  // Identity Center speaks for people here when it was read and is in use (or names admins).
  const idcInUse = ic?.status === 'read' && (ic.inUse || idcAdmins.length > 0);
  const people = admins.length + idcAdmins.length;
  const total = people + shadowUsers.length;

  // The rule: it applies to people, IAM users and Identity Center users alike.
  if (idcInUse && people < MIN_ADMINS) {
    findings.push({
      id: 'admins.too-few',
      kind: 'fail',
      severity: 'high',
      resource: account,
      message:
        `${plural(people, 'person has', 'people have')} full admin on this account ` +
        `(${describePeople(admins, idcAdmins)}); at least ${MIN_ADMINS} are needed so that losing one person or ` +
        `device does not mean a return to root.`,
      controls: controls('root-use'),
      remediation:
        'Assign Identity Center users or groups an admin permission set on this account (rootlock offers to), or ' +
        'create a break-glass IAM admin user.',
    });
  } else if (people < MIN_ADMINS) {
    findings.push({
      id: 'admins.too-few',
      kind: 'fail',
      severity: 'high',
      resource: account,
      message:
        admins.length === 0
          ? `No IAM user is a full administrator; at least ${MIN_ADMINS} are needed before the root user steps aside.`
          : `Only 1 IAM user is a full administrator (${admins[0]!.name}); at least ${MIN_ADMINS} are needed so that ` +
            `losing one person or device does not mean a return to root.`,
      controls: controls('root-use'),
      remediation:
        `Create admin users in an admin group with the AWS managed AdministratorAccess policy (rootlock ` +
        `offers to), each with a console password and MFA.`,
    });
  }
  if (total > MAX_ADMINS) {
    const who = [
      ...admins.map((a) => describeActivity(a.name, 'admin', creds(a.name))),
      ...shadowUsers.map((s) => describeActivity(s.name, 'shadow admin', creds(s.name))),
      ...idcAdmins.map((a) => `${a.userName} (Identity Center admin, ${a.via.join('; ')})`),
    ];
    findings.push({
      id: 'admins.too-many',
      kind: 'fail',
      severity: 'medium',
      resource: account,
      message:
        (idcAdmins.length > 0
          ? `${plural(total, 'person', 'people')} can administer the account ` +
            `(${plural(admins.length, 'IAM full admin')}, ${plural(shadowUsers.length, 'shadow admin')}, ` +
            `${plural(idcAdmins.length, 'Identity Center admin')})`
          : `${plural(total, 'IAM user')} can administer the account ` +
            `(${plural(admins.length, 'full admin')}, ${plural(shadowUsers.length, 'shadow admin')})`) +
        `; at most ${MAX_ADMINS} are wanted: ${who.join('; ')}.`,
      controls: [],
      remediation:
        'Remove the admins nobody needs from the admin group(s) (rootlock offers to, never below 2 full admins), and ' +
        'take escalation permissions away from shadow admins.',
    });
  }

  for (const p of state.pending) {
    const missing = [
      ...(p.loginProfile ? [] : ['a console password']),
      ...(p.admin ? [] : ['membership of an admin group']),
    ];
    findings.push({
      id: 'admins.pending',
      kind: 'fail',
      severity: 'high',
      resource: p.arn,
      message:
        `User ${p.name} was created by rootlock but its setup was not ` +
        `finished${missing.length ? `: it lacks ${missing.join(' and ')}` : ' (the setup tag is still on it)'}.`,
      controls: [],
      remediation: 'Run rootlock again to complete it, or (in the session that created it) roll it back.',
      wizardRemediation: 'Complete it with this step, or (in the session that created it) roll it back.',
    });
  }

  // Each admin's credentials.
  for (const a of admins) {
    const c = creds(a.name);
    if (!c) continue;
    if (!c.consoleAccess) {
      findings.push({
        id: 'admins.no-console',
        kind: 'warn',
        severity: 'low',
        resource: a.arn,
        message:
          `Admin ${a.name} has no console password, so cannot sign in to the console (for example to recover ` +
          `from a lost access key).`,
        controls: [],
        remediation:
          'Give the user a console password (IAM > Users > Security credentials > Enable console access), or rely on ' +
          'the other admins.',
      });
    }
    if (!c.mfa) {
      findings.push({
        id: 'admins.no-mfa',
        kind: 'warn',
        severity: c.consoleAccess ? 'high' : 'medium',
        resource: a.arn,
        message: c.consoleAccess
          ? `Admin ${a.name} can sign in to the console without MFA.`
          : `Admin ${a.name} has no MFA device.`,
        controls: c.consoleAccess ? controls('console-mfa', 'user-mfa') : controls('user-mfa'),
        remediation:
          'The user signs in and assigns an MFA device (IAM > Users > Security credentials > Assign MFA device); ' +
          'nobody can do it for them.',
      });
    }
    for (const k of c.accessKeys) {
      if (k.active && k.createdAt && daysSince(k.createdAt, env.now) > KEY_MAX_AGE_DAYS) {
        findings.push({
          id: 'admins.old-access-key',
          kind: 'warn',
          severity: 'medium',
          resource: a.arn,
          message:
            `Admin ${a.name} has an active access key ${daysSince(k.createdAt, env.now)} days old (created or ` +
            `rotated ${day(k.createdAt)}).`,
          controls: controls('key-rotation'),
          remediation:
            'Rotate the key (create a new one, move its users, deactivate then delete the old one), or delete it if ' +
            'unused.',
        });
      }
    }
    const created = state.createdAt[a.name];
    const hasCredential = c.consoleAccess || c.accessKeys.some((k) => k.active);
    const idleSince = c.lastActivity ?? created;
    if (hasCredential && idleSince && daysSince(idleSince, env.now) >= UNUSED_DAYS) {
      findings.push({
        id: 'admins.unused',
        kind: 'warn',
        severity: 'medium',
        resource: a.arn,
        message: c.lastActivity
          ? `Admin ${a.name} has not signed in or used an access key for ${daysSince(c.lastActivity, env.now)} days.`
          : `Admin ${a.name} has never signed in or used an access key, and was ` +
            `created ${daysSince(idleSince, env.now)} days ago.`,
        controls: controls('unused-credentials'),
        remediation:
          'Disable credentials nobody uses, or remove the user from the admin group if it is no longer needed.',
      });
    }
    const ownPaths = a.via.filter(
      (v) =>
        !v.startsWith('group ') &&
        !(
          v.startsWith('together: ') &&
          v
            .slice(10)
            .split(' + ')
            .every((p) => p.startsWith('group '))
        ),
    );
    if (ownPaths.length > 0) {
      findings.push({
        id: 'admins.direct-policy',
        kind: 'warn',
        severity: 'low',
        resource: a.arn,
        message: `Admin ${a.name} gets admin rights from its own policies, not a group: ${ownPaths.join('; ')}.`,
        controls: controls('permissions-through-groups'),
        remediation: 'Put the user in the admin group and remove the policies attached to or embedded in the user.',
      });
    }
  }

  for (const s of analysis.shadowAdmins) {
    findings.push({
      id: 'admins.shadow',
      kind: s.kind === 'user' ? 'warn' : 'info',
      severity: s.kind === 'user' ? 'high' : 'medium',
      resource: s.arn,
      message:
        `${s.kind === 'user' ? 'User' : 'Role'} ${s.name} is not a full admin but can make itself one ` +
        `(${s.escalation.join(', ')}) through ${s.via.join('; ')}` +
        (s.kind === 'user' ? '; it counts against the limit of 3 admins.' : '; roles are listed, not counted.'),
      controls: [],
      remediation:
        'Scope the escalation permissions (iam:*, iam:Put*/Attach*/Create*Policy*, iam:PassRole with compute) to the ' +
        'resources the principal really needs.',
    });
  }

  for (const r of analysis.adminRoles) {
    const kindWords: Record<RoleVerdict['roleKind'], string> = {
      sso: 'IAM Identity Center (SSO) permission-set role',
      'cross-account': `cross-account role trusted by ${r.trustedAccounts.join(', ')}`,
      service: `service role for ${r.trustedServices.join(', ')}`,
      other: 'role',
    };
    findings.push({
      id: 'admins.role',
      kind: 'info',
      severity: 'info',
      resource: r.arn,
      message:
        r.roleKind === 'sso' && idcInUse
          ? `${r.name} is a full-admin ${kindWords[r.roleKind]}; the people assigned its permission set are counted ` +
            `through Identity Center.`
          : `${r.name} is a full-admin ${kindWords[r.roleKind]}; admin roles are listed here and do not replace ` +
            `the 2-3 admin users.`,
      controls: [],
    });
  }

  for (const p of [...analysis.users, ...analysis.roles]) {
    for (const n of p.notes) {
      if (!n.startsWith('its Allows grant every action')) continue;
      findings.push({
        id: 'admins.limited',
        kind: 'info',
        severity: 'info',
        resource: p.arn,
        message: `${p.kind === 'user' ? 'User' : 'Role'} ${p.name} is not counted as an admin: ${n}.`,
        controls: [],
      });
    }
  }

  for (const p of fullAccessCustomerPolicies(state)) {
    findings.push({
      id: 'admins.full-access-policy',
      kind: 'warn',
      severity: 'medium',
      resource: p.arn,
      message:
        `Customer managed policy ${p.arn} allows every action on every resource and is attached ` +
        `to ${p.attachedTo.join(', ')}.`,
      controls: controls('full-admin-policy'),
      remediation:
        'Grant admin rights through the AWS managed AdministratorAccess policy on the admin group, and narrow or ' +
        'detach this policy.',
    });
  }

  const pp = state.passwordPolicy;
  if (pp.state === 'none') {
    findings.push({
      id: 'admins.password-policy',
      kind: 'warn',
      severity: 'medium',
      resource: account,
      message:
        'The account has no IAM password policy, so console passwords only need to meet the AWS default (8 ' +
        'characters).',
      controls: controls('password-length', 'password-reuse', 'password-complexity'),
      remediation:
        'Set a password policy: at least 14 characters, every character class, reuse of the last 24 prevented ' +
        '(rootlock offers to).',
    });
  } else if (pp.state === 'present') {
    for (const g of passwordPolicyGaps(pp.policy)) {
      findings.push({
        id: 'admins.password-policy',
        kind: 'warn',
        severity: 'low',
        resource: account,
        message: `The account password policy ${g.gap}.`,
        controls: g.controls,
        remediation:
          'Raise it in IAM > Account settings > Password policy (rootlock does not overwrite an existing policy).',
      });
    }
  } else {
    findings.push({
      id: 'admins.password-policy',
      kind: 'info',
      severity: 'info',
      resource: account,
      message: `The password policy could not be read (${pp.reason}).`,
      controls: [],
    });
  }

  for (const w of analysis.warnings) {
    findings.push({
      id: 'admins.analysis',
      kind: 'info',
      severity: 'info',
      resource: account,
      message: `Analysis: ${w}.`,
      controls: [],
    });
  }

  const newer = state.newerThanReport ?? [];
  if (newer.length > 0) {
    const when = state.reportGeneratedAt ? `generated ${state.reportGeneratedAt}` : 'of unknown age';
    const them = newer.length === 1 ? 'this user' : 'these users';
    findings.push({
      id: 'admins.report-stale',
      kind: 'info',
      severity: 'info',
      resource: account,
      message:
        `The credential report (${when}) is older than ${newer.join(', ')}: AWS regenerates it at most every 4 ` +
        `hours, so it can be up to 4 hours old, and rootlock read ${them} directly in IAM.`,
      controls: [],
    });
  }

  findings.push(...identityCenterFindings(state, account, idcAdmins, idcInUse));

  const failing = findings.some((f) => f.kind === 'fail');
  const names = (list: PrincipalVerdict[]): string => list.map((a) => a.name).join(', ');
  let summary: string;
  if (idcInUse) {
    const counts = `${plural(admins.length, 'IAM user')}, ${plural(idcAdmins.length, 'Identity Center user')}`;
    const who = people ? `: ${describePeople(admins, idcAdmins)}` : '';
    const shadows = shadowUsers.length ? plural(shadowUsers.length, 'shadow admin') : '';
    if (people < MIN_ADMINS) {
      summary =
        `${plural(people, 'person', 'people')} with full admin (${counts}${who}): ` +
        `at least ${MIN_ADMINS} are needed.`;
    } else if (total > MAX_ADMINS) {
      summary =
        `${plural(total, 'person', 'people')} can administer the account ` +
        `(${counts}${shadows ? `, ${shadows}` : ''}): at most ${MAX_ADMINS} are wanted.`;
    } else {
      summary =
        `${plural(people, 'person', 'people')} with full admin (${describePeople(admins, idcAdmins)})` +
        `${shadows ? ` and ${shadows} (${names(shadowUsers)})` : ''}.`;
    }
  } else if (admins.length < MIN_ADMINS) {
    summary =
      `${plural(admins.length, 'full admin')}${admins.length ? ` (${names(admins)})` : ''}: at ` +
      `least ${MIN_ADMINS} are needed.`;
  } else if (total > MAX_ADMINS) {
    summary =
      `${plural(total, 'admin')} and shadow admins (${names([...admins, ...shadowUsers])}): at ` +
      `most ${MAX_ADMINS} are wanted.`;
  } else {
    summary =
      `${plural(admins.length, 'full admin')} (${names(admins)})` +
      `${shadowUsers.length ? ` and ${plural(shadowUsers.length, 'shadow admin')} (${names(shadowUsers)})` : ''}.`;
  }
  if (state.pending.length) summary += ` ${plural(state.pending.length, 'user')} left half-created by rootlock.`;
  if (analysis.adminRoles.length) summary += ` ${plural(analysis.adminRoles.length, 'admin role')} listed.`;

  return {
    status: failing ? 'fail' : 'pass',
    summary,
    findings,
    details: {
      admins: admins.map((a) => adminDetail(a, state, env.now)),
      shadowAdmins: [...shadowUsers, ...shadowRoles].map((s) => shadowDetail(s, state)),
      adminRoles: analysis.adminRoles.map(
        (r): AdminRoleDetail => ({
          name: r.name,
          arn: r.arn,
          roleKind: r.roleKind,
          via: r.via,
          trustedAccounts: r.trustedAccounts,
          trustedServices: r.trustedServices,
        }),
      ),
      adminGroups: state.adminGroups.map((g) => ({ name: g.name, arn: g.arn, members: g.members })),
      counted: {
        admins: admins.length,
        identityCenterAdmins: idcAdmins.length,
        people,
        shadowAdmins: shadowUsers.length,
        total,
        min: MIN_ADMINS,
        max: MAX_ADMINS,
      },
      identityCenter: identityCenterDetail(ic, idcAdmins),
      pending: state.pending.map((p) => ({ name: p.name, arn: p.arn, loginProfile: p.loginProfile, admin: p.admin })),
      passwordPolicy: pp.state,
      credentialReportGeneratedAt: state.reportGeneratedAt ?? null,
    },
  };
}

/** "IAM users alice, bob; Identity Center users ann" (only the kinds there are). */
function describePeople(admins: readonly PrincipalVerdict[], idc: readonly IdcAdmin[]): string {
  const parts: string[] = [];
  if (admins.length)
    parts.push(`IAM ${admins.length === 1 ? 'user' : 'users'} ${admins.map((a) => a.name).join(', ')}`);
  if (idc.length)
    parts.push(`Identity Center ${idc.length === 1 ? 'user' : 'users'} ${idc.map((a) => a.userName).join(', ')}`);
  return parts.join('; ') || 'nobody';
}

/** One Identity Center admin in `details.identityCenter.admins`. */
export interface IdentityCenterAdminDetail {
  userId: string;
  userName: string;
  displayName: string | null;
  via: string[];
}

/** `details.identityCenter`: what was read, or why not. */
function identityCenterDetail(
  ic: IdentityCenterState | undefined,
  admins: readonly IdcAdmin[],
): Record<string, unknown> {
  if (!ic) return { status: 'not-read', why: null, reason: 'not read' };
  if (ic.status === 'not-read')
    return { status: 'not-read', why: ic.why, reason: ic.reason, region: ic.region ?? null };
  return {
    status: 'read',
    region: ic.region,
    instanceArn: ic.instanceArn,
    identityStoreId: ic.identityStoreId,
    inUse: ic.inUse,
    adminPermissionSets: ic.permissionSets
      .filter((p) => p.admin)
      .map((p) => ({ name: p.name, arn: p.arn, via: p.via })),
    admins: admins.map(
      (a): IdentityCenterAdminDetail => ({
        userId: a.userId,
        userName: a.userName,
        displayName: a.displayName ?? null,
        via: a.via,
      }),
    ),
  };
}

/** How many console-enabled IAM users are fine beside Identity Center: the break-glass ones. */
export const BREAK_GLASS_MAX = 2;

/** What the assessment says about Identity Center: what was counted and why, and IAM console users. */
function identityCenterFindings(
  state: AdminsState,
  account: string,
  idcAdmins: readonly IdcAdmin[],
  inUse: boolean,
): Finding[] {
  const ic = state.identityCenter;
  if (!ic) return [];
  const out: Finding[] = [];
  if (ic.status === 'not-read') {
    out.push({
      id: 'admins.identity-center',
      kind: 'info',
      severity: 'info',
      resource: account,
      message: `Admins counted are IAM users only: IAM Identity Center was not read (${ic.reason}).`,
      controls: [],
    });
    return out;
  }
  if (!inUse) {
    out.push({
      id: 'admins.identity-center',
      kind: 'info',
      severity: 'info',
      resource: ic.instanceArn,
      message:
        `IAM Identity Center (${ic.region}) has no users and no admin assignments for this account; admins counted ` +
        `are IAM users.`,
      controls: [],
    });
    return out;
  }
  for (const p of ic.permissionSets) {
    for (const n of p.notes) {
      out.push({
        id: 'admins.identity-center',
        kind: 'info',
        severity: 'info',
        resource: p.arn,
        message: `Permission set ${p.name}: ${n}.`,
        controls: [],
      });
    }
  }
  const adminSets = ic.permissionSets.filter((p) => p.admin);
  out.push({
    id: 'admins.identity-center',
    kind: 'info',
    severity: 'info',
    resource: ic.instanceArn,
    message:
      idcAdmins.length > 0
        ? `IAM Identity Center (${ic.region}) gives full admin on this account to ` +
          `${idcAdmins.map((a) => `${a.userName} (${a.via.join('; ')})`).join(', ')}.`
        : `IAM Identity Center (${ic.region}) gives nobody full admin on this account (` +
          (adminSets.length
            ? `admin permission sets: ${adminSets.map((p) => p.name).join(', ')}`
            : 'no permission set grants full admin') +
          ').',
    controls: [],
  });
  const consoleUsers = state.consoleUsers ?? [];
  if (consoleUsers.length > 0) {
    const few = consoleUsers.length <= BREAK_GLASS_MAX;
    out.push({
      id: 'admins.iam-console-users',
      kind: few ? 'info' : 'warn',
      severity: few ? 'info' : 'medium',
      resource: account,
      message:
        `${consoleUsers.length === 1 ? 'IAM user' : `${consoleUsers.length} IAM users`} ${consoleUsers.join(', ')} ` +
        `can sign in to the console while IAM Identity Center is in use: people belong in Identity Center. ` +
        (few
          ? `1 or 2 break-glass IAM users (kept for when Identity Center is unavailable, with MFA) are fine.`
          : `Keep at most ${BREAK_GLASS_MAX} as break-glass users (with MFA) and move the others to Identity Center.`),
      controls: controls('identity-federation'),
      remediation:
        'Give each person an Identity Center user with a permission set for this account, then remove their IAM ' +
        "users' console passwords (IAM > Users > Security credentials > Manage console access), keeping 1 or 2 " +
        'break-glass users.',
    });
  }
  return out;
}
