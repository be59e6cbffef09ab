/**
 * Reconciling a mutating call whose answer was lost. When a connection drops after the
 * request left (or AWS answers 5xx), the call may or may not have been applied. Sending a
 * non-idempotent create again would either fail ("already exists", "existing association")
 * or, worse, act twice; so the gate first asks AWS, with a read, whether the change is in
 * place. This module knows, per operation rootlock sends, which read proves it, and which
 * operations are safe to send again blindly (their second success changes nothing).
 */
import { describeAwsError, isNotFound } from '../aws/errors.js';
import type { Change } from './types.js';

/** What AWS shows about a change: done, not done, or something else in the way (not ours). */
export type Verdict = 'in-place' | 'absent' | 'conflict';

/** A read-only call (Get/List/Describe), as the pool sends it. */
export type ReadCall = (service: Change['service'], operation: string, params: Record<string, unknown>, region?: string) => Promise<any>;

type Verifier = (read: ReadCall, params: Record<string, any>, ctx: { region?: string; since: Date }) => Promise<Verdict>;

/**
 * How far AWS's clock may be behind ours when judging "created by this call" from a
 * CreateDate (SigV4 itself tolerates 5 minutes of skew).
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

/** Runs a read; not-found becomes `undefined`. */
async function orMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(describeAwsError(err))) return undefined;
    throw err;
  }
}

