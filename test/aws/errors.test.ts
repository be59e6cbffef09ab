import { describe, expect, it } from 'vitest';
import { describeAwsError, explainFailure, toRunError } from '../../src/aws/errors.js';

const awsError = (name: string, message: string, status: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe('describeAwsError', () => {
  it('names the denied IAM action from the service and operation', () => {
    const f = describeAwsError(awsError('AccessDenied', 'User is not authorized', 403), 'iam', 'CreateUser');
    expect(f.deniedAction).toBe('iam:CreateUser');
    expect(explainFailure(f)).toContain('"Action":"iam:CreateUser"');
  });

  it('uses the call the pool remembered when none is given', () => {
    const err = awsError('AccessDeniedException', 'no', 403);
    Object.defineProperty(err, '$rootlockCall', { value: { service: 'account', operation: 'GetAlternateContact' } });
    expect(describeAwsError(err).deniedAction).toBe('account:GetAlternateContact');
  });

  it('names the IAM action where it differs from the operation (S3 Control account settings)', () => {
    const f = describeAwsError(awsError('AccessDenied', 'Access Denied', 403), 's3control', 'GetPublicAccessBlock');
    expect(f.deniedAction).toBe('s3:GetAccountPublicAccessBlock');
  });

  it('does not call a refused credential a permission problem', () => {
    const f = describeAwsError(
      awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403),
      'sts',
      'GetCallerIdentity',
    );
    expect(f.deniedAction).toBeUndefined();
    expect(explainFailure(f)).toMatch(/credentials were refused/);
  });
});

describe('toRunError', () => {
  it('maps missing credentials', () => {
    const e = toRunError(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    expect(e.code).toBe('NO_CREDENTIALS');
    expect(e.hint).toMatch(/--profile/);
  });
  it('names the demo when there are no credentials, for someone who has no AWS account at hand', () => {
    const e = toRunError(
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
    );
    expect(e.hint).toContain('npm run demo');
    expect(e.hint).toMatch(/clone/);
  });
  it('maps expired credentials', () => {
    expect(
      toRunError(awsError('ExpiredToken', 'The security token included in the request is expired', 403)).code,
    ).toBe('EXPIRED_CREDENTIALS');
  });
  it('maps an unreachable endpoint', () => {
    const e = toRunError(
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      'http://127.0.0.1:1',
    );
    expect(e.code).toBe('ENDPOINT_UNREACHABLE');
    expect(e.message).toContain('http://127.0.0.1:1');
  });
});
