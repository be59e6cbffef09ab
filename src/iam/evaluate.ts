/**
 * A small evaluator that answers two questions about a principal's identity policies (plus an
 * optional permissions boundary):
 *
 * 1. Is it a full administrator: allowed every action on every resource?
 * 2. If not, which self-escalation ("shadow admin") actions is it allowed?
 *
 * The evaluator reasons about action *patterns* (./patterns.ts) rather than a catalogue of AWS
 * actions, so a verdict of "full admin" is a proof, not a sample: it holds for actions
 * AWS has not launched yet. The exact rules (conditions, NotAction, resource scopes)
 * are in docs/admin-analysis.md; the comments below say why each rule is as it is.
 */
import {
  isParsedPolicy,
  parsePolicy,
  type ParsedPolicy,
  type PolicyCondition,
  type PolicyDocumentInput,
  type PolicyStatement,
} from './parse.js';
import {
  indexPatterns,
  patternContains,
  patternsFor,
  patternsIntersect,
  serviceWidePattern,
  wildcardMatch,
  type PatternIndex,
} from './patterns.js';

// ---------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------

/**
 * Condition keys that only gate *how or from where or as whom* the principal calls
 * (MFA, network, time, its own identity and tags), not *which* actions or resources.
 * An Allow gated only by these still grants its actions to the principal when the gate
 * is met, so it counts: an MFA-gated administrator is an administrator. Any other key
 * (resource or request tags, `aws:RequestedRegion`, `aws:CalledVia`, service keys such
 * as `iam:PolicyARN`) narrows what is allowed, so such an Allow does not count.
 * Lower case; `aws:PrincipalTag/...` is matched by prefix.
 */
export const GATE_CONDITION_KEYS: readonly string[] = [
  'aws:multifactorauthpresent',
  'aws:multifactorauthage',
  'aws:sourceip',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:vpcsourceip',
  'aws:securetransport',
  'aws:currenttime',
  'aws:epochtime',
  'aws:tokenissuetime',
  'aws:useragent',
  'aws:referer',
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:principaltype',
  'aws:userid',
  'aws:username',
  'aws:sourceidentity',
  'aws:principaltag/',
];

function isGateKey(key: string): boolean {
  const k = key.toLowerCase();
  return GATE_CONDITION_KEYS.some((g) => (g.endsWith('/') ? k.startsWith(g) : k === g));
}

function conditionKeysOf(condition: PolicyCondition | undefined): string[] {
  if (!condition) return [];
  const keys = new Set<string>();
  for (const block of Object.values(condition)) for (const key of Object.keys(block)) keys.add(key);
  return [...keys];
}

// ---------------------------------------------------------------------------
// Compiled policies
// ---------------------------------------------------------------------------

/**
 * How a statement's condition is treated:
 * - `none`: no condition;
 * - `gate`: Allow gated only by {@link GATE_CONDITION_KEYS}: counts, and its keys are reported as assumed;
 * - `narrowing`: Allow with any other key: ignored (it may grant far less than it names);
 * - `deny`: a conditional Deny: ignored, its keys reported as assumed not to hold.
 */
export type ConditionTreatment = 'none' | 'gate' | 'narrowing' | 'deny';

/** A statement prepared for evaluation: lower-cased patterns and precomputed resource scope. */
export interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  actions?: PatternIndex;
  notActions?: PatternIndex;
  /** `Resource` contains exactly `*`. */
  resourceAll: boolean;
  /**
   * Service patterns for which a `Resource` entry covers every resource of the service
   * (`arn:aws:iam::123456789012:*`).
   */
  serviceWide: string[];
  notResources?: string[];
  conditionKeys: string[];
  treatment: ConditionTreatment;
}

/**
 * A policy prepared once and evaluated many times (one per managed policy, shared by every
 * principal it is attached to).
 */
export interface CompiledPolicy {
  statements: CompiledStatement[];
}

