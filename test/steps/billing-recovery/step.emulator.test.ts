/**
 * The billing-recovery step end to end against moto + the root layer: the real CLI,
 * scripted answers, and assertions on what the emulator holds afterwards.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetAlternateContactCommand,
  GetContactInformationCommand,
  PutAlternateContactCommand,
} from '@aws-sdk/client-account';
import { describe, expect, it } from 'vitest';
import { EnableAWSServiceAccessCommand } from '@aws-sdk/client-organizations';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from '../../support/clients.js';
import { makeOrganization } from '../root-keys/support.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock, type ScriptedAnswer } from '../../support/harness.js';

const emu = useEmulator();
const ACCOUNT = '123456789012';
const ONLY = ['--only', 'billing-recovery'];

const BILLING = {
  Name: 'Jane Doe',
  Title: 'Finance lead',
  EmailAddress: 'billing@example.com',
  PhoneNumber: '+1 206 555 0100',
};
const OPERATIONS = {
  Name: 'Ops Team',
  Title: 'On-call',
  EmailAddress: 'ops@example.com',
  PhoneNumber: '+1 206 555 0101',
};
const SECURITY = {
  Name: 'Security Team',
  Title: 'CISO',
  EmailAddress: 'security@example.com',
  PhoneNumber: '+1 206 555 0102',
};
const PRIMARY = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Seattle',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};
type Contact = typeof BILLING;
type ContactType = 'BILLING' | 'OPERATIONS' | 'SECURITY';

function root(): TestCredentials {
  return emu().layer.seedRoot(ACCOUNT, { keys: [{ status: 'Active' }] }).keys[0]!;
}

async function seedContact(creds: TestCredentials, type: ContactType, c: Contact): Promise<void> {
  await testClients(emu().endpoint, creds).account.send(
    new PutAlternateContactCommand({ AlternateContactType: type, ...c }),
  );
}

async function readContact(creds: TestCredentials, type: ContactType): Promise<Contact | null> {
  try {
    const r = await testClients(emu().endpoint, creds).account.send(
      new GetAlternateContactCommand({ AlternateContactType: type }),
    );
    const { Name, Title, EmailAddress, PhoneNumber } = r.AlternateContact ?? {};
    return { Name: Name!, Title: Title!, EmailAddress: EmailAddress!, PhoneNumber: PhoneNumber! };
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

async function readPrimary(creds: TestCredentials): Promise<Record<string, unknown> | null> {
  try {
    const r = await testClients(emu().endpoint, creds).account.send(new GetContactInformationCommand({}));
    return { ...r.ContactInformation };
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return null;
    throw err;
  }
}

/** Answers entering a contact field by field. */
function enter(type: ContactType, c: Contact): Record<string, ScriptedAnswer> {
  return {
    [`billing-recovery.contact.${type}.name`]: c.Name,
    [`billing-recovery.contact.${type}.title`]: c.Title,
    [`billing-recovery.contact.${type}.email`]: c.EmailAddress,
    [`billing-recovery.contact.${type}.phone`]: c.PhoneNumber,
  };
}

const PRIMARY_ANSWERS: Record<string, ScriptedAnswer> = {
  'billing-recovery.primary.fill': true,
  'billing-recovery.primary.full-name': PRIMARY.FullName,
  'billing-recovery.primary.address-line1': PRIMARY.AddressLine1,
  'billing-recovery.primary.city': PRIMARY.City,
  'billing-recovery.primary.country-code': 'us',
  'billing-recovery.primary.state-or-region': PRIMARY.StateOrRegion,
  'billing-recovery.primary.postal-code': PRIMARY.PostalCode,
  'billing-recovery.primary.phone': PRIMARY.PhoneNumber,
};

const asked = (r: { prompter: { asked: Array<{ id: string }> } }) => r.prompter.asked.map((q) => q.id);
const check = async (creds: TestCredentials) => {
  const r = await runRootlock(emu().endpoint, ['check', '--json', ...ONLY], { credentials: creds });
  return { r, step: r.json.steps[0] };
};

