import { describe, expect, it } from 'vitest';
import type { InteractiveContext } from '../../../src/engine/step.js';
import type { CheckboxQuestion, Prompter } from '../../../src/engine/types.js';
import type { Ec2Instance, Ec2RolesState, RoleInfo } from '../../../src/steps/ec2-roles/analysis.js';
import {
  askEc2Roles,
  defaultRoleName,
  NEW_ROLE,
  policyChoices,
  roleChoices,
  validateRoleName,
} from '../../../src/steps/ec2-roles/ask.js';
import { RecordingOutput, ScriptedPrompter, type ScriptedAnswer } from '../../support/harness.js';

const ACCOUNT = '123456789012';
const pArn = (n: string) => `arn:aws:iam::${ACCOUNT}:instance-profile/${n}`;
const role = (name: string, over: Partial<RoleInfo> = {}): RoleInfo => ({
  name,
  arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
  serviceLinked: false,
  policyCount: 1,
  trustsEc2: true,
  profiles: [{ name, arn: pArn(name) }],
  fullAdmin: false,
  adminVia: [],
  ...over,
});
const inst = (id: string, over: Partial<Ec2Instance> = {}): Ec2Instance => ({
  id,
  region: 'eu-west-1',
  state: 'running',
  ...over,
});
const state = (over: Partial<Ec2RolesState> = {}): Ec2RolesState => ({
  accountId: ACCOUNT,
  partition: 'aws',
  regions: ['eu-west-1'],
  instances: [],
  regionErrors: [],
  roles: [],
  customerPolicies: [],
  ...over,
});

/** Records every checkbox question as asked (choices and defaults), then delegates. */
class SpyPrompter extends ScriptedPrompter {
  readonly checkboxes: CheckboxQuestion<unknown>[] = [];
  override async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    this.checkboxes.push(q as CheckboxQuestion<unknown>);
    return super.checkbox(q);
  }
}

/** A step memory of its own: each context here is a new session. */
function memoryOfNewSession() {
  let m: object | undefined;
  return <T extends object>(init: () => T): T => (m ??= init()) as T;
}

function ctx(answers: Record<string, ScriptedAnswer>) {
  const prompter = new SpyPrompter(answers);
  const output = new RecordingOutput();
  const c = { prompter: prompter as Prompter, output, memory: memoryOfNewSession() } as unknown as InteractiveContext;
  return { c, prompter, output };
}

describe('validateRoleName', () => {
  const s = state({
    roles: [
      role('Web'),
      role('lambda-x', { trustsEc2: false, profiles: [] }),
      role('r', { profiles: [{ name: 'shared-profile', arn: pArn('shared-profile') }] }),
    ],
  });
  it.each([
    ['app-role', true],
    ['a'.repeat(64), true],
    ['a+=,.@_-b', true],
    ['', /Enter a name/],
    ['a'.repeat(65), /at most 64/],
    ['has space', /letters, digits/],
    ['slash/no', /letters, digits/],
    ['web', /already exists; pick it from the list/],
    ['LAMBDA-X', /already exists \(and EC2 cannot assume it\)/],
    ['Shared-Profile', /instance profile named shared-profile already exists/],
  ])('%s', (name, want) => {
    const r = validateRoleName(name, s);
    if (want === true) expect(r).toBe(true);
    else expect(r).toMatch(want as RegExp);
  });

  it('defaults to a free name', () => {
    expect(defaultRoleName(state())).toBe('rootlock-ec2-instance');
    expect(defaultRoleName(state({ roles: [role('rootlock-ec2-instance'), role('rootlock-ec2-instance-2')] }))).toBe(
      'rootlock-ec2-instance-3',
    );
  });
});

describe('choices', () => {
  it('offers SSM core checked, CloudWatch unchecked, customer policies unchecked, never AdministratorAccess', () => {
    const c = policyChoices(state({ customerPolicies: [{ arn: `arn:aws:iam::${ACCOUNT}:policy/app`, name: 'app' }] }));
    expect(c.map((x) => [x.value, x.checked])).toEqual([
      ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', true],
      ['arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy', false],
      [`arn:aws:iam::${ACCOUNT}:policy/app`, false],
    ]);
    expect(JSON.stringify(c)).not.toContain('AdministratorAccess');
    expect(policyChoices(state({ partition: 'aws-cn' }))[0]!.value).toBe(
      'arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore',
    );
  });

  it('lists reusable roles (admins last and marked), then "create"', () => {
    const c = roleChoices(
      state({ roles: [role('god', { fullAdmin: true }), role('app'), role('fn', { trustsEc2: false })] }),
    );
    expect(c.map((x) => x.value)).toEqual(['app', 'god', NEW_ROLE]);
    expect(c[1]!.name).toMatch(/not recommended/);
  });
});

