/**
 * Plan building for the billing-recovery step: answers in, Account API changes out.
 * Nothing is sent here; the mutation gate sends these.
 */
import type { Change } from '../../engine/types.js';
import type { BillingRecoveryState } from './analysis.js';
import { CONTACT_TYPES } from './analysis.js';
import type { BillingRecoveryAnswers } from './ask.js';
import type { SessionMemory } from './read.js';
import { readBackPutAlternateContact, readBackPutContactInformation } from './read-back.js';
import { PRIMARY_FIELD_ORDER, type PrimaryField } from './validation.js';

/** The changes for a set of answers: one PutAlternateContact per type, one PutContactInformation. */
export function buildPlan(
  state: BillingRecoveryState,
  answers: BillingRecoveryAnswers,
  target: { AccountId?: string },
): Change[] {
  const changes: Change[] = [];
  const whose = target.AccountId ? ` of member account ${target.AccountId}` : '';
  for (const type of CONTACT_TYPES) {
    const v = answers.alternate[type];
    if (!v) continue;
    changes.push({
      id: `billing-recovery/put-alternate-contact/${type}`,
      step: 'billing-recovery',
      description: `${state.alternateContacts[type] ? 'Update' : 'Set'} the ${type} alternate contact${whose}`,
      service: 'account',
      operation: 'PutAlternateContact',
      params: {
        AlternateContactType: type,
        Name: v.Name,
        Title: v.Title,
        EmailAddress: v.EmailAddress,
        PhoneNumber: v.PhoneNumber,
        ...target,
      },
      readBack: readBackPutAlternateContact,
      // A put of the same values changes nothing.
      idempotent: true,
    });
  }
  if (answers.primary) {
    // PutContactInformation replaces the whole record: every field is sent, old and new.
    const record: Partial<Record<PrimaryField, string>> = {};
    for (const f of PRIMARY_FIELD_ORDER) {
      const value = answers.primary[f];
      if (value !== undefined && value !== '') record[f] = value;
    }
    const added = PRIMARY_FIELD_ORDER.filter((f) => record[f] !== undefined && state.primaryContact?.[f] !== record[f]);
    // Fields sent again as they are: none when AWS held no record, or every field changes.
    const kept = PRIMARY_FIELD_ORDER.filter((f) => record[f] !== undefined && !added.includes(f));
    changes.push({
      id: 'billing-recovery/put-contact-information',
      step: 'billing-recovery',
      description: kept.length
        ? `Complete the primary contact${whose} (${added.join(', ')}; the other fields are sent unchanged)`
        : `Set the primary contact${whose} (${added.join(', ')})`,
      service: 'account',
      operation: 'PutContactInformation',
      params: { ContactInformation: record, ...target },
      readBack: readBackPutContactInformation,
      idempotent: true,
    });
  }
  return changes;
}

/** The step's plan phase: the changes for the answers, for the account the state was read for. */
export function planBillingRecovery(state: BillingRecoveryState, answers: BillingRecoveryAnswers): Change[] {
  return buildPlan(state, answers, state.targeted ? { AccountId: state.accountId } : {});
}

/** After sending: remember what was written, so verification can compare it with what AWS answers. */
export function rememberWritten(
  memory: SessionMemory,
  answers: BillingRecoveryAnswers,
  changes: readonly Change[],
): void {
  for (const type of CONTACT_TYPES) {
    const v = answers.alternate[type];
    if (v) memory.written.alternate[type] = { ...v };
  }
  if (answers.primary) {
    const put = changes.find((c) => c.operation === 'PutContactInformation');
    memory.written.primary = { ...(put?.params.ContactInformation as Record<string, string>) };
  }
}
