import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OrgAccountRef } from '../../../src/engine/step.js';
import {
  type ContactsPolicy,
  describeResolution,
  parseContactsPolicy,
  type ResolvedContacts,
  resolveContacts,
  unusedEntries,
} from '../../../src/steps/billing-recovery/contacts-policy.js';

const contact = (who: string) => ({
  Name: `${who} Team`,
  Title: 'Contact',
  EmailAddress: `${who.toLowerCase()}@example.com`,
  PhoneNumber: '+1 206 555 0100',
});
const PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Seattle',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};

const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-workload';
const PROD = 'ou-ab12-prod0001';
const SANDBOX = 'ou-ab12-sandbox1';

const prodAccount: OrgAccountRef = {
  id: '111111111111',
  name: 'prod-1',
  ou: 'Root/Workloads/Prod',
  ouIds: [ROOT, WORKLOADS, PROD],
  management: false,
};
const workloadsAccount: OrgAccountRef = {
  id: '222222222222',
  name: 'work-1',
  ou: 'Root/Workloads',
  ouIds: [ROOT, WORKLOADS],
  management: false,
};
const sandboxAccount: OrgAccountRef = {
  id: '333333333333',
  name: 'sandbox-1',
  ou: 'Root/Sandbox',
  ouIds: [ROOT, SANDBOX],
  management: false,
};
const management: OrgAccountRef = { id: '999999999999', name: 'mgmt', ou: 'Root', ouIds: [ROOT], management: true };

function policy(value: unknown): ContactsPolicy {
  const r = parseContactsPolicy(value, 'test.json');
  if ('errors' in r) throw new Error(r.errors.join('\n'));
  return r.policy;
}

function errors(value: unknown): string[] {
  const r = parseContactsPolicy(value, 'test.json');
  if (!('errors' in r)) throw new Error('expected errors');
  return r.errors;
}

function resolved(p: ContactsPolicy, a: OrgAccountRef): ResolvedContacts {
  const r = resolveContacts(p, a);
  if ('excluded' in r) throw new Error(`excluded: ${r.excluded}`);
  return r;
}

