/**
 * Questions for the ec2-roles step. Ids (docs/steps/ec2-roles.md lists them with their
 * answers-file form):
 * - `ec2-roles.instances`   checkbox: instances to give a role (default: those without one);
 * - `ec2-roles.replace`     confirm: replace the profile of chosen instances that have one (never safe by default);
 * - `ec2-roles.role`        select: an existing EC2-trusted role, or `(new)`;
 * - `ec2-roles.role.name`   input: name of the new role (and its instance profile);
 * - `ec2-roles.policies`    checkbox: managed policies for the new role.
 */
import type { InteractiveContext } from '../../engine/step.js';
import type { Choice } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import {
  instanceLabel,
  profileNameFromArn,
  reusableRoles,
  viewInstances,
  type Ec2RolesState,
  type InstanceView,
  type RoleInfo,
} from './analysis.js';
import type { Ec2RolesAnswers, RoleChoice } from './plan.js';

/** The `ec2-roles.role` answer that means "create a new role" (no IAM role name can contain parentheses). */
export const NEW_ROLE = '(new)';

/**
 * Managed policies offered for a new role; only the first is checked by default.
 * AdministratorAccess is never offered.
 */
export const OFFERED_POLICIES: ReadonlyArray<{ name: string; description: string; checked: boolean }> = [
  {
    name: 'AmazonSSMManagedInstanceCore',
    description: 'Systems Manager: Session Manager, patching, inventory (no SSH keys needed)',
    checked: true,
  },
  { name: 'CloudWatchAgentServerPolicy', description: 'CloudWatch agent: send metrics and logs', checked: false },
];

/** Default name for a new role. */
export const DEFAULT_ROLE_NAME = 'rootlock-ec2-instance';

/**
 * Checks a new role name against IAM's rules (1-64 characters of letters, digits and
 * `+=,.@_-`) and against the roles and instance profiles that exist (IAM names are
 * unique regardless of case; the instance profile gets the same name).
 * @returns true, or the reason the name cannot be used.
 */
export function validateRoleName(name: string, state: Pick<Ec2RolesState, 'roles'>): true | string {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > 64) return `A role name has at most 64 characters (this has ${name.length}).`;
  if (!/^[\w+=,.@-]+$/.test(name)) return 'Use only letters, digits and + = , . @ _ - (no spaces).';
  const lower = name.toLowerCase();
  const role = state.roles.find((r) => r.name.toLowerCase() === lower);
  if (role) {
    return role.trustsEc2
      ? `A role named ${sanitize(role.name)} already exists; pick it from the list of existing roles, or choose ` +
          `another name.`
      : `A role named ${sanitize(role.name)} already exists (and EC2 cannot assume it); choose another name.`;
  }
  const profile = state.roles.flatMap((r) => r.profiles).find((p) => p.name.toLowerCase() === lower);
  if (profile) return `An instance profile named ${sanitize(profile.name)} already exists; choose another name.`;
  return true;
}

/** A free default name: DEFAULT_ROLE_NAME, or with -2, -3... */
export function defaultRoleName(state: Pick<Ec2RolesState, 'roles'>): string {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? DEFAULT_ROLE_NAME : `${DEFAULT_ROLE_NAME}-${n}`;
    if (validateRoleName(candidate, state) === true) return candidate;
  }
}

/** Instances that need attention: no role at all, or a role with full admin rights. */
export function instancesToFix(views: readonly InstanceView[]): InstanceView[] {
  return views.filter((v) => !v.role || v.role.fullAdmin);
}

function describeInstance(v: InstanceView): string {
  if (!v.instanceProfileArn) return `${v.region}, ${v.state}, no instance profile`;
  const profile = sanitize(v.profile?.name ?? profileNameFromArn(v.instanceProfileArn));
  if (!v.role) return `${v.region}, ${v.state}, profile ${profile} holds no role`;
  return (
    `${v.region}, ${v.state}, profile ${profile}, ` +
    `role ${sanitize(v.role.name)}${v.role.fullAdmin ? ' (full admin)' : ''}`
  );
}

/** The role question's choices: reusable roles (admins last, marked), then "create a new role". */
export function roleChoices(state: Pick<Ec2RolesState, 'roles'>): Choice<string>[] {
  const choices: Choice<string>[] = reusableRoles(state.roles).map((r) => ({
    value: r.name,
    name: `${sanitize(r.name)}${r.fullAdmin ? ' (full administrator: not recommended)' : ''}`,
    description: [
      r.profiles[0]
        ? `instance profile ${sanitize(r.profiles[0].name)}`
        : 'no instance profile yet: one of the same name will be created',
      ...(r.policyCount === 0 ? ['no policies yet: you choose them next'] : []),
    ].join('; '),
  }));
  choices.push({
    value: NEW_ROLE,
    name: 'Create a new role',
    description: 'trusted by ec2.amazonaws.com, with the policies you choose',
  });
  return choices;
}

