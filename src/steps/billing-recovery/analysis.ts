/**
 * Pure analysis for the billing-recovery step: AWS's answers (alternate contacts,
 * primary contact) plus this session's attestations in, findings and the check-JSON
 * details out. No AWS calls, no prompts.
 */
import { controls as topicControls } from '../../engine/controls.js';
import type { Attestation } from '../../engine/manual.js';
import type { Assessment, Finding } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { BILLING_ACCOUNT_PAGE } from './meta.js';
import {
  ALTERNATE_FIELD_ORDER,
  alternateContactProblems,
  PRIMARY_FIELD_ORDER,
  primaryFieldProblems,
  requiredPrimaryFields,
  unsafeCharacterProblem,
  type AlternateContactValues,
  type AlternateField,
  type PrimaryField,
} from './validation.js';

/** The three alternate contact types, in the order the step asks about them. */
export const CONTACT_TYPES = ['BILLING', 'OPERATIONS', 'SECURITY'] as const;
export type ContactType = (typeof CONTACT_TYPES)[number];

/** An alternate contact as GetAlternateContact returned it (fields may be missing). */
export type AlternateContact = Partial<AlternateContactValues>;

/** The primary contact as GetContactInformation returned it. */
export type PrimaryContact = Partial<Record<PrimaryField, string>>;

/** The item ids of things only the operator can confirm. */
export const BILLING_ACCESS_ITEM = 'iam-billing-access';

/** What the step reads. */
export interface BillingRecoveryState {
  /** The account the Account API answered for (the target account, or the caller's). */
  accountId: string;
  /** True when calls carry AccountId (a member account, from the management account). */
  targeted: boolean;
  /** null: never set (ResourceNotFoundException). */
  alternateContacts: Record<ContactType, AlternateContact | null>;
  /** null: AWS holds no primary contact (ResourceNotFoundException). */
  primaryContact: PrimaryContact | null;
  /** Attestations recorded in this session (earlier sessions' cannot be read from AWS). */
  attestations: Attestation[];
  /** What this session sent, to compare with what AWS now answers (verification by reading back). */
  written: { alternate: Partial<Record<ContactType, AlternateContactValues>>; primary?: PrimaryContact };
}

/** Control ids (src/engine/controls.ts): contact details, the security contact, security questions (v3.0.0 only). */
export const CONTROLS = {
  contactDetails: topicControls('contact-details'),
  securityContact: topicControls('security-contact'),
  securityQuestions: topicControls('security-questions'),
} as const;

/** What the operator must do for IAM access to billing, in words. */
export const BILLING_ACCESS_INSTRUCTIONS = [
  `Sign in as the root user and open ${BILLING_ACCOUNT_PAGE}.`,
  'Scroll to "IAM user and role access to Billing information" and choose Edit.',
  'Select "Activate IAM Access" and choose Update.',
];

/** The fields of an alternate contact that are missing (absent or blank). */
export function missingAlternateFields(c: AlternateContact): AlternateField[] {
  return ALTERNATE_FIELD_ORDER.filter((f) => !c[f] || !String(c[f]).trim());
}

/** The required primary-contact fields that are missing (StateOrRegion only for the countries that need it). */
export function missingPrimaryFields(p: PrimaryContact | null): PrimaryField[] {
  const record = p ?? {};
  return requiredPrimaryFields(record.CountryCode).filter((f) => !record[f] || !String(record[f]).trim());
}

/** Fields (alternate or primary) that hold control or invisible characters. */
export function fieldsWithUnsafeCharacters(values: Record<string, string | undefined>): string[] {
  return Object.entries(values)
    .filter(([, v]) => typeof v === 'string' && unsafeCharacterProblem(v) !== undefined)
    .map(([k]) => k);
}

function normEmail(e: string | undefined): string {
  return (e ?? '').trim().toLowerCase();
}

function normName(n: string | undefined): string {
  return (n ?? '').trim().normalize('NFKC').toLowerCase().replace(/\s+/g, ' ');
}

/**
 * The other contact types that share the security contact's person and mailbox (same
 * e-mail address; the name too when both have one). One mailbox going stale then
 * silences billing, operations and security notices at once.
 */
export function securitySharedWith(contacts: Record<ContactType, AlternateContact | null>): ContactType[] {
  const sec = contacts.SECURITY;
  if (!sec?.EmailAddress) return [];
  return (['BILLING', 'OPERATIONS'] as const).filter((t) => {
    const other = contacts[t];
    if (!other?.EmailAddress) return false;
    if (normEmail(other.EmailAddress) !== normEmail(sec.EmailAddress)) return false;
    return !sec.Name || !other.Name || normName(sec.Name) === normName(other.Name);
  });
}

/** The fields of `sent` that AWS answers differently (or not at all). */
export function readBackDifferences(
  sent: Record<string, string | undefined>,
  got: Record<string, string | undefined> | null,
): string[] {
  return Object.entries(sent)
    .filter(([, v]) => v !== undefined && v !== '')
    .filter(([k, v]) => (got?.[k] ?? '') !== v)
    .map(([k]) => k);
}

