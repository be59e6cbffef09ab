/**
 * Onboarding as root, handed over to an admin: once the admins step passes, the operator names
 * the AWS profile of one of the admins (read by the SDK from a real shared credentials file),
 * and ec2-roles and billing-recovery go on with it; root-keys stays with root. Asserted on the
 * wire (which key signed each change), in the account, in the journal and in the report.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InputQuestion } from '../../src/engine/types.js';
import { createIamUserWithKey, type TestCredentials } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock, ScriptedPrompter } from '../support/harness.js';
import {
  ACCOUNT,
  fastClock,
  journal,
  onboardedProblems,
  onboardingAnswers,
  REGION_FLAGS,
  seedAccount,
  snapshot,
} from '../resilience/support.js';

const emu = useEmulator({ keyPropagationSeconds: 60, credentialReportReuse: true });
const PROFILE_QUESTION = 'session.admin-profile';

/** A shared credentials file with the given profiles, pointed to by the SDK's own variables for the test. */
let home: string;
const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'rootlock-handoff-'));
  for (const k of ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_PROFILE']) saved[k] = process.env[k];
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(home, 'credentials');
  process.env.AWS_CONFIG_FILE = join(home, 'config');
  delete process.env.AWS_PROFILE;
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(home, { recursive: true, force: true });
});

function writeProfiles(profiles: Record<string, TestCredentials>): void {
  mkdirSync(home, { recursive: true });
  const text = Object.entries(profiles)
    .map(
      ([name, c]) => `[${name}]\naws_access_key_id = ${c.accessKeyId}\naws_secret_access_key = ${c.secretAccessKey}\n`,
    )
    .join('\n');
  writeFileSync(join(home, 'credentials'), text, { mode: 0o600 });
}

/** Scripted answers, except the profile question, answered from a queue (one answer per time it is asked). */
class ProfileQueuePrompter extends ScriptedPrompter {
  readonly profileAnswers: string[];
  readonly profileAsked: string[] = [];
  constructor(answers: ConstructorParameters<typeof ScriptedPrompter>[0], profiles: string[]) {
    super(answers);
    this.profileAnswers = [...profiles];
  }
  override async input(q: InputQuestion): Promise<string> {
    if (q.id !== PROFILE_QUESTION) return super.input(q);
    this.profileAsked.push(q.message);
    const a = this.profileAnswers.shift() ?? '';
    expect(q.validate?.(a)).toBe(true);
    return a;
  }
}

/** Which access key signed each mutating call, by operation. */
function signers(
  requests: Array<{ service: string; operation: string; accessKeyId: string; status?: number }>,
): Array<[string, string]> {
  const mutating = new Set(mutatingRequests(requests));
  return requests
    .filter((r) => mutating.has(`${r.service}:${r.operation}`))
    .map((r) => [`${r.service}:${r.operation}`, r.accessKeyId]);
}

