/**
 * Typed errors and the mapping from AWS SDK errors to messages an operator can act on.
 * One top-level handler (src/cli/main.ts) turns these into exit codes.
 */

/** An error of the run itself (bad flags, no credentials, unreachable endpoint): exit code 2. */
export class RunError extends Error {
  readonly code: string;
  readonly hint?: string;
  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'RunError';
    this.code = code;
    this.hint = hint;
  }
}

/**
 * The credentials stopped working in the middle of a session (expired SSO or STS session,
 * deleted or deactivated key): every further call would fail the same way, so the run stops
 * after the step that met it, says what was done, and how to resume. Exit code 2.
 */
export class CredentialsLostError extends RunError {
  constructor(
    readonly failure: { code: string; message: string },
    /** The step that met the refusal. */
    readonly step: string,
    /** Steps not run because of it. */
    readonly notRun: string[],
  ) {
    super(
      'CREDENTIALS_LOST',
      `The credentials stopped working during step ${step} (${failure.code}), so rootlock stopped there.`,
      'Refresh them (aws sso login, new keys) and run the same rootlock command again: it re-reads AWS and continues ' +
        "from the account's actual state.",
    );
    this.name = 'CredentialsLost';
  }
}

/** A mutating call was attempted outside the mutation gate: a bug, never an operator error. */
export class UngatedMutationError extends Error {
  constructor(operation: string) {
    super(`${operation} was sent outside the mutation gate; refusing to send it.`);
    this.name = 'UngatedMutationError';
  }
}

/** The facts we keep about an AWS failure. */
export interface AwsFailure {
  code: string;
  message: string;
  httpStatus?: number;
  /** `service:Operation` that was denied, when the failure is a permission error. */
  deniedAction?: string;
  /** How many attempts were made before giving up (retries included), when more than one. */
  attempts?: number;
}

const ACCESS_DENIED_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
]);

const CREDENTIAL_CODES = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'InvalidAccessKeyId',
  // EC2's answer to expired temporary credentials (and to a request signed too long ago).
  'RequestExpired',
]);

/** IAM action prefixes by service, where the signing name differs from the action prefix. */
const ACTION_PREFIX: Record<string, string> = {
  iam: 'iam',
  sts: 'sts',
  ec2: 'ec2',
  account: 'account',
  organizations: 'organizations',
  s3control: 's3',
  cloudtrail: 'cloudtrail',
  // IAM Identity Center's admin API is authorized as sso:*.
  'sso-admin': 'sso',
  identitystore: 'identitystore',
};

/** IAM actions whose names differ from their API operation's. */
const ACTION_NAMES: Record<string, string> = {
  's3control:GetPublicAccessBlock': 's3:GetAccountPublicAccessBlock',
};

/**
 * The IAM action AWS authorizes for one API call, e.g. s3control GetPublicAccessBlock ->
 * s3:GetAccountPublicAccessBlock.
 */
export function iamAction(service: string, operation: string): string {
  return ACTION_NAMES[`${service}:${operation}`] ?? `${ACTION_PREFIX[service] ?? service}:${operation}`;
}

/** Reads code, message and status from anything the SDK throws. */
export function describeAwsError(err: unknown, service?: string, operation?: string): AwsFailure {
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $rootlockCall?: { service: string; operation: string };
  };
  service ??= e.$rootlockCall?.service;
  operation ??= e.$rootlockCall?.operation;
  const code = e.Code ?? e.name ?? e.code ?? 'UnknownError';
  const message = typeof e.message === 'string' && e.message ? e.message : String(err);
  const failure: AwsFailure = { code, message, httpStatus: e.$metadata?.httpStatusCode };
  if ((e.$metadata?.attempts ?? 1) > 1) failure.attempts = e.$metadata?.attempts;
  if (isAccessDenied(failure)) {
    // AWS names the action it refused, which is not always the call's own: AddRoleToInstanceProfile
    // and AssociateIamInstanceProfile are refused for iam:PassRole, CreateUser with tags for iam:TagUser.
    const named = /not authorized to perform:?\s+([a-z0-9-]+:[A-Za-z0-9]+)/.exec(message)?.[1];
    if (named) failure.deniedAction = named;
    else if (service && operation) failure.deniedAction = iamAction(service, operation);
  }
  return failure;
}

