/**
 * The service control policy (SCP) preflight of an organization fix: before rootlock deletes a
 * member account's root credentials in an `sts:AssumeRoot` session, it asks whether the SCPs on
 * the account's path would let that session's actions through, and refuses the account when any
 * would be denied, naming the policy and the statement. Pure: the SCPs come in as documents (see
 * src/aws/scp-reads.ts for how they are read).
 *
 * SCP evaluation (Organizations User Guide, "SCP evaluation"): an explicit Deny in any SCP on the
 * path (the root, each OU, the account) denies; otherwise, at EVERY one of those levels, some SCP
 * attached there must Allow the action (FullAWSAccess is `Allow * *`). The management account is
 * never subject to SCPs; `sts:GetCallerIdentity` needs no permission and cannot be denied (STS API
 * reference, GetCallerIdentity).
 *
 * Whatever the evaluator cannot decide for sure (a condition operator it does not know, a
 * condition key whose value it does not know, a policy variable, a Principal element, a document
 * it cannot read) blocks the action: refusing only means rootlock does not delete there.
 */
import { parsePolicy, type ParsedPolicy, type PolicyStatement } from './parse.js';
import { actionMatches, patternContains, patternsIntersect, wildcardMatch, wildcardMatchCase } from './patterns.js';

/** Where an SCP is attached. */
export interface ScpTarget {
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  id: string;
  name?: string;
}

/** One SCP as Organizations returns it (DescribePolicy: Content). */
export interface ScpDocument {
  id: string;
  name: string;
  document: string;
}

/** The SCPs attached at one level of an account's path. */
export interface ScpLevel {
  target: ScpTarget;
  policies: ScpDocument[];
}

/**
 * The request context of the session: condition keys with known values (any case; looked up
 * case-insensitively, as AWS treats condition key names), and keys every such request carries
 * but whose value the preflight does not know (a condition on one of these cannot be decided).
 * Any other key is absent from the request.
 */
export interface ScpRequestContext {
  values: Readonly<Record<string, string>>;
  unknown: readonly string[];
}

/** One action the session will call, on `resource` (default: the account's root user). */
export interface ScpActionRequest {
  action: string;
  /** The resource ARN (wildcards: "some resource of this form"); `*` for actions without a resource. */
  resource?: string;
}

export type ScpBlockReason =
  | 'explicit-deny'
  | 'no-allow-at-level'
  | 'unsupported-condition'
  /** A policy document that does not parse (Organizations validates SCPs, so this should not occur). */
  | 'unreadable-policy';

/** Why one action would not get through, and where. */
export interface ScpBlock {
  action: string;
  reason: ScpBlockReason;
  /** The level (root, OU or account) of the policy, or the level where no policy allows. */
  level: ScpTarget;
  /** The policy (absent for no-allow-at-level: no policy there allows). */
  policyId?: string;
  policyName?: string;
  /** The statement's Sid, when it has one. */
  statementSid?: string;
  /** The statement's position in the policy's Statement list (0-based). */
  statementIndex?: number;
  /** unsupported-condition: the operator, key or element that could not be evaluated. */
  unsupported?: string;
  /** no-allow-at-level: the policies attached at that level (none of which allows the action). */
  policiesAtLevel?: Array<{ id: string; name: string }>;
  /** One sentence naming the policy and the statement, for the operator. */
  message: string;
}

export type ScpActionVerdict = { action: string; allowed: true } | { action: string; allowed: false; block: ScpBlock };

/** The preflight's answer for one account. */
export interface ScpPreflight {
  /** Every action gets through. */
  allowed: boolean;
  verdicts: ScpActionVerdict[];
  /** One per blocked action, in the order the actions were given. */
  blocks: ScpBlock[];
}

/**
 * Global condition keys that every signed request carries (or may carry) but whose value the
 * preflight cannot know beforehand: a condition on one of them is undecided, so it blocks
 * (AWS global condition context keys, "Availability" of each key).
 */
export const UNKNOWN_REQUEST_KEYS: readonly string[] = [
  'aws:PrincipalOrgID',
  'aws:PrincipalOrgPaths',
  'aws:PrincipalType',
  'aws:PrincipalIsAWSService',
  'aws:PrincipalServiceName',
  'aws:userid',
  'aws:username',
  'aws:SourceIp',
  'aws:SourceVpc',
  'aws:SourceVpce',
  'aws:VpcSourceIp',
  'aws:UserAgent',
  'aws:SecureTransport',
  'aws:CurrentTime',
  'aws:EpochTime',
  'aws:TokenIssueTime',
  'aws:MultiFactorAuthPresent',
  'aws:MultiFactorAuthAge',
  'aws:ViaAWSService',
  'aws:CalledVia',
  'aws:CalledViaFirst',
  'aws:CalledViaLast',
  'aws:SourceIdentity',
  'aws:ResourceAccount',
  'aws:ResourceOrgID',
  'aws:ResourceOrgPaths',
];

