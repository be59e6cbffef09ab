import { describe, expect, it } from 'vitest';
import { actionMatches, patternContains, patternsIntersect, wildcardMatch } from '../../src/iam/patterns.js';

describe('wildcards', () => {
  it.each([
    ['iam:*', 'iam:CreateUser', true],
    ['IAM:createuser', 'iam:CreateUser', true],
    ['iam:*', 'IAM:CREATEUSER', true],
    ['s3:Get*', 's3:GetObject', true],
    ['s3:Get*', 's3:PutObject', false],
    ['*', 'anything:AtAll', true],
    ['*:*', 'iam:PassRole', true],
    ['iam:Attach????Policy', 'iam:AttachUserPolicy', true],
    ['iam:Attach????Policy', 'iam:AttachGroupPolicy', false],
    ['iam:?', 'iam:', false],
    ['s3:Get.Object', 's3:GetXObject', false],
    ['ec2:(Run)*', 'ec2:(Run)Instances', true],
    ['iam:CreateUser', 'iam:CreateUserX', false],
  ])('%s matches %s: %s', (pattern, action, expected) => {
    expect(actionMatches(pattern, action)).toBe(expected);
  });

  it('wildcardMatch is the same test for any value', () => {
    expect(wildcardMatch('arn:aws:s3:::b/*', 'arn:aws:s3:::b/key')).toBe(true);
    expect(wildcardMatch('arn:aws:s3:::b/*', 'arn:aws:s3:::c/key')).toBe(false);
  });

  it.each([
    ['iam:*', 's3:*', false],
    ['iam:*', '*:Get*', true],
    ['iam:Get*', 'iam:*User', true],
    ['iam:Get?', 'iam:GetUser', false],
    ['a*b', 'c*', false],
    ['*', 'x', true],
    ['?', '', false],
  ])('patternsIntersect(%s, %s) = %s', (a, b, expected) => {
    expect(patternsIntersect(a, b)).toBe(expected);
    expect(patternsIntersect(b, a)).toBe(expected);
  });

  it.each([
    ['*', 'iam:*', true],
    ['*', '*:*', true],
    ['*:*', '*', false],
    ['iam:*', 'iam:Get*', true],
    ['iam:*', 'iam:?et*', true],
    ['iam:Get*', 'iam:*', false],
    ['iam:*', '*', false],
    ['*?', '?*', true],
    ['IAM:*', 'iam:createuser', true],
  ])('patternContains(%s, %s) = %s', (outer, inner, expected) => {
    expect(patternContains(outer, inner)).toBe(expected);
  });

  // Given random patterns over a tiny alphabet, when compared with a brute-force
  // enumeration of every short string, then intersection is exact and containment never
  // claims what is false. The extra letter "c" stands for "any other character".
  it('agrees with brute force on random patterns', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const tokens = ['a', 'b', '*', '?'];
    const randomPattern = () => Array.from({ length: 1 + rand(4) }, () => tokens[rand(tokens.length)]).join('');
    const strings: string[] = [''];
    for (let len = 1; len <= 9; len++) {
      for (const s of strings.filter((x) => x.length === len - 1)) for (const c of ['a', 'b', 'c']) strings.push(s + c);
    }
    let containments = 0;
    for (let i = 0; i < 400; i++) {
      const a = randomPattern();
      const b = randomPattern();
      const bothMatch = strings.some((s) => wildcardMatch(a, s) && wildcardMatch(b, s));
      expect(patternsIntersect(a, b), `${a} ∩ ${b}`).toBe(bothMatch);
      if (patternContains(a, b)) {
        containments++;
        expect(
          strings.every((s) => !wildcardMatch(b, s) || wildcardMatch(a, s)),
          `${b} ⊆ ${a}`,
        ).toBe(true);
      }
    }
    expect(containments).toBeGreaterThan(20);
  });
});
