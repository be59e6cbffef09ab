/**
 * The billing-recovery step's organization hook against moto + the root layer: members and the
 * management account read with the step's own read from the management side, planned with a
 * contacts policy (defaults, an OU by id, an OU by path, an account entry, an excluded OU), the
 * changes sent through a real mutation gate, and what each account holds asserted at the
 * emulator; planning again gives nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAlternateContactCommand, GetContactInformationCommand } from '@aws-sdk/client-account';
import { beforeAll, describe, expect, it } from 'vitest';
import { readIdentity } from '../../../src/aws/identity.js';
import { ClientPool } from '../../../src/aws/pool.js';
import { MutationGate } from '../../../src/engine/gate.js';
import { openJournal } from '../../../src/engine/journal.js';
import { SessionFactory } from '../../../src/engine/session.js';
import type { OrgAccountRef, OrgDecisions } from '../../../src/engine/step.js';
import type { Change, Clock } from '../../../src/engine/types.js';
import { step } from '../../../src/steps/billing-recovery/index.js';
import { testClients } from '../../support/clients.js';
import { testSessionContext } from '../../support/context.js';
import { useEmulator } from '../../support/emulator.js';
import { RecordingOutput } from '../../support/harness.js';
import { buildOrgFixture, type FixtureMember, type OrgFixture } from '../../support/org-fixture.js';

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
const clock: Clock = { now: () => new Date(), sleep: async () => {} };

/** The contact the fixture gives every member, for all three types. */
const FIXTURE_CONTACT = {
  Name: 'Sec Team',
  Title: 'Security',
  EmailAddress: 'sec@example.com',
  PhoneNumber: '+1 555 0100',
};
/** The primary contact the fixture gives every member. */
const FIXTURE_PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Springfield',
  StateOrRegion: 'IL',
  PostalCode: '62701',
  CountryCode: 'US',
  PhoneNumber: '+1 555 0100',
};
const DEFAULT_OPS = {
  Name: 'Platform Ops',
  Title: 'Operations',
  EmailAddress: 'ops@example.com',
  PhoneNumber: '+1 206 555 0101',
};
const DEFAULT_SEC = {
  Name: 'Security Team',
  Title: 'SecOps',
  EmailAddress: 'security@example.com',
  PhoneNumber: '+1 206 555 0102',
};
const WORK_OPS = {
  Name: 'Workloads Ops',
  Title: 'On-call',
  EmailAddress: 'work-ops@example.com',
  PhoneNumber: '+1 206 555 0111',
};
const PROD_SEC = {
  Name: 'Prod Security',
  Title: 'Security on-call',
  EmailAddress: 'prod-sec@example.com',
  PhoneNumber: '+1 206 555 0112',
};
const ACCT_BILLING = {
  Name: 'Payments Finance',
  Title: 'Finance',
  EmailAddress: 'pay-billing@example.com',
  PhoneNumber: '+1 206 555 0113',
};

type Contact = typeof FIXTURE_CONTACT;
type ContactType = 'BILLING' | 'OPERATIONS' | 'SECURITY';

