/**
 * The root layer: a small HTTP proxy that sits in front of the moto emulator and supplies
 * the root-user behaviour moto does not have. Everything not listed here is forwarded to
 * moto unchanged, except that every signed request carries an `x-moto-account-id` header
 * naming the account it acts in (see accountOf: correctness for root callers, speed for the
 * rest). See docs/testing-emulator.md for how tests use it and what it does NOT cover.
 *
 * Behaviours supplied, each written to the AWS documentation named beside it:
 *
 * 1. Root identity. A request signed with a seeded root access key acts as that account's
 *    root user; an Inactive or deleted root key is refused with the common
 *    `InvalidClientTokenId` error (HTTP 403; `AuthFailure` in the EC2 protocol,
 *    `UnrecognizedClientException` in the JSON protocols). A successful root-signed request
 *    records the key's last use (date, region, service). Optionally (`keyPropagationSeconds`),
 *    a root key that was just deactivated or deleted still authenticates for that many seconds
 *    of the layer's clock, as IAM's eventual consistency allows on AWS.
 *    - sts GetCallerIdentity: `arn:aws:iam::<acct>:root`, UserId and Account `<acct>`.
 *    Docs: IAM User Guide "AWS account root user", STS API GetCallerIdentity, "Common errors".
 * 2. Root access keys (caller is root, no `UserName`): iam ListAccessKeys, CreateAccessKey
 *    (at most 2: `LimitExceeded`), UpdateAccessKey, DeleteAccessKey, GetAccessKeyLastUsed
 *    (`N/A` region/service when never used). Unknown key: 404 `NoSuchEntity`. With a
 *    `UserName` the call goes to moto. Docs: IAM API ListAccessKeys, UpdateAccessKey,
 *    DeleteAccessKey, GetAccessKeyLastUsed / AccessKeyLastUsed, CreateAccessKey.
 * 3. iam GetAccountSummary: moto's answer with `AccountAccessKeysPresent` (1 if the root user
 *    has any access key, active or not), `AccountSigningCertificatesPresent` (any root signing
 *    certificate), `AccountPasswordPresent` (a root console password) and `AccountMFAEnabled`
 *    (any root MFA device) taken from root state. Docs: IAM API GetAccountSummary.
 * 4. Credential report: GenerateCredentialReport takes a snapshot (moto's user rows plus a
 *    `<root_account>` row: keys, `cert_{1,2}_active`/`_last_rotated` and `mfa_active` from root
 *    state; `password_enabled` is `not_supported`, as AWS documents for the root user);
 *    GetCredentialReport returns that snapshot with its own GeneratedTime, so a change made after
 *    the last generation is not in the report. Optionally (`credentialReportReuse`),
 *    GenerateCredentialReport within 4 hours of the last generation answers COMPLETE and keeps
 *    the existing report, as AWS does.
 *    Docs: IAM User Guide "Getting credential reports for your AWS account".
 * 5. Centralized root access (moto lacks it): iam ListOrganizationsFeatures,
 *    Enable/DisableOrganizationsRootCredentialsManagement, Enable/DisableOrganizationsRootSessions,
 *    and organizations Enable/DisableAWSServiceAccess + ListAWSServiceAccessForOrganization
 *    for `iam.amazonaws.com` only (moto refuses that principal). Management account or the
 *    delegated administrator for `iam.amazonaws.com` (15).
 *    Docs: IAM API ListOrganizationsFeatures and the Enable/Disable pages; IAM User Guide
 *    "Centrally manage root access for member accounts".
 * 6. sts AssumeRoot (from the management account or the delegated administrator for
 *    `iam.amazonaws.com`) and the task-scoped root session it returns (IAMAuditRootUserCredentials,
 *    IAMDeleteRootUserCredentials, IAMCreateRootUserPassword), including `ExpiredToken` after
 *    DurationSeconds and `AccessDenied` ("with an explicit deny in a session policy") for actions
 *    outside the task policy or naming an IAM user (the policies deny every resource but the root).
 *    Docs: STS API AssumeRoot; IAM User Guide "Perform a privileged task on an AWS
 *    Organizations member account"; AWS managed policies for root tasks (root-task/*).
 * 7. Account Management GetContactInformation / PutContactInformation with the
 *    ContactInformation validation rules. Docs: Account Management API PutContactInformation,
 *    ContactInformation data type. `AccountId` is checked as in 12.
 * 8. Request recording: every signed request as `{ service, operation, accessKeyId, region,
 *    params, status }` in `layer.requests`. S3 Control requests (signed as `s3`) are recorded
 *    as service `s3control` with the operation their method and path name
 *    (GET /v20180820/configuration/publicAccessBlock: GetPublicAccessBlock); moto answers them.
 * 9. iam GetAccountAuthorizationDetails lists only the AWS managed policies attached in the
 *    account, as AWS does (moto lists all of them, which also costs seconds a call). AWS's
 *    reference says only "information about managed policies"; the in-use-only behaviour is
 *    what callers observe (small, varying Policies counts), and tools that need every AWS
 *    managed policy call ListPolicies for them.
 * 10. ec2 DescribeInstances shows each instance's current instance profile association (moto
 *    keeps the profile from before ReplaceIamInstanceProfileAssociation).
 * 11. The root user's other credentials (caller root-signed or an AssumeRoot session of the
 *    account, no `UserName`): iam ListSigningCertificates / UpdateSigningCertificate /
 *    DeleteSigningCertificate (at most 2 certificates; no UserName in the answer),
 *    ListMFADevices / DeactivateMFADevice (at most 8 devices: virtual `arn:aws:iam::<acct>:mfa/...`,
 *    hardware `GAHT...`, FIDO `arn:aws:iam::<acct>:u2f/root/...`; a deactivated virtual device can
 *    then be deleted with DeleteVirtualMFADevice), GetLoginProfile / DeleteLoginProfile (404
 *    `NoSuchEntity` when there is no password) and CreateLoginProfile (IAMCreateRootUserPassword:
 *    no Password; answers PasswordResetRequired true). GetLoginProfile, DeleteLoginProfile,
 *    CreateLoginProfile and DeactivateMFADevice signed with the root user's own keys and no
 *    UserName are refused (`ValidationError`): AWS documents that root credentials must use an
 *    AssumeRoot session to omit the user name. As AWS creates accounts, a root user has a console
 *    password by default, except in a member account created by organizations CreateAccount.
 *    iam ListVirtualMFADevices (any caller acting in the account): moto's answer with the root
 *    user's virtual devices added on the first page, as AWS lists them: AssignmentStatus Assigned
 *    (or Any) lists those assigned to the root user with `User` Arn `arn:aws:iam::<acct>:root` and
 *    UserId the account id; Unassigned (or Any) lists deactivated ones not yet deleted.
 *    iam GetUser without `UserName` (root-signed or an AssumeRoot session): the root user, UserId
 *    the account id, Arn `arn:aws:iam::<acct>:root`, CreateDate, and PasswordLastUsed when the
 *    root password was used (seedRoot `passwordLastUsed`), even after the password was deleted
 *    ("if the user does not currently have a password but had one in the past, then this field
 *    contains the date and time the most recent password was used"); no UserName or Path (the
 *    reference marks them required for IAM users; whether AWS sends them for root is unverified).
 *    Docs: IAM API ListSigningCertificates, UpdateSigningCertificate, DeleteSigningCertificate,
 *    ListMFADevices, DeactivateMFADevice, GetLoginProfile, CreateLoginProfile, DeleteLoginProfile,
 *    ListVirtualMFADevices (VirtualMFADevice: SerialNumber, User, EnableDate), GetUser (User:
 *    PasswordLastUsed).
 * 12. Account Management API with `AccountId` (every account operation): the caller's account must
 *    be the management account of an all-features organization or its delegated administrator for
 *    `account.amazonaws.com`, the organization must have trusted access for
 *    `account.amazonaws.com`, the target must be a member account of it and not the caller's own
 *    account; else `AccessDeniedException` (403). Then the call acts in the target account.
 *    Docs: Account Management API reference, the AccountId parameter; "Enabling trusted access for
 *    AWS Account Management"; "Understanding the API operation modes".
 * 13. sts AssumeRole checks the role (iam GetRole in the account of RoleArn) and its trust policy
 *    (Principal `*`, AWS account id, `arn:aws:iam::<acct>:root` or the caller's exact ARN;
 *    Conditions StringEquals/StringLike on sts:ExternalId, ArnEquals/ArnLike/StringEquals/StringLike
 *    on aws:PrincipalArn; explicit Deny wins); refusals are `AccessDenied` (403) "User: <caller> is
 *    not authorized to perform: sts:AssumeRole on resource: <role arn>"; root callers get "Roles may
 *    not be assumed by root accounts."; a role in a SUSPENDED account is refused the same way.
 *    Anything else in a trust policy is an internal error naming it, never a silent allow.
 *    Docs: STS API AssumeRole; IAM User Guide "Policy evaluation logic", "IAM JSON policy elements:
 *    Principal / Condition", "AWS global condition context keys".
 * 14. Service control policies: requests by principals acting in a member account (root keys, IAM
 *    users, role sessions, AssumeRoot sessions) are evaluated against the SCPs of the root, each OU
 *    on the path and the account (when the root has SERVICE_CONTROL_POLICY enabled): an explicit
 *    Deny or an action no SCP allows at some level is `AccessDenied` in the service's protocol.
 *    Conditions: aws:PrincipalArn (Arn*, String*, Null) and aws:AssumedRoot (Bool, Null; "true"
 *    only in AssumeRoot sessions); Resource must be "*". Anything else is an internal error naming
 *    it. The management account is never subject to SCPs; sts:GetCallerIdentity is always allowed.
 *    The inputs are cached per account and dropped on every mutating organizations call.
 *    Docs: Organizations User Guide "Service control policies (SCPs)", "SCP evaluation", "SCP syntax".
 * 15. Delegated administrators for `iam.amazonaws.com`, `account.amazonaws.com` and
 *    `sso.amazonaws.com` (moto refuses all three): organizations Register/DeregisterDelegatedAdministrator,
 *    and those added to ListDelegatedAdministrators / ListDelegatedServicesForAccount. Management
 *    account only, except that a delegated administrator may call ListDelegatedServicesForAccount
 *    (it reads the organization as the management account does, 18).
 *    Docs: Organizations API RegisterDelegatedAdministrator.
 * 16. Account status: requests acting in a member account whose status is not ACTIVE (moto's
 *    CloseAccount makes it SUSPENDED) are refused with `AccessDenied` (the exact code AWS uses is
 *    unverified). Cached with 14.
 * 17. Test set-up credentials (`actAs`): keys that act in a given account as an all-powerful caller
 *    (like the bootstrap key in the default account), exempt from 14 and 16.
 * 18. Organizations reads (List*, Describe* but DescribeOrganization) only from the management
 *    account or a delegated administrator (answered as the management account sees the
 *    organization); other members get AccessDeniedException.
 *    Docs: Organizations User Guide "Delegated administrator for AWS Organizations".
 * 19. IAM Identity Center (sso-admin, signed `sso`, X-Amz-Target `SWBExternalService.*`; identitystore,
 *    `AWSIdentityStore.*`). moto gives every account an instance in every region; on AWS an
 *    organization instance exists only where it was enabled (in the console: no API), in one region
 *    of the management account. `enableIdentityCenter(account, region)` enables it. The instance is
 *    visible to that account and to the organization's delegated administrator for
 *    `sso.amazonaws.com` (15), in that region only: they act on it in the owner's
 *    moto backend. Anyone else gets an empty ListInstances and `AccessDeniedException` for every
 *    other sso-admin and identitystore call. CreateAccountAssignment answers Status `IN_PROGRESS`
 *    (the work is asynchronous on AWS); DescribeAccountAssignmentCreationStatus answers moto's
 *    `SUCCEEDED`. Docs: IAM Identity Center User Guide "Organization and account instances of IAM
 *    Identity Center", "Delegated administration"; SSO Admin API ListInstances,
 *    CreateAccountAssignment, DescribeAccountAssignmentCreationStatus.
 * 20. CloudTrail event history (moto has no LookupEvents): cloudtrail LookupEvents answers from the
 *    layer's own record of requests (8: every signed request the layer answered with success, with
 *    its time, source IP and User-Agent) and from events a test planted (`seedTrailEvents`): the
 *    events of the caller's account recorded in the request's region (IAM, Organizations and
 *    Account Management events in us-east-1, as CloudTrail records global services' events there),
 *    newest first, within StartTime/EndTime and the last 90 days, paged by MaxResults (1 to 50,
 *    default 50) and NextToken. Lookup attribute `AccessKeyId` or none (any other is an internal
 *    error naming it). Each event has EventId, EventName, ReadOnly, AccessKeyId, EventTime,
 *    EventSource (`<service>.amazonaws.com`), Username (`root` for the root user), Resources (empty)
 *    and CloudTrailEvent, a JSON string with eventName, eventSource, awsRegion, sourceIPAddress,
 *    userAgent and userIdentity (`Root` with arn, accountId and accessKeyId for root keys and
 *    AssumeRoot sessions). Management events, reads and writes alike; not emulated: the 5 to 15
 *    minutes before an event shows on AWS (here at once), failed calls (AWS records them with an
 *    errorCode), data events, Insights, the throttling beyond two lookups a second.
 *    Docs: CloudTrail API Reference "LookupEvents" and "Event"; CloudTrail User Guide "Working
 *    with CloudTrail event history", "CloudTrail record contents".
 */
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';

export const DEFAULT_ACCOUNT_ID = '123456789012';

export interface KeyLastUsed {
  date: Date;
  region: string;
  service: string;
}

export interface RootKey {
  accessKeyId: string;
  secretAccessKey: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
  lastUsed?: KeyLastUsed;
}

/** The Account Management API's ContactInformation shape. */
export interface ContactInformation {
  FullName: string;
  AddressLine1: string;
  AddressLine2?: string;
  AddressLine3?: string;
  City: string;
  StateOrRegion?: string;
  DistrictOrCounty?: string;
  PostalCode: string;
  CountryCode: string;
  PhoneNumber: string;
  CompanyName?: string;
  WebsiteUrl?: string;
}

/** A root X.509 signing certificate (IAM data type SigningCertificate, without UserName). */
export interface RootCertificate {
  certificateId: string;
  certificateBody: string;
  status: 'Active' | 'Inactive';
  uploadDate: Date;
}

export type RootMfaKind = 'virtual' | 'hardware' | 'fido';

/** A root MFA device (IAM data type MFADevice, without UserName). */
export interface RootMfaDevice {
  kind: RootMfaKind;
  /** Virtual: `arn:aws:iam::<acct>:mfa/<name>`; hardware: the token's serial (`GAHT...`); FIDO: `arn:aws:iam::<acct>:u2f/root/<id>`. */
  serialNumber: string;
  enableDate: Date;
}

/** The root user's console password (IAM data type LoginProfile, without UserName). */
export interface RootPassword {
  createDate: Date;
  passwordResetRequired: boolean;
}

export interface RootState {
  rootKeys: RootKey[];
  /** Any MFA device. Setting true with no device adds one virtual device; setting false removes every device. */
  mfaEnabled: boolean;
  mfaDevices: RootMfaDevice[];
  certificates: RootCertificate[];
  /**
   * The console password, if there is one. By default, as AWS creates accounts: present for an
   * account the layer did not see created by organizations CreateAccount (standalone, management),
   * absent for a member account created that way.
   */
  password?: RootPassword;
  passwordLastUsed?: Date;
  contactInformation?: ContactInformation;
  /** When the root user "was created": the credential report's user_creation_time. */
  createDate: Date;
}