/**
 * The request context of an `sts:AssumeRoot` session in member account `accountId`. AWS gives
 * such a session the member's root user as principal: `aws:PrincipalArn` is
 * `arn:<partition>:iam::<account>:root` (GetCallerIdentity answers that ARN; AWS's own example SCP
 * "prevent root credentials management in member accounts" matches it with
 * `ArnLike aws:PrincipalArn arn:aws:iam::*:root` and exempts the session with
 * `Null aws:AssumedRoot true`), and `aws:AssumedRoot` is `true` (present only in such sessions).
 * The session's actions are IAM's, and IAM requests are always in us-east-1 (`aws:RequestedRegion`:
 * IAM's single endpoint is there), which decides region-restricting SCPs.
 */
export function assumeRootContext(accountId: string, partition = 'aws'): ScpRequestContext {
  const values: Record<string, string> = {
    'aws:PrincipalArn': `arn:${partition}:iam::${accountId}:root`,
    'aws:AssumedRoot': 'true',
    'aws:PrincipalAccount': accountId,
  };
  // IAM's endpoint region is known for the commercial partition only.
  if (partition === 'aws') values['aws:RequestedRegion'] = 'us-east-1';
  return {
    values,
    unknown: partition === 'aws' ? UNKNOWN_REQUEST_KEYS : [...UNKNOWN_REQUEST_KEYS, 'aws:RequestedRegion'],
  };
}

/** The actions of an IAMDeleteRootUserCredentials session, by the kind of credential deleted. */
export const DELETE_ROOT_CREDENTIAL_ACTIONS = {
  accessKeys: ['iam:ListAccessKeys', 'iam:DeleteAccessKey'],
  signingCertificates: ['iam:ListSigningCertificates', 'iam:DeleteSigningCertificate'],
  password: ['iam:GetLoginProfile', 'iam:DeleteLoginProfile'],
  mfaDevices: ['iam:ListMFADevices', 'iam:DeactivateMFADevice'],
} as const;

/** The reads of the IAMAuditRootUserCredentials session that verifies the deletion. */
export const AUDIT_ROOT_CREDENTIAL_ACTIONS = [
  'iam:ListAccessKeys',
  'iam:ListSigningCertificates',
  'iam:GetLoginProfile',
  'iam:ListMFADevices',
] as const;

/**
 * The actions an organization fix's root sessions call for the credential kinds it deletes: the
 * deletion session's list-and-delete pairs and the audit session's reads.
 */
export function rootSessionActions(kinds: {
  accessKeys: boolean;
  signingCertificates: boolean;
  password: boolean;
  mfaDevices: boolean;
}): string[] {
  const out = new Set<string>();
  for (const kind of ['accessKeys', 'signingCertificates', 'password', 'mfaDevices'] as const) {
    if (!kinds[kind]) continue;
    for (const a of DELETE_ROOT_CREDENTIAL_ACTIONS[kind]) out.add(a);
  }
  if (out.size > 0) for (const a of AUDIT_ROOT_CREDENTIAL_ACTIONS) out.add(a);
  return [...out];
}

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/** A statement (or one of its parts) applies, does not, or cannot be decided. */
type Tri = { kind: 'yes' } | { kind: 'no' } | { kind: 'unknown'; what: string };
const YES: Tri = { kind: 'yes' };
const NO: Tri = { kind: 'no' };

/** AND of parts: any certain "no" decides; else any unknown; else yes. */
function all(parts: Tri[]): Tri {
  let unknown: Tri | undefined;
  for (const p of parts) {
    if (p.kind === 'no') return NO;
    if (p.kind === 'unknown' && !unknown) unknown = p;
  }
  return unknown ?? YES;
}

/** ArnLike / ArnEquals: the six colon-separated parts each matched on their own (the last keeps its colons). */
function arnMatches(pattern: string, value: string): boolean {
  const split = (arn: string): string[] | undefined => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const v = split(value);
  return !!p && !!v && p.every((part, i) => wildcardMatchCase(part, v[i] ?? ''));
}

type Comparer = (policyValue: string, actual: string) => boolean;

