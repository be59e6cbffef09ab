import { describe, expect, it } from 'vitest';
import { reportIsoDate as reportDate } from '../../../src/aws/credential-report.js';
import { credentialsFromDirect, credentialsFromReport, latest } from '../../../src/steps/admins/credentials.js';
import { daysSince } from '../../../src/util/time.js';

/** A credential-report row with AWS's "nothing here" values, overridden by `cols`. */
function row(cols: Record<string, string> = {}): Record<string, string> {
  return {
    user: 'alice',
    arn: 'arn:aws:iam::123456789012:user/alice',
    user_creation_time: '2025-01-01T00:00:00+00:00',
    password_enabled: 'false',
    password_last_used: 'N/A',
    password_last_changed: 'N/A',
    password_next_rotation: 'N/A',
    mfa_active: 'false',
    access_key_1_active: 'false',
    access_key_1_last_rotated: 'N/A',
    access_key_1_last_used_date: 'N/A',
    access_key_1_last_used_region: 'N/A',
    access_key_1_last_used_service: 'N/A',
    access_key_2_active: 'false',
    access_key_2_last_rotated: 'N/A',
    access_key_2_last_used_date: 'N/A',
    access_key_2_last_used_region: 'N/A',
    access_key_2_last_used_service: 'N/A',
    ...cols,
  };
}

describe('reportDate and latest', () => {
  it.each([['N/A'], ['no_information'], ['not_supported'], [''], [undefined], ['garbage']])('%j is no date', (v) => {
    expect(reportDate(v)).toBeUndefined();
  });
  it('reads the report format as ISO 8601', () => {
    expect(reportDate('2025-03-04T05:06:07+00:00')).toBe('2025-03-04T05:06:07.000Z');
  });
  it('picks the latest, ignoring missing values', () => {
    expect(latest([undefined, '2025-01-02T00:00:00Z', '2025-03-01T00:00:00+00:00', '2024-12-31T00:00:00Z'])).toBe(
      '2025-03-01T00:00:00.000Z',
    );
    expect(latest([undefined])).toBeUndefined();
  });
});

describe('credentialsFromReport', () => {
  it('a user with nothing', () => {
    expect(credentialsFromReport(row())).toEqual({
      consoleAccess: false,
      mfa: false,
      passwordLastUsed: undefined,
      accessKeys: [],
      lastActivity: undefined,
      source: 'credential-report',
    });
  });

  it('console password, MFA, two keys: last activity is the latest of sign-in and key use', () => {
    const c = credentialsFromReport(
      row({
        password_enabled: 'true',
        password_last_used: '2025-05-01T10:00:00+00:00',
        mfa_active: 'true',
        access_key_1_active: 'true',
        access_key_1_last_rotated: '2024-01-01T00:00:00+00:00',
        access_key_1_last_used_date: '2025-06-01T00:00:00+00:00',
        access_key_2_active: 'false',
        access_key_2_last_rotated: '2023-01-01T00:00:00+00:00',
      }),
    );
    expect(c.consoleAccess).toBe(true);
    expect(c.mfa).toBe(true);
    expect(c.accessKeys).toEqual([
      { slot: 1, active: true, createdAt: '2024-01-01T00:00:00.000Z', lastUsed: '2025-06-01T00:00:00.000Z' },
      { slot: 2, active: false, createdAt: '2023-01-01T00:00:00.000Z', lastUsed: undefined },
    ]);
    expect(c.lastActivity).toBe('2025-06-01T00:00:00.000Z');
  });

  it('a console password signed in with but never with a key', () => {
    const c = credentialsFromReport(row({ password_enabled: 'true', password_last_used: '2025-05-01T10:00:00+00:00' }));
    expect(c.lastActivity).toBe('2025-05-01T10:00:00.000Z');
    expect(c.passwordLastUsed).toBe('2025-05-01T10:00:00.000Z');
  });

  it('password_enabled "not_supported" (the root row) is not console access', () => {
    expect(credentialsFromReport(row({ password_enabled: 'not_supported' })).consoleAccess).toBe(false);
  });
});

describe('credentialsFromDirect', () => {
  it('maps login profile, MFA devices and keys', () => {
    const c = credentialsFromDirect({
      loginProfile: true,
      mfaDevices: 0,
      passwordLastUsed: new Date('2025-02-01T00:00:00Z'),
      accessKeys: [
        { status: 'Active', createDate: new Date('2025-01-01T00:00:00Z'), lastUsed: new Date('2025-02-02T00:00:00Z') },
        { status: 'Inactive', createDate: new Date('2024-01-01T00:00:00Z') },
      ],
    });
    expect(c).toEqual({
      consoleAccess: true,
      mfa: false,
      passwordLastUsed: '2025-02-01T00:00:00.000Z',
      accessKeys: [
        { slot: 1, active: true, createdAt: '2025-01-01T00:00:00.000Z', lastUsed: '2025-02-02T00:00:00.000Z' },
        { slot: 2, active: false, createdAt: '2024-01-01T00:00:00.000Z', lastUsed: undefined },
      ],
      lastActivity: '2025-02-02T00:00:00.000Z',
      source: 'iam',
    });
  });
  it('no login profile, one MFA device', () => {
    const c = credentialsFromDirect({ loginProfile: false, mfaDevices: 1, accessKeys: [] });
    expect(c).toMatchObject({ consoleAccess: false, mfa: true, lastActivity: undefined });
  });
});

describe('daysSince', () => {
  it('counts whole days and never goes negative', () => {
    const now = new Date('2025-04-11T12:00:00Z');
    expect(daysSince('2025-01-01T12:00:00Z', now)).toBe(100);
    expect(daysSince('2025-04-11T00:00:01Z', now)).toBe(0);
    expect(daysSince('2026-01-01T00:00:00Z', now)).toBe(0);
  });
});