export interface SeedRootOptions {
  keys?: Array<{ status?: 'Active' | 'Inactive'; createDate?: Date; lastUsed?: KeyLastUsed }>;
  /** true without `mfaDevices`: one virtual device; false: none. */
  mfaEnabled?: boolean;
  /** Implies a password (unless `password: false`, which is refused). */
  passwordLastUsed?: Date;
  /** Root X.509 signing certificates, at most 2 (replaces them). */
  certificates?: Array<{ status?: 'Active' | 'Inactive'; uploadDate?: Date }>;
  /** A root console password is present (true) or not (false). */
  password?: boolean;
  /** Root MFA devices, at most 8 (replaces them). */
  mfaDevices?: Array<{ kind: RootMfaKind; enableDate?: Date }>;
}

/** A past CloudTrail event a test plants in event history (behaviour 20). */
export interface TrailEventSeed {
  eventName: string;
  /** The service's signing name: eventSource is `<service>.amazonaws.com` (default `iam`). */
  service?: string;
  /** The region whose event history holds it (default us-east-1). */
  region?: string;
  time: Date;
  sourceIp?: string;
  userAgent?: string;
}

export interface RecordedRequest {
  service: string;
  operation: string;
  accessKeyId: string;
  region: string;
  /** The parsed form body (without Action and Version) or JSON body. */
  params: Record<string, unknown>;
  /** HTTP status the layer answered with; set when the response is sent. */
  status?: number;
}

export type OrganizationsFeature = 'RootCredentialsManagement' | 'RootSessions';

export interface RootLayer {
  /** The layer's base URL (http://127.0.0.1:PORT). */
  readonly url: string;
  /** Every signed request, in arrival order. Cleared (in place) by reset(). */
  readonly requests: RecordedRequest[];
  /** Defines the root user of an account: replaces its keys; returns the new key pairs. */
  seedRoot(
    accountId?: string,
    opts?: SeedRootOptions,
  ): { keys: Array<{ accessKeyId: string; secretAccessKey: string }> };
  /** The live root state of an account (created empty on first use: every account has a root user). */
  root(accountId?: string): RootState;
  /** Enabled centralized-root-access features of an organization (for assertions). */
  organizationFeatures(organizationId: string): OrganizationsFeature[];
  /**
   * Plants past CloudTrail events made with an access key (behaviour 20), in the key's account
   * (a root key's, or `accountId`).
   */
  seedTrailEvents(accessKeyId: string, events: TrailEventSeed[], accountId?: string): void;
  /**
   * Enables IAM Identity Center in `accountId` (an organization's management account) in `region`,
   * as the console does (behaviour 19); its instance and identity store are moto's for that account
   * and region.
   */
  enableIdentityCenter(accountId: string, region: string): void;
  /**
   * Test set-up credentials: a new key that acts in `accountId` as an all-powerful caller (moto
   * does not check signatures). Requests signed with it are exempt from service control policies
   * and account status: they stand for setting the account up, not for a principal under test.
   */
  actAs(accountId: string): { accessKeyId: string; secretAccessKey: string };
  /** Moves the layer's clock forward (session expiry, last-used dates, report times, propagation). */
  advanceClock(seconds: number): void;
  /** Changes the AWS behaviours that are off by default; reset() restores those the layer started with. */
  configure(behaviour: RootLayerBehaviour): void;
  /** The AWS behaviours in force now. */
  readonly behaviour: Readonly<Required<RootLayerBehaviour>>;
  /** The layer's current time. */
  now(): Date;
  reset(): void;
  close(): Promise<void>;
}

/* ------------------------------------------------------------------------------------------ */
/* Protocol plumbing                                                                           */
/* ------------------------------------------------------------------------------------------ */

type Protocol = 'query' | 'ec2' | 'json' | 'rest-json' | 'rest-xml';

