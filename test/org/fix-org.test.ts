/**
 * `rootlock fix --org`, `plan --org --out` and `apply FILE` end to end on an emulated organization
 * of 200 members (built once for the file), in order: a dry run that sends nothing, a plan with an
 * SCP-blocked account refused and a contacts policy with OU overrides, a drifted account, an apply
 * interrupted by Ctrl-C (a real child process) and resumed, and the state of every member asserted
 * at the emulator afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClient, GetAlternateContactCommand } from '@aws-sdk/client-account';
import { AttachPolicyCommand, CreatePolicyCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS } from '../support/clients.js';
import { REPO_ROOT, useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';
import { buildOrgFixture, type FixtureMember, type OrgFixture } from '../support/org-fixture.js';

const MEMBERS = Number(process.env.ROOTLOCK_FIX_ORG_MEMBERS ?? 200);

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });

let org: OrgFixture;
let work: string;
let journalDir: string;
let contactsFile: string;
let blocked: FixtureMember;
let drifted: FixtureMember;
let recent: FixtureMember;

const ROOT_KINDS = new Set(['root-key', 'root-certificate', 'root-password', 'root-mfa']);

const PROD_SECURITY = {
  Name: 'Production Security',
  Title: 'Security on-call',
  EmailAddress: 'prod-security@corp.example',
  PhoneNumber: '+1 206 555 0110',
};
const ORG_SECURITY = {
  Name: 'Org Security',
  Title: 'Security operations',
  EmailAddress: 'security@corp.example',
  PhoneNumber: '+1 206 555 0102',
};

const ANSWERS = {
  'org.root-credentials': ['accessKeys', 'signingCertificates', 'password', 'mfaDevices'],
  'org.billing-access-accept': true,
  'org.recent-use': true,
};

function members(kind: string): FixtureMember[] {
  return org.members.filter((m) => m.kind === kind);
}

function rootLeft(id: string): string[] {
  const r = emu().layer.root(id);
  return [
    ...r.rootKeys.map((k) => `key ${k.accessKeyId}`),
    ...r.certificates.map((c) => `certificate ${c.certificateId}`),
    ...(r.password ? ['password'] : []),
    ...r.mfaDevices.map((d) => `mfa ${d.kind}`),
  ];
}

async function securityContact(id: string): Promise<Record<string, string | undefined>> {
  const account = new AccountClient({
    endpoint: emu().endpoint,
    region: 'us-east-1',
    credentials: emu().layer.actAs(id),
    maxAttempts: 1,
  });
  const r = await account.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
  const c = r.AlternateContact ?? {};
  return { Name: c.Name, Title: c.Title, EmailAddress: c.EmailAddress, PhoneNumber: c.PhoneNumber };
}

/** Successful requests of one operation naming one credential, at the emulator. */
function successfulDeletes(operation: string, key: string, value: string): number {
  return emu().layer.requests.filter(
    (r) => r.operation === operation && (r.params as Record<string, unknown>)[key] === value && r.status === 200,
  ).length;
}

interface Plan {
  planId: string;
  accounts: Array<{
    id: string;
    management: boolean;
    refused?: string;
    error?: string;
    changes: Array<{ id: string; operation: string; params: Record<string, unknown>; session?: unknown }>;
  }>;
}

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: MEMBERS });
  work = mkdtempSync(join(tmpdir(), 'rootlock-fix-org-'));
  journalDir = join(work, 'journal');
  contactsFile = join(work, 'contacts.json');
  writeFileSync(
    contactsFile,
    JSON.stringify({
      version: 1,
      defaults: { security: ORG_SECURITY },
      ous: { 'Root/Workloads/Prod': { security: PROD_SECURITY } },
      exclude: [org.ous.sandbox],
    }),
  );
  // One root-key member whose SCPs deny the root user IAM deletions, with no exception for AssumeRoot.
  [blocked, drifted] = members('root-key') as [FixtureMember, FixtureMember];
  recent = members('root-key')[2] as FixtureMember;
  const organizations = new OrganizationsClient({
    endpoint: emu().endpoint,
    region: 'us-east-1',
    credentials: MOTO_BOOTSTRAP_CREDENTIALS,
  });
  const policy = await organizations.send(
    new CreatePolicyCommand({
      Name: 'deny-root-deletes',
      Description: 'test: the root user may not delete IAM credentials',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'NoRootDeletes',
            Effect: 'Deny',
            Action: 'iam:Delete*',
            Resource: '*',
            Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
          },
        ],
      }),
    }),
  );
  await organizations.send(
    new AttachPolicyCommand({ PolicyId: policy.Policy?.PolicySummary?.Id as string, TargetId: blocked.id }),
  );
  // One root key used yesterday: listed as recent use, confirmed separately.
  emu().layer.seedRoot(recent.id, {
    keys: [{ lastUsed: { date: new Date(Date.now() - 86_400_000), region: 'us-east-1', service: 'iam' } }],
  });
}, 900_000);