describe('root hands the rest of the onboarding to an admin profile', () => {
  it('ec2-roles and billing-recovery run as the admin, root-keys as root; the account ends onboarded', async () => {
    const acct = await seedAccount(emu());
    writeProfiles({ admin: acct.firstAdmin });
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      answers: { ...onboardingAnswers(acct.instanceIds), [PROFILE_QUESTION]: 'admin' },
      deps: { clock: fastClock },
    });
    expect(r.code).toBe(1); // the session's own root key stays (root-keys.session-key=stop): root-keys fails on it
    expect(r.prompter.asked.find((q) => q.id === PROFILE_QUESTION)?.answer).toBe('admin');
    expect(r.output.text).toContain(
      `From here on rootlock acts as arn:aws:iam::${ACCOUNT}:user/first-admin (profile admin) for ec2-roles, billing-recovery.`,
    );
    expect(r.output.text).toContain('root-keys stays with the root user');

    // On the wire: the admins step's changes signed by root, the next two steps' by the admin, root-keys' by root.
    const byKey = signers(emu().layer.requests);
    const root = acct.root.accessKeyId;
    const admin = acct.firstAdmin.accessKeyId;
    const of = (ops: RegExp) => [...new Set(byKey.filter(([op]) => ops.test(op)).map(([, key]) => key))];
    expect(of(/^iam:(CreateUser|CreateGroup|AddUserToGroup|CreateLoginProfile|UpdateAccountPasswordPolicy)$/)).toEqual([
      root,
    ]);
    expect(
      of(
        /^(iam:(CreateRole|CreateInstanceProfile|AddRoleToInstanceProfile|AttachRolePolicy)|ec2:AssociateIamInstanceProfile)$/,
      ),
    ).toEqual([admin]);
    expect(of(/^account:(PutAlternateContact|PutContactInformation)$/)).toEqual([admin]);
    expect(of(/^iam:(UpdateAccessKey|DeleteAccessKey)$/)).toEqual([root]);
    // The next steps were read by the admin too (after root-keys, as the session's last reads).
    const lastRead = emu()
      .layer.requests.filter((q) => q.service === 's3control')
      .at(-1);
    expect(lastRead?.accessKeyId).toBe(admin);

    // The account, read back.
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);

    // The journal says who acted for which steps; the report shows it.
    const entries = journal(r.journalPath);
    expect(entries.filter((e) => e.type === 'session-switch')).toEqual([
      expect.objectContaining({
        principal: `arn:aws:iam::${ACCOUNT}:user/first-admin`,
        principalType: 'iam-user',
        profile: 'admin',
        steps: ['ec2-roles', 'billing-recovery'],
      }),
    ]);
    const attest = entries.find((e) => e.type === 'attestation');
    expect(attest?.by).toBe(`arn:aws:iam::${ACCOUNT}:user/first-admin`);
    const report = readFileSync(r.journalPath!.replace(/\.jsonl$/, '.md'), 'utf8');
    expect(report).toContain(
      `| Then, as an admin | arn:aws:iam::${ACCOUNT}:user/first-admin (iam-user), profile admin, for ec2-roles, billing-recovery |`,
    );
  });

  it('refuses a profile that is not an admin, or that does not exist, with the reason; then takes an admin', async () => {
    const acct = await seedAccount(emu());
    const reader = await createIamUserWithKey(emu().endpoint, 'reader', 'arn:aws:iam::aws:policy/ReadOnlyAccess');
    writeProfiles({ admin: acct.firstAdmin, reader });
    emu().layer.requests.length = 0;
    const prompter = new ProfileQueuePrompter(onboardingAnswers(acct.instanceIds), [
      'reader',
      'no-such-profile',
      'admin',
    ]);
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      prompter,
      deps: { clock: fastClock },
    });
    expect(prompter.profileAsked).toHaveLength(3);
    expect(prompter.profileAsked[0]).toMatch(
      /^Go on as an admin \((first-admin, second-admin|second-admin, first-admin)\) for ec2-roles, billing-recovery\?/,
    );
    expect(r.output.text).toMatch(
      /Profile reader cannot take over: IAM user reader is not one of the administrators found \((first-admin, second-admin|second-admin, first-admin)\)\./,
    );
    expect(r.output.text).toContain(
      'Profile no-such-profile cannot take over: no credentials for it were found in the AWS config and credentials files',
    );
    expect(r.output.text).toContain(`acts as arn:aws:iam::${ACCOUNT}:user/first-admin (profile admin)`);
    // Nothing was sent with the refused profile but the identity read.
    const withReader = new Set(
      emu()
        .layer.requests.filter((q) => q.accessKeyId === reader.accessKeyId)
        .map((q) => `${q.service}:${q.operation}`),
    );
    expect([...withReader].sort()).toEqual(['iam:ListAccountAliases', 'sts:GetCallerIdentity']);
    expect(r.code).toBe(1);
  });

  it('refuses the root user again; an empty answer goes on as root for everything', async () => {
    const acct = await seedAccount(emu());
    writeProfiles({ 'root-again': acct.otherRootKey });
    const prompter = new ProfileQueuePrompter(onboardingAnswers(acct.instanceIds), ['root-again', '']);
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      prompter,
      deps: { clock: fastClock },
    });
    expect(r.output.text).toContain('Profile root-again cannot take over: it signs in as the root user too.');
    expect(r.output.text).toContain('Going on as the root user.');
    expect(new Set(signers(emu().layer.requests).map(([, key]) => key))).toEqual(new Set([acct.root.accessKeyId]));
    expect(journal(r.journalPath).some((e) => e.type === 'session-switch')).toBe(false);
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
  });

  it('without an answer (no terminal, the answers file silent) the session goes on as root', async () => {
    const acct = await seedAccount(emu());
    writeProfiles({ admin: acct.firstAdmin });
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      answers: onboardingAnswers(acct.instanceIds),
      deps: { clock: fastClock },
    });
    expect(r.prompter.asked.find((q) => q.id === PROFILE_QUESTION)?.answer).toBe('');
    expect(new Set(signers(emu().layer.requests).map(([, key]) => key))).toEqual(new Set([acct.root.accessKeyId]));
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
  });
});
