import { describe, expect, it } from 'vitest';
import { decodePolicyDocument, parsePolicy, PolicyDocumentError } from '../../src/iam/parse.js';

type Stmt = Record<string, unknown>;
const doc = (...Statement: Stmt[]) => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Stmt = {}): Stmt => ({
  Effect: 'Allow',
  Action,
  Resource,
  ...extra,
});

describe('decodePolicyDocument / parsePolicy', () => {
  const json = JSON.stringify(doc(allow('s3:GetObject', 'arn:aws:s3:::b/a b')));

  it('decodes a URL-encoded document (as IAM returns it)', () => {
    expect(decodePolicyDocument(encodeURIComponent(json))).toEqual(JSON.parse(json));
  });

  it('accepts a document that is already decoded', () => {
    expect(decodePolicyDocument(json)).toEqual(JSON.parse(json));
  });

  it('does not mangle a decoded document that contains a percent sign', () => {
    const withPercent = JSON.stringify(doc(allow('s3:GetObject', 'arn:aws:s3:::b/100%25done')));
    expect(parsePolicy(withPercent).statements[0]?.resource).toEqual(['arn:aws:s3:::b/100%25done']);
  });

  it('accepts + for spaces (form encoding)', () => {
    const spaced = JSON.stringify(doc(allow('*')), null, 1);
    const plus = encodeURIComponent(spaced).replace(/%20/g, '+');
    expect(parsePolicy(plus).statements[0]?.action).toEqual(['*']);
  });

  it('rejects text that is not JSON in any reading', () => {
    expect(() => decodePolicyDocument('%7Bnot json')).toThrow(PolicyDocumentError);
    expect(() => parsePolicy('[1,2]')).toThrow(PolicyDocumentError);
  });

  it('normalises Statement given as one object and strings given as strings', () => {
    const p = parsePolicy({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 'iam:*', Resource: '*' } });
    expect(p).toEqual({ version: '2012-10-17', statements: [{ effect: 'Allow', action: ['iam:*'], resource: ['*'] }] });
  });

  it('keeps NotAction, NotResource, Sid, principals and conditions, values as string arrays', () => {
    const p = parsePolicy({
      Statement: [
        {
          Sid: 'Trust',
          Effect: 'Allow',
          Principal: '*',
          NotAction: ['iam:*', 'organizations:*'],
          NotResource: 'arn:aws:s3:::x',
          Condition: {
            Bool: { 'aws:MultiFactorAuthPresent': true },
            NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 },
          },
        },
        { Effect: 'Deny', NotPrincipal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:*', Resource: '*' },
      ],
    });
    expect(p.statements[0]).toEqual({
      sid: 'Trust',
      effect: 'Allow',
      principal: { AWS: ['*'] },
      notAction: ['iam:*', 'organizations:*'],
      notResource: ['arn:aws:s3:::x'],
      condition: {
        Bool: { 'aws:MultiFactorAuthPresent': ['true'] },
        NumericLessThan: { 'aws:MultiFactorAuthAge': ['3600'] },
      },
    });
    expect(p.statements[1]?.notPrincipal).toEqual({ AWS: ['arn:aws:iam::111122223333:root'] });
  });

  it('treats a missing Statement as no statements and an empty Condition as none', () => {
    expect(parsePolicy({ Version: '2012-10-17' }).statements).toEqual([]);
    expect(parsePolicy(doc(allow('*', '*', { Condition: {} }))).statements[0]?.condition).toBeUndefined();
  });

  it.each([
    ['an unknown Effect', { Effect: 'allow', Action: '*', Resource: '*' }],
    ['both Action and NotAction', { Effect: 'Allow', Action: '*', NotAction: 'iam:*', Resource: '*' }],
    ['both Resource and NotResource', { Effect: 'Allow', Action: '*', Resource: '*', NotResource: 'x' }],
    ['a non-string action', { Effect: 'Allow', Action: [1], Resource: '*' }],
    ['a statement that is not an object', 'Allow everything'],
    ['a Condition that is not an object', { Effect: 'Allow', Action: '*', Resource: '*', Condition: 'x' }],
  ])('rejects %s', (_name, statement) => {
    expect(() => parsePolicy({ Statement: [statement] })).toThrow(PolicyDocumentError);
  });
});
