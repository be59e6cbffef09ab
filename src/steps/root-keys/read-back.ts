/**
 * How the root-keys step's changes (access keys, signing certificates, the console password and
 * MFA devices) are read back when AWS's answer to one was lost (see src/aws/read-back.ts): plan.ts
 * attaches each of these to the change it builds, so the gate can tell an applied call from one to
 * send again.
 */
import { allMarkerPages, orMissing, type ReadBack, type ReadCall } from '../../aws/read-back.js';

/** The access keys of `userName`, or (without one) of the signing principal: the root user here. */
async function accessKeys(
  read: ReadCall,
  userName: string | undefined,
): Promise<Array<{ AccessKeyId?: string; Status?: string }>> {
  return allMarkerPages(read, 'ListAccessKeys', userName ? { UserName: userName } : {}, (p) => p?.AccessKeyMetadata);
}

/** iam:UpdateAccessKey: the key has the status sent (a deleted key counts as inactive). */
export const readBackUpdateAccessKey: ReadBack = async (read, p) => {
  const key = (await accessKeys(read, p.UserName)).find((k) => k.AccessKeyId === p.AccessKeyId);
  // A deleted key is as unusable as an inactive one (the changes that deactivate say so too).
  if (!key) return p.Status === 'Inactive' ? 'in-place' : 'conflict';
  return key.Status === p.Status ? 'in-place' : 'absent';
};

/** iam:DeleteAccessKey: the key is no longer listed. */
export const readBackDeleteAccessKey: ReadBack = async (read, p) =>
  (await accessKeys(read, p.UserName)).some((k) => k.AccessKeyId === p.AccessKeyId) ? 'absent' : 'in-place';

/** The signing certificates of `userName`, or (without one) of the signing principal: the root user here. */
async function signingCertificates(
  read: ReadCall,
  userName: string | undefined,
): Promise<Array<{ CertificateId?: string; Status?: string }>> {
  return allMarkerPages(
    read,
    'ListSigningCertificates',
    userName ? { UserName: userName } : {},
    (p) => p?.Certificates,
  );
}

/** iam:UpdateSigningCertificate: the certificate has the status sent (a deleted one counts as inactive). */
export const readBackUpdateSigningCertificate: ReadBack = async (read, p) => {
  const cert = (await signingCertificates(read, p.UserName)).find((c) => c.CertificateId === p.CertificateId);
  if (!cert) return p.Status === 'Inactive' ? 'in-place' : 'conflict';
  return cert.Status === p.Status ? 'in-place' : 'absent';
};

/** iam:DeleteSigningCertificate: the certificate is no longer listed. */
export const readBackDeleteSigningCertificate: ReadBack = async (read, p) =>
  (await signingCertificates(read, p.UserName)).some((c) => c.CertificateId === p.CertificateId)
    ? 'absent'
    : 'in-place';

/** The console password of `userName`, or (without one) of the AssumeRoot session's root user; undefined when none. */
async function loginProfile(read: ReadCall, userName: string | undefined): Promise<unknown> {
  return (await orMissing(read('iam', 'GetLoginProfile', userName ? { UserName: userName } : {})))?.LoginProfile;
}

/** iam:DeleteLoginProfile: GetLoginProfile answers NoSuchEntity. */
export const readBackDeleteLoginProfile: ReadBack = async (read, p) =>
  (await loginProfile(read, p.UserName)) ? 'absent' : 'in-place';

/** iam:CreateLoginProfile: GetLoginProfile finds a password. */
export const readBackCreateLoginProfile: ReadBack = async (read, p) =>
  (await loginProfile(read, p.UserName)) ? 'in-place' : 'absent';

/** iam:DeactivateMFADevice: the device is no longer listed for the user (the root user without a name). */
export const readBackDeactivateMfaDevice: ReadBack = async (read, p) =>
  (
    await allMarkerPages<{ SerialNumber?: string }>(
      read,
      'ListMFADevices',
      p.UserName ? { UserName: p.UserName } : {},
      (page) => page?.MFADevices,
    )
  ).some((d) => d.SerialNumber === p.SerialNumber)
    ? 'absent'
    : 'in-place';
