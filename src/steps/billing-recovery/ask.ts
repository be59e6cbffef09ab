/**
 * Questions of the billing-recovery step. Question ids:
 * - `billing-recovery.contact.<TYPE>.change` (confirm, present contacts only)
 * - `billing-recovery.contact.<TYPE>.reuse` (select: an earlier type to copy, or `new`)
 * - `billing-recovery.contact.<TYPE>.name|title|email|phone` (input)
 * - `billing-recovery.primary.fill` (confirm) and `billing-recovery.primary.<field>` (input)
 * - `billing-recovery.billing-access.attest` (confirm, never safe-by-default)
 * where TYPE is BILLING, OPERATIONS or SECURITY.
 */
import type { InteractiveContext } from '../../engine/step.js';
import type { Output } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import {
  BILLING_ACCESS_INSTRUCTIONS,
  BILLING_ACCESS_ITEM,
  CONTACT_TYPES,
  missingAlternateFields,
  missingPrimaryFields,
  type AlternateContact,
  type BillingRecoveryState,
  type ContactType,
  type PrimaryContact,
} from './analysis.js';
import { meta } from './meta.js';
import { accountIdParam, sessionMemory } from './read.js';
import {
  ALTERNATE_FIELD_ORDER,
  ALTERNATE_FIELDS,
  alternateContactProblems,
  normalizeValue,
  PRIMARY_FIELD_ORDER,
  PRIMARY_FIELDS,
  primaryFieldProblems,
  stateRequired,
  validateField,
  type AlternateContactValues,
  type AlternateField,
  type PrimaryField,
} from './validation.js';

/** What the step collects: the contacts to write. */
export interface BillingRecoveryAnswers {
  /** Alternate contacts to put, by type. */
  alternate: Partial<Record<ContactType, AlternateContactValues>>;
  /** The whole primary contact record to put (existing fields plus the new ones). */
  primary?: PrimaryContact;
}

/** The last part of an alternate-contact question id, by field. */
export const ALTERNATE_QUESTION: Record<AlternateField, string> = {
  Name: 'name',
  Title: 'title',
  EmailAddress: 'email',
  PhoneNumber: 'phone',
};

/** The last part of a primary-contact question id, by field. */
export const PRIMARY_QUESTION: Record<PrimaryField, string> = {
  FullName: 'full-name',
  CompanyName: 'company-name',
  AddressLine1: 'address-line1',
  AddressLine2: 'address-line2',
  AddressLine3: 'address-line3',
  City: 'city',
  DistrictOrCounty: 'district-or-county',
  StateOrRegion: 'state-or-region',
  PostalCode: 'postal-code',
  CountryCode: 'country-code',
  PhoneNumber: 'phone',
  WebsiteUrl: 'website-url',
};

/** The order primary-contact fields are asked in: the country before the state it may require. */
const PRIMARY_ASK_ORDER: readonly PrimaryField[] = [
  'FullName',
  'CompanyName',
  'AddressLine1',
  'AddressLine2',
  'AddressLine3',
  'City',
  'DistrictOrCounty',
  'CountryCode',
  'StateOrRegion',
  'PostalCode',
  'PhoneNumber',
  'WebsiteUrl',
];

const show = (v: string | undefined, max = 80): string =>
  v === undefined || v === '' ? '(empty)' : sanitize(v, { maxLength: max });

/** One line describing an alternate contact, every account-controlled value escaped. */
export function describeContact(c: AlternateContact): string {
  return ALTERNATE_FIELD_ORDER.map((f) => show(c[f], f === 'EmailAddress' ? 254 : 64)).join(', ');
}

/** Prints the contacts AWS holds, escaped. */
export function showContacts(state: BillingRecoveryState, output: Output): void {
  output.info(`Alternate contacts of account ${state.accountId}:`);
  output.detail(
    CONTACT_TYPES.map((t) => {
      const c = state.alternateContacts[t];
      return `${t}: ${c ? describeContact(c) : 'not set'}`;
    }),
  );
  const p = state.primaryContact;
  output.info('Primary contact:');
  output.detail(
    p
      ? PRIMARY_FIELD_ORDER.filter((f) => p[f] !== undefined).map((f) => `${PRIMARY_FIELDS[f].label}: ${show(p[f])}`)
      : ['not set'],
  );
}

