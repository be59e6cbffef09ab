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
 *    has any access key, active or not) and `AccountMFAEnabled` taken from root state.
 *    Docs: IAM API GetAccountSummary.
 * 4. Credential report: GenerateCredentialReport takes a snapshot (moto's user rows plus a
 *    `<root_account>` row); GetCredentialReport returns that snapshot with its own
 *    GeneratedTime, so a change made after the last generation is not in the report.
 *    Optionally (`credentialReportReuse`), GenerateCredentialReport within 4 hours of the last
 *    generation answers COMPLETE and keeps the existing report, as AWS does.
 *    Docs: IAM User Guide "Getting credential reports for your AWS account".
 * 5. Centralized root access (moto lacks it): iam ListOrganizationsFeatures,
 *    Enable/DisableOrganizationsRootCredentialsManagement, Enable/DisableOrganizationsRootSessions,
 *    and organizations Enable/DisableAWSServiceAccess + ListAWSServiceAccessForOrganization
 *    for `iam.amazonaws.com` only (moto refuses that principal). Management account only.
 *    Docs: IAM API ListOrganizationsFeatures and the Enable/Disable pages; IAM User Guide
 *    "Centrally manage root access for member accounts".
 * 6. sts AssumeRoot and the task-scoped root session it returns (IAMAuditRootUserCredentials,
 *    IAMDeleteRootUserCredentials, IAMCreateRootUserPassword), including `ExpiredToken` after
 *    DurationSeconds and `AccessDenied` for actions outside the task policy.
 *    Docs: STS API AssumeRoot; IAM User Guide "Perform a privileged task on an AWS
 *    Organizations member account"; AWS managed policies for root tasks.
 * 7. Account Management GetContactInformation / PutContactInformation with the
 *    ContactInformation validation rules. Docs: Account Management API PutContactInformation,
 *    ContactInformation data type.
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

export interface RootState {
  rootKeys: RootKey[];
  mfaEnabled: boolean;
  passwordLastUsed?: Date;
  contactInformation?: ContactInformation;
  /** When the root user "was created": the credential report's user_creation_time. */
  createDate: Date;
}

