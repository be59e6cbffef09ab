/**
 * Shared pieces of the resilience tests: the fault proxy in front of the emulator, a
 * brand-new account (as the demo seeds it, with a quicker image lookup), the answers of a
 * full onboarding, a snapshot of everything onboarding changes (read past the proxy), and
 * journal helpers.
 */
import { readFileSync } from 'node:fs';
import { GetAlternateContactCommand, GetContactInformationCommand } from '@aws-sdk/client-account';
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  GetAccountPasswordPolicyCommand,
  GetLoginProfileCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListGroupsCommand,
  ListGroupsForUserCommand,
  ListInstanceProfilesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
  ListUserTagsCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Clock } from '../../src/engine/types.js';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type IamUserCredentials,
  type TestCredentials,
} from '../support/clients.js';
import type { Emulator } from '../support/emulator.js';
import { startFaultProxy, type FaultProxy, type ProxiedCall } from '../support/fault-proxy.js';
import { primaryContactAnswers, type ScriptedAnswer } from '../support/harness.js';

export const ACCOUNT = '123456789012';
export const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
export const SSM_POLICY = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
/** One region keeps EC2 discovery (and so each run) short. */
export const REGION_FLAGS = ['--regions', 'us-east-1'];

/** Real time (the root layer's clock is real), no waiting in rootlock's own sleeps. */
export const fastClock: Clock = { now: () => new Date(), sleep: async () => {} };

/** For a vitest file: a fault proxy in front of the emulator's endpoint, rules cleared before each test. */
export function useFaultProxy(emu: () => Emulator): () => FaultProxy {
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    proxy = await startFaultProxy({ target: emu().endpoint });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  beforeEach(() => {
    proxy?.configure([]);
    proxy?.clear();
  });
  return () => {
    if (!proxy) throw new Error('useFaultProxy(): not started');
    return proxy;
  };
}

let ami: string | undefined;

/** An image moto can launch in us-east-1 (filtered: the full list takes seconds to serialize). */
async function imageId(endpoint: string): Promise<string> {
  if (ami) return ami;
  const { ec2 } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const res = await ec2.send(
    new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }),
  );
  ami = res.Images?.find((i) => i.ImageId)?.ImageId;
  if (!ami) throw new Error('no image in us-east-1');
  return ami;
}

export interface NewAccount {
  root: TestCredentials;
  otherRootKey: TestCredentials;
  firstAdmin: IamUserCredentials;
  instanceIds: string[];
}

/** A brand-new account: two active root keys, no root MFA, one admin, two instances without roles, no contacts. */
export async function seedAccount(emu: Pick<Emulator, 'endpoint' | 'layer'>): Promise<NewAccount> {
  const { keys } = emu.layer.seedRoot(ACCOUNT, {
    keys: [{ status: 'Active' }, { status: 'Active' }],
    mfaEnabled: false,
  });
  const firstAdmin = await createIamUserWithKey(emu.endpoint, 'first-admin', ADMIN_POLICY);
  const { ec2 } = testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: await imageId(emu.endpoint),
      MinCount: 2,
      MaxCount: 2,
      InstanceType: 't3.micro',
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'web' }] }],
    }),
  );
  const [root, otherRootKey] = keys;
  if (!root || !otherRootKey) throw new Error('seedRoot returned no keys');
  emu.layer.requests.length = 0;
  return { root, otherRootKey, firstAdmin, instanceIds: (run.Instances ?? []).map((i) => i.InstanceId ?? '') };
}

export const CONTACTS = {
  BILLING: {
    Name: 'Jane Doe',
    Title: 'Finance lead',
    EmailAddress: 'billing@example.com',
    PhoneNumber: '+1 206 555 0100',
  },
  SECURITY: {
    Name: 'Security Team',
    Title: 'CISO',
    EmailAddress: 'security@example.com',
    PhoneNumber: '+1 206 555 0102',
  },
};

export const PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Seattle',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};