/** The operators evaluated, by base name (without IfExists): how a policy value matches, and negation. */
const OPERATORS: Record<string, { test: Comparer; negated: boolean }> = {
  StringEquals: { test: (v, a) => v === a, negated: false },
  StringNotEquals: { test: (v, a) => v === a, negated: true },
  StringEqualsIgnoreCase: { test: (v, a) => v.toLowerCase() === a.toLowerCase(), negated: false },
  StringNotEqualsIgnoreCase: { test: (v, a) => v.toLowerCase() === a.toLowerCase(), negated: true },
  StringLike: { test: wildcardMatchCase, negated: false },
  StringNotLike: { test: wildcardMatchCase, negated: true },
  ArnEquals: { test: arnMatches, negated: false },
  ArnLike: { test: arnMatches, negated: false },
  ArnNotEquals: { test: arnMatches, negated: true },
  ArnNotLike: { test: arnMatches, negated: true },
  Bool: { test: (v, a) => v.toLowerCase() === a.toLowerCase(), negated: false },
};

/** A context lookup: the value, absent, or present with a value the preflight does not know. */
type Lookup = { kind: 'value'; value: string } | { kind: 'absent' } | { kind: 'unknown' };

interface ContextIndex {
  values: Map<string, string>;
  unknown: Set<string>;
}

function indexContext(ctx: ScpRequestContext): ContextIndex {
  return {
    values: new Map(Object.entries(ctx.values).map(([k, v]) => [k.toLowerCase(), v])),
    unknown: new Set(ctx.unknown.map((k) => k.toLowerCase())),
  };
}

function lookup(ctx: ContextIndex, key: string): Lookup {
  const k = key.toLowerCase();
  const value = ctx.values.get(k);
  if (value !== undefined) return { kind: 'value', value };
  return ctx.unknown.has(k) ? { kind: 'unknown' } : { kind: 'absent' };
}

/**
 * One operator on one key (IAM User Guide, "IAM JSON policy elements: Condition operators"):
 * values are ORed; a key absent from the request matches `...IfExists` operators, the negated
 * operators (StringNotEquals, StringNotLike, ArnNotEquals, ArnNotLike: "the key is not matched"),
 * and `Null` with `true`; any other operator on an absent key does not match.
 */
function conditionHolds(operator: string, key: string, values: string[], ctx: ContextIndex): Tri {
  const where = `${operator} ${key}`;
  if (values.some((v) => v.includes('${'))) return { kind: 'unknown', what: `a policy variable in ${where}` };
  const found = lookup(ctx, key);
  if (operator === 'Null') {
    if (found.kind === 'unknown') return { kind: 'unknown', what: `${where} (the value of ${key} is not known)` };
    const absent = found.kind === 'absent';
    return values.some((v) => (v.toLowerCase() === 'true') === absent) ? YES : NO;
  }
  const ifExists = operator.endsWith('IfExists');
  const base = ifExists ? operator.slice(0, -'IfExists'.length) : operator;
  const op = OPERATORS[base];
  if (!op) return { kind: 'unknown', what: `condition operator ${operator}` };
  if (found.kind === 'unknown') return { kind: 'unknown', what: `${where} (the value of ${key} is not known)` };
  if (found.kind === 'absent') return ifExists || op.negated ? YES : NO;
  const any = values.some((v) => op.test(v, found.value));
  return any !== op.negated ? YES : NO;
}