describe('askEc2Roles', () => {
  it('asks nothing when every instance has a non-admin role', async () => {
    const { c, prompter } = ctx({});
    const s = state({ roles: [role('app')], instances: [inst('i-1', { instanceProfileArn: pArn('app') })] });
    expect(await askEc2Roles(s, c)).toBeUndefined();
    expect(prompter.asked).toEqual([]);
  });

  it('new role: instances without a profile checked by default, name re-asked with the reason, SSM core by default', async () => {
    const s = state({
      roles: [role('taken', { trustsEc2: false, profiles: [] })],
      instances: [inst('i-1', { name: 'web' }), inst('i-2'), inst('i-3', { instanceProfileArn: pArn('other') })],
    });
    const { c, prompter } = ctx({
      'ec2-roles.instances': ['i-1', 'i-2'],
      'ec2-roles.role.name': { sequence: ['bad name', 'taken', 'app-role'] },
      'ec2-roles.policies': ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    });
    const a = await askEc2Roles(s, c);
    expect(prompter.asked.map((q) => q.id)).toEqual([
      'ec2-roles.instances',
      'ec2-roles.role.name',
      'ec2-roles.policies',
    ]);
    const instancesQ = prompter.checkboxes[0]!;
    expect(instancesQ.choices.map((ch) => [ch.value, ch.checked])).toEqual([
      ['i-1', true],
      ['i-2', true],
      ['i-3', false],
    ]);
    expect(prompter.asked[1]!.rejected).toHaveLength(2);
    expect(prompter.asked[1]!.rejected[1]).toMatch(/already exists/);
    expect(a).toEqual({
      associate: [
        { id: 'i-1', region: 'eu-west-1', name: 'web' },
        { id: 'i-2', region: 'eu-west-1' },
      ],
      replace: [],
      role: { kind: 'new', roleName: 'app-role', policyArns: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'] },
    });
  });

  it('never replaces a profile without the explicit ec2-roles.replace confirmation', async () => {
    const s = state({
      roles: [role('app'), role('god', { fullAdmin: true })],
      instances: [inst('i-1'), inst('i-2', { instanceProfileArn: pArn('god'), associationId: 'iip-2' })],
    });
    const no = ctx({ 'ec2-roles.instances': ['i-1', 'i-2'], 'ec2-roles.replace': false, 'ec2-roles.role': 'app' });
    const a = await askEc2Roles(s, no.c);
    expect(a?.replace).toEqual([]);
    expect(a?.associate.map((i) => i.id)).toEqual(['i-1']);
    expect(a?.role).toEqual({ kind: 'existing', roleName: 'app', profileName: 'app', createProfile: false });

    const yes = ctx({ 'ec2-roles.instances': ['i-2'], 'ec2-roles.replace': true, 'ec2-roles.role': 'app' });
    const b = await askEc2Roles(s, yes.c);
    expect(b?.replace).toEqual([
      { id: 'i-2', region: 'eu-west-1', associationId: 'iip-2', currentProfileArn: pArn('god') },
    ]);

    // --yes does not answer it: the confirmation is not safe by default
    const scripted = new ScriptedPrompter({ 'ec2-roles.instances': ['i-2'] }, { yes: true });
    const c3 = {
      prompter: scripted,
      output: new RecordingOutput(),
      memory: memoryOfNewSession(),
    } as unknown as InteractiveContext;
    await expect(askEc2Roles(s, c3)).rejects.toThrow(/Unexpected question ec2-roles.replace/);
  });

  it('returns undefined when the operator declines everything', async () => {
    const s = state({ instances: [inst('i-2', { instanceProfileArn: pArn('gone'), associationId: 'iip-2' })] });
    const { c, output } = ctx({ 'ec2-roles.instances': ['i-2'], 'ec2-roles.replace': false });
    expect(await askEc2Roles(s, c)).toBeUndefined();
    expect(output.text).toMatch(/nothing will change/);
  });

  it('an existing EC2-trusted role without a profile gets one created', async () => {
    const s = state({ roles: [role('bare', { profiles: [] })], instances: [inst('i-1')] });
    const { c } = ctx({ 'ec2-roles.instances': ['i-1'], 'ec2-roles.role': 'bare' });
    const a = await askEc2Roles(s, c);
    expect(a?.role).toEqual({ kind: 'existing', roleName: 'bare', profileName: 'bare', createProfile: true });
  });

  it('an existing role with no policy: says so, and the policies are chosen as for a new role', async () => {
    const s = state({ roles: [role('half', { profiles: [], policyCount: 0 })], instances: [inst('i-1')] });
    expect(roleChoices(s)[0]?.description).toBe(
      'no instance profile yet: one of the same name will be created; no policies yet: you choose them next',
    );
    const { c, output } = ctx({
      'ec2-roles.instances': ['i-1'],
      'ec2-roles.role': 'half',
      'ec2-roles.policies': ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    });
    const a = await askEc2Roles(s, c);
    expect(a?.role).toEqual({
      kind: 'existing',
      roleName: 'half',
      profileName: 'half',
      createProfile: true,
      policyArns: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'],
    });
    expect(output.text).toContain('Role half has no policies, so instances with it would get no permissions.');
  });

  it('asks only once per session (the runner calls ask again after verifying)', async () => {
    const s = state({ instances: [inst('i-1'), inst('i-2')] });
    const { c } = ctx({ 'ec2-roles.instances': ['i-1'], 'ec2-roles.role.name': 'x', 'ec2-roles.policies': [] });
    expect(await askEc2Roles(s, c)).toBeDefined();
    expect(await askEc2Roles(s, c)).toBeUndefined();
  });
});
