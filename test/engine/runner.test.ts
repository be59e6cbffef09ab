import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateUserCommand, IAMClient, TagUserCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../src/aws/pool.js';
import { AccountReads } from '../../src/aws/reads.js';
import { testWizardContext } from '../support/context.js';
import { openJournal } from '../../src/engine/journal.js';
import { runStep, runWizard, type WizardContext } from '../../src/engine/runner.js';
import type { StepDefinition } from '../../src/engine/step.js';
import type { Clock } from '../../src/engine/types.js';
import { RecordingOutput, ScriptedPrompter } from '../support/harness.js';

const iam = mockClient(IAMClient);
afterEach(() => iam.reset());

const clock: Clock = { now: () => new Date('2026-11-28T12:00:00Z'), sleep: async () => {} };

/** A step over a fake "world": it wants users a and b to exist. */
function fakeStep(world: Set<string>): StepDefinition<{ users: string[] }, { create: string[] }> {
  return {
    meta: { id: 'admins', title: 'Fake', why: 'why', risk: 'risk', controls: [], consoleLinks: [], docs: '' },
    async read() {
      return { users: [...world] };
    },
    assess(s) {
      const missing = ['a', 'b'].filter((u) => !s.users.includes(u));
      return {
        status: missing.length ? 'fail' : 'pass',
        summary: missing.length ? `missing ${missing.join(',')}` : 'all there',
        findings: [],
        details: {},
      };
    },
    async ask(s, a) {
      if (a.status === 'pass') return undefined;
      return { create: ['a', 'b'].filter((u) => !s.users.includes(u)) };
    },
    plan(_s, ans) {
      return ans.create.flatMap((u) => [
        {
          id: `create/${u}`,
          step: 'admins' as const,
          description: `Create ${u}`,
          service: 'iam' as const,
          operation: 'CreateUser',
          params: { UserName: u },
        },
        {
          id: `tag/${u}`,
          step: 'admins' as const,
          description: `Tag ${u}`,
          service: 'iam' as const,
          operation: 'TagUser',
          params: { UserName: u, Tags: [] },
        },
      ]);
    },
  };
}

function ctx(dryRun: boolean, answers: Record<string, unknown>) {
  const pool = new ClientPool({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' },
  });
  const output = new RecordingOutput();
  const journal = openJournal({
    dir: mkdtempSync(join(tmpdir(), 'rootlock-runner-')),
    sessionId: 't',
    now: clock.now(),
  });
  const prompter = new ScriptedPrompter(answers);
  const c: WizardContext = testWizardContext({
    pool,
    caller: {
      accountId: '123456789012',
      arn: 'arn:aws:iam::123456789012:user/x',
      userId: 'x',
      type: 'iam-user',
      name: 'x',
      temporary: false,
    },
    account: { id: '123456789012' },
    clock,
    output,
    prompter,
    journal,
    dryRun,
  });
  return { c, output, prompter };
}

