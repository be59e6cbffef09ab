/**
 * Plans for the root-keys step: each mutating call as a Change. Pure: the gate sends them
 * (or, in --dry-run, only shows them). Root key and signing certificate calls carry no UserName:
 * IAM infers the root user from the signing key (or from the AssumeRoot session). Certificates
 * ride on the same answers as keys (`certificateIds`, absent in answers recorded before them).
 */
import type { Change } from '../../engine/types.js';
import { maskKeyId } from '../../util/text.js';
import type { RootKey, RootKeysState } from './analysis.js';
import { CREATE_PASSWORD_TASK_POLICY, DELETE_TASK_POLICY } from './read.js';
import {
  readBackCreateLoginProfile,
  readBackDeactivateMfaDevice,
  readBackDeleteAccessKey,
  readBackDeleteLoginProfile,
  readBackDeleteSigningCertificate,
  readBackUpdateAccessKey,
  readBackUpdateSigningCertificate,
} from './read-back.js';

/** The operator's decision for one round. */
export type Answers =
  /** Deactivate active keys (not the session's) and certificates: reversible, the recommended first move. */
  | { action: 'deactivate'; keyIds: string[]; certificateIds?: string[] }
  /** Delete these keys and certificates now (inactive ones, or active ones when the operator skips deactivation). */
  | { action: 'delete'; keyIds: string[]; certificateIds?: string[] }
  /** Keep deactivated keys and certificates for a while; nothing is sent. */
  | { action: 'wait'; keyIds: string[]; certificateIds?: string[]; waitDays: number; revisitAfter: string }
  /** Something broke: make these keys and certificates active again. */
  | { action: 'reactivate'; keyIds: string[]; certificateIds?: string[] }
  /** The key this session signs with, last of all. */
  | { action: 'session-key'; mode: 'delete' | 'deactivate'; keyId: string }
  /** Turn on centralized root access for the organization. */
  | { action: 'org-enable'; trustedAccess: boolean }
  /** Delete a member account's root keys and signing certificates through sts:AssumeRoot. */
  | { action: 'org-delete'; accountId: string; keyIds: string[]; certificateIds?: string[] }
  /**
   * Give a member account's root user a password again (it has none), so its owner can set one with
   * "Forgot password": asked for only, never the default (./recover.ts).
   */
  | { action: 'org-recover-password'; accountId: string };

const SESSION_KEY_WARNING =
  'This is the key this session signs with: once it is gone, this session can no longer call AWS. rootlock ' +
  'then verifies with --verify-profile if given, or prints the commands to verify from another session.';

export function deactivateChange(keyId: string, sessionKey = false): Change {
  return {
    id: `root-keys/deactivate/${keyId}`,
    step: 'root-keys',
    description: `Deactivate root access key ${maskKeyId(keyId)}`,
    service: 'iam',
    operation: 'UpdateAccessKey',
    params: { AccessKeyId: keyId, Status: 'Inactive' },
    // A key deleted meanwhile cannot be used either: the intent holds.
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning: sessionKey
      ? `${SESSION_KEY_WARNING} An inactive key can be reactivated or deleted later in the console.`
      : 'Anything still using this key fails from now on; rootlock can reactivate it if something breaks.',
    readBack: readBackUpdateAccessKey,
    // Setting the status a key already has changes nothing.
    idempotent: true,
  };
}

export function deleteChange(keyId: string, sessionKey = false): Change {
  return {
    id: `root-keys/delete/${keyId}`,
    step: 'root-keys',
    description: `Delete root access key ${maskKeyId(keyId)}${sessionKey ? ' (the key this session signs with)' : ''}`,
    service: 'iam',
    operation: 'DeleteAccessKey',
    params: { AccessKeyId: keyId },
    // Deleted elsewhere between plan and apply: already done.
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning: sessionKey ? SESSION_KEY_WARNING : 'A deleted key cannot be restored.',
    readBack: readBackDeleteAccessKey,
    // Deleting it again is answered NoSuchEntity, which counts as done.
    idempotent: true,
  };
}

export function reactivateChange(keyId: string): Change {
  return {
    id: `root-keys/reactivate/${keyId}`,
    step: 'root-keys',
    description: `Reactivate root access key ${maskKeyId(keyId)}`,
    service: 'iam',
    operation: 'UpdateAccessKey',
    params: { AccessKeyId: keyId, Status: 'Active' },
    readBack: readBackUpdateAccessKey,
    idempotent: true,
  };
}