export interface SeedRootOptions {
  keys?: Array<{ status?: 'Active' | 'Inactive'; createDate?: Date; lastUsed?: KeyLastUsed }>;
  mfaEnabled?: boolean;
  passwordLastUsed?: Date;
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
/* Root tasks                                                                                  */
/* ------------------------------------------------------------------------------------------ */

const ROOT_TASK_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

/** Actions the AWS managed root-task policies allow (AWS managed policy reference). */
const ROOT_TASK_POLICIES: Record<string, { feature: OrganizationsFeature; actions: string[] }> = {
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
  },
  IAMAuditRootUserCredentials: {
    feature: 'RootCredentialsManagement',
    actions: [
      'iam:ListAccessKeys',
      'iam:GetAccessKeyLastUsed',
      'iam:ListMFADevices',
      'iam:GetLoginProfile',
      'iam:ListSigningCertificates',
      'iam:GetUser',
    ],
  },
  IAMCreateRootUserPassword: {
    feature: 'RootCredentialsManagement',
    actions: ['iam:CreateLoginProfile', 'iam:GetLoginProfile'],
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

interface OrgInfo {
  id: string;
  masterAccountId: string;
  featureSet: string;
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
  /** Access keys moto issued (seen passing through the layer) -> their account. */
  const motoKeys = new Map<string, string>();
  const reports = new Map<string, ReportSnapshot>();
  const orgs = new Map<string, { trustedIamSince?: Date; features: Set<OrganizationsFeature> }>();

  function root(accountId = DEFAULT_ACCOUNT_ID): RootState {
    let state = roots.get(accountId);
    if (!state) {
      state = { rootKeys: [], mfaEnabled: false, createDate: now() };
      roots.set(accountId, state);
    }
    return state;
  }

  function orgState(orgId: string): { trustedIamSince?: Date; features: Set<OrganizationsFeature> } {
    let s = orgs.get(orgId);
    if (!s) {
      s = { features: new Set() };
      orgs.set(orgId, s);
    }
    return s;
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
    return caller.kind === 'other' ? (motoKeys.get(p.accessKeyId) ?? DEFAULT_ACCOUNT_ID) : caller.accountId;
  }

  async function callerArn(p: ParsedRequest, caller: Caller, accountId: string): Promise<string> {
    if (caller.kind !== 'other') return `arn:aws:iam::${accountId}:root`;
    const r = await internal('sts', p.accessKeyId, accountId, 'Action=GetCallerIdentity&Version=2011-06-15');
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(r.body.toString())?.[1];
    if (r.status !== 200 || !arn)
      throw new Error(`root layer: moto GetCallerIdentity failed (${r.status}): ${r.body.toString()}`);
    return arn;
  }

  /** Learns the account of access keys moto issues, from its answers. */
  function learnKeys(p: ParsedRequest, reply: Reply, accountId: string): void {
    if (reply.status !== 200) return;
    const xml = reply.body.toString();
    const keyId = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
    const op = `${p.service}:${p.operation}`;
    if (op === 'iam:DeleteAccessKey' && typeof p.params.AccessKeyId === 'string') motoKeys.delete(p.params.AccessKeyId);
    if (!keyId) return;
    if (op === 'iam:CreateAccessKey' || op === 'sts:GetSessionToken' || op === 'sts:GetFederationToken')
      motoKeys.set(keyId, accountId);
    if (op.startsWith('sts:AssumeRole')) {
      const roleAccount = /<Arn>arn:[^:]+:sts::(\d{12}):assumed-role\//.exec(xml)?.[1];
      motoKeys.set(keyId, roleAccount ?? accountId);
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
      // GetCallerIdentity needs no permission (STS API reference).
      const allowed =
        action === 'sts:GetCallerIdentity' ||
        (ROOT_TASK_POLICIES[session.taskPolicy]?.actions.includes(action) ?? false);
      if (!allowed) {
        return accessDenied(
          p,
          `User: arn:aws:iam::${session.accountId}:root is not authorized to perform: ${action} because no session policy allows the ${action} action`,
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

  function rootReportRow(accountId: string, columns: string[]): string {
    const state = root(accountId);
    const keys = [...state.rootKeys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime());
    const values: Record<string, string> = {
      user: '<root_account>',
      arn: `arn:aws:iam::${accountId}:root`,
      user_creation_time: reportTime(state.createDate),
      password_enabled: 'not_supported',
      password_last_used: state.passwordLastUsed ? reportTime(state.passwordLastUsed) : 'no_information',
      password_last_changed: 'not_supported',
      password_next_rotation: 'not_supported',
      mfa_active: String(state.mfaEnabled),
    };
    for (const n of [1, 2]) {
      const k = keys[n - 1];
      values[`access_key_${n}_active`] = String(k?.status === 'Active');
      values[`access_key_${n}_last_rotated`] = k ? reportTime(k.createDate) : 'N/A';
      values[`access_key_${n}_last_used_date`] = k?.lastUsed ? reportTime(k.lastUsed.date) : 'N/A';
      values[`access_key_${n}_last_used_region`] = k?.lastUsed?.region ?? 'N/A';
      values[`access_key_${n}_last_used_service`] = k?.lastUsed?.service ?? 'N/A';
      values[`cert_${n}_active`] = 'false';
      values[`cert_${n}_last_rotated`] = 'N/A';
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
    xml = setSummaryEntry(xml, 'AccountMFAEnabled', state.mfaEnabled ? 1 : 0);
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
    if (org.masterAccountId !== accountId) {
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
    if (!org || org.masterAccountId !== accountId)
      return denied(arn, 'the caller is not in an organization management account');
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

  async function contactInformation(p: ParsedRequest, caller: Caller): Promise<Reply> {
    const requested = p.params.AccountId;
    if (requested !== undefined && !(typeof requested === 'string' && /^\d{12}$/.test(requested))) {
      return errorReply(p, 400, 'ValidationException', 'Invalid AccountId: it must be 12 digits.', {
        reason: 'fieldValidationFailed',
        fieldList: [{ name: 'AccountId', message: 'Must be 12 digits' }],
      });
    }
    const accountId = typeof requested === 'string' ? requested : accountOf(p, caller);
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

  /* ---------------- the request handler ---------------- */

  async function dispatch(p: ParsedRequest, req: http.IncomingMessage, body: Buffer): Promise<Reply> {
    const auth = authenticate(p, req);
    if ('status' in auth) return auth;
    const caller = auth;
    const isRoot = caller.kind !== 'other';
    const op = `${p.service}:${p.operation}`;

    if (isRoot && op === 'sts:GetCallerIdentity') {
      const a = caller.accountId;
      return queryOk(p, `<UserId>${a}</UserId><Account>${a}</Account><Arn>arn:aws:iam::${a}:root</Arn>`);
    }
    if (isRoot && p.service === 'iam' && ACCESS_KEY_OPS.has(p.operation) && p.params.UserName === undefined) {
      const isRootKey = root(caller.accountId).rootKeys.some((k) => k.accessKeyId === p.params.AccessKeyId);
      // GetAccessKeyLastUsed names the key, so an IAM user's key id still goes to moto.
      if (p.operation !== 'GetAccessKeyLastUsed' || isRootKey) return rootAccessKeys(p, caller.accountId);
    }
    switch (op) {
      case 'iam:GetAccountAuthorizationDetails':
        return authorizationDetails(p, req, body, caller);
      case 'ec2:DescribeInstances':
        return describeInstances(p, req, body, caller);
      case 'iam:GetAccountSummary':
        return getAccountSummary(p, req, body, caller);
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
      case 'account:GetContactInformation':
      case 'account:PutContactInformation':
        return contactInformation(p, caller);
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
      reply = await dispatch(p, req, body);
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
      state.rootKeys = keysInit.map((k) => newRootKey(accountId, k));
      if (o.mfaEnabled !== undefined) state.mfaEnabled = o.mfaEnabled;
      if (o.passwordLastUsed !== undefined) state.passwordLastUsed = o.passwordLastUsed;
      return { keys: state.rootKeys.map((k) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey })) };
    },
    root,
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
      motoKeys.clear();
      reports.clear();
      orgs.clear();
      revoked.clear();
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
