/**
 * The contacts policy of an organization fix (`rootlock fix --org --contacts FILE`): the alternate
 * contacts and the primary contact every account should have, declared once, with overrides per
 * OU and per account and accounts left out. Pure: no AWS, no prompts, no files (the CLI reads
 * the JSON). The format is documented in docs/contacts-policy.md:
 *
 * ```json
 * { "version": 1,
 *   "defaults": { "billing": {...}, "operations": {...}, "security": {...}, "primary": {...} },
 *   "ous": { "<ou id, root id or OU path>": { same shape } },
 *   "accounts": { "<12-digit account id>": { same shape } },
 *   "exclude": ["<account id, ou id, root id or OU path>"] }
 * ```
 *
 * Precedence: defaults, then OU entries from the root down the account's path (the deeper OU
 * wins; at the same OU an entry by id wins over one by path), then the account's entry. Each
 * contact is replaced whole; `null` leaves that contact as it is in AWS. An exclusion wins over
 * everything: the account gets no contact change at all.
 */
import type { OrgAccountRef } from '../../engine/step.js';
import { CONTACT_TYPES, type ContactType, type PrimaryContact } from './analysis.js';
import {
  ALTERNATE_FIELD_ORDER,
  ALTERNATE_FIELDS,
  alternateContactProblems,
  normalizeValue,
  PRIMARY_FIELD_ORDER,
  PRIMARY_FIELDS,
  primaryFieldProblems,
  requiredPrimaryFields,
  STATE_REQUIRED_COUNTRIES,
  type AlternateContactValues,
  type AlternateField,
  type PrimaryField,
} from './validation.js';

/** The format version this code reads. */
export const CONTACTS_POLICY_VERSION = 1;

/** A contact of the policy: the three alternate contacts and the primary contact (ContactInformation). */
export type PolicyContactType = ContactType | 'PRIMARY';

/** The key of each contact type in the file. */
export const POLICY_KEYS: Record<PolicyContactType, string> = {
  BILLING: 'billing',
  OPERATIONS: 'operations',
  SECURITY: 'security',
  PRIMARY: 'primary',
};

/**
 * One set of contacts (the defaults, an OU's or an account's entry). A type that is absent is not
 * named here; `null` leaves the account's contact of that type as it is.
 */
export interface ContactsEntry {
  BILLING?: AlternateContactValues | null;
  OPERATIONS?: AlternateContactValues | null;
  SECURITY?: AlternateContactValues | null;
  /** The whole ContactInformation record (every required field present). */
  PRIMARY?: PrimaryContact | null;
}

/** A parsed, valid contacts policy. Every value is normalized as the step sends it. */
export interface ContactsPolicy {
  version: 1;
  /** Where it came from (a file name), for messages. */
  source: string;
  defaults: ContactsEntry;
  /** By key as written: an OU id (`ou-...`), the root id (`r-...`) or an OU path (`Root/Workloads/Prod`). */
  ous: Record<string, ContactsEntry>;
  /** By 12-digit account id. */
  accounts: Record<string, ContactsEntry>;
  /** Account ids, OU or root ids, OU paths. */
  exclude: string[];
}

/** Where a resolved contact comes from: `defaults`, `ou Root/Workloads (ou-...)`, `ou Root/Workloads`, `account`. */
export type ContactSource = string;

/** An account the policy leaves out, and why (in words). */
export interface ExcludedContacts {
  excluded: string;
}

/** The contacts the policy gives one account. */
export interface ResolvedContacts {
  /** The alternate contacts to hold, by type; a type not here is left as it is. */
  alternate: Partial<Record<ContactType, AlternateContactValues>>;
  /** The whole primary contact record to hold; absent: left as it is. */
  primary?: PrimaryContact;
  /** Which entry each contact above comes from. */
  sources: Partial<Record<PolicyContactType, ContactSource>>;
  /** Contacts an entry set to `null` (left as they are), with that entry. */
  leftAlone: Partial<Record<PolicyContactType, ContactSource>>;
}

export type ContactsResolution = ExcludedContacts | ResolvedContacts;

const ACCOUNT_ID = /^\d{12}$/;
/** Organizations' OU id pattern (ou-, 4-32 of the root id's characters, -, 8-32 characters). */
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** Organizations' root id pattern. */
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
/** The name Organizations gives the root of every organization: OU paths start with it. */
const ROOT_NAME = 'Root';

