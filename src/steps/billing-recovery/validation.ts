/**
 * Validation of contact details before they are sent to the Account Management API.
 * Pure: no AWS, no prompts.
 *
 * The length limits and patterns are AWS's own, from the Smithy model of the Account
 * service (aws-sdk-js-v3 `codegen/sdk-codegen/aws-models/account.json`):
 *
 * | shape                          | length | pattern                                              |
 * |--------------------------------|--------|------------------------------------------------------|
 * | Name (alternate contact)       | 1-64   | none                                                 |
 * | Title                          | 1-50   | none                                                 |
 * | EmailAddress                   | 1-254  | `^[\s]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[\s]*$`           |
 * | PhoneNumber (alternate)        | 1-25   | `^[\s0-9()+-]+$`                                     |
 * | FullName, City, StateOrRegion, DistrictOrCounty, CompanyName | 1-50 | none        |
 * | AddressLine (1, 2, 3)          | 1-60   | none                                                 |
 * | PostalCode                     | 1-20   | none                                                 |
 * | CountryCode                    | 2      | none (ISO-3166 alpha-2; we require two letters)      |
 * | ContactInformationPhoneNumber  | 1-20   | `^[+][\s0-9()-]+$`                                   |
 * | WebsiteUrl                     | 1-256  | none                                                 |
 *
 * AWS validates with Java regular expressions, where `\s` and `\w` are ASCII-only; the
 * patterns below spell those classes out so JavaScript matches exactly the same strings.
 * Smithy measures string length in Unicode code points, and so do we.
 *
 * On top of AWS's rules, because these values are shown to people (in the console, in
 * AWS's e-mails, in this tool), every free-text field refuses control characters
 * (terminal escape sequences) and invisible formatting characters, and name-like fields
 * refuse look-alike tricks: letters from Latin, Cyrillic, Greek, Armenian or Cherokee
 * mixed in one word, and styled compatibility letters such as fullwidth `Ａ`.
 */
import { ALTERNATE_CONTACT_FIELDS, CONTACT_INFORMATION_FIELDS } from '../../aws/contact-fields.js';

/** Java's `\s`: ASCII whitespace only. */
const WS = '[ \\t\\n\\x0B\\f\\r]';
/** Java's `\w`: ASCII letters, digits and underscore. */
const W = 'A-Za-z0-9_';

/** AWS's EmailAddress pattern (account.json), with Java's ASCII `\s` and `\w`. */
export const EMAIL_PATTERN = new RegExp(`^${WS}*[${W}+=.#|!&-]+@[${W}.-]+\\.[${W}]+${WS}*$`);
/** AWS's alternate-contact PhoneNumber pattern. */
export const ALTERNATE_PHONE_PATTERN = /^[ \t\n\x0B\f\r0-9()+-]+$/;
/** AWS's ContactInformationPhoneNumber pattern (primary contact). */
export const PRIMARY_PHONE_PATTERN = /^[+][ \t\n\x0B\f\r0-9()-]+$/;

/** Countries where AWS requires StateOrRegion in the primary contact. */
export const STATE_REQUIRED_COUNTRIES: readonly string[] = ['US', 'CA', 'GB', 'DE', 'JP', 'IN', 'BR'];

/** How a field's text is checked beyond its length. */
export type FieldKind = 'name' | 'text' | 'email' | 'alternate-phone' | 'primary-phone' | 'country' | 'url';

/** One field's rules. */
export interface FieldRule {
  /** The AWS parameter name. */
  field: string;
  /** How the operator calls it. */
  label: string;
  min: number;
  max: number;
  kind: FieldKind;
}

/** The four fields of PutAlternateContact, in the order they are asked. */
export const ALTERNATE_FIELDS = {
  Name: { field: 'Name', label: 'name', min: 1, max: 64, kind: 'name' },
  Title: { field: 'Title', label: 'title', min: 1, max: 50, kind: 'name' },
  EmailAddress: { field: 'EmailAddress', label: 'e-mail address', min: 1, max: 254, kind: 'email' },
  PhoneNumber: { field: 'PhoneNumber', label: 'phone number', min: 1, max: 25, kind: 'alternate-phone' },
} as const satisfies Record<string, FieldRule>;

export type AlternateField = keyof typeof ALTERNATE_FIELDS;
export const ALTERNATE_FIELD_ORDER: readonly AlternateField[] = ALTERNATE_CONTACT_FIELDS;

