import { describe, expect, it } from 'vitest';
import { validateCount, validateUserName } from '../../../src/steps/admins/names.js';

describe('validateUserName: IAM user-name rules', () => {
  const none = { existing: [] as string[] };

  it.each([['alice'], ['a'], ['ops.admin+1@example.com'], ['A_b-c=d,e'], ['x'.repeat(64)]])('accepts %s', (name) => {
    expect(validateUserName(name, none)).toBe(true);
  });

  it.each([
    ['', 'A user name is required.'],
    ['has space', 'may only contain letters, digits'],
    ['slash/name', 'may only contain'],
    ['colon:name', 'may only contain'],
    ['é', 'may only contain'],
    ['tab\tname', 'may only contain'],
    ['x'.repeat(65), 'at most 64 characters; this one has 65'],
  ])('refuses %j', (name, reason) => {
    const r = validateUserName(name, none);
    expect(r).not.toBe(true);
    expect(r).toContain(reason);
  });

  it('refuses a name that exists, ignoring case as IAM does, and names the existing user', () => {
    expect(validateUserName('alice', { existing: ['alice'] })).toBe(
      'A user named alice already exists in this account; choose another name.',
    );
    expect(validateUserName('ALICE', { existing: ['Alice'] })).toBe(
      'User Alice already exists, and IAM user names ignore case; choose another name.',
    );
  });

  it('refuses a name already given in the same answers, ignoring case', () => {
    expect(validateUserName('Bob', { existing: [], given: ['bob'] })).toBe(
      'bob was already given for another new admin; choose another name.',
    );
    expect(validateUserName('carol', { existing: ['alice'], given: ['bob'] })).toBe(true);
  });
});

describe('validateCount', () => {
  it.each([
    ['1', 1, 3],
    ['3', 1, 3],
    [' 2 ', 1, 3],
  ])('accepts %j in [%i, %i]', (v, min, max) => {
    expect(validateCount(v, min, max)).toBe(true);
  });
  it.each([['0'], ['4'], ['1.5'], ['two'], [''], ['-1'], ['1e0']])('refuses %j in [1, 3]', (v) => {
    expect(validateCount(v, 1, 3)).toBe('Enter a whole number from 1 to 3.');
  });
  it('says the only allowed value when min = max', () => {
    expect(validateCount('3', 2, 2)).toBe('Enter 2.');
  });
});