/** The contact as complete, valid values, or undefined when AWS would refuse any of them. */
function validValues(c: AlternateContact | null): AlternateContactValues | undefined {
  if (!c || Object.keys(alternateContactProblems(c)).length > 0) return undefined;
  return {
    Name: normalizeValue(ALTERNATE_FIELDS.Name, c.Name ?? ''),
    Title: normalizeValue(ALTERNATE_FIELDS.Title, c.Title ?? ''),
    EmailAddress: normalizeValue(ALTERNATE_FIELDS.EmailAddress, c.EmailAddress ?? ''),
    PhoneNumber: normalizeValue(ALTERNATE_FIELDS.PhoneNumber, c.PhoneNumber ?? ''),
  };
}

/** True when putting `values` would change nothing. */
export function sameContact(values: AlternateContactValues, current: AlternateContact | null): boolean {
  return !!current && ALTERNATE_FIELD_ORDER.every((f) => current[f] === values[f]);
}

async function askAlternate(
  type: ContactType,
  current: AlternateContact | null,
  earlier: Partial<Record<ContactType, AlternateContactValues>>,
  ctx: InteractiveContext,
): Promise<AlternateContactValues> {
  const candidates = CONTACT_TYPES.filter((t) => earlier[t] !== undefined);
  if (candidates.length > 0) {
    const choice = await ctx.prompter.select<ContactType | 'new'>({
      id: `billing-recovery.contact.${type}.reuse`,
      message: `Reuse the details of another contact for the ${type} contact?`,
      choices: [
        ...candidates.map((t) => ({
          value: t as ContactType | 'new',
          name: `Copy the ${t} contact (${describeContact(earlier[t]!)})`,
          ...(type === 'SECURITY'
            ? {
                description:
                  'A security contact that shares a person and mailbox with another contact is warned about.',
              }
            : {}),
        })),
        { value: 'new', name: 'Enter new details' },
      ],
      default: 'new',
    });
    if (choice !== 'new') return { ...earlier[choice]! };
  }
  const safeCurrent = validValues(current);
  const values: Partial<AlternateContactValues> = {};
  for (const f of ALTERNATE_FIELD_ORDER) {
    const rule = ALTERNATE_FIELDS[f];
    const answer = await ctx.prompter.input({
      id: `billing-recovery.contact.${type}.${ALTERNATE_QUESTION[f]}`,
      message: `${type} contact ${rule.label} (${rule.min}-${rule.max} characters):`,
      ...(safeCurrent ? { default: safeCurrent[f] } : {}),
      validate: (v) => validateField(rule, v),
    });
    values[f] = normalizeValue(rule, answer);
  }
  return values as AlternateContactValues;
}

async function askPrimary(state: BillingRecoveryState, ctx: InteractiveContext): Promise<PrimaryContact | undefined> {
  const current = state.primaryContact ?? {};
  const missing = missingPrimaryFields(state.primaryContact);
  if (missing.length === 0) return undefined;
  const invalid = primaryFieldProblems(current);
  // With nothing present (no record at all), there is nothing to send again.
  const present = PRIMARY_FIELD_ORDER.some((f) => String(current[f] ?? '').trim() !== '');
  const fill = await ctx.prompter.confirm({
    id: 'billing-recovery.primary.fill',
    message:
      `The primary contact lacks ${missing.map((f) => PRIMARY_FIELDS[f].label).join(', ')}. ` +
      `Enter ${missing.length === 1 ? 'it' : 'them'} now (account:PutContactInformation` +
      `${present ? ', which replaces the whole record; the present fields are sent again unchanged' : ''})?`,
    default: true,
    safeDefault: false,
  });
  if (!fill) return undefined;
  const record: PrimaryContact = {};
  for (const f of PRIMARY_FIELD_ORDER) {
    const v = current[f];
    if (v !== undefined && v !== '' && invalid[f] === undefined) record[f] = v;
  }
  for (const f of PRIMARY_ASK_ORDER) {
    const needed =
      invalid[f] !== undefined ||
      (record[f] === undefined &&
        (missing.includes(f) || (f === 'StateOrRegion' && stateRequired(record.CountryCode))));
    if (!needed) continue;
    if (invalid[f])
      ctx.output.warn(`The primary contact's ${PRIMARY_FIELDS[f].label} must be entered again: ${invalid[f]}`);
    const rule = PRIMARY_FIELDS[f];
    const answer = await ctx.prompter.input({
      id: `billing-recovery.primary.${PRIMARY_QUESTION[f]}`,
      message: `Primary contact ${rule.label}${f === 'StateOrRegion' ? ` (required for ${record.CountryCode})` : ''}:`,
      validate: (v) => validateField(rule, v),
    });
    record[f] = normalizeValue(rule, answer);
  }
  return record;
}