/** Longer than any Account API field (WebsiteUrl: 256), so only text grown by escapes is ever cut. */
const DETAIL_MAX = 300;

/**
 * Keeps only the documented fields, so details hold nothing beyond what AWS returned for
 * these shapes. Values are kept as AWS returned them (e-mails and phones unmasked), passed
 * through `sanitize` as docs/check-json.md promises for account strings: a valid contact is
 * unchanged, a planted escape sequence becomes visible text (`\x1b[31m`).
 */
function pick<K extends string>(
  obj: Record<string, unknown> | null,
  keys: readonly K[],
): Partial<Record<K, string>> | null {
  if (!obj) return null;
  const out: Partial<Record<K, string>> = {};
  for (const k of keys) if (typeof obj[k] === 'string') out[k] = sanitize(obj[k] as string, { maxLength: DETAIL_MAX });
  return out;
}

/**
 * A remediation this step carries out, worded for where it is read: `check`, reports and Security
 * Hub name the command that runs the step; the wizard, where the step is on screen, says "this step".
 */
function withThisStep(
  state: BillingRecoveryState,
  text: (by: string) => string,
): Pick<Finding, 'remediation' | 'wizardRemediation'> {
  const command = `rootlock --only billing-recovery${state.targeted ? ` --target-account ${state.accountId}` : ''}`;
  return { remediation: text(`with \`${command}\``), wizardRemediation: text('with this step') };
}

