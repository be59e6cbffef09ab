/**
 * Session reports against the emulator: a real wizard session (admins + billing-recovery)
 * writes Markdown, JSON and ASFF beside its journal; they hold the before and after of each
 * step, every change and the attestation, and no generated password anywhere;
 * `rootlock report <journal>` rebuilds the same three files from the journal alone.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { GetGroupCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { REQUIRED_TOP_LEVEL, validateAsffFinding } from '../../src/report/asff.js';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type TestCredentials,
} from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { AffirmativePrompter, runRootlock } from '../support/harness.js';

const emu = useEmulator();
const ACCT = '123456789012';

async function seedContacts(creds: TestCredentials): Promise<void> {
  const { account } = testClients(emu().endpoint, creds);
  for (const [type, name] of [
    ['BILLING', 'Jane Doe'],
    ['OPERATIONS', 'Ops Team'],
    ['SECURITY', 'Security Team'],
  ] as const) {
    await account.send(
      new PutAlternateContactCommand({
        AlternateContactType: type,
        Name: name,
        Title: 'Lead',
        EmailAddress: `${type.toLowerCase()}@example.com`,
        PhoneNumber: '+1 206 555 0100',
      }),
    );
  }
  await account.send(
    new PutContactInformationCommand({
      ContactInformation: {
        FullName: 'Example Corp',
        AddressLine1: '1 Main St',
        City: 'Seattle',
        StateOrRegion: 'WA',
        PostalCode: '98101',
        CountryCode: 'US',
        PhoneNumber: '+1 206 555 0199',
      },
    }),
  );
}

/** Generated passwords the test can search for: distinctive, and valid for any IAM password policy. */
function secretGenerator(): { generate: () => string; values: string[] } {
  const values: string[] = [];
  return {
    values,
    generate: () => {
      const v = `Zq9!GeneratedSecret${values.length}xY#${Math.random().toString(36).slice(2, 10)}`;
      values.push(v);
      return v;
    },
  };
}

const ANSWERS = {
  'admins.password-policy': true,
  'admins.create': true,
  'admins.create.count': '2',
  'admins.create.name.1': 'alice',
  'admins.create.name.2': 'bob',
  'admins.apply': true,
  'billing-recovery.contact.BILLING.change': false,
  'billing-recovery.contact.OPERATIONS.change': false,
  'billing-recovery.contact.SECURITY.change': false,
  'billing-recovery.billing-access.attest': true,
};

function filesIn(dir: string): Array<{ name: string; text: string }> {
  return readdirSync(dir).map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}