describe('resolveContacts: precedence', () => {
  const p = policy({
    version: 1,
    defaults: { billing: contact('Billing'), operations: contact('Ops'), security: contact('Sec'), primary: PRIMARY },
    ous: {
      // By id, the middle of the path; by path, the deepest.
      [WORKLOADS]: { security: contact('WorkSec'), operations: contact('WorkOps') },
      'Root/Workloads/Prod': { security: contact('ProdSec') },
      'Root/Sandbox': { operations: null, primary: null },
    },
    accounts: { '222222222222': { billing: contact('Acct') } },
  });

  it('gives every account the defaults', () => {
    const r = resolved(p, management);
    expect(r.alternate).toEqual({
      BILLING: contact('Billing'),
      OPERATIONS: contact('Ops'),
      SECURITY: contact('Sec'),
    });
    expect(r.primary).toEqual(PRIMARY);
    expect(r.sources).toEqual({
      BILLING: 'defaults',
      OPERATIONS: 'defaults',
      SECURITY: 'defaults',
      PRIMARY: 'defaults',
    });
  });

  it('lets the deeper OU win, an OU by id and one by path alike, per contact type', () => {
    const r = resolved(p, prodAccount);
    expect(r.alternate.SECURITY).toEqual(contact('ProdSec'));
    expect(r.alternate.OPERATIONS).toEqual(contact('WorkOps'));
    expect(r.alternate.BILLING).toEqual(contact('Billing'));
    expect(r.sources).toEqual({
      BILLING: 'defaults',
      OPERATIONS: `ou Root/Workloads (${WORKLOADS})`,
      SECURITY: 'ou Root/Workloads/Prod',
      PRIMARY: 'defaults',
    });
  });

  it('lets the account entry win over its OUs', () => {
    const r = resolved(p, workloadsAccount);
    expect(r.alternate.BILLING).toEqual(contact('Acct'));
    expect(r.alternate.SECURITY).toEqual(contact('WorkSec'));
    expect(r.sources.BILLING).toBe('account');
  });

  it('replaces a contact whole: the override is not merged with the defaults', () => {
    const q = policy({
      version: 1,
      defaults: { security: contact('Sec') },
      ous: { 'Root/Workloads': { security: { ...contact('Other'), Title: 'Other title' } } },
    });
    expect(resolved(q, workloadsAccount).alternate.SECURITY).toEqual({ ...contact('Other'), Title: 'Other title' });
  });

  it('leaves a contact set to null alone, and a deeper entry can set it again', () => {
    const r = resolved(p, sandboxAccount);
    expect(r.alternate.OPERATIONS).toBeUndefined();
    expect(r.primary).toBeUndefined();
    expect(r.leftAlone).toEqual({ OPERATIONS: 'ou Root/Sandbox', PRIMARY: 'ou Root/Sandbox' });
    expect(r.sources.OPERATIONS).toBeUndefined();
    expect(describeResolution(r)).toContain('OPERATIONS: left as it is (ou Root/Sandbox)');

    const q = policy({
      version: 1,
      defaults: { security: contact('Sec') },
      ous: { [WORKLOADS]: { security: null } },
      accounts: { '111111111111': { security: contact('Mine') } },
    });
    expect(resolved(q, workloadsAccount).alternate.SECURITY).toBeUndefined();
    expect(resolved(q, prodAccount).alternate.SECURITY).toEqual(contact('Mine'));
    expect(resolved(q, prodAccount).leftAlone).toEqual({});
  });

  it('at the same OU, the entry by id wins over the entry by path', () => {
    const q = policy({
      version: 1,
      ous: { [PROD]: { security: contact('ById') }, 'Root/Workloads/Prod': { security: contact('ByPath') } },
    });
    expect(resolved(q, prodAccount).alternate.SECURITY).toEqual(contact('ById'));
    expect(resolved(q, prodAccount).sources.SECURITY).toBe(`ou Root/Workloads/Prod (${PROD})`);
  });

  it('orders nested OUs by depth whichever way each is named, and the root id applies to all', () => {
    const q = policy({
      version: 1,
      ous: {
        [PROD]: { billing: contact('Prod') },
        'Root/Workloads': { billing: contact('Work'), operations: contact('Work') },
        [ROOT]: { operations: contact('Root'), security: contact('Root') },
      },
    });
    const r = resolved(q, prodAccount);
    expect(r.alternate).toEqual({ BILLING: contact('Prod'), OPERATIONS: contact('Work'), SECURITY: contact('Root') });
    expect(r.sources.SECURITY).toBe(`ou Root (${ROOT})`);
    expect(resolved(q, sandboxAccount).alternate).toEqual({ OPERATIONS: contact('Root'), SECURITY: contact('Root') });
  });

  it('does not take an OU path for a prefix of another name (Root/Work is not above Root/Workloads)', () => {
    const q = policy({ version: 1, ous: { 'Root/Work': { security: contact('Nope') } } });
    expect(resolved(q, workloadsAccount).alternate).toEqual({});
  });

  it('says what an account gets in lines for the plan table', () => {
    expect(describeResolution(resolved(p, prodAccount))).toEqual([
      'BILLING: Billing Team, billing@example.com (defaults)',
      `OPERATIONS: WorkOps Team, workops@example.com (ou Root/Workloads (${WORKLOADS}))`,
      'SECURITY: ProdSec Team, prodsec@example.com (ou Root/Workloads/Prod)',
      'PRIMARY: Example Corp, Seattle, US (defaults)',
    ]);
  });
});