/**
 * Every answer of a full onboarding of the seeded account: one more admin, a role for both
 * instances, the three contacts (operations reuses billing) and the primary contact, the
 * billing-access attestation, and the other root key deactivated then deleted (the session's
 * own key is left, so the session can still verify).
 */
export function onboardingAnswers(instanceIds: string[]): Record<string, ScriptedAnswer> {
  return {
    'admins.password-policy': true,
    'admins.create': true,
    'admins.create.count': '1',
    'admins.create.name.1': 'second-admin',
    'admins.apply': true,
    'ec2-roles.instances': instanceIds,
    'ec2-roles.role.name': 'rootlock-ec2-instance',
    'ec2-roles.policies': [SSM_POLICY],
    'ec2-roles.apply': true,
    'billing-recovery.contact.BILLING.name': CONTACTS.BILLING.Name,
    'billing-recovery.contact.BILLING.title': CONTACTS.BILLING.Title,
    'billing-recovery.contact.BILLING.email': CONTACTS.BILLING.EmailAddress,
    'billing-recovery.contact.BILLING.phone': CONTACTS.BILLING.PhoneNumber,
    'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
    'billing-recovery.contact.SECURITY.reuse': 'new',
    'billing-recovery.contact.SECURITY.name': CONTACTS.SECURITY.Name,
    'billing-recovery.contact.SECURITY.title': CONTACTS.SECURITY.Title,
    'billing-recovery.contact.SECURITY.email': CONTACTS.SECURITY.EmailAddress,
    'billing-recovery.contact.SECURITY.phone': CONTACTS.SECURITY.PhoneNumber,
    'billing-recovery.primary.fill': true,
    ...primaryContactAnswers(PRIMARY),
    'billing-recovery.billing-access.attest': true,
    'billing-recovery.apply': true,
    'root-keys.override': ACCOUNT,
    'root-keys.active': 'deactivate',
    'root-keys.inactive': 'delete',
    'root-keys.session-key': 'stop',
    'root-keys.apply': true,
  };
}

/** Everything onboarding changes, read straight from the emulator (not through the proxy). */
export interface AccountSnapshot {
  users: Array<{ name: string; tags: Record<string, string>; groups: string[]; loginProfile: boolean }>;
  groups: Array<{ name: string; policies: string[] }>;
  roles: Array<{ name: string; policies: string[]; tags: Record<string, string> }>;
  instanceProfiles: Array<{ name: string; roles: string[] }>;
  /** Instance id -> instance profile ARNs of its live associations (more than one would be a duplicate). */
  associations: Record<string, string[]>;
  passwordPolicy: Record<string, unknown> | null;
  alternateContacts: Record<string, Record<string, string> | null>;
  primaryContact: Record<string, unknown> | null;
  rootKeys: Array<{ status: string; id: string }>;
}

const tagMap = (tags: Array<{ Key?: string; Value?: string }> | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

async function orNull<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (/NoSuchEntity|ResourceNotFound/.test(name)) return null;
    throw err;
  }
}