/** Enables centralized root credentials management (and IAM trusted access first, when off). */
export function orgEnableChanges(trustedAccess: boolean): Change[] {
  const out: Change[] = [];
  if (trustedAccess) {
    out.push({
      id: 'root-keys/org/enable-iam-trusted-access',
      step: 'root-keys',
      description: 'Enable trusted access for IAM (iam.amazonaws.com) in AWS Organizations',
      service: 'organizations',
      operation: 'EnableAWSServiceAccess',
      params: { ServicePrincipal: 'iam.amazonaws.com' },
      // Enabling it again succeeds and changes nothing (no read can tell it was applied).
      idempotent: true,
    });
  }
  out.push({
    id: 'root-keys/org/enable-root-credentials-management',
    step: 'root-keys',
    description: 'Turn on centralized root credentials management for the organization (removes nothing by itself)',
    service: 'iam',
    operation: 'EnableOrganizationsRootCredentialsManagement',
    params: {},
    // Enabling it again changes nothing (no read can tell it was applied).
    idempotent: true,
  });
  return out;
}

export function orgDeleteChange(accountId: string, keyId: string): Change {
  return {
    id: `root-keys/org-delete/${accountId}/${keyId}`,
    step: 'root-keys',
    description: `Delete root access key ${maskKeyId(keyId)} of member account ${accountId}`,
    service: 'iam',
    operation: 'DeleteAccessKey',
    params: { AccessKeyId: keyId },
    session: { assumeRoot: { accountId, taskPolicy: DELETE_TASK_POLICY } },
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning:
      'The IAMDeleteRootUserCredentials task policy does not allow iam:UpdateAccessKey, so ' +
      'the key is deleted without a deactivation period. A deleted key cannot be restored.',
    // Read back with the same member-account root session the gate sends it with.
    readBack: readBackDeleteAccessKey,
    idempotent: true,
  };
}

/* ---------------- signing certificates ---------------- */

export function deactivateCertificateChange(certificateId: string): Change {
  return {
    id: `root-keys/deactivate-certificate/${certificateId}`,
    step: 'root-keys',
    description: `Deactivate root signing certificate ${certificateId}`,
    service: 'iam',
    operation: 'UpdateSigningCertificate',
    params: { CertificateId: certificateId, Status: 'Inactive' },
    // A certificate deleted meanwhile cannot sign either: the intent holds.
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning: 'Anything still signing with this certificate fails from now on; rootlock can reactivate it.',
    readBack: readBackUpdateSigningCertificate,
    idempotent: true,
  };
}

export function deleteCertificateChange(certificateId: string): Change {
  return {
    id: `root-keys/delete-certificate/${certificateId}`,
    step: 'root-keys',
    description: `Delete root signing certificate ${certificateId}`,
    service: 'iam',
    operation: 'DeleteSigningCertificate',
    params: { CertificateId: certificateId },
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning: 'A deleted signing certificate cannot be restored (it can only be uploaded again).',
    readBack: readBackDeleteSigningCertificate,
    idempotent: true,
  };
}

export function reactivateCertificateChange(certificateId: string): Change {
  return {
    id: `root-keys/reactivate-certificate/${certificateId}`,
    step: 'root-keys',
    description: `Reactivate root signing certificate ${certificateId}`,
    service: 'iam',
    operation: 'UpdateSigningCertificate',
    params: { CertificateId: certificateId, Status: 'Active' },
    readBack: readBackUpdateSigningCertificate,
    idempotent: true,
  };
}

export function orgDeleteCertificateChange(accountId: string, certificateId: string): Change {
  return {
    id: `root-keys/org-delete-certificate/${accountId}/${certificateId}`,
    step: 'root-keys',
    description: `Delete root signing certificate ${certificateId} of member account ${accountId}`,
    service: 'iam',
    operation: 'DeleteSigningCertificate',
    params: { CertificateId: certificateId },
    session: { assumeRoot: { accountId, taskPolicy: DELETE_TASK_POLICY } },
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning:
      'The IAMDeleteRootUserCredentials task policy does not allow iam:UpdateSigningCertificate, so the ' +
      'certificate is deleted without a deactivation period. A deleted certificate cannot be restored.',
    // Read back with the same member-account root session the gate sends it with.
    readBack: readBackDeleteSigningCertificate,
    idempotent: true,
  };
}

/* ---------------- a member's console password and MFA devices (centralized root access) ---------------- */

export function orgDeleteLoginProfileChange(accountId: string): Change {
  return {
    id: `root-keys/org-delete-password/${accountId}`,
    step: 'root-keys',
    description: `Delete the root user's console password of member account ${accountId}`,
    service: 'iam',
    operation: 'DeleteLoginProfile',
    // No UserName: in an AssumeRoot session IAM acts on the member's root user.
    params: {},
    session: { assumeRoot: { accountId, taskPolicy: DELETE_TASK_POLICY } },
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning:
      'Nobody can sign in as this root user afterwards, and "Forgot password" no longer works for it until ' +
      'the management account allows password recovery (sts:AssumeRoot with IAMCreateRootUserPassword: ' +
      '`rootlock --only root-keys --target-account ID`).',
    readBack: readBackDeleteLoginProfile,
    idempotent: true,
  };
}