/** Every field of ContactInformation (the primary contact). */
export const PRIMARY_FIELDS = {
  FullName: { field: 'FullName', label: 'full name', min: 1, max: 50, kind: 'name' },
  CompanyName: { field: 'CompanyName', label: 'company name', min: 1, max: 50, kind: 'name' },
  AddressLine1: { field: 'AddressLine1', label: 'address line 1', min: 1, max: 60, kind: 'text' },
  AddressLine2: { field: 'AddressLine2', label: 'address line 2', min: 1, max: 60, kind: 'text' },
  AddressLine3: { field: 'AddressLine3', label: 'address line 3', min: 1, max: 60, kind: 'text' },
  City: { field: 'City', label: 'city', min: 1, max: 50, kind: 'text' },
  DistrictOrCounty: { field: 'DistrictOrCounty', label: 'district or county', min: 1, max: 50, kind: 'text' },
  StateOrRegion: { field: 'StateOrRegion', label: 'state or region', min: 1, max: 50, kind: 'text' },
  PostalCode: { field: 'PostalCode', label: 'postal code', min: 1, max: 20, kind: 'text' },
  CountryCode: { field: 'CountryCode', label: 'country code', min: 2, max: 2, kind: 'country' },
  PhoneNumber: { field: 'PhoneNumber', label: 'phone number', min: 1, max: 20, kind: 'primary-phone' },
  WebsiteUrl: { field: 'WebsiteUrl', label: 'website URL', min: 1, max: 256, kind: 'url' },
} as const satisfies Record<string, FieldRule>;

export type PrimaryField = keyof typeof PRIMARY_FIELDS;

/** Fields AWS always requires in ContactInformation, in the order they are asked (country before state). */
export const PRIMARY_REQUIRED: readonly PrimaryField[] = [
  'FullName',
  'AddressLine1',
  'City',
  'CountryCode',
  'PostalCode',
  'PhoneNumber',
];

/** Every ContactInformation field, in the order AWS documents them. */
export const PRIMARY_FIELD_ORDER: readonly PrimaryField[] = CONTACT_INFORMATION_FIELDS;

/** True when AWS requires StateOrRegion for this country code. */
export function stateRequired(countryCode: string | undefined): boolean {
  return countryCode !== undefined && STATE_REQUIRED_COUNTRIES.includes(countryCode.trim().toUpperCase());
}

/** The primary-contact fields AWS requires for a record with this country code. */
export function requiredPrimaryFields(countryCode: string | undefined): PrimaryField[] {
  const out = [...PRIMARY_REQUIRED];
  if (stateRequired(countryCode)) out.splice(out.indexOf('PostalCode'), 0, 'StateOrRegion');
  return out;
}

/** Length in Unicode code points, as Smithy counts. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n += 1;
  return n;
}

/** C0 and C1 control characters and DEL: a terminal may act on any of them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
/**
 * Invisible formatting characters (Unicode category Cf: zero-width space and joiners,
 * bidi marks, embeddings, overrides and isolates, soft hyphen, BOM...) and the line and
 * paragraph separators: they make one text display as another.
 */
const INVISIBLE = /[\p{Cf}\u2028\u2029]/u;

/** Scripts whose letters pass for Latin ones (Cyrillic `а`, Greek `ο`, Armenian `օ`, Cherokee `Ꭺ`). */
const CONFUSABLE_SCRIPTS: ReadonlyArray<[string, RegExp]> = [
  ['Latin', /\p{Script=Latin}/u],
  ['Cyrillic', /\p{Script=Cyrillic}/u],
  ['Greek', /\p{Script=Greek}/u],
  ['Armenian', /\p{Script=Armenian}/u],
  ['Cherokee', /\p{Script=Cherokee}/u],
];

