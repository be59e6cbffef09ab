/**
 * The algebra of IAM wildcard patterns (`*` = any run of characters, `?` = one character) that
 * the evaluator (./evaluate.ts) reasons with: matching a value, whether two patterns share a
 * value, whether one contains the other, an index of action patterns by service, and resource
 * patterns that name every resource of a service. Reasoning about patterns rather than a
 * catalogue of actions is what makes a "full admin" verdict a proof: it holds for actions AWS
 * has not launched yet. Pure; answers are memoized because the same few patterns recur.
 */

const regexCache = { is: new Map<string, RegExp>(), s: new Map<string, RegExp>() };

/** The regular expression of a wildcard pattern, ignoring case (`is`) or not (`s`); memoized, bounded. */
function globRegex(pattern: string, flags: 'is' | 's' = 'is'): RegExp {
  const cache = regexCache[flags];
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, flags);
    // Policies from accounts are unbounded input: the memo is not.
    if (cache.size > 5_000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/** The same match, case-sensitive (condition operators StringLike and ArnLike compare exactly). */
export function wildcardMatchCase(pattern: string, value: string): boolean {
  return globRegex(pattern, 's').test(value);
}

/**
 * Whether an IAM wildcard pattern (`*` = any run of characters, `?` = one character)
 * matches a value, ignoring case as IAM does for action names.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  return globRegex(pattern).test(value);
}

/** Whether an action pattern from a policy (`iam:*`, `s3:Get*`, `*`) matches an action name (`iam:CreateUser`). */
export function actionMatches(pattern: string, action: string): boolean {
  return wildcardMatch(pattern, action);
}

/**
 * Pattern canonical form: lower case, and within each run of `*`/`?` the `?`s first
 * and at most one `*` (`*?*` and `?*` denote the same strings). This makes the
 * containment test below find more true containments.
 */
function canonical(pattern: string): string {
  const lower = pattern.toLowerCase();
  if (!/[*?]{2}/.test(lower)) return lower;
  return lower.replace(/[*?]+/g, (run) => {
    const q = run.replace(/\*/g, '');
    return run.includes('*') ? `${q}*` : q;
  });
}

// The same few patterns (`*`, `iam:*`, the escalation actions) meet again and again
// across thousands of principals; remembering answers keeps analysis linear in practice.
// Nested maps, not concatenated keys: no string is built per lookup.
const intersectCache = new Map<string, Map<string, boolean>>();
const containCache = new Map<string, Map<string, boolean>>();
const MEMO_LIMIT = 20_000;

function memo(
  cache: Map<string, Map<string, boolean>>,
  a: string,
  b: string,
  fn: (a: string, b: string) => boolean,
): boolean {
  let inner = cache.get(a);
  if (!inner) {
    if (cache.size >= MEMO_LIMIT) cache.clear();
    inner = new Map();
    cache.set(a, inner);
  }
  let v = inner.get(b);
  if (v === undefined) {
    v = fn(a, b);
    inner.set(b, v);
  }
  return v;
}

/**
 * Whether some string matches both patterns. Exact: a breadth-first walk over pairs
 * of positions, where two literal characters must agree and a wildcard agrees with
 * anything (the alphabet is unbounded, so a fresh character always exists).
 */
export function patternsIntersect(a: string, b: string): boolean {
  return memo(intersectCache, a, b, intersectUncached);
}

/**
 * Whether the pair of ends (x.length, y.length) is reachable from (0, 0) when `next`
 * gives the position pairs one step on from (i, j): the walk both pattern relations share.
 */
function reachesEnd(
  x: string,
  y: string,
  next: (i: number, j: number, push: (i: number, j: number) => void) => void,
): boolean {
  const seen = new Set<number>();
  const width = y.length + 1;
  const stack: Array<[number, number]> = [[0, 0]];
  const push = (i: number, j: number) => stack.push([i, j]);
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = i * width + j;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === x.length && j === y.length) return true;
    next(i, j, push);
  }
  return false;
}

