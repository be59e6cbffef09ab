/**
 * Plan building for the ec2-roles step: the operator's answers become Change objects
 * (CreateRole, AttachRolePolicy, CreateInstanceProfile, AddRoleToInstanceProfile,
 * AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation). Pure.
 */
import type { Change } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { EC2_SERVICE, instanceLabel, type Ec2Instance } from './analysis.js';
import {
  readBackAddRoleToInstanceProfile,
  readBackAssociateIamInstanceProfile,
  readBackAttachRolePolicy,
  readBackCreateInstanceProfile,
  readBackCreateRole,
  readBackReplaceIamInstanceProfileAssociation,
} from './read-back.js';

/** The role the chosen instances get. */
export type RoleChoice =
  /**
   * An existing EC2-trusted role and its instance profile; `createProfile` when it has none yet
   * and the plan makes one; `policyArns` to attach when the role has no policy at all (one an
   * interrupted run created and never finished).
   */
  | { kind: 'existing'; roleName: string; profileName: string; createProfile: boolean; policyArns?: string[] }
  /** A new role (and an instance profile of the same name) with these managed policies. */
  | { kind: 'new'; roleName: string; policyArns: string[] };

/** What the operator chose. */
export interface Ec2RolesAnswers {
  /** Instances without a profile: AssociateIamInstanceProfile. */
  associate: Array<Pick<Ec2Instance, 'id' | 'region' | 'name'>>;
  /** Instances whose profile the operator chose to replace: ReplaceIamInstanceProfileAssociation. */
  replace: Array<Pick<Ec2Instance, 'id' | 'region' | 'name'> & { associationId: string; currentProfileArn: string }>;
  role: RoleChoice;
}

/**
 * The error AWS returns while a new instance profile is not yet visible to EC2
 * (IAM is eventually consistent): `InvalidParameterValue: Value (name) for parameter
 * iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name` (`.arn` and
 * `ARN` when given by ARN). Retried a bounded number of times with growing delays
 * (the gate waits delayMs x attempt: 2 + 4 + 6 + 8 + 10 s = 30 s at most).
 */
export const PROFILE_NOT_READY_RETRY: NonNullable<Change['retryOn']> = {
  codes: ['InvalidParameterValue'],
  messageIncludes: 'Invalid IAM Instance Profile',
  attempts: 6,
  delayMs: 2_000,
};

/** The trust policy of a role created for EC2 instances. */
export function ec2TrustPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: EC2_SERVICE }, Action: 'sts:AssumeRole' }],
  });
}

function policyName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Turns the answers into changes, in the order they must be sent. */
export function buildPlan(answers: Ec2RolesAnswers): Change[] {
  const changes: Change[] = [];
  const { role } = answers;
  const roleName = role.roleName;
  const shownRole = sanitize(roleName);
  let profileName: string;

  if (role.kind === 'new') {
    profileName = roleName;
    changes.push({
      id: `ec2-roles/create-role/${roleName}`,
      step: 'ec2-roles',
      description: `Create IAM role ${shownRole} that EC2 instances can assume`,
      service: 'iam',
      operation: 'CreateRole',
      params: {
        RoleName: roleName,
        AssumeRolePolicyDocument: ec2TrustPolicy(),
        Description: 'EC2 instance role created by rootlock',
        Tags: [{ Key: 'created-by', Value: 'rootlock' }],
      },
      // The name was checked free when asked; "already exists" here means an earlier,
      // interrupted run of this same plan created it.
      alreadyDoneCodes: ['EntityAlreadyExists'],
      readBack: readBackCreateRole,
    });
  } else {
    profileName = role.profileName;
  }
  const attach = role.kind === 'new' ? role.policyArns : (role.policyArns ?? []);
  for (const arn of attach) {
    changes.push({
      id: `ec2-roles/attach-policy/${roleName}/${policyName(arn)}`,
      step: 'ec2-roles',
      description: `Attach ${sanitize(policyName(arn))} to role ${shownRole}`,
      service: 'iam',
      operation: 'AttachRolePolicy',
      // Attaching an attached policy succeeds: no alreadyDoneCodes needed.
      params: { RoleName: roleName, PolicyArn: arn },
      readBack: readBackAttachRolePolicy,
      idempotent: true,
    });
  }

  if (role.kind === 'new' || role.createProfile) {
    changes.push({
      id: `ec2-roles/create-instance-profile/${profileName}`,
      step: 'ec2-roles',
      description: `Create instance profile ${sanitize(profileName)}`,
      service: 'iam',
      operation: 'CreateInstanceProfile',
      params: { InstanceProfileName: profileName, Tags: [{ Key: 'created-by', Value: 'rootlock' }] },
      alreadyDoneCodes: ['EntityAlreadyExists'],
      readBack: readBackCreateInstanceProfile,
    });
    changes.push({
      id: `ec2-roles/add-role-to-instance-profile/${profileName}`,
      step: 'ec2-roles',
      description: `Put role ${shownRole} in instance profile ${sanitize(profileName)}`,
      service: 'iam',
      operation: 'AddRoleToInstanceProfile',
      params: { InstanceProfileName: profileName, RoleName: roleName },
      // A profile holds one role: LimitExceeded means a role is already in it (an
      // interrupted earlier run put this one there); verification reads the result.
      alreadyDoneCodes: ['EntityAlreadyExists', 'LimitExceeded'],
      readBack: readBackAddRoleToInstanceProfile,
    });
  }

  for (const i of answers.associate) {
    changes.push({
      id: `ec2-roles/associate/${i.region}/${i.id}`,
      step: 'ec2-roles',
      description: `Attach instance profile ${sanitize(profileName)} to instance ${instanceLabel(i)} in ${i.region}`,
      service: 'ec2',
      operation: 'AssociateIamInstanceProfile',
      params: { InstanceId: i.id, IamInstanceProfile: { Name: profileName } },
      region: i.region,
      retryOn: PROFILE_NOT_READY_RETRY,
      readBack: readBackAssociateIamInstanceProfile,
    });
  }
  for (const i of answers.replace) {
    changes.push({
      id: `ec2-roles/replace/${i.region}/${i.id}`,
      step: 'ec2-roles',
      description: `Replace the instance profile of ${instanceLabel(i)} in ${i.region} with ${sanitize(profileName)}`,
      service: 'ec2',
      operation: 'ReplaceIamInstanceProfileAssociation',
      params: { AssociationId: i.associationId, IamInstanceProfile: { Name: profileName } },
      region: i.region,
      retryOn: PROFILE_NOT_READY_RETRY,
      destructive: true,
      warning:
        `Software on ${i.id} loses the permissions of ${sanitize(policyName(i.currentProfileArn))} and gets ` +
        `those of role ${shownRole} instead.`,
      readBack: readBackReplaceIamInstanceProfileAssociation,
    });
  }
  return changes;
}
