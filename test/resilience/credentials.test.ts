/**
 * Credentials that stop working in the middle of a session: expired temporary credentials
 * (the fault proxy answers ExpiredToken / ExpiredTokenException / RequestExpired from some
 * call on), and a key deactivated by someone else while rootlock runs (the root layer then
 * refuses it, as IAM does). rootlock must stop after the step that met the refusal, exit 2,
 * say what was done and what was not, and how to resume; the rerun must finish the job.
 */
import { describe, expect, it } from 'vitest';
import type { CheckboxQuestion, ConfirmQuestion, InputQuestion, SelectQuestion } from '../../src/engine/types.js';
import { useEmulator } from '../support/emulator.js';
import type { CallInfo } from '../support/fault-proxy.js';
import { runRootlock, ScriptedPrompter, type ScriptedAnswer } from '../support/harness.js';
import {
  ACCOUNT,
  fastClock,
  journal,
  onboardedProblems,
  onboardingAnswers,
  REGION_FLAGS,
  seedAccount,
  snapshot,
  useFaultProxy,
} from './support.js';

const emu = useEmulator();
const proxy = useFaultProxy(emu);

/** Every call from the first one matching `first` on is refused: the credentials expired there. */
function expiresAt(first: (c: CallInfo) => boolean): (c: CallInfo) => boolean {
  let expired = false;
  return (c) => (expired ||= first(c));
}

/** Runs `act` just before the question `id` is answered (someone acting in the console meanwhile). */
class ActingPrompter extends ScriptedPrompter {
  constructor(
    answers: Record<string, ScriptedAnswer>,
    private readonly id: string,
    private readonly act: () => void,
  ) {
    super(answers);
  }
  private before(id: string): void {
    if (id === this.id) this.act();
  }
  override async confirm(q: ConfirmQuestion) {
    this.before(q.id);
    return super.confirm(q);
  }
  override async input(q: InputQuestion) {
    this.before(q.id);
    return super.input(q);
  }
  override async select<T>(q: SelectQuestion<T>) {
    this.before(q.id);
    return super.select(q);
  }
  override async checkbox<T>(q: CheckboxQuestion<T>) {
    this.before(q.id);
    return super.checkbox(q);
  }
}

const detail = (lines: string[], prefix: string) => lines.find((l) => l.trim().startsWith(prefix))?.trim();