export async function snapshot(
  emu: Pick<Emulator, 'endpoint' | 'layer'>,
  instanceIds: string[],
  asRoot: TestCredentials,
): Promise<AccountSnapshot> {
  const { iam, ec2 } = testClients(emu.endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const { account } = testClients(emu.endpoint, asRoot);
  const users = await Promise.all(
    ((await iam.send(new ListUsersCommand({}))).Users ?? []).map(async (u) => {
      const name = u.UserName ?? '';
      const [tags, groups, login] = await Promise.all([
        iam.send(new ListUserTagsCommand({ UserName: name })),
        iam.send(new ListGroupsForUserCommand({ UserName: name })),
        orNull(iam.send(new GetLoginProfileCommand({ UserName: name }))),
      ]);
      return {
        name,
        tags: tagMap(tags.Tags),
        groups: (groups.Groups ?? []).map((g) => g.GroupName ?? '').sort(),
        loginProfile: login !== null,
      };
    }),
  );
  const groups = await Promise.all(
    ((await iam.send(new ListGroupsCommand({}))).Groups ?? []).map(async (g) => {
      const p = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: g.GroupName }));
      return { name: g.GroupName ?? '', policies: (p.AttachedPolicies ?? []).map((x) => x.PolicyArn ?? '').sort() };
    }),
  );
  const roles = await Promise.all(
    ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map(async (r) => {
      const [p, t] = await Promise.all([
        iam.send(new ListAttachedRolePoliciesCommand({ RoleName: r.RoleName })),
        iam.send(new ListRoleTagsCommand({ RoleName: r.RoleName })),
      ]);
      // ListRoles does not return tags (as in AWS): ListRoleTags does.
      return {
        name: r.RoleName ?? '',
        policies: (p.AttachedPolicies ?? []).map((x) => x.PolicyArn ?? '').sort(),
        tags: tagMap(t.Tags),
      };
    }),
  );
  const profiles = ((await iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? []).map((p) => ({
    name: p.InstanceProfileName ?? '',
    roles: (p.Roles ?? []).map((r) => r.RoleName ?? ''),
  }));
  const assoc = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}));
  const associations: Record<string, string[]> = Object.fromEntries(instanceIds.map((i) => [i, [] as string[]]));
  for (const a of assoc.IamInstanceProfileAssociations ?? []) {
    if (a.State !== 'associated' && a.State !== 'associating') continue;
    (associations[a.InstanceId ?? ''] ??= []).push(a.IamInstanceProfile?.Arn ?? '');
  }
  const policy = await orNull(iam.send(new GetAccountPasswordPolicyCommand({})));
  const alternateContacts: Record<string, Record<string, string> | null> = {};
  for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
    const c = await orNull(account.send(new GetAlternateContactCommand({ AlternateContactType: type })));
    const v = c?.AlternateContact;
    alternateContacts[type] = v
      ? {
          Name: v.Name ?? '',
          Title: v.Title ?? '',
          EmailAddress: v.EmailAddress ?? '',
          PhoneNumber: v.PhoneNumber ?? '',
        }
      : null;
  }
  const primary = await orNull(account.send(new GetContactInformationCommand({})));
  const byName = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
  return {
    users: byName(users),
    groups: byName(groups),
    roles: byName(roles),
    instanceProfiles: byName(profiles),
    associations,
    passwordPolicy: policy?.PasswordPolicy ? { ...policy.PasswordPolicy } : null,
    alternateContacts,
    primaryContact: primary?.ContactInformation ? { ...primary.ContactInformation } : null,
    rootKeys: emu.layer.root(ACCOUNT).rootKeys.map((k) => ({ id: k.accessKeyId, status: k.status })),
  };
}

/** The journal's entries. */
export function journal(path: string | undefined): Array<Record<string, any>> {
  if (!path) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** The `change-end` entries, by change id (the last one wins). */
export function changeEnds(path: string | undefined): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  for (const e of journal(path)) if (e.type === 'change-end') out.set(String(e.change), e);
  return out;
}

/** Operations that change nothing (as the pool and the harness count them). */
export function isMutatingOperation(operation: string): boolean {
  return (
    !/^(Get|List|Describe)/.test(operation) &&
    ![
      'GenerateCredentialReport',
      'GetCallerIdentity',
      'AssumeRoot',
      'SimulatePrincipalPolicy',
      // CloudTrail event history: a read whose name does not say so.
      'LookupEvents',
    ].includes(operation)
  );
}

/** Faults after which the caller cannot know whether the call was applied. */
const LOST: ReadonlySet<string> = new Set(['drop-before', 'drop-after', 'server-error', 'error-after']);

/**
 * Checks that the journal tells what happened on the wire: the mutating requests the proxy
 * saw, in order, are exactly the journaled changes, each sent `sends` times; `lostAnswers`
 * counts the attempts whose answer was lost; an `applied` change was applied by one of its
 * attempts; nothing mutating was sent outside a journaled change. Returns the mismatches.
 */