function intersectUncached(a: string, b: string): boolean {
  const x = canonical(a);
  const y = canonical(b);
  return reachesEnd(x, y, (i, j, push) => {
    const ci = x[i];
    const cj = y[j];
    if (ci === '*') push(i + 1, j);
    if (cj === '*') push(i, j + 1);
    if (ci !== undefined && cj !== undefined) {
      const literalClash = ci !== '*' && ci !== '?' && cj !== '*' && cj !== '?' && ci !== cj;
      const ni = ci === '*' ? i : i + 1;
      const nj = cj === '*' ? j : j + 1;
      if (!literalClash && (ni !== i || nj !== j)) push(ni, nj);
    }
  });
}

/**
 * Whether every string `inner` matches is also matched by `outer`. Sound, not
 * complete: `true` is always right; a few exotic mixes of `?` and `*` answer `false`
 * although containment holds, which only makes the evaluator more cautious.
 * Each symbol of `inner` must be absorbed by `outer`: a literal by the same literal,
 * `?` or `*`; a `?` by `?` or `*`; a `*` only by `*`.
 */
export function patternContains(outer: string, inner: string): boolean {
  return memo(containCache, outer, inner, containUncached);
}

function containUncached(outer: string, inner: string): boolean {
  const o = canonical(outer);
  const n = canonical(inner);
  return reachesEnd(o, n, (i, j, push) => {
    const co = o[i];
    const cn = n[j];
    if (co === '*') {
      push(i + 1, j);
      if (cn !== undefined) push(i, j + 1);
    } else if (co !== undefined && cn !== undefined) {
      if (co === '?' ? cn !== '*' : co === cn) push(i + 1, j + 1);
    }
  });
}

// ---------------------------------------------------------------------------
// Action pattern index
// ---------------------------------------------------------------------------

/**
 * Canonical action patterns, also grouped by literal service prefix: a pattern whose
 * service part is a literal other than the target's cannot match any of the target's
 * actions, so a question about `iam:...` only meets `iam:` and wildcard-service patterns.
 */
export interface PatternIndex {
  all: string[];
  /** Patterns whose service part contains a wildcard (or that have no `:`). */
  wild: string[];
  byService: Map<string, string[]>;
}

/** Indexes action patterns (canonical form) by their literal service part, for {@link patternsFor}. */
export function indexPatterns(patterns: readonly string[]): PatternIndex {
  const index: PatternIndex = { all: patterns.map(canonical), wild: [], byService: new Map() };
  for (const p of index.all) {
    const colon = p.indexOf(':');
    const service = colon < 0 ? '*' : p.slice(0, colon);
    if (service.includes('*') || service.includes('?')) index.wild.push(p);
    else {
      const list = index.byService.get(service) ?? [];
      list.push(p);
      index.byService.set(service, list);
    }
  }
  return index;
}

/** The patterns of an index that can matter for actions of `service` (null: every service). */
export function patternsFor(index: PatternIndex, service: string | null): string[] {
  if (service === null) return index.all;
  const own = index.byService.get(service);
  if (!own) return index.wild;
  return index.wild.length === 0 ? own : [...index.wild, ...own];
}

// ---------------------------------------------------------------------------
// Resource patterns
// ---------------------------------------------------------------------------

/**
 * The service part of a resource pattern that names every resource of a service, or
 * undefined: `arn:<partition>:<service>:<region or * or empty>:<account, * or empty>:*`.
 * Such a pattern in a Deny removes a whole service's slice, and in an Allow it grants
 * that service everywhere.
 */
export function serviceWidePattern(resource: string): string | undefined {
  // Most resources name something (`arn:aws:s3:::bucket/*`); reject them before splitting.
  if (!resource.endsWith(':*')) return undefined;
  const parts = resource.split(':');
  if (parts.length < 6 || parts[0]?.toLowerCase() !== 'arn') return undefined;
  const region = parts[3] ?? '';
  const account = parts[4] ?? '';
  const rest = parts.slice(5).join(':');
  const okRegion = region === '' || region === '*';
  const okAccount = account === '' || account === '*' || /^\d{12}$/.test(account);
  return okRegion && okAccount && rest === '*' ? (parts[2] ?? '').toLowerCase() : undefined;
}
