/**
 * The next steps beyond the four: short, read-only checks of what the same blog series
 * recommends after the root keys are gone. They are advisory entries of the registry, not steps
 * of the wizard (no questions, no changes): rootlock reports them after the four, and they never
 * change a step's outcome or the exit code.
 *
 * Controls come from the table in src/engine/controls.ts (where each number was checked).
 * "Only one active access key" (CIS v5.0.0 1.12, v6.0.0 2.12) has no Security Hub control and is
 * not in CIS v7.0.0; Account.2 (part of an organization) has no CIS recommendation; whether the
 * contacts are different people is CIS "Maintain current contact details", whose text asks for
 * contact details that reach more than one individual.
 */
import { controls } from '../../engine/controls.js';
import type { AdvisoryMeta } from '../../engine/types.js';

/** The next steps' ids, in the order they run and are reported. */
export const NEXT_STEP_IDS = [
  'root-mfa',
  'root-hardware-mfa',
  'console-mfa',
  'unused-credentials',
  'two-active-keys',
  'old-access-keys',
  'password-policy',
  's3-public-access-block',
  'organization-member',
  'contacts-distinct',
] as const;
/** One next step's id. */
export type NextStepId = (typeof NEXT_STEP_IDS)[number];

/** A next step's metadata: an advisory entry's, with its id narrowed to the ids above. */
export interface NextStepMeta extends AdvisoryMeta {
  id: NextStepId;
}

/** Days after which an active access key is due for rotation (CIS v5.0.0 1.13). */
export const KEY_MAX_AGE_DAYS = 90;
/** Days without use after which a credential should be disabled (CIS v5.0.0 1.11). */
export const UNUSED_DAYS = 45;
/** Minimum password length (CIS v5.0.0 1.7, Security Hub IAM.15). */
export const MIN_PASSWORD_LENGTH = 14;
/** Passwords remembered (CIS v5.0.0 1.8; Security Hub IAM.16 checks for exactly 24). */
export const PASSWORD_REUSE_PREVENTION = 24;

/** Every next step's metadata, by id, in {@link NEXT_STEP_IDS} order (the registry lists them so). */
export const NEXT_STEPS: Record<NextStepId, NextStepMeta> = {
  'root-mfa': {
    id: 'root-mfa',
    kind: 'advisory',
    severity: 'critical',
    title: 'MFA on the root user',
    controls: controls('root-mfa'),
    remediation:
      'Sign in as the root user and assign an MFA device under Security credentials; a hardware key is best.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html',
  },
  'root-hardware-mfa': {
    id: 'root-hardware-mfa',
    kind: 'advisory',
    severity: 'critical',
    title: 'Hardware MFA on the root user',
    controls: controls('root-hardware-mfa'),
    remediation:
      'Give the root user a hardware MFA device (FIDO security key or hardware TOTP token) and remove the virtual one.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-mfa-for-root.html',
  },
  'console-mfa': {
    id: 'console-mfa',
    kind: 'advisory',
    severity: 'medium',
    title: 'MFA for every console user',
    controls: controls('console-mfa'),
    remediation:
      'Each of these users signs in and assigns an MFA device ' +
      '(IAM > Users > Security credentials > Assign MFA device).',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html',
  },
  'unused-credentials': {
    id: 'unused-credentials',
    kind: 'advisory',
    severity: 'medium',
    title: `Credentials unused for ${UNUSED_DAYS} days or more`,
    controls: controls('unused-credentials'),
    remediation: 'Deactivate or delete these access keys and remove console passwords nobody uses.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_finding-unused.html',
  },
  'two-active-keys': {
    id: 'two-active-keys',
    kind: 'advisory',
    severity: 'low',
    title: 'Only one active access key per user',
    controls: controls('one-active-key'),
    remediation:
      'Keep two active keys only while rotating: switch to the new key, then deactivate and delete the old one.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id-credentials-access-keys-update.html',
  },
  'old-access-keys': {
    id: 'old-access-keys',
    kind: 'advisory',
    severity: 'medium',
    title: `Access keys rotated within ${KEY_MAX_AGE_DAYS} days`,
    controls: controls('key-rotation'),
    remediation:
      'Rotate these keys (create a new key, switch to it, deactivate ' +
      'and delete the old one), or replace them with roles.',
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id-credentials-access-keys-update.html',
  },
  'password-policy': {
    id: 'password-policy',
    kind: 'advisory',
    severity: 'medium',
    title: 'Account password policy',
    controls: controls('password-length', 'password-reuse'),
    remediation:
      `Set a password policy with a minimum length of ${MIN_PASSWORD_LENGTH} or more and ` +
      `password reuse prevention of ${PASSWORD_REUSE_PREVENTION} (IAM > Account settings).`,
    url: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html',
  },
  's3-public-access-block': {
    id: 's3-public-access-block',
    kind: 'advisory',
    severity: 'medium',
    title: 'S3 Block Public Access for the account',
    controls: controls('s3-public-access-block'),
    remediation:
      'Turn on all four Block Public Access settings for the account ' +
      '(S3 console > Block Public Access settings for this account).',
    url: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html',
  },
  'organization-member': {
    id: 'organization-member',
    kind: 'advisory',
    // Security Hub CSPM rates Account.2 High.
    severity: 'high',
    title: 'The account belongs to an AWS Organization',
    controls: controls('organization-member'),
    remediation:
      'Create an organization from this account (AWS Organizations > Create an organization), or accept an ' +
      "invitation from your company's organization; then turn on centralized root access in its management account.",
    url: 'https://docs.aws.amazon.com/organizations/latest/userguide/orgs_tutorials_basic.html',
  },
  'contacts-distinct': {
    id: 'contacts-distinct',
    kind: 'advisory',
    severity: 'low',
    title: 'More than one person behind the account contacts',
    controls: controls('contact-details'),
    remediation:
      'Give at least one of the billing, operations and security alternate contacts (or the primary contact) to ' +
      'another person or a monitored team address (Account > Alternate contacts). A one-person company may ' +
      'accept this.',
    url: 'https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-update-contact-alternate.html',
  },
};
