/**
 * What the wizard says, read as the operator reads it: a finding shown while its step is on screen
 * does not tell them to run the command they are running (`rootlock --only root-keys` during the
 * root-keys step), while `rootlock check --json` (and so reports and Security Hub) still names the
 * command, and no longer says "with this step" where no step is running. The questions and the plan
 * say nothing about fields that do not exist, and the key this session signs with is described as
 * it is: the session goes on, it can no longer call AWS.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { runRootlock, ScriptedPrompter } from '../support/harness.js';
import { fastClock, onboardingAnswers, REGION_FLAGS, seedAccount } from '../resilience/support.js';

const emu = useEmulator();

const STEPS: Record<string, string> = {
  Administrators: 'admins',
  'EC2 instance roles': 'ec2-roles',
  'Billing and recovery contacts': 'billing-recovery',
  'Root access keys': 'root-keys',
};

/** Lines shown while a step is on screen that send the operator to run that very step. */
function runsTheStepOnScreen(lines: readonly string[]): string[] {
  const out: string[] = [];
  let step: string | undefined;
  for (const line of lines) {
    if (line.startsWith('== ')) step = STEPS[line.slice(3)];
    const only = /rootlock --only ([\w,-]+)/.exec(line);
    if (step && only?.[1]?.split(',').includes(step) && !/rootlock check/.test(line)) out.push(`${step}: ${line}`);
  }
  return out;
}

type Doc = { steps: Array<{ id: string; findings: Array<{ id: string; remediation?: string }> }> };

function remediation(doc: Doc, step: string, finding: string): string | undefined {
  return doc.steps.find((s) => s.id === step)?.findings.find((f) => f.id === finding)?.remediation;
}

describe('the wizard speaks to the operator who is running it', { timeout: 180_000 }, () => {
  it('names no command for the step on screen; check --json still does', async () => {
    const acct = await seedAccount(emu());
    const check = await runRootlock(emu().endpoint, ['check', '--json', ...REGION_FLAGS], { credentials: acct.root });
    const doc = check.json as Doc;
    expect(remediation(doc, 'root-keys', 'root-keys.present')).toContain('Run `rootlock --only root-keys`');
    // "this step" means nothing in check, a report or Security Hub: the command is named instead.
    expect(remediation(doc, 'billing-recovery', 'billing-recovery.contact.SECURITY.missing')).toBe(
      'Set it with `rootlock --only billing-recovery` (account:PutAlternateContact) or in the console under ' +
        'Account > Alternate contacts.',
    );
    expect(remediation(doc, 'billing-recovery', 'billing-recovery.primary.missing')).toContain(
      'with `rootlock --only billing-recovery`',
    );

    const prompter = new ScriptedPrompter(onboardingAnswers(acct.instanceIds));
    const r = await runRootlock(emu().endpoint, REGION_FLAGS, {
      credentials: acct.root,
      prompter,
      deps: { clock: fastClock },
    });
    const lines = r.output.lines;
    expect(lines, r.output.text).toContain('== Summary');
    expect(runsTheStepOnScreen(lines)).toEqual([]);
    expect(lines).toContain(
      '    Remove the root access keys with this step: it deactivates each key, then deletes it (the key this ' +
        'session signs with goes last).',
    );
    expect(lines).toContain(
      '    Set it with this step (account:PutAlternateContact) or in the console under Account > Alternate contacts.',
    );

    // The session key: the session does not end, it can no longer call AWS; one sentence, not two glued.
    const warning = lines.find((l) => l.includes('is the key this session signs with, so it goes last'));
    expect(warning).toMatch(
      /Once it is deleted or deactivated, this session can no longer call AWS, so it cannot verify the result itself: /,
    );
    expect(lines.filter((l) => /session ends|: This session/.test(l))).toEqual([]);

    // No primary contact at all: nothing "present" to send again, and the change sets the record.
    const fill = prompter.asked.find((q) => q.id === 'billing-recovery.primary.fill');
    expect(fill?.message).not.toMatch(/present fields/);
    expect(lines.some((l) => /\d+\. Set the primary contact \(FullName, /.test(l))).toBe(true);
    expect(lines.filter((l) => /other fields are sent unchanged/.test(l))).toEqual([]);

    // The admin count: the upper limit is of new users, and says where it brings the account.
    const count = prompter.asked.find((q) => q.id === 'admins.create.count');
    expect(count?.message).toBe(
      'How many admin users to create? (1 brings the account to 2 admins; at most 2, for 3 in all)',
    );
  });
});
