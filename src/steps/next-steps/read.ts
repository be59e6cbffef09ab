/**
 * Reads for the next steps. The credential report, the account summary and the password
 * policy are the shared memoized reads the four steps already made, so a session pays at
 * most two more calls: S3 Control GetPublicAccessBlock, and ListVirtualMFADevices only when the
 * root user has MFA to classify.
 *
 * IAM permissions: iam:GetAccountSummary, iam:GenerateCredentialReport, iam:GetCredentialReport,
 * iam:GetAccountPasswordPolicy, iam:ListVirtualMFADevices, s3:GetAccountPublicAccessBlock.
 */
import { describeAwsError, explainFailure } from '../../aws/errors.js';
import { readPasswordPolicy } from '../../aws/password-policy.js';
import { allPages } from '../../aws/reads.js';
import type { StepContext } from '../../engine/step.js';
import {
  PUBLIC_ACCESS_BLOCK_SETTINGS,
  rootMfa,
  type AccountPublicAccessBlock,
  type NextStepsInput,
  type Read,
  type VirtualMfaDevice,
} from './analysis.js';

function failed(err: unknown, service: string, operation: string): { ok: false; reason: string } {
  return { ok: false, reason: explainFailure(describeAwsError(err, service, operation)) };
}

async function settle<T>(p: Promise<T>, service: string, operation: string): Promise<Read<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return failed(err, service, operation);
  }
}

/** Assigned virtual MFA devices (all pages), memoized for the session. */
export function readAssignedVirtualMfa(ctx: Pick<StepContext, 'reads' | 'pool'>): Promise<VirtualMfaDevice[]> {
  return ctx.reads.once('iam:virtual-mfa-assigned', async () => {
    const pages = await allPages((Marker) =>
      ctx.pool.call<{
        VirtualMFADevices?: Array<{ SerialNumber?: string; User?: { Arn?: string } }>;
        IsTruncated?: boolean;
        Marker?: string;
      }>('iam', 'ListVirtualMFADevices', { AssignmentStatus: 'Assigned', Marker }),
    );
    return pages
      .flatMap((p) => p.VirtualMFADevices ?? [])
      .map((d) => ({ serialNumber: d.SerialNumber ?? '', userArn: d.User?.Arn }));
  });
}

/**
 * The account-level S3 Block Public Access settings. S3 answers 404
 * NoSuchPublicAccessBlockConfiguration when none was ever set: a finding, not a failure.
 */
export async function readAccountPublicAccessBlock(
  ctx: Pick<StepContext, 'pool' | 'account'>,
): Promise<AccountPublicAccessBlock> {
  try {
    const res = await ctx.pool.call<{ PublicAccessBlockConfiguration?: Record<string, unknown> }>(
      's3control',
      'GetPublicAccessBlock',
      { AccountId: ctx.account.id },
    );
    const got = res.PublicAccessBlockConfiguration ?? {};
    return {
      configured: true,
      settings: Object.fromEntries(PUBLIC_ACCESS_BLOCK_SETTINGS.map((k) => [k, got[k] === true])),
    };
  } catch (err) {
    if (describeAwsError(err).code === 'NoSuchPublicAccessBlockConfiguration') return { configured: false };
    throw err;
  }
}

/** Everything the analysis needs; a failed read becomes a `not-checked` reason, never an exception. */
export async function readNextStepsInput(ctx: StepContext): Promise<NextStepsInput> {
  const [summary, report, policy, publicAccessBlock] = await Promise.all([
    settle(ctx.reads.accountSummary(), 'iam', 'GetAccountSummary'),
    settle(ctx.reads.credentialReport(), 'iam', 'GetCredentialReport'),
    readPasswordPolicy(ctx).catch((err: unknown) => {
      const f = failed(err, 'iam', 'GetAccountPasswordPolicy');
      return { state: 'unknown' as const, reason: f.reason };
    }),
    settle(readAccountPublicAccessBlock(ctx), 's3control', 'GetPublicAccessBlock'),
  ]);
  const input: NextStepsInput = {
    accountId: ctx.account.id,
    now: ctx.clock.now(),
    summary,
    report,
    passwordPolicy: policy,
    publicAccessBlock,
  };
  const root = rootMfa(input);
  if (root.status === 'pass' && !root.noCredentials) {
    input.virtualMfa = await settle(readAssignedVirtualMfa(ctx), 'iam', 'ListVirtualMFADevices');
  }
  return input;
}
