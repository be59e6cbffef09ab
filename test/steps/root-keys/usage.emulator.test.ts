/**
 * What a root key is used for, before it goes, end to end against the emulator (moto + the root
 * layer's CloudTrail event history, behaviour 20): the root user runs rootlock; the other root key
 * was used (calls signed with it through the layer, and events planted as if made before the
 * session). The wizard shows the key's recent calls, source IPs and user agents before it asks
 * whether to deactivate it, the session report carries them, and `check --json` has them in the
 * key's details. Where a service control policy denies cloudtrail:LookupEvents to a member
 * account's root user, rootlock says so and falls back to the last-used fields; the step does
 * not fail because of it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import type { SelectQuestion, ConfirmQuestion, InputQuestion, CheckboxQuestion } from '../../../src/engine/types.js';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients, type TestCredentials } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, RecordingOutput, runRootlock, ScriptedPrompter } from '../../support/harness.js';
import { ACCT, FAST, makeOrganization } from './support.js';

const emu = useEmulator();
const layer = () => emu().layer;
const DAY = 86_400_000;
const BACKUP_IP = '203.0.113.7';
const BACKUP_AGENT = 'nightly-backup/2.3 (cron)';

/** A scripted prompter that writes each question into the output as it is asked, so order shows. */
class InlinePrompter extends ScriptedPrompter {
  constructor(
    answers: Record<string, unknown>,
    private readonly out: RecordingOutput,
  ) {
    super(answers);
  }
  override async confirm(q: ConfirmQuestion): Promise<boolean> {
    this.out.lines.push(`[ask] ${q.id}`);
    return super.confirm(q);
  }
  override async input(q: InputQuestion): Promise<string> {
    this.out.lines.push(`[ask] ${q.id}`);
    return super.input(q);
  }
  override async select<T>(q: SelectQuestion<T>): Promise<T> {
    this.out.lines.push(`[ask] ${q.id}`);
    return super.select(q);
  }
  override async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    this.out.lines.push(`[ask] ${q.id}`);
    return super.checkbox(q);
  }
}

/**
 * The root user of `account` with two keys: the session's and another that a backup job used:
 * three PutObject calls 20, 10 and 2 days ago (planted), and one call signed with it now.
 */
async function rootWithUsedKey(account = ACCT) {
  const { keys } = layer().seedRoot(account, { keys: [{}, {}], mfaEnabled: true });
  const [own, other] = keys as [TestCredentials, TestCredentials];
  const now = layer().now().getTime();
  layer().seedTrailEvents(
    other.accessKeyId,
    [20, 10, 2].map((days) => ({
      eventName: 'PutObject',
      service: 's3',
      time: new Date(now - days * DAY),
      sourceIp: BACKUP_IP,
      userAgent: BACKUP_AGENT,
    })),
  );
  // A real call signed with the key, through the layer: recorded (and its last use set).
  await testClients(emu().endpoint, other).iam.send(new ListUsersCommand({}));
  return { own, other };
}

const lookups = (from = 0) =>
  layer()
    .requests.slice(from)
    .filter((r) => r.service === 'cloudtrail' && r.operation === 'LookupEvents');

