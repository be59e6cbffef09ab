import { describe, expect, it } from 'vitest';
import type { OrgAccountRef, OrgDecisions } from '../../../src/engine/step.js';
import type { BillingRecoveryState } from '../../../src/steps/billing-recovery/analysis.js';
import { step } from '../../../src/steps/billing-recovery/index.js';
import { billingRecoveryOrg, contactFacts } from '../../../src/steps/billing-recovery/org.js';
import {
  readBackPutAlternateContact,
  readBackPutContactInformation,
} from '../../../src/steps/billing-recovery/read-back.js';

const MEMBER = '111111111111';
const MANAGEMENT = '999999999999';

const SEC = { Name: 'Security Team', Title: 'SecOps', EmailAddress: 'sec@example.com', PhoneNumber: '+1 206 555 0102' };
const PROD_SEC = { ...SEC, Name: 'Prod Security', EmailAddress: 'prod-sec@example.com' };
const OPS = { Name: 'Ops Team', Title: 'On-call', EmailAddress: 'ops@example.com', PhoneNumber: '+1 206 555 0101' };
const PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Seattle',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};

const member: OrgAccountRef = {
  id: MEMBER,
  name: 'prod-1',
  ou: 'Root/Workloads/Prod',
  ouIds: ['r-ab12', 'ou-ab12-workload', 'ou-ab12-prod0001'],
  management: false,
};
const management: OrgAccountRef = { id: MANAGEMENT, name: 'mgmt', ou: 'Root', ouIds: ['r-ab12'], management: true };

const ROOT_KINDS = { accessKeys: true, signingCertificates: true, password: false, mfaDevices: false };
const decisions = (contactsPolicy?: unknown): OrgDecisions => ({
  rootCredentials: ROOT_KINDS,
  ...(contactsPolicy === undefined ? {} : { contactsPolicy }),
});

const POLICY = {
  version: 1,
  defaults: { security: SEC, operations: OPS, primary: PRIMARY },
  ous: { 'Root/Workloads/Prod': { security: PROD_SEC } },
};

function state(
  accountId: string,
  targeted: boolean,
  contacts: Partial<BillingRecoveryState['alternateContacts']> = {},
  primary: BillingRecoveryState['primaryContact'] = null,
): BillingRecoveryState {
  return {
    accountId,
    targeted,
    alternateContacts: { BILLING: null, OPERATIONS: null, SECURITY: null, ...contacts },
    primaryContact: primary,
    attestations: [],
    written: { alternate: {} },
  };
}

const plan = (s: BillingRecoveryState, policy: unknown, a: OrgAccountRef) =>
  billingRecoveryOrg.plan(s, decisions(policy), a);