describe('runStep', () => {
  it('applies the plan, then verifies by reading again', async () => {
    const world = new Set<string>();
    iam.on(CreateUserCommand).callsFake((input: { UserName: string }) => {
      world.add(input.UserName);
      return { User: { UserName: input.UserName } };
    });
    iam.on(TagUserCommand).resolves({});
    const { c, output } = ctx(false, { 'admins.apply': true });
    const o = await runStep(fakeStep(world), c);
    expect(o.before.status).toBe('fail');
    expect(o.after?.status).toBe('pass');
    expect(o.results.map((r) => r.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
    expect(output.text).toContain('iam:CreateUser {"UserName":"a"}');
    expect(c.assessments.get('admins')?.status).toBe('pass');
  });

  it('in dry-run shows the plan and sends nothing', async () => {
    const { c, output, prompter } = ctx(true, {});
    const o = await runStep(fakeStep(new Set()), c);
    expect(iam.calls()).toHaveLength(0);
    expect(o.results.every((r) => r.outcome === 'dry-run')).toBe(true);
    expect(output.text).toMatch(/Dry run: 4 changes shown, none sent/);
    expect(prompter.asked).toHaveLength(0);
  });

  it('sends nothing when the operator declines', async () => {
    const { c } = ctx(false, { 'admins.apply': false });
    const o = await runStep(fakeStep(new Set()), c);
    expect(iam.calls()).toHaveLength(0);
    expect(o.results).toHaveLength(0);
  });

  it('stops at the first failure and says what was not sent', async () => {
    iam
      .on(CreateUserCommand)
      .resolves({})
      .on(TagUserCommand)
      .rejects(Object.assign(new Error('nope'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    const { c, output } = ctx(false, { 'admins.apply': true });
    const o = await runStep(fakeStep(new Set()), c);
    expect(o.results.map((r) => r.outcome)).toEqual(['applied', 'failed']);
    expect(iam.commandCalls(CreateUserCommand)).toHaveLength(1);
    expect(output.text).toContain('iam:TagUser');
    expect(output.text).toMatch(/Not sent: Create b; Tag b/);
  });
});

describe('runWizard: a root session handing over to an admin', () => {
  const ROOT = {
    accountId: '123456789012',
    arn: 'arn:aws:iam::123456789012:root',
    userId: '123456789012',
    type: 'root' as const,
    name: 'root',
    temporary: false,
  };
  const ADMIN = {
    accountId: '123456789012',
    arn: 'arn:aws:iam::123456789012:user/alice',
    userId: 'AIDA',
    type: 'iam-user' as const,
    name: 'alice',
    temporary: false,
  };

  /** A read-only step that records which principal read it. */
  function seen(id: StepDefinition['meta']['id'], log: string[], needsRoot?: string): StepDefinition {
    return {
      meta: {
        id,
        title: id,
        why: 'why',
        risk: 'risk',
        controls: [],
        consoleLinks: [],
        docs: '',
        ...(needsRoot ? { needsRoot } : {}),
        // As the admins step declares it: the handoff point.
        ...(id === 'admins' ? { handoff: { message: 'The account has its administrators now.' } } : {}),
      },
      async read(c) {
        log.push(`${id}:${c.caller.name}`);
        return {};
      },
      assess: () => ({ status: 'pass', summary: 'ok', findings: [], details: {} }),
    };
  }

  function rootCtx(dryRun: boolean) {
    const base = ctx(dryRun, {});
    const c: WizardContext = { ...base.c, caller: ROOT };
    return { ...base, c };
  }

  it('runs the steps that do not need root as the admin, the others as root, and journals the switch', async () => {
    const { c, output } = rootCtx(false);
    const adminPool = new ClientPool({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAADMINADMINADMIN0', secretAccessKey: 'y' },
    });
    const offered: string[][] = [];
    c.handoff = {
      async offer(_ctx, rest) {
        offered.push(rest.map((s) => s.meta.id));
        return { pool: adminPool, reads: new AccountReads(adminPool, clock), caller: ADMIN, profile: 'alice' };
      },
    };
    const log: string[] = [];
    await runWizard(
      [seen('admins', log), seen('ec2-roles', log), seen('billing-recovery', log), seen('root-keys', log, 'root only')],
      c,
    );
    expect(offered).toEqual([['ec2-roles', 'billing-recovery', 'root-keys']]);
    expect(log).toEqual(['admins:root', 'ec2-roles:alice', 'billing-recovery:alice', 'root-keys:root']);
    expect(c.handoff.session?.profile).toBe('alice');
    expect(output.text).toContain(
      'From here on rootlock acts as arn:aws:iam::123456789012:user/alice (profile alice) for ec2-roles, billing-recovery.',
    );
    expect(output.text).toContain('root-keys stays with the root user: root only.');
  });

  it('declined: everything stays root; a dry run is not offered the switch, only told how', async () => {
    const declined = rootCtx(false);
    declined.c.handoff = { offer: async () => undefined };
    const log: string[] = [];
    await runWizard([seen('admins', log), seen('ec2-roles', log), seen('root-keys', log, 'root only')], declined.c);
    expect(log).toEqual(['admins:root', 'ec2-roles:root', 'root-keys:root']);
    expect(declined.output.text).toContain('Going on as the root user.');

    const dry = rootCtx(true);
    let asked = 0;
    dry.c.handoff = { offer: async () => (asked++, undefined) };
    await runWizard([seen('admins', []), seen('ec2-roles', []), seen('root-keys', [], 'root only')], dry.c);
    expect(asked).toBe(0);
    expect(dry.output.text).toContain('run the rest as an admin: rootlock --profile ADMIN --only ec2-roles');
    expect(dry.output.text).toContain('as root: rootlock --only root-keys');
  });

  it('offers nothing when only root work is left, or when the caller is not root', async () => {
    const onlyRoot = rootCtx(false);
    let asked = 0;
    onlyRoot.c.handoff = { offer: async () => (asked++, undefined) };
    await runWizard([seen('admins', []), seen('root-keys', [], 'root only')], onlyRoot.c);
    const notRoot = ctx(false, {});
    notRoot.c.handoff = { offer: async () => (asked++, undefined) };
    await runWizard([seen('admins', []), seen('ec2-roles', [])], notRoot.c);
    expect(asked).toBe(0);
  });
});
