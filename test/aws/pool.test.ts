import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UngatedMutationError } from '../../src/aws/errors.js';
import { ClientPool, isReadOnlyOperation, s3ControlEndpoint, withinGate } from '../../src/aws/pool.js';

// No SDK stub in this file: the guard is middleware on the real clients.
const creds = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) };

describe('isReadOnlyOperation', () => {
  it.each([
    ['GetAccountSummary', true],
    ['ListUsers', true],
    ['DescribeInstances', true],
    ['GenerateCredentialReport', true],
    ['AssumeRoot', true],
    ['CreateUser', false],
    ['UpdateAccessKey', false],
    ['DeleteAccessKey', false],
    ['PutAlternateContact', false],
    ['AssociateIamInstanceProfile', false],
    ['EnableOrganizationsRootCredentialsManagement', false],
  ])('%s -> %s', (op, ro) => expect(isReadOnlyOperation(op)).toBe(ro));
});

describe('the pool guard', () => {
  it('refuses a mutating call sent outside the gate before anything goes on the wire', async () => {
    const pool = new ClientPool({
      region: 'us-east-1',
      credentials: creds,
      endpoint: 'http://127.0.0.1:9',
      maxAttempts: 1,
    });
    await expect(pool.call('iam', 'CreateUser', { UserName: 'x' })).rejects.toBeInstanceOf(UngatedMutationError);
    expect(pool.counter.total).toBe(0);
    // Inside the gate it goes out (and fails on the closed port, not on the guard).
    await expect(withinGate(() => pool.call('iam', 'CreateUser', { UserName: 'x' }))).rejects.not.toBeInstanceOf(
      UngatedMutationError,
    );
    expect(pool.counter.toJSON().byOperation).toEqual({ 'iam:CreateUser': 1 });
  });
});

describe('S3 Control with a custom endpoint', () => {
  it('takes --endpoint-url, else AWS_ENDPOINT_URL_S3_CONTROL, else AWS_ENDPOINT_URL; none means the SDK rules', () => {
    expect(s3ControlEndpoint('http://a:1', { AWS_ENDPOINT_URL: 'http://b:2' })).toBe('http://a:1');
    expect(
      s3ControlEndpoint(undefined, { AWS_ENDPOINT_URL_S3_CONTROL: 'http://c:3', AWS_ENDPOINT_URL: 'http://b:2' }),
    ).toBe('http://c:3');
    expect(s3ControlEndpoint(undefined, { AWS_ENDPOINT_URL: 'http://b:2' })).toBe('http://b:2');
    expect(s3ControlEndpoint(undefined, {})).toBeUndefined();
  });

  it('sends to the endpoint as given, without the account-id host prefix the SDK rules add', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.headers.host} ${req.url} ${req.headers['x-amz-account-id']}`);
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(
        '<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>',
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const pool = new ClientPool({
        region: 'eu-west-1',
        credentials: creds,
        endpoint: `http://127.0.0.1:${port}`,
        maxAttempts: 1,
      });
      const res = await pool.call<{ PublicAccessBlockConfiguration?: { BlockPublicAcls?: boolean } }>(
        's3control',
        'GetPublicAccessBlock',
        { AccountId: '123456789012' },
      );
      expect(res.PublicAccessBlockConfiguration?.BlockPublicAcls).toBe(true);
      expect(seen).toEqual([`GET 127.0.0.1:${port} /v20180820/configuration/publicAccessBlock 123456789012`]);
    } finally {
      server.close();
    }
  });
});
