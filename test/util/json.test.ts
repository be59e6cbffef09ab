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
});