const TOP_KEYS = ['version', 'defaults', 'ous', 'accounts', 'exclude', 'comment'] as const;
const ENTRY_KEYS = ['billing', 'operations', 'security', 'primary', 'comment'] as const;

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kindOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** A map key in a JSON path: `ous["ou-ab12-cdefgh12"]`. */
function at(base: string, key: string): string {
  return `${base}[${JSON.stringify(key)}]`;
}

/** A fixed key in a JSON path: `defaults.security`. */
function dot(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

/** Edit distance (Levenshtein), for "did you mean" hints on mistyped keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const here = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = here;
    }
  }
  return row[b.length]!;
}

/** The sentence for a key the format does not have, with the closest known key when one is near. */
function unknownKey(path: string, key: string, known: readonly string[]): string {
  const near = known
    .map((k) => ({ k, d: k.toLowerCase() === key.toLowerCase() ? 0 : distance(k.toLowerCase(), key.toLowerCase()) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d)[0];
  return (
    `${path}: unknown key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near.k)}?)` : ''}; ` +
    `expected ${known.join(', ')}.`
  );
}

/** Problems of an OU key or exclusion that is meant to name an OU: undefined when it is well formed. */
function ouKeyProblem(key: string): string | undefined {
  if (OU_ID.test(key) || ROOT_ID.test(key)) return undefined;
  if (/^(ou|r)-/i.test(key) && !key.includes('/')) {
    return 'is neither an OU id (ou-, then 4-32 lowercase letters or digits, -, then 8-32) nor a root id (r-...)';
  }
  const segments = key.split('/');
  if (segments[0] !== ROOT_NAME) {
    return (
      `is not an OU id and not an OU path: a path starts at the root, for example ` +
      `"${ROOT_NAME}/Workloads/Prod" (OU names joined by "/", as \`rootlock check --org\` shows them)`
    );
  }
  if (segments.some((s) => s === '' || s.trim() !== s)) {
    return 'is an OU path with an empty name or spaces around a name; write the names as they are, joined by "/"';
  }
  return undefined;
}

/** Checks one alternate contact; returns it normalized, or undefined with its problems pushed. */
function parseAlternate(value: Json, path: string, errors: string[]): AlternateContactValues | undefined {
  if (!isObject(value)) {
    errors.push(
      `${path}: must be an object with ${ALTERNATE_FIELD_ORDER.join(', ')} (or null to leave this contact ` +
        `as it is); it is ${kindOf(value)}.`,
    );
    return undefined;
  }
  const before = errors.length;
  for (const k of Object.keys(value)) {
    if (!(ALTERNATE_FIELD_ORDER as readonly string[]).includes(k))
      errors.push(unknownKey(path, k, ALTERNATE_FIELD_ORDER));
  }
  const raw: Partial<Record<AlternateField, string>> = {};
  for (const f of ALTERNATE_FIELD_ORDER) {
    const v = value[f];
    if (v === undefined) {
      errors.push(
        `${dot(path, f)}: missing; an alternate contact needs all of ${ALTERNATE_FIELD_ORDER.join(', ')} ` +
          `(PutAlternateContact replaces the whole contact).`,
      );
    } else if (typeof v !== 'string') {
      errors.push(`${dot(path, f)}: must be a string; it is ${kindOf(v)}.`);
    } else {
      raw[f] = v;
    }
  }
  const problems = alternateContactProblems(raw);
  for (const f of ALTERNATE_FIELD_ORDER) {
    if (raw[f] !== undefined && problems[f]) errors.push(`${dot(path, f)}: ${problems[f]}`);
  }
  if (errors.length > before) return undefined;
  const out = {} as AlternateContactValues;
  for (const f of ALTERNATE_FIELD_ORDER) out[f] = normalizeValue(ALTERNATE_FIELDS[f], raw[f] as string);
  return out;
}

/** Checks a whole primary contact record; returns it normalized, or undefined with its problems pushed. */
function parsePrimary(value: Json, path: string, errors: string[]): PrimaryContact | undefined {
  if (!isObject(value)) {
    errors.push(
      `${path}: must be an object of ContactInformation fields (or null to leave the primary contact ` +
        `as it is); it is ${kindOf(value)}.`,
    );
    return undefined;
  }
  const before = errors.length;
  const raw: Partial<Record<PrimaryField, string>> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!(PRIMARY_FIELD_ORDER as readonly string[]).includes(k)) {
      errors.push(unknownKey(path, k, PRIMARY_FIELD_ORDER));
    } else if (typeof v !== 'string') {
      errors.push(`${dot(path, k)}: must be a string; it is ${kindOf(v)}.`);
    } else if (v.trim() === '') {
      errors.push(`${dot(path, k)}: must not be empty; leave the field out instead.`);
    } else {
      raw[k as PrimaryField] = v;
    }
  }
  const problems = primaryFieldProblems(raw);
  for (const f of PRIMARY_FIELD_ORDER) if (problems[f]) errors.push(`${dot(path, f)}: ${problems[f]}`);
  const normalized: PrimaryContact = {};
  for (const f of PRIMARY_FIELD_ORDER) {
    if (raw[f] !== undefined) normalized[f] = normalizeValue(PRIMARY_FIELDS[f], raw[f]);
  }
  const missing = requiredPrimaryFields(normalized.CountryCode).filter(
    (f) => normalized[f] === undefined && !Object.hasOwn(value, f),
  );
  if (missing.length > 0) {
    errors.push(
      `${path}: incomplete, it lacks ${missing.join(', ')}. PutContactInformation replaces the whole record, so ` +
        `a primary contact in the policy gives every required field: ${requiredPrimaryFields(undefined).join(', ')}, ` +
        `and StateOrRegion for ${STATE_REQUIRED_COUNTRIES.join(', ')}.`,
    );
  }
  return errors.length > before ? undefined : normalized;
}

