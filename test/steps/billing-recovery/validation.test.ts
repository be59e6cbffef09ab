import { describe, expect, it } from 'vitest';
import {
  ALTERNATE_FIELDS,
  EMAIL_PATTERN,
  lookAlikeProblem,
  normalizeValue,
  PRIMARY_FIELDS,
  requiredPrimaryFields,
  stateRequired,
  unsafeCharacterProblem,
  validateField,
} from '../../../src/steps/billing-recovery/validation.js';

const { Name, Title, EmailAddress, PhoneNumber } = ALTERNATE_FIELDS;

/** [rule, value, expected: true or a fragment of the reason] */
type Row = [
  string,
  (typeof ALTERNATE_FIELDS)[keyof typeof ALTERNATE_FIELDS] | (typeof PRIMARY_FIELDS)[keyof typeof PRIMARY_FIELDS],
  string,
  true | RegExp,
];

const rows: Row[] = [
  // empty
  ['empty name', Name, '', /must not be empty/],
  ['blank name', Name, '   ', /must not be empty/],
  ['empty title', Title, '', /must not be empty/],
  ['empty email', EmailAddress, '', /must not be empty/],
  ['empty phone', PhoneNumber, '', /must not be empty/],
  ['empty primary full name', PRIMARY_FIELDS.FullName, '', /must not be empty/],
  // lengths: at the limit and one past it (code points, as Smithy counts)
  ['name of 64', Name, 'a'.repeat(64), true],
  ['name of 65', Name, 'a'.repeat(65), /at most 64 characters \(it has 65\)/],
  ['name of 64 emoji (128 UTF-16 units)', Name, '😀'.repeat(64), true],
  ['title of 50', Title, 't'.repeat(50), true],
  ['title of 51', Title, 't'.repeat(51), /at most 50/],
  ['email of 254', EmailAddress, `${'a'.repeat(242)}@example.com`, true],
  ['email of 255', EmailAddress, `${'a'.repeat(243)}@example.com`, /at most 254/],
  ['phone of 25', PhoneNumber, '1'.repeat(25), true],
  ['phone of 26', PhoneNumber, '1'.repeat(26), /at most 25/],
  ['primary phone of 20', PRIMARY_FIELDS.PhoneNumber, `+${'1'.repeat(19)}`, true],
  ['primary phone of 21', PRIMARY_FIELDS.PhoneNumber, `+${'1'.repeat(20)}`, /at most 20/],
  ['full name of 51', PRIMARY_FIELDS.FullName, 'f'.repeat(51), /at most 50/],
  ['address line of 60', PRIMARY_FIELDS.AddressLine1, 'x'.repeat(60), true],
  ['address line of 61', PRIMARY_FIELDS.AddressLine1, 'x'.repeat(61), /at most 60/],
  ['postal code of 21', PRIMARY_FIELDS.PostalCode, '1'.repeat(21), /at most 20/],
  // emails: AWS's pattern
  ['plain email', EmailAddress, 'security@example.com', true],
  ['email with plus and dots', EmailAddress, 'sec.team+aws@mail.example.co.uk', true],
  ['email with | & ! # = (AWS allows them)', EmailAddress, 'a|b&c!d#e=f@example.com', true],
  ['email surrounded by spaces (trimmed)', EmailAddress, '  ops@example.com  ', true],
  ['no @', EmailAddress, 'security.example.com', /must look like name@example.com/],
  ['no domain dot', EmailAddress, 'security@localhost', /must look like/],
  ['two @', EmailAddress, 'a@b@example.com', /must look like/],
  ['space inside', EmailAddress, 'sec urity@example.com', /must look like/],
  ['shell ; in email (AWS refuses)', EmailAddress, 'a;rm -rf@example.com', /must look like/],
  ['shell $() in email (AWS refuses)', EmailAddress, '$(id)@example.com', /must look like/],
  ['backtick in email', EmailAddress, '`id`@example.com', /must look like/],
  ['quote in email', EmailAddress, '"a"@example.com', /must look like/],
  ['Cyrillic а in email', EmailAddress, 'p\u0430ypal@example.com', /must look like/],
  ['IDN domain (not in AWS pattern)', EmailAddress, 'a@exämple.com', /must look like/],
  ['fullwidth @ in email', EmailAddress, 'a\uff20example.com', /must look like/],
  // phones: AWS's patterns
  ['alternate phone, international', PhoneNumber, '+1 (206) 555-0100', true],
  ['alternate phone, no plus', PhoneNumber, '0206 555 0100', true],
  ['alternate phone with letters', PhoneNumber, '+1 206 CALL NOW', /only digits, spaces, parentheses/],
  ['alternate phone with ; (shell)', PhoneNumber, '555;reboot', /only digits/],
  ['alternate phone with $ (shell)', PhoneNumber, '$(555)', /only digits/],
  ['alternate phone with | (shell)', PhoneNumber, '555|cat', /only digits/],
  ['alternate phone with & (shell)', PhoneNumber, '555 & 1', /only digits/],
  ['alternate phone without digits', PhoneNumber, '+()-', /must contain digits/],
  ['alternate phone with Arabic-Indic digits', PhoneNumber, '+١٢٣٤', /only digits/],
  ['alternate phone with fullwidth digits', PhoneNumber, '５５５', /only digits/],
  ['primary phone', PRIMARY_FIELDS.PhoneNumber, '+49 30 1234567', true],
  ['primary phone without +', PRIMARY_FIELDS.PhoneNumber, '030 1234567', /must start with \+/],
  ['primary phone with second +', PRIMARY_FIELDS.PhoneNumber, '+49+30', /must start with \+/],
  ['primary phone with ;', PRIMARY_FIELDS.PhoneNumber, '+49;30', /must start with \+/],
  // country codes
  ['country code', PRIMARY_FIELDS.CountryCode, 'de', true],
  ['country code of 3', PRIMARY_FIELDS.CountryCode, 'DEU', /exactly 2 characters/],
  ['country code with digit', PRIMARY_FIELDS.CountryCode, 'D1', /two-letter ISO-3166/],
  // control characters (ANSI escapes) in any field
  [
    'ANSI colour in name',
    Name,
    '\u001b[31mEve',
    /control character U\+001B \(the start of a terminal escape sequence\)/,
  ],
  ['ANSI clear-screen in title', Title, 'CFO\u001b[2J', /U\+001B/],
  ['C1 CSI in name', Name, 'Eve\u009b31m', /U\+009B/],
  ['BEL in name', Name, 'Eve\u0007', /control character U\+0007/],
  ['newline inside a name', Name, 'Eve\nMallory', /control character U\+000A/],
  ['DEL in phone', PhoneNumber, '555\u007f', /control character/],
  ['ESC in email', EmailAddress, 'a\u001b@example.com', /control character/],
  ['ESC in address', PRIMARY_FIELDS.AddressLine1, '1 Main St\u001b]8;;http://evil\u0007', /control character/],
  // invisible formatting and look-alikes in names
  ['bidi override in name', Name, 'Eve \u202eyllaM', /invisible formatting character U\+202E/],
  ['zero-width space in name', Name, 'Ev\u200be', /U\+200B/],
  ['zero-width joiner in title', Title, 'C\u200dEO', /U\+200D/],
  ['BOM in the middle of a name', Name, 'Ev\ufeffe', /U\+FEFF/],
  ['Cyrillic а among Latin letters', Name, 'J\u0430ne Doe', /mixes Latin and Cyrillic letters/],
  ['Greek ο among Latin letters', Name, 'J\u03bfhn', /mixes Latin and Greek/],
  ['Cyrillic title with Latin o', Title, 'Дирoктор', /mixes/],
  ['fullwidth letters', Name, '\uff21dmin', /styled character "Ａ" \(U\+FF21\).*plain form "A"/],
  ['mathematical bold letters', Name, '\u{1d400}lice', /styled character/],
  // names that must pass
  ['accented Latin name', Name, 'Zoë Łukasiewicz-Ó Briain', true],
  ['decomposed accent (NFC applied)', Name, 'Zoe\u0308', true],
  ['Cyrillic name', Name, 'Мария Иванова', true],
  ['Greek name', Name, 'Ελένη Παπαδοπούλου', true],
  ['Japanese name', Name, '山田 太郎', true],
  ['words in different scripts', Name, 'Maria Иванова', true],
  ['name with apostrophe and hyphen', Name, "O'Brien-Smith", true],
  [
    'shell metacharacters in a name (AWS has no pattern; stored as data, shown escaped)',
    Name,
    'Bob $(id); `x` | y',
    true,
  ],
  ['emoji name', Title, 'On-call 🔔', true],
];

