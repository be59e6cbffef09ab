/**
 * Reads for the billing-recovery step: the three alternate contacts and the primary
 * contact, from the Account Management API (signed in us-east-1 by the pool), for the
 * caller's account or, with --target-account, a member account.
 */
import { describeAwsError, isAccessDenied, isNotFound } from '../../aws/errors.js';
import type { Attestation } from '../../engine/manual.js';
import type { StepContext } from '../../engine/step.js';
import {
  CONTACT_TYPES,
  type AlternateContact,
  type BillingRecoveryState,
  type ContactType,
  type PrimaryContact,
} from './analysis.js';
import { ALTERNATE_FIELD_ORDER, PRIMARY_FIELD_ORDER, type AlternateContactValues } from './validation.js';

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

/** Runs one Account API read; ResourceNotFoundException is `null`, a refusal for a member account is explained. */
async function readOrNull<T>(
  ctx: StepContext,
  operation: string,
  params: Record<string, unknown>,
  pick: (r: any) => T | undefined,
): Promise<T | null> {
  try {
    const res = await ctx.pool.call(`account`, operation, params);
    return pick(res) ?? null;
  } catch (err) {
    const f = describeAwsError(err, 'account', operation);
    if (isNotFound(f)) return null;
    if (params.AccountId && (isAccessDenied(f) || TRUSTED_ACCESS_HINT.test(f.message))) {
      throw new TargetAccountAccessError(String(params.AccountId), operation, f.code, f.message);
    }
    throw err;
  }
}

function pickFields<K extends string>(
  obj: Record<string, unknown> | undefined,
  keys: readonly K[],
): Partial<Record<K, string>> | undefined {
  if (!obj) return undefined;
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (typeof obj[k] === 'string') out[k] = obj[k] as string;
  return out;
}

/** Reads one alternate contact (memoized for the run; invalidated after changes). */
export function readAlternateContact(ctx: StepContext, type: ContactType): Promise<AlternateContact | null> {
  const target = accountIdParam(ctx);
  return ctx.reads.once(`account:alternate-contact:${target.AccountId ?? 'self'}:${type}`, () =>
    readOrNull(ctx, 'GetAlternateContact', { AlternateContactType: type, ...target }, (r) =>
      pickFields(r?.AlternateContact, ALTERNATE_FIELD_ORDER),
    ),
  );
}

/** Reads the primary contact (memoized for the run). */
export function readPrimaryContact(ctx: StepContext): Promise<PrimaryContact | null> {
  const target = accountIdParam(ctx);
  return ctx.reads.once(`account:contact-information:${target.AccountId ?? 'self'}`, () =>
    readOrNull(ctx, 'GetContactInformation', { ...target }, (r) =>
      pickFields(r?.ContactInformation, PRIMARY_FIELD_ORDER),
    ),
  );
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
