import { describe, expect, it } from 'vitest';
import { escapeJsonForTerminal, safeJson } from '../../src/util/json.js';

describe('terminal-safe JSON', () => {
  it('escapes what JSON.stringify leaves raw, and parses back to the same value', () => {
    const value = { name: 'a\u009b31mb\u202ec\u2028d\u007f' };
    const text = safeJson(value);
    expect(text).toBe('{\n  "name": "a\\u009b31mb\\u202ec\\u2028d\\u007f"\n}\n');
    expect(JSON.parse(text)).toEqual(value);
    expect(escapeJsonForTerminal(JSON.stringify('\u2066x'))).toBe('"\\u2066x"');
  });

  it('escapes invisible characters, tag characters as surrogate pairs, and parses back to the same value', () => {
    const value = { name: 'ad\u200bmin\ufeff\u00ad\u2060\u180e\u{e0041}\u{e007f}', emoji: '\u{1f469}\u200d\u{1f4bb}' };
    const text = safeJson(value);
    expect(text).toBe(
      '{\n  "name": "ad\\u200bmin\\ufeff\\u00ad\\u2060\\u180e\\udb40\\udc41\\udb40\\udc7f",\n' +
        '  "emoji": "\u{1f469}\\u200d\u{1f4bb}"\n}\n',
    );
    expect(JSON.parse(text)).toEqual(value);
  });
});