describe('validateField', () => {
  it.each(rows)('%s', (_label, rule, value, expected) => {
    const got = validateField(rule, value);
    if (expected === true) expect(got).toBe(true);
    else {
      expect(got).not.toBe(true);
      expect(got).toMatch(expected);
    }
  });

  it('names the field in every refusal, starting with a capital', () => {
    expect(validateField(Name, '')).toBe('Name must not be empty.');
    expect(validateField(EmailAddress, 'x')).toMatch(/^E-mail address must look like/);
    expect(validateField(PRIMARY_FIELDS.PostalCode, '')).toBe('Postal code must not be empty.');
  });
});

describe('EMAIL_PATTERN', () => {
  it('is ASCII-only like the Java pattern AWS runs (\\w does not match letters with accents)', () => {
    expect(EMAIL_PATTERN.test('zoe@example.com')).toBe(true);
    expect(EMAIL_PATTERN.test('zoë@example.com')).toBe(false);
    // \s in Java is ASCII whitespace only: a no-break space around the address is refused.
    expect(EMAIL_PATTERN.test('\u00a0zoe@example.com')).toBe(false);
  });
});

describe('normalizeValue', () => {
  it('trims, composes to NFC, upper-cases country codes', () => {
    expect(normalizeValue(Name, '  Zoe\u0308  ')).toBe('Zoë');
    expect(normalizeValue(PRIMARY_FIELDS.CountryCode, ' us ')).toBe('US');
    expect(normalizeValue(EmailAddress, ' ops@example.com\n')).toBe('ops@example.com');
  });
});

