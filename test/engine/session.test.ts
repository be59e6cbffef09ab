/**
 * The session factory against the emulator: root sessions for a member account (sts:AssumeRoot)
 * are cached per principal and renewed before they expire. The root layer refuses an AssumeRoot
 * session's calls with ExpiredToken once its DurationSeconds (900) have passed on the layer's
 * clock; rootlock's clock is moved by the same amount, as a long interactive session would.
 */
import { EnableOrganizationsRootCredentialsManagementCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { SessionFactory } from '../../src/engine/session.js';
import type { Clock } from '../../src/engine/types.js';
import { createIamUserWithKey, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { ADMIN_POLICY, makeOrganization } from '../steps/root-keys/support.js';

const emu = useEmulator();

/** A clock the test moves, with the emulator's root layer moved alongside. */
function movableClock(): Clock & { advance(seconds: number): void } {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    sleep: async () => {},
    advance(seconds: number) {
      offset += seconds * 1000;
      emu().layer.advanceClock(seconds);
    },
  };
}

describe('SessionFactory', () => {
  it('opens a session: identity read once, a pool on the given endpoint', async () => {
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN_POLICY);
    emu().layer.requests.length = 0;
    const factory = new SessionFactory(movableClock());
    const s = await factory.open({ region: 'us-east-1', endpoint: emu().endpoint, credentials: alice });
    expect(s.caller).toMatchObject({ arn: alice.arn, type: 'iam-user', name: 'alice' });
    expect(s.account.id).toBe('123456789012');
    expect(
      emu()
        .layer.requests.map((r) => `${r.service}:${r.operation}`)
        .sort(),
    ).toEqual(['iam:ListAccountAliases', 'sts:GetCallerIdentity']);
  });

  it('renews a member root session before it expires, so a long session never signs with expired credentials', async () => {
    const { memberId } = await makeOrganization(emu().endpoint, { trustedIam: true });
    const admin = await createIamUserWithKey(emu().endpoint, 'org-admin', ADMIN_POLICY);
    await testClients(emu().endpoint, admin).iam.send(new EnableOrganizationsRootCredentialsManagementCommand({}));
    emu().layer.seedRoot(memberId, { keys: [{}] });
    const clock = movableClock();
    const factory = new SessionFactory(clock);
    const base = factory.pool({ region: 'us-east-1', endpoint: emu().endpoint, credentials: admin });
    const assumeRoots = () => emu().layer.requests.filter((r) => r.operation === 'AssumeRoot').length;

    const first = await factory.rootSession(base, memberId, 'IAMAuditRootUserCredentials');
    expect(
      (await first.call<{ AccessKeyMetadata?: unknown[] }>('iam', 'ListAccessKeys')).AccessKeyMetadata,
    ).toHaveLength(1);
    // Within its lifetime the same session is reused.
    clock.advance(600);
    expect(await factory.rootSession(base, memberId, 'IAMAuditRootUserCredentials')).toBe(first);
    expect(assumeRoots()).toBe(1);

    // Past its 900 s, the old credentials are refused by AWS (the layer), and the factory has renewed.
    clock.advance(310);
    await expect(first.call('iam', 'ListAccessKeys')).rejects.toMatchObject({ name: 'ExpiredToken' });
    const renewed = await factory.rootSession(base, memberId, 'IAMAuditRootUserCredentials');
    expect(renewed).not.toBe(first);
    expect(assumeRoots()).toBe(2);
    expect(
      (await renewed.call<{ AccessKeyMetadata?: unknown[] }>('iam', 'ListAccessKeys')).AccessKeyMetadata,
    ).toHaveLength(1);

    // Another task policy or another principal gets a session of its own.
    await factory.rootSession(base, memberId, 'IAMDeleteRootUserCredentials');
    expect(assumeRoots()).toBe(3);
  });
});