async function askBillingAccess(state: BillingRecoveryState, ctx: InteractiveContext): Promise<void> {
  const { output } = ctx;
  output.info(
    'IAM user and role access to Billing information has no API: only the root user can turn it on, in the console.',
  );
  output.detail(BILLING_ACCESS_INSTRUCTIONS.map((line, i) => `${i + 1}. ${line}`));
  const attestation = await ctx.manual.attest(meta.id, {
    id: 'billing-recovery.billing-access.attest',
    message:
      `Is "IAM user and role access to Billing information" activated for account ` +
      `${state.accountId}? (Answer yes only once you have seen it on that page.)`,
    item: BILLING_ACCESS_ITEM,
    statement: `IAM user and role access to Billing information is activated for account ${state.accountId}.`,
    by: ctx.caller.arn,
  });
  if (!attestation) return;
  sessionMemory(ctx).attestations.push(attestation);
  output.success(`Attestation recorded${ctx.journal.path ? ` in the journal (${ctx.journal.path})` : ''}.`);
}

/** Asks what to write; undefined when nothing is to be written. Each group is asked once per session. */
export async function askBillingRecovery(
  state: BillingRecoveryState,
  ctx: InteractiveContext,
): Promise<BillingRecoveryAnswers | undefined> {
  const memory = sessionMemory(ctx);
  const answers: BillingRecoveryAnswers = { alternate: {} };
  const pending = [...CONTACT_TYPES, 'primary', 'billing-access'].filter((g) => !memory.asked.has(g));
  if (pending.length === 0) return undefined;
  showContacts(state, ctx.output);
  if (accountIdParam(ctx).AccountId) ctx.output.info(`Acting on member account ${state.accountId} (--target-account).`);

  // Contacts answered (or already valid in AWS) so far, offered for reuse by later types.
  const earlier: Partial<Record<ContactType, AlternateContactValues>> = {};
  for (const type of CONTACT_TYPES) {
    const current = state.alternateContacts[type];
    if (!memory.asked.has(type)) {
      memory.asked.add(type);
      let wanted = true;
      if (current) {
        const incomplete = missingAlternateFields(current).length > 0 || validValues(current) === undefined;
        wanted = await ctx.prompter.confirm({
          id: `billing-recovery.contact.${type}.change`,
          message: `The ${type} contact is ${describeContact(current)}. Change it?`,
          default: incomplete,
          safeDefault: false,
        });
      }
      if (wanted) {
        const values = await askAlternate(type, current, earlier, ctx);
        if (!sameContact(values, current)) answers.alternate[type] = values;
        earlier[type] = values;
      }
    }
    earlier[type] ??= validValues(current);
  }

  if (!memory.asked.has('primary')) {
    memory.asked.add('primary');
    const primary = await askPrimary(state, ctx);
    if (primary) answers.primary = primary;
  }

  if (!memory.asked.has('billing-access')) {
    memory.asked.add('billing-access');
    await askBillingAccess(state, ctx);
  }

  return Object.keys(answers.alternate).length > 0 || answers.primary ? answers : undefined;
}
