/**
 * Reads for the billing-recovery step: the three alternate contacts and the primary
 * contact, from the Account Management API (signed in us-east-1 by the pool), for the
 * caller's account or, with --target-account, a member account.
 */
import { describeAwsError, isAccessDenied } from '../../aws/errors.js';
import type { Attestation } from '../../engine/manual.js';
import type { StepContext } from '../../engine/step.js';
import {
  CONTACT_TYPES,
  type AlternateContact,
  type BillingRecoveryState,
  type ContactType,
  type PrimaryContact,
} from './analysis.js';
import type { AlternateContactValues } from './validation.js';

/**
 * What this step remembers within one session (one run of rootlock): attestations, what
 * it wrote (to verify by reading back), and which questions it already asked, so later
 * rounds of the same run do not ask again.
 */
export interface SessionMemory {
  attestations: Attestation[];
  written: { alternate: Partial<Record<ContactType, AlternateContactValues>>; primary?: PrimaryContact };
  /** Question groups already asked this session: contact types, 'primary', 'billing-access'. */
  asked: Set<string>;
}

/** This session's memory for the step. */
export function sessionMemory(ctx: Pick<StepContext, 'memory'>): SessionMemory {
  return ctx.memory<SessionMemory>(() => ({ attestations: [], written: { alternate: {} }, asked: new Set() }));
}

/** A refusal of the Account API for a member account, explained. */
export class TargetAccountAccessError extends Error {
  override readonly name = 'TargetAccountAccessRequired';
  constructor(
    readonly accountId: string,
    readonly operation: string,
    readonly awsCode: string,
    awsMessage: string,
  ) {
    super(
      `AWS refused account:${operation} for member account ${accountId} (${awsCode}: ${awsMessage}). ` +
        "To manage a member account's contacts, run from the organization's " +
        'management account (or the Account Management delegated administrator) ' +
        'with all features enabled and trusted access for the Account Management service: ' +
        '`aws organizations enable-aws-service-access --service-principal account.amazonaws.com` ' +
        '(organizations:EnableAWSServiceAccess for account.amazonaws.com), ' +
        'and permissions account:GetAlternateContact, ' +
        'account:PutAlternateContact, account:GetContactInformation, account:PutContactInformation.',
    );
  }
}

/** The AccountId parameter for Account API calls: only for a member account other than the caller's own. */
export function accountIdParam(ctx: StepContext): { AccountId?: string } {
  const t = ctx.options.targetAccount;
  // The management account cannot name itself: AWS wants the call without AccountId then.
  return t && t !== ctx.account.id ? { AccountId: t } : {};
}

/** Messages AWS gives when Organizations trusted access for account.amazonaws.com is missing. */
const TRUSTED_ACCESS_HINT = /trusted access|not enabled|AWSOrganizationsNotInUse|organization/i;

/** A refusal of the Account API for a member account, explained; any other failure as it came. */
function explainRefusal(err: unknown, operation: string, accountId: string | undefined): never {
  const f = describeAwsError(err, 'account', operation);
  if (accountId && (isAccessDenied(f) || TRUSTED_ACCESS_HINT.test(f.message))) {
    throw new TargetAccountAccessError(accountId, operation, f.code, f.message);
  }
  throw err;
}

/** Reads one alternate contact (the shared, memoized read; invalidated after changes). */
export function readAlternateContact(ctx: StepContext, type: ContactType): Promise<AlternateContact | null> {
  const { AccountId } = accountIdParam(ctx);
  return ctx.reads
    .alternateContact(type, AccountId)
    .catch((err) => explainRefusal(err, 'GetAlternateContact', AccountId));
}

/** Reads the primary contact (the shared, memoized read). */
export function readPrimaryContact(ctx: StepContext): Promise<PrimaryContact | null> {
  const { AccountId } = accountIdParam(ctx);
  return ctx.reads
    .contactInformation(AccountId)
    .catch((err) => explainRefusal(err, 'GetContactInformation', AccountId));
}

/** Reads everything the step assesses. */
export async function readState(ctx: StepContext): Promise<BillingRecoveryState> {
  const target = accountIdParam(ctx);
  const [billing, operations, security, primary] = await Promise.all([
    ...CONTACT_TYPES.map((t) => readAlternateContact(ctx, t)),
    readPrimaryContact(ctx),
  ]);
  const memory = sessionMemory(ctx);
  return {
    accountId: target.AccountId ?? ctx.account.id,
    targeted: target.AccountId !== undefined,
    alternateContacts: {
      BILLING: billing as AlternateContact | null,
      OPERATIONS: operations as AlternateContact | null,
      SECURITY: security as AlternateContact | null,
    },
    primaryContact: primary as PrimaryContact | null,
    attestations: memory.attestations.map((a) => ({ ...a })),
    written: {
      alternate: { ...memory.written.alternate },
      ...(memory.written.primary ? { primary: { ...memory.written.primary } } : {}),
    },
  };
}
