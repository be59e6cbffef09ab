/**
 * root-keys in an organization fix against the emulator (moto + root layer, items 6 and 11): in an
 * organization with centralized root access, the management operator reads members 1..4 of the
 * fixture (a root key, a signing certificate, a password, MFA devices) with the step's own read
 * (options.targetAccount: the IAMAuditRootUserCredentials session), plans every kind with the
 * `org` hook and sends the plan through a real MutationGate (IAMDeleteRootUserCredentials
 * sessions). AWS state is asserted at the layer; a re-read plans nothing and the step passes.
 * Then single-member password recovery (`--target-account`): offered only when asked.
 */
import { GetLoginProfileCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OrgAccountRef, OrgDecisions } from '../../../src/engine/step.js';
import { step } from '../../../src/steps/root-keys/index.js';
import { MANAGEMENT_UNREACHABLE } from '../../../src/steps/root-keys/org.js';
import { testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { mutatingRequests, runRootlock } from '../../support/harness.js';
import { buildOrgFixture, type FixtureMember, type OrgFixture } from '../../support/org-fixture.js';
import { useFaultProxy } from '../../resilience/support.js';
import { assumeRootCredentials, FAST, stepContext } from './support.js';

const emu = useEmulator({ resetEach: false });
const layer = () => emu().layer;
const proxy = useFaultProxy(emu);
const ALL: OrgDecisions = {
  rootCredentials: { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true },
};
const ref = (m: FixtureMember): OrgAccountRef => ({ id: m.id, name: m.name, ou: m.ou, ouIds: [], management: false });
/** Everything the layer holds as the member root user's credentials. */
const rootCredentials = (id: string) => {
  const r = layer().root(id);
  return {
    keys: r.rootKeys.length,
    certificates: r.certificates.length,
    password: Boolean(r.password),
    mfaDevices: r.mfaDevices.length,
  };
};
const NONE = { keys: 0, certificates: 0, password: false, mfaDevices: 0 };

describe('root-keys org fix: every kind of member root credential through centralized root access', () => {
  let org: OrgFixture;
  let members: FixtureMember[];

  beforeAll(async () => {
    org = await buildOrgFixture(emu(), { members: 10, rootAccess: true });
    members = org.members.slice(1, 5);
    expect(members.map((m) => m.kind)).toEqual(['root-key', 'root-certificate', 'root-password', 'root-mfa']);
  }, 120_000);

  it('reads, plans and deletes keys, certificates, the password and MFA devices; a re-read plans nothing and passes', async () => {
    const [keyMember, certMember, passwordMember, mfaMember] = members as [
      FixtureMember,
      FixtureMember,
      FixtureMember,
      FixtureMember,
    ];
    // The password was used 5 days ago: GetUser in the audit session says so (layer item 11).
    const usedAt = new Date(Date.now() - 5 * 86_400_000);
    layer().seedRoot(passwordMember.id, { password: true, passwordLastUsed: usedAt });
    expect(rootCredentials(keyMember.id)).toEqual({ ...NONE, keys: 1 });
    expect(rootCredentials(certMember.id)).toEqual({ ...NONE, certificates: 1 });
    expect(rootCredentials(passwordMember.id)).toEqual({ ...NONE, password: true });
    expect(rootCredentials(mfaMember.id)).toEqual({ ...NONE, mfaDevices: 2 });
    const serials = layer()
      .root(mfaMember.id)
      .mfaDevices.map((d) => d.serialNumber);

    const start = layer().requests.length;
    const planned: Record<string, string[]> = {};
    for (const m of members) {
      const { ctx, gate } = await stepContext(emu().endpoint, org.operator, { targetAccount: m.id });
      const state = await step.read(ctx);
      expect(step.org!.unreachable!(state, ref(m))).toBeUndefined();
      const changes = step.org!.plan(state, ALL, ref(m));
      planned[m.kind] = changes.map((c) => c.operation);
      if (m === passwordMember) {
        expect(step.org!.facts(state)).toEqual({
          accessKeys: 0,
          signingCertificates: 0,
          password: true,
          mfaDevices: 0,
        });
        expect(step.org!.recentUse!(state, new Date(), 30, ALL)).toEqual([
          `root password used ${usedAt.toISOString().slice(0, 10)} (5 days ago)`,
        ]);
        expect(step.org!.recentUse!(state, new Date(), 4, ALL)).toEqual([]);
      }
      if (m === mfaMember)
        expect(step.org!.facts(state)).toEqual({
          accessKeys: 0,
          signingCertificates: 0,
          password: false,
          mfaDevices: 2,
        });
      for (const c of changes) {
        const result = await gate.execute(c);
        expect(result.outcome, c.id).toBe('applied');
      }
    }
    expect(planned).toEqual({
      'root-key': ['DeleteAccessKey'],
      'root-certificate': ['DeleteSigningCertificate'],
      'root-password': ['DeleteLoginProfile'],
      'root-mfa': ['DeactivateMFADevice', 'DeactivateMFADevice'],
    });

    // At the emulator: nothing left in any of the four.
    for (const m of members) expect(rootCredentials(m.id), m.kind).toEqual(NONE);
    const sent = layer().requests.slice(start);
    expect(mutatingRequests(sent).sort()).toEqual(
      [
        'iam:DeactivateMFADevice',
        'iam:DeactivateMFADevice',
        'iam:DeleteAccessKey',
        'iam:DeleteLoginProfile',
        'iam:DeleteSigningCertificate',
      ].sort(),
    );
    // Each deletion in a short root session of its member, with no UserName; MFA by serial.
    for (const q of sent.filter((r) => mutatingRequests([r]).length)) {
      expect(q.accessKeyId, q.operation).toMatch(/^ASIA/);
      expect(q.status, q.operation).toBe(200);
      expect(q.params.UserName, q.operation).toBeUndefined();
    }
    expect(
      sent
        .filter((q) => q.operation === 'DeactivateMFADevice')
        .map((q) => q.params.SerialNumber)
        .sort(),
    ).toEqual([...serials].sort());
    const tasks = new Set(
      sent
        .filter((q) => q.operation === 'AssumeRoot' && q.status === 200)
        .map((q) => String(q.params['TaskPolicyArn.arn']).split('/').pop()),
    );
    expect(tasks).toEqual(new Set(['IAMAuditRootUserCredentials', 'IAMDeleteRootUserCredentials']));
    // The password's last use was read with GetUser in the audit session, without a user name.
    const getUser = sent.filter((q) => q.operation === 'GetUser');
    expect(getUser.length).toBeGreaterThan(0);
    for (const q of getUser) {
      expect(q.status).toBe(200);
      expect(q.params.UserName).toBeUndefined();
    }

    // A fresh audit session agrees, and AWS still remembers when the deleted password was last used.
    const audit = testClients(
      emu().endpoint,
      await assumeRootCredentials(emu().endpoint, org.operator, passwordMember.id, 'IAMAuditRootUserCredentials'),
    ).iam;
    await expect(audit.send(new GetLoginProfileCommand({}))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    const user = (await audit.send(new GetUserCommand({}))).User;
    expect(user?.Arn).toBe(`arn:aws:iam::${passwordMember.id}:root`);
    expect(user?.PasswordLastUsed?.toISOString().slice(0, 19)).toBe(usedAt.toISOString().slice(0, 19));

    // Re-read: nothing to plan, the step passes.
    for (const m of members) {
      const { ctx } = await stepContext(emu().endpoint, org.operator, { targetAccount: m.id });
      const state = await step.read(ctx);
      expect(step.org!.plan(state, ALL, ref(m)), m.kind).toEqual([]);
      expect(step.org!.facts(state), m.kind).toEqual({
        accessKeys: 0,
        signingCertificates: 0,
        password: false,
        mfaDevices: 0,
      });
      expect(step.assess(state, ctx).status, m.kind).toBe('pass');
    }
  }, 120_000);

  it('a lost answer (HTTP 500 after AWS applied it): the gate reads the password and the MFA device back instead of sending again', async () => {
    const m = members[3] as FixtureMember;
    layer().seedRoot(m.id, { password: true, mfaDevices: [{ kind: 'hardware' }] });
    const { ctx, gate } = await stepContext(proxy().url, org.operator, { targetAccount: m.id });
    const changes = step.org!.plan(await step.read(ctx), ALL, ref(m));
    expect(changes.map((c) => c.operation)).toEqual(['DeleteLoginProfile', 'DeactivateMFADevice']);
    proxy().configure([
      { kind: 'error-after', match: ['iam:DeleteLoginProfile', 'iam:DeactivateMFADevice'], firstOfEach: true },
    ]);
    for (const c of changes) {
      const result = await gate.execute(c);
      expect(result, c.id).toMatchObject({ outcome: 'applied', lostAnswers: 1, reconciled: true });
      // Sent once: the read-back settled it (`sends` is recorded only above one).
      expect(result.sends, c.id).toBeUndefined();
    }
    expect(rootCredentials(m.id)).toEqual(NONE);
    // Each sent once, answered 500 after the emulator applied it; then read back in the same root session.
    const calls = proxy().calls;
    for (const [op, read] of [
      ['DeleteLoginProfile', 'GetLoginProfile'],
      ['DeactivateMFADevice', 'ListMFADevices'],
    ] as const) {
      const sent = calls.filter((c) => c.operation === op);
      expect(
        sent.map((c) => [c.fault, c.upstreamStatus, c.status]),
        op,
      ).toEqual([['error-after', 200, 500]]);
      const after = calls.filter((c) => c.seq > sent[0]!.seq && c.operation === read);
      expect(after[0]?.accessKeyId, read).toBe(sent[0]!.accessKeyId);
    }
  }, 60_000);

  it('plans nothing for the management account and says how to reach its own root user', async () => {
    layer().seedRoot(org.managementId, { keys: [{}], password: true });
    const { ctx } = await stepContext(emu().endpoint, org.operator);
    const state = await step.read(ctx);
    const management: OrgAccountRef = {
      id: org.managementId,
      name: 'management',
      ou: 'Root',
      ouIds: [],
      management: true,
    };
    expect(step.org!.plan(state, ALL, management)).toEqual([]);
    expect(step.org!.unreachable!(state, management)).toBe(MANAGEMENT_UNREACHABLE);
    expect(step.org!.facts(state)).toMatchObject({ accessKeys: 1, password: true });
  });

  it('password recovery for one member: not done unless asked, never asked with --yes; asked, CreateLoginProfile requires a reset', async () => {
    const member = members[2] as FixtureMember;
    layer().seedRoot(member.id, { password: false });
    const argv = ['--only', 'root-keys', ...FAST, '--target-account', member.id];

    // Not answered: the default "no" (the scripted prompter takes an optional question's default).
    let start = layer().requests.length;
    const quiet = await runRootlock(emu().endpoint, argv, { credentials: org.operator, answers: {} });
    expect(quiet.prompter.asked.find((q) => q.id === 'root-keys.recover-password')?.answer).toBe('no');
    expect(mutatingRequests(layer().requests.slice(start))).toEqual([]);
    expect(layer().root(member.id).password).toBeUndefined();

    // --yes: not even asked.
    start = layer().requests.length;
    const yes = await runRootlock(emu().endpoint, [...argv, '--yes'], { credentials: org.operator, yes: true });
    expect(yes.prompter.asked.map((q) => q.id)).not.toContain('root-keys.recover-password');
    expect(mutatingRequests(layer().requests.slice(start))).toEqual([]);

    // Asked for: CreateLoginProfile in an IAMCreateRootUserPassword session, then the console steps.
    start = layer().requests.length;
    const r = await runRootlock(emu().endpoint, argv, {
      credentials: org.operator,
      answers: { 'root-keys.recover-password': 'yes', 'root-keys.apply': true },
    });
    expect(r.code).toBe(0);
    const sent = layer().requests.slice(start);
    expect(mutatingRequests(sent)).toEqual(['iam:CreateLoginProfile']);
    const create = sent.find((q) => q.operation === 'CreateLoginProfile')!;
    expect(create.status).toBe(200);
    expect(create.params).toEqual({});
    expect(create.accessKeyId).toMatch(/^ASIA/);
    expect(
      sent
        .filter((q) => q.operation === 'AssumeRoot' && q.status === 200)
        .map((q) => String(q.params['TaskPolicyArn.arn']).split('/').pop()),
    ).toContain('IAMCreateRootUserPassword');
    expect(r.output.text).toContain(`Password recovery is allowed for the root user of member account ${member.id}.`);
    expect(r.output.text).toContain('Choose "Forgot password?"');

    const audit = testClients(
      emu().endpoint,
      await assumeRootCredentials(emu().endpoint, org.operator, member.id, 'IAMAuditRootUserCredentials'),
    ).iam;
    const profile = (await audit.send(new GetLoginProfileCommand({}))).LoginProfile;
    expect(profile?.PasswordResetRequired).toBe(true);
    // Not offered again now that the root user has a password.
    const again = await runRootlock(emu().endpoint, argv, { credentials: org.operator, answers: {} });
    expect(again.prompter.asked.map((q) => q.id)).not.toContain('root-keys.recover-password');
  }, 120_000);
});