describe('resolveContacts: exclusions', () => {
  const base = {
    version: 1,
    defaults: { security: contact('Sec') },
    accounts: { '111111111111': { billing: contact('B') } },
  };

  it('excludes an account listed by id, even one with its own entry, and says why', () => {
    const r = resolveContacts(policy({ ...base, exclude: ['111111111111'] }), prodAccount);
    expect(r).toEqual({
      excluded: "account 111111111111 is in the contacts policy's exclude list: its contacts are left as they are",
    });
    expect(describeResolution(r)[0]).toMatch(/^excluded: account 111111111111/);
    expect('excluded' in resolveContacts(policy({ ...base, exclude: ['111111111111'] }), workloadsAccount)).toBe(false);
  });

  it('excludes every account under an OU listed by id', () => {
    const p = policy({ ...base, exclude: [WORKLOADS] });
    expect(resolveContacts(p, prodAccount)).toEqual({
      excluded: `its OU Root/Workloads (${WORKLOADS}) is in the contacts policy's exclude list: its contacts are left as they are`,
    });
    expect(resolveContacts(p, workloadsAccount)).toHaveProperty('excluded');
    expect(resolveContacts(p, sandboxAccount)).not.toHaveProperty('excluded');
  });

  it('excludes every account under an OU listed by path', () => {
    const p = policy({ ...base, exclude: ['Root/Workloads/Prod'] });
    expect(resolveContacts(p, prodAccount)).toEqual({
      excluded:
        "its OU Root/Workloads/Prod is in the contacts policy's exclude list: its contacts are left as they are",
    });
    expect(resolveContacts(p, workloadsAccount)).not.toHaveProperty('excluded');
  });
});