/** Describes a code point for a message: `U+001B`. */
function codePointLabel(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** The reason text holds characters no contact field should hold, or undefined. */
export function unsafeCharacterProblem(value: string): string | undefined {
  const control = CONTROL.exec(value);
  if (control) {
    const what = control[0] === '\u001b' || control[0] === '\u009b' ? ' (the start of a terminal escape sequence)' : '';
    return (
      `it contains a control character ${codePointLabel(control[0])}${what}; control ` +
      `characters can rewrite a terminal screen or hide text, so they are not accepted`
    );
  }
  const invisible = INVISIBLE.exec(value);
  if (invisible) {
    return (
      `it contains an invisible formatting character ${codePointLabel(invisible[0])} ` +
      `(zero-width, bidi override or similar), which can make one text look like another`
    );
  }
  return undefined;
}

/** The scripts among CONFUSABLE_SCRIPTS that a word's letters come from. */
function scriptsOf(word: string): string[] {
  const found = new Set<string>();
  for (const ch of word) {
    if (!/\p{L}/u.test(ch)) continue;
    for (const [name, re] of CONFUSABLE_SCRIPTS) {
      if (re.test(ch)) found.add(name);
    }
  }
  return [...found];
}

/**
 * The reason a name uses look-alike tricks, or undefined. Names in any one script
 * (`Zoë`, `Мария`, `Ελένη`, `山田 太郎`) and names whose words use different scripts
 * (`Maria Иванова`) pass; a word mixing Latin-like scripts (`Pаypal` with a Cyrillic `а`)
 * or styled compatibility letters (`Ａdmin`, `𝐀dmin`) does not.
 */
export function lookAlikeProblem(value: string): string | undefined {
  for (const word of value.split(/[\s\p{P}\p{S}]+/u)) {
    const scripts = scriptsOf(word);
    if (scripts.length > 1) {
      return (
        `the word "${word.normalize('NFKC')}" mixes ${scripts.join(' and ')} letters, a trick that makes ` +
        `one name look like another (for example Cyrillic "а" for Latin "a"); type it in one alphabet`
      );
    }
  }
  if (value.normalize('NFKC') !== value.normalize('NFC')) {
    const odd = [...value].find((ch) => ch.normalize('NFKC') !== ch.normalize('NFC')) ?? '';
    return (
      `it uses the styled character "${odd}" (${codePointLabel(odd)}), which looks like an ordinary ` +
      `letter or digit but is a different character; type the plain form "${odd.normalize('NFKC')}"`
    );
  }
  return undefined;
}

/** How an answer is cleaned before it is checked and sent: trimmed, NFC-composed, country codes upper-case. */
export function normalizeValue(rule: FieldRule, value: string): string {
  const v = value.trim().normalize('NFC');
  return rule.kind === 'country' ? v.toUpperCase() : v;
}

/**
 * Checks one value against a field's rules (the value as typed; it is normalized first).
 * Returns true, or the reason it is refused, in words that say what to type instead.
 */
export function validateField(rule: FieldRule, raw: string): true | string {
  const value = normalizeValue(rule, String(raw ?? ''));
  const label = rule.label.charAt(0).toUpperCase() + rule.label.slice(1);
  if (value.length === 0) return `${label} must not be empty.`;
  const unsafe = unsafeCharacterProblem(value);
  if (unsafe) return `${label} is refused: ${unsafe}.`;
  const length = codePointLength(value);
  if (length < rule.min || length > rule.max) {
    return rule.min === rule.max
      ? `${label} must be exactly ${rule.min} characters (it has ${length}).`
      : `${label} must be at most ${rule.max} characters (it has ${length}).`;
  }
  switch (rule.kind) {
    case 'name': {
      const trick = lookAlikeProblem(value);
      if (trick) return `${label} is refused: ${trick}.`;
      return true;
    }
    case 'email':
      if (!EMAIL_PATTERN.test(value)) {
        return (
          `${label} must look like name@example.com, using only ASCII letters, digits and _ ` +
          `+ = . # | ! & - before the @ and letters, digits, _ . - after it (AWS's own rule).`
        );
      }
      return true;
    case 'alternate-phone':
      if (!ALTERNATE_PHONE_PATTERN.test(value)) {
        return (
          `${label} may hold only digits, spaces, parentheses, ` +
          `+ and - (AWS's own rule), for example +1 206 555 0100.`
        );
      }
      if (!/[0-9]/.test(value)) return `${label} must contain digits.`;
      return true;
    case 'primary-phone':
      if (!PRIMARY_PHONE_PATTERN.test(value)) {
        return (
          `${label} must start with + and the country code, then only digits, ` +
          `spaces, parentheses and - (AWS's own rule), for example +1 206 555 0100.`
        );
      }
      if (!/[0-9]/.test(value)) return `${label} must contain digits.`;
      return true;
    case 'country':
      if (!/^[A-Z]{2}$/.test(value)) return `${label} must be the two-letter ISO-3166 code, for example US, DE or JP.`;
      return true;
    case 'url':
    case 'text':
      return true;
  }
}

/** An alternate contact as PutAlternateContact takes it. */
export interface AlternateContactValues {
  Name: string;
  Title: string;
  EmailAddress: string;
  PhoneNumber: string;
}

/** Problems of a whole alternate contact, by field (empty when it would be accepted). */
export function alternateContactProblems(
  values: Partial<Record<AlternateField, string | undefined>>,
): Partial<Record<AlternateField, string>> {
  const out: Partial<Record<AlternateField, string>> = {};
  for (const f of ALTERNATE_FIELD_ORDER) {
    const ok = validateField(ALTERNATE_FIELDS[f], values[f] ?? '');
    if (ok !== true) out[f] = ok;
  }
  return out;
}

/** Problems of the fields a primary contact holds, by field; missing required fields are not reported here. */
export function primaryFieldProblems(
  values: Partial<Record<PrimaryField, string | undefined>>,
): Partial<Record<PrimaryField, string>> {
  const out: Partial<Record<PrimaryField, string>> = {};
  for (const f of PRIMARY_FIELD_ORDER) {
    const v = values[f];
    if (v === undefined || v === null || v === '') continue;
    const ok = validateField(PRIMARY_FIELDS[f], v);
    if (ok !== true) out[f] = ok;
  }
  return out;
}