describe(`rootlock fix --org (${MEMBERS} members)`, () => {
  it('a dry run reads every member, shows every call, and sends no mutating call', async () => {
    const before = emu().layer.requests.length;
    const r = await runRootlock(emu().endpoint, ['fix', '--org', '--dry-run', '--contacts', contactsFile], {
      credentials: org.operator,
      answers: ANSWERS,
      journalDir,
    });
    const sent = emu().layer.requests.slice(before);
    expect(mutatingRequests(sent)).toEqual([]);
    expect(r.code, r.output.text).toBe(0);
    expect(r.output.text).toMatch(/Dry run: \d+ call\(s\) shown, none sent\./);
    const shown = Number(/Dry run: (\d+) call/.exec(r.output.text)?.[1]);
    // At least one call per member with a root credential (but the refused one) and per changed contact.
    expect(shown).toBeGreaterThan(members('root-key').length + members('root-certificate').length);
    expect(r.output.text).toContain('deny-root-deletes');
    for (const m of org.members) expect(rootLeft(m.id).length > 0, m.id).toBe(ROOT_KINDS.has(m.kind));
  }, 900_000);

  it('plan --org writes the plan: the SCP-blocked account refused with its statement, contacts by OU', async () => {
    const out = join(work, 'plan.json');
    const r = await runRootlock(emu().endpoint, ['plan', '--org', '--out', out, '--contacts', contactsFile], {
      credentials: org.operator,
      answers: ANSWERS,
      journalDir,
    });
    expect(r.code, r.output.text).toBe(0);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as Plan;
    const byId = new Map(plan.accounts.map((a) => [a.id, a]));
    const refused = byId.get(blocked.id);
    expect(refused?.refused).toMatch(/deny-root-deletes/);
    expect(refused?.refused).toMatch(/NoRootDeletes/);
    expect(refused?.changes.filter((c) => c.session)).toEqual([]);
    for (const m of org.members) {
      const a = byId.get(m.id);
      expect(a?.error, m.id).toBeUndefined();
      const ops = (a?.changes ?? []).map((c) => c.operation);
      const contact = (a?.changes ?? []).find((c) => c.operation === 'PutAlternateContact');
      if (m.ou === 'Root/Sandbox') expect(contact, `${m.id} is excluded`).toBeUndefined();
      else {
        expect(contact?.params, m.id).toMatchObject({
          AccountId: m.id,
          AlternateContactType: 'SECURITY',
          ...(m.ou === 'Root/Workloads/Prod' ? PROD_SECURITY : ORG_SECURITY),
        });
      }
      if (m.id === blocked.id) continue;
      if (m.kind === 'root-key') expect(ops, m.id).toContain('DeleteAccessKey');
      if (m.kind === 'root-certificate') expect(ops, m.id).toContain('DeleteSigningCertificate');
      if (m.kind === 'root-password') expect(ops, m.id).toContain('DeleteLoginProfile');
      if (m.kind === 'root-mfa')
        expect(
          ops.filter((o) => o === 'DeactivateMFADevice'),
          m.id,
        ).toHaveLength(2);
    }
    // The management account: contacts without AccountId; its own root out of reach.
    const mgmt = byId.get(org.managementId);
    expect(mgmt?.management).toBe(true);
    expect(mgmt?.changes.every((c) => c.params.AccountId === undefined && !c.session)).toBe(true);
    expect(plan.accounts).toHaveLength(MEMBERS + 1);
  }, 900_000);

  it('apply, interrupted with Ctrl-C and run again, finishes every account once; a drifted account is skipped', async () => {
    const planFile = join(work, 'plan.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
    const destructive = plan.accounts.filter((a) => a.changes.some((c) => c.session)).length;
    // Drift: a new root key in one member after the plan was made.
    const extra = emu()
      .layer.seedRoot(drifted.id, { keys: [{}, {}] })
      .keys.map((k) => k.accessKeyId);
    const applyArgs = [
      'apply',
      '--org',
      planFile,
      '--answer',
      `org.confirm-count=${destructive}`,
      '--concurrency',
      '4',
    ];

    // A real process, interrupted once a few accounts are done.
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'rootlock'), ...applyArgs, '--journal-dir', journalDir],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: org.operator.accessKeyId,
          AWS_SECRET_ACCESS_KEY: org.operator.secretAccessKey,
          AWS_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: emu().endpoint,
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += String(d)));
    child.stderr.on('data', (d) => (output += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const orgJournal = (): string | undefined =>
      readdirSync(journalDir)
        .filter((f) => f.includes('-org-') && f.endsWith('.jsonl'))
        .map((f) => join(journalDir, f))
        .find((f) => readFileSync(f, 'utf8').includes('"command":"apply --org"'));
    const doneLines = () => {
      const f = orgJournal();
      return f && existsSync(f) ? (readFileSync(f, 'utf8').match(/"type":"org-account"/g) ?? []).length : 0;
    };
    const deadline = Date.now() + 300_000;
    while (doneLines() < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(doneLines(), output).toBeGreaterThanOrEqual(12);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, output).toBe(130);
    expect(output).toMatch(/Interrupted\. \d+ of \d+ account\(s\) had finished/);
    const finishedFirst = doneLines();
    expect(finishedFirst).toBeLessThan(MEMBERS + 1);

    // The typed confirmation now counts the accounts left: the first number that is right is taken.
    const count = { 'org.confirm-count': { sequence: Array.from({ length: destructive }, (_, i) => String(i + 1)) } };
    const r = await runRootlock(emu().endpoint, applyArgs, { credentials: org.operator, journalDir, answers: count });
    // The drifted account makes the run's exit 1; every other account is done.
    expect(r.code, r.output.text).toBe(1);
    expect(r.output.text).toMatch(/\d+ account\(s\) were finished by an earlier apply of this plan/);
    expect(r.output.text).toContain(`${drifted.id}`);
    expect(r.output.text).toMatch(/drifted: needs a change the plan lacks/);

    for (const m of org.members) {
      const left = rootLeft(m.id);
      if (m.id === blocked.id) expect(left.length, 'refused: kept').toBe(1);
      else if (m.id === drifted.id)
        expect(left.sort(), 'drifted: untouched').toEqual(extra.map((k) => `key ${k}`).sort());
      else expect(left, `${m.id} (${m.kind})`).toEqual([]);
      // The drifted account was skipped whole (its contact too); the sandbox is excluded by the policy.
      if (m.ou !== 'Root/Sandbox' && m.id !== drifted.id)
        expect(await securityContact(m.id), m.id).toEqual(
          m.ou === 'Root/Workloads/Prod' ? PROD_SECURITY : ORG_SECURITY,
        );
    }
    // Nothing done twice: every credential the plan deleted was deleted by exactly one successful call.
    for (const a of plan.accounts)
      for (const c of a.changes) {
        if (c.operation === 'DeleteAccessKey')
          expect(successfulDeletes('DeleteAccessKey', 'AccessKeyId', c.params.AccessKeyId as string), c.id).toBe(
            a.id === drifted.id ? 0 : 1,
          );
        if (c.operation === 'DeleteSigningCertificate')
          expect(successfulDeletes('DeleteSigningCertificate', 'CertificateId', c.params.CertificateId as string)).toBe(
            1,
          );
      }
    // A second apply of the same plan: everything done or skipped, nothing sent.
    const before = emu().layer.requests.length;
    const again = await runRootlock(emu().endpoint, applyArgs, {
      credentials: org.operator,
      journalDir,
      answers: count,
    });
    expect(mutatingRequests(emu().layer.requests.slice(before))).toEqual([]);
    expect(again.output.text).toMatch(/were finished by an earlier apply of this plan/);
  }, 1_800_000);
});