describe('unsafeCharacterProblem and lookAlikeProblem', () => {
  it('accept ordinary text', () => {
    expect(unsafeCharacterProblem('Jane Doe, CFO')).toBeUndefined();
    expect(lookAlikeProblem('Jane Doe')).toBeUndefined();
  });
  it('flag a Cherokee letter standing in for a Latin one', () => {
    expect(lookAlikeProblem('\u13aalice')).toMatch(/Latin and Cherokee|Cherokee and Latin/);
  });
});

describe('StateOrRegion requirement', () => {
  it.each(['US', 'CA', 'GB', 'DE', 'JP', 'IN', 'BR', 'us'])('is required for %s', (cc) => {
    expect(stateRequired(cc)).toBe(true);
    expect(requiredPrimaryFields(cc)).toContain('StateOrRegion');
  });
  it.each(['FR', 'NL', 'AU', undefined])('is not required for %s', (cc) => {
    expect(stateRequired(cc)).toBe(false);
    expect(requiredPrimaryFields(cc)).not.toContain('StateOrRegion');
  });
  it('asks the country before the state and the rest in a fixed order', () => {
    expect(requiredPrimaryFields('US')).toEqual([
      'FullName',
      'AddressLine1',
      'City',
      'CountryCode',
      'StateOrRegion',
      'PostalCode',
      'PhoneNumber',
    ]);
  });
});
