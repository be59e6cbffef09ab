/**
 * Account fixtures for the admins step's emulator tests: users that are admins through
 * each path IAM offers, shadow admins, and the neutering Deny. Built with the moto
 * bootstrap principal in the default account (123456789012).
 */
import {
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachUserPolicyCommand,
  CreateGroupCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetGroupCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../../support/clients.js';

export const ACCOUNT = '123456789012';
export const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const STAR = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

/** How a fixture user gets admin rights. */
export type AdminPath = 'direct' | 'group' | 'inline' | 'customer-managed';
export const ADMIN_PATHS: readonly AdminPath[] = ['direct', 'group', 'inline', 'customer-managed'];

export function bootstrapIam(endpoint: string): IAMClient {
  return testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam;
}

async function ensureGroup(iam: IAMClient, name: string, policyArn?: string): Promise<void> {
  try {
    await iam.send(new GetGroupCommand({ GroupName: name }));
  } catch {
    await iam.send(new CreateGroupCommand({ GroupName: name }));
    if (policyArn) await iam.send(new AttachGroupPolicyCommand({ GroupName: name, PolicyArn: policyArn }));
  }
}

let policySeq = 0;

/** Creates a user that is a full admin through `path`. */
export async function createAdmin(
  endpoint: string,
  name: string,
  path: AdminPath,
  group = 'Administrators',
): Promise<void> {
  const iam = bootstrapIam(endpoint);
  await iam.send(new CreateUserCommand({ UserName: name }));
  switch (path) {
    case 'direct':
      await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: ADMIN_POLICY }));
      break;
    case 'group':
      await ensureGroup(iam, group, ADMIN_POLICY);
      await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: name }));
      break;
    case 'inline':
      await iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'everything', PolicyDocument: STAR }));
      break;
    case 'customer-managed': {
      const p = await iam.send(
        new CreatePolicyCommand({ PolicyName: `star-${++policySeq}-${name}`, PolicyDocument: STAR }),
      );
      await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: p.Policy!.Arn! }));
      break;
    }
  }
}

/** Creates a user with an inline policy document. */
export async function createUserWithInline(
  endpoint: string,
  name: string,
  statements: unknown[],
  group?: string,
): Promise<void> {
  const iam = bootstrapIam(endpoint);
  await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'own',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }),
    }),
  );
  if (group) await iam.send(new AddUserToGroupCommand({ GroupName: group, UserName: name }));
}