function compileStatement(st: PolicyStatement): CompiledStatement {
  const conditionKeys = conditionKeysOf(st.condition);
  let treatment: ConditionTreatment = 'none';
  if (conditionKeys.length > 0) {
    if (st.effect === 'Deny') treatment = 'deny';
    else treatment = conditionKeys.every(isGateKey) ? 'gate' : 'narrowing';
  }
  const resources = st.resource ?? [];
  const compiled: CompiledStatement = {
    effect: st.effect,
    resourceAll: resources.includes('*'),
    serviceWide: resources.map(serviceWidePattern).filter((s): s is string => s !== undefined),
    conditionKeys,
    treatment,
  };
  if (st.action) compiled.actions = indexPatterns(st.action);
  if (st.notAction) compiled.notActions = indexPatterns(st.notAction);
  if (st.notResource) compiled.notResources = st.notResource;
  return compiled;
}

/** Prepares a parsed policy (or a document, parsed first) for {@link evaluatePolicies}. */
export function compilePolicy(policy: ParsedPolicy | PolicyDocumentInput): CompiledPolicy {
  const parsed = isParsedPolicy(policy) ? policy : parsePolicy(policy);
  return { statements: parsed.statements.map(compileStatement) };
}

// ---------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------

/** The pattern standing for "every action". Every IAM action is `service:name`. */
const EVERY_ACTION = '*:*';

/**
 * Self-escalation actions: a principal allowed any of these on `*` can grant itself
 * (or an identity it controls) more permissions. Checked in this order; `iam:*` means
 * the whole IAM service. The four permissions-boundary actions go beyond the usual
 * lists: they let a boundary-limited principal lift its own boundary.
 */
export const ESCALATION_ACTIONS: readonly string[] = [
  'iam:*',
  'iam:AttachUserPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:PutUserPolicy',
  'iam:PutGroupPolicy',
  'iam:PutRolePolicy',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:AddUserToGroup',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreateAccessKey',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:PutUserPermissionsBoundary',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteUserPermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
];

/**
 * Pairs that escalate only together: pass an existing role to compute the principal
 * starts, then act as that role. Reported as `iam:PassRole+ec2:RunInstances`. Whether a
 * more privileged role exists to pass is not checked.
 */
export const ESCALATION_COMBOS: ReadonlyArray<readonly [string, string]> = [
  ['iam:PassRole', 'ec2:RunInstances'],
  ['iam:PassRole', 'lambda:CreateFunction'],
];

/** Cap on the intersection terms explored for NotAction unions; past it the answer is "not proven". */
const MAX_TERMS = 512;

function serviceOf(target: string): string | null {
  if (target === EVERY_ACTION) return null;
  return target.slice(0, target.indexOf(':')).toLowerCase();
}

/**
 * Whether a statement applies to the resources that matter for a target: `service`
 * null means "every resource of every service" (the full-admin question).
 * Allows must provably cover those resources; Denies count when they remove a
 * service-wide (or wider) slice. A Deny on named resources (one bucket, one role) is a
 * guardrail that leaves the principal able to administer the account, so it is not
 * counted; a Deny with NotResource is counted because it removes almost everything.
 */
function appliesTo(st: CompiledStatement, service: string | null): boolean {
  if (service === null) {
    if (st.effect === 'Allow') return st.resourceAll;
    return st.resourceAll || st.serviceWide.length > 0 || st.notResources !== undefined;
  }
  if (st.resourceAll) return true;
  if (st.serviceWide.some((s) => wildcardMatch(s, service))) return true;
  if (st.notResources) {
    // Applies to every resource of the service unless an excluded pattern could name one of them.
    return st.notResources.every((p) => !patternsIntersect(p, `arn:*:${service}:*`));
  }
  return false;
}

interface ActionSets {
  positives: string[];
  negatives: string[][];
}

