import { describe, expect, it } from 'vitest';
import { classifyArn } from '../../src/aws/identity.js';

describe('classifyArn', () => {
  it.each([
    ['arn:aws:iam::123456789012:root', 'root', 'root'],
    ['arn:aws:iam::123456789012:user/alice', 'iam-user', 'alice'],
    ['arn:aws:iam::123456789012:user/division/alice', 'iam-user', 'alice'],
    [
      'arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123abcd/alice@example.com',
      'sso-role',
      'AWSReservedSSO_Admin_0123abcd/alice@example.com',
    ],
    ['arn:aws:sts::123456789012:assumed-role/deploy/ci-run', 'assumed-role', 'deploy/ci-run'],
    ['arn:aws:sts::123456789012:federated-user/bob', 'federated-user', 'bob'],
    ['arn:aws-us-gov:iam::123456789012:root', 'root', 'root'],
    ['not an arn', 'unknown', 'not an arn'],
  ])('%s is %s', (arn, type, name) => {
    expect(classifyArn(arn)).toEqual({ type, name });
  });
});