export function isAccessDenied(f: AwsFailure): boolean {
  return ACCESS_DENIED_CODES.has(f.code) || (f.httpStatus === 403 && !CREDENTIAL_CODES.has(f.code));
}

export function isCredentialProblem(f: AwsFailure): boolean {
  return CREDENTIAL_CODES.has(f.code) || f.code === 'CredentialsProviderError';
}

export function isNotFound(f: AwsFailure): boolean {
  return f.code === 'NoSuchEntity' || f.code === 'NoSuchEntityException' || f.code === 'ResourceNotFoundException';
}

/** A policy statement that would grant the denied action, for the operator to add. */
export function statementFor(action: string): string {
  return JSON.stringify({ Effect: 'Allow', Action: action, Resource: '*' });
}

/** One line an operator can act on. */
export function explainFailure(f: AwsFailure): string {
  // A deny in a service control policy (or a resource control policy) wins over any allow in the
  // caller's own policy: adding a statement there would not help.
  const orgPolicy = /(service|resource) control polic/i.exec(f.message)?.[0];
  if (f.deniedAction && orgPolicy) {
    return (
      `Access denied for ${f.deniedAction} by a ${orgPolicy.toLowerCase()}y of the organization: no statement in ` +
      `the caller's own policy can allow it. Change or detach that policy (Organizations, in the management ` +
      `account) or leave this account out. AWS said: ${f.message}`
    );
  }
  if (f.deniedAction) {
    return (
      `Access denied for ${f.deniedAction}. Add this statement to the caller's policy, or run as a principal ` +
      `that has it: ${statementFor(f.deniedAction)}`
    );
  }
  if (isCredentialProblem(f)) {
    return (
      `The credentials were refused (${f.code}): ${f.message.replace(/\.$/, '')}. Refresh them (aws sso login, ` +
      `new keys) and run again.`
    );
  }
  // Throttling, 5xx and dropped connections are retried first: say so, since running again is the remedy.
  return `${f.code}: ${f.message}${f.attempts ? ` (gave up after ${f.attempts} attempts; run again)` : ''}`;
}

/** Maps start-up failures (no credentials, unreachable endpoint) to RunErrors with hints. */
export function toRunError(err: unknown, endpoint?: string): RunError {
  if (err instanceof RunError) return err;
  const e = (err ?? {}) as { name?: string; code?: string; message?: string };
  const name = e.name ?? '';
  const msg = e.message ?? String(err);
  if (
    name === 'CredentialsProviderError' ||
    (/Could not load credentials|credential/i.test(msg) && /load|provider|resolve/i.test(msg))
  ) {
    return new RunError(
      'NO_CREDENTIALS',
      'No AWS credentials were found.',
      'Use --profile NAME, set AWS_PROFILE, run `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. ' +
        'To try rootlock without an AWS account: `npm ci && npm run demo` in a clone of its repository runs the ' +
        'wizard on a local emulator.',
    );
  }
  const f = describeAwsError(err);
  if (f.code === 'ExpiredToken' || f.code === 'ExpiredTokenException' || /expired/i.test(msg)) {
    return new RunError(
      'EXPIRED_CREDENTIALS',
      `The AWS credentials have expired (${f.code}).`,
      'Refresh them (for SSO: aws sso login) and run again.',
    );
  }
  if (isCredentialProblem(f)) {
    return new RunError(
      'INVALID_CREDENTIALS',
      `AWS refused the credentials (${f.code}): ${f.message}`,
      'Check the profile or keys in use.',
    );
  }
  const netCodes = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH'];
  if (netCodes.includes(e.code ?? '') || netCodes.includes(name) || netCodes.some((c) => msg.includes(c))) {
    return new RunError(
      'ENDPOINT_UNREACHABLE',
      `Could not reach ${endpoint ?? 'the AWS endpoint'} (${e.code ?? name}).`,
      endpoint
        ? 'Check --endpoint-url / AWS_ENDPOINT_URL and that the service is running.'
        : 'Check the network and proxy settings.',
    );
  }
  return new RunError('AWS_ERROR', explainFailure(f));
}