/** Checks one entry (defaults, an OU's, an account's). */
function parseEntry(value: Json, path: string, errors: string[]): ContactsEntry {
  const entry: ContactsEntry = {};
  if (!isObject(value)) {
    errors.push(
      `${path}: must be an object with any of billing, operations, security, primary; it is ${kindOf(value)}.`,
    );
    return entry;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!(ENTRY_KEYS as readonly string[]).includes(k)) errors.push(unknownKey(path, k, ENTRY_KEYS));
    else if (k === 'comment' && typeof v !== 'string')
      errors.push(`${dot(path, k)}: must be a string; it is ${kindOf(v)}.`);
  }
  for (const type of CONTACT_TYPES) {
    const key = POLICY_KEYS[type];
    if (!Object.hasOwn(value, key)) continue;
    const v = value[key];
    if (v === null) entry[type] = null;
    else {
      const parsed = parseAlternate(v, dot(path, key), errors);
      if (parsed) entry[type] = parsed;
    }
  }
  if (Object.hasOwn(value, 'primary')) {
    const v = value.primary;
    if (v === null) entry.PRIMARY = null;
    else {
      const parsed = parsePrimary(v, dot(path, 'primary'), errors);
      if (parsed) entry.PRIMARY = parsed;
    }
  }
  return entry;
}

/**
 * Parses and checks a contacts policy (the JSON value of the file). Every problem is a sentence
 * that starts with `source` and the JSON path it is about; one problem never hides another.
 */
