/**
 * The billing-recovery step in an organization fix (`fix --org --contacts FILE`): each account's
 * contacts brought to what the contacts policy declares (src/steps/billing-recovery/contacts-policy.ts),
 * sending only what differs from what AWS holds. Each account is changed the way the step's read
 * reached it: a member from the management side (the Account API with AccountId), the session's
 * own account (the management account) without AccountId, which the Account API refuses when it
 * names the caller's own account. Pure.
 */
import type { OrgAccountRef, OrgDecisions, OrgFix } from '../../engine/step.js';
import type { Change } from '../../engine/types.js';
import {
  CONTACT_TYPES,
  missingAlternateFields,
  missingPrimaryFields,
  type BillingRecoveryState,
  type ContactType,
  type PrimaryContact,
} from './analysis.js';
import { sameContact, type BillingRecoveryAnswers } from './ask.js';
import {
  isExcluded,
  parseContactsPolicy,
  resolveContacts,
  unusedEntries,
  type ContactsPolicy,
  type ContactsResolution,
} from './contacts-policy.js';
import { buildPlan } from './plan.js';
import { PRIMARY_FIELD_ORDER, type AlternateContactValues, type PrimaryField } from './validation.js';

/** Where the --contacts value is named in messages (the decisions do not carry the file name). */
const SOURCE = '--contacts';

/** Parsed policies by the decisions' value: an organization plans hundreds of accounts with one policy. */
const parsed = new WeakMap<object, ReturnType<typeof parseContactsPolicy>>();

function parse(value: unknown): ReturnType<typeof parseContactsPolicy> {
  if (typeof value !== 'object' || value === null) return parseContactsPolicy(value, SOURCE);
  let r = parsed.get(value);
  if (!r) {
    r = parseContactsPolicy(value, SOURCE);
    parsed.set(value, r);
  }
  return r;
}

/** The policy of the decisions; undefined when there is none; throws when it is invalid (validate first). */
export function policyOf(decisions: OrgDecisions): ContactsPolicy | undefined {
  if (decisions.contactsPolicy === undefined) return undefined;
  const r = parse(decisions.contactsPolicy);
  if ('errors' in r) throw new Error(`The contacts policy is invalid:\n${r.errors.join('\n')}`);
  return r.policy;
}

/** The fields whose value differs between the record to put and the one AWS holds (added, changed, removed). */
function primaryDifferences(
  want: PrimaryContact,
  have: PrimaryContact | null,
): { changed: PrimaryField[]; removed: PrimaryField[] } {
  const changed = PRIMARY_FIELD_ORDER.filter((f) => want[f] !== undefined && have?.[f] !== want[f]);
  const removed = PRIMARY_FIELD_ORDER.filter(
    (f) => want[f] === undefined && have?.[f] !== undefined && String(have[f]).trim() !== '',
  );
  return { changed, removed };
}

/**
 * What of the resolved contacts is not yet in AWS, as the step's answers. An alternate contact is
 * compared field by field with what AWS answers, as the step compares what it sends (values
 * normalized as the step sends them); the primary contact as a whole record, since
 * PutContactInformation replaces it (a field AWS holds and the policy lacks would be removed).
 */
export function contactsToWrite(state: BillingRecoveryState, resolved: ContactsResolution): BillingRecoveryAnswers {
  const answers: BillingRecoveryAnswers = { alternate: {} };
  if (isExcluded(resolved)) return answers;
  for (const type of CONTACT_TYPES) {
    const want = resolved.alternate[type];
    if (want && !sameContact(want, state.alternateContacts[type])) answers.alternate[type] = { ...want };
  }
  if (resolved.primary) {
    const { changed, removed } = primaryDifferences(resolved.primary, state.primaryContact);
    if (changed.length > 0 || removed.length > 0) answers.primary = { ...resolved.primary };
  }
  return answers;
}

function describeAlternate(base: string, v: AlternateContactValues, source: string | undefined): string {
  return `${base} to ${v.Name}, ${v.EmailAddress} (contacts policy: ${source ?? 'defaults'})`;
}

/** The changes for one account of an organization fix: only what differs from `state`. */
export function planOrgContacts(state: BillingRecoveryState, policy: ContactsPolicy, account: OrgAccountRef): Change[] {
  if (state.accountId !== account.id) {
    throw new Error(`billing-recovery: the state read is for account ${state.accountId}, not ${account.id}`);
  }
  const resolved = resolveContacts(policy, account);
  if (isExcluded(resolved)) return [];
  const answers = contactsToWrite(state, resolved);
  // As the account was read: a member from the management side with AccountId; the session's own account (the
  // management account, or a delegated administrator's own) without, since the Account API refuses an AccountId
  // naming the caller's own account.
  const target = state.targeted ? { AccountId: account.id } : {};
  const ownWhose = account.management
    ? ` of the management account ${account.id}`
    : ` of account ${account.id} (this session's own)`;
  const who = state.targeted
    ? ` of ${account.management ? 'the management account' : 'member account'} ${account.id}`
    : ownWhose;
  return buildPlan(state, answers, target).map((c) => {
    const id = `${c.id}/${account.id}`;
    if (c.operation === 'PutAlternateContact') {
      const type = c.params.AlternateContactType as ContactType;
      const base = `${c.description.replace(` of member account ${account.id}`, '')}${who}`;
      return { ...c, id, description: describeAlternate(base, answers.alternate[type]!, resolved.sources[type]) };
    }
    const { changed, removed } = primaryDifferences(answers.primary!, state.primaryContact);
    const what = [
      changed.length ? `${state.primaryContact ? 'changed' : 'set'}: ${changed.join(', ')}` : '',
      removed.length ? `removed: ${removed.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    return {
      ...c,
      id,
      description:
        `${state.primaryContact ? 'Replace' : 'Set'} the primary contact${who} (${what}; contacts policy: ` +
        `${resolved.sources.PRIMARY ?? 'defaults'})`,
    };
  });
}

type ContactFact = 'set' | 'missing' | 'incomplete';

/** A small summary of the contacts AWS holds, for the per-account before/after table. */
export function contactFacts(state: BillingRecoveryState): Record<string, ContactFact> {
  const out: Record<string, ContactFact> = {};
  for (const type of CONTACT_TYPES) {
    const c = state.alternateContacts[type];
    out[type.toLowerCase()] = !c ? 'missing' : missingAlternateFields(c).length > 0 ? 'incomplete' : 'set';
  }
  out.primary = !state.primaryContact
    ? 'missing'
    : missingPrimaryFields(state.primaryContact).length > 0
      ? 'incomplete'
      : 'set';
  return out;
}

/** The step's organization hook. */
export const billingRecoveryOrg: OrgFix<BillingRecoveryState> = {
  validate(decisions) {
    if (decisions.contactsPolicy === undefined) return [];
    const r = parse(decisions.contactsPolicy);
    return 'errors' in r ? [...r.errors] : [];
  },
  plan(state, decisions, account) {
    const policy = policyOf(decisions);
    return policy ? planOrgContacts(state, policy, account) : [];
  },
  facts: (state) => contactFacts(state),
  notices(decisions, accounts) {
    const policy = policyOf(decisions);
    return policy ? unusedEntries(policy, accounts).map((n) => `Contacts policy: ${n}`) : [];
  },
};
