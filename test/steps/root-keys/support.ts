/**
 * Helpers for the root-keys emulator tests: a step context over the emulator (for runStep
 * with chosen prerequisite assessments), a prompter that acts between questions (the operator
 * clicking in the console, or someone deleting a key between plan and apply), and an
 * organization with a member account.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationCommand,
  EnableAWSServiceAccessCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRootCommand } from '@aws-sdk/client-sts';
import { readIdentity } from '../../../src/aws/identity.js';
import { ClientPool } from '../../../src/aws/pool.js';
import { testWizardContext } from '../../support/context.js';
import { openJournal } from '../../../src/engine/journal.js';
import type { WizardContext } from '../../../src/engine/runner.js';
import type {
  Assessment,
  CheckboxQuestion,
  Clock,
  ConfirmQuestion,
  InputQuestion,
  SelectQuestion,
  StepId,
} from '../../../src/engine/types.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from '../../support/clients.js';
import { RecordingOutput, ScriptedPrompter, type ScriptedAnswer } from '../../support/harness.js';

export const ACCT = '123456789012';
export const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
/** Keeps the ec2-roles prerequisite (read by root-keys under --only) to one region. */
export const FAST = ['--regions', 'us-east-1'];

/** Real time (the root layer's clock is real time too), no waiting between report polls. */
export const testClock: Clock = { now: () => new Date(), sleep: async () => {} };

/** Prerequisite assessments, as if admins, ec2-roles and billing-recovery had run in this session. */
export function prerequisites(
  status: Partial<Record<'admins' | 'ec2-roles' | 'billing-recovery', Assessment['status']>> = {},
): Map<StepId, Assessment> {
  const a = (s: Assessment['status']): Assessment => ({ status: s, summary: `${s} (test)`, findings: [], details: {} });
  return new Map<StepId, Assessment>([
    ['admins', a(status.admins ?? 'pass')],
    ['ec2-roles', a(status['ec2-roles'] ?? 'pass')],
    ['billing-recovery', a(status['billing-recovery'] ?? 'manual')],
  ]);
}

/** A scripted prompter that runs a hook before answering a question (the nth time it is asked). */
export class HookedPrompter extends ScriptedPrompter {
  private readonly counts = new Map<string, number>();
  constructor(
    answers: Record<string, ScriptedAnswer>,
    private readonly hooks: Record<string, (n: number) => unknown>,
  ) {
    super(answers);
  }
  private async hook(id: string): Promise<void> {
    const n = (this.counts.get(id) ?? 0) + 1;
    this.counts.set(id, n);
    await this.hooks[id]?.(n);
  }
  override async confirm(q: ConfirmQuestion): Promise<boolean> {
    await this.hook(q.id);
    return super.confirm(q);
  }
  override async input(q: InputQuestion): Promise<string> {
    await this.hook(q.id);
    return super.input(q);
  }
  override async select<T>(q: SelectQuestion<T>): Promise<T> {
    await this.hook(q.id);
    return super.select(q);
  }
  override async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    await this.hook(q.id);
    return super.checkbox(q);
  }
}

export interface StepContextOptions {
  prompter?: ScriptedPrompter;
  answers?: Record<string, ScriptedAnswer>;
  assessments?: Map<StepId, Assessment>;
  dryRun?: boolean;
  targetAccount?: string;
  verifyProfile?: string;
  journalDir?: string;
}

/** A wizard context over the emulator, built the way src/cli/run.ts builds it. */
export async function stepContext(endpoint: string, credentials: TestCredentials, opts: StepContextOptions = {}) {
  const pool = new ClientPool({ region: 'us-east-1', endpoint, credentials, maxAttempts: 1 });
  const { caller, account } = await readIdentity(pool);
  const output = new RecordingOutput();
  const journalDir = opts.journalDir ?? mkdtempSync(join(tmpdir(), 'rootlock-root-keys-'));
  const journal = openJournal({
    dir: journalDir,
    sessionId: Math.random().toString(36).slice(2, 10),
    now: testClock.now(),
  });
  journal.write({
    type: 'session-start',
    command: 'wizard',
    dryRun: Boolean(opts.dryRun),
    account: account.id,
    principal: caller.arn,
    version: 'test',
  });
  const dryRun = opts.dryRun ?? false;
  const prompter = opts.prompter ?? new ScriptedPrompter(opts.answers ?? {});
  const ctx: WizardContext = testWizardContext({
    pool,
    caller,
    account,
    clock: testClock,
    output,
    options: { regions: ['us-east-1'], targetAccount: opts.targetAccount, verifyProfile: opts.verifyProfile },
    assessments: opts.assessments ?? prerequisites(),
    prompter,
    journal,
    dryRun,
  });
  const gate = ctx.gate;
  return { ctx, output, prompter, gate, journal };
}

/** The journal's entries. */
export function journalEntries(path: string | undefined): Array<Record<string, any>> {
  if (!path) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, any>);
}

/** An organization (all features) managed by the default account, with one member account. */
export async function makeOrganization(
  endpoint: string,
  opts: { trustedIam?: boolean } = {},
): Promise<{ orgId: string; memberId: string }> {
  const { organizations } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const org = await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: 'member', Email: 'member@example.com' }),
  );
  const memberId = created.CreateAccountStatus?.AccountId;
  const orgId = org.Organization?.Id;
  if (!memberId || !orgId) throw new Error('organization setup failed');
  if (opts.trustedIam)
    await organizations.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
  return { orgId, memberId };
}

/** Short root-session credentials for a member account (what `aws sts assume-root` gives). */
export async function assumeRootCredentials(
  endpoint: string,
  caller: TestCredentials,
  target: string,
  task: string,
): Promise<TestCredentials> {
  const out = await testClients(endpoint, caller).sts.send(
    new AssumeRootCommand({
      TargetPrincipal: target,
      TaskPolicyArn: { arn: `arn:aws:iam::aws:policy/root-task/${task}` },
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) throw new Error('AssumeRoot returned no credentials');
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

/**
 * A shared credentials file with one profile, pointed at by AWS_SHARED_CREDENTIALS_FILE (and an
 * empty AWS_CONFIG_FILE) until the returned function restores the environment.
 */
export function useProfile(name: string, creds: TestCredentials): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rootlock-profile-'));
  const credentialsFile = join(dir, 'credentials');
  const configFile = join(dir, 'config');
  writeFileSync(
    credentialsFile,
    `[${name}]\naws_access_key_id = ${creds.accessKeyId}\naws_secret_access_key = ${creds.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  writeFileSync(configFile, `[profile ${name}]\nregion = us-east-1\n`, { mode: 0o600 });
  const saved = { c: process.env.AWS_SHARED_CREDENTIALS_FILE, f: process.env.AWS_CONFIG_FILE };
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentialsFile;
  process.env.AWS_CONFIG_FILE = configFile;
  return () => {
    if (saved.c === undefined) delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    else process.env.AWS_SHARED_CREDENTIALS_FILE = saved.c;
    if (saved.f === undefined) delete process.env.AWS_CONFIG_FILE;
    else process.env.AWS_CONFIG_FILE = saved.f;
  };
}