interface ParsedRequest {
  service: string;
  operation: string;
  accessKeyId: string;
  region: string;
  protocol: Protocol;
  params: Record<string, unknown>;
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

const XMLNS: Record<string, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

const SCOPE_RE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function parseRequest(req: http.IncomingMessage, body: Buffer): ParsedRequest | undefined {
  const m = SCOPE_RE.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const [, accessKeyId = '', region = '', service = ''] = m;
  const text = body.toString('utf8');
  const target = req.headers['x-amz-target'];
  const url = new URL(req.url ?? '/', 'http://layer');
  if (typeof target === 'string') {
    return {
      service,
      region,
      accessKeyId,
      protocol: 'json',
      operation: target.split('.').pop() ?? '',
      params: parseJson(text),
    };
  }
  const isForm =
    (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded') || url.searchParams.has('Action');
  if (isForm) {
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    for (const [k, v] of new URLSearchParams(text)) params[k] = v;
    const operation = String(params.Action ?? '');
    delete params.Action;
    delete params.Version;
    return { service, region, accessKeyId, protocol: service === 'ec2' ? 'ec2' : 'query', operation, params };
  }
  const last = url.pathname.split('/').filter(Boolean).pop() ?? '';
  const resource = last.charAt(0).toUpperCase() + last.slice(1);
  if (url.pathname.startsWith('/v20180820/')) {
    // S3 Control (REST-XML, signed as "s3"): the HTTP method names the operation, e.g.
    // GET /v20180820/configuration/publicAccessBlock is GetPublicAccessBlock.
    const verb = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', POST: 'Create' }[req.method ?? 'GET'] ?? 'Unknown';
    return {
      service: 's3control',
      region,
      accessKeyId,
      protocol: 'rest-xml',
      operation: `${verb}${resource}`,
      params: { AccountId: req.headers['x-amz-account-id'] },
    };
  }
  return { service, region, accessKeyId, protocol: 'rest-json', operation: resource, params: parseJson(text) };
}

function parseJson(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function xmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** AWS XML timestamp: 2024-01-02T03:04:05Z. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Credential report timestamp: 2024-01-02T03:04:05+00:00. */
function reportTime(d: Date): string {
  return isoSeconds(d).replace(/Z$/, '+00:00');
}

function queryOk(p: ParsedRequest, resultXml?: string): Reply {
  const op = p.operation;
  const result = resultXml === undefined ? '' : `<${op}Result>${resultXml}</${op}Result>`;
  const requestId = randomUUID();
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<${op}Response xmlns="${XMLNS[p.service] ?? ''}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`,
  };
}

function jsonOk(value: unknown, protocol: Protocol): Reply {
  const type = protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json';
  return {
    status: 200,
    headers: { 'content-type': type, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(value),
  };
}

/** An error in the request's protocol: query XML, EC2 XML, JSON 1.1, REST-JSON or S3's REST-XML. */
function errorReply(
  p: ParsedRequest,
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): Reply {
  const requestId = randomUUID();
  switch (p.protocol) {
    case 'query': {
      const ns = XMLNS[p.service] ? ` xmlns="${XMLNS[p.service]}"` : '';
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse${ns}><Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'ec2':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'json':
      return {
        status,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': code,
          'x-amzn-requestid': requestId,
        },
        body: JSON.stringify({ __type: code, Message: message, ...extra }),
      };
    case 'rest-json':
      return {
        status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ message, ...extra }),
      };
    case 'rest-xml':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/** The credential errors every AWS service returns, by protocol. */
function invalidKey(p: ParsedRequest): Reply {
  if (p.protocol === 'ec2')
    return errorReply(p, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
  if (p.protocol === 'rest-xml')
    return errorReply(
      p,
      403,
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  const code = p.protocol === 'query' ? 'InvalidClientTokenId' : 'UnrecognizedClientException';
  return errorReply(p, 403, code, 'The security token included in the request is invalid.');
}

function expiredToken(p: ParsedRequest): Reply {
  if (p.protocol === 'ec2') return errorReply(p, 400, 'RequestExpired', 'Request has expired.');
  const code = p.protocol === 'query' || p.protocol === 'rest-xml' ? 'ExpiredToken' : 'ExpiredTokenException';
  return errorReply(p, 403, code, 'The security token included in the request is expired');
}

function accessDenied(p: ParsedRequest, message: string): Reply {
  if (p.protocol === 'ec2') return errorReply(p, 403, 'UnauthorizedOperation', message);
  return errorReply(
    p,
    403,
    p.protocol === 'query' || p.protocol === 'rest-xml' ? 'AccessDenied' : 'AccessDeniedException',
    message,
  );
}

function validationError(p: ParsedRequest, message: string): Reply {
  return errorReply(
    p,
    400,
    p.protocol === 'query' ? 'ValidationError' : p.protocol === 'rest-xml' ? 'InvalidRequest' : 'ValidationException',
    message,
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Identifiers                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** An access key id like AWS's: a 4-letter prefix and 16 upper-case base32 characters. */
function newKeyId(prefix: 'AKIA' | 'ASIA'): string {
  const bytes = randomBytes(16);
  let id = prefix;
  for (const b of bytes) id += ID_CHARS[b % 32];
  return id;
}

/** 40 characters of base64, like a real secret access key. */
function newSecret(): string {
  return randomBytes(30).toString('base64');
}

/* ------------------------------------------------------------------------------------------ */
/* Policy evaluation (trust policies, service control policies)                                */
/* ------------------------------------------------------------------------------------------ */

/**
 * A policy uses something the layer does not evaluate. The request gets an internal error (HTTP
 * 500, code InternalFailure) naming it: the layer never guesses, so it never silently allows.
 */
export class NotEmulatedError extends Error {}

interface PolicyCondition {
  operator: string;
  /** Lower case (condition keys are case-insensitive). */
  key: string;
  values: string[];
}

interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions?: string[];
  notActions?: string[];
  /** Trust policies: the AWS principals (`*`, account ids, ARNs); undefined: no AWS principal. */
  awsPrincipals?: string[];
  conditions: PolicyCondition[];
}

/** Request context values by lower-case key; absent keys are undefined. */
type RequestContext = Record<string, string | undefined>;

const ARN_OPS = ['ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike'];
const STRING_OPS = ['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike'];

/** Condition keys (and their operators) in service control policies. */
const SCP_CONDITION_KEYS: Record<string, Set<string>> = {
  'aws:principalarn': new Set([...ARN_OPS, ...STRING_OPS, 'Null']),
  'aws:assumedroot': new Set(['Bool', 'Null']),
};

/** Condition keys (and their operators) in role trust policies. */
const TRUST_CONDITION_KEYS: Record<string, Set<string>> = {
  'sts:externalid': new Set(['StringEquals', 'StringLike']),
  'aws:principalarn': new Set(['ArnEquals', 'ArnLike', 'StringEquals', 'StringLike']),
};

const patterns = new Map<string, RegExp>();

/** `*` and `?` wildcards; the whole value must match. */
function wildcard(pattern: string, ignoreCase: boolean): RegExp {
  const cacheKey = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let re = patterns.get(cacheKey);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
    patterns.set(cacheKey, re);
  }
  return re;
}

/** Action names are case-insensitive; `*` and `?` wildcards. */
function actionMatches(list: string[], action: string): boolean {
  return list.some((a) => wildcard(a, true).test(action));
}

function arnParts(arn: string): string[] | undefined {
  const parts = arn.split(':');
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

/** ArnLike / ArnEquals: each of the six colon-separated parts matched on its own, wildcards allowed. */
function arnLike(pattern: string, value: string): boolean {
  const p = arnParts(pattern);
  const v = arnParts(value);
  return !!p && !!v && p.every((part, i) => wildcard(part, false).test(v[i] ?? ''));
}

function conditionHolds(c: PolicyCondition, ctx: RequestContext): boolean {
  const actual = ctx[c.key];
  const any = (test: (v: string, a: string) => boolean): boolean =>
    actual !== undefined && c.values.some((v) => test(v, actual));
  switch (c.operator) {
    case 'StringEquals':
      return any((v, a) => v === a);
    case 'StringNotEquals':
      return !any((v, a) => v === a);
    case 'StringLike':
      return any((v, a) => wildcard(v, false).test(a));
    case 'StringNotLike':
      return !any((v, a) => wildcard(v, false).test(a));
    case 'ArnEquals':
    case 'ArnLike':
      return any(arnLike);
    case 'ArnNotEquals':
    case 'ArnNotLike':
      return !any(arnLike);
    case 'Bool':
      return any((v, a) => v.toLowerCase() === a.toLowerCase());
    case 'Null':
      return c.values.some((v) => (v.toLowerCase() === 'true') === (actual === undefined));
    default:
      throw new NotEmulatedError(`condition operator ${c.operator} is not emulated`);
  }
}

function stringList(v: unknown, where: string): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v)) return v.flatMap((x) => stringList(x, where));
  throw new NotEmulatedError(`${where}: a value that is not a string or a list of strings`);
}

function parseConditions(raw: unknown, allowed: Record<string, Set<string>>, where: string): PolicyCondition[] {
  if (raw === undefined) return [];
  if (!raw || typeof raw !== 'object') throw new NotEmulatedError(`${where}: Condition is not an object`);
  const out: PolicyCondition[] = [];
  for (const [operator, block] of Object.entries(raw as Record<string, unknown>)) {
    if (!block || typeof block !== 'object')
      throw new NotEmulatedError(`${where}: Condition ${operator} is not an object`);
    for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
      const lower = key.toLowerCase();
      const ops = allowed[lower];
      if (!ops)
        throw new NotEmulatedError(
          `${where}: condition key ${key} is not emulated by the root layer (it evaluates ${Object.keys(allowed).join(', ')})`,
        );
      if (!ops.has(operator))
        throw new NotEmulatedError(
          `${where}: condition operator ${operator} on ${key} is not emulated by the root layer (it evaluates ${[...ops].join(', ')})`,
        );
      const values = stringList(value, `${where}: ${operator} ${key}`);
      if (values.some((v) => v.includes('${')))
        throw new NotEmulatedError(`${where}: policy variables in ${operator} ${key} are not emulated`);
      out.push({ operator, key: lower, values });
    }
  }
  return out;
}

function policyStatements(content: string, where: string): Array<Record<string, unknown>> {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    throw new NotEmulatedError(`${where}: the policy document is not JSON`);
  }
  const raw = (doc as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list.map((x) => {
    if (!x || typeof x !== 'object') throw new NotEmulatedError(`${where}: a statement is not an object`);
    return x as Record<string, unknown>;
  });
}

function statementEffect(st: Record<string, unknown>, where: string): 'Allow' | 'Deny' {
  if (st.Effect === 'Allow' || st.Effect === 'Deny') return st.Effect;
  throw new NotEmulatedError(`${where}: Effect ${String(st.Effect)} is not Allow or Deny`);
}

/** An SCP's statements, refusing what the layer does not evaluate (resource scoping, principals). */
export function parseScp(name: string, content: string): PolicyStatement[] {
  const where = `service control policy ${name}`;
  return policyStatements(content, where).map((st) => {
    if (st.NotResource !== undefined) throw new NotEmulatedError(`${where}: NotResource is not emulated`);
    if (st.Principal !== undefined || st.NotPrincipal !== undefined)
      throw new NotEmulatedError(`${where}: Principal is not valid in a service control policy`);
    const resources = st.Resource === undefined ? ['*'] : stringList(st.Resource, `${where}: Resource`);
    if (resources.some((r) => r !== '*'))
      throw new NotEmulatedError(`${where}: Resource ${resources.join(', ')} is not emulated (only "*")`);
    return {
      effect: statementEffect(st, where),
      ...(st.Action !== undefined ? { actions: stringList(st.Action, `${where}: Action`) } : {}),
      ...(st.NotAction !== undefined ? { notActions: stringList(st.NotAction, `${where}: NotAction`) } : {}),
      conditions: parseConditions(st.Condition, SCP_CONDITION_KEYS, where),
    };
  });
}

/** A role's trust policy (its AssumeRolePolicyDocument). */
export function parseTrustPolicy(roleArn: string, content: string): PolicyStatement[] {
  const where = `trust policy of ${roleArn}`;
  return policyStatements(content, where).map((st) => {
    if (st.NotPrincipal !== undefined) throw new NotEmulatedError(`${where}: NotPrincipal is not emulated`);
    const principal = st.Principal;
    let awsPrincipals: string[] | undefined;
    if (principal === '*') awsPrincipals = ['*'];
    else if (principal && typeof principal === 'object') {
      const aws = (principal as Record<string, unknown>).AWS;
      if (aws !== undefined) awsPrincipals = stringList(aws, `${where}: Principal AWS`);
    } else if (principal !== undefined)
      throw new NotEmulatedError(`${where}: Principal ${JSON.stringify(principal)} is not emulated`);
    for (const a of awsPrincipals ?? []) {
      if (a !== '*' && a.includes('*'))
        throw new NotEmulatedError(`${where}: wildcard AWS principal ${a} is not emulated (AWS refuses it too)`);
    }
    return {
      effect: statementEffect(st, where),
      ...(st.Action !== undefined ? { actions: stringList(st.Action, `${where}: Action`) } : {}),
      ...(st.NotAction !== undefined ? { notActions: stringList(st.NotAction, `${where}: NotAction`) } : {}),
      ...(awsPrincipals ? { awsPrincipals } : {}),
      conditions: parseConditions(st.Condition, TRUST_CONDITION_KEYS, where),
    };
  });
}

function statementApplies(st: PolicyStatement, action: string, ctx: RequestContext): boolean {
  if (st.actions && !actionMatches(st.actions, action)) return false;
  if (st.notActions && actionMatches(st.notActions, action)) return false;
  if (!st.actions && !st.notActions) return false;
  return st.conditions.every((c) => conditionHolds(c, ctx));
}

/** Who is asking to assume a role, for its trust policy. */
interface TrustCaller {
  accountId: string;
  /** The caller's ARNs a trust policy may name: user ARN; role ARN and session ARN for a role session. */
  arns: string[];
}

function awsPrincipalMatches(principal: string, caller: TrustCaller): boolean {
  if (principal === '*') return true;
  if (/^\d{12}$/.test(principal)) return principal === caller.accountId;
  const rootOf = /^arn:aws:iam::(\d{12}):root$/.exec(principal)?.[1];
  if (rootOf) return rootOf === caller.accountId;
  return caller.arns.includes(principal);
}

/** Policy evaluation for sts:AssumeRole against a trust policy: an explicit Deny wins, then any Allow. */
export function trustAllows(statements: PolicyStatement[], caller: TrustCaller, ctx: RequestContext): boolean {
  const applies = (st: PolicyStatement): boolean =>
    !!st.awsPrincipals?.some((a) => awsPrincipalMatches(a, caller)) && statementApplies(st, 'sts:AssumeRole', ctx);
  if (statements.some((st) => st.effect === 'Deny' && applies(st))) return false;
  return statements.some((st) => st.effect === 'Allow' && applies(st));
}

/**
 * SCP evaluation: an explicit Deny in any SCP on the path denies; otherwise every level (root,
 * each OU, the account) must have an SCP with an Allow for the action.
 */
export function evaluateScps(
  levels: ScpPolicy[][],
  action: string,
  ctx: RequestContext,
): { decision: 'allow' } | { decision: 'explicit-deny'; policy: string } | { decision: 'implicit-deny' } {
  for (const level of levels)
    for (const pol of level)
      for (const st of pol.statements)
        if (st.effect === 'Deny' && statementApplies(st, action, ctx))
          return { decision: 'explicit-deny', policy: pol.name };
  for (const level of levels) {
    const allowed = level.some((pol) =>
      pol.statements.some((st) => st.effect === 'Allow' && statementApplies(st, action, ctx)),
    );
    if (!allowed) return { decision: 'implicit-deny' };
  }
  return { decision: 'allow' };
}

/** The IAM action a request needs (S3 Control's account-level Block Public Access is named after the account). */
function iamAction(p: ParsedRequest): string {
  if (p.service === 's3control') {
    const renamed: Record<string, string> = {
      GetPublicAccessBlock: 's3:GetAccountPublicAccessBlock',
      PutPublicAccessBlock: 's3:PutAccountPublicAccessBlock',
      DeletePublicAccessBlock: 's3:PutAccountPublicAccessBlock',
    };
    return renamed[p.operation] ?? `s3:${p.operation}`;
  }
  return `${p.service}:${p.operation}`;
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** A policy document as IAM answers it: URL-encoded JSON (moto and AWS), or plain JSON. */
function policyDocumentText(raw: string): string {
  const text = xmlUnescape(raw).trim();
  if (text.startsWith('{')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Root tasks                                                                                  */
/* ------------------------------------------------------------------------------------------ */

const ROOT_TASK_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

/**
 * The AWS managed root-task policies (AWS managed policy reference, version v1 of 2024-11-06). Each
 * is two Deny statements: every action but `actions` on any resource, and the actions in
 * `rootOnly` on any resource but `arn:aws:iam::*:root` (so naming an IAM user is denied).
 */
const ROOT_TASK_POLICIES: Record<string, { feature: OrganizationsFeature; actions: string[]; rootOnly: string[] }> = {
  IAMDeleteRootUserCredentials: {
    feature: 'RootCredentialsManagement',
    actions: [
      'iam:ListAccessKeys',
      'iam:DeleteAccessKey',
      'iam:GetAccessKeyLastUsed',
      'iam:DeactivateMFADevice',
      'iam:DeleteVirtualMFADevice',
      'iam:ListMFADevices',
      'iam:GetLoginProfile',
      'iam:DeleteLoginProfile',
      'iam:ListSigningCertificates',
      'iam:DeleteSigningCertificate',
      'iam:GetUser',
    ],
    rootOnly: [
      'iam:DeleteAccessKey',
      'iam:DeleteSigningCertificate',
      'iam:DeleteLoginProfile',
      'iam:DeactivateMFADevice',
      'iam:ListAccessKeys',
      'iam:ListSigningCertificates',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
      'iam:GetUser',
      'iam:GetAccessKeyLastUsed',
    ],
  },
  IAMAuditRootUserCredentials: {
    feature: 'RootCredentialsManagement',
    actions: [
      'iam:ListAccessKeys',
      'iam:GetAccessKeyLastUsed',
      'iam:ListMFADevices',
      'iam:GetLoginProfile',
      'iam:ListSigningCertificates',
      'iam:GetAccountSummary',
      'iam:GetUser',
    ],
    rootOnly: [
      'iam:ListAccessKeys',
      'iam:ListSigningCertificates',
      'iam:GetLoginProfile',
      'iam:ListMFADevices',
      'iam:GetUser',
      'iam:GetAccessKeyLastUsed',
    ],
  },
  IAMCreateRootUserPassword: {
    feature: 'RootCredentialsManagement',
    actions: ['iam:CreateLoginProfile', 'iam:GetLoginProfile'],
    rootOnly: ['iam:CreateLoginProfile', 'iam:GetLoginProfile'],
  },
};

interface RootSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  taskPolicy: string;
  expiration: Date;
}

type Caller =
  | { kind: 'root'; accountId: string; key: RootKey }
  | { kind: 'root-session'; accountId: string; session: RootSession }
  | { kind: 'other' };

/** What the layer knows about an access key it did not issue as root credentials. */
interface KeyInfo {
  accountId: string;
  /** issued: moto issued it through the layer (an IAM user's key, a session token); setup: actAs. */
  kind: 'issued' | 'role-session' | 'setup';
  /** The caller's ARN (GetCallerIdentity's Arn), once known. */
  arn?: string;
  /** aws:PrincipalArn: the role's ARN for a role session, else the caller's ARN. */
  principalArn?: string;
}

/** Where an account stands in an organization (cached; see accountContext). */
interface AccountContext {
  org?: OrgInfo;
  /** In an organization and not its management account. */
  member: boolean;
  /** The member account's Status (ACTIVE, SUSPENDED, PENDING_CLOSURE). */
  status?: string;
}

interface ScpPolicy {
  id: string;
  name: string;
  statements: PolicyStatement[];
}

interface OrgInfo {
  id: string;
  masterAccountId: string;
  featureSet: string;
}

/** What the layer keeps about an organization (moto lacks it). */
interface OrgLayerState {
  trustedIamSince?: Date;
  features: Set<OrganizationsFeature>;
  /** Delegated administrators the layer registered: service principal -> account -> since. */
  delegated: Map<string, Map<string, Date>>;
}

interface ReportSnapshot {
  csv: string;
  generated: Date;
}

const FEATURE_ORDER: OrganizationsFeature[] = ['RootCredentialsManagement', 'RootSessions'];

const ACCESS_KEY_OPS = new Set([
  'ListAccessKeys',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'GetAccessKeyLastUsed',
]);

/** Root credential operations the layer answers for the root user (behaviour 11). */
const ROOT_CREDENTIAL_OPS = new Set([
  'ListSigningCertificates',
  'UpdateSigningCertificate',
  'DeleteSigningCertificate',
  'GetLoginProfile',
  'CreateLoginProfile',
  'DeleteLoginProfile',
  'ListMFADevices',
  'DeactivateMFADevice',
]);

/** Of those, the ones AWS lets the root user omit UserName for only in an AssumeRoot session. */
const SESSION_ONLY_OPS = new Set([
  'GetLoginProfile',
  'CreateLoginProfile',
  'DeleteLoginProfile',
  'DeactivateMFADevice',
]);

/** Services whose delegated administrators the layer keeps (moto refuses to register them). */
const IAM_PRINCIPAL = 'iam.amazonaws.com';
const ACCOUNT_PRINCIPAL = 'account.amazonaws.com';
/** IAM Identity Center's service principal (behaviour 19). */
const SSO_PRINCIPAL = 'sso.amazonaws.com';
const LAYER_DELEGATED_SERVICES = new Set([IAM_PRINCIPAL, ACCOUNT_PRINCIPAL, SSO_PRINCIPAL]);

/** Behaviour 20: services whose events CloudTrail records in us-east-1, and how long event history keeps them. */
const GLOBAL_TRAIL_SERVICES = new Set(['iam', 'organizations', 'account']);
const TRAIL_RETENTION_DAYS = 90;

/** One event in the layer's CloudTrail event history (behaviour 20). */
interface TrailEntry {
  eventId: string;
  accessKeyId: string;
  accountId: string;
  region: string;
  service: string;
  operation: string;
  time: Date;
  sourceIp: string;
  userAgent: string;
}

/** The key id the layer signs its own look-ups with (moto does not check it; the account is named). */
const INTERNAL_KEY = 'AKIAROOTLAYERINTERNAL';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'expect', 'upgrade']);

/* ------------------------------------------------------------------------------------------ */
/* The layer                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/**
 * AWS behaviours the layer can model that tests must opt into (both off by default): they make
 * a test depend on timing, and older tests were written against the simpler behaviour.
 */
export interface RootLayerBehaviour {
  /**
   * IAM is eventually consistent: a root key that was deactivated or deleted still authenticates
   * for this many seconds of the layer's clock after the change was answered. 0: refused at once.
   */
  keyPropagationSeconds?: number;
  /**
   * GenerateCredentialReport within 4 hours (layer's clock) of the last generation answers
   * COMPLETE and keeps the existing report, which shows the account as it was then (IAM User
   * Guide, "Getting credential reports for your AWS account"). false: every call takes a new snapshot.
   */
  credentialReportReuse?: boolean;
}

/** How long AWS keeps answering with an existing credential report. */
export const CREDENTIAL_REPORT_REUSE_SECONDS = 4 * 3600;

export interface StartRootLayerOptions extends RootLayerBehaviour {
  /** moto's base URL, e.g. http://127.0.0.1:5000 */
  motoUrl: string;
  /** Port to listen on (127.0.0.1); 0 or absent picks a free one. */
  port?: number;
}

export async function startRootLayer(opts: StartRootLayerOptions): Promise<RootLayer> {
  const moto = new URL(opts.motoUrl);
  const agent = new http.Agent({ keepAlive: true });

  let clockOffsetMs = 0;
  const now = (): Date => new Date(Date.now() + clockOffsetMs);

  const initial: Required<RootLayerBehaviour> = {
    keyPropagationSeconds: opts.keyPropagationSeconds ?? 0,
    credentialReportReuse: opts.credentialReportReuse ?? false,
  };
  let behaviour: Required<RootLayerBehaviour> = { ...initial };
  /** Root keys deactivated or deleted, and when: they may still authenticate (keyPropagationSeconds). */
  const revoked = new Map<string, { key: RootKey; at: Date }>();

  const requests: RecordedRequest[] = [];
  const roots = new Map<string, RootState>();
  /** Every root key id ever issued (including deleted ones) -> its account. */
  const rootKeyAccounts = new Map<string, string>();
  const sessions = new Map<string, RootSession>();
  /** Access keys moto issued (seen passing through the layer) and actAs keys -> what they are. */
  const keyInfo = new Map<string, KeyInfo>();
  const reports = new Map<string, ReportSnapshot>();
  const orgs = new Map<string, OrgLayerState>();
  /** Root virtual MFA devices deactivated but not deleted, by account. */
  const detachedVirtualMfa = new Map<string, Set<string>>();
  /** Accounts created through the layer by organizations CreateAccount: their root has no password. */
  const createdMembers = new Set<string>();
  /** Behaviour 20: what CloudTrail records of each request besides its record, and planted events. */
  const trailNotes = new WeakMap<
    RecordedRequest,
    Omit<TrailEntry, 'accessKeyId' | 'region' | 'service' | 'operation'>
  >();
  const seededTrail: TrailEntry[] = [];
  /** Behaviour 19: accounts with an enabled IAM Identity Center instance -> its region. */
  const identityCenters = new Map<string, string>();

  function root(accountId = DEFAULT_ACCOUNT_ID): RootState {
    let state = roots.get(accountId);
    if (!state) {
      state = newRootState(accountId);
      roots.set(accountId, state);
    }
    return state;
  }

  function newRootState(accountId: string): RootState {
    const state = { rootKeys: [], mfaDevices: [], certificates: [], createDate: now() } as unknown as RootState;
    // As AWS creates them: a standalone (or management) account's root user signed up with a
    // password; a member account created by Organizations has no root password.
    if (!createdMembers.has(accountId)) state.password = { createDate: state.createDate, passwordResetRequired: false };
    // mfaEnabled is derived from the devices (and, set, adds one virtual device or removes them all).
    Object.defineProperty(state, 'mfaEnabled', {
      enumerable: true,
      get: () => state.mfaDevices.length > 0,
      set: (on: boolean) => {
        if (!on) state.mfaDevices = [];
        else if (state.mfaDevices.length === 0) state.mfaDevices = [newMfaDevice(accountId, { kind: 'virtual' }, [])];
      },
    });
    return state;
  }

  function newMfaDevice(
    accountId: string,
    init: { kind: RootMfaKind; enableDate?: Date },
    existing: RootMfaDevice[],
  ): RootMfaDevice {
    let serialNumber: string;
    if (init.kind === 'virtual') {
      const taken = new Set([...existing.map((d) => d.serialNumber), ...(detachedVirtualMfa.get(accountId) ?? [])]);
      let n = 1;
      const name = (i: number) => `arn:aws:iam::${accountId}:mfa/root-account-mfa-device${i === 1 ? '' : `-${i}`}`;
      while (taken.has(name(n))) n++;
      serialNumber = name(n);
    } else if (init.kind === 'hardware') {
      serialNumber = `GAHT${String(randomBytes(4).readUInt32BE() % 100_000_000).padStart(8, '0')}`;
    } else {
      serialNumber = `arn:aws:iam::${accountId}:u2f/root/passkey-${newKeyId('AKIA').slice(4)}`;
    }
    return { kind: init.kind, serialNumber, enableDate: init.enableDate ?? now() };
  }

  function newCertificate(init: { status?: 'Active' | 'Inactive'; uploadDate?: Date }): RootCertificate {
    const body = randomBytes(96).toString('base64');
    return {
      certificateId: newKeyId('AKIA').slice(4) + newKeyId('AKIA').slice(4, 16),
      certificateBody: `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)?.join('\n') ?? body}\n-----END CERTIFICATE-----`,
      status: init.status ?? 'Active',
      uploadDate: init.uploadDate ?? now(),
    };
  }

  function orgState(orgId: string): OrgLayerState {
    let s = orgs.get(orgId);
    if (!s) {
      s = { features: new Set(), delegated: new Map() };
      orgs.set(orgId, s);
    }
    return s;
  }

  /** Accounts registered (by the layer) as delegated administrator for a service principal. */
  function delegatedAdmins(orgId: string, servicePrincipal: string): Map<string, Date> {
    const s = orgState(orgId);
    let m = s.delegated.get(servicePrincipal);
    if (!m) {
      m = new Map();
      s.delegated.set(servicePrincipal, m);
    }
    return m;
  }

  function newRootKey(
    accountId: string,
    init: { status?: 'Active' | 'Inactive'; createDate?: Date; lastUsed?: KeyLastUsed } = {},
  ): RootKey {
    const key: RootKey = {
      accessKeyId: newKeyId('AKIA'),
      secretAccessKey: newSecret(),
      status: init.status ?? 'Active',
      createDate: init.createDate ?? now(),
      ...(init.lastUsed ? { lastUsed: { ...init.lastUsed } } : {}),
    };
    rootKeyAccounts.set(key.accessKeyId, accountId);
    return key;
  }

  /* ---------------- talking to moto ---------------- */

  function motoRequest(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: moto.hostname,
          port: moto.port,
          method,
          path,
          headers: { ...headers, host: moto.host, 'content-length': String(body.length) },
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) {
              if (v === undefined || HOP_BY_HOP.has(k)) continue;
              out[k] = Array.isArray(v) ? v.join(', ') : v;
            }
            resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends the client's request to moto as it is; signed requests name their account (see accountOf). */
  function forward(req: http.IncomingMessage, body: Buffer, accountId?: string): Promise<Reply> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || HOP_BY_HOP.has(k) || k === 'host') continue;
      headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    if (accountId) headers['x-moto-account-id'] = accountId;
    return motoRequest(req.method ?? 'GET', req.url ?? '/', headers, body);
  }

