import { controls } from '../../engine/controls.js';
import type { StepMeta } from '../../engine/types.js';

/** Step metadata: why it exists, what it protects against, and the controls it maps to. */
export const meta: StepMeta = {
  id: 'admins',
  title: 'Administrators',
  why:
    'Before the root user steps aside, the account needs 2 or 3 people with full administrative rights (IAM ' +
    'users, or IAM Identity Center users where the account is accessed through it): ' +
    'at least 2 so that one lost person, password or MFA device does not force a return to root, ' +
    'at most 3 (shadow admins included) so that few people hold the keys to everything.',
  risk:
    'With fewer than 2 admins, day-to-day administration falls back to the root user, ' +
    'or one lost device locks the account. ' +
    'With more than 3, every extra admin (or user who can make itself one) is another password, MFA device and ' +
    'access key an attacker can steal.',
  controls: controls(
    'root-use',
    'password-length',
    'password-reuse',
    'console-mfa',
    'unused-credentials',
    'key-rotation',
    'permissions-through-groups',
    'full-admin-policy',
    'password-complexity',
  ),
  consoleLinks: [
    { label: 'IAM users', url: 'https://console.aws.amazon.com/iam/home#/users' },
    { label: 'IAM user groups', url: 'https://console.aws.amazon.com/iam/home#/groups' },
    { label: 'Account password policy', url: 'https://console.aws.amazon.com/iam/home#/account_settings' },
    { label: 'Credential report', url: 'https://console.aws.amazon.com/iam/home#/credential_report' },
  ],
  docs: 'docs/steps/admins.md',
  handoff: {
    message:
      "The account has its administrators now, so the rest does not need the root user, except removing root's own " +
      'keys.',
  },
};

/** Fewest full-admin IAM users the step accepts. */
export const MIN_ADMINS = 2;
/** Most admins plus shadow admins (IAM users) the step accepts. */
export const MAX_ADMINS = 3;

/** The AWS managed policy the admin group gets. */
export const ADMINISTRATOR_ACCESS_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

/** Tag rootlock puts on every user it creates. */
export const CREATED_BY_TAG = { Key: 'created-by', Value: 'rootlock' } as const;

/**
 * Tag rootlock puts on a user while setting it up and removes as the last change of the
 * setup: a user that still carries it was left half-done (a failed or interrupted round).
 */
export const SETUP_TAG = { Key: 'rootlock-setup', Value: 'pending' } as const;

/** Active access keys older than this are reported (CIS v5.0.0 1.13, Security Hub IAM.3). */
export const KEY_MAX_AGE_DAYS = 90;

/** Credentials unused for this long are reported (CIS v5.0.0 1.11, Security Hub IAM.22). */
export const UNUSED_DAYS = 45;

/**
 * The password policy rootlock offers when the account has none: CIS v5.0.0 1.7 (length
 * >= 14) and 1.8 (reuse prevention 24), every character class (Security Hub IAM.7). No
 * maximum age: CIS v5.0.0 has no expiry recommendation (NIST SP 800-63B advises against
 * periodic expiry), so passwords do not expire and `HardExpiry` stays off.
 */
export const STRONG_PASSWORD_POLICY = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  PasswordReusePrevention: 24,
} as const;

/** The console sign-in URL of an account: its alias when it has one, else its id. */
export function signInUrl(account: { id: string; alias?: string }): string {
  return `https://${account.alias ?? account.id}.signin.aws.amazon.com/console`;
}

/** The console page where a user's MFA devices are assigned. */
export function mfaConsoleUrl(userName: string): string {
  return (
    `https://console.aws.amazon.com/iam/home#/users/details/${encodeURIComponent(userName)}` +
    `?section=security_credentials`
  );
}
