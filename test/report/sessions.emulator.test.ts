/**
 * Issue 7's "done when", against the emulator:
 * - `rootlock fix` on an account where only one step fails walks and changes only that step;
 * - a session stopped between two changes resumes on the next run and converges: the final
 *   AWS state is right and nothing was created twice.
 */
import { PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { GetGroupCommand, GetLoginProfileCommand, ListUserTagsCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Progress } from '../../src/engine/types.js';
import { CancelledError } from '../../src/ui/errors.js';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type TestCredentials,
} from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import {
  mutatingRequests,
  RecordingOutput,
  runRootlock,
  ScriptedPrompter,
  type ScriptedAnswer,
} from '../support/harness.js';

const emu = useEmulator();
const ACCT = '123456789012';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const REGIONS = ['--regions', 'us-east-1'];
const bootstrap = () => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);

async function seedContacts(creds: TestCredentials): Promise<void> {
  const { account } = testClients(emu().endpoint, creds);
  for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
    await account.send(
      new PutAlternateContactCommand({
        AlternateContactType: type,
        Name: `${type} team`,
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

/**
 * An account where admins, billing-recovery and root-keys pass and only ec2-roles fails: two
 * admins (ops, signing the session, and ann), every contact set, root without keys and with
 * MFA, and one instance without a role.
 */
async function onlyEc2RolesFails(): Promise<{ ops: TestCredentials; instanceId: string }> {
  emu().layer.seedRoot(ACCT, { keys: [], mfaEnabled: true });
  const ops = await createIamUserWithKey(emu().endpoint, 'ops', ADMIN);
  await createIamUserWithKey(emu().endpoint, 'ann', ADMIN);
  await seedContacts(ops);
  const { ec2 } = bootstrap();
  const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
  const run = await ec2.send(
    new RunInstancesCommand({ ImageId: imageId!, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
  );
  return { ops, instanceId: run.Instances![0]!.InstanceId! };
}

describe('rootlock fix', () => {
  it('on an account where only ec2-roles fails, asks and changes only ec2-roles', async () => {
    const { ops, instanceId } = await onlyEc2RolesFails();
    const before = await runRootlock(emu().endpoint, ['check', '--json', ...REGIONS], { credentials: ops });
    expect(Object.fromEntries(before.json.steps.map((s: { id: string; status: string }) => [s.id, s.status]))).toEqual({
      admins: 'pass',
      'ec2-roles': 'fail',
      'billing-recovery': 'pass',
      'root-keys': 'pass',
    });
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['fix', ...REGIONS], {
      credentials: ops,
      answers: {
        'ec2-roles.instances': [instanceId],
        'ec2-roles.role': '(new)',
        'ec2-roles.role.name': 'app-servers',
        'ec2-roles.policies': [SSM],
        'ec2-roles.apply': true,
      },
    });
    expect(r.code).toBe(0);
    // Only the failing step asked anything ...
    expect(r.prompter.asked.map((q) => q.id).every((id) => id.startsWith('ec2-roles.'))).toBe(true);
    // ... and only its operations reached AWS.
    expect(mutatingRequests(emu().layer.requests)).toEqual([
      'iam:CreateRole',
      'iam:AttachRolePolicy',
      'iam:CreateInstanceProfile',
      'iam:AddRoleToInstanceProfile',
      'ec2:AssociateIamInstanceProfile',
    ]);
    const assoc = await bootstrap().ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: 'instance-id', Values: [instanceId] }] }),
    );
    expect(assoc.IamInstanceProfileAssociations?.map((a) => a.IamInstanceProfile?.Arn)).toEqual([
      `arn:aws:iam::${ACCT}:instance-profile/app-servers`,
    ]);
    // The report of the fix session: the passing steps were assessed once and left alone.
    const report = JSON.parse(readFileSync(r.journalPath!.replace(/\.jsonl$/, '.json'), 'utf8'));
    expect(report.session.mode).toBe('fix');
    const steps = Object.fromEntries(report.steps.map((s: any) => [s.id, [s.before?.status, s.after?.status ?? null]]));
    expect(steps).toEqual({
      admins: ['pass', null],
      'ec2-roles': ['fail', 'pass'],
      'billing-recovery': ['pass', null],
      'root-keys': ['pass', null],
    });
    expect(new Set(report.changes.map((c: any) => c.step))).toEqual(new Set(['ec2-roles']));
  });
});