/** Whether every action in `target` is in `allowed` (proof only; see MAX_TERMS). */
function covers(allowed: ActionSets, target: string): boolean {
  const { positives, negatives } = allowed;
  const coveredByPositive = (p: string): boolean => positives.some((q) => patternContains(q, p));
  if (coveredByPositive(target)) return true;
  if (negatives.length === 0) return false;
  // The actions left uncovered are those of `target` that every NotAction list names
  // and no positive pattern covers. Walk the choices of one named pattern per list,
  // dropping a choice as soon as it is disjoint from the others or covered.
  let terms: string[][] = [[target]];
  for (const list of negatives) {
    const next: string[][] = [];
    for (const term of terms) {
      for (const n of list) {
        if (!term.every((t) => patternsIntersect(t, n))) continue;
        if (coveredByPositive(n)) continue;
        next.push([...term, n]);
        if (next.length > MAX_TERMS) return false;
      }
    }
    if (next.length === 0) return true;
    terms = next;
  }
  return false;
}

/** Whether some Deny removes part of `target`. */
function denied(denies: ActionSets, target: string): boolean {
  if (denies.positives.some((p) => patternsIntersect(p, target))) return true;
  // NotAction Deny: denies everything outside its list; harmless only if the list contains all of target.
  return denies.negatives.some((list) => !list.some((n) => patternContains(n, target)));
}

interface Scoped {
  allow: ActionSets;
  gatedAllow: ActionSets;
  deny: ActionSets;
  conditionalDenies: Array<{ sets: ActionSets; keys: string[] }>;
  gateKeys: string[];
}

/** Whether a statement's action sets could include some action of `target`. */
function touches(st: CompiledStatement, target: string): boolean {
  const service = serviceOf(target);
  if (st.actions) return patternsFor(st.actions, service).some((p) => patternsIntersect(p, target));
  if (st.notActions) return !patternsFor(st.notActions, service).some((p) => patternContains(p, target));
  return false;
}

function collect(statements: readonly CompiledStatement[], target: string): Scoped {
  const service = serviceOf(target);
  const out: Scoped = {
    allow: { positives: [], negatives: [] },
    gatedAllow: { positives: [], negatives: [] },
    deny: { positives: [], negatives: [] },
    conditionalDenies: [],
    gateKeys: [],
  };
  for (const st of statements) {
    if (st.treatment === 'narrowing') continue;
    // Only patterns that can meet the target's service; an Action list left empty adds nothing.
    const positives = st.actions ? patternsFor(st.actions, service) : undefined;
    if (positives?.length === 0) continue;
    if (!appliesTo(st, service)) continue;
    let sets: ActionSets;
    if (st.treatment === 'deny') {
      sets = { positives: [], negatives: [] };
      out.conditionalDenies.push({ sets, keys: st.conditionKeys });
    } else if (st.effect === 'Deny') {
      sets = out.deny;
    } else if (st.treatment === 'gate') {
      // Kept apart from unconditional Allows to know whether a verdict needed them.
      sets = out.gatedAllow;
      if (touches(st, target)) out.gateKeys.push(...st.conditionKeys);
    } else {
      sets = out.allow;
    }
    if (positives) sets.positives.push(...positives);
    if (st.notActions) sets.negatives.push(patternsFor(st.notActions, service));
  }
  return out;
}

interface TargetVerdict {
  allowed: boolean;
  assumed: string[];
}

function merge(a: ActionSets, b: ActionSets): ActionSets {
  return { positives: [...a.positives, ...b.positives], negatives: [...a.negatives, ...b.negatives] };
}

function conditionalDenyKeys(s: Scoped, target: string): string[] {
  // Conditional Denies are assumed not to apply; say so when one touches the target.
  return s.conditionalDenies.filter(({ sets }) => denied(sets, target)).flatMap(({ keys }) => keys);
}

