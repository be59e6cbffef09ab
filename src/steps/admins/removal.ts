/**
 * Trimming the admins: which admins can be demoted by leaving their admin group(s), and
 * whether a chosen set of removals leaves enough full admins. Decided by running the
 * admin analysis again on the authorization details with the memberships taken out, so
 * "still an admin through another path" is never guessed.
 */
import {
  analyzeAdmins,
  type AdminAnalysis,
  type AuthorizationDetails,
  type PrincipalVerdict,
} from '../../iam/principals.js';
import { sanitize } from '../../util/text.js';
import { MIN_ADMINS } from './meta.js';

/** An admin that stops being one when removed from the named groups. */
export interface RemovalCandidate {
  name: string;
  arn: string;
  /** The groups that give it admin rights (RemoveUserFromGroup for each). */
  groups: string[];
  lastActivity?: string;
}

/** An admin that cannot be demoted by group removal, and why. */
export interface NotRemovable {
  name: string;
  reason: string;
}

const GROUP_IN_VIA = /(?:^|together: | \+ )group ([\w+=,.@-]+): /g;

/** Groups named in a verdict's `via` lines (`group Admins: AdministratorAccess (AWS managed)`). */
export function groupsInVia(via: readonly string[]): string[] {
  const out = new Set<string>();
  for (const line of via) for (const m of line.matchAll(GROUP_IN_VIA)) out.add(m[1]!);
  return [...out];
}

/** Whether every path in `via` goes through a group (no inline or attached policy of the user's own). */
export function onlyThroughGroups(via: readonly string[]): boolean {
  if (via.length === 0) return false;
  return via.every((line) => {
    const parts = line.startsWith('together: ') ? line.slice('together: '.length).split(' + ') : [line];
    return parts.every((p) => p.startsWith('group '));
  });
}

/** The details with some users taken out of some groups (the input is not modified). */
export function withoutMemberships(
  details: AuthorizationDetails,
  removals: ReadonlyMap<string, readonly string[]>,
): AuthorizationDetails {
  return {
    ...details,
    UserDetailList: (details.UserDetailList ?? []).map((u) => {
      const drop = removals.get(u.UserName ?? '');
      if (!drop || drop.length === 0) return u;
      return { ...u, GroupList: (u.GroupList ?? []).filter((g) => !drop.includes(g)) };
    }),
  };
}

/**
 * Splits the full admins into those that leaving their admin group(s) would demote
 * (candidates) and those it would not (admin through their own policies too).
 */
export function removalCandidates(
  details: AuthorizationDetails,
  analysis: AdminAnalysis,
  lastActivity: (name: string) => string | undefined,
): { candidates: RemovalCandidate[]; notRemovable: NotRemovable[] } {
  const candidates: RemovalCandidate[] = [];
  const notRemovable: NotRemovable[] = [];
  for (const admin of analysis.admins) {
    const groups = groupsInVia(admin.via);
    if (groups.length === 0 || !onlyThroughGroups(admin.via)) {
      notRemovable.push({
        name: admin.name,
        reason: 'is an admin through its own (inline or attached) policies, not only through a group',
      });
      continue;
    }
    const after = analyzeAdmins(withoutMemberships(details, new Map([[admin.name, groups]])));
    if (after.admins.some((a) => a.name === admin.name)) {
      notRemovable.push({ name: admin.name, reason: 'would still be an admin after leaving its admin groups' });
      continue;
    }
    candidates.push({ name: admin.name, arn: admin.arn, groups, lastActivity: lastActivity(admin.name) });
  }
  return { candidates, notRemovable };
}

/** Counts of admins after a set of removals. */
export interface RemovalOutcome {
  /** Full-admin IAM users that remain. */
  admins: PrincipalVerdict[];
  /** Users that remain shadow admins (a demoted admin whose group also grants an escalation stays one). */
  shadowUsers: PrincipalVerdict[];
}

/** Simulates removing the chosen candidates from their groups. */
export function simulateRemoval(details: AuthorizationDetails, chosen: readonly RemovalCandidate[]): RemovalOutcome {
  const after = analyzeAdmins(withoutMemberships(details, new Map(chosen.map((c) => [c.name, c.groups]))));
  return { admins: after.admins, shadowUsers: after.shadowAdmins.filter((s) => s.kind === 'user') };
}

/**
 * Whether a selection may be removed: it must leave at least {@link MIN_ADMINS} full
 * admins. Returns true, or the reason to refuse it (shown when the question is re-asked).
 */
export function checkRemoval(details: AuthorizationDetails, chosen: readonly RemovalCandidate[]): true | string {
  if (chosen.length === 0) return true;
  const outcome = simulateRemoval(details, chosen);
  if (outcome.admins.length < MIN_ADMINS) {
    const left = outcome.admins.map((a) => sanitize(a.name, { maxLength: 64 }));
    return (
      `Removing ${chosen.map((c) => sanitize(c.name, { maxLength: 64 })).join(', ')} would leave ` +
      `${left.length} full admin${left.length === 1 ? '' : 's'}` +
      `${left.length ? ` (${left.join(', ')})` : ''}; at least ${MIN_ADMINS} must remain. Choose fewer.`
    );
  }
  return true;
}