/** An output that stops the session (as Ctrl-C would) just before the change whose description matches. */
class StopBefore extends RecordingOutput {
  stopped = false;
  constructor(private readonly description: RegExp) {
    super();
  }
  override progress(text: string): Progress {
    if (!this.stopped && this.description.test(text)) {
      this.stopped = true;
      throw new CancelledError();
    }
    return super.progress(text);
  }
}

const CREATE_TWO: Record<string, ScriptedAnswer> = {
  'admins.password-policy': true,
  'admins.create': true,
  'admins.create.count': '2',
  'admins.create.name.1': 'alice',
  'admins.create.name.2': 'bob',
  'admins.apply': true,
};

describe('a session stopped between two changes', () => {
  it('resumes on the next run from AWS state and converges, with no duplicates', async () => {
    const root = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Active' }] }).keys[0]!;
    // First run: stopped right after "Create IAM user alice", before her console password.
    const output = new StopBefore(/^Give alice a one-time console password/);
    const prompter = new ScriptedPrompter(CREATE_TWO);
    const first = await runRootlock(emu().endpoint, ['--only', 'admins'], {
      credentials: root,
      deps: { ui: { output, prompter, close: () => {} } },
    });
    expect(output.stopped).toBe(true);
    expect(first.code).toBe(130);
    expect(output.text).toMatch(/Interrupted\. 4 change\(s\) had been applied/);
    expect(output.text).toContain(`rootlock report ${first.journalPath}`);
    const { iam } = bootstrap();
    const users = async () => ((await iam.send(new ListUsersCommand({}))).Users ?? []).map((u) => u.UserName).sort();
    expect(await users()).toEqual(['alice']);
    const tags = await iam.send(new ListUserTagsCommand({ UserName: 'alice' }));
    expect(tags.Tags).toContainEqual({ Key: 'rootlock-setup', Value: 'pending' });
    // The journal shows where it stopped; the report of the stopped session says so.
    const stoppedReport = await runRootlock(emu().endpoint, ['report', first.journalPath!], { credentials: root });
    expect(stoppedReport.code).toBe(0);
    const r1 = JSON.parse(readFileSync(first.journalPath!.replace(/\.jsonl$/, '.json'), 'utf8'));
    expect(r1.session.outcome).toBe('interrupted: cancelled at a prompt');
    expect(r1.changes.map((c: any) => `${c.operation} ${c.outcome}`)).toEqual([
      'iam:UpdateAccountPasswordPolicy applied',
      'iam:CreateGroup applied',
      'iam:AttachGroupPolicy applied',
      'iam:CreateUser applied',
    ]);

    // Second run, in the same journal folder: told about the interrupted session, it reads AWS
    // again, finishes alice and creates bob.
    emu().layer.requests.length = 0;
    const second = await runRootlock(emu().endpoint, ['--only', 'admins'], {
      credentials: root,
      journalDir: first.journalDir,
      answers: {
        'admins.pending.action': 'complete',
        'admins.create': true,
        'admins.create.count': '1',
        'admins.create.name.1': 'bob',
        'admins.apply': true,
      },
    });
    expect(second.output.text).toContain(`An earlier session on this account did not finish (${first.journalPath})`);
    expect(second.code, second.output.text).toBe(0);
    // Converged: two admins, each created once, both fully set up.
    expect(await users()).toEqual(['alice', 'bob']);
    const group = await iam.send(new GetGroupCommand({ GroupName: 'Administrators' }));
    expect((group.Users ?? []).map((u) => u.UserName).sort()).toEqual(['alice', 'bob']);
    for (const u of ['alice', 'bob']) {
      await expect(iam.send(new GetLoginProfileCommand({ UserName: u }))).resolves.toBeDefined();
      const t = await iam.send(new ListUserTagsCommand({ UserName: u }));
      expect(t.Tags).toEqual([{ Key: 'created-by', Value: 'rootlock' }]);
    }
    const sent = mutatingRequests(emu().layer.requests);
    expect(sent.filter((op) => op === 'iam:CreateUser')).toHaveLength(1); // bob only; alice was not created again
    expect(sent).not.toContain('iam:CreateGroup');
    expect(
      emu()
        .layer.requests.filter((q) => q.operation === 'CreateLoginProfile')
        .map((q) => q.params.UserName)
        .sort(),
    ).toEqual(['alice', 'bob']);
    // And a third run finds nothing to do.
    emu().layer.requests.length = 0;
    const third = await runRootlock(emu().endpoint, ['--only', 'admins'], {
      credentials: root,
      journalDir: first.journalDir,
      answers: {},
    });
    expect(third.code).toBe(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(third.output.text).not.toContain('did not finish');
  });
});