/** Evaluates one target against one set of statements, all at once (exact up to MAX_TERMS). */
function decide(statements: readonly CompiledStatement[], target: string): TargetVerdict {
  const s = collect(statements, target);
  if (denied(s.deny, target)) return { allowed: false, assumed: [] };
  let assumed: string[] = [];
  if (!covers(s.allow, target)) {
    if (s.gateKeys.length === 0 || !covers(merge(s.allow, s.gatedAllow), target)) {
      return { allowed: false, assumed: [] };
    }
    assumed = s.gateKeys;
  }
  return { allowed: true, assumed: [...assumed, ...conditionalDenyKeys(s, target)] };
}

/** Every question the evaluator asks, in a fixed order: bit i of a profile answers TARGETS[i]. */
const TARGETS: readonly string[] = [
  ...new Set([EVERY_ACTION, ...ESCALATION_ACTIONS, ...ESCALATION_COMBOS.flatMap(([a, b]) => [a, b])]),
];
const FULL = 0;
if (TARGETS.length > 31) throw new Error('too many evaluation targets for a 31-bit mask');

/**
 * What one policy contributes to each target, computed once per compiled policy and
 * shared by every principal the policy is attached to. Bit i of each mask is about
 * TARGETS[i].
 */
interface PolicyProfile {
  /** Its unconditional Allows alone cover the target. */
  allow: number;
  /** Its Allows cover the target once gate conditions are assumed met (and `allow` is clear). */
  gated: number;
  /** An unconditional Deny of it removes part of the target. */
  deny: number;
  /** It has an applicable NotAction Allow: a union with other policies may cover more than each alone. */
  negatives: number;
  /** Gate keys behind `gated`, and keys of conditional Denies touching the target, by target index. */
  gateKeys: Map<number, string[]> | null;
  denyKeys: Map<number, string[]> | null;
}

const EMPTY_PROFILE: PolicyProfile = { allow: 0, gated: 0, deny: 0, negatives: 0, gateKeys: null, denyKeys: null };
const profiles = new WeakMap<CompiledPolicy, PolicyProfile>();

/**
 * A statement that can affect some target: names actions, is not narrowed by a condition, and
 * is not scoped to named resources.
 */
function couldMatter(st: CompiledStatement): boolean {
  if (st.treatment === 'narrowing' || (!st.actions && !st.notActions)) return false;
  return st.resourceAll || st.serviceWide.length > 0 || st.notResources !== undefined;
}

function profileOf(policy: CompiledPolicy): PolicyProfile {
  let profile = profiles.get(policy);
  if (profile) return profile;
  const relevant = policy.statements.filter(couldMatter);
  // Most policies in an account scope every statement to named resources; they all share one empty profile.
  if (relevant.length === 0) {
    profile = EMPTY_PROFILE;
  } else {
    profile = { allow: 0, gated: 0, deny: 0, negatives: 0, gateKeys: null, denyKeys: null };
    for (let i = 0; i < TARGETS.length; i++) {
      const target = TARGETS[i]!;
      const bit = 1 << i;
      const sc = collect(relevant, target);
      if (covers(sc.allow, target)) profile.allow |= bit;
      else if (sc.gateKeys.length > 0 && covers(merge(sc.allow, sc.gatedAllow), target)) {
        profile.gated |= bit;
        (profile.gateKeys ??= new Map()).set(i, sc.gateKeys);
      }
      if (denied(sc.deny, target)) profile.deny |= bit;
      if (sc.allow.negatives.length > 0 || sc.gatedAllow.negatives.length > 0) profile.negatives |= bit;
      const dk = conditionalDenyKeys(sc, target);
      if (dk.length > 0) (profile.denyKeys ??= new Map()).set(i, dk);
    }
  }
  profiles.set(policy, profile);
  return profile;
}

/** The profiles of several policies OR-ed together, plus what is needed to fall back. */
interface Combined {
  policies: readonly CompiledPolicy[];
  profiles: PolicyProfile[];
  allow: number;
  gated: number;
  deny: number;
  negatives: number;
  /** Some profile carries condition keys (rare; saves allocations when none does). */
  anyKeys: boolean;
}