describe('root-keys: what a root key is used for, before it goes', () => {
  it('the wizard shows the key’s CloudTrail use before asking to deactivate it; the report carries it', async () => {
    const { own, other } = await rootWithUsedKey();
    const start = layer().requests.length;
    const output = new RecordingOutput();
    const prompter = new InlinePrompter(
      {
        'root-keys.override': ACCT,
        'root-keys.active': 'deactivate',
        'root-keys.apply': true,
        'root-keys.inactive': 'stop',
      },
      output,
    );
    const r = await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: own,
      deps: { ui: { output, prompter, close: () => {} } },
    });

    // AWS state: the used key was deactivated (the operator chose to, having seen what uses it).
    expect(
      layer()
        .root(ACCT)
        .rootKeys.find((k) => k.accessKeyId === other.accessKeyId)?.status,
    ).toBe('Inactive');

    // Order: the usage lines come before the deactivate question.
    const lines = output.lines;
    const asked = lines.indexOf('[ask] root-keys.active');
    expect(asked).toBeGreaterThan(0);
    const before = lines.slice(0, asked).join('\n');
    expect(before).toContain('What the keys are used for');
    expect(before).toMatch(/CloudTrail us-east-1, since \d{4}-\d\d-\d\d: 4 events/);
    expect(before).toContain('calls: PutObject \u00d73, ListUsers');
    expect(before).toContain(`from: ${BACKUP_IP} \u00d73, 127.0.0.1`);
    expect(before).toContain(`user agents: ${BACKUP_AGENT} \u00d73`);
    // The key id is masked there (the plan that follows shows the exact API call, full id included).
    expect(before).not.toContain(other.accessKeyId);

    // On the wire: LookupEvents by that key's id, in us-east-1 (where it was last used), signed by the session's key.
    const sent = lookups(start);
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      expect(q.accessKeyId).toBe(own.accessKeyId);
      expect(q.region).toBe('us-east-1');
      expect(q.status).toBe(200);
    }
    const forOther = sent.find((q) => JSON.stringify(q.params.LookupAttributes).includes(other.accessKeyId));
    expect(forOther?.params.LookupAttributes).toEqual([
      { AttributeKey: 'AccessKeyId', AttributeValue: other.accessKeyId },
    ]);
    expect(forOther?.params.MaxResults).toBe(50);
    // The session key was used too (by this very session): looked up as well; nothing else mutated but the deactivation.
    expect(sent.some((q) => JSON.stringify(q.params).includes(own.accessKeyId))).toBe(true);
    expect(mutatingRequests(layer().requests.slice(start))).toEqual(['iam:UpdateAccessKey']);

    // The session report (Markdown) has the usage, from the journal.
    const md = r.journalPath?.replace(/\.jsonl$/, '.md');
    expect(md && existsSync(md)).toBe(true);
    const report = readFileSync(md as string, 'utf8');
    expect(report).toContain('PutObject x3');
    expect(report).toContain(BACKUP_IP);
    expect(report).toContain('nightly-backup/2.3 (cron) x3');
    expect(report).not.toContain(other.accessKeyId);
  });

  it('check --json carries the usage in the key’s details and a finding; nothing is changed', async () => {
    const { own, other } = await rootWithUsedKey();
    const start = layer().requests.length;
    const r = await runRootlock(emu().endpoint, ['check', '--only', 'root-keys', '--json', ...FAST], {
      credentials: own,
    });
    const step = r.json.steps.find((s: { id: string }) => s.id === 'root-keys');
    expect(step.status).toBe('fail');
    const masked = `${other.accessKeyId.slice(0, 4)}************${other.accessKeyId.slice(-4)}`;
    const key = step.details.keys.find((k: { id: string }) => k.id === masked);
    expect(key.usage).toMatchObject({
      status: 'read',
      region: 'us-east-1',
      events: 4,
      truncated: false,
      error: null,
    });
    expect(key.usage.eventNames).toEqual([
      { value: 'PutObject', count: 3 },
      { value: 'ListUsers', count: 1 },
    ]);
    expect(key.usage.sourceIps[0]).toEqual({ value: BACKUP_IP, count: 3 });
    expect(key.usage.userAgents[0]).toEqual({ value: BACKUP_AGENT, count: 3 });
    expect(Date.parse(key.usage.firstSeen)).toBeLessThan(Date.parse(key.usage.lastSeen));
    const usage = step.findings.filter((f: { id: string }) => f.id === 'root-keys.key-usage');
    expect(usage.map((f: { message: string }) => f.message).join('\n')).toContain(
      'calls PutObject x3, ListUsers; from 203.0.113.7 x3',
    );
    expect(r.stdout).not.toContain(other.accessKeyId);
    expect(mutatingRequests(layer().requests.slice(start))).toEqual([]);
    expect(lookups(start).length).toBeGreaterThan(0);
  });

  it('cloudtrail:LookupEvents denied (an SCP on a member account): says so, falls back to last use, the step still assesses', async () => {
    const { memberId } = await makeOrganization(emu().endpoint);
    const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const policy = await organizations.send(
      new CreatePolicyCommand({
        Name: 'no-cloudtrail-lookups',
        Description: 'no-cloudtrail-lookups',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
        }),
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: policy.Policy?.PolicySummary?.Id as string, TargetId: memberId }),
    );
    const { own, other } = await rootWithUsedKey(memberId);
    const start = layer().requests.length;

    const r = await runRootlock(emu().endpoint, ['check', '--only', 'root-keys', '--json', ...FAST], {
      credentials: own,
    });
    // The lookups were sent and refused by the SCP.
    const sent = lookups(start);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((q) => q.status === 403)).toBe(true);

    const step = r.json.steps.find((s: { id: string }) => s.id === 'root-keys');
    // Not an error: the keys are there, so the step fails on them, as without CloudTrail.
    expect(step.status).toBe('fail');
    const masked = `${other.accessKeyId.slice(0, 4)}************${other.accessKeyId.slice(-4)}`;
    const key = step.details.keys.find((k: { id: string }) => k.id === masked);
    expect(key.lastUsed).not.toBeNull();
    expect(key.usage).toMatchObject({
      status: 'unreadable',
      region: 'us-east-1',
      error: { action: 'cloudtrail:LookupEvents', code: 'AccessDeniedException' },
    });
    const finding = step.findings.find(
      (f: { id: string; message: string }) => f.id === 'root-keys.key-usage' && f.message.includes(masked),
    );
    expect(finding.message).toContain('cloudtrail:LookupEvents was refused (AccessDeniedException');
    expect(finding.message).toMatch(/last used \d{4}-\d\d-\d\d \(iam, us-east-1\)/);
    expect(finding.remediation).toContain('cloudtrail:LookupEvents');
  });

  it('denied in the wizard: the fallback is shown before the question', async () => {
    const { memberId } = await makeOrganization(emu().endpoint);
    const { organizations } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id as string;
    await organizations.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }));
    const policy = await organizations.send(
      new CreatePolicyCommand({
        Name: 'no-cloudtrail',
        Description: 'no-cloudtrail',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'cloudtrail:*', Resource: '*' }],
        }),
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: policy.Policy?.PolicySummary?.Id as string, TargetId: memberId }),
    );
    const { own, other } = await rootWithUsedKey(memberId);
    const output = new RecordingOutput();
    const prompter = new InlinePrompter({ 'root-keys.override': memberId, 'root-keys.active': 'stop' }, output);
    await runRootlock(emu().endpoint, ['--only', 'root-keys', ...FAST], {
      credentials: own,
      deps: { ui: { output, prompter, close: () => {} } },
    });
    const asked = output.lines.indexOf('[ask] root-keys.active');
    expect(asked).toBeGreaterThan(0);
    const before = output.lines.slice(0, asked).join('\n');
    expect(before).toContain('not readable, cloudtrail:LookupEvents was refused (AccessDeniedException');
    expect(before).toMatch(/Going by the last-used fields alone: last used \d{4}-\d\d-\d\d \(iam, us-east-1\)/);
    // Nothing changed: the operator stopped.
    expect(
      layer()
        .root(memberId)
        .rootKeys.find((k) => k.accessKeyId === other.accessKeyId)?.status,
    ).toBe('Active');
  });
});