let org: OrgFixture;
let pool: ClientPool;
let prod: FixtureMember;
let workloads: FixtureMember;
let sandbox: FixtureMember;
let refs: Record<'prod' | 'workloads' | 'sandbox' | 'management', OrgAccountRef>;
let decisions: OrgDecisions;

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: 10 });
  // Member 0 is clean, in Root/Workloads/Prod; member 5 lacks its security contact, in Root/Workloads;
  // member 9 is clean, in Root/Sandbox.
  prod = org.members[0]!;
  workloads = org.members[5]!;
  sandbox = org.members[9]!;
  expect([prod.ou, workloads.ou, sandbox.ou]).toEqual(['Root/Workloads/Prod', 'Root/Workloads', 'Root/Sandbox']);
  expect(workloads.kind).toBe('no-security-contact');
  const { rootId, ous } = org;
  const ref = (m: FixtureMember, ouIds: string[]): OrgAccountRef => ({
    id: m.id,
    name: m.name,
    ou: m.ou,
    ouIds,
    management: false,
  });
  refs = {
    prod: ref(prod, [rootId, ous.workloads, ous.prod]),
    workloads: ref(workloads, [rootId, ous.workloads]),
    sandbox: ref(sandbox, [rootId, ous.sandbox]),
    management: { id: org.managementId, name: 'management', ou: 'Root', ouIds: [rootId], management: true },
  };
  decisions = {
    rootCredentials: { accessKeys: false, signingCertificates: false, password: false, mfaDevices: false },
    contactsPolicy: {
      version: 1,
      defaults: { billing: FIXTURE_CONTACT, operations: DEFAULT_OPS, security: DEFAULT_SEC, primary: FIXTURE_PRIMARY },
      ous: {
        'Root/Workloads': { operations: WORK_OPS },
        [ous.prod]: { security: PROD_SEC },
      },
      accounts: { [workloads.id]: { billing: ACCT_BILLING } },
      exclude: ['Root/Sandbox'],
    },
  };
  // The management account's operator, as `fix --org` runs.
  pool = new ClientPool({ region: 'us-east-1', endpoint: emu().endpoint, credentials: org.operator, maxAttempts: 1 });
}, 300_000);

/** Reads an account with the step's own read, as the organization run does: members from the management side. */
async function readAccount(a: OrgAccountRef) {
  const { caller, account } = await readIdentity(pool);
  expect(account.id).toBe(org.managementId);
  const ctx = testSessionContext({
    pool,
    caller,
    account,
    clock,
    output: new RecordingOutput(),
    options: a.management ? { orgMember: true } : { orgMember: true, targetAccount: a.id },
  });
  return step.read(ctx);
}

async function planAll(): Promise<Record<keyof typeof refs, Change[]>> {
  const out = {} as Record<keyof typeof refs, Change[]>;
  for (const [k, a] of Object.entries(refs) as Array<[keyof typeof refs, OrgAccountRef]>) {
    out[k] = step.org!.plan(await readAccount(a), decisions, a);
  }
  return out;
}