describe('billing-recovery against the emulator', () => {
  it('none set: check fails and lists every gap, reading only', async () => {
    const creds = root();
    emu().layer.requests.length = 0;
    const { r, step } = await check(creds);
    expect(step.id).toBe('billing-recovery');
    expect(step.status).toBe('fail');
    expect(step.summary).toBe('Incomplete: billing contact, operations contact, security contact, primary contact.');
    expect(step.details).toEqual({
      alternateContacts: { BILLING: null, OPERATIONS: null, SECURITY: null },
      primaryContact: null,
      attestations: [],
    });
    const byId = Object.fromEntries(step.findings.map((f: { id: string; kind: string }) => [f.id, f]));
    expect(byId['billing-recovery.contact.SECURITY.missing'].controls).toEqual([
      'CIS v5.0.0 1.2',
      'CIS v6.0.0 2.2',
      'CIS v7.0.0 2.3',
      'CIS v3.0.0 1.2',
      'Security Hub Account.1',
    ]);
    expect(byId['billing-recovery.security-questions'].kind).toBe('retired');
    expect(byId['billing-recovery.billing-access'].kind).toBe('manual');
    expect(byId['billing-recovery.billing-access'].remediation).toContain(
      'https://console.aws.amazon.com/billing/home#/account',
    );
    expect(r.code).toBe(1);
    expect(r.json.apiCalls.byOperation).toMatchObject({
      'account:GetAlternateContact': 3,
      'account:GetContactInformation': 1,
    });
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });

  it('none set: the wizard writes all three contacts (reusing one) and the primary contact, then reads them back', async () => {
    const creds = root();
    const now = new Date('2026-03-04T05:06:07.000Z');
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      deps: { clock: { now: () => now, sleep: async () => {} } },
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        ...PRIMARY_ANSWERS,
        'billing-recovery.billing-access.attest': true,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(0);
    expect(asked(r)).toEqual([
      'billing-recovery.contact.BILLING.name',
      'billing-recovery.contact.BILLING.title',
      'billing-recovery.contact.BILLING.email',
      'billing-recovery.contact.BILLING.phone',
      'billing-recovery.contact.OPERATIONS.reuse',
      'billing-recovery.contact.SECURITY.reuse',
      'billing-recovery.contact.SECURITY.name',
      'billing-recovery.contact.SECURITY.title',
      'billing-recovery.contact.SECURITY.email',
      'billing-recovery.contact.SECURITY.phone',
      'billing-recovery.primary.fill',
      'billing-recovery.primary.full-name',
      'billing-recovery.primary.address-line1',
      'billing-recovery.primary.city',
      'billing-recovery.primary.country-code',
      'billing-recovery.primary.state-or-region',
      'billing-recovery.primary.postal-code',
      'billing-recovery.primary.phone',
      'billing-recovery.billing-access.attest',
      'billing-recovery.apply',
    ]);
    // The emulator now holds exactly what was entered.
    expect(await readContact(creds, 'BILLING')).toEqual(BILLING);
    expect(await readContact(creds, 'OPERATIONS')).toEqual(BILLING);
    expect(await readContact(creds, 'SECURITY')).toEqual(SECURITY);
    expect(await readPrimary(creds)).toEqual(PRIMARY);
    expect(mutatingRequests(emu().layer.requests)).toEqual([
      'account:PutAlternateContact',
      'account:PutAlternateContact',
      'account:PutAlternateContact',
      'account:PutContactInformation',
    ]);
    // Verified by reading back in the same run.
    expect(r.output.text).toContain(
      'PASS: The three alternate contacts and the primary contact are complete and verified',
    );
    // The attestation is in the journal, with who and when.
    const journal = readFileSync(r.journalPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const att = journal.find((e) => e.type === 'attestation');
    expect(att).toMatchObject({
      step: 'billing-recovery',
      item: 'iam-billing-access',
      by: `arn:aws:iam::${ACCOUNT}:root`,
      at: now.toISOString(),
    });
    // And in the verified assessment's details, as manual evidence.
    const verify = journal.filter((e) => e.type === 'verify' && e.step === 'billing-recovery');
    expect(verify.at(-1).status).toBe('pass');
  });

  it('reuse across types: a security contact copied from the others is warned about; the attestation shows in the verified assessment', async () => {
    const creds = root();
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
        'billing-recovery.contact.SECURITY.reuse': 'OPERATIONS',
        'billing-recovery.primary.fill': false,
        'billing-recovery.billing-access.attest': true,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(1); // the primary contact is still missing
    // The SECURITY contact copied from OPERATIONS (itself a copy of BILLING): one mailbox for all, warned about, not failed.
    expect(await readContact(creds, 'SECURITY')).toEqual(BILLING);
    expect(await readContact(creds, 'OPERATIONS')).toEqual(BILLING);
    expect(r.output.text).toMatch(
      /\[warn\] The SECURITY contact is the same person and mailbox as the BILLING and OPERATIONS contacts/,
    );
    // After apply the runner re-reads and re-assesses: the attestation of this session is part of that assessment.
    expect(r.output.text).toMatch(
      /\[warn\] \[manual\] IAM user and role access to Billing information: attested by arn:aws:iam::123456789012:root at \d{4}-/,
    );
    expect(r.output.text).toContain("The attestation lives in this session's journal only");
    expect(await readPrimary(creds)).toBeNull();
  });

  it('some set: asks whether to change present ones, fills the missing one, sends only that', async () => {
    const creds = root();
    await seedContact(creds, 'BILLING', BILLING);
    await seedContact(creds, 'SECURITY', SECURITY);
    emu().layer.root(ACCOUNT).contactInformation = { ...PRIMARY };
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.reuse': 'new',
        ...enter('OPERATIONS', OPERATIONS),
        'billing-recovery.contact.SECURITY.change': false,
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(0);
    expect(asked(r)).toEqual([
      'billing-recovery.contact.BILLING.change',
      'billing-recovery.contact.OPERATIONS.reuse',
      'billing-recovery.contact.OPERATIONS.name',
      'billing-recovery.contact.OPERATIONS.title',
      'billing-recovery.contact.OPERATIONS.email',
      'billing-recovery.contact.OPERATIONS.phone',
      'billing-recovery.contact.SECURITY.change',
      'billing-recovery.billing-access.attest',
      'billing-recovery.apply',
    ]);
    expect(
      emu()
        .layer.requests.filter((q) => q.operation === 'PutAlternateContact')
        .map((q) => q.params.AlternateContactType),
    ).toEqual(['OPERATIONS']);
    expect(await readContact(creds, 'OPERATIONS')).toEqual(OPERATIONS);
    expect(await readContact(creds, 'BILLING')).toEqual(BILLING);
    expect(await readContact(creds, 'SECURITY')).toEqual(SECURITY);
    expect(r.output.text).toContain('Not attested: it stays a manual item.');
  });

  it('all set: check passes with the contacts in details, and a rerun of the wizard changes nothing', async () => {
    const creds = root();
    await seedContact(creds, 'BILLING', BILLING);
    await seedContact(creds, 'OPERATIONS', OPERATIONS);
    await seedContact(creds, 'SECURITY', SECURITY);
    emu().layer.root(ACCOUNT).contactInformation = { ...PRIMARY };
    const { r: c, step } = await check(creds);
    expect(c.code).toBe(0);
    expect(step.status).toBe('pass');
    expect(step.details).toEqual({
      alternateContacts: { BILLING, OPERATIONS, SECURITY },
      primaryContact: PRIMARY,
      attestations: [],
    });
    expect(step.findings.map((f: { kind: string }) => f.kind).sort()).toEqual(['manual', 'retired']);

    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.change': false,
        'billing-recovery.billing-access.attest': true,
      },
    });
    expect(r.code).toBe(0);
    expect(asked(r)).not.toContain('billing-recovery.apply');
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(await readContact(creds, 'BILLING')).toEqual(BILLING);
  });

  it('rerun after a full run asks nothing new and sends nothing', async () => {
    const creds = root();
    const first = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'new',
        ...enter('OPERATIONS', OPERATIONS),
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        ...PRIMARY_ANSWERS,
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    expect(first.code).toBe(0);
    emu().layer.requests.length = 0;
    const again = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.change': false,
        'billing-recovery.billing-access.attest': false,
      },
    });
    expect(again.code).toBe(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(again.output.text).toContain('PASS: The three alternate contacts and the primary contact are complete');
  });

  it('re-asks bad answers with the reason and writes only the good ones', async () => {
    const creds = root();
    await seedContact(creds, 'BILLING', BILLING);
    await seedContact(creds, 'OPERATIONS', OPERATIONS);
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.reuse': 'new',
        'billing-recovery.contact.SECURITY.name': {
          sequence: ['', 'x'.repeat(65), 'Sec\u001b[2JTeam', 'Security Team'],
        },
        'billing-recovery.contact.SECURITY.title': { sequence: ['C\u200bISO', 'CISO'] },
        'billing-recovery.contact.SECURITY.email': {
          sequence: ['security@', 'sec;rm@example.com', 'security@example.com'],
        },
        'billing-recovery.contact.SECURITY.phone': { sequence: ['call me', '$(reboot)', '+1 206 555 0102'] },
        'billing-recovery.primary.fill': true,
        'billing-recovery.primary.full-name': { sequence: ['', PRIMARY.FullName] },
        'billing-recovery.primary.address-line1': PRIMARY.AddressLine1,
        'billing-recovery.primary.city': PRIMARY.City,
        'billing-recovery.primary.country-code': { sequence: ['USA', 'US'] },
        'billing-recovery.primary.state-or-region': { sequence: ['', 'WA'] },
        'billing-recovery.primary.postal-code': PRIMARY.PostalCode,
        'billing-recovery.primary.phone': { sequence: ['206 555 0199', PRIMARY.PhoneNumber] },
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(0);
    const rejected = Object.fromEntries(r.prompter.asked.map((q) => [q.id, q.rejected]));
    expect(rejected['billing-recovery.contact.SECURITY.name']).toEqual([
      'Name must not be empty.',
      'Name must be at most 64 characters (it has 65).',
      expect.stringMatching(/control character U\+001B \(the start of a terminal escape sequence\)/),
    ]);
    expect(rejected['billing-recovery.contact.SECURITY.title']).toEqual([
      expect.stringMatching(/invisible formatting character U\+200B/),
    ]);
    expect(rejected['billing-recovery.contact.SECURITY.email']).toHaveLength(2);
    expect(rejected['billing-recovery.contact.SECURITY.email']![0]).toMatch(/must look like name@example.com/);
    expect(rejected['billing-recovery.contact.SECURITY.phone']).toEqual([
      expect.stringMatching(/only digits, spaces, parentheses/),
      expect.stringMatching(/only digits, spaces, parentheses/),
    ]);
    expect(rejected['billing-recovery.primary.country-code']).toEqual([expect.stringMatching(/exactly 2 characters/)]);
    expect(rejected['billing-recovery.primary.state-or-region']).toEqual(['State or region must not be empty.']);
    expect(rejected['billing-recovery.primary.phone']).toEqual([expect.stringMatching(/must start with \+/)]);
    // Nothing bad reached AWS: the emulator saw one put per record, with the good values only.
    const puts = emu().layer.requests.filter((q) => q.operation.startsWith('Put'));
    expect(puts.map((q) => q.operation)).toEqual(['PutAlternateContact', 'PutContactInformation']);
    expect(JSON.stringify(puts.map((q) => q.params))).not.toMatch(/\\u001b|\\u200b|rm@|reboot|USA|call me/);
    expect(await readContact(creds, 'SECURITY')).toEqual(SECURITY);
    expect(await readPrimary(creds)).toEqual(PRIMARY);
  });

  it('fills only the missing primary fields and sends the existing ones again (Put replaces the record)', async () => {
    const creds = root();
    for (const [t, c] of [
      ['BILLING', BILLING],
      ['OPERATIONS', OPERATIONS],
      ['SECURITY', SECURITY],
    ] as const)
      await seedContact(creds, t, c);
    const existing = { ...PRIMARY, CompanyName: 'Example Corp Ltd', AddressLine2: 'Suite 100' } as Record<
      string,
      string
    >;
    delete existing.PhoneNumber;
    emu().layer.root(ACCOUNT).contactInformation = existing as never;
    const { step } = await check(creds);
    expect(step.findings.find((f: { id: string }) => f.id === 'billing-recovery.primary.incomplete').message).toBe(
      'The primary contact lacks: PhoneNumber.',
    );
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.change': false,
        'billing-recovery.primary.fill': true,
        'billing-recovery.primary.phone': '+1 206 555 0199',
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(0);
    expect(await readPrimary(creds)).toEqual({ ...existing, PhoneNumber: '+1 206 555 0199' });
    expect(mutatingRequests(emu().layer.requests)).toEqual(['account:PutContactInformation']);
  });

  it('dry run: asks, shows the plan, sends nothing', async () => {
    const creds = root();
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['--dry-run', ...ONLY], {
      credentials: creds,
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        ...PRIMARY_ANSWERS,
      },
    });
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.text).toContain('Plan (dry run: nothing will be sent), 4 change(s)');
    expect(r.output.text).toContain(
      'account:PutAlternateContact {"AlternateContactType":"SECURITY","Name":"Security Team"',
    );
    expect(r.output.text).toContain('Dry run: the attestation is not asked or recorded.');
    expect(asked(r)).not.toContain('billing-recovery.billing-access.attest');
    expect(await readContact(creds, 'BILLING')).toBeNull();
    expect(await readPrimary(creds)).toBeNull();
  });

  it('plan --out then apply: the recorded contacts are written and verified by reading back', async () => {
    const creds = root();
    const file = join(mkdtempSync(join(tmpdir(), 'rootlock-plan-')), 'plan.json');
    const planned = await runRootlock(emu().endpoint, ['plan', '--out', file, ...ONLY], {
      credentials: creds,
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'new',
        ...enter('OPERATIONS', OPERATIONS),
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        ...PRIMARY_ANSWERS,
      },
    });
    expect(planned.code).toBe(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    const applied = await runRootlock(emu().endpoint, ['apply', file, ...ONLY], {
      credentials: creds,
      answers: { 'apply.confirm': true },
    });
    expect(applied.code).toBe(0);
    expect(await readContact(creds, 'OPERATIONS')).toEqual(OPERATIONS);
    expect(await readPrimary(creds)).toEqual(PRIMARY);
    expect(applied.output.text).toContain(
      'PASS: The three alternate contacts and the primary contact are complete and verified',
    );
  });

  it('shows a contact name holding an ANSI escape sequence escaped, never raw', async () => {
    const creds = root();
    const evil = { ...SECURITY, Name: '\u001b[2J\u001b[31mSecurity\u001b[0m', Title: 'CISO\u009b1m' };
    await seedContact(creds, 'BILLING', BILLING);
    await seedContact(creds, 'OPERATIONS', OPERATIONS);
    await seedContact(creds, 'SECURITY', evil);
    // The Account API is JSON, so moto stored the escape characters as they are.
    expect((await readContact(creds, 'SECURITY'))!.Name).toBe(evil.Name);
    emu().layer.root(ACCOUNT).contactInformation = { ...PRIMARY };

    const { r: c, step } = await check(creds);
    expect(
      step.findings.find((f: { id: string }) => f.id === 'billing-recovery.contact.SECURITY.unsafe-characters').kind,
    ).toBe('warn');
    expect(c.stdout).not.toMatch(/[\u001b\u009b]/);
    // In details the planted characters are visible escapes; the other values are as AWS returned them.
    expect(step.details.alternateContacts.SECURITY).toEqual({
      ...SECURITY,
      Name: '\\x1b[2J\\x1b[31mSecurity\\x1b[0m',
      Title: 'CISO\\x9b1m',
    });
    expect(c.output.text).not.toMatch(/[\u001b\u009b]/);

    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.change': false,
        'billing-recovery.billing-access.attest': false,
      },
    });
    const everything = [r.output.text, ...r.prompter.asked.map((q) => q.message)].join('\n');
    expect(everything).not.toMatch(/[\u001b\u009b]/);
    expect(r.output.text).toContain('SECURITY: \\x1b[2J\\x1b[31mSecurity\\x1b[0m, CISO\\x9b1m, security@example.com');
    const change = r.prompter.asked.find((q) => q.id === 'billing-recovery.contact.SECURITY.change')!;
    expect(change.message).toContain('\\x1b[2J');
    expect(r.output.text).toMatch(
      /\[warn\] The SECURITY alternate contact's Name, Title holds control or invisible characters/,
    );
  });

  it('--target-account sends AccountId on every Account API call and writes into the member account', async () => {
    const creds = root();
    // A real member, with trusted access for Account Management: AWS refuses AccountId otherwise.
    const { memberId: MEMBER } = await makeOrganization(emu().endpoint);
    await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).organizations.send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: 'account.amazonaws.com' }),
    );
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['--target-account', MEMBER, ...ONLY], {
      credentials: creds,
      answers: {
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'new',
        ...enter('OPERATIONS', OPERATIONS),
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        ...PRIMARY_ANSWERS,
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    expect(r.code).toBe(0);
    const accountCalls = emu().layer.requests.filter((q) => q.service === 'account');
    expect(accountCalls.length).toBeGreaterThan(0);
    expect(accountCalls.every((q) => q.params.AccountId === MEMBER)).toBe(true);
    const { account } = testClients(emu().endpoint, creds);
    const got = await account.send(
      new GetAlternateContactCommand({ AlternateContactType: 'SECURITY', AccountId: MEMBER }),
    );
    expect(got.AlternateContact).toMatchObject(SECURITY);
    expect((await account.send(new GetContactInformationCommand({ AccountId: MEMBER }))).ContactInformation).toEqual(
      PRIMARY,
    );
    // The caller's own account was not touched.
    expect(await readContact(creds, 'SECURITY')).toBeNull();
    expect(await readPrimary(creds)).toBeNull();
    expect(r.output.text).toContain(`Acting on member account ${MEMBER} (--target-account).`);
    expect(r.output.text).toContain(`Set the SECURITY alternate contact of member account ${MEMBER}`);
  });

  it("--target-account naming the caller's own account sends no AccountId (AWS refuses it from the management account)", async () => {
    const creds = root();
    emu().layer.requests.length = 0;
    const { step } = await (async () => {
      const r = await runRootlock(emu().endpoint, ['check', '--json', '--target-account', ACCOUNT, ...ONLY], {
        credentials: creds,
      });
      return { step: r.json.steps[0] };
    })();
    expect(step.status).toBe('fail');
    const accountCalls = emu().layer.requests.filter((q) => q.service === 'account');
    expect(accountCalls).toHaveLength(4);
    expect(accountCalls.every((q) => q.params.AccountId === undefined)).toBe(true);
  });

  it('an escaped contact is not offered for reuse and its values are not used as defaults', async () => {
    const creds = root();
    await seedContact(creds, 'BILLING', { ...BILLING, Name: 'Jane\u001b[8m' });
    const r = await runRootlock(emu().endpoint, ONLY, {
      credentials: creds,
      answers: {
        'billing-recovery.contact.BILLING.change': true,
        ...enter('BILLING', BILLING),
        'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
        'billing-recovery.contact.SECURITY.reuse': 'new',
        ...enter('SECURITY', SECURITY),
        'billing-recovery.primary.fill': false,
        'billing-recovery.billing-access.attest': false,
        'billing-recovery.apply': true,
      },
    });
    // BILLING had an unsafe name, so it was not a reuse candidate before being re-entered.
    expect(asked(r).slice(0, 6)).toEqual([
      'billing-recovery.contact.BILLING.change',
      'billing-recovery.contact.BILLING.name',
      'billing-recovery.contact.BILLING.title',
      'billing-recovery.contact.BILLING.email',
      'billing-recovery.contact.BILLING.phone',
      'billing-recovery.contact.OPERATIONS.reuse',
    ]);
    expect(await readContact(creds, 'BILLING')).toEqual(BILLING);
    expect(await readContact(creds, 'OPERATIONS')).toEqual(BILLING);
    expect(r.code).toBe(1); // the primary contact is still missing
  });
});
