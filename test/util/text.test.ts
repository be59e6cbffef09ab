import { describe, expect, it } from 'vitest';
import { formatParams, maskKeyId, redact, REDACTED, sanitize, SECRET_KEYS } from '../../src/util/text.js';

/**
 * Characters a terminal may act on, that reorder text, or that print nothing (format characters,
 * the combining grapheme joiner, Hangul fillers, variation selectors); none may survive sanitize.
 */
const DANGEROUS =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\p{Cf}\u115f\u1160\u3164\uffa0]|\u034f|[\ufe00-\ufe0f]|[\u{e0100}-\u{e01ef}]|\p{Cs}/u;

describe('sanitize', () => {
  it.each([
    ['plain text is kept', 'alice', 'alice'],
    ['non-Latin scripts and emoji are kept', 'Zoë 日本 👩‍💻', 'Zoë 日本 👩‍💻'],
    ['screen clear', '\x1b[2J\x1b[H', '\\x1b[2J\\x1b[H'],
    ['colour codes', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    [
      'OSC 8 hyperlink',
      '\x1b]8;;https://evil.example\x07click\x1b]8;;\x07',
      '\\x1b]8;;https://evil.example\\x07click\\x1b]8;;\\x07',
    ],
    ['window title (OSC 0)', '\x1b]0;pwned\x1b\\', '\\x1b]0;pwned\\x1b\\\\'],
    ['newline', 'line1\nline2', 'line1\\nline2'],
    ['carriage return overwrite', 'safe\rEVIL', 'safe\\rEVIL'],
    ['tab', 'a\tb', 'a\\tb'],
    ['NUL', 'a\x00b', 'a\\x00b'],
    ['backspace', 'abc\x08\x08', 'abc\\x08\\x08'],
    ['bell', '\x07', '\\x07'],
    ['DEL', 'a\x7f', 'a\\x7f'],
    ['C1 CSI (8-bit escape)', '\u009b31m', '\\x9b31m'],
    ['C1 NEL', 'a\u0085b', 'a\\x85b'],
    ['right-to-left override', 'user\u202etxt.exe', 'user\\u202etxt.exe'],
    ['left-to-right embedding', '\u202aA', '\\u202aA'],
    ['pop directional formatting', 'A\u202c', 'A\\u202c'],
    ['isolates', '\u2066a\u2067b\u2068c\u2069', '\\u2066a\\u2067b\\u2068c\\u2069'],
    ['bidi marks', '\u200e\u200f\u061c', '\\u200e\\u200f\\u061c'],
    ['line and paragraph separators', 'a\u2028b\u2029', 'a\\u2028b\\u2029'],
    ['lone surrogate', 'a\ud800b', 'a\\ud800b'],
    ['literal backslash sequence is not confused with an escape', 'a\\x1b', 'a\\\\x1b'],
    ['zero-width space', 'ad\u200bmin', 'ad\\u200bmin'],
    ['zero-width non-joiner', 'ad\u200cmin', 'ad\\u200cmin'],
    ['zero-width joiner between letters', 'ad\u200dmin', 'ad\\u200dmin'],
    ['word joiner and invisible operators', '\u2060a\u2061\u2062\u2063\u2064', '\\u2060a\\u2061\\u2062\\u2063\\u2064'],
    ['byte order mark', '\ufeffadmin', '\\ufeffadmin'],
    ['soft hyphen', 'ad\u00admin', 'ad\\u00admin'],
    ['Mongolian vowel separator', 'ad\u180emin', 'ad\\u180emin'],
    [
      'tag characters (hidden text)',
      'ok\u{e0001}\u{e0068}\u{e0069}\u{e007f}',
      'ok\\u{e0001}\\u{e0068}\\u{e0069}\\u{e007f}',
    ],
    ['variation selectors on a letter', 'a\ufe0fb\u{e0100}', 'a\\ufe0fb\\u{e0100}'],
    ['combining grapheme joiner and Hangul filler', 'a\u034fb\u3164', 'a\\u034fb\\u3164'],
    [
      'emoji joined into one (👩‍💻, ❤️‍🔥) are kept',
      '\u{1f469}\u200d\u{1f4bb} \u2764\ufe0f\u200d\u{1f525}',
      '\u{1f469}\u200d\u{1f4bb} \u2764\ufe0f\u200d\u{1f525}',
    ],
    ['a keycap is kept', '1\ufe0f\u20e3', '1\ufe0f\u20e3'],
  ])('%s', (_name, input, expected) => {
    expect(sanitize(input)).toBe(expected);
  });

  it('never shows two names alike when one holds an invisible character', () => {
    const names = [
      'admin',
      'ad\u200bmin',
      'admin\ufeff',
      '\u00adadmin',
      'admin\u{e0020}',
      'ad\u2060min',
      'admin\ufe0f',
    ];
    const shown = names.map((n) => sanitize(n));
    expect(new Set(shown).size).toBe(names.length);
    expect(shown.slice(1).every((s) => s.includes('\\u'))).toBe(true);
  });

  it('leaves no tag character or supplementary variation selector', () => {
    const offenders: string[] = [];
    for (let cp = 0xe0000; cp <= 0xe01ef; cp++) {
      const out = sanitize(`x${String.fromCodePoint(cp)}y`);
      if (DANGEROUS.test(out)) offenders.push(cp.toString(16));
    }
    expect(offenders).toEqual([]);
  });

  it('leaves no dangerous character anywhere in the Basic Multilingual Plane', () => {
    const offenders: string[] = [];
    for (let cp = 0; cp <= 0xffff; cp++) {
      const out = sanitize(`x${String.fromCharCode(cp)}y`);
      if (DANGEROUS.test(out)) offenders.push(cp.toString(16));
    }
    expect(offenders).toEqual([]);
  });

  it('keeps text of exactly maxLength characters whole', () => {
    expect(sanitize('a'.repeat(200))).toBe('a'.repeat(200));
  });

  it('truncates longer text with an ellipsis and the original length', () => {
    expect(sanitize('a'.repeat(250))).toBe(`${'a'.repeat(200)}… (truncated from 250 characters)`);
  });

  it('counts escapes as the characters they print and never splits one', () => {
    // "\x1b" prints as 4 characters: one fits in 5, two do not.
    expect(sanitize('\x1b\x1b', { maxLength: 5 })).toBe('\\x1b… (truncated from 2 characters)');
  });

  it('counts code points, so an emoji is never cut in half', () => {
    expect(sanitize('😀😀😀', { maxLength: 2 })).toBe('😀😀… (truncated from 3 characters)');
  });

  it('does not truncate with maxLength Infinity', () => {
    expect(sanitize('b'.repeat(5000), { maxLength: Infinity })).toHaveLength(5000);
  });

  it('rejects a negative maxLength', () => {
    expect(() => sanitize('x', { maxLength: -1 })).toThrow(RangeError);
  });

  it('turns a non-string that slipped through into text instead of throwing', () => {
    expect(sanitize(undefined as unknown as string)).toBe('undefined');
  });
});

describe('maskKeyId', () => {
  it.each([
    ['AKIAIOSFODNN7EXAMPLE', 'AKIA************MPLE'],
    ['ASIAXXXXXXXXXXXX1234', 'ASIA************1234'],
    ['ABCDEFGHI', 'ABCD*FGHI'],
    ['ABCDEFGH', '********'],
    ['AKIA', '****'],
    ['', ''],
  ])('%s -> %s', (input, expected) => {
    expect(maskKeyId(input)).toBe(expected);
  });
});

describe('redact', () => {
  it('replaces every default secret field at any depth, arrays included', () => {
    const input = {
      UserName: 'alice',
      Password: 'hunter2',
      Credentials: { AccessKeyId: 'AKIA...', SecretAccessKey: 'wJalr', SessionToken: 'tok' },
      Changes: [{ OldPassword: 'a', NewPassword: 'b' }],
    };
    expect(redact(input)).toEqual({
      UserName: 'alice',
      Password: REDACTED,
      Credentials: { AccessKeyId: 'AKIA...', SecretAccessKey: REDACTED, SessionToken: REDACTED },
      Changes: [{ OldPassword: REDACTED, NewPassword: REDACTED }],
    });
  });

  it('matches field names case-insensitively (SDK credentials use camelCase)', () => {
    expect(redact({ secretAccessKey: 's', sessionToken: 't', password: 'p' })).toEqual({
      secretAccessKey: REDACTED,
      sessionToken: REDACTED,
      password: REDACTED,
    });
  });

  it('keeps $secret placeholders as they are, under a secret field or anywhere else', () => {
    const placeholder = { $secret: 'password', label: 'one-time console password for alice' };
    const out = redact({ Password: placeholder, Other: placeholder });
    expect(out).toEqual({ Password: placeholder, Other: placeholder });
    expect(out.Password).not.toBe(placeholder);
  });

  it('redacts a secret field holding an object or a number', () => {
    expect(redact({ Password: { value: 'x' }, SessionToken: 42 })).toEqual({
      Password: REDACTED,
      SessionToken: REDACTED,
    });
  });

  it('keeps null and undefined secret fields', () => {
    expect(redact({ Password: null, SessionToken: undefined })).toEqual({ Password: null, SessionToken: undefined });
  });

  it('does not modify its input', () => {
    const input = { Password: 'p', nested: { SecretAccessKey: 's' } };
    const before = structuredClone(input);
    const out = redact(input);
    expect(input).toEqual(before);
    expect(out.nested).not.toBe(input.nested);
  });

  it('uses the keys given instead of the defaults', () => {
    expect(redact({ Password: 'p', Token: 't' }, ['Token'])).toEqual({ Password: 'p', Token: REDACTED });
  });

  it('exports the default keys', () => {
    expect(SECRET_KEYS).toEqual(['Password', 'SecretAccessKey', 'SessionToken', 'NewPassword', 'OldPassword']);
  });

  it('copies dates and survives cycles, but copies an object seen twice twice', () => {
    const when = new Date('2024-01-02T03:04:05Z');
    const shared = { a: 1 };
    const cyclic: Record<string, unknown> = { when, left: shared, right: shared };
    cyclic.self = cyclic;
    const out = redact(cyclic);
    expect(out.when).toEqual(when);
    expect(out.when).not.toBe(when);
    expect(out.self).toBe('[Circular]');
    expect(out.left).toEqual({ a: 1 });
    expect(out.right).toEqual({ a: 1 });
  });

  it('passes primitives through', () => {
    expect(redact('text')).toBe('text');
    expect(redact(null)).toBe(null);
  });
});

describe('formatParams', () => {
  it('prints compact one-line JSON', () => {
    expect(formatParams({ UserName: 'alice', Tags: [{ Key: 'k', Value: 'v' }] })).toBe(
      '{"UserName":"alice","Tags":[{"Key":"k","Value":"v"}]}',
    );
  });

  it('redacts secrets and keeps placeholders', () => {
    expect(formatParams({ Password: 'hunter2', NewPassword: { $secret: 'password', label: 'for bob' } })).toBe(
      '{"Password":"<redacted>","NewPassword":{"$secret":"password","label":"for bob"}}',
    );
  });

  it('escapes what a terminal could act on and stays valid JSON', () => {
    const params = { UserName: 'a\x1b[2J\u202eb\u0085c\nd\u2066\x7f' };
    const line = formatParams(params);
    expect(line).not.toMatch(DANGEROUS);
    expect(line).toContain('\\u202e');
    expect(line).toContain('\\u0085');
    expect(JSON.parse(line)).toEqual(params);
  });

  it('prints bigints as strings', () => {
    expect(formatParams({ n: 10n })).toBe('{"n":"10"}');
  });

  it('truncates only when asked', () => {
    const params = { PolicyDocument: 'x'.repeat(1000) };
    expect(formatParams(params)).toHaveLength(1000 + '{"PolicyDocument":""}'.length);
    expect(formatParams(params, { maxLength: 10 })).toBe('{"PolicyDo… (truncated from 1021 characters)');
  });
});

describe('sanitize as a safety net over sanitized text', () => {
  it('escapes control characters but does not double backslashes', () => {
    const once = sanitize('evil\x1b[2Jname');
    expect(once).toBe('evil\\x1b[2Jname');
    expect(sanitize(once, { escapeBackslash: false })).toBe(once);
    expect(sanitize('raw\x1b[31m', { escapeBackslash: false })).toBe('raw\\x1b[31m');
  });
});