/** All pages of a marker-based IAM list. */
async function allMarkerPages<T>(read: ReadCall, operation: string, params: Record<string, unknown>, pick: (page: any) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  let marker: string | undefined;
  do {
    const page = await read('iam', operation, marker ? { ...params, Marker: marker } : params);
    out.push(...(pick(page) ?? []));
    marker = page?.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return out;
}

const tagsInclude = (have: Array<{ Key?: string; Value?: string }> | undefined, want: Array<{ Key?: string; Value?: string }> | undefined): boolean =>
  (want ?? []).every((w) => (have ?? []).some((h) => h.Key === w.Key && h.Value === w.Value));

/** A policy document as IAM returns it (URL-encoded JSON) or as sent (JSON), parsed. */
function policyJson(doc: unknown): unknown {
  if (typeof doc !== 'string') return doc;
  let text = doc;
  try {
    if (text.trim().startsWith('%')) text = decodeURIComponent(text);
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(decodeURIComponent(doc));
    } catch {
      return doc;
    }
  }
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(policyJson(a)) === JSON.stringify(policyJson(b));

/** The profile named by `{ Name }` or `{ Arn }` in an EC2 IamInstanceProfile parameter. */
function profileMatches(arn: string | undefined, wanted: { Name?: string; Arn?: string } | undefined): boolean {
  if (!arn || !wanted) return false;
  if (wanted.Arn) return arn === wanted.Arn;
  return wanted.Name !== undefined && arn.endsWith(`/${wanted.Name}`);
}

const LIVE_ASSOCIATION = new Set(['associating', 'associated']);

async function accessKeys(read: ReadCall, userName: string | undefined): Promise<Array<{ AccessKeyId?: string; Status?: string }>> {
  return allMarkerPages(read, 'ListAccessKeys', userName ? { UserName: userName } : {}, (p) => p?.AccessKeyMetadata);
}

async function groupsOf(read: ReadCall, userName: string): Promise<string[] | undefined> {
  try {
    return (await allMarkerPages(read, 'ListGroupsForUser', { UserName: userName }, (p) => p?.Groups)).map((g: any) => String(g.GroupName));
  } catch (err) {
    if (isNotFound(describeAwsError(err))) return undefined;
    throw err;
  }
}

const VERIFIERS: Record<string, Verifier> = {
  'iam:CreateUser': async (read, p) => {
    const r = await orMissing(read('iam', 'GetUser', { UserName: p.UserName }));
    if (!r?.User) return 'absent';
    // rootlock tags what it creates: a same-named user without those tags is someone else's.
    return tagsInclude(r.User.Tags, p.Tags) ? 'in-place' : 'conflict';
  },
  'iam:CreateGroup': async (read, p) => ((await orMissing(read('iam', 'GetGroup', { GroupName: p.GroupName, MaxItems: 1 })))?.Group ? 'in-place' : 'absent'),
  'iam:CreateLoginProfile': async (read, p, { since }) => {
    const r = await orMissing(read('iam', 'GetLoginProfile', { UserName: p.UserName }));
    if (!r?.LoginProfile) return 'absent';
    // Only a login profile created since this call started can hold the password it sent.
    const created = r.LoginProfile.CreateDate ? new Date(r.LoginProfile.CreateDate).getTime() : NaN;
    return created >= since.getTime() - CLOCK_SKEW_MS ? 'in-place' : 'conflict';
  },
  'iam:CreateRole': async (read, p) => {
    const r = await orMissing(read('iam', 'GetRole', { RoleName: p.RoleName }));
    if (!r?.Role) return 'absent';
    const trustOk = p.AssumeRolePolicyDocument === undefined || sameJson(r.Role.AssumeRolePolicyDocument, p.AssumeRolePolicyDocument);
    return trustOk && tagsInclude(r.Role.Tags, p.Tags) ? 'in-place' : 'conflict';
  },
  'iam:CreateInstanceProfile': async (read, p) =>
    (await orMissing(read('iam', 'GetInstanceProfile', { InstanceProfileName: p.InstanceProfileName })))?.InstanceProfile ? 'in-place' : 'absent',
  'iam:AddRoleToInstanceProfile': async (read, p) => {
    const r = await orMissing(read('iam', 'GetInstanceProfile', { InstanceProfileName: p.InstanceProfileName }));
    const roles: Array<{ RoleName?: string }> = r?.InstanceProfile?.Roles ?? [];
    if (roles.some((x) => x.RoleName === p.RoleName)) return 'in-place';
    return roles.length > 0 ? 'conflict' : 'absent';
  },
  'iam:AttachGroupPolicy': async (read, p) =>
    (await allMarkerPages(read, 'ListAttachedGroupPolicies', { GroupName: p.GroupName }, (x) => x?.AttachedPolicies)).some((a: any) => a.PolicyArn === p.PolicyArn) ? 'in-place' : 'absent',
  'iam:AttachRolePolicy': async (read, p) =>
    (await allMarkerPages(read, 'ListAttachedRolePolicies', { RoleName: p.RoleName }, (x) => x?.AttachedPolicies)).some((a: any) => a.PolicyArn === p.PolicyArn) ? 'in-place' : 'absent',
  'iam:AddUserToGroup': async (read, p) => ((await groupsOf(read, p.UserName))?.includes(p.GroupName) ? 'in-place' : 'absent'),
  'iam:RemoveUserFromGroup': async (read, p) => ((await groupsOf(read, p.UserName))?.includes(p.GroupName) ? 'absent' : 'in-place'),
  'iam:UntagUser': async (read, p) => {
    const tags = await allMarkerPages(read, 'ListUserTags', { UserName: p.UserName }, (x) => x?.Tags);
    return tags.some((t: any) => (p.TagKeys ?? []).includes(t.Key)) ? 'absent' : 'in-place';
  },
  'iam:DeleteUser': async (read, p) => ((await orMissing(read('iam', 'GetUser', { UserName: p.UserName })))?.User ? 'absent' : 'in-place'),
  'iam:DeleteLoginProfile': async (read, p) => ((await orMissing(read('iam', 'GetLoginProfile', { UserName: p.UserName })))?.LoginProfile ? 'absent' : 'in-place'),
  'iam:UpdateAccessKey': async (read, p) => {
    const key = (await accessKeys(read, p.UserName)).find((k) => k.AccessKeyId === p.AccessKeyId);
    // A deleted key is as unusable as an inactive one (the changes that deactivate say so too).
    if (!key) return p.Status === 'Inactive' ? 'in-place' : 'conflict';
    return key.Status === p.Status ? 'in-place' : 'absent';
  },
  'iam:DeleteAccessKey': async (read, p) => ((await accessKeys(read, p.UserName)).some((k) => k.AccessKeyId === p.AccessKeyId) ? 'absent' : 'in-place'),
  'ec2:AssociateIamInstanceProfile': async (read, p, { region }) => {
    const r = await read('ec2', 'DescribeIamInstanceProfileAssociations', { Filters: [{ Name: 'instance-id', Values: [p.InstanceId] }] }, region);
    const live = ((r?.IamInstanceProfileAssociations ?? []) as Array<{ State?: string; IamInstanceProfile?: { Arn?: string } }>).filter((a) =>
      LIVE_ASSOCIATION.has(a.State ?? ''),
    );
    if (live.some((a) => profileMatches(a.IamInstanceProfile?.Arn, p.IamInstanceProfile))) return 'in-place';
    return live.length > 0 ? 'conflict' : 'absent';
  },
  'ec2:ReplaceIamInstanceProfileAssociation': async (read, p, { region }) => {
    const r = await read('ec2', 'DescribeIamInstanceProfileAssociations', { AssociationIds: [p.AssociationId] }, region);
    const a = (r?.IamInstanceProfileAssociations ?? [])[0] as { IamInstanceProfile?: { Arn?: string } } | undefined;
    // AWS gives a replaced association a new id: the old one gone proves nothing either way.
    if (!a) throw new Error(`association ${String(p.AssociationId)} is no longer listed; whether it was replaced cannot be read back`);
    return profileMatches(a.IamInstanceProfile?.Arn, p.IamInstanceProfile) ? 'in-place' : 'absent';
  },
  'iam:UpdateAccountPasswordPolicy': async (read, p) => {
    const r = await orMissing(read('iam', 'GetAccountPasswordPolicy', {}));
    const have = (r?.PasswordPolicy ?? {}) as Record<string, unknown>;
    if (!r?.PasswordPolicy) return 'absent';
    return Object.entries(p).every(([k, v]) => have[k] === v) ? 'in-place' : 'absent';
  },
  'account:PutContactInformation': async (read, p) => {
    const r = await orMissing(read('account', 'GetContactInformation', p.AccountId ? { AccountId: p.AccountId } : {}));
    const have = (r?.ContactInformation ?? {}) as Record<string, unknown>;
    const want = (p.ContactInformation ?? {}) as Record<string, unknown>;
    if (!r?.ContactInformation) return 'absent';
    return Object.entries(want).every(([k, v]) => have[k] === v) ? 'in-place' : 'absent';
  },
  'account:PutAlternateContact': async (read, p) => {
    const r = await orMissing(read('account', 'GetAlternateContact', { AlternateContactType: p.AlternateContactType, ...(p.AccountId ? { AccountId: p.AccountId } : {}) }));
    const c = r?.AlternateContact;
    if (!c) return 'absent';
    return ['Name', 'Title', 'EmailAddress', 'PhoneNumber'].every((f) => c[f] === p[f]) ? 'in-place' : 'absent';
  },
};

/**
 * Operations whose repetition after a success changes nothing (puts, attaches, tag removals,
 * key status updates, service-access switches) or is answered with a code the change already
 * counts as done (deletes and removals: NoSuchEntity). Sending these again after a lost answer
 * is safe even when no read can settle the question.
 */
const IDEMPOTENT = new Set([
  'iam:UpdateAccountPasswordPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:AddUserToGroup',
  'iam:TagUser',
  'iam:UntagUser',
  'iam:TagRole',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:DeleteUser',
  'iam:DeleteLoginProfile',
  'iam:RemoveUserFromGroup',
  'iam:EnableOrganizationsRootCredentialsManagement',
  'iam:EnableOrganizationsRootSessions',
  'account:PutAlternateContact',
  'account:PutContactInformation',
  'organizations:EnableAWSServiceAccess',
]);

/** True when the gate may send the change again without first knowing whether it was applied. */
export function isIdempotent(change: Pick<Change, 'service' | 'operation'>): boolean {
  return IDEMPOTENT.has(`${change.service}:${change.operation}`);
}

/** True when a read can tell whether the change is in place. */
export function canVerify(change: Pick<Change, 'service' | 'operation'>): boolean {
  return `${change.service}:${change.operation}` in VERIFIERS;
}

/**
 * Asks AWS whether `change` (sent with `params`) is in place. Returns `undefined` when no
 * read can tell (no verifier for the operation), and throws when the read itself fails.
 */
export async function verifyChange(
  read: ReadCall,
  change: Pick<Change, 'service' | 'operation' | 'region'>,
  params: Record<string, unknown>,
  since: Date,
): Promise<Verdict | undefined> {
  const verifier = VERIFIERS[`${change.service}:${change.operation}`];
  if (!verifier) return undefined;
  return verifier(read, params as Record<string, any>, { region: change.region, since });
}

/** How a single attempt of a mutating call ended, for the gate's decisions. */
export type AttemptFailure =
  /** AWS refused to process it (throttling): certainly not applied; send again after a pause. */
  | 'throttled'
  /** The request never left (connection refused, name not resolved): not applied; send again. */
  | 'not-sent'
  /** The answer never came (connection dropped or timed out after sending) or AWS failed (5xx): it may have been applied. */
  | 'lost'
  /** A final answer: AWS's own error, or a failure before anything was sent (credentials, a bug). */
  | 'final';

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'BandwidthLimitExceeded',
]);
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Socket errors after the request was written: the server may have acted on it. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'UND_ERR_SOCKET']);
const LOST_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/** Classifies the error of one attempt. */
export function classifyAttempt(err: unknown): AttemptFailure {
  const e = (err ?? {}) as {
    name?: string;
    Code?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? '';
  if (THROTTLING_CODES.has(code) || status === 429 || e.$retryable?.throttling) return 'throttled';
  if (status !== undefined) return status >= 500 ? 'lost' : 'final';
  if (typeof e.code === 'string' && NOT_SENT_CODES.has(e.code)) return 'not-sent';
  if ((typeof e.code === 'string' && LOST_CODES.has(e.code)) || LOST_NAMES.has(code) || /socket hang up/i.test(e.message ?? '')) return 'lost';
  return 'final';
}
