/**
 * MFA devices as IAM lists them. Pure.
 */

/** An MFA device's kind: virtual (an authenticator app), FIDO security key or passkey, or hardware TOTP token. */
export type MfaKind = 'virtual' | 'fido' | 'hardware';

/**
 * An MFA device's kind from its serial number (iam:ListMFADevices): a virtual device's serial is
 * its ARN (`arn:aws:iam::<acct>:mfa/<name>`), a FIDO security key's or passkey's an ARN with `:u2f/`,
 * and a hardware TOTP token's the token's own serial (`GAHT12345678`).
 */
export function mfaKind(serial: string): MfaKind {
  if (serial.startsWith('arn:') && serial.includes(':u2f/')) return 'fido';
  if (serial.startsWith('arn:') && serial.includes(':mfa/')) return 'virtual';
  return 'hardware';
}
