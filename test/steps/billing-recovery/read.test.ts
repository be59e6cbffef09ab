/**
 * Error paths of the reads that the emulator cannot produce (moto never refuses AccountId):
 * the Account API is stubbed with aws-sdk-client-mock.
 */
import { AccountClient, GetAlternateContactCommand, GetContactInformationCommand } from '@aws-sdk/client-account';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../../src/aws/pool.js';
import { assessStep, type EngineContext } from '../../../src/engine/runner.js';
import { testSessionContext } from '../../support/context.js';
import { systemClock } from '../../../src/engine/types.js';
import { step } from '../../../src/steps/billing-recovery/index.js';
import { accountIdParam, readState, TargetAccountAccessError } from '../../../src/steps/billing-recovery/read.js';

const account = mockClient(AccountClient);
afterEach(() => account.reset());

function ctx(targetAccount?: string): EngineContext {
  const pool = new ClientPool({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'x'.repeat(40) },
    maxAttempts: 1,
  });
  return testSessionContext({
    pool,
    caller: {
      accountId: '111111111111',
      arn: 'arn:aws:iam::111111111111:user/admin',
      userId: 'AIDA',
      type: 'iam-user',
      name: 'admin',
      temporary: false,
    },
    account: { id: '111111111111' },
    clock: systemClock,
    output: {
      heading() {},
      info() {},
      success() {},
      warn() {},
      error() {},
      detail() {},
      progress: () => ({ update() {}, succeed() {}, fail() {}, stop() {} }),
      secret() {},
    },
    options: targetAccount ? { targetAccount } : {},
  });
}

function awsError(name: string, message: string, status: number): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe('billing-recovery reads', () => {
  it('treats ResourceNotFoundException as "not set"', async () => {
    account
      .on(GetAlternateContactCommand)
      .rejects(awsError('ResourceNotFoundException', 'No contact of the inputted alternate contact type found.', 404));
    account.on(GetContactInformationCommand).rejects(awsError('ResourceNotFoundException', 'none', 404));
    const s = await readState(ctx());
    expect(s.alternateContacts).toEqual({ BILLING: null, OPERATIONS: null, SECURITY: null });
    expect(s.primaryContact).toBeNull();
    expect(s.targeted).toBe(false);
  });

  it('explains what a member account needs when AWS refuses AccountId', async () => {
    account
      .on(GetAlternateContactCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User is not authorized: trusted access is not enabled for account.amazonaws.com',
          403,
        ),
      );
    account.on(GetContactInformationCommand).rejects(awsError('AccessDeniedException', 'denied', 403));
    const c = ctx('222222222222');
    const err = await readState(c).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TargetAccountAccessError);
    expect((err as Error).message).toMatch(/member account 222222222222/);
    expect((err as Error).message).toContain('organizations:EnableAWSServiceAccess for account.amazonaws.com');
    expect((err as Error).message).toContain('management account');
    // Through the runner it is an `error` assessment that says the same.
    const { assessment } = await assessStep(step, c);
    expect(assessment.status).toBe('error');
    expect(assessment.summary).toMatch(
      /^TargetAccountAccessRequired: AWS refused account:Get\w+ for member account 222222222222/,
    );
    expect(assessment.summary).toContain('enable-aws-service-access --service-principal account.amazonaws.com');
  });

  it("leaves a denial of the caller's own account to the common handling (it names the IAM action)", async () => {
    account.on(GetAlternateContactCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
    account.on(GetContactInformationCommand).rejects(awsError('AccessDeniedException', 'not authorized', 403));
    const { assessment } = await assessStep(step, ctx());
    expect(assessment.status).toBe('error');
    expect(assessment.summary).toMatch(/Access denied for account:Get(AlternateContact|ContactInformation)/);
  });

  it('sends AccountId only for another account', () => {
    expect(accountIdParam(ctx())).toEqual({});
    expect(accountIdParam(ctx('111111111111'))).toEqual({});
    expect(accountIdParam(ctx('222222222222'))).toEqual({ AccountId: '222222222222' });
  });
});