  /** A request the layer itself sends to moto, in the given account (moto does not check signatures). */
  function internal(
    service: string,
    accessKeyId: string,
    accountId: string | undefined,
    body: string,
    target?: string,
    region = 'us-east-1',
  ): Promise<Reply> {
    const headers: Record<string, string> = {
      authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20240101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      'content-type': target ? 'application/x-amz-json-1.1' : 'application/x-www-form-urlencoded',
    };
    if (target) headers['x-amz-target'] = target;
    if (accountId) headers['x-moto-account-id'] = accountId;
    return motoRequest('POST', '/', headers, Buffer.from(body));
  }

  /**
   * The account a request acts in. moto would work this out itself by searching every IAM
   * backend of every account and partition for the access key, which creates (and, on reset,
   * re-creates) an IAM backend with all AWS managed policies per account and partition: many
   * seconds per test. The layer knows the answer, so it always tells moto (x-moto-account-id):
   * root keys and AssumeRoot sessions -> their account; keys moto issued through the layer ->
   * the account they were issued in; any other key -> moto's default account, as moto does.
   */
  function accountOf(p: ParsedRequest, caller: Caller): string {
    return caller.kind === 'other' ? (keyInfo.get(p.accessKeyId)?.accountId ?? DEFAULT_ACCOUNT_ID) : caller.accountId;
  }

  async function callerArn(p: ParsedRequest, caller: Caller, accountId: string): Promise<string> {
    if (caller.kind !== 'other') return `arn:aws:iam::${accountId}:root`;
    return (await otherPrincipal(p.accessKeyId, accountId)).arn;
  }

  /**
   * The ARN of a caller that is neither a root user nor an AssumeRoot session (moto's
   * GetCallerIdentity, once per key) and its aws:PrincipalArn (the role's ARN for a role session).
   */
  async function otherPrincipal(
    accessKeyId: string,
    accountId: string,
  ): Promise<{ arn: string; principalArn: string }> {
    const info = keyInfo.get(accessKeyId);
    if (info?.arn) return { arn: info.arn, principalArn: info.principalArn ?? info.arn };
    const r = await internal('sts', accessKeyId, accountId, 'Action=GetCallerIdentity&Version=2011-06-15');
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(r.body.toString())?.[1];
    if (r.status !== 200 || !arn)
      throw new Error(`root layer: moto GetCallerIdentity failed (${r.status}): ${r.body.toString()}`);
    if (info) info.arn = arn;
    return { arn, principalArn: info?.principalArn ?? arn };
  }

  /** Learns the account of access keys moto issues, from its answers. */
  function learnKeys(p: ParsedRequest, reply: Reply, accountId: string): void {
    if (reply.status !== 200) return;
    const xml = reply.body.toString();
    const keyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
    const op = `${p.service}:${p.operation}`;
    if (op === 'iam:DeleteAccessKey' && typeof p.params.AccessKeyId === 'string') keyInfo.delete(p.params.AccessKeyId);
    if (op === 'organizations:CreateAccount') {
      const created = (parseJson(xml) as { CreateAccountStatus?: { AccountId?: string } }).CreateAccountStatus
        ?.AccountId;
      if (created) createdMembers.add(created);
    }
    if (!keyId) return;
    if (op === 'iam:CreateAccessKey' || op === 'sts:GetSessionToken' || op === 'sts:GetFederationToken')
      keyInfo.set(keyId, { accountId, kind: 'issued' });
    if (op.startsWith('sts:AssumeRole')) {
      // AssumeRoleWithWebIdentity / WithSAML (AssumeRole itself is learned by assumeRole()).
      const roleAccount = /<Arn>arn:[^:]+:sts::(\d{12}):assumed-role\//.exec(xml)?.[1];
      keyInfo.set(keyId, { accountId: roleAccount ?? accountId, kind: 'role-session' });
    }
  }

  async function describeOrganization(accessKeyId: string, accountId: string): Promise<OrgInfo | undefined> {
    const r = await internal(
      'organizations',
      accessKeyId,
      accountId,
      '{}',
      'AWSOrganizationsV20161128.DescribeOrganization',
    );
    if (r.status !== 200) return undefined;
    const org = (
      JSON.parse(r.body.toString()) as { Organization?: { Id: string; MasterAccountId: string; FeatureSet: string } }
    ).Organization;
    return org ? { id: org.Id, masterAccountId: org.MasterAccountId, featureSet: org.FeatureSet } : undefined;
  }

  async function isMemberAccount(
    accessKeyId: string,
    managementAccountId: string,
    accountId: string,
  ): Promise<boolean> {
    const r = await internal(
      'organizations',
      accessKeyId,
      managementAccountId,
      JSON.stringify({ AccountId: accountId }),
      'AWSOrganizationsV20161128.DescribeAccount',
    );
    return r.status === 200;
  }

  /* ---------------- organizations, cached (SCPs, account status, Account API) ---------------- */

  /**
   * moto's Organizations answers the layer needs on (nearly) every request of a member account,
   * cached until the next mutating organizations call (see invalidateOrganizations). Keyed by
   * the acting account, operation and parameters; a failed call is not kept.
   */
  const orgCalls = new Map<string, Promise<{ status: number; data: Record<string, unknown> }>>();
  const contexts = new Map<string, Promise<AccountContext>>();
  const scpInputs = new Map<string, Promise<ScpPolicy[][] | undefined>>();

  function invalidateOrganizations(): void {
    orgCalls.clear();
    contexts.clear();
    scpInputs.clear();
  }

