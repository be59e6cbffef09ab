/**
 * Refusals the emulator cannot produce, with the SDK stubbed (aws-sdk-client-mock): a service
 * control policy denying iam:UpdateAccessKey to the root user, and an IAM user of the
 * management account without sts:AssumeRoot. The step, runner and gate are the real ones.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListOrganizationsFeaturesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../../src/aws/pool.js';
import { testWizardContext } from '../../support/context.js';
import { openJournal } from '../../../src/engine/journal.js';
import { runStep, type WizardContext } from '../../../src/engine/runner.js';
import type { CallerIdentity } from '../../../src/aws/identity.js';
import { step } from '../../../src/steps/root-keys/index.js';
import { RecordingOutput, ScriptedPrompter } from '../../support/harness.js';
import { ACCT, prerequisites, testClock } from './support.js';

const iam = mockClient(IAMClient);
const sts = mockClient(STSClient);
afterEach(() => {
  iam.reset();
  sts.reset();
});

const KEY = 'AKIAROOTROOTROOT0001';
const OTHER = 'AKIAROOTROOTROOT0002';

function denied(message: string): Error {
  return Object.assign(new Error(message), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
}

function context(caller: Partial<CallerIdentity>, answers: Record<string, unknown>, targetAccount?: string) {
  const pool = new ClientPool({
    region: 'us-east-1',
    credentials: { accessKeyId: caller.accessKeyId ?? 'AKIAUSERUSERUSER0001', secretAccessKey: 'x' },
  });
  const output = new RecordingOutput();
  const journal = openJournal({
    dir: mkdtempSync(join(tmpdir(), 'rootlock-root-keys-mock-')),
    sessionId: 'mock',
    now: testClock.now(),
  });
  const prompter = new ScriptedPrompter(answers);
  const ctx: WizardContext = testWizardContext({
    pool,
    caller: {
      accountId: ACCT,
      arn: `arn:aws:iam::${ACCT}:root`,
      userId: ACCT,
      type: 'root',
      name: 'root',
      temporary: false,
      ...caller,
    },
    account: { id: ACCT },
    clock: testClock,
    output,
    options: { targetAccount },
    assessments: prerequisites(),
    prompter,
    journal,
  });
  const gate = ctx.gate;
  return { ctx, output, gate, prompter };
}

describe('root-keys refusals (stubbed SDK)', () => {
  it('explains a service control policy denying UpdateAccessKey to root, and says nothing changed', async () => {
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 1, AccountMFAEnabled: 1 } });
    iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iam
      .on(GetCredentialReportCommand)
      .resolves({ Content: new TextEncoder().encode('user,arn\n'), GeneratedTime: new Date() });
    iam.on(ListAccessKeysCommand).callsFake(() => ({
      AccessKeyMetadata: [
        { AccessKeyId: KEY, Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
        { AccessKeyId: OTHER, Status: 'Active', CreateDate: new Date('2025-01-01T00:00:00Z') },
      ],
    }));
    iam.on(GetAccessKeyLastUsedCommand).resolves({ AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
    iam
      .on(UpdateAccessKeyCommand)
      .rejects(
        denied(
          `User: arn:aws:iam::${ACCT}:root is not authorized to perform: iam:UpdateAccessKey with an explicit deny in a service control policy`,
        ),
      );
    sts.on(GetCallerIdentityCommand).resolves({ Account: ACCT, Arn: `arn:aws:iam::${ACCT}:root` });

    const { ctx, output, gate } = context(
      { accessKeyId: KEY },
      { 'root-keys.active': 'deactivate', 'root-keys.apply': true },
    );
    const o = await runStep(step, ctx);

    expect(iam.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { AccessKeyId: OTHER, Status: 'Inactive' },
    ]);
    expect(gate.results.map((r) => [r.outcome, r.error?.deniedAction])).toEqual([['failed', 'iam:UpdateAccessKey']]);
    expect(output.text).toMatch(
      /AWS refused iam:UpdateAccessKey for root access key AKIA\*+0002; that key is unchanged\. The root user has no IAM policy to fix/,
    );
    expect(output.text).toContain('service control policy');
    expect(output.text).toMatch(/Where the root keys stand now:\n\s+AKIA\*+0001, active.*\n\s+AKIA\*+0002, active/);
    expect(o.after?.status).toBe('fail');
  });

  it('names sts:AssumeRoot and the permission to add when the IAM caller may not call it', async () => {
    iam
      .on(ListOrganizationsFeaturesCommand)
      .resolves({ OrganizationId: 'o-abcdefghij', EnabledFeatures: ['RootCredentialsManagement'] });
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 0, AccountMFAEnabled: 1 } });
    sts
      .on(AssumeRootCommand)
      .rejects(
        denied(
          `User: arn:aws:iam::${ACCT}:user/bob is not authorized to perform: sts:AssumeRoot on resource: arn:aws:iam::210987654321:root`,
        ),
      );
    const { ctx, output, gate } = context(
      { type: 'iam-user', arn: `arn:aws:iam::${ACCT}:user/bob`, name: 'bob', accessKeyId: 'AKIAUSERUSERUSER0001' },
      {},
      '210987654321',
    );
    const o = await runStep(step, ctx);
    expect(o.before.status).toBe('error');
    expect(o.before.summary).toMatch(
      /^sts:AssumeRoot was refused for member account 210987654321 \(AccessDenied\): User: arn:aws:iam::123456789012:user\/bob is not authorized/,
    );
    expect(o.before.summary).toContain('The caller needs sts:AssumeRoot on arn:aws:iam::210987654321:root');
    expect(o.before.summary).toContain('Nothing was changed.');
    expect(sts.commandCalls(AssumeRootCommand)[0]!.args[0].input).toMatchObject({
      TargetPrincipal: '210987654321',
      TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials' },
      DurationSeconds: 900,
    });
    expect(gate.results).toEqual([]);
    expect(output.text).toContain('ERROR: sts:AssumeRoot was refused');
  });
});
