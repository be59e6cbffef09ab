import { describe, expect, it } from 'vitest';
import { UngatedMutationError } from '../../src/aws/errors.js';
import { ClientPool, isReadOnlyOperation, withinGate } from '../../src/aws/pool.js';

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
    const pool = new ClientPool({ region: 'us-east-1', credentials: creds, endpoint: 'http://127.0.0.1:9', maxAttempts: 1 });
    await expect(pool.call('iam', 'CreateUser', { UserName: 'x' })).rejects.toBeInstanceOf(UngatedMutationError);
    expect(pool.counter.total).toBe(0);
    // Inside the gate it goes out (and fails on the closed port, not on the guard).
    await expect(withinGate(() => pool.call('iam', 'CreateUser', { UserName: 'x' }))).rejects.not.toBeInstanceOf(UngatedMutationError);
    expect(pool.counter.toJSON().byOperation).toEqual({ 'iam:CreateUser': 1 });
  });
});