function combine(policies: readonly CompiledPolicy[]): Combined {
  const c: Combined = { policies, profiles: [], allow: 0, gated: 0, deny: 0, negatives: 0, anyKeys: false };
  for (const p of policies) {
    const pr = profileOf(p);
    c.profiles.push(pr);
    c.allow |= pr.allow;
    c.gated |= pr.gated;
    c.deny |= pr.deny;
    c.negatives |= pr.negatives;
    if (pr.denyKeys || pr.gateKeys) c.anyKeys = true;
  }
  return c;
}

const NOT_ALLOWED: TargetVerdict = { allowed: false, assumed: [] };
const literalTarget = TARGETS.map((t) => !/[*?]/.test(t));

/**
 * Whether the combined policies allow TARGETS[i]. Exact from the masks when one policy
 * alone covers the target, when the target is a literal action (a union of statements
 * covers one action iff one statement does), or when no policy has a NotAction Allow
 * (then coverage means one pattern containing the target). Otherwise (a pattern
 * target, NotAction Allows spread over policies) it falls back to {@link decide} over
 * all statements.
 */
function verdictOf(c: Combined, i: number): TargetVerdict {
  const bit = 1 << i;
  if (c.deny & bit) return NOT_ALLOWED;
  const denyKeys = c.anyKeys ? c.profiles.flatMap((p) => p.denyKeys?.get(i) ?? []) : [];
  if (c.allow & bit) return { allowed: true, assumed: denyKeys };
  if (literalTarget[i] || !(c.negatives & bit)) {
    if (!(c.gated & bit)) return NOT_ALLOWED;
    return { allowed: true, assumed: [...c.profiles.flatMap((p) => p.gateKeys?.get(i) ?? []), ...denyKeys] };
  }
  return decide(
    c.policies.flatMap((p) => p.statements),
    TARGETS[i]!,
  );
}

/** Everything an evaluation concluded, with the evidence the analysis turns into words. */
export interface PolicyEvaluation {
  /** Every action on every resource is allowed (see docs/admin-analysis.md for the exact rule). */
  fullAdmin: boolean;
  /** Escalation actions allowed (in {@link ESCALATION_ACTIONS} order, then combos); empty for full admins. */
  escalation: string[];
  /**
   * Condition keys the positive verdicts rely on: keys of gate conditions on the
   * Allows that were needed, and keys of conditional Denies assumed not to hold.
   */
  assumedConditionKeys: string[];
  /**
   * Indexes (into the identity list) of policies that alone grant every action; when
   * empty while `fullAdmin` is true, the policies only grant it together (see
   * `fullAdminTogether`).
   */
  fullAdminBy: number[];
  /** When no single policy grants every action: a set of policies (indexes) that together do, each needed. */
  fullAdminTogether: number[];
  /** For each reported escalation action, the indexes of the identity policies that allow it. */
  escalationBy: Record<string, number[]>;
  /**
   * Why an identity whose Allows cover everything is still not a full admin:
   * `deny` (an explicit Deny removes a slice) or `boundary` (the permissions boundary
   * does not allow everything). Undefined otherwise.
   */
  limitedBy?: 'deny' | 'boundary';
}

/** Options for {@link evaluatePolicies}. */
export interface EvaluateOptions {
  /** Skip the escalation checks (for example when only the full-admin question matters). */
  skipEscalation?: boolean;
}

function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * Decides full admin and escalation for one principal, given the compiled documents of
 * all its identity policies (own inline and attached, plus those of its groups) and
 * its permissions boundary if any. Pure and synchronous; each policy's contribution to
 * every question is computed once and cached on the compiled policy, so evaluating
 * thousands of principals that share managed policies costs little more than reading them.
 */