describe('parseContactsPolicy: every problem, with its JSON path', () => {
  it('accepts the smallest policy and normalizes values as the step sends them', () => {
    expect(policy({ version: 1 })).toEqual({
      version: 1,
      source: 'test.json',
      defaults: {},
      ous: {},
      accounts: {},
      exclude: [],
    });
    const p = policy({
      version: 1,
      defaults: {
        security: { ...contact('Sec'), EmailAddress: '  sec@example.com ' },
        primary: { ...PRIMARY, CountryCode: 'us' },
      },
    });
    expect(p.defaults.SECURITY?.EmailAddress).toBe('sec@example.com');
    expect(p.defaults.PRIMARY?.CountryCode).toBe('US');
  });

  it('refuses what is not an object, a wrong or missing version, and unknown keys with a hint', () => {
    expect(errors([])).toEqual([expect.stringMatching(/^test\.json: a contacts policy is a JSON object.*a list\.$/)]);
    expect(errors(null)[0]).toMatch(/it is null/);
    expect(errors({})).toEqual(['test.json: version: missing; write "version": 1.']);
    expect(errors({ version: 2 })[0]).toBe(
      'test.json: version: must be 1, the only format this rootlock reads; it is 2.',
    );
    expect(errors({ version: 1, default: {} })).toEqual([
      'test.json: (top level): unknown key "default" (did you mean "defaults"?); expected version, defaults, ous, accounts, exclude, comment.',
    ]);
    expect(errors({ version: 1, defaults: { secruity: contact('S') } })).toEqual([
      'test.json: defaults: unknown key "secruity" (did you mean "security"?); expected billing, operations, security, primary, comment.',
    ]);
    expect(errors({ version: 1, defaults: { security: { ...contact('S'), Email: 'x@example.com' } } })[0]).toBe(
      'test.json: defaults.security: unknown key "Email"; expected Name, Title, EmailAddress, PhoneNumber.',
    );
    expect(errors({ version: 1, defaults: { primary: { ...PRIMARY, Zip: '1' } } })[0]).toMatch(
      /^test\.json: defaults\.primary: unknown key "Zip"; expected FullName, /,
    );
    expect(errors({ version: 1, comment: 3 })).toEqual(['test.json: comment: must be a string; it is a number.']);
  });

  it('refuses invalid alternate contacts field by field, with the validation rules of the step', () => {
    const e = errors({
      version: 1,
      ous: {
        'ou-ab12-cdefgh12': {
          security: { Name: 'Pаypal', Title: 't'.repeat(51), EmailAddress: 'not-an-email', PhoneNumber: 'call me' },
        },
      },
    });
    expect(e).toEqual([
      expect.stringMatching(
        /^test\.json: ous\["ou-ab12-cdefgh12"\]\.security\.Name: Name is refused: .*mixes Latin and Cyrillic/,
      ),
      'test.json: ous["ou-ab12-cdefgh12"].security.Title: Title must be at most 50 characters (it has 51).',
      expect.stringMatching(
        /^test\.json: ous\["ou-ab12-cdefgh12"\]\.security\.EmailAddress: E-mail address must look like/,
      ),
      expect.stringMatching(
        /^test\.json: ous\["ou-ab12-cdefgh12"\]\.security\.PhoneNumber: Phone number may hold only digits/,
      ),
    ]);
    expect(
      errors({ version: 1, defaults: { billing: { Name: 'A', Title: 'B', EmailAddress: 'a@example.com' } } }),
    ).toEqual([
      'test.json: defaults.billing.PhoneNumber: missing; an alternate contact needs all of Name, Title, EmailAddress, PhoneNumber (PutAlternateContact replaces the whole contact).',
    ]);
    expect(errors({ version: 1, defaults: { billing: { ...contact('B'), PhoneNumber: 5550100 } } })).toEqual([
      'test.json: defaults.billing.PhoneNumber: must be a string; it is a number.',
    ]);
    expect(errors({ version: 1, defaults: { billing: 'billing@example.com' } })[0]).toMatch(
      /^test\.json: defaults\.billing: must be an object with Name, Title, EmailAddress, PhoneNumber \(or null/,
    );
    expect(errors({ version: 1, defaults: { billing: { ...contact('B'), Name: 'Evil\u001b[2J' } } })[0]).toMatch(
      /defaults\.billing\.Name: Name is refused: it contains a control character U\+001B/,
    );
  });

  it('refuses a partial or invalid primary contact, with the fields required for its country', () => {
    const { City: _c, PostalCode: _p, ...partial } = PRIMARY;
    expect(errors({ version: 1, accounts: { '111122223333': { primary: partial } } })).toEqual([
      expect.stringMatching(
        /^test\.json: accounts\["111122223333"\]\.primary: incomplete, it lacks City, PostalCode\. PutContactInformation replaces the whole record/,
      ),
    ]);
    // StateOrRegion only where the country requires it.
    const { StateOrRegion: _s, ...noState } = PRIMARY;
    expect(errors({ version: 1, defaults: { primary: noState } })[0]).toMatch(/lacks StateOrRegion/);
    expect(policy({ version: 1, defaults: { primary: { ...noState, CountryCode: 'FR' } } }).defaults.PRIMARY).toEqual({
      ...noState,
      CountryCode: 'FR',
    });
    expect(
      errors({ version: 1, defaults: { primary: { ...PRIMARY, PhoneNumber: '206 555 0199', CountryCode: 'USA' } } }),
    ).toEqual([
      expect.stringMatching(/^test\.json: defaults\.primary\.CountryCode: Country code must be exactly 2 characters/),
      expect.stringMatching(/^test\.json: defaults\.primary\.PhoneNumber: Phone number must start with \+/),
    ]);
    expect(errors({ version: 1, defaults: { primary: { ...PRIMARY, AddressLine2: '' } } })).toEqual([
      'test.json: defaults.primary.AddressLine2: must not be empty; leave the field out instead.',
    ]);
    expect(errors({ version: 1, defaults: { primary: ['x'] } })[0]).toMatch(/defaults\.primary: must be an object/);
  });

  it('refuses malformed OU keys, account keys, exclusions and sections', () => {
    expect(
      errors({
        version: 1,
        ous: { 'ou-XY': {}, 'Workloads/Prod': {}, 'Root//Prod': {}, 'Root/Prod ': {} },
        accounts: { '12345': {}, '111122223333': { billing: 3 } },
        exclude: ['44445555666', 7, 'Sandbox', 'r-ab12', 'Root/Sandbox', '444455556666'],
      }),
    ).toEqual([
      expect.stringMatching(/^test\.json: ous\["ou-XY"\]: the key is neither an OU id .* nor a root id/),
      expect.stringMatching(
        /^test\.json: ous\["Workloads\/Prod"\]: the key is not an OU id and not an OU path: a path starts at the root/,
      ),
      expect.stringMatching(/^test\.json: ous\["Root\/\/Prod"\]: the key is an OU path with an empty name/),
      expect.stringMatching(/^test\.json: ous\["Root\/Prod "\]: the key is an OU path with an empty name or spaces/),
      'test.json: accounts["12345"]: the key must be a 12-digit account id.',
      expect.stringMatching(/^test\.json: accounts\["111122223333"\]\.billing: must be an object .* it is a number\.$/),
      expect.stringMatching(
        /^test\.json: exclude\[0\]: "44445555666" is not a 12-digit account id and is not an OU id/,
      ),
      'test.json: exclude[1]: must be a string; it is a number.',
      expect.stringMatching(/^test\.json: exclude\[2\]: "Sandbox" is not a 12-digit account id/),
    ]);
    expect(errors({ version: 1, ous: [], accounts: 'x', exclude: 'Root/Sandbox', defaults: 1 })).toEqual([
      'test.json: defaults: must be an object with any of billing, operations, security, primary; it is a number.',
      'test.json: ous: must be an object keyed by OU id or OU path; it is a list.',
      'test.json: accounts: must be an object keyed by 12-digit account id; it is a string.',
      'test.json: exclude: must be a list of account ids, OU ids or OU paths; it is a string.',
    ]);
  });

  it('reports every problem at once, one never hiding another', () => {
    const e = errors({
      version: 3,
      defaults: { security: { ...contact('S'), EmailAddress: 'bad' }, primary: { FullName: 'X' } },
      accounts: { '111122223333': { operations: { ...contact('O'), Title: '' } } },
    });
    expect(e.map((x) => x.split(':')[1]?.trim())).toEqual([
      'version',
      'defaults.security.EmailAddress',
      'defaults.primary',
      'accounts["111122223333"].operations.Title',
    ]);
  });
});

describe('the example file', () => {
  const value = JSON.parse(
    readFileSync(new URL('../../../docs/examples/contacts-policy.json', import.meta.url), 'utf8'),
  );

  it('parses, and resolves as docs/contacts-policy.md says', () => {
    const p = policy(value);
    const inProd: OrgAccountRef = { ...prodAccount, id: '555566667777' };
    const prod = resolved(p, inProd);
    expect(prod.alternate.SECURITY?.EmailAddress).toBe('prod-security@example.com');
    expect(prod.alternate.BILLING?.EmailAddress).toBe('aws-billing@example.com');
    expect(prod.primary?.City).toBe('Seattle');
    const eu = resolved(p, {
      id: '555566668888',
      name: 'eu',
      ou: 'Root/EU',
      ouIds: [ROOT, 'ou-ab12-cdefgh12'],
      management: false,
    });
    expect(eu.alternate.BILLING?.EmailAddress).toBe('eu-billing@example.com');
    expect(eu.primary?.City).toBe('Berlin');
    const sandbox = resolved(p, { ...sandboxAccount, id: '555566669999' });
    expect(sandbox.alternate.OPERATIONS).toBeUndefined();
    const pci = resolved(p, { ...sandboxAccount, id: '111122223333' });
    expect(pci.alternate.SECURITY?.EmailAddress).toBe('pci-security@example.com');
    expect(resolveContacts(p, { ...workloadsAccount, id: '444455556666' })).toHaveProperty('excluded');
    expect(
      resolveContacts(p, {
        ...workloadsAccount,
        id: '555566660000',
        ou: 'Root/Suspended',
        ouIds: [ROOT, 'ou-ab12-suspend1'],
      }),
    ).toHaveProperty('excluded');
  });
});

describe('unusedEntries', () => {
  it('names the entries that apply to no account of the run', () => {
    const p = policy({
      version: 1,
      ous: { 'Root/Workload': {}, [PROD]: {}, 'Root/Sandbox': {} },
      accounts: { '111111111111': {}, '888888888888': {} },
      exclude: ['777777777777', 'Root/Workloads', 'ou-ab12-nowhere1'],
    });
    expect(unusedEntries(p, [prodAccount, workloadsAccount, sandboxAccount])).toEqual([
      'test.json: ous["Root/Workload"] applies to none of the accounts of this run.',
      'test.json: accounts["888888888888"] is not one of the accounts of this run.',
      'test.json: exclude[0] ("777777777777") matches none of the accounts of this run.',
      'test.json: exclude[2] ("ou-ab12-nowhere1") matches none of the accounts of this run.',
    ]);
  });
});