/** The assessment of the step. */
export function assessBillingRecovery(state: BillingRecoveryState): Assessment {
  const findings: Finding[] = [];
  const resource = state.accountId;
  const notComplete: string[] = [];

  for (const type of CONTACT_TYPES) {
    const c = state.alternateContacts[type];
    const controls = type === 'SECURITY' ? [...CONTROLS.securityContact] : [...CONTROLS.contactDetails];
    if (!c) {
      notComplete.push(`${type.toLowerCase()} contact`);
      findings.push({
        id: `billing-recovery.contact.${type}.missing`,
        kind: 'fail',
        severity: type === 'SECURITY' ? 'high' : 'medium',
        resource,
        message: `No ${type} alternate contact is set.`,
        controls,
        ...withThisStep(
          state,
          (by) => `Set it ${by} (account:PutAlternateContact) or in the console under Account > Alternate contacts.`,
        ),
      });
      continue;
    }
    const missing = missingAlternateFields(c);
    if (missing.length > 0) {
      notComplete.push(`${type.toLowerCase()} contact`);
      findings.push({
        id: `billing-recovery.contact.${type}.incomplete`,
        kind: 'fail',
        severity: 'medium',
        resource,
        message: `The ${type} alternate contact lacks: ${missing.join(', ')}.`,
        controls,
        ...withThisStep(state, (by) => `Enter the missing details ${by}.`),
      });
    }
    const unsafe = fieldsWithUnsafeCharacters(c);
    if (unsafe.length > 0) {
      findings.push({
        id: `billing-recovery.contact.${type}.unsafe-characters`,
        kind: 'warn',
        severity: 'medium',
        resource,
        message:
          `The ${type} alternate contact's ${unsafe.join(', ')} holds control or ` +
          `invisible characters (for example a terminal escape sequence); rootlock ` +
          `shows them escaped. Someone may have planted them to disguise the contact.`,
        controls,
        ...withThisStep(state, (by) => `Check the contact in the console and re-enter it ${by}.`),
      });
    } else if (missing.length === 0) {
      const invalid = Object.keys(alternateContactProblems(c));
      if (invalid.length > 0) {
        findings.push({
          id: `billing-recovery.contact.${type}.invalid`,
          kind: 'warn',
          severity: 'low',
          resource,
          message:
            `The ${type} alternate contact's ${invalid.join(', ')} would ` +
            `not pass AWS's current rules or rootlock's look-alike checks.`,
          controls,
          ...withThisStep(state, (by) => `Re-enter the contact ${by}.`),
        });
      }
    }
  }

  const shared = securitySharedWith(state.alternateContacts);
  if (shared.length > 0) {
    findings.push({
      id: 'billing-recovery.contact.SECURITY.shared',
      kind: 'warn',
      severity: 'low',
      resource,
      message:
        `The SECURITY contact is the same person and mailbox as the ` +
        `${shared.join(' and ')} contact${shared.length > 1 ? 's' : ''}: if that one ` +
        `mailbox goes stale, AWS's security notices are lost along with the rest.`,
      controls: [...CONTROLS.securityContact],
      remediation: 'Use a security team alias (a distribution list several people read) for the SECURITY contact.',
    });
  }

  const primary = state.primaryContact;
  const primaryMissing = missingPrimaryFields(primary);
  if (!primary) {
    notComplete.push('primary contact');
    findings.push({
      id: 'billing-recovery.primary.missing',
      kind: 'fail',
      severity: 'medium',
      resource,
      message: 'AWS holds no primary contact information for the account.',
      controls: [...CONTROLS.contactDetails],
      ...withThisStep(
        state,
        (by) => `Enter it ${by} (account:PutContactInformation) or in the console under Account > Contact information.`,
      ),
    });
  } else if (primaryMissing.length > 0) {
    notComplete.push('primary contact');
    findings.push({
      id: 'billing-recovery.primary.incomplete',
      kind: 'fail',
      severity: 'medium',
      resource,
      message: `The primary contact lacks: ${primaryMissing.join(', ')}.`,
      controls: [...CONTROLS.contactDetails],
      ...withThisStep(state, (by) => `Enter the missing fields ${by}; the rest of the record is kept.`),
    });
  }
  if (primary) {
    const unsafe = fieldsWithUnsafeCharacters(primary);
    const invalid = Object.keys(primaryFieldProblems(primary)).filter((f) => !unsafe.includes(f));
    if (unsafe.length > 0) {
      findings.push({
        id: 'billing-recovery.primary.unsafe-characters',
        kind: 'warn',
        severity: 'medium',
        resource,
        message:
          `The primary contact's ${unsafe.join(', ')} holds control ` +
          `or invisible characters; rootlock shows them escaped.`,
        controls: [...CONTROLS.contactDetails],
        remediation: 'Check the primary contact in the console and correct it.',
      });
    }
    if (invalid.length > 0) {
      findings.push({
        id: 'billing-recovery.primary.invalid',
        kind: 'warn',
        severity: 'low',
        resource,
        message:
          `The primary contact's ${invalid.join(', ')} would not pass AWS's current ` +
          `rules; PutContactInformation sends the whole record, so rootlock asks for ` +
          `${invalid.length === 1 ? 'it' : 'them'} again when it updates the record.`,
        controls: [...CONTROLS.contactDetails],
      });
    }
  }

  // Verification by reading back: what this session sent must be what AWS now holds.
  for (const type of CONTACT_TYPES) {
    const sent = state.written.alternate[type];
    if (!sent) continue;
    const diff = readBackDifferences({ ...sent }, state.alternateContacts[type]);
    if (diff.length > 0) {
      findings.push({
        id: `billing-recovery.contact.${type}.not-verified`,
        kind: 'fail',
        severity: 'medium',
        resource,
        message:
          `Reading the ${type} contact back, AWS holds different ${diff.join(', ')} ` +
          `than this session sent (the write failed or was changed since).`,
        controls: type === 'SECURITY' ? [...CONTROLS.securityContact] : [...CONTROLS.contactDetails],
      });
    }
  }
  if (state.written.primary) {
    const diff = readBackDifferences(state.written.primary, state.primaryContact);
    if (diff.length > 0) {
      findings.push({
        id: 'billing-recovery.primary.not-verified',
        kind: 'fail',
        severity: 'medium',
        resource,
        message: `Reading the primary contact back, AWS holds different ${diff.join(', ')} than this session sent.`,
        controls: [...CONTROLS.contactDetails],
      });
    }
  }

  findings.push({
    id: 'billing-recovery.security-questions',
    kind: 'retired',
    severity: 'info',
    resource,
    message:
      'Security challenge questions are retired: AWS stopped accepting new ' +
      'ones on 2024-01-05 and edits on 2025-01-06, and never offered an API ' +
      'for them. CIS v5.0.0 dropped the recommendation (it was 1.3 in v3.0.0).',
    controls: [...CONTROLS.securityQuestions],
    remediation:
      'Nothing to set. Account recovery now rests on the alternate ' +
      'contacts (billing-recovery step) and MFA on the root user (root-keys step).',
  });

  const attested = state.attestations.filter((a) => a.item === BILLING_ACCESS_ITEM);
  const last = attested.at(-1);
  findings.push({
    id: 'billing-recovery.billing-access',
    kind: 'manual',
    severity: 'info',
    resource,
    message: last
      ? `IAM user and role access to Billing information: attested by ${last.by} ` +
        `at ${last.at} (manual evidence; no AWS API can read this setting).`
      : 'IAM user and role access to Billing information cannot be read through any AWS API; check ' +
        "it in the console. An attestation recorded in an earlier run is in that run's journal only.",
    controls: [],
    remediation: BILLING_ACCESS_INSTRUCTIONS.join(' '),
  });

  const failing = findings.some((f) => f.kind === 'fail');
  const summary = failing
    ? notComplete.length > 0
      ? `Incomplete: ${notComplete.join(', ')}.`
      : 'Contacts could not be verified by reading them back.'
    : `The three alternate contacts and the primary contact are ` +
      `complete${state.written.primary || Object.keys(state.written.alternate).length ? ' and verified' : ''}; ` +
      `billing access for IAM is a manual item.`;

  return {
    status: failing ? 'fail' : 'pass',
    summary,
    findings,
    details: {
      alternateContacts: Object.fromEntries(
        CONTACT_TYPES.map((t) => [t, pick(state.alternateContacts[t], ALTERNATE_FIELD_ORDER)]),
      ),
      primaryContact: pick(state.primaryContact, PRIMARY_FIELD_ORDER),
      attestations: state.attestations.map((a) => ({ ...a })),
      ...(state.targeted ? { targetAccount: state.accountId } : {}),
    },
  };
}