describe('session reports', () => {
  it('are written beside the journal after a session: before/after, changes, attestation, next steps; no secret anywhere', async () => {
    const root = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Active' }] }).keys[0]!;
    await seedContacts(root);
    const secrets = secretGenerator();
    const r = await runRootlock(emu().endpoint, ['--only', 'admins,billing-recovery'], {
      credentials: root,
      answers: ANSWERS,
      generateSecret: secrets.generate,
    });
    expect(r.code, r.output.text).toBe(0);
    // The changes really happened (so the report describes real AWS state).
    const g = await testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS).iam.send(
      new GetGroupCommand({ GroupName: 'Administrators' }),
    );
    expect((g.Users ?? []).map((u) => u.UserName).sort()).toEqual(['alice', 'bob']);
    expect(secrets.values).toHaveLength(2);
    expect(r.output.secrets.map((s) => s.value)).toEqual(secrets.values);

    const journal = r.journalPath!;
    const base = journal.replace(/\.jsonl$/, '');
    const md = readFileSync(`${base}.md`, 'utf8');
    const json = JSON.parse(readFileSync(`${base}.json`, 'utf8'));
    const asff = JSON.parse(readFileSync(`${base}.asff.json`, 'utf8')) as Array<Record<string, any>>;
    for (const ext of ['.md', '.json', '.asff.json']) expect(statSync(`${base}${ext}`).mode & 0o777).toBe(0o600);
    expect(r.output.text).toContain(`Report of this session: ${base}.md`);

    // JSON: who, when, mode, account.
    expect(json.schema).toBe('rootlock.report/v1');
    expect(json.account).toEqual({ id: ACCT, alias: null, type: 'standalone', organizationId: null });
    expect(json.principal).toEqual({ arn: `arn:aws:iam::${ACCT}:root`, type: 'root' });
    expect(json.session).toMatchObject({
      command: 'wizard',
      mode: 'onboarding',
      dryRun: false,
      outcome: 'completed',
      journal: basename(journal),
      region: 'us-east-1',
    });
    expect(Date.parse(json.session.startedAt)).toBeLessThanOrEqual(Date.parse(json.session.endedAt));
    // Each step's before and after, with findings and their controls.
    const admins = json.steps.find((s: any) => s.id === 'admins');
    expect(admins.before.status).toBe('fail');
    expect(admins.after.status).toBe('pass');
    expect(admins.after.summary).toBe('2 full admins (alice, bob).');
    expect(admins.before.findings.length).toBeGreaterThan(0);
    for (const f of admins.before.findings) expect(Array.isArray(f.controls)).toBe(true);
    expect(admins.before.findings.flatMap((f: any) => f.controls)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CIS v5\.0\.0 /)]),
    );
    const billing = json.steps.find((s: any) => s.id === 'billing-recovery');
    expect(billing.before.status).toBeDefined();
    // Every change: operation, redacted params, outcome; the password is the placeholder.
    const ops = json.changes.map((c: any) => c.operation);
    expect(ops).toEqual(
      expect.arrayContaining(['iam:CreateGroup', 'iam:CreateUser', 'iam:CreateLoginProfile', 'iam:AddUserToGroup']),
    );
    expect(json.changes.every((c: any) => c.outcome === 'applied')).toBe(true);
    const login = json.changes.find((c: any) => c.operation === 'iam:CreateLoginProfile');
    expect(login.params.Password).toEqual({ $secret: 'password', label: 'one-time console password for alice' });
    expect(login.description).toMatch(/alice/);
    expect(json.totals.applied).toBe(json.changes.length);
    // The attestation, with who made it.
    expect(json.attestations).toEqual([
      expect.objectContaining({
        step: 'billing-recovery',
        by: `arn:aws:iam::${ACCT}:root`,
        statement: expect.stringContaining('Billing information is activated'),
      }),
    ]);
    // --only: next steps not checked, and the report says so.
    expect(json.nextSteps).toBeNull();

    // Markdown: the same facts for people.
    expect(md).toContain(`# rootlock session report: account ${ACCT}`);
    expect(md).toMatch(/\| Administrators \| FAIL \| PASS \| \d+ applied \|/);
    expect(md).toContain('`iam:CreateLoginProfile` (admins): applied');
    expect(md).toContain('"$secret":"password"');
    expect(md).toContain('## Attestations');
    expect(md).toContain(`by arn:aws:iam::${ACCT}:root`);
    expect(md).toContain(
      `aws securityhub batch-import-findings --region us-east-1 --findings file://${basename(base)}.asff.json`,
    );

    // ASFF: valid, and the admins findings the session fixed are sent as resolved.
    expect(asff.length).toBeGreaterThan(0);
    for (const f of asff) {
      expect(validateAsffFinding(f)).toEqual([]);
      for (const k of REQUIRED_TOP_LEVEL) expect(f[k]).toBeDefined();
    }
    const adminsStep = asff.find((f) => f.GeneratorId === 'rootlock/step/admins')!;
    expect(adminsStep.Compliance.Status).toBe('PASSED');
    const resolved = asff.filter((f) => f.RecordState === 'ARCHIVED');
    expect(resolved.length).toBeGreaterThan(0);
    for (const f of resolved) expect(f.Compliance.Status).toBe('PASSED');

    // No generated password in any file of the journal folder, the output or stdout.
    const files = filesIn(r.journalDir);
    expect(files.map((f) => f.name).sort()).toEqual(
      [basename(journal), `${basename(base)}.asff.json`, `${basename(base)}.json`, `${basename(base)}.md`].sort(),
    );
    for (const v of secrets.values) {
      for (const f of files) expect(f.text, f.name).not.toContain(v);
      expect(r.output.text).not.toContain(v);
      expect(r.stdout).not.toContain(v);
    }
  });

  it('rootlock report <journal> rebuilds the same three files from the journal alone', async () => {
    const root = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Active' }] }).keys[0]!;
    await seedContacts(root);
    const r = await runRootlock(emu().endpoint, ['--only', 'admins,billing-recovery'], {
      credentials: root,
      answers: ANSWERS,
      generateSecret: secretGenerator().generate,
    });
    const base = r.journalPath!.replace(/\.jsonl$/, '');
    const out = mkdtempSync(join(tmpdir(), 'rootlock-report-'));
    emu().layer.requests.length = 0;
    const rebuilt = await runRootlock(emu().endpoint, ['report', r.journalPath!, '--out-dir', out], {
      credentials: root,
    });
    expect(rebuilt.code).toBe(0);
    expect(emu().layer.requests).toEqual([]); // no AWS call at all
    for (const ext of ['.md', '.json', '.asff.json']) {
      const again = join(out, `${basename(base)}${ext}`);
      expect(readFileSync(again, 'utf8'), ext).toBe(readFileSync(`${base}${ext}`, 'utf8'));
      expect(statSync(again).mode & 0o777).toBe(0o600);
    }
    expect(rebuilt.output.text).toContain(join(out, `${basename(base)}.md`));
  });

  it('a full run records the next steps in the report; report refuses a file that is not a journal', async () => {
    emu().layer.seedRoot(ACCT, { keys: [], mfaEnabled: false });
    const ops = await createIamUserWithKey(emu().endpoint, 'ops', 'arn:aws:iam::aws:policy/AdministratorAccess');
    const r = await runRootlock(emu().endpoint, ['--dry-run', '--regions', 'us-east-1'], {
      credentials: ops,
      prompter: new AffirmativePrompter(),
    });
    const json = JSON.parse(readFileSync(r.journalPath!.replace(/\.jsonl$/, '.json'), 'utf8'));
    expect(json.session).toMatchObject({ dryRun: true, outcome: 'completed' });
    expect(json.nextSteps.map((n: any) => n.id)).toContain('root-mfa');
    expect(json.nextSteps.find((n: any) => n.id === 'root-mfa').status).toBe('fail');
    expect(json.changes.every((c: any) => c.outcome === 'dry-run')).toBe(true);
    const md = readFileSync(r.journalPath!.replace(/\.jsonl$/, '.md'), 'utf8');
    expect(md).toContain('dry run: nothing was sent');
    expect(md).toContain('| MFA on the root user | FAIL |');

    const bad = join(mkdtempSync(join(tmpdir(), 'rootlock-bad-')), 'x.jsonl');
    writeFileSync(bad, '{"type":"plan"}\n');
    const refused = await runRootlock(emu().endpoint, ['report', bad], { credentials: ops });
    expect(refused.code).toBe(2);
    expect(refused.output.text).toContain('is not a rootlock journal');
  });
});
