/**
 * Hostile account data: strings anyone with a narrow permission can plant in the account
 * (an EC2 Name tag, an alternate contact, the primary contact) that hold terminal escape
 * sequences, forged rootlock lines after a newline, bidi overrides, C1 controls and very
 * long text, and invisible characters (zero-width ones, the byte order mark, the soft hyphen, tag
 * characters that spell hidden text) that make one name look like another. rootlock must show
 * them escaped and shortened, never raw: in every output line,
 * in every question it asks, in the check JSON (which must still carry the exact value), in
 * the journal and in the session reports.
 *
 * What can be planted where (see docs/security.md): the XML protocols (IAM, STS, EC2) cannot
 * carry C0 control characters other than tab, newline and carriage return, so EC2 tags here
 * hold newlines, C1 controls (U+009B is a one-byte CSI), bidi overrides, zero-width characters
 * and tag characters (any character XML allows); the Account API speaks JSON and carries
 * anything, ESC included. IAM names are restricted to a few ASCII characters, but IAM tag values,
 * role descriptions and policy documents pass through moto as given.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { CreateTagsCommand } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { CheckboxQuestion, ConfirmQuestion, InputQuestion, SelectQuestion } from '../../src/engine/types.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { runRootlock, ScriptedPrompter, type RunResult, type ScriptedAnswer } from '../support/harness.js';
import { fastClock, onboardingAnswers, REGION_FLAGS, seedAccount, SSM_POLICY, type NewAccount } from './support.js';

const emu = useEmulator();

/** Characters that print nothing: format characters (Cf: zero-width, bidi, BOM, soft hyphen, tags), fillers, selectors. */
const INVISIBLE = '\\p{Cf}\\u034f\\u115f\\u1160\\u3164\\uffa0\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}';
/**
 * What must never be written raw: C0 controls (newline included: a line is a line), DEL, C1 controls, bidi
 * controls, line separators, invisible characters.
 */