describe('billing-recovery org hook: plan', () => {
  it('is the step’s org hook', () => {
    expect(step.org).toBe(billingRecoveryOrg);
  });

  it('plans nothing without a policy, and validates nothing then', () => {
    expect(billingRecoveryOrg.plan(state(MEMBER, true), decisions(), member)).toEqual([]);
    expect(billingRecoveryOrg.validate?.(decisions())).toEqual([]);
  });

  it('sets what is missing in a member, with AccountId, from the management side', () => {
    const changes = plan(state(MEMBER, true), POLICY, member);
    expect(changes.map((c) => c.id)).toEqual([
      `billing-recovery/put-alternate-contact/OPERATIONS/${MEMBER}`,
      `billing-recovery/put-alternate-contact/SECURITY/${MEMBER}`,
      `billing-recovery/put-contact-information/${MEMBER}`,
    ]);
    const [ops, sec, primary] = changes;
    expect(sec).toMatchObject({
      step: 'billing-recovery',
      service: 'account',
      operation: 'PutAlternateContact',
      params: { AlternateContactType: 'SECURITY', ...PROD_SEC, AccountId: MEMBER },
      description: `Set the SECURITY alternate contact of member account ${MEMBER} to Prod Security, prod-sec@example.com (contacts policy: ou Root/Workloads/Prod)`,
      idempotent: true,
      readBack: readBackPutAlternateContact,
    });
    expect(ops?.params).toEqual({ AlternateContactType: 'OPERATIONS', ...OPS, AccountId: MEMBER });
    expect(primary).toMatchObject({
      operation: 'PutContactInformation',
      params: { ContactInformation: PRIMARY, AccountId: MEMBER },
      readBack: readBackPutContactInformation,
    });
    expect(primary?.description).toBe(
      `Set the primary contact of member account ${MEMBER} (set: FullName, AddressLine1, City, StateOrRegion, ` +
        'PostalCode, CountryCode, PhoneNumber; contacts policy: defaults)',
    );
    for (const c of changes) expect(c.session).toBeUndefined();
  });

  it('changes the management account with its own session: no AccountId', () => {
    const changes = plan(state(MANAGEMENT, false), POLICY, management);
    expect(changes.map((c) => c.id)).toEqual([
      `billing-recovery/put-alternate-contact/OPERATIONS/${MANAGEMENT}`,
      `billing-recovery/put-alternate-contact/SECURITY/${MANAGEMENT}`,
      `billing-recovery/put-contact-information/${MANAGEMENT}`,
    ]);
    for (const c of changes) expect(c.params).not.toHaveProperty('AccountId');
    // The management account is outside Root/Workloads/Prod: the default security contact.
    expect(changes[1]?.params).toEqual({ AlternateContactType: 'SECURITY', ...SEC });
    expect(changes[1]?.description).toBe(
      `Set the SECURITY alternate contact of the management account ${MANAGEMENT} to Security Team, sec@example.com (contacts policy: defaults)`,
    );
  });

  it('acts on the account as it was read: the session own account (a delegated administrator) without AccountId', () => {
    const own: OrgAccountRef = { ...member, id: '222222222222' };
    const changes = plan(state('222222222222', false), POLICY, own);
    expect(changes).toHaveLength(3);
    for (const c of changes) expect(c.params).not.toHaveProperty('AccountId');
    expect(changes[0]?.description).toBe(
      "Set the OPERATIONS alternate contact of account 222222222222 (this session's own) to Ops Team, ops@example.com (contacts policy: defaults)",
    );
  });

  it('plans nothing for a contact AWS already holds as the policy says', () => {
    const s = state(MEMBER, true, { SECURITY: { ...PROD_SEC }, OPERATIONS: { ...OPS } }, { ...PRIMARY });
    expect(plan(s, POLICY, member)).toEqual([]);
    // Values are compared as the step sends them: the policy's spaces and lower-case country are cleaned first.
    const loose = {
      ...POLICY,
      defaults: {
        ...POLICY.defaults,
        operations: { ...OPS, Name: '  Ops Team ' },
        primary: { ...PRIMARY, CountryCode: 'us' },
      },
    };
    expect(plan(s, loose, member)).toEqual([]);
  });

  it('updates only the contacts that differ, the same ids for the same intent', () => {
    const s = state(
      MEMBER,
      true,
      { SECURITY: { ...SEC }, OPERATIONS: { ...OPS, PhoneNumber: '+1 206 555 0000' } },
      { ...PRIMARY },
    );
    const first = plan(s, POLICY, member);
    expect(first.map((c) => [c.id, c.description])).toEqual([
      [
        `billing-recovery/put-alternate-contact/OPERATIONS/${MEMBER}`,
        `Update the OPERATIONS alternate contact of member account ${MEMBER} to Ops Team, ops@example.com (contacts policy: defaults)`,
      ],
      [
        `billing-recovery/put-alternate-contact/SECURITY/${MEMBER}`,
        `Update the SECURITY alternate contact of member account ${MEMBER} to Prod Security, prod-sec@example.com (contacts policy: ou Root/Workloads/Prod)`,
      ],
    ]);
    expect(JSON.stringify(plan(s, POLICY, member))).toBe(JSON.stringify(first));
  });

  it('compares the primary contact as a whole record: extra fields AWS holds are removed', () => {
    const s = state(
      MEMBER,
      true,
      { SECURITY: { ...PROD_SEC }, OPERATIONS: { ...OPS } },
      {
        ...PRIMARY,
        City: 'Tacoma',
        AddressLine2: 'Suite 5',
      },
    );
    const changes = plan(s, POLICY, member);
    expect(changes).toHaveLength(1);
    expect(changes[0]?.params).toEqual({ ContactInformation: PRIMARY, AccountId: MEMBER });
    expect(changes[0]?.description).toBe(
      `Replace the primary contact of member account ${MEMBER} (changed: City; removed: AddressLine2; contacts policy: defaults)`,
    );
  });

  it('leaves alone what the policy sets to null, and every contact of an excluded account', () => {
    const nulls = { ...POLICY, ous: { 'Root/Workloads': { security: null, primary: null } } };
    const changes = plan(state(MEMBER, true), nulls, member);
    expect(changes.map((c) => c.params.AlternateContactType ?? c.operation)).toEqual(['OPERATIONS']);
    expect(plan(state(MEMBER, true), { ...POLICY, exclude: ['Root/Workloads'] }, member)).toEqual([]);
    expect(plan(state(MEMBER, true), { ...POLICY, exclude: [MEMBER] }, member)).toEqual([]);
  });

  it('refuses a state read for another account', () => {
    expect(() => plan(state('222222222222', true), POLICY, member)).toThrow(/read is for account 222222222222/);
  });

  it('validates the policy, and refuses to plan an invalid one', () => {
    const bad = { version: 1, defaults: { security: { ...SEC, EmailAddress: 'nope' } } };
    expect(billingRecoveryOrg.validate?.(decisions(bad))).toEqual([
      expect.stringMatching(/^--contacts: defaults\.security\.EmailAddress: E-mail address must look like/),
    ]);
    expect(billingRecoveryOrg.validate?.(decisions(POLICY))).toEqual([]);
    expect(() => plan(state(MEMBER, true), bad, member)).toThrow(/contacts policy is invalid/);
  });
});

describe('billing-recovery org hook: facts', () => {
  it('says set, missing or incomplete for each contact', () => {
    const { StateOrRegion: _s, ...noState } = PRIMARY;
    expect(
      billingRecoveryOrg.facts(state(MEMBER, true, { SECURITY: { ...SEC }, OPERATIONS: { Name: 'Ops' } }, noState)),
    ).toEqual({ billing: 'missing', operations: 'incomplete', security: 'set', primary: 'incomplete' });
    expect(contactFacts(state(MEMBER, true, { BILLING: SEC, OPERATIONS: OPS, SECURITY: SEC }, PRIMARY))).toEqual({
      billing: 'set',
      operations: 'set',
      security: 'set',
      primary: 'set',
    });
    expect(contactFacts(state(MEMBER, true)).primary).toBe('missing');
  });
});