  /** Caches a promise; a rejected one is dropped so the next request tries again. */
  function cached<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
    let pr = map.get(key);
    if (!pr) {
      pr = make();
      map.set(key, pr);
      const mine = pr;
      pr.catch(() => {
        if (map.get(key) === mine) map.delete(key);
      });
    }
    return pr;
  }

  function orgCall(
    accountId: string,
    operation: string,
    params: Record<string, unknown> = {},
  ): Promise<{ status: number; data: Record<string, unknown> }> {
    const body = JSON.stringify(params);
    return cached(orgCalls, `${accountId} ${operation} ${body}`, async () => {
      const r = await internal(
        'organizations',
        INTERNAL_KEY,
        accountId,
        body,
        `AWSOrganizationsV20161128.${operation}`,
      );
      const text = r.body.toString();
      return { status: r.status, data: r.status === 200 && text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    });
  }

  /** Every page of an Organizations listing, as the management account. */
  async function orgList<T>(
    accountId: string,
    operation: string,
    params: Record<string, unknown>,
    key: string,
  ): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const r = await orgCall(accountId, operation, { ...params, ...(token ? { NextToken: token } : {}) });
      if (r.status !== 200) throw new Error(`root layer: moto ${operation} failed (${r.status})`);
      out.push(...((r.data[key] as T[] | undefined) ?? []));
      token = typeof r.data.NextToken === 'string' && r.data.NextToken ? r.data.NextToken : undefined;
      if (!token) return out;
    }
    throw new Error(`root layer: moto ${operation} did not stop paging`);
  }

  /** The account's organization, whether it is a member (not the management account) and its status. */
  function accountContext(accountId: string): Promise<AccountContext> {
    return cached(contexts, accountId, async () => {
      const d = await orgCall(accountId, 'DescribeOrganization');
      const o = (d.data as { Organization?: { Id: string; MasterAccountId: string; FeatureSet: string } }).Organization;
      if (d.status !== 200 || !o) return { member: false };
      const org: OrgInfo = { id: o.Id, masterAccountId: o.MasterAccountId, featureSet: o.FeatureSet };
      if (org.masterAccountId === accountId) return { org, member: false };
      const a = await orgCall(org.masterAccountId, 'DescribeAccount', { AccountId: accountId });
      const status = (a.data as { Account?: { Status?: string } }).Account?.Status;
      if (a.status !== 200) return { member: false };
      return { org, member: true, status: status ?? 'ACTIVE' };
    });
  }

  /**
   * The SCPs on a member account's path, root first and the account last, or undefined when no
   * SCP applies (not a member, not all features, or SERVICE_CONTROL_POLICY not enabled on the root).
   */
  function scpLevels(accountId: string, ctx: AccountContext): Promise<ScpPolicy[][] | undefined> {
    return cached(scpInputs, accountId, async () => {
      const org = ctx.org;
      if (!ctx.member || !org || org.featureSet !== 'ALL') return undefined;
      const master = org.masterAccountId;
      const roots = await orgList<{ Id: string; PolicyTypes?: Array<{ Type: string; Status: string }> }>(
        master,
        'ListRoots',
        {},
        'Roots',
      );
      const rootNode = roots[0];
      const enabled = rootNode?.PolicyTypes?.some((t) => t.Type === 'SERVICE_CONTROL_POLICY' && t.Status === 'ENABLED');
      if (!rootNode || !enabled) return undefined;
      const targets = [accountId];
      let child = accountId;
      for (let depth = 0; depth < 10 && child !== rootNode.Id; depth++) {
        const parents = await orgList<{ Id: string; Type: string }>(
          master,
          'ListParents',
          { ChildId: child },
          'Parents',
        );
        const parent = parents[0];
        if (!parent) throw new Error(`root layer: ${child} has no parent in organization ${org.id}`);
        targets.push(parent.Id);
        child = parent.Id;
      }
      targets.reverse();
      return Promise.all(
        targets.map(async (target) => {
          const attached = await orgList<{ Id: string; Name: string }>(
            master,
            'ListPoliciesForTarget',
            { TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' },
            'Policies',
          );
          return Promise.all(
            attached.map(async (pol) => {
              const d = await orgCall(master, 'DescribePolicy', { PolicyId: pol.Id });
              const content = (d.data as { Policy?: { Content?: string } }).Policy?.Content;
              if (d.status !== 200 || content === undefined)
                throw new Error(`root layer: moto DescribePolicy ${pol.Id} failed (${d.status})`);
              return {
                id: pol.Id,
                name: `${pol.Name} (${pol.Id})`,
                statements: parseScp(`${pol.Name} (${pol.Id})`, content),
              };
            }),
          );
        }),
      );
    });
  }

  /** Trusted service principals of an organization that moto keeps (all but iam.amazonaws.com). */
  async function motoTrustedServices(managementAccountId: string): Promise<Set<string>> {
    const list = await orgList<{ ServicePrincipal: string }>(
      managementAccountId,
      'ListAWSServiceAccessForOrganization',
      {},
      'EnabledServicePrincipals',
    );
    return new Set(list.map((x) => x.ServicePrincipal));
  }

  /**
   * Account status and service control policies for a request (behaviours 14 and 16), or
   * undefined when it may go on. Root keys, IAM users, role sessions and AssumeRoot sessions acting
   * in a member account are subject; the management account, keys the layer does not know (moto's
   * bootstrap principal) and actAs set-up keys are not.
   */
  async function organizationGate(p: ParsedRequest, caller: Caller): Promise<Reply | undefined> {
    let accountId: string;
    let principal: () => Promise<{ arn: string; principalArn: string }>;
    if (caller.kind === 'other') {
      const info = keyInfo.get(p.accessKeyId);
      if (!info || info.kind === 'setup') return undefined;
      accountId = info.accountId;
      principal = () => otherPrincipal(p.accessKeyId, info.accountId);
    } else {
      accountId = caller.accountId;
      const arn = `arn:aws:iam::${accountId}:root`;
      principal = async () => ({ arn, principalArn: arn });
    }
    const ctx = await accountContext(accountId);
    if (!ctx.member) return undefined;
    const action = iamAction(p);
    if (ctx.status !== 'ACTIVE') {
      const { arn } = await principal();
      return accessDenied(
        p,
        `User: ${arn} is not authorized to perform: ${action} (account ${accountId} is ${ctx.status}: a closed account cannot be used)`,
      );
    }
    // GetCallerIdentity needs no permission and cannot be denied (STS API reference).
    if (action === 'sts:GetCallerIdentity') return undefined;
    const levels = await scpLevels(accountId, ctx);
    if (!levels) return undefined;
    const who = await principal();
    const context: RequestContext = {
      'aws:principalarn': who.principalArn,
      'aws:assumedroot': caller.kind === 'root-session' ? 'true' : undefined,
    };
    const verdict = evaluateScps(levels, action, context);
    if (verdict.decision === 'explicit-deny')
      return accessDenied(
        p,
        `User: ${who.arn} is not authorized to perform: ${action} with an explicit deny in a service control policy`,
      );
    if (verdict.decision === 'implicit-deny')
      return accessDenied(
        p,
        `User: ${who.arn} is not authorized to perform: ${action} because no service control policy allows the ${action} action`,
      );
    return undefined;
  }

  /* ---------------- authentication ---------------- */

  function authenticate(p: ParsedRequest, req: http.IncomingMessage): Caller | Reply {
    const rootAccount = rootKeyAccounts.get(p.accessKeyId);
    if (rootAccount !== undefined) {
      const key = root(rootAccount).rootKeys.find((k) => k.accessKeyId === p.accessKeyId);
      if (key && key.status === 'Active') return { kind: 'root', accountId: rootAccount, key };
      // Not propagated yet: the revoked key still works for a while.
      const late = revoked.get(p.accessKeyId);
      const windowMs = behaviour.keyPropagationSeconds * 1000;
      if (late && now().getTime() - late.at.getTime() < windowMs)
        return { kind: 'root', accountId: rootAccount, key: late.key };
      return invalidKey(p);
    }
    const session = sessions.get(p.accessKeyId);
    if (session) {
      if (req.headers['x-amz-security-token'] !== session.sessionToken) return invalidKey(p);
      if (now() >= session.expiration) return expiredToken(p);
      const action = `${p.service}:${p.operation}`;
      const task = ROOT_TASK_POLICIES[session.taskPolicy];
      // GetCallerIdentity needs no permission (STS API reference).
      const allowed = action === 'sts:GetCallerIdentity' || (task?.actions.includes(action) ?? false);
      // The task policies deny their actions on every resource but the root user: naming an IAM user.
      const onUser = task?.rootOnly.includes(action) && p.params.UserName !== undefined;
      if (!allowed || onUser) {
        const resource = onUser
          ? ` on resource: arn:aws:iam::${session.accountId}:user/${String(p.params.UserName)}`
          : '';
        return accessDenied(
          p,
          `User: arn:aws:iam::${session.accountId}:root is not authorized to perform: ${action}${resource} with an explicit deny in a session policy`,
        );
      }
      return { kind: 'root-session', accountId: session.accountId, session };
    }
    return { kind: 'other' };
  }

  /* ---------------- handlers ---------------- */

  function rootAccessKeys(p: ParsedRequest, accountId: string): Reply {
    const state = root(accountId);
    const keyId = String(p.params.AccessKeyId ?? '');
    const find = (): RootKey | undefined => state.rootKeys.find((k) => k.accessKeyId === keyId);
    const notFound = (): Reply =>
      errorReply(p, 404, 'NoSuchEntity', `The Access Key with id ${keyId} cannot be found.`);
    switch (p.operation) {
      case 'ListAccessKeys': {
        const members = state.rootKeys
          .map(
            (k) =>
              `<member><AccessKeyId>${k.accessKeyId}</AccessKeyId><Status>${k.status}</Status><CreateDate>${isoSeconds(k.createDate)}</CreateDate></member>`,
          )
          .join('');
        return queryOk(p, `<AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`);
      }
      case 'CreateAccessKey': {
        if (state.rootKeys.length >= 2)
          return errorReply(p, 409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2');
        const k = newRootKey(accountId);
        state.rootKeys.push(k);
        return queryOk(
          p,
          `<AccessKey><AccessKeyId>${k.accessKeyId}</AccessKeyId><Status>${k.status}</Status><SecretAccessKey>${k.secretAccessKey}</SecretAccessKey><CreateDate>${isoSeconds(k.createDate)}</CreateDate></AccessKey>`,
        );
      }
      case 'UpdateAccessKey': {
        const status = String(p.params.Status ?? '');
        if (status !== 'Active' && status !== 'Inactive') {
          return validationError(
            p,
            `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
          );
        }
        const k = find();
        if (!k) return notFound();
        if (status === 'Inactive' && k.status === 'Active') revoked.set(k.accessKeyId, { key: k, at: now() });
        if (status === 'Active') revoked.delete(k.accessKeyId);
        k.status = status;
        return queryOk(p);
      }
      case 'DeleteAccessKey': {
        const k = find();
        if (!k) return notFound();
        // An inactive key stopped authenticating when it was deactivated (or is still propagating).
        if (k.status === 'Active') revoked.set(k.accessKeyId, { key: { ...k }, at: now() });
        state.rootKeys = state.rootKeys.filter((x) => x !== k);
        return queryOk(p);
      }
      default: {
        // GetAccessKeyLastUsed
        const k = find();
        if (!k) return notFound();
        const u = k.lastUsed;
        const inner = u
          ? `<LastUsedDate>${isoSeconds(u.date)}</LastUsedDate><ServiceName>${u.service}</ServiceName><Region>${u.region}</Region>`
          : '<ServiceName>N/A</ServiceName><Region>N/A</Region>';
        return queryOk(p, `<AccessKeyLastUsed>${inner}</AccessKeyLastUsed>`);
      }
    }
  }

  /** Behaviour 11: the root user's signing certificates, console password and MFA devices. */
  function rootCredentials(p: ParsedRequest, caller: Caller & { accountId: string }): Reply {
    const accountId = caller.accountId;
    const state = root(accountId);
    if (caller.kind === 'root' && SESSION_ONLY_OPS.has(p.operation)) {
      // IAM API reference: "When you make this request with root user credentials, you must use an
      // AssumeRoot session to omit the user name." The exact error AWS gives is unverified.
      return validationError(p, 'Must specify userName when calling with non-User credentials');
    }
    const certId = String(p.params.CertificateId ?? '');
    const findCert = (): RootCertificate | undefined => state.certificates.find((c) => c.certificateId === certId);
    const noCert = (): Reply =>
      errorReply(p, 404, 'NoSuchEntity', `The Certificate with id ${certId} cannot be found.`);
    const noPassword = (): Reply => errorReply(p, 404, 'NoSuchEntity', 'Login Profile for User root cannot be found.');
    switch (p.operation) {
      case 'ListSigningCertificates': {
        const members = state.certificates
          .map(
            (c) =>
              `<member><CertificateId>${c.certificateId}</CertificateId><CertificateBody>${xmlEscape(c.certificateBody)}</CertificateBody><Status>${c.status}</Status><UploadDate>${isoSeconds(c.uploadDate)}</UploadDate></member>`,
          )
          .join('');
        return queryOk(p, `<Certificates>${members}</Certificates><IsTruncated>false</IsTruncated>`);
      }
      case 'UpdateSigningCertificate': {
        const status = String(p.params.Status ?? '');
        if (status !== 'Active' && status !== 'Inactive')
          return validationError(
            p,
            `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]`,
          );
        const c = findCert();
        if (!c) return noCert();
        c.status = status;
        return queryOk(p);
      }
      case 'DeleteSigningCertificate': {
        const c = findCert();
        if (!c) return noCert();
        state.certificates = state.certificates.filter((x) => x !== c);
        return queryOk(p);
      }
      case 'GetLoginProfile': {
        if (!state.password) return noPassword();
        return queryOk(p, `<LoginProfile>${loginProfileXml(state.password)}</LoginProfile>`);
      }
      case 'DeleteLoginProfile': {
        if (!state.password) return noPassword();
        delete state.password;
        return queryOk(p);
      }
      case 'CreateLoginProfile': {
        if (p.params.Password !== undefined)
          return validationError(p, 'Password must be omitted when the request is made with an AssumeRoot session.');
        if (state.password)
          return errorReply(p, 409, 'EntityAlreadyExists', 'Login Profile for User root already exists.');
        // The root user sets the password through "Forgot password": AWS requires a reset.
        state.password = { createDate: now(), passwordResetRequired: true };
        return queryOk(p, `<LoginProfile>${loginProfileXml(state.password)}</LoginProfile>`);
      }
      case 'ListMFADevices': {
        const members = state.mfaDevices
          .map(
            (d) =>
              `<member><SerialNumber>${xmlEscape(d.serialNumber)}</SerialNumber><EnableDate>${isoSeconds(d.enableDate)}</EnableDate></member>`,
          )
          .join('');
        return queryOk(p, `<MFADevices>${members}</MFADevices><IsTruncated>false</IsTruncated>`);
      }
      default: {
        // DeactivateMFADevice
        const serial = String(p.params.SerialNumber ?? '');
        if (!serial)
          return validationError(
            p,
            "1 validation error detected: Value null at 'serialNumber' failed to satisfy constraint: Member must not be null",
          );
        const d = state.mfaDevices.find((x) => x.serialNumber === serial);
        if (!d) return errorReply(p, 404, 'NoSuchEntity', `MFA Device with serial number ${serial} does not exist.`);
        state.mfaDevices = state.mfaDevices.filter((x) => x !== d);
        if (d.kind === 'virtual') {
          const set = detachedVirtualMfa.get(accountId) ?? new Set<string>();
          set.add(serial);
          detachedVirtualMfa.set(accountId, set);
        }
        return queryOk(p);
      }
    }
  }

  /** Behaviour 11: GetUser of the root user itself (no UserName). */
  function rootUser(p: ParsedRequest, accountId: string): Reply {
    const state = root(accountId);
    const used = state.passwordLastUsed
      ? `<PasswordLastUsed>${isoSeconds(state.passwordLastUsed)}</PasswordLastUsed>`
      : '';
    return queryOk(
      p,
      `<User><UserId>${accountId}</UserId><Arn>arn:aws:iam::${accountId}:root</Arn>` +
        `<CreateDate>${isoSeconds(state.createDate)}</CreateDate>${used}</User>`,
    );
  }

  /** Behaviour 11: ListVirtualMFADevices, moto's devices and the root user's virtual ones. */
  async function listVirtualMfaDevices(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const reply = await forward(req, body, accountId);
    if (reply.status !== 200 || p.params.Marker !== undefined) return reply;
    const status = String(p.params.AssignmentStatus ?? 'Any');
    const state = root(accountId);
    const assigned =
      status === 'Unassigned'
        ? []
        : state.mfaDevices
            .filter((d) => d.kind === 'virtual')
            .map(
              (d) =>
                `<member><SerialNumber>${xmlEscape(d.serialNumber)}</SerialNumber><User><Path>/</Path>` +
                `<UserId>${accountId}</UserId><Arn>arn:aws:iam::${accountId}:root</Arn>` +
                `<CreateDate>${isoSeconds(state.createDate)}</CreateDate></User>` +
                `<EnableDate>${isoSeconds(d.enableDate)}</EnableDate></member>`,
            );
    const unassigned =
      status === 'Assigned'
        ? []
        : [...(detachedVirtualMfa.get(accountId) ?? [])].map(
            (serial) => `<member><SerialNumber>${xmlEscape(serial)}</SerialNumber></member>`,
          );
    const added = [...assigned, ...unassigned].join('');
    if (!added) return reply;
    const xml = reply.body.toString();
    const body2 = xml.includes('<VirtualMFADevices/>')
      ? xml.replace('<VirtualMFADevices/>', `<VirtualMFADevices>${added}</VirtualMFADevices>`)
      : xml.replace('<VirtualMFADevices>', `<VirtualMFADevices>${added}`);
    return { ...reply, body: body2 };
  }

  /** DeleteVirtualMFADevice of a root virtual device (undefined: not the root's, moto answers). */
  function deleteRootVirtualMfa(p: ParsedRequest, accountId: string): Reply | undefined {
    const serial = String(p.params.SerialNumber ?? '');
    if (root(accountId).mfaDevices.some((d) => d.serialNumber === serial))
      return errorReply(p, 409, 'DeleteConflict', 'MFA Device is still in use.');
    const detached = detachedVirtualMfa.get(accountId);
    if (!detached?.has(serial)) return undefined;
    detached.delete(serial);
    return queryOk(p);
  }

  function rootReportRow(accountId: string, columns: string[]): string {
    const state = root(accountId);
    const keys = [...state.rootKeys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime());
    const values: Record<string, string> = {
      user: '<root_account>',
      arn: `arn:aws:iam::${accountId}:root`,
      user_creation_time: reportTime(state.createDate),
      // "The value for the AWS account root user is always not_supported" (IAM User Guide).
      password_enabled: 'not_supported',
      password_last_used: state.passwordLastUsed ? reportTime(state.passwordLastUsed) : 'no_information',
      password_last_changed: 'not_supported',
      password_next_rotation: 'not_supported',
      mfa_active: String(state.mfaDevices.length > 0),
    };
    const certs = [...state.certificates].sort((a, b) => a.uploadDate.getTime() - b.uploadDate.getTime());
    for (const n of [1, 2]) {
      const k = keys[n - 1];
      values[`access_key_${n}_active`] = String(k?.status === 'Active');
      values[`access_key_${n}_last_rotated`] = k ? reportTime(k.createDate) : 'N/A';
      values[`access_key_${n}_last_used_date`] = k?.lastUsed ? reportTime(k.lastUsed.date) : 'N/A';
      values[`access_key_${n}_last_used_region`] = k?.lastUsed?.region ?? 'N/A';
      values[`access_key_${n}_last_used_service`] = k?.lastUsed?.service ?? 'N/A';
      const c = certs[n - 1];
      values[`cert_${n}_active`] = String(c?.status === 'Active');
      values[`cert_${n}_last_rotated`] = c ? reportTime(c.uploadDate) : 'N/A';
    }
    return columns.map((c) => csvField(values[c] ?? 'N/A')).join(',');
  }

  async function generateCredentialReport(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const existing = reports.get(accountId);
    const reuse = behaviour.credentialReportReuse;
    if (reuse && existing && now().getTime() - existing.generated.getTime() < CREDENTIAL_REPORT_REUSE_SECONDS * 1000)
      return queryOk(p, '<State>COMPLETE</State>');
    const reply = await forward(req, body, accountId);
    if (reply.status !== 200) return reply;
    await snapshotReport(p, accountId);
    // A new generation starts: AWS answers STARTED, and COMPLETE once the report is there.
    return reuse ? queryOk(p, '<State>STARTED</State>') : reply;
  }

  /** Takes the report AWS would generate now: moto's user rows with the root row first. */
  async function snapshotReport(p: ParsedRequest, accountId: string): Promise<void> {
    const r = await internal('iam', p.accessKeyId, accountId, 'Action=GetCredentialReport&Version=2010-05-08');
    const b64 = /<Content>([^<]*)<\/Content>/.exec(r.body.toString())?.[1];
    if (r.status !== 200 || b64 === undefined)
      throw new Error(`root layer: moto GetCredentialReport failed (${r.status}): ${r.body.toString()}`);
    const motoCsv = Buffer.from(b64, 'base64').toString('utf8');
    const newline = motoCsv.indexOf('\n');
    const headerLine = newline === -1 ? motoCsv : motoCsv.slice(0, newline);
    const rest = newline === -1 ? '' : motoCsv.slice(newline + 1);
    const columns = (parseCsv(headerLine) as string[][])[0] ?? [];
    reports.set(accountId, { csv: `${headerLine}\n${rootReportRow(accountId, columns)}\n${rest}`, generated: now() });
  }

  async function getCredentialReport(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const snap = reports.get(accountId);
    if (!snap) return forward(req, body, accountId); // moto answers ReportNotPresent
    return queryOk(
      p,
      `<Content>${Buffer.from(snap.csv).toString('base64')}</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>${isoSeconds(snap.generated)}</GeneratedTime>`,
    );
  }

  /**
   * GetAccountAuthorizationDetails: AWS lists only the AWS managed policies in use in the
   * account (attached to a user, group or role); moto lists all of them (over 1,500, many
   * seconds a call). Forward without the AWSManagedPolicy filter, then add the attached AWS
   * managed policies (ListPolicies Scope=AWS OnlyAttached=true, and each default version).
   */
  async function authorizationDetails(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const params = new URLSearchParams(body.toString());
    const filters = [...params.entries()].filter(([k]) => k.startsWith('Filter.member.')).map(([, v]) => v);
    if (filters.length > 0 && !filters.includes('AWSManagedPolicy')) return forward(req, body, accountId);
    const others =
      filters.length === 0
        ? ['User', 'Group', 'Role', 'LocalManagedPolicy']
        : filters.filter((f) => f !== 'AWSManagedPolicy');
    const onlyAws = others.length === 0;
    const rewritten = new URLSearchParams([...params.entries()].filter(([k]) => !k.startsWith('Filter.member.')));
    (onlyAws ? ['LocalManagedPolicy'] : others).forEach((f, i) => rewritten.set(`Filter.member.${i + 1}`, f));
    const reply = await forward(req, Buffer.from(rewritten.toString()), accountId);
    if (reply.status !== 200) return reply;
    const listed = await internal(
      'iam',
      p.accessKeyId,
      accountId,
      'Action=ListPolicies&Version=2010-05-08&Scope=AWS&OnlyAttached=true&MaxItems=1000',
    );
    const members = [...listed.body.toString().matchAll(/<member>([\s\S]*?)<\/member>/g)].map((m) => m[1] ?? '');
    const details: string[] = [];
    for (const m of members) {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(m)?.[1] ?? '';
      const arn = field('Arn');
      const versionId = field('DefaultVersionId');
      const version = await internal(
        'iam',
        p.accessKeyId,
        accountId,
        `Action=GetPolicyVersion&Version=2010-05-08&PolicyArn=${encodeURIComponent(arn)}&VersionId=${encodeURIComponent(versionId)}`,
      );
      const v = version.body.toString();
      const doc = /<Document>([^<]*)<\/Document>/.exec(v)?.[1] ?? '';
      const created = /<CreateDate>([^<]*)<\/CreateDate>/.exec(v)?.[1] ?? field('CreateDate');
      details.push(
        `<member><PolicyName>${field('PolicyName')}</PolicyName><DefaultVersionId>${versionId}</DefaultVersionId><PolicyId>${field('PolicyId')}</PolicyId>` +
          `<Path>${field('Path')}</Path><Arn>${arn}</Arn><AttachmentCount>${field('AttachmentCount')}</AttachmentCount>` +
          `<PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount><IsAttachable>true</IsAttachable>` +
          `<CreateDate>${field('CreateDate')}</CreateDate><UpdateDate>${field('UpdateDate')}</UpdateDate>` +
          `<PolicyVersionList><member><Document>${doc}</Document><IsDefaultVersion>true</IsDefaultVersion><VersionId>${versionId}</VersionId><CreateDate>${created}</CreateDate></member></PolicyVersionList></member>`,
      );
    }
    let xml = reply.body.toString();
    if (onlyAws) xml = xml.replace(/<Policies>[\s\S]*<\/Policies>/, '<Policies></Policies>');
    if (/<Policies\s*\/>/.test(xml)) xml = xml.replace(/<Policies\s*\/>/, `<Policies>${details.join('')}</Policies>`);
    else if (xml.includes('</Policies>')) xml = xml.replace('</Policies>', `${details.join('')}</Policies>`);
    else
      xml = xml.replace(
        '</GetAccountAuthorizationDetailsResult>',
        `<Policies>${details.join('')}</Policies></GetAccountAuthorizationDetailsResult>`,
      );
    return { ...reply, body: Buffer.from(xml) };
  }

  /**
   * ec2 DescribeInstances: on AWS an instance's IamInstanceProfile is its current association.
   * moto keeps the profile an instance had before ReplaceIamInstanceProfileAssociation, so the
   * layer sets each listed profile ARN from DescribeIamInstanceProfileAssociations.
   */
  async function describeInstances(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const reply = await forward(req, body, accountId);
    const xml = reply.body.toString();
    if (reply.status !== 200 || !xml.includes('<iamInstanceProfile>')) return reply;
    const assoc = await internal(
      'ec2',
      p.accessKeyId,
      accountId,
      'Action=DescribeIamInstanceProfileAssociations&Version=2016-11-15',
      undefined,
      p.region,
    );
    const current = new Map<string, string>();
    for (const m of assoc.body.toString().matchAll(/<item>([\s\S]*?)<\/item>/g)) {
      const item = m[1] ?? '';
      const id = /<instanceId>([^<]+)<\/instanceId>/.exec(item)?.[1];
      const arn = /<arn>([^<]+)<\/arn>/.exec(item)?.[1];
      const state = /<state>([^<]+)<\/state>/.exec(item)?.[1];
      if (id && arn && state !== 'disassociated') current.set(id, arn);
    }
    // Pair each <iamInstanceProfile> with the <instanceId> of the same element (same depth).
    const tags = /<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g;
    const profileAt = new Map<number, { start: number; end: number }>();
    const edits: Array<{ start: number; end: number; arn: string }> = [];
    let depth = 0;
    let m: RegExpExecArray | null;
    let openProfile: { depth: number; start: number } | undefined;
    while ((m = tags.exec(xml))) {
      const [, closing, name, selfClosing] = m;
      if (selfClosing) continue;
      if (!closing) {
        depth += 1;
        if (name === 'iamInstanceProfile') openProfile = { depth, start: m.index };
        if (name === 'instanceId') {
          const span = profileAt.get(depth);
          const end = xml.indexOf('</instanceId>', m.index);
          const id = xml.slice(m.index + m[0].length, end);
          const arn = current.get(id);
          if (span && arn) edits.push({ ...span, arn });
        }
      } else {
        if (name === 'iamInstanceProfile' && openProfile) {
          profileAt.set(openProfile.depth, { start: openProfile.start, end: m.index + m[0].length });
          openProfile = undefined;
        }
        // Leaving an element forgets the profiles found among its children.
        profileAt.delete(depth + 1);
        depth -= 1;
      }
    }
    let out = xml;
    for (const e of edits.sort((a, b) => b.start - a.start)) {
      const block = out.slice(e.start, e.end).replace(/<arn>[^<]*<\/arn>/, `<arn>${xmlEscape(e.arn)}</arn>`);
      out = out.slice(0, e.start) + block + out.slice(e.end);
    }
    return { ...reply, body: Buffer.from(out) };
  }

  async function getAccountSummary(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const reply = await forward(req, body, accountId);
    if (reply.status !== 200) return reply;
    const state = root(accountId);
    let xml = reply.body.toString();
    xml = setSummaryEntry(xml, 'AccountAccessKeysPresent', state.rootKeys.length > 0 ? 1 : 0);
    xml = setSummaryEntry(xml, 'AccountMFAEnabled', state.mfaDevices.length > 0 ? 1 : 0);
    xml = setSummaryEntry(xml, 'AccountSigningCertificatesPresent', state.certificates.length > 0 ? 1 : 0);
    xml = setSummaryEntry(xml, 'AccountPasswordPresent', state.password ? 1 : 0);
    return { ...reply, body: xml };
  }

  async function organizationsFeatures(p: ParsedRequest, caller: Caller): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const org = await describeOrganization(p.accessKeyId, accountId);
    if (!org)
      return errorReply(
        p,
        400,
        'OrganizationNotFoundException',
        'The request was rejected because no organization is associated with your account.',
      );
    if (org.featureSet !== 'ALL') {
      return errorReply(
        p,
        400,
        'OrganizationNotInAllFeaturesModeException',
        'The request was rejected because your organization does not have All features enabled.',
      );
    }
    if (org.masterAccountId !== accountId && !delegatedAdmins(org.id, IAM_PRINCIPAL).has(accountId)) {
      return errorReply(
        p,
        400,
        'AccountNotManagementOrDelegatedAdministratorException',
        'The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.',
      );
    }
    const s = orgState(org.id);
    if (!s.trustedIamSince) {
      return errorReply(
        p,
        400,
        'ServiceAccessNotEnabledException',
        'The request was rejected because trusted access is not enabled for IAM in Organizations.',
      );
    }
    const m = /^(Enable|Disable)OrganizationsRoot(CredentialsManagement|Sessions)$/.exec(p.operation);
    if (m) {
      const feature: OrganizationsFeature = m[2] === 'Sessions' ? 'RootSessions' : 'RootCredentialsManagement';
      if (m[1] === 'Enable') s.features.add(feature);
      else s.features.delete(feature);
    }
    const members = FEATURE_ORDER.filter((f) => s.features.has(f))
      .map((f) => `<member>${f}</member>`)
      .join('');
    return queryOk(p, `<OrganizationId>${org.id}</OrganizationId><EnabledFeatures>${members}</EnabledFeatures>`);
  }

  async function serviceAccess(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    if (p.operation === 'ListAWSServiceAccessForOrganization') {
      const reply = await forward(req, body, accountId);
      const org = reply.status === 200 ? await describeOrganization(p.accessKeyId, accountId) : undefined;
      const since = org && org.masterAccountId === accountId ? orgs.get(org.id)?.trustedIamSince : undefined;
      if (!since) return reply;
      const data = JSON.parse(reply.body.toString()) as { EnabledServicePrincipals?: unknown[] };
      data.EnabledServicePrincipals = [
        ...(data.EnabledServicePrincipals ?? []),
        { ServicePrincipal: 'iam.amazonaws.com', DateEnabled: since.getTime() / 1000 },
      ];
      return { ...reply, body: JSON.stringify(data) };
    }
    const org = await describeOrganization(p.accessKeyId, accountId);
    if (!org)
      return errorReply(
        p,
        400,
        'AWSOrganizationsNotInUseException',
        'Your account is not a member of an organization.',
      );
    if (org.masterAccountId !== accountId)
      return errorReply(p, 400, 'AccessDeniedException', "You don't have permissions to access this resource.");
    const s = orgState(org.id);
    if (p.operation === 'EnableAWSServiceAccess') s.trustedIamSince ??= now();
    else delete s.trustedIamSince;
    return jsonOk({}, 'json');
  }

  async function assumeRoot(p: ParsedRequest, caller: Caller): Promise<Reply> {
    const target = String(p.params.TargetPrincipal ?? '');
    const policyArn = String(p.params['TaskPolicyArn.arn'] ?? '');
    const duration = p.params.DurationSeconds === undefined ? 900 : Number(p.params.DurationSeconds);
    if (!target)
      return validationError(
        p,
        "1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null",
      );
    if (!policyArn)
      return validationError(
        p,
        "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null",
      );
    if (!Number.isInteger(duration) || duration < 0 || duration > 900) {
      return validationError(
        p,
        `1 validation error detected: Value '${String(p.params.DurationSeconds)}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900`,
      );
    }
    const targetAccount = /^(?:arn:aws:iam::)?(\d{12})(?::root)?$/.exec(target)?.[1];
    if (!targetAccount)
      return validationError(
        p,
        `Invalid TargetPrincipal: ${target}. Use a member account id or its root principal ARN.`,
      );
    const taskName = policyArn.startsWith(ROOT_TASK_PREFIX) ? policyArn.slice(ROOT_TASK_PREFIX.length) : '';
    const task = ROOT_TASK_POLICIES[taskName];
    if (!task) {
      return validationError(
        p,
        `TaskPolicyArn ${policyArn} is not a root task policy the rootlock test layer emulates (${Object.keys(ROOT_TASK_POLICIES).join(', ')}).`,
      );
    }
    const denied = (arn: string, why: string): Reply =>
      accessDenied(
        p,
        `User: ${arn} is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::${targetAccount}:root (${why})`,
      );
    if (caller.kind !== 'other')
      return denied(`arn:aws:iam::${caller.accountId}:root`, 'root user credentials cannot call AssumeRoot');
    const accountId = accountOf(p, caller);
    const arn = await callerArn(p, caller, accountId);
    const org = await describeOrganization(p.accessKeyId, accountId);
    if (!org || (org.masterAccountId !== accountId && !delegatedAdmins(org.id, IAM_PRINCIPAL).has(accountId)))
      return denied(
        arn,
        'the caller is not in the management account or the delegated administrator account for iam.amazonaws.com',
      );
    if (!orgs.get(org.id)?.features.has(task.feature))
      return denied(arn, `${task.feature} is not enabled for the organization`);
    if (
      targetAccount === org.masterAccountId ||
      !(await isMemberAccount(p.accessKeyId, org.masterAccountId, targetAccount))
    ) {
      return denied(arn, 'the target is not a member account of the organization');
    }
    const session: RootSession = {
      accessKeyId: newKeyId('ASIA'),
      secretAccessKey: newSecret(),
      sessionToken: randomBytes(96).toString('base64'),
      accountId: targetAccount,
      taskPolicy: taskName,
      expiration: new Date(now().getTime() + duration * 1000),
    };
    sessions.set(session.accessKeyId, session);
    return queryOk(
      p,
      `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey><SessionToken>${session.sessionToken}</SessionToken><Expiration>${isoSeconds(session.expiration)}</Expiration></Credentials>`,
    );
  }

  /**
   * Behaviour 12: the account an Account Management request acts in. Without AccountId, the
   * caller's; with it, a member account of the caller's organization, if the caller may name it
   * (else an AccessDeniedException reply).
   */
  async function accountApiTarget(p: ParsedRequest, caller: Caller): Promise<string | Reply> {
    const callerAccount = accountOf(p, caller);
    const requested = p.params.AccountId;
    if (requested === undefined) return callerAccount;
    if (!(typeof requested === 'string' && /^\d{12}$/.test(requested))) {
      return errorReply(p, 400, 'ValidationException', 'Invalid AccountId: it must be 12 digits.', {
        reason: 'fieldValidationFailed',
        fieldList: [{ name: 'AccountId', message: 'Must be 12 digits' }],
      });
    }
    const denied = async (why?: string): Promise<Reply> =>
      accessDenied(
        p,
        `User: ${await callerArn(p, caller, callerAccount)} is not authorized to perform: account:${p.operation}${why ? ` (${why})` : ''}`,
      );
    const ctx = await accountContext(callerAccount);
    const org = ctx.org;
    if (!org) return denied(`account ${callerAccount} is not in an organization: call without AccountId`);
    const management = org.masterAccountId === callerAccount;
    if (requested === callerAccount) {
      // The wording AWS gives the management account.
      return denied(
        management
          ? 'The management account can only be managed using the standalone context from the management account.'
          : 'an account is managed in the standalone context, without AccountId',
      );
    }
    if (!management && !delegatedAdmins(org.id, ACCOUNT_PRINCIPAL).has(callerAccount))
      return denied(
        `only the management account or the delegated administrator for ${ACCOUNT_PRINCIPAL} may pass AccountId`,
      );
    if (org.featureSet !== 'ALL') return denied(`organization ${org.id} does not have all features enabled`);
    // Trusted access not enabled: AWS names only the action.
    if (!(await motoTrustedServices(org.masterAccountId)).has(ACCOUNT_PRINCIPAL)) return denied();
    const target = await accountContext(requested);
    if (!target.member || target.org?.id !== org.id)
      return denied(`account ${requested} is not a member account of organization ${org.id}`);
    return requested;
  }

  async function accountApi(p: ParsedRequest, req: http.IncomingMessage, body: Buffer, caller: Caller): Promise<Reply> {
    const target = await accountApiTarget(p, caller);
    if (typeof target !== 'string') return target;
    if (p.operation === 'GetContactInformation' || p.operation === 'PutContactInformation')
      return contactInformation(p, target);
    return forward(req, body, target);
  }

  async function contactInformation(p: ParsedRequest, accountId: string): Promise<Reply> {
    const state = root(accountId);
    if (p.operation === 'GetContactInformation') {
      if (!state.contactInformation)
        return errorReply(p, 404, 'ResourceNotFoundException', 'No contact information found for this account.');
      return jsonOk({ ContactInformation: state.contactInformation }, 'rest-json');
    }
    const input = p.params.ContactInformation;
    const problems = validateContactInformation(input);
    if (problems.length > 0) {
      return errorReply(
        p,
        400,
        'ValidationException',
        `${problems.length} validation error(s) detected: ${problems.map((x) => x.message).join('; ')}`,
        {
          reason: 'fieldValidationFailed',
          fieldList: problems,
        },
      );
    }
    state.contactInformation = pickContactFields(input as Record<string, unknown>);
    return jsonOk({}, 'rest-json');
  }

  /** Behaviour 13: sts:AssumeRole checks that the role exists and trusts the caller. */
  async function assumeRole(p: ParsedRequest, req: http.IncomingMessage, body: Buffer, caller: Caller): Promise<Reply> {
    // STS API AssumeRole: "You cannot call AssumeRole by using AWS account root user credentials".
    if (caller.kind !== 'other') return accessDenied(p, 'Roles may not be assumed by root accounts.');
    const roleArn = String(p.params.RoleArn ?? '');
    const m = /^arn:aws:iam::(\d{12}):role\/(?:[^/]+\/)*([^/]+)$/.exec(roleArn);
    if (!m) return validationError(p, `RoleArn ${roleArn} is not the ARN of an IAM role.`);
    const [, roleAccount = '', roleName = ''] = m;
    const callerAccount = accountOf(p, caller);
    const who = await otherPrincipal(p.accessKeyId, callerAccount);
    const denied = (): Reply =>
      accessDenied(p, `User: ${who.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    // A closed (suspended) account's roles cannot be assumed: AWS answers AccessDenied, as for a role
    // that does not trust the caller.
    const target = await accountContext(roleAccount);
    if (target.member && target.status !== 'ACTIVE') return denied();
    const got = await internal(
      'iam',
      INTERNAL_KEY,
      roleAccount,
      `Action=GetRole&Version=2010-05-08&RoleName=${encodeURIComponent(roleName)}`,
    );
    if (got.status === 404) return denied();
    const xml = got.body.toString();
    const arn = /<Role>[\s\S]*?<Arn>([^<]+)<\/Arn>/.exec(xml)?.[1];
    const doc = /<AssumeRolePolicyDocument>([^<]*)<\/AssumeRolePolicyDocument>/.exec(xml)?.[1];
    if (got.status !== 200 || !arn || doc === undefined)
      throw new Error(`root layer: moto GetRole ${roleArn} failed (${got.status}): ${xml}`);
    // The ARN must name the role exactly, path included.
    if (xmlUnescape(arn) !== roleArn) return denied();
    const trust = parseTrustPolicy(roleArn, policyDocumentText(doc));
    const externalId = typeof p.params.ExternalId === 'string' ? p.params.ExternalId : undefined;
    const allowed = trustAllows(
      trust,
      { accountId: callerAccount, arns: [...new Set([who.arn, who.principalArn])] },
      { 'aws:principalarn': who.principalArn, 'sts:externalid': externalId },
    );
    if (!allowed) return denied();
    const reply = await forward(req, body, callerAccount);
    if (reply.status === 200) {
      const out = reply.body.toString();
      const keyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(out)?.[1];
      const sessionArn = /<AssumedRoleUser>[\s\S]*?<Arn>([^<]+)<\/Arn>/.exec(out)?.[1];
      if (keyId)
        keyInfo.set(keyId, {
          accountId: roleAccount,
          kind: 'role-session',
          ...(sessionArn ? { arn: sessionArn } : {}),
          principalArn: roleArn,
        });
    }
    return reply;
  }

  /**
   * Behaviour 15: delegated administrators for iam.amazonaws.com and account.amazonaws.com, which
   * moto refuses to register. Other service principals go to moto.
   */
  async function delegatedAdministrators(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const sp = typeof p.params.ServicePrincipal === 'string' ? p.params.ServicePrincipal : undefined;
    const org = await describeOrganization(INTERNAL_KEY, accountId);
    const isManagement = !!org && org.masterAccountId === accountId;
    const accountDetails = async (master: string, id: string): Promise<Record<string, unknown> | undefined> =>
      (await orgCall(master, 'DescribeAccount', { AccountId: id })).data.Account as Record<string, unknown> | undefined;
    switch (p.operation) {
      case 'RegisterDelegatedAdministrator':
      case 'DeregisterDelegatedAdministrator': {
        if (!sp || !LAYER_DELEGATED_SERVICES.has(sp)) return forward(req, body, accountId);
        if (!org)
          return errorReply(
            p,
            400,
            'AWSOrganizationsNotInUseException',
            'Your account is not a member of an organization.',
          );
        if (!isManagement)
          return errorReply(p, 400, 'AccessDeniedException', "You don't have permissions to access this resource.");
        const target = String(p.params.AccountId ?? '');
        if (target === org.masterAccountId)
          return errorReply(
            p,
            400,
            'ConstraintViolationException',
            'You cannot register master account/yourself as delegated administrator for your organization.',
            { Reason: 'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR' },
          );
        if (!(await accountDetails(org.masterAccountId, target)))
          return errorReply(p, 400, 'AccountNotFoundException', "You specified an account that doesn't exist.");
        const admins = delegatedAdmins(org.id, sp);
        if (p.operation === 'RegisterDelegatedAdministrator') {
          if (admins.has(target))
            return errorReply(
              p,
              400,
              'AccountAlreadyRegisteredException',
              'The provided account is already a delegated administrator for your organization.',
            );
          admins.set(target, now());
        } else {
          if (!admins.has(target))
            return errorReply(
              p,
              400,
              'AccountNotRegisteredException',
              'The provided account is not a registered delegated administrator for your organization.',
            );
          admins.delete(target);
        }
        return jsonOk({}, 'json');
      }
      case 'ListDelegatedAdministrators': {
        if (!org || !isManagement) return forward(req, body, accountId);
        const ours = new Map<string, Date>();
        for (const service of sp ? [sp] : [...LAYER_DELEGATED_SERVICES]) {
          if (!LAYER_DELEGATED_SERVICES.has(service)) continue;
          for (const [id, since] of delegatedAdmins(org.id, service))
            if (!ours.has(id) || (ours.get(id) as Date) > since) ours.set(id, since);
        }
        if (sp && !LAYER_DELEGATED_SERVICES.has(sp)) return forward(req, body, accountId);
        let listed: Array<Record<string, unknown>> = [];
        if (!sp) {
          const r = await forward(req, body, accountId);
          if (r.status !== 200) return r;
          listed =
            (JSON.parse(r.body.toString()) as { DelegatedAdministrators?: Array<Record<string, unknown>> })
              .DelegatedAdministrators ?? [];
        }
        for (const [id, since] of ours) {
          if (listed.some((a) => a.Id === id)) continue;
          const account = await accountDetails(org.masterAccountId, id);
          if (account) listed.push({ ...account, DelegationEnabledDate: since.getTime() / 1000 });
        }
        return jsonOk({ DelegatedAdministrators: listed }, 'json');
      }
      default: {
        // ListDelegatedServicesForAccount: the management account, or a delegated administrator the
        // layer registered (it reads the organization as the management account does, 18).
        const delegatedHere =
          !!org && [...LAYER_DELEGATED_SERVICES].some((service) => delegatedAdmins(org.id, service).has(accountId));
        if (!org || (!isManagement && !delegatedHere)) return forward(req, body, accountId);
        const target = String(p.params.AccountId ?? '');
        const ours = [...LAYER_DELEGATED_SERVICES].flatMap((service) => {
          const since = delegatedAdmins(org.id, service).get(target);
          return since ? [{ ServicePrincipal: service, DelegationEnabledDate: since.getTime() / 1000 }] : [];
        });
        const r = await forward(req, body, org.masterAccountId);
        if (ours.length === 0) return r;
        const theirs =
          r.status === 200
            ? ((JSON.parse(r.body.toString()) as { DelegatedServices?: unknown[] }).DelegatedServices ?? [])
            : [];
        return jsonOk({ DelegatedServices: [...theirs, ...ours] }, 'json');
      }
    }
  }

  /* ---------------- behaviour 20: CloudTrail event history ---------------- */

  /** The account an access key acts in, as far as the layer knows (moto's default account otherwise). */
  function keyAccount(accessKeyId: string): string {
    return (
      rootKeyAccounts.get(accessKeyId) ??
      sessions.get(accessKeyId)?.accountId ??
      keyInfo.get(accessKeyId)?.accountId ??
      DEFAULT_ACCOUNT_ID
    );
  }

  /** Keeps what CloudTrail would record of a request besides its record (8): when, from where, with what. */
  function noteForTrail(record: RecordedRequest, req: http.IncomingMessage): void {
    const ip = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    trailNotes.set(record, {
      eventId: randomUUID(),
      accountId: keyAccount(record.accessKeyId),
      time: now(),
      sourceIp: ip,
      userAgent: String(req.headers['user-agent'] ?? ''),
    });
  }

  /** Every event in event history: the requests answered with success, and the planted ones. */
  function trailEntries(): TrailEntry[] {
    const out: TrailEntry[] = [...seededTrail];
    for (const r of requests) {
      const note = trailNotes.get(r);
      if (!note || r.status === undefined || r.status >= 300) continue;
      out.push({
        ...note,
        accessKeyId: r.accessKeyId,
        region: GLOBAL_TRAIL_SERVICES.has(r.service) ? 'us-east-1' : r.region,
        service: r.service === 's3control' ? 's3' : r.service,
        operation: r.operation,
      });
    }
    return out;
  }

  /** The userIdentity and Username CloudTrail gives an event made with `accessKeyId`. */
  async function trailIdentity(e: TrailEntry): Promise<{ identity: Record<string, unknown>; username?: string }> {
    const rootArn = `arn:aws:iam::${e.accountId}:root`;
    if (rootKeyAccounts.has(e.accessKeyId) || sessions.has(e.accessKeyId))
      return {
        identity: {
          type: 'Root',
          principalId: e.accountId,
          arn: rootArn,
          accountId: e.accountId,
          accessKeyId: e.accessKeyId,
        },
        username: 'root',
      };
    let arn: string | undefined;
    try {
      arn = (await otherPrincipal(e.accessKeyId, e.accountId)).arn;
    } catch {
      // A key moto no longer knows (deleted): no ARN.
    }
    const type = arn?.includes(':user/') ? 'IAMUser' : arn?.includes(':assumed-role/') ? 'AssumedRole' : 'Unknown';
    const username = type === 'IAMUser' ? arn?.split('/').pop() : undefined;
    return {
      identity: { type, ...(arn ? { arn } : {}), accountId: e.accountId, accessKeyId: e.accessKeyId },
      ...(username ? { username } : {}),
    };
  }

  function trailTime(v: unknown): Date | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    const d =
      typeof v === 'number' || /^\d+(\.\d+)?$/.test(String(v)) ? new Date(Number(v) * 1000) : new Date(String(v));
    return Number.isNaN(d.getTime()) ? undefined : d;
  }

  /** cloudtrail LookupEvents (behaviour 20). */
  async function lookupEvents(p: ParsedRequest, caller: Caller): Promise<Reply> {
    const accountId = accountOf(p, caller);
    if (p.params.EventCategory !== undefined) throw new NotEmulatedError('LookupEvents EventCategory (Insights)');
    const attrs = Array.isArray(p.params.LookupAttributes) ? (p.params.LookupAttributes as unknown[]) : [];
    if (attrs.length > 1)
      return errorReply(p, 400, 'InvalidLookupAttributesException', 'You can specify at most one lookup attribute.');
    const attr = attrs[0] as { AttributeKey?: unknown; AttributeValue?: unknown } | undefined;
    if (attr && attr.AttributeKey !== 'AccessKeyId')
      throw new NotEmulatedError(`LookupEvents by ${String(attr.AttributeKey)} (only AccessKeyId is emulated)`);
    const max = p.params.MaxResults === undefined ? 50 : Number(p.params.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > 50)
      return errorReply(p, 400, 'InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
    const start = trailTime(p.params.StartTime);
    let end = trailTime(p.params.EndTime) ?? now();
    if (start && start > end)
      return errorReply(p, 400, 'InvalidTimeRangeException', 'Start time must be earlier than end time.');
    const query = JSON.stringify([attr?.AttributeValue ?? null, start?.getTime() ?? null, p.params.EndTime ?? null]);
    let offset = 0;
    if (p.params.NextToken !== undefined) {
      let token: { o?: unknown; q?: unknown; t?: unknown } = {};
      try {
        token = JSON.parse(Buffer.from(String(p.params.NextToken), 'base64url').toString('utf8'));
      } catch {
        // refused below
      }
      if (typeof token.o !== 'number' || token.q !== query || typeof token.t !== 'number')
        return errorReply(p, 400, 'InvalidNextTokenException', 'Invalid NextToken.');
      offset = token.o;
      // Pages of one lookup hold still while new events arrive.
      end = new Date(token.t);
    }
    const oldest = now().getTime() - TRAIL_RETENTION_DAYS * 86_400_000;
    const from = Math.max(start?.getTime() ?? oldest, oldest);
    const matching = trailEntries()
      .filter(
        (e) =>
          e.accountId === accountId &&
          e.region === p.region &&
          (attr === undefined || e.accessKeyId === attr.AttributeValue) &&
          e.time.getTime() >= from &&
          e.time.getTime() <= end.getTime(),
      )
      .sort((a, b) => b.time.getTime() - a.time.getTime());
    const page = matching.slice(offset, offset + max);
    const next = offset + max < matching.length ? offset + max : undefined;
    const identities = await Promise.all(page.map(trailIdentity));
    const events = page.map((e, i) => {
      const { identity, username } = identities[i] ?? { identity: {} };
      const eventSource = `${e.service}.amazonaws.com`;
      const readOnly = /^(Get|List|Describe|Lookup)/.test(e.operation) || e.operation === 'GenerateCredentialReport';
      return {
        EventId: e.eventId,
        EventName: e.operation,
        ReadOnly: String(readOnly),
        AccessKeyId: e.accessKeyId,
        EventTime: e.time.getTime() / 1000,
        EventSource: eventSource,
        ...(username ? { Username: username } : {}),
        Resources: [],
        CloudTrailEvent: JSON.stringify({
          eventVersion: '1.11',
          userIdentity: identity,
          eventTime: isoSeconds(e.time),
          eventSource,
          eventName: e.operation,
          awsRegion: e.region,
          sourceIPAddress: e.sourceIp,
          userAgent: e.userAgent,
          requestParameters: null,
          responseElements: null,
          requestID: e.eventId,
          eventID: e.eventId,
          readOnly,
          eventType: 'AwsApiCall',
          managementEvent: true,
          recipientAccountId: e.accountId,
          eventCategory: 'Management',
        }),
      };
    });
    const nextToken =
      next === undefined
        ? undefined
        : Buffer.from(JSON.stringify({ o: next, q: query, t: end.getTime() }), 'utf8').toString('base64url');
    return jsonOk({ Events: events, ...(nextToken ? { NextToken: nextToken } : {}) }, p.protocol);
  }

  /* ---------------- the request handler ---------------- */

  /**
   * Behaviour 18: the organization's structure (Organizations List* and Describe* other than
   * DescribeOrganization) is readable only from the management account or a delegated
   * administrator; any other member gets AccessDeniedException, as AWS answers (moto answers
   * every member). Delegated administrators: the layer's (iam, account) and moto's.
   * Docs: Organizations User Guide "Delegated administrator for AWS Organizations"; API errors.
   */
  async function organizationsReadGate(
    p: ParsedRequest,
    caller: Caller,
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<Reply | undefined> {
    if (p.service !== 'organizations' || !/^(List|Describe)/.test(p.operation)) return undefined;
    if (p.operation === 'DescribeOrganization' || caller.kind !== 'other') return undefined;
    // Answered by behaviour 15, which adds the delegated administrators the layer keeps.
    if (p.operation === 'ListDelegatedServicesForAccount') return undefined;
    const accountId = accountOf(p, caller);
    const org = await describeOrganization(p.accessKeyId, accountId);
    if (!org || org.masterAccountId === accountId) return undefined;
    // A delegated administrator reads what the management account reads (moto keeps it there).
    const asManagement = () => forward(req, body, org.masterAccountId);
    for (const admins of orgState(org.id).delegated.values()) if (admins.has(accountId)) return asManagement();
    const listed = await internal(
      'organizations',
      'AKIAORGREADGATE00000',
      org.masterAccountId,
      '{}',
      'AWSOrganizationsV20161128.ListDelegatedAdministrators',
    );
    if (listed.status === 200 && listed.body.toString().includes(`"${accountId}"`)) return asManagement();
    return errorReply(p, 400, 'AccessDeniedException', "You don't have permissions to access this resource.");
  }

  /**
   * Behaviour 19: the account whose Identity Center instance `accountId` may use in `region`: its
   * own, or its organization's management account's when it is the delegated administrator for
   * sso.amazonaws.com; undefined when it sees none.
   */
  async function identityCenterOwner(accountId: string, region: string): Promise<string | undefined> {
    if (identityCenters.get(accountId) === region) return accountId;
    const ctx = await accountContext(accountId);
    const master = ctx.org?.masterAccountId;
    if (!ctx.member || !ctx.org || !master || identityCenters.get(master) !== region) return undefined;
    return delegatedAdmins(ctx.org.id, SSO_PRINCIPAL).has(accountId) ? master : undefined;
  }

  /** Behaviour 19: sso-admin and identitystore, on the instance the caller can see or none. */
  async function identityCenter(
    p: ParsedRequest,
    req: http.IncomingMessage,
    body: Buffer,
    caller: Caller,
  ): Promise<Reply> {
    const accountId = accountOf(p, caller);
    const owner = await identityCenterOwner(accountId, p.region);
    if (!owner) {
      if (p.service === 'sso' && p.operation === 'ListInstances') return jsonOk({ Instances: [] }, 'json');
      return errorReply(p, 400, 'AccessDeniedException', "You don't have permissions to access this resource.");
    }
    const reply = await forward(req, body, owner);
    if (p.service === 'sso' && p.operation === 'CreateAccountAssignment' && reply.status === 200) {
      const data = JSON.parse(reply.body.toString()) as { AccountAssignmentCreationStatus?: { Status?: string } };
      if (data.AccountAssignmentCreationStatus) data.AccountAssignmentCreationStatus.Status = 'IN_PROGRESS';
      return jsonOk(data, 'json');
    }
    return reply;
  }

  async function dispatch(p: ParsedRequest, req: http.IncomingMessage, body: Buffer): Promise<Reply> {
    const reply = await dispatchSigned(p, req, body);
    // Any change to the organization (accounts, OUs, policies, attachments, trusted access,
    // closing an account) may change SCPs, membership or status: drop what was cached.
    if (p.service === 'organizations' && !/^(Describe|List)/.test(p.operation)) invalidateOrganizations();
    return reply;
  }

  async function dispatchSigned(p: ParsedRequest, req: http.IncomingMessage, body: Buffer): Promise<Reply> {
    const auth = authenticate(p, req);
    if ('status' in auth) return auth;
    const caller = auth;
    const isRoot = caller.kind !== 'other';
    const op = `${p.service}:${p.operation}`;

    const refused = await organizationGate(p, caller);
    if (refused) return refused;
    const orgRead = await organizationsReadGate(p, caller, req, body);
    if (orgRead) return orgRead;

    if (isRoot && op === 'sts:GetCallerIdentity') {
      const a = caller.accountId;
      return queryOk(p, `<UserId>${a}</UserId><Account>${a}</Account><Arn>arn:aws:iam::${a}:root</Arn>`);
    }
    if (isRoot && p.service === 'iam' && ACCESS_KEY_OPS.has(p.operation) && p.params.UserName === undefined) {
      const isRootKey = root(caller.accountId).rootKeys.some((k) => k.accessKeyId === p.params.AccessKeyId);
      // GetAccessKeyLastUsed names the key, so an IAM user's key id still goes to moto; an AssumeRoot
      // session's task policy denies it on every resource but the root user.
      if (p.operation !== 'GetAccessKeyLastUsed' || isRootKey) return rootAccessKeys(p, caller.accountId);
      if (caller.kind === 'root-session')
        return accessDenied(
          p,
          `User: arn:aws:iam::${caller.accountId}:root is not authorized to perform: iam:GetAccessKeyLastUsed with an explicit deny in a session policy`,
        );
    }
    if (isRoot && p.service === 'iam' && ROOT_CREDENTIAL_OPS.has(p.operation) && p.params.UserName === undefined)
      return rootCredentials(p, caller);
    if (isRoot && op === 'iam:GetUser' && p.params.UserName === undefined) return rootUser(p, caller.accountId);
    if (isRoot && op === 'iam:DeleteVirtualMFADevice') {
      const deleted = deleteRootVirtualMfa(p, caller.accountId);
      if (deleted) return deleted;
    }
    if (p.service === 'account') return accountApi(p, req, body, caller);
    if (p.service === 'sso' || p.service === 'identitystore') return identityCenter(p, req, body, caller);
    switch (op) {
      case 'iam:GetAccountAuthorizationDetails':
        return authorizationDetails(p, req, body, caller);
      case 'ec2:DescribeInstances':
        return describeInstances(p, req, body, caller);
      case 'iam:GetAccountSummary':
        return getAccountSummary(p, req, body, caller);
      case 'iam:ListVirtualMFADevices':
        return listVirtualMfaDevices(p, req, body, caller);
      case 'iam:GenerateCredentialReport':
        return generateCredentialReport(p, req, body, caller);
      case 'iam:GetCredentialReport':
        return getCredentialReport(p, req, body, caller);
      case 'iam:ListOrganizationsFeatures':
      case 'iam:EnableOrganizationsRootCredentialsManagement':
      case 'iam:EnableOrganizationsRootSessions':
      case 'iam:DisableOrganizationsRootCredentialsManagement':
      case 'iam:DisableOrganizationsRootSessions':
        return organizationsFeatures(p, caller);
      case 'sts:AssumeRoot':
        return assumeRoot(p, caller);
      case 'organizations:EnableAWSServiceAccess':
      case 'organizations:DisableAWSServiceAccess':
        if (p.params.ServicePrincipal === 'iam.amazonaws.com') return serviceAccess(p, req, body, caller);
        break;
      case 'organizations:ListAWSServiceAccessForOrganization':
        return serviceAccess(p, req, body, caller);
      case 'organizations:RegisterDelegatedAdministrator':
      case 'organizations:DeregisterDelegatedAdministrator':
      case 'organizations:ListDelegatedAdministrators':
      case 'organizations:ListDelegatedServicesForAccount':
        return delegatedAdministrators(p, req, body, caller);
      case 'sts:AssumeRole':
        return assumeRole(p, req, body, caller);
      case 'cloudtrail:LookupEvents':
        return lookupEvents(p, caller);
    }
    const accountId = accountOf(p, caller);
    const reply = await forward(req, body, accountId);
    learnKeys(p, reply, accountId);
    return reply;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const p = parseRequest(req, body);
    let reply: Reply;
    if (!p) {
      reply = await forward(req, body);
    } else {
      const record: RecordedRequest = {
        service: p.service,
        operation: p.operation,
        accessKeyId: p.accessKeyId,
        region: p.region,
        params: p.params,
      };
      requests.push(record);
      noteForTrail(record, req);
      try {
        reply = await dispatch(p, req, body);
      } catch (err) {
        record.status = 500;
        if (!(err instanceof NotEmulatedError)) throw err;
        reply = errorReply(p, 500, 'InternalFailure', `rootlock root layer internal error: ${err.message}`);
      }
      record.status = reply.status;
      if (reply.status < 300) {
        const account = rootKeyAccounts.get(p.accessKeyId);
        const key =
          account === undefined ? undefined : roots.get(account)?.rootKeys.find((k) => k.accessKeyId === p.accessKeyId);
        if (key) key.lastUsed = { date: now(), region: p.region, service: p.service };
      }
    }
    res.writeHead(reply.status, { ...reply.headers, 'content-length': String(Buffer.byteLength(reply.body)) });
    res.end(reply.body);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`rootlock root layer internal error: ${message}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('root layer: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    seedRoot(accountId = DEFAULT_ACCOUNT_ID, o: SeedRootOptions = {}) {
      const keysInit = o.keys ?? [];
      if (keysInit.length > 2) throw new Error('seedRoot: the root user can hold at most 2 access keys');
      const state = root(accountId);
      for (const k of state.rootKeys) revoked.delete(k.accessKeyId);
      if ((o.certificates?.length ?? 0) > 2)
        throw new Error('seedRoot: the root user can hold at most 2 signing certificates');
      if ((o.mfaDevices?.length ?? 0) > 8) throw new Error('seedRoot: the root user can hold at most 8 MFA devices');
      if (o.mfaDevices && o.mfaEnabled !== undefined && o.mfaEnabled !== o.mfaDevices.length > 0)
        throw new Error('seedRoot: mfaEnabled contradicts mfaDevices');
      if (o.password === false && o.passwordLastUsed !== undefined)
        throw new Error('seedRoot: passwordLastUsed implies a password (password: false)');
      state.rootKeys = keysInit.map((k) => newRootKey(accountId, k));
      if (o.mfaDevices) {
        const devices: RootMfaDevice[] = [];
        for (const d of o.mfaDevices) devices.push(newMfaDevice(accountId, d, devices));
        state.mfaDevices = devices;
      } else if (o.mfaEnabled !== undefined) state.mfaEnabled = o.mfaEnabled;
      if (o.certificates) state.certificates = o.certificates.map((c) => newCertificate(c));
      if (o.password === false) delete state.password;
      if (o.password === true || o.passwordLastUsed !== undefined)
        state.password ??= { createDate: now(), passwordResetRequired: false };
      if (o.passwordLastUsed !== undefined) state.passwordLastUsed = o.passwordLastUsed;
      return { keys: state.rootKeys.map((k) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey })) };
    },
    seedTrailEvents(accessKeyId: string, events: TrailEventSeed[], accountId?: string) {
      const account = accountId ?? keyAccount(accessKeyId);
      for (const e of events)
        seededTrail.push({
          eventId: randomUUID(),
          accessKeyId,
          accountId: account,
          region: e.region ?? 'us-east-1',
          service: e.service ?? 'iam',
          operation: e.eventName,
          time: e.time,
          sourceIp: e.sourceIp ?? '198.51.100.10',
          userAgent: e.userAgent ?? 'aws-cli/2.17.0 md/Botocore#1.34.0',
        });
    },
    actAs(accountId: string) {
      if (!/^\d{12}$/.test(accountId)) throw new Error(`actAs: ${accountId} is not a 12-digit account id`);
      const creds = { accessKeyId: newKeyId('AKIA'), secretAccessKey: newSecret() };
      keyInfo.set(creds.accessKeyId, { accountId, kind: 'setup' });
      return creds;
    },
    root,
    enableIdentityCenter(accountId: string, region: string) {
      identityCenters.set(accountId, region);
    },
    organizationFeatures(orgId: string) {
      const s = orgs.get(orgId);
      return FEATURE_ORDER.filter((f) => s?.features.has(f));
    },
    advanceClock(seconds: number) {
      clockOffsetMs += seconds * 1000;
    },
    configure(b: RootLayerBehaviour) {
      behaviour = {
        keyPropagationSeconds: b.keyPropagationSeconds ?? behaviour.keyPropagationSeconds,
        credentialReportReuse: b.credentialReportReuse ?? behaviour.credentialReportReuse,
      };
    },
    get behaviour() {
      return { ...behaviour };
    },
    now,
    reset() {
      requests.length = 0;
      roots.clear();
      rootKeyAccounts.clear();
      sessions.clear();
      keyInfo.clear();
      reports.clear();
      orgs.clear();
      detachedVirtualMfa.clear();
      createdMembers.clear();
      identityCenters.clear();
      invalidateOrganizations();
      revoked.clear();
      seededTrail.length = 0;
      behaviour = { ...initial };
      clockOffsetMs = 0;
    },
    close() {
      agent.destroy();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/* ------------------------------------------------------------------------------------------ */
/* Small pure helpers                                                                          */
/* ------------------------------------------------------------------------------------------ */

function loginProfileXml(pw: RootPassword): string {
  return `<CreateDate>${isoSeconds(pw.createDate)}</CreateDate>${pw.passwordResetRequired ? '<PasswordResetRequired>true</PasswordResetRequired>' : ''}`;
}

function setSummaryEntry(xml: string, key: string, value: number): string {
  const re = new RegExp(`(<key>${key}</key>\\s*<value>)[^<]*(</value>)`);
  if (re.test(xml)) return xml.replace(re, `$1${value}$2`);
  return xml.replace('</SummaryMap>', `<entry><key>${key}</key><value>${value}</value></entry></SummaryMap>`);
}

/** RFC 4180 quoting: only when the value holds a comma, quote or line break. */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const CONTACT_LIMITS: Array<[keyof ContactInformation, number, boolean]> = [
  ['FullName', 50, true],
  ['AddressLine1', 60, true],
  ['AddressLine2', 60, false],
  ['AddressLine3', 60, false],
  ['City', 50, true],
  ['StateOrRegion', 50, false],
  ['DistrictOrCounty', 50, false],
  ['PostalCode', 20, true],
  ['CountryCode', 2, true],
  ['PhoneNumber', 20, true],
  ['CompanyName', 50, false],
  ['WebsiteUrl', 256, false],
];

/** Countries for which AWS requires StateOrRegion (ContactInformation data type). */
const STATE_REQUIRED = new Set(['US', 'CA', 'GB', 'DE', 'JP', 'IN', 'BR']);

/** The ContactInformation rules of the Account Management API reference. */
export function validateContactInformation(input: unknown): Array<{ name: string; message: string }> {
  if (!input || typeof input !== 'object')
    return [{ name: 'ContactInformation', message: 'ContactInformation must not be null' }];
  const ci = input as Record<string, unknown>;
  const problems: Array<{ name: string; message: string }> = [];
  const bad = (field: string, message: string): void => {
    problems.push({ name: `ContactInformation.${field}`, message: `${field}: ${message}` });
  };
  for (const [field, max, required] of CONTACT_LIMITS) {
    const v = ci[field];
    if (v === undefined || v === null) {
      if (required) bad(field, 'Member must not be null');
      continue;
    }
    if (typeof v !== 'string') bad(field, 'Member must be a string');
    else if (v.length < 1 || v.length > max) bad(field, `Member must have length between 1 and ${max}`);
  }
  if (typeof ci.CountryCode === 'string' && !/^[A-Za-z]{2}$/.test(ci.CountryCode))
    bad('CountryCode', 'Member must be a 2-letter ISO-3166 country code');
  if (typeof ci.PhoneNumber === 'string' && !/^[+][\s0-9()-]+$/.test(ci.PhoneNumber)) {
    bad('PhoneNumber', 'Member must satisfy regular expression pattern: ^[+][\\s0-9()-]+$');
  }
  if (
    typeof ci.CountryCode === 'string' &&
    STATE_REQUIRED.has(ci.CountryCode.toUpperCase()) &&
    (ci.StateOrRegion === undefined || ci.StateOrRegion === '')
  ) {
    bad('StateOrRegion', `Member is required when CountryCode is ${ci.CountryCode.toUpperCase()}`);
  }
  return problems;
}

function pickContactFields(ci: Record<string, unknown>): ContactInformation {
  const out: Record<string, string> = {};
  for (const [field] of CONTACT_LIMITS) {
    const v = ci[field];
    if (typeof v === 'string') out[field] = v;
  }
  return out as unknown as ContactInformation;
}