const UNSAFE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029${INVISIBLE}]`, 'u');
/** The same for files of lines (JSON lines, Markdown): newlines separate lines there. */
const UNSAFE_IN_FILE = new RegExp(`[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029${INVISIBLE}]`, 'u');

const FORGED = '[ok] PASS: nothing to see';
/** Zero-width space, soft hyphen and tag characters spelling "hi": `web` that is not `web`. */
const EC2_NAME = `web\u200b\u00ad\u{e0068}\u{e0069}\n${FORGED}\u009b2J\u202eevil`;
const LONG_NAME = `${'L'.repeat(250)}\u202eEND`;
const CONTACT = {
  Name: `Mallory\u001b[2J\u001b]0;pwned\u0007`,
  Title: `C\u2060FO\ufeff\r\n${FORGED}`,
  EmailAddress: 'mallory@example.com',
  PhoneNumber: '+1 206 555 0100',
};
const PRIMARY = {
  FullName: `Evil\u001b[31mCorp\u009b0m`,
  AddressLine1: `1 Main St\n${FORGED}`,
  City: 'Seattle\u2028Tacoma\u200d\u180e',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};

/** A policy document is JSON inside IAM's XML (URL-encoded): it can carry any character, ESC included. */
const POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: `Evil\u001b[2J${FORGED}`, Effect: 'Allow', Action: '*', Resource: '*' },
    {
      Sid: 'Odd',
      Effect: 'Allow',
      Action: [`iam:Get*\u001b]0;pwned\u0007`, 'iam:PassRole'],
      Resource: `arn:aws:iam::*:role/\u009b2J${'r'.repeat(300)}`,
    },
  ],
});

async function plant(acct: NewAccount): Promise<void> {
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await iam.send(
    new CreateUserCommand({
      UserName: 'policy-holder',
      Tags: [
        { Key: 'team', Value: `ops\u202eevil ${'t'.repeat(200)}` },
        { Key: 'owner', Value: 'ad\u200bmin\u{e0001}' },
      ],
    }),
  );
  await iam.send(
    new PutUserPolicyCommand({ UserName: 'policy-holder', PolicyName: 'everything', PolicyDocument: POLICY }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'described',
      Description: `line one\n${FORGED}\tand a tab\u200b`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole', Sid: 'x\u202ey' },
        ],
      }),
    }),
  );
  const { ec2 } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await ec2.send(
    new CreateTagsCommand({ Resources: [acct.instanceIds[0]!], Tags: [{ Key: 'Name', Value: EC2_NAME }] }),
  );
  await ec2.send(
    new CreateTagsCommand({ Resources: [acct.instanceIds[1]!], Tags: [{ Key: 'Name', Value: LONG_NAME }] }),
  );
  const { account } = testClients(emu().endpoint, acct.root);
  await account.send(new PutAlternateContactCommand({ AlternateContactType: 'BILLING', ...CONTACT }));
  await account.send(new PutContactInformationCommand({ ContactInformation: PRIMARY }));
}

/** The answers of a whole onboarding of the planted account. */
function answers(acct: NewAccount): Record<string, ScriptedAnswer> {
  return {
    ...onboardingAnswers(acct.instanceIds),
    'ec2-roles.policies': [SSM_POLICY],
    'ec2-roles.role': '(new)',
    'billing-recovery.contact.BILLING.change': true,
    'billing-recovery.contact.OPERATIONS.reuse': 'new',
    'billing-recovery.contact.OPERATIONS.name': 'Ops Team',
    'billing-recovery.contact.OPERATIONS.title': 'On call',
    'billing-recovery.contact.OPERATIONS.email': 'ops@example.com',
    'billing-recovery.contact.OPERATIONS.phone': '+1 206 555 0101',
    'billing-recovery.primary.fill': true,
    'billing-recovery.primary.address-line1': '1 Main St',
    'billing-recovery.primary.city': 'Seattle',
  };
}

/** A scripted prompter that also keeps every text a question would show: message, choices, defaults. */
class ShownPrompter extends ScriptedPrompter {
  readonly shown: string[] = [];
  override async confirm(q: ConfirmQuestion) {
    this.shown.push(q.message);
    return super.confirm(q);
  }
  override async input(q: InputQuestion) {
    this.shown.push(q.message, q.default ?? '');
    return super.input(q);
  }
  override async select<T>(q: SelectQuestion<T>) {
    this.shown.push(q.message, ...q.choices.flatMap((c) => [c.name, c.description ?? '']));
    return super.select(q);
  }
  override async checkbox<T>(q: CheckboxQuestion<T>) {
    this.shown.push(q.message, ...q.choices.flatMap((c) => [c.name, c.description ?? '']));
    return super.checkbox(q);
  }
}

/** Lines that hold something unsafe, or are too long for a terminal to show sensibly. */
function unsafeLines(lines: readonly string[], max = 2000): string[] {
  return lines.filter((l) => UNSAFE.test(l) || l.length > max).map((l) => JSON.stringify(l.slice(0, 200)));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('hostile account data is shown escaped and shortened, never raw', { timeout: 180_000 }, () => {
  it('check: output lines and the check JSON', async () => {
    const acct = await seedAccount(emu());
    await plant(acct);
    const text = await runRootlock(emu().endpoint, ['check', ...REGION_FLAGS], { credentials: acct.root });
    expect(unsafeLines(text.output.lines)).toEqual([]);
    expect(text.output.lines.filter((l) => l.startsWith(FORGED))).toEqual([]);

    const json = await runRootlock(emu().endpoint, ['check', '--json', ...REGION_FLAGS], { credentials: acct.root });
    // The document as printed: one JSON value, nothing a terminal would act on ...
    expect(json.stdout).not.toMatch(UNSAFE_IN_FILE);
    // ... that still carries the exact values (escaping is lossless in JSON).
    const doc = json.json;
    const ec2 = doc.steps.find((s: { id: string }) => s.id === 'ec2-roles');
    expect(ec2.details.instances.map((i: { name: string }) => i.name).sort()).toEqual([EC2_NAME, LONG_NAME].sort());
    // billing-recovery reports the contact already escaped (ec2-roles keeps the exact name): either is safe.
    const billing = doc.steps.find((s: { id: string }) => s.id === 'billing-recovery');
    expect([CONTACT.Name, 'Mallory\\x1b[2J\\x1b]0;pwned\\x07']).toContain(
      billing.details.alternateContacts.BILLING.Name,
    );
  });

  it('the wizard: output, every question and choice, the journal and the reports', async () => {
    const acct = await seedAccount(emu());
    await plant(acct);
    const prompter = new ShownPrompter(answers(acct));
    const r: RunResult = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      prompter,
      deps: { clock: fastClock },
    });
    // The whole wizard ran (every step asked and applied; root-keys keeps the session's own key).
    expect(r.output.lines, r.output.text).toContain('== Summary');
    expect(r.code).toBe(1);
    expect(prompter.asked.map((q) => q.id)).toEqual(
      expect.arrayContaining(['ec2-roles.instances', 'billing-recovery.contact.BILLING.change', 'root-keys.apply']),
    );
    expect(unsafeLines(r.output.lines)).toEqual([]);
    expect(r.output.lines.filter((l) => l.startsWith(FORGED))).toEqual([]);
    expect(unsafeLines(prompter.shown.filter(Boolean), 600)).toEqual([]);
    // The planted values were shown (escaped), not silently dropped.
    expect(r.output.text + prompter.shown.join('\n')).toContain('Mallory\\x1b[2J');
    // The look-alike instance name shows what sets it apart: its zero-width space, soft hyphen and tag characters.
    expect(r.output.text + prompter.shown.join('\n')).toContain('web\\u200b\\u00ad\\u{e0068}\\u{e0069}\\n');
    // Files of the session: the journal (JSON lines) and any report written beside it.
    const files = filesUnder(r.journalDir);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const lines = readFileSync(f, 'utf8').split('\n');
      expect(
        lines.filter((l) => UNSAFE_IN_FILE.test(l)).map((l) => `${f}: ${JSON.stringify(l.slice(0, 160))}`),
      ).toEqual([]);
    }
  });

  it('plan --out: the plan file is inert text and still the exact plan', async () => {
    const acct = await seedAccount(emu());
    await plant(acct);
    const out = join(mkdtempSync(join(tmpdir(), 'rootlock-plan-')), 'plan.json');
    const r = await runRootlock(emu().endpoint, ['plan', '--out', out, ...REGION_FLAGS], {
      credentials: acct.root,
      prompter: new ScriptedPrompter(answers(acct)),
      deps: { clock: fastClock },
    });
    expect(r.code, r.output.text).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text.split('\n').filter((l) => UNSAFE_IN_FILE.test(l))).toEqual([]);
    // Escaped as JSON escapes, so the planted values are still exact once parsed (the instances asked about).
    expect(JSON.stringify(JSON.parse(text))).toContain(JSON.stringify(EC2_NAME).slice(1, -1));
  });
});
