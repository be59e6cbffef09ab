/**
 * SDK clients pointed at the emulator, for tests.
 *
 * IAM, Organizations and the Account API are global and signed in us-east-1 whatever the
 * region; STS and EC2 use the given region. Clients make a single attempt (no retries), so a
 * test sees every error and `layer.requests` counts exactly the calls made.
 */
import { AccountClient } from '@aws-sdk/client-account';
import { EC2Client } from '@aws-sdk/client-ec2';
import { AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { STSClient } from '@aws-sdk/client-sts';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Credentials moto has never issued. moto treats such a caller as an all-powerful principal of
 * its default account 123456789012; the root layer treats it as "not root". Use them to set up
 * fixtures (organizations, users) that a test then exercises with other credentials.
 */
export const MOTO_BOOTSTRAP_CREDENTIALS: TestCredentials = {
  accessKeyId: 'AKIAMOTOBOOTSTRAP000',
  secretAccessKey: 'motobootstrapsecretmotobootstrapsecret00',
};

export interface TestClients {
  iam: IAMClient;
  sts: STSClient;
  account: AccountClient;
  ec2: EC2Client;
  organizations: OrganizationsClient;
  /** Without the account-id host prefix, as rootlock's pool sends it to a custom endpoint. */
  s3control: S3ControlClient;
}

export function testClients(endpoint: string, credentials: TestCredentials, region = 'us-east-1'): TestClients {
  const common = { endpoint, credentials, maxAttempts: 1 };
  return {
    iam: new IAMClient({ ...common, region: 'us-east-1' }),
    sts: new STSClient({ ...common, region }),
    account: new AccountClient({ ...common, region: 'us-east-1' }),
    ec2: new EC2Client({ ...common, region }),
    organizations: new OrganizationsClient({ ...common, region: 'us-east-1' }),
    s3control: new S3ControlClient({ ...common, region, endpointProvider: () => ({ url: new URL(endpoint) }) }),
  };
}

export interface IamUserCredentials extends TestCredentials {
  userName: string;
  arn: string;
}

/**
 * Creates an IAM user with an access key (and optionally an attached managed policy) and
 * returns its credentials. `as` decides the account: the default bootstrap credentials create
 * the user in 123456789012; a member account's root credentials create it in that account.
 */
export async function createIamUserWithKey(
  endpoint: string,
  name: string,
  policyArn?: string,
  as: TestCredentials = MOTO_BOOTSTRAP_CREDENTIALS,
): Promise<IamUserCredentials> {
  const { iam } = testClients(endpoint, as);
  const user = await iam.send(new CreateUserCommand({ UserName: name }));
  if (policyArn) await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policyArn }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: name }));
  const accessKeyId = key.AccessKey?.AccessKeyId;
  const secretAccessKey = key.AccessKey?.SecretAccessKey;
  const arn = user.User?.Arn;
  if (!accessKeyId || !secretAccessKey || !arn)
    throw new Error(`createIamUserWithKey(${name}): incomplete answer from the emulator`);
  return { accessKeyId, secretAccessKey, userName: name, arn };
}