export function journalVersusWire(journalPath: string | undefined, calls: readonly ProxiedCall[]): string[] {
  const problems: string[] = [];
  const ends = journal(journalPath).filter((e) => e.type === 'change-end' && e.outcome !== 'dry-run');
  const wire = calls.filter((c) => isMutatingOperation(c.operation));
  let i = 0;
  for (const e of ends) {
    const n = typeof e.sends === 'number' ? e.sends : 1;
    const mine = wire.slice(i, i + n);
    i += n;
    const op = `${mine[0]?.service}:${mine[0]?.operation}`;
    if (mine.length !== n || mine.some((c) => `${c.service}:${c.operation}` !== e.operation)) {
      problems.push(
        `${e.change}: journal says ${n} x ${e.operation}, the wire shows ${mine.map((c) => `${c.service}:${c.operation}`).join(', ') || 'nothing'} (${op})`,
      );
      continue;
    }
    const lost = mine.filter((c) => c.fault && LOST.has(c.fault)).length;
    if ((e.lostAnswers ?? 0) !== lost)
      problems.push(`${e.change}: journal says ${e.lostAnswers ?? 0} lost answer(s), the wire ${lost}`);
    const appliedOnWire = mine.some((c) => c.forwarded && c.upstreamStatus !== undefined && c.upstreamStatus < 300);
    if (e.outcome === 'applied' && !appliedOnWire)
      problems.push(`${e.change}: journaled as applied, but no attempt was applied`);
    if (e.reconciled && !mine.some((c) => c.fault === 'drop-after' || c.fault === 'error-after')) {
      problems.push(`${e.change}: journaled as reconciled, but no attempt was applied without an answer`);
    }
    // "Failed: outcome unknown" is what rootlock knew when an answer was lost and could not be read back.
    if (e.outcome === 'failed' && appliedOnWire && e.error?.code !== 'OutcomeUnknown')
      problems.push(`${e.change}: journaled as failed, but an attempt was applied`);
  }
  if (i !== wire.length)
    problems.push(
      `mutating requests outside any journaled change: ${wire
        .slice(i)
        .map((c) => `${c.service}:${c.operation}`)
        .join(', ')}`,
    );
  return problems;
}

/** Asserts the state a full onboarding of the seeded account leaves (see onboardingAnswers). */
export function onboardedProblems(s: AccountSnapshot, acct: NewAccount): string[] {
  const problems: string[] = [];
  const eq = (what: string, got: unknown, want: unknown) => {
    if (stable(got) !== stable(want)) problems.push(`${what}: got ${stable(got)}, want ${stable(want)}`);
  };
  eq('users', s.users, [
    { name: 'first-admin', tags: {}, groups: [], loginProfile: false },
    { name: 'second-admin', tags: { 'created-by': 'rootlock' }, groups: ['Administrators'], loginProfile: true },
  ]);
  eq('groups', s.groups, [{ name: 'Administrators', policies: [ADMIN_POLICY] }]);
  eq('roles', s.roles, [{ name: 'rootlock-ec2-instance', policies: [SSM_POLICY], tags: { 'created-by': 'rootlock' } }]);
  eq('instance profiles', s.instanceProfiles, [{ name: 'rootlock-ec2-instance', roles: ['rootlock-ec2-instance'] }]);
  const profileArn = `arn:aws:iam::${ACCOUNT}:instance-profile/rootlock-ec2-instance`;
  eq('associations', s.associations, Object.fromEntries(acct.instanceIds.map((i) => [i, [profileArn]])));
  eq('password policy length', s.passwordPolicy?.MinimumPasswordLength, 14);
  eq('alternate contacts', s.alternateContacts, {
    BILLING: CONTACTS.BILLING,
    OPERATIONS: CONTACTS.BILLING,
    SECURITY: CONTACTS.SECURITY,
  });
  eq('primary contact', s.primaryContact, PRIMARY);
  eq('root keys', s.rootKeys, [{ id: acct.root.accessKeyId, status: 'Active' }]);
  return problems;
}

/** JSON with object keys sorted, for comparisons that ignore key order. */
export function stable(v: unknown): string {
  return (
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
        : x,
    ) ?? 'undefined'
  );
}