export function evaluatePolicies(
  identity: readonly CompiledPolicy[],
  boundary?: CompiledPolicy | null,
  options: EvaluateOptions = {},
): PolicyEvaluation {
  const id = combine(identity);
  const bound = boundary ? combine([boundary]) : null;
  const allowedBy = (i: number): TargetVerdict => {
    const v = verdictOf(id, i);
    if (!v.allowed || !bound) return v;
    const b = verdictOf(bound, i);
    return b.allowed ? { allowed: true, assumed: [...v.assumed, ...b.assumed] } : b;
  };
  // Which single policies allow a target (the principal's Denies already let it through).
  const grantedBy = (i: number): number[] => {
    const bit = 1 << i;
    const alone = id.profiles.flatMap((p, j) => (p.allow & bit ? [j] : []));
    return alone.length > 0 ? alone : id.profiles.flatMap((p, j) => (p.gated & bit ? [j] : []));
  };
  const result: PolicyEvaluation = {
    fullAdmin: false,
    escalation: [],
    assumedConditionKeys: [],
    fullAdminBy: [],
    fullAdminTogether: [],
    escalationBy: {},
  };
  const full = allowedBy(FULL);
  if (full.allowed) {
    result.fullAdmin = true;
    result.assumedConditionKeys = uniqueSorted(full.assumed);
    result.fullAdminBy = grantedBy(FULL);
    if (result.fullAdminBy.length === 0) {
      // Only a union grants everything (rare). Drop policies one at a time while the
      // rest still do: what is left is a set in which every policy is needed.
      const denies = identity.flatMap((p) => p.statements.filter((s) => s.effect === 'Deny'));
      let needed = [...identity.keys()];
      for (const i of identity.keys()) {
        const rest = needed.filter((j) => j !== i);
        if (decide([...rest.flatMap((j) => identity[j]!.statements), ...denies], EVERY_ACTION).allowed) needed = rest;
      }
      result.fullAdminTogether = needed;
    }
    return result;
  }
  // Not a full admin: would the Allows alone have made it one?
  const bit = 1 << FULL;
  const allowsCoverAll =
    (id.allow | id.gated) & bit ||
    (id.negatives & bit &&
      decide(
        identity.flatMap((p) => p.statements.filter((s) => s.effect === 'Allow')),
        EVERY_ACTION,
      ).allowed);
  if (allowsCoverAll) result.limitedBy = verdictOf(id, FULL).allowed ? 'boundary' : 'deny';
  // Most principals have no statement that reaches any target: nothing more to find.
  if (options.skipEscalation || (id.allow | id.gated | id.negatives) === 0) return result;

  const assumed: string[] = [];
  const verdicts = TARGETS.map((_, i) => (i === FULL ? NOT_ALLOWED : allowedBy(i)));
  const indexOf = (t: string): number => TARGETS.indexOf(t);
  for (const action of ESCALATION_ACTIONS) {
    const i = indexOf(action);
    const v = verdicts[i]!;
    if (!v.allowed) continue;
    result.escalation.push(action);
    result.escalationBy[action] = grantedBy(i);
    assumed.push(...v.assumed);
  }
  for (const [a, b] of ESCALATION_COMBOS) {
    const ia = indexOf(a);
    const ib = indexOf(b);
    const va = verdicts[ia]!;
    const vb = verdicts[ib]!;
    if (!va.allowed || !vb.allowed) continue;
    const name = `${a}+${b}`;
    result.escalation.push(name);
    result.escalationBy[name] = [...new Set([...grantedBy(ia), ...grantedBy(ib)])].sort((x, y) => x - y);
    assumed.push(...va.assumed, ...vb.assumed);
  }
  result.assumedConditionKeys = uniqueSorted(assumed);
  return result;
}

/**
 * Whether one policy, on its own, allows every action on every resource (no boundary).
 * Used to precompute each managed policy's verdict and to find admin groups.
 */
export function grantsFullAccess(policy: CompiledPolicy): boolean {
  return verdictOf(combine([policy]), FULL).allowed;
}