describe('credentials that stop working mid-session', { timeout: 180_000 }, () => {
  it('expired during ec2-roles: stops there (exit 2), says what was done and how to resume; the rerun finishes', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([
      { kind: 'expired-token', match: expiresAt((c) => c.operation === 'AssociateIamInstanceProfile') },
    ]);
    const r = await runRootlock(proxy().url, REGION_FLAGS, {
      credentials: acct.root,
      answers: onboardingAnswers(acct.instanceIds),
      deps: { clock: fastClock },
    });

    expect(r.code).toBe(2);
    expect(r.output.text).toContain(
      'The credentials stopped working during step ec2-roles (ExpiredToken), so rootlock stopped there.',
    );
    expect(detail(r.output.lines, 'Done before that')).toBe(
      'Done before that, and kept in place: admins/password-policy, admins/create-group/Administrators, admins/attach-admin-policy/Administrators, admins/create-user/second-admin, admins/login-profile/second-admin, admins/add-to-group/Administrators/second-admin, admins/finish-setup/second-admin, ec2-roles/create-role/rootlock-ec2-instance, ec2-roles/attach-policy/rootlock-ec2-instance/AmazonSSMManagedInstanceCore, ec2-roles/create-instance-profile/rootlock-ec2-instance, ec2-roles/add-role-to-instance-profile/rootlock-ec2-instance.',
    );
    expect(detail(r.output.lines, 'Not run')).toBe('Not run: billing-recovery, root-keys.');
    expect(r.output.text).toContain('Refresh them (aws sso login, new keys) and run the same rootlock command again');
    expect(r.output.text).toContain(`Journal of this session: ${r.journalPath}`);
    // It stopped: nothing of the later steps was even read, and no summary pretends otherwise.
    const refused = proxy().calls.filter((c) => c.fault === 'expired-token');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.length).toBeLessThan(8);
    expect(proxy().calls.some((c) => c.service === 'account')).toBe(false);
    expect(r.output.text).not.toContain('== Summary');
    const entries = journal(r.journalPath);
    expect(entries.at(-1)).toMatchObject({ type: 'session-end', outcome: 'stopped: CredentialsLost' });
    const failed = entries
      .filter((e) => e.type === 'change-end' && e.outcome === 'failed')
      .map((e) => String(e.change));
    expect(failed).toHaveLength(1);
    expect(acct.instanceIds.map((i) => `ec2-roles/associate/us-east-1/${i}`)).toContain(failed[0]);

    // Fresh credentials: the same command again, with the same journal directory.
    proxy().configure([]);
    const again = await runRootlock(proxy().url, REGION_FLAGS, {
      credentials: acct.root,
      journalDir: r.journalDir,
      answers: { ...onboardingAnswers(acct.instanceIds), 'ec2-roles.role': 'rootlock-ec2-instance' },
      deps: { clock: fastClock },
    });
    expect(again.output.text).toContain('An earlier session on this account did not finish');
    expect(onboardedProblems(await snapshot(emu(), acct.instanceIds, acct.root), acct)).toEqual([]);
    expect(again.output.secrets).toHaveLength(0);
  });

  it('EC2 answers RequestExpired in every region: the same clean stop', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'expired-token', match: 'ec2:*' }]);
    const r = await runRootlock(proxy().url, [...REGION_FLAGS, '--only', 'ec2-roles,billing-recovery'], {
      credentials: acct.root,
      answers: {},
      deps: { clock: fastClock },
    });
    expect(r.code).toBe(2);
    expect(r.output.text).toContain('The credentials stopped working during step ec2-roles (RequestExpired)');
    expect(detail(r.output.lines, 'Not run')).toBe('Not run: billing-recovery.');
    expect(detail(r.output.lines, 'No change')).toBe('No change had been applied in this session.');
  });

  it('check --json: stops with exit 2 and prints no partial document', async () => {
    const acct = await seedAccount(emu());
    proxy().configure([{ kind: 'expired-token', match: expiresAt((c) => c.service === 'account') }]);
    const r = await runRootlock(proxy().url, ['check', '--json', ...REGION_FLAGS], { credentials: acct.root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.output.text).toContain(
      'The credentials stopped working during step billing-recovery (ExpiredTokenException)',
    );
    expect(detail(r.output.lines, 'Not run')).toBe('Not run: root-keys.');
  });

  it('the session key deactivated in the console mid-session: stops at the step that met it; the other key finishes the job', async () => {
    const acct = await seedAccount(emu());
    const prompter = new ActingPrompter(onboardingAnswers(acct.instanceIds), 'billing-recovery.apply', () => {
      const key = emu()
        .layer.root(ACCOUNT)
        .rootKeys.find((k) => k.accessKeyId === acct.root.accessKeyId);
      key!.status = 'Inactive';
    });
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      prompter,
      deps: { clock: fastClock },
    });
    expect(r.code).toBe(2);
    // The Account API's JSON protocol names an unknown or inactive key UnrecognizedClientException.
    expect(r.output.text).toContain(
      'The credentials stopped working during step billing-recovery (UnrecognizedClientException)',
    );
    expect(detail(r.output.lines, 'Not run')).toBe('Not run: root-keys.');
    // The other root key (still active) resumes; admins and ec2-roles are already done.
    const again = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.otherRootKey,
      journalDir: r.journalDir,
      answers: { ...onboardingAnswers(acct.instanceIds), 'root-keys.inactive': 'stop' },
      deps: { clock: fastClock },
    });
    expect(again.code).toBe(1);
    const s = await snapshot(emu(), acct.instanceIds, acct.otherRootKey);
    expect(s.alternateContacts.SECURITY).not.toBeNull();
    expect(s.primaryContact).not.toBeNull();
  });
});