export function orgDeactivateMfaChange(accountId: string, serialNumber: string): Change {
  return {
    id: `root-keys/org-deactivate-mfa/${accountId}/${serialNumber}`,
    step: 'root-keys',
    description: `Deactivate root MFA device ${serialNumber} of member account ${accountId}`,
    service: 'iam',
    operation: 'DeactivateMFADevice',
    // No UserName: IAM lets root credentials omit it only in an AssumeRoot session (DeactivateMFADevice API).
    params: { SerialNumber: serialNumber },
    session: { assumeRoot: { accountId, taskPolicy: DELETE_TASK_POLICY } },
    alreadyDoneCodes: ['NoSuchEntity'],
    destructive: true,
    warning:
      'The device no longer protects this root user; sent after its password is gone, so the root user is ' +
      'never left with a password and no MFA.',
    readBack: readBackDeactivateMfaDevice,
    idempotent: true,
  };
}

/**
 * Password recovery for a member's root user: iam:CreateLoginProfile without a password in an
 * IAMCreateRootUserPassword session. AWS then requires a reset: the owner of the root email address
 * sets the password with "Forgot password" on the sign-in page.
 */
export function orgCreateLoginProfileChange(accountId: string): Change {
  return {
    id: `root-keys/org-recover-password/${accountId}`,
    step: 'root-keys',
    description: `Allow password recovery for the root user of member account ${accountId} (no password is set)`,
    service: 'iam',
    operation: 'CreateLoginProfile',
    // No UserName and no Password: AWS creates a password that must be reset before use.
    params: {},
    session: { assumeRoot: { accountId, taskPolicy: CREATE_PASSWORD_TASK_POLICY } },
    // A password exists already: recovery is possible, which is the intent.
    alreadyDoneCodes: ['EntityAlreadyExists'],
    warning:
      'Whoever receives email at the root user\'s address can then set its password with "Forgot password" ' +
      'and sign in as root.',
    readBack: readBackCreateLoginProfile,
    idempotent: true,
  };
}

function byId(state: RootKeysState, id: string): RootKey | undefined {
  return state.keys.find((k) => k.id === id);
}

/**
 * The changes for one round (a real run stages removal over rounds: deactivate, then delete, the session's own
 * key last).
 */
export function buildPlan(state: RootKeysState, answers: Answers): Change[] {
  switch (answers.action) {
    case 'deactivate':
      return [
        ...(answers.certificateIds ?? []).map((id) => deactivateCertificateChange(id)),
        ...answers.keyIds.map((id) => deactivateChange(id, byId(state, id)?.sessionKey)),
      ];
    case 'delete':
      return [
        ...(answers.certificateIds ?? []).map((id) => deleteCertificateChange(id)),
        ...answers.keyIds.map((id) => deleteChange(id, byId(state, id)?.sessionKey)),
      ];
    case 'wait':
      return [];
    case 'reactivate':
      return [
        ...(answers.certificateIds ?? []).map((id) => reactivateCertificateChange(id)),
        ...answers.keyIds.map((id) => reactivateChange(id)),
      ];
    case 'session-key':
      return [answers.mode === 'delete' ? deleteChange(answers.keyId, true) : deactivateChange(answers.keyId, true)];
    case 'org-enable':
      return orgEnableChanges(answers.trustedAccess);
    case 'org-delete':
      return [
        ...(answers.certificateIds ?? []).map((id) => orgDeleteCertificateChange(answers.accountId, id)),
        ...answers.keyIds.map((id) => orgDeleteChange(answers.accountId, id)),
      ];
    case 'org-recover-password':
      return [orgCreateLoginProfileChange(answers.accountId)];
  }
}

/**
 * The rest of the removal path after this round: what later rounds propose once it is applied
 * (keys deactivated now are deleted, the session's own key last). A dry run stops after its
 * first plan, so it shows these with it.
 */
export function planAhead(state: RootKeysState, answers: Answers): Change[] {
  const session = state.keys.find((k) => k.sessionKey && k.id);
  const sessionTail = (already: string[]): Change[] =>
    session?.id && !already.includes(session.id) ? [deleteChange(session.id, true)] : [];
  switch (answers.action) {
    case 'deactivate': {
      const inactive = state.keys.filter((k) => k.id && !k.active && !k.sessionKey).map((k) => k.id as string);
      const toDelete = [...answers.keyIds, ...inactive];
      const inactiveCerts = (state.certificates ?? []).filter((c) => c.id && !c.active).map((c) => c.id as string);
      const certsToDelete = [...(answers.certificateIds ?? []), ...inactiveCerts];
      return [
        ...certsToDelete.map((id) => deleteCertificateChange(id)),
        ...toDelete.map((id) => deleteChange(id)),
        ...sessionTail(toDelete),
      ];
    }
    case 'delete':
      return sessionTail(answers.keyIds);
    default:
      return [];
  }
}
