/**
 * Metadata of the root-keys step: why it exists, what it protects against, the controls it
 * maps to and the console pages the operator may need.
 */
import type { StepMeta } from '../../engine/types.js';

/** The root user's Security credentials page (access keys, MFA), signed in as root. */
export const SECURITY_CREDENTIALS_URL = 'https://console.aws.amazon.com/iam/home#/security_credentials';

/** The IAM console's centralized root access page (management or delegated admin account). */
export const ROOT_ACCESS_MANAGEMENT_URL = 'https://console.aws.amazon.com/iam/home#/root-access-management';

/** The steps that prepare the account for losing its root keys, assessed before this one reads. */
export const PREREQUISITE_IDS = ['admins', 'ec2-roles', 'billing-recovery'] as const;

/** Controls a root access key violates. */
export const KEY_CONTROLS = ['CIS v5.0.0 1.3', 'CIS v3.0.0 1.4', 'Security Hub IAM.4'];

/** Controls root MFA satisfies. */
export const MFA_CONTROLS = ['CIS v5.0.0 1.4', 'CIS v3.0.0 1.5', 'Security Hub IAM.9'];

export const meta: StepMeta = {
  id: 'root-keys',
  title: 'Root access keys',
  why:
    'Root access keys carry unlimited power over the account and no ' +
    'policy can limit them. Delete them; use IAM users or roles instead.',
  risk: 'A leaked root key gives an attacker the whole account, including closing it and locking everyone else out.',
  needsRoot:
    'only the root user can remove its own access keys in an ' +
    "account outside AWS Organizations' centralized root access",
  // The step's verdict is about root keys only; root MFA's controls ride on its own warning and the root-mfa next step.
  controls: [...KEY_CONTROLS],
  consoleLinks: [
    { label: 'Root user security credentials (sign in as root)', url: SECURITY_CREDENTIALS_URL },
    { label: 'Centralized root access (Organizations management account)', url: ROOT_ACCESS_MANAGEMENT_URL },
  ],
  docs: 'docs/steps/root-keys.md',
  requires: [...PREREQUISITE_IDS],
  // check --org reads a member's root credentials from the management account (sts:AssumeRoot).
  orgReach: 'root-session',
};
