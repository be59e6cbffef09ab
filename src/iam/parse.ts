/**
 * IAM policy documents as rootlock reads them: decoding what IAM returns (URL-encoded JSON,
 * plain JSON, or an object), checking the shape IAM itself would accept, and normalising each
 * statement so that everything that may be a string or a list is a list. The evaluator
 * (./evaluate.ts) and the trust-policy reading of roles (./principals.ts) start from here.
 */

/** Thrown for a document that is not a readable IAM policy. */
export class PolicyDocumentError extends Error {
  override readonly name = 'PolicyDocumentError';
}

/** A policy document as it may arrive: the URL-encoded string IAM returns, plain JSON text, or an object. */
export type PolicyDocumentInput = string | Readonly<Record<string, unknown>>;

/** `Condition` block: operator -> condition key -> values (always an array here). */
export type PolicyCondition = Record<string, Record<string, string[]>>;

/**
 * `Principal` block (trust and resource policies), normalised: principal type
 * (`AWS`, `Service`, `Federated`, `CanonicalUser`) -> values. `"Principal": "*"` becomes `{ AWS: ['*'] }`.
 */
export type PolicyPrincipal = Record<string, string[]>;

/** One statement with every list-or-string element turned into an array. */
export interface PolicyStatement {
  sid?: string;
  effect: 'Allow' | 'Deny';
  /** Exactly one of `action` / `notAction` is set, or neither for a statement that names no action. */
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  principal?: PolicyPrincipal;
  notPrincipal?: PolicyPrincipal;
  condition?: PolicyCondition;
}

/** A parsed policy document. */
export interface ParsedPolicy {
  version?: string;
  statements: PolicyStatement[];
}

/**
 * Turns what IAM returns into a JSON value. `GetAccountAuthorizationDetails` returns
 * documents URL-encoded (RFC 3986); some tools and emulators hand them over already
 * decoded, and some encoders write spaces as `+`. Plain JSON is tried first so that a
 * decoded document containing `%` is not mangled.
 * @throws PolicyDocumentError when no reading yields JSON.
 */
export function decodePolicyDocument(raw: string): unknown {
  const text = raw.trim();
  const attempts: Array<() => string> = [];
  if (text.startsWith('{')) attempts.push(() => text);
  attempts.push(
    () => decodeURIComponent(text),
    () => decodeURIComponent(text.replace(/\+/g, ' ')),
  );
  for (const attempt of attempts) {
    try {
      return JSON.parse(attempt()) as unknown;
    } catch {
      // try the next reading
    }
  }
  throw new PolicyDocumentError('policy document is neither JSON nor URL-encoded JSON');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, field: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return [...value];
  throw new PolicyDocumentError(`${field} must be a string or an array of strings`);
}

function conditionValues(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

function parsePrincipal(value: unknown, field: string): PolicyPrincipal {
  if (value === '*') return { AWS: ['*'] };
  if (!isRecord(value)) throw new PolicyDocumentError(`${field} must be "*" or an object`);
  const out: PolicyPrincipal = {};
  for (const [type, v] of Object.entries(value)) out[type] = stringList(v, `${field}.${type}`);
  return out;
}

function parseStatement(raw: unknown, index: number): PolicyStatement {
  if (!isRecord(raw)) throw new PolicyDocumentError(`Statement[${index}] is not an object`);
  const effect = raw['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyDocumentError(`Statement[${index}].Effect must be Allow or Deny`);
  }
  if (raw['Action'] !== undefined && raw['NotAction'] !== undefined) {
    throw new PolicyDocumentError(`Statement[${index}] has both Action and NotAction`);
  }
  if (raw['Resource'] !== undefined && raw['NotResource'] !== undefined) {
    throw new PolicyDocumentError(`Statement[${index}] has both Resource and NotResource`);
  }
  const st: PolicyStatement = { effect };
  if (typeof raw['Sid'] === 'string') st.sid = raw['Sid'];
  if (raw['Action'] !== undefined) st.action = stringList(raw['Action'], `Statement[${index}].Action`);
  if (raw['NotAction'] !== undefined) st.notAction = stringList(raw['NotAction'], `Statement[${index}].NotAction`);
  if (raw['Resource'] !== undefined) st.resource = stringList(raw['Resource'], `Statement[${index}].Resource`);
  if (raw['NotResource'] !== undefined) {
    st.notResource = stringList(raw['NotResource'], `Statement[${index}].NotResource`);
  }
  if (raw['Principal'] !== undefined) st.principal = parsePrincipal(raw['Principal'], `Statement[${index}].Principal`);
  if (raw['NotPrincipal'] !== undefined) {
    st.notPrincipal = parsePrincipal(raw['NotPrincipal'], `Statement[${index}].NotPrincipal`);
  }
  const cond = raw['Condition'];
  if (cond !== undefined) {
    if (!isRecord(cond)) throw new PolicyDocumentError(`Statement[${index}].Condition must be an object`);
    const out: PolicyCondition = {};
    for (const [operator, block] of Object.entries(cond)) {
      if (!isRecord(block)) {
        throw new PolicyDocumentError(`Statement[${index}].Condition.${operator} must be an object`);
      }
      const keys: Record<string, string[]> = {};
      for (const [key, v] of Object.entries(block)) keys[key] = conditionValues(v);
      out[operator] = keys;
    }
    // An empty Condition restricts nothing; keep the statement unconditional.
    if (Object.values(out).some((b) => Object.keys(b).length > 0)) st.condition = out;
  }
  return st;
}

/**
 * Parses and normalises a policy document: `Statement` as one object or an array;
 * `Action`, `NotAction`, `Resource`, `NotResource` and principal values as a string or
 * an array; `Condition` values as arrays of strings.
 * @throws PolicyDocumentError for anything IAM itself would reject as malformed.
 */
export function parsePolicy(input: PolicyDocumentInput): ParsedPolicy {
  const doc = typeof input === 'string' ? decodePolicyDocument(input) : input;
  if (!isRecord(doc)) throw new PolicyDocumentError('policy document is not a JSON object');
  const rawStatements = doc['Statement'];
  const list = rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const parsed: ParsedPolicy = { statements: list.map((s, i) => parseStatement(s, i)) };
  if (typeof doc['Version'] === 'string') parsed.version = doc['Version'];
  return parsed;
}

/** Whether a value is already a {@link ParsedPolicy} rather than a document still to parse. */
export function isParsedPolicy(value: unknown): value is ParsedPolicy {
  return isRecord(value) && Array.isArray(value['statements']);
}