/** What the emulator holds, asked as the operator (AccountId for members, none for the management account). */
async function contactAt(a: OrgAccountRef, type: ContactType): Promise<Contact | null> {
  try {
    const r = await testClients(emu().endpoint, org.operator).account.send(
      new GetAlternateContactCommand({ AlternateContactType: type, ...(a.management ? {} : { AccountId: a.id }) }),
    );
    const { Name, Title, EmailAddress, PhoneNumber } = r.AlternateContact ?? {};
    return { Name: Name!, Title: Title!, EmailAddress: EmailAddress!, PhoneNumber: PhoneNumber! };
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

async function primaryAt(a: OrgAccountRef): Promise<Record<string, unknown> | null> {
  try {
    const r = await testClients(emu().endpoint, org.operator).account.send(
      new GetContactInformationCommand(a.management ? {} : { AccountId: a.id }),
    );
    return { ...r.ContactInformation };
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

describe('billing-recovery org hook against the emulator', () => {
  it('brings each account to the contacts of its OU and override, sends only differences, and converges', async () => {
    expect(step.org!.validate!(decisions)).toEqual([]);
    const plans = await planAll();
    const ids = (k: keyof typeof refs) => plans[k].map((c) => c.id);
    // Billing is already the default (the fixture's contact), and so is the primary contact: nothing for them.
    expect(ids('prod')).toEqual([
      `billing-recovery/put-alternate-contact/OPERATIONS/${prod.id}`,
      `billing-recovery/put-alternate-contact/SECURITY/${prod.id}`,
    ]);
    expect(ids('workloads')).toEqual([
      `billing-recovery/put-alternate-contact/BILLING/${workloads.id}`,
      `billing-recovery/put-alternate-contact/OPERATIONS/${workloads.id}`,
      `billing-recovery/put-alternate-contact/SECURITY/${workloads.id}`,
    ]);
    expect(ids('sandbox')).toEqual([]);
    // The management account, read with its own session (its facts say what it lacks), gets the defaults.
    const managementState = await readAccount(refs.management);
    expect(managementState.targeted).toBe(false);
    const before = step.org!.facts(managementState);
    expect(before).toEqual({ billing: 'missing', operations: 'missing', security: 'missing', primary: 'missing' });
    expect(ids('management')).toEqual([
      ...['BILLING', 'OPERATIONS', 'SECURITY'].map(
        (t) => `billing-recovery/put-alternate-contact/${t}/${org.managementId}`,
      ),
      `billing-recovery/put-contact-information/${org.managementId}`,
    ]);
    for (const c of plans.management) expect(c.params).not.toHaveProperty('AccountId');
    for (const c of [...plans.prod, ...plans.workloads]) expect(c.params.AccountId).toMatch(/^\d{12}$/);
    expect(plans.workloads.find((c) => c.params.AlternateContactType === 'SECURITY')?.description).toBe(
      `Set the SECURITY alternate contact of member account ${workloads.id} to Security Team, security@example.com ` +
        '(contacts policy: defaults)',
    );
    expect(plans.prod.find((c) => c.params.AlternateContactType === 'SECURITY')?.description).toBe(
      `Update the SECURITY alternate contact of member account ${prod.id} to Prod Security, prod-sec@example.com ` +
        `(contacts policy: ou Root/Workloads/Prod (${org.ous.prod}))`,
    );

    // Sent through the gate, with the management operator's session.
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-org-contacts-'));
    const gate = new MutationGate({
      pool,
      dryRun: false,
      journal: openJournal({ dir, sessionId: 'org-contacts', now: clock.now() }),
      output: new RecordingOutput(),
      clock,
      sessions: new SessionFactory(clock),
    });
    const sentBefore = emu().layer.requests.length;
    const all = [...plans.prod, ...plans.workloads, ...plans.sandbox, ...plans.management];
    for (const c of all) {
      const r = await gate.execute(c);
      expect(r.outcome, `${c.id}: ${r.error?.message ?? ''}`).toBe('applied');
    }
    const puts = emu()
      .layer.requests.slice(sentBefore)
      .filter((r) => r.operation.startsWith('Put'));
    expect(puts).toHaveLength(all.length);
    // Members named by AccountId, the management account by nothing; the excluded member never.
    expect(puts.map((r) => (r.params as { AccountId?: string }).AccountId ?? 'own')).toEqual([
      prod.id,
      prod.id,
      workloads.id,
      workloads.id,
      workloads.id,
      'own',
      'own',
      'own',
      'own',
    ]);
    expect(new Set(puts.map((r) => r.accessKeyId))).toEqual(new Set([org.operator.accessKeyId]));

    // Each account holds the contacts of its OU and override.
    const expected: Record<keyof typeof refs, Record<ContactType, Contact>> = {
      prod: { BILLING: FIXTURE_CONTACT, OPERATIONS: WORK_OPS, SECURITY: PROD_SEC },
      workloads: { BILLING: ACCT_BILLING, OPERATIONS: WORK_OPS, SECURITY: DEFAULT_SEC },
      sandbox: { BILLING: FIXTURE_CONTACT, OPERATIONS: FIXTURE_CONTACT, SECURITY: FIXTURE_CONTACT },
      management: { BILLING: FIXTURE_CONTACT, OPERATIONS: DEFAULT_OPS, SECURITY: DEFAULT_SEC },
    };
    for (const [k, want] of Object.entries(expected) as Array<[keyof typeof refs, Record<ContactType, Contact>]>) {
      for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
        expect(await contactAt(refs[k], type), `${k} ${type}`).toEqual(want[type]);
      }
      expect(await primaryAt(refs[k]), `${k} primary`).toMatchObject(FIXTURE_PRIMARY);
    }
    expect(step.org!.facts(await readAccount(refs.management))).toEqual({
      billing: 'set',
      operations: 'set',
      security: 'set',
      primary: 'set',
    });

    // Planning again, from fresh reads: nothing left to do.
    const again = await planAll();
    expect(again).toEqual({ prod: [], workloads: [], sandbox: [], management: [] });
  }, 120_000);
});