export function parseContactsPolicy(value: unknown, source: string): { policy: ContactsPolicy } | { errors: string[] } {
  const errors: string[] = [];
  if (!isObject(value)) {
    return {
      errors: [
        `${source}: a contacts policy is a JSON object ({ "version": 1, "defaults": {...}, ... }); ` +
          `it is ${kindOf(value)}.`,
      ],
    };
  }
  for (const k of Object.keys(value)) {
    if (!(TOP_KEYS as readonly string[]).includes(k)) errors.push(unknownKey('(top level)', k, TOP_KEYS));
  }
  if (value.version === undefined) errors.push(`version: missing; write "version": ${CONTACTS_POLICY_VERSION}.`);
  else if (value.version !== CONTACTS_POLICY_VERSION) {
    errors.push(
      `version: must be ${CONTACTS_POLICY_VERSION}, the only format this rootlock reads; ` +
        `it is ${JSON.stringify(value.version)}.`,
    );
  }
  if (value.comment !== undefined && typeof value.comment !== 'string')
    errors.push(`comment: must be a string; it is ${kindOf(value.comment)}.`);

  const defaults = value.defaults === undefined ? {} : parseEntry(value.defaults, 'defaults', errors);

  const ous: Record<string, ContactsEntry> = {};
  if (value.ous !== undefined) {
    if (!isObject(value.ous))
      errors.push(`ous: must be an object keyed by OU id or OU path; it is ${kindOf(value.ous)}.`);
    else {
      for (const [key, v] of Object.entries(value.ous)) {
        const problem = ouKeyProblem(key);
        if (problem) errors.push(`${at('ous', key)}: the key ${problem}.`);
        const entry = parseEntry(v, at('ous', key), errors);
        if (!problem) ous[key] = entry;
      }
    }
  }

  const accounts: Record<string, ContactsEntry> = {};
  if (value.accounts !== undefined) {
    if (!isObject(value.accounts))
      errors.push(`accounts: must be an object keyed by 12-digit account id; it is ${kindOf(value.accounts)}.`);
    else {
      for (const [key, v] of Object.entries(value.accounts)) {
        const ok = ACCOUNT_ID.test(key);
        if (!ok) errors.push(`${at('accounts', key)}: the key must be a 12-digit account id.`);
        const entry = parseEntry(v, at('accounts', key), errors);
        if (ok) accounts[key] = entry;
      }
    }
  }

  const exclude: string[] = [];
  if (value.exclude !== undefined) {
    if (!Array.isArray(value.exclude)) {
      errors.push(`exclude: must be a list of account ids, OU ids or OU paths; it is ${kindOf(value.exclude)}.`);
    } else {
      value.exclude.forEach((x: Json, i: number) => {
        const path = `exclude[${i}]`;
        if (typeof x !== 'string') errors.push(`${path}: must be a string; it is ${kindOf(x)}.`);
        else if (ACCOUNT_ID.test(x)) exclude.push(x);
        else {
          const problem = ouKeyProblem(x);
          if (problem) errors.push(`${path}: ${JSON.stringify(x)} is not a 12-digit account id and ${problem}.`);
          else exclude.push(x);
        }
      });
    }
  }

  if (errors.length > 0) return { errors: errors.map((e) => `${source}: ${e}`) };
  return { policy: { version: 1, source, defaults, ous, accounts, exclude: [...new Set(exclude)] } };
}

/** The OU path of each OU id on the account's path, when the names and ids line up (no "/" in a name). */
function pathsOfIds(account: OrgAccountRef): Map<string, string> {
  const segments = account.ou.split('/');
  const out = new Map<string, string>();
  if (segments.length !== account.ouIds.length) return out;
  account.ouIds.forEach((id, i) => {
    out.set(id, segments.slice(0, i + 1).join('/'));
  });
  return out;
}

/** True when the OU path `p` is the account's OU or one above it. */
function onPath(account: OrgAccountRef, p: string): boolean {
  return account.ou === p || account.ou.startsWith(`${p}/`);
}

/** An OU key as a source label: `ou Root/Workloads (ou-...)` for an id, `ou Root/Workloads` for a path. */
function ouLabel(key: string, paths: Map<string, string>): string {
  if (OU_ID.test(key) || ROOT_ID.test(key)) {
    const p = paths.get(key);
    return p ? `ou ${p} (${key})` : `ou ${key}`;
  }
  return `ou ${key}`;
}

/** Why the policy leaves this account out, or undefined. */
export function exclusionOf(policy: ContactsPolicy, account: OrgAccountRef): string | undefined {
  if (policy.exclude.includes(account.id)) {
    return `account ${account.id} is in the contacts policy's exclude list: its contacts are left as they are`;
  }
  const paths = pathsOfIds(account);
  for (const x of policy.exclude) {
    if (account.ouIds.includes(x) || (!OU_ID.test(x) && !ROOT_ID.test(x) && onPath(account, x))) {
      return (
        `its ${ouLabel(x, paths).replace(/^ou /, 'OU ')} is in the contacts policy's exclude list: ` +
        `its contacts are left as they are`
      );
    }
  }
  return undefined;
}

/** The entries that apply to an account, in the order they apply (the last one wins), with their labels. */
function layersOf(policy: ContactsPolicy, account: OrgAccountRef): Array<{ entry: ContactsEntry; source: string }> {
  const paths = pathsOfIds(account);
  const ous: Array<{ depth: number; byId: boolean; entry: ContactsEntry; source: string }> = [];
  for (const [key, entry] of Object.entries(policy.ous)) {
    if (OU_ID.test(key) || ROOT_ID.test(key)) {
      const depth = account.ouIds.indexOf(key);
      if (depth >= 0) ous.push({ depth, byId: true, entry, source: ouLabel(key, paths) });
    } else if (onPath(account, key)) {
      ous.push({ depth: key.split('/').length - 1, byId: false, entry, source: ouLabel(key, paths) });
    }
  }
  // Root first; at the same OU, the entry by path before the one by id (the id wins).
  ous.sort((a, b) => a.depth - b.depth || Number(a.byId) - Number(b.byId));
  const account_ = policy.accounts[account.id];
  return [
    { entry: policy.defaults, source: 'defaults' },
    ...ous.map(({ entry, source }) => ({ entry, source })),
    ...(account_ ? [{ entry: account_, source: 'account' }] : []),
  ];
}