/** The instance profile to create for an existing role that has none: its own name, or a free variant. */
export function profileNameFor(role: RoleInfo, state: Pick<Ec2RolesState, 'roles'>): string {
  const taken = new Set(state.roles.flatMap((r) => r.profiles).map((p) => p.name.toLowerCase()));
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? role.name : `${role.name.slice(0, 120)}-${n}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

/**
 * Policies offered for a new role: AWS managed ones above, then the account's customer managed
 * policies (unchecked).
 */
export function policyChoices(state: Pick<Ec2RolesState, 'partition' | 'customerPolicies'>): Choice<string>[] {
  const aws: Choice<string>[] = OFFERED_POLICIES.map((p) => ({
    value: `arn:${state.partition}:iam::aws:policy/${p.name}`,
    name: p.name,
    description: p.description,
    checked: p.checked,
  }));
  const own: Choice<string>[] = state.customerPolicies.map((p) => ({
    value: p.arn,
    name: sanitize(p.name),
    description: 'customer managed policy',
    checked: false,
  }));
  return [...aws, ...own];
}

/**
 * Asks which instances to fix and which role to give them. Returns undefined when
 * nothing needs fixing or the operator chooses nothing. Asks once per session: after
 * apply the runner verifies and calls ask again, and instances the operator left out
 * on purpose should not be asked about a second time.
 */
export async function askEc2Roles(state: Ec2RolesState, ctx: InteractiveContext): Promise<Ec2RolesAnswers | undefined> {
  // Asked once a session: later rounds verify what was chosen rather than ask again.
  const asked = ctx.memory(() => ({ done: false }));
  if (asked.done) return undefined;
  const views = viewInstances(state);
  const needing = instancesToFix(views);
  if (needing.length === 0) return undefined;
  asked.done = true;
  const { prompter, output } = ctx;

  const picked = await prompter.checkbox<string>({
    id: 'ec2-roles.instances',
    message: 'Which instances should get an instance role?',
    choices: views.map((v) => ({
      value: v.id,
      name: instanceLabel(v),
      description: describeInstance(v),
      checked: !v.instanceProfileArn,
    })),
  });
  const chosen = views.filter((v) => picked.includes(v.id));
  const associate = chosen.filter((v) => !v.instanceProfileArn);
  let replaceable = chosen.filter((v) => v.instanceProfileArn);

  const noAssociation = replaceable.filter((v) => !v.associationId);
  if (noAssociation.length > 0) {
    output.warn(
      `No profile association id was found for ${noAssociation.map(instanceLabel).join(', ')}; they are left as they ` +
        `are (run again in a minute).`,
    );
    replaceable = replaceable.filter((v) => v.associationId);
  }
  if (replaceable.length > 0) {
    const lines = replaceable.map((v) => `${instanceLabel(v)}: ${describeInstance(v)}`);
    output.warn(
      'These instances already have an instance profile. Replacing it changes the permissions of the software ' +
        'running on them at once:',
    );
    output.detail(lines);
    const yes = await prompter.confirm({
      id: 'ec2-roles.replace',
      message:
        `Replace the instance profile ` +
        `of ${replaceable.length === 1 ? 'this instance' : `these ${replaceable.length} instances`}?`,
      default: false,
      safeDefault: false,
    });
    if (!yes) replaceable = [];
  }
  if (associate.length === 0 && replaceable.length === 0) {
    output.info('No instances chosen; nothing will change.');
    return undefined;
  }

  const choices = roleChoices(state);
  let roleAnswer = NEW_ROLE;
  if (choices.length > 1) {
    roleAnswer = await prompter.select<string>({
      id: 'ec2-roles.role',
      message: 'Which role should these instances get?',
      choices,
      default: NEW_ROLE,
    });
  }

  let role: RoleChoice;
  if (roleAnswer === NEW_ROLE) {
    const roleName = await prompter.input({
      id: 'ec2-roles.role.name',
      message: 'Name of the new role (its instance profile gets the same name):',
      default: defaultRoleName(state),
      validate: (v) => validateRoleName(v, state),
    });
    const policyArns = await prompter.checkbox<string>({
      id: 'ec2-roles.policies',
      message: `Which managed policies should ${sanitize(roleName)} have? (Grant only what the instances need.)`,
      choices: policyChoices(state),
    });
    role = { kind: 'new', roleName, policyArns };
  } else {
    const existing = state.roles.find((r) => r.name === roleAnswer);
    if (!existing) throw new Error(`Role ${roleAnswer} is not a choice`); // the prompter only returns choices
    const profile = existing.profiles[0];
    role = profile
      ? { kind: 'existing', roleName: existing.name, profileName: profile.name, createProfile: false }
      : {
          kind: 'existing',
          roleName: existing.name,
          profileName: profileNameFor(existing, state),
          createProfile: true,
        };
    if (existing.policyCount === 0) {
      // A role with no policy gives the instances nothing (an interrupted run may have created
      // it and never attached its policies): choose them now, as for a new role.
      output.warn(`Role ${sanitize(existing.name)} has no policies, so instances with it would get no permissions.`);
      role.policyArns = await prompter.checkbox<string>({
        id: 'ec2-roles.policies',
        message: `Which managed policies should ${sanitize(existing.name)} have? (Grant only what the instances need.)`,
        choices: policyChoices(state),
      });
    }
  }

  return {
    associate: associate.map((v) => ({
      id: v.id,
      region: v.region,
      ...(v.name !== undefined ? { name: v.name } : {}),
    })),
    replace: replaceable.map((v) => ({
      id: v.id,
      region: v.region,
      ...(v.name !== undefined ? { name: v.name } : {}),
      associationId: v.associationId ?? '',
      currentProfileArn: v.instanceProfileArn ?? '',
    })),
    role,
  };
}
