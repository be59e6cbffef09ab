import { describe, expect, it } from 'vitest';
import { fillSecrets, generatePassword } from '../../src/engine/secrets.js';

describe('generatePassword', () => {
  it('has every character class and the asked length, and differs each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toHaveLength(24);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[^A-Za-z0-9]/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });
});

describe('fillSecrets', () => {
  it('replaces placeholders and reports them, leaving the input untouched', () => {
    const params = { UserName: 'alice', Password: { $secret: 'password' as const, label: 'password for alice' } };
    const { params: filled, secrets } = fillSecrets(params, () => 'S3cret!');
    expect(filled).toEqual({ UserName: 'alice', Password: 'S3cret!' });
    expect(secrets).toEqual([{ label: 'password for alice', value: 'S3cret!' }]);
    expect(params.Password).toEqual({ $secret: 'password', label: 'password for alice' });
  });
});