function conditionsHold(st: PolicyStatement, ctx: ContextIndex): Tri {
  if (!st.condition) return YES;
  const parts: Tri[] = [];
  for (const [operator, block] of Object.entries(st.condition)) {
    for (const [key, values] of Object.entries(block)) {
      if (operator.includes(':'))
        parts.push({ kind: 'unknown', what: `condition operator ${operator} (set operators are not evaluated)` });
      else parts.push(conditionHolds(operator, key, values, ctx));
    }
  }
  return all(parts);
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

function actionApplies(st: PolicyStatement, action: string): boolean {
  if (st.action) return st.action.some((p) => actionMatches(p, action));
  if (st.notAction) return !st.notAction.some((p) => actionMatches(p, action));
  return false;
}

/** Whether pattern `p` names the request's resource `r` for sure (`covers`) or may (`meets`). */
function resourceRelation(p: string, r: string): { covers: boolean; meets: boolean } {
  // An action without a resource is requested on `*`: only a statement whose pattern matches
  // the literal `*` names it.
  if (r === '*') {
    const m = wildcardMatch(p, '*');
    return { covers: m, meets: m };
  }
  return { covers: patternContains(p, r), meets: patternsIntersect(p, r) };
}

/**
 * Whether the statement's Resource / NotResource names the request's resource. An Allow needs
 * certainty that it does; a Deny applies as soon as it may (a partial overlap blocks: the safe side).
 */
function resourceApplies(st: PolicyStatement, resource: string, effect: 'Allow' | 'Deny'): boolean {
  const certain = effect === 'Allow';
  if (st.notResource) {
    // Applies unless the resource is excluded: for an Allow, unless it may be; for a Deny, unless surely.
    return !st.notResource.some((p) => {
      const rel = resourceRelation(p, resource);
      return certain ? rel.meets : rel.covers;
    });
  }
  const patterns = st.resource ?? ['*'];
  return patterns.some((p) => {
    const rel = resourceRelation(p, resource);
    return certain ? rel.covers : rel.meets;
  });
}

function statementApplies(st: PolicyStatement, req: Required<ScpActionRequest>, ctx: ContextIndex): Tri {
  if (!actionApplies(st, req.action)) return NO;
  if (!resourceApplies(st, req.resource, st.effect)) return NO;
  if (st.principal || st.notPrincipal) return { kind: 'unknown', what: 'a Principal element (not valid in an SCP)' };
  return conditionsHold(st, ctx);
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

interface ParsedScp {
  level: ScpTarget;
  id: string;
  name: string;
  parsed?: ParsedPolicy;
  error?: string;
}

/** A level in words: `the root (r-ab12)`, `OU Workloads (ou-ab12-cd34ef56)`, `the account 111122223333`. */
export function describeTarget(t: ScpTarget): string {
  if (t.type === 'ROOT') return t.name && t.name !== 'Root' ? `the root ${t.name} (${t.id})` : `the root (${t.id})`;
  if (t.type === 'ORGANIZATIONAL_UNIT') return t.name ? `OU ${t.name} (${t.id})` : `OU ${t.id}`;
  return `the account ${t.id}`;
}

function describeStatement(st: PolicyStatement, index: number): string {
  return st.sid ? `statement "${st.sid}" (Statement[${index}])` : `Statement[${index}]`;
}

function policyLabel(p: { id: string; name: string }): string {
  return `SCP "${p.name}" (${p.id})`;
}

function statementBlock(
  req: Required<ScpActionRequest>,
  p: ParsedScp,
  st: PolicyStatement,
  index: number,
  reason: ScpBlockReason,
  message: string,
  unsupported?: string,
): ScpBlock {
  const block: ScpBlock = {
    action: req.action,
    reason,
    level: p.level,
    policyId: p.id,
    policyName: p.name,
    statementIndex: index,
    message,
  };
  if (st.sid) block.statementSid = st.sid;
  if (unsupported) block.unsupported = unsupported;
  return block;
}

function evaluateAction(policies: ParsedScp[][], req: Required<ScpActionRequest>, ctx: ContextIndex): ScpBlock | null {
  if (req.action.toLowerCase() === 'sts:getcalleridentity') return null;
  let undecided: ScpBlock | undefined;
  // 1. An explicit Deny anywhere on the path.
  for (const level of policies) {
    for (const p of level) {
      if (!p.parsed) {
        undecided ??= {
          action: req.action,
          reason: 'unreadable-policy',
          level: p.level,
          policyId: p.id,
          policyName: p.name,
          message:
            `${policyLabel(p)} attached to ${describeTarget(p.level)} could not be read (${p.error}), so whether it ` +
            `denies ${req.action} is not known.`,
        };
        continue;
      }
      for (const [i, st] of p.parsed.statements.entries()) {
        if (st.effect !== 'Deny') continue;
        const applies = statementApplies(st, req, ctx);
        if (applies.kind === 'yes')
          return statementBlock(
            req,
            p,
            st,
            i,
            'explicit-deny',
            `${policyLabel(p)} attached to ${describeTarget(p.level)} denies ${req.action} to the AssumeRoot ` +
              `session: its ${describeStatement(st, i)} applies.`,
          );
        if (applies.kind === 'unknown')
          undecided ??= statementBlock(
            req,
            p,
            st,
            i,
            'unsupported-condition',
            `${policyLabel(p)} attached to ${describeTarget(p.level)} may deny ${req.action}: its ` +
              `${describeStatement(st, i)} uses ${applies.what}, which the preflight cannot evaluate.`,
            applies.what,
          );
      }
    }
  }
  // 2. At every level, some policy must allow.
  for (const level of policies) {
    const verdict = levelAllows(level, req, ctx);
    if (verdict === true) continue;
    if (verdict.reason === 'no-allow-at-level') return verdict;
    undecided ??= verdict;
  }
  return undecided ?? null;
}

/** Whether some policy at one level allows the action: true, or the block (certain or undecided). */
function levelAllows(level: ParsedScp[], req: Required<ScpActionRequest>, ctx: ContextIndex): true | ScpBlock {
  let maybe: ScpBlock | undefined;
  for (const p of level) {
    if (!p.parsed) continue;
    for (const [i, st] of p.parsed.statements.entries()) {
      if (st.effect !== 'Allow') continue;
      const applies = statementApplies(st, req, ctx);
      if (applies.kind === 'yes') return true;
      if (applies.kind === 'unknown')
        maybe ??= statementBlock(
          req,
          p,
          st,
          i,
          'unsupported-condition',
          `Only ${policyLabel(p)} attached to ${describeTarget(p.level)} may allow ${req.action} at that level, ` +
            `and its ${describeStatement(st, i)} uses ${applies.what}, which the preflight cannot evaluate.`,
          applies.what,
        );
    }
  }
  if (maybe) return maybe;
  const target = level[0]?.level as ScpTarget; // levels without policies never get here
  const names = level.map((p) => ({ id: p.id, name: p.name }));
  return {
    action: req.action,
    reason: 'no-allow-at-level',
    level: target,
    policiesAtLevel: names,
    message:
      `No SCP attached to ${describeTarget(target)} allows ${req.action} (attached: ` +
      `${names.map(policyLabel).join(', ')}), so SCPs deny it there.`,
  };
}

/**
 * The preflight for one member account: for each action its session will call, allowed or
 * blocked by the SCPs on `levels` (root first, then each OU, then the account) in `context`
 * (see {@link assumeRootContext}). A certain refusal (an explicit Deny, then a level where nothing
 * allows) is reported before an undecided one (an unsupported condition, an unreadable policy).
 * `levels` empty means no SCP applies (SCPs not enabled, or the management account).
 */
export function evaluateScps(
  levels: readonly ScpLevel[],
  actions: ReadonlyArray<string | ScpActionRequest>,
  context: ScpRequestContext,
): ScpPreflight {
  const ctx = indexContext(context);
  // The account's root user: the resource of the session's actions unless a request names another.
  const principalArn = ctx.values.get('aws:principalarn');
  const account = ctx.values.get('aws:principalaccount');
  const rootArn = principalArn?.endsWith(':root') ? principalArn : `arn:aws:iam::${account ?? '*'}:root`;
  const parsed: ParsedScp[][] = levels.map((level) =>
    level.policies.map((p) => {
      try {
        return { level: level.target, id: p.id, name: p.name, parsed: parsePolicy(p.document) };
      } catch (err) {
        return { level: level.target, id: p.id, name: p.name, error: (err as Error).message };
      }
    }),
  );
  const verdicts: ScpActionVerdict[] = [];
  const blocks: ScpBlock[] = [];
  for (const a of actions) {
    const req =
      typeof a === 'string' ? { action: a, resource: rootArn } : { action: a.action, resource: a.resource ?? rootArn };
    let block: ScpBlock | null;
    const empty = levels.find((l) => l.policies.length === 0);
    if (empty && req.action.toLowerCase() !== 'sts:getcalleridentity') {
      block = {
        action: req.action,
        reason: 'no-allow-at-level',
        level: empty.target,
        policiesAtLevel: [],
        message: `No SCP is attached to ${describeTarget(empty.target)}, so nothing allows ${req.action} there.`,
      };
    } else {
      block = evaluateAction(parsed, req, ctx);
    }
    if (block) {
      verdicts.push({ action: req.action, allowed: false, block });
      blocks.push(block);
    } else verdicts.push({ action: req.action, allowed: true });
  }
  return { allowed: blocks.length === 0, verdicts, blocks };
}

/** One sentence for an account the preflight refuses (or undefined when it allows everything). */
export function describePreflight(accountId: string, preflight: ScpPreflight): string | undefined {
  if (preflight.allowed) return undefined;
  const first = preflight.blocks[0] as ScpBlock;
  const more = preflight.blocks.length - 1;
  return (
    `Account ${accountId} is left out: its service control policies would refuse the root session. ` +
    `${first.message}${more > 0 ? ` (${more} more action${more === 1 ? '' : 's'} refused.)` : ''}`
  );
}