/** The contacts the policy gives an account, or why it leaves the account out. */
export function resolveContacts(policy: ContactsPolicy, account: OrgAccountRef): ContactsResolution {
  const excluded = exclusionOf(policy, account);
  if (excluded) return { excluded };
  const chosen: ContactsEntry = {};
  const sources: Partial<Record<PolicyContactType, string>> = {};
  const leftAlone: Partial<Record<PolicyContactType, string>> = {};
  const types: PolicyContactType[] = [...CONTACT_TYPES, 'PRIMARY'];
  for (const { entry, source } of layersOf(policy, account)) {
    for (const t of types) {
      if (!Object.hasOwn(entry, t)) continue;
      const v = entry[t];
      if (v === null || v === undefined) {
        delete chosen[t];
        delete sources[t];
        leftAlone[t] = source;
      } else {
        (chosen as Record<string, unknown>)[t] = v;
        sources[t] = source;
        delete leftAlone[t];
      }
    }
  }
  const alternate: Partial<Record<ContactType, AlternateContactValues>> = {};
  for (const t of CONTACT_TYPES) {
    const v = chosen[t];
    if (v) alternate[t] = { ...v };
  }
  return {
    alternate,
    ...(chosen.PRIMARY ? { primary: { ...chosen.PRIMARY } } : {}),
    sources,
    leftAlone,
  };
}

/** True when the resolution leaves the account out. */
export function isExcluded(r: ContactsResolution): r is ExcludedContacts {
  return 'excluded' in r;
}

/**
 * The resolved contacts in a few lines for a per-account plan table:
 * `SECURITY: Security Team, security@example.com (ou Root/Workloads/Prod)`,
 * `OPERATIONS: left as it is (ou Root/Sandbox)`, `PRIMARY: Example Corp, Seattle, US (defaults)`.
 */
export function describeResolution(r: ContactsResolution): string[] {
  if (isExcluded(r)) return [`excluded: ${r.excluded}`];
  const lines: string[] = [];
  for (const t of CONTACT_TYPES) {
    const v = r.alternate[t];
    if (v) lines.push(`${t}: ${v.Name}, ${v.EmailAddress} (${r.sources[t]})`);
    else if (r.leftAlone[t]) lines.push(`${t}: left as it is (${r.leftAlone[t]})`);
  }
  if (r.primary) {
    const p = r.primary;
    lines.push(`PRIMARY: ${[p.FullName, p.City, p.CountryCode].filter(Boolean).join(', ')} (${r.sources.PRIMARY})`);
  } else if (r.leftAlone.PRIMARY) lines.push(`PRIMARY: left as it is (${r.leftAlone.PRIMARY})`);
  return lines;
}

/**
 * Entries that apply to none of the accounts of a run (an OU path with a typo, an account not in
 * the organization or not selected), each a sentence; [] when every entry applies somewhere.
 * The parser cannot tell these (it knows no organization): the run shows them as warnings.
 */
export function unusedEntries(policy: ContactsPolicy, accounts: readonly OrgAccountRef[]): string[] {
  const out: string[] = [];
  const ouMatches = (key: string) =>
    accounts.some((a) => (OU_ID.test(key) || ROOT_ID.test(key) ? a.ouIds.includes(key) : onPath(a, key)));
  for (const key of Object.keys(policy.ous)) {
    if (!ouMatches(key)) out.push(`${at('ous', key)} applies to none of the accounts of this run.`);
  }
  for (const key of Object.keys(policy.accounts)) {
    if (!accounts.some((a) => a.id === key)) out.push(`${at('accounts', key)} is not one of the accounts of this run.`);
  }
  policy.exclude.forEach((x, i) => {
    const hit = ACCOUNT_ID.test(x) ? accounts.some((a) => a.id === x) : ouMatches(x);
    if (!hit) out.push(`exclude[${i}] (${JSON.stringify(x)}) matches none of the accounts of this run.`);
  });
  return out.map((s) => `${policy.source}: ${s}`);
}
