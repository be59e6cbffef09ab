/**
 * How the billing-recovery step's changes are read back when AWS's answer to one was lost (see
 * src/aws/read-back.ts): plan.ts attaches each of these to the change it builds, so the gate
 * can tell an applied call from one to send again.
 */
import { orMissing, type ReadBack } from '../../aws/read-back.js';

/** account:PutContactInformation: the primary contact has every field sent. */
export const readBackPutContactInformation: ReadBack = async (read, p) => {
  const r = await orMissing(read('account', 'GetContactInformation', p.AccountId ? { AccountId: p.AccountId } : {}));
  const have = (r?.ContactInformation ?? {}) as Record<string, unknown>;
  const want = (p.ContactInformation ?? {}) as Record<string, unknown>;
  if (!r?.ContactInformation) return 'absent';
  return Object.entries(want).every(([k, v]) => have[k] === v) ? 'in-place' : 'absent';
};

/** account:PutAlternateContact: the contact of that type has the name, title, email and phone sent. */
export const readBackPutAlternateContact: ReadBack = async (read, p) => {
  const r = await orMissing(
    read('account', 'GetAlternateContact', {
      AlternateContactType: p.AlternateContactType,
      ...(p.AccountId ? { AccountId: p.AccountId } : {}),
    }),
  );
  const c = r?.AlternateContact;
  if (!c) return 'absent';
  return ['Name', 'Title', 'EmailAddress', 'PhoneNumber'].every((f) => c[f] === p[f]) ? 'in-place' : 'absent';
};
