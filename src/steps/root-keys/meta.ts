/**
 * Metadata of the root-keys step: why it exists, what it protects against, the controls it
 * maps to and the console pages the operator may need.
 */
import { controls } from '../../engine/controls.js';
import type { StepMeta } from '../../engine/types.js';

/** The root user's Security credentials page (access keys, MFA), signed in as root. */
export const SECURITY_CREDENTIALS_URL = 'https://console.aws.amazon.com/iam/home#/security_credentials';

/** The IAM console's centralized root access page (management or delegated admin account). */
export const ROOT_ACCESS_MANAGEMENT_URL = 'https://console.aws.amazon.com/iam/home#/root-access-management';

/** The steps that prepare the account for losing its root keys, assessed before this one reads. */
export const PREREQUISITE_IDS = ['admins', 'ec2-roles', 'billing-recovery'] as const;

/** Controls a root access key violates. */
export const KEY_CONTROLS = controls('root-access-key');

/** Controls root MFA satisfies. */
export const MFA_CONTROLS = controls('root-mfa');

export const meta: StepMeta = {
  id: 'root-keys',
  title: 'Root access keys',
  why:
    "The root user's API credentials (access keys and X.509 signing certificates) carry unlimited power over " +
    'the account and no policy can limit them. Delete them; use IAM users or roles instead.',
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
