import { describe, expect, it } from 'vitest';
import {
  parseCredentialReport,
  passwordLastUsed,
  reportAccessKeys,
  reportDate,
  reportFlag,
  reportValue,
  rootRow,
  userRows,
  type CredentialReportRow,
} from '../../src/aws/credential-report.js';

const ROOT: CredentialReportRow = { user: '<root_account>', arn: 'arn:aws:iam::123456789012:root', mfa_active: 'true' };
const ALICE: CredentialReportRow = { user: 'alice', arn: 'arn:aws:iam::123456789012:user/alice', mfa_active: 'false' };

describe('credential report cells', () => {
  it.each(['N/A', 'no_information', 'not_supported', '', '  ', undefined])('%j is no value', (v) => {
    expect(reportValue(v)).toBeUndefined();
    expect(reportDate(v)).toBeUndefined();
    expect(reportFlag(v)).toBeUndefined();
  });

  it('reads only ISO 8601 date-times as times', () => {
    expect(reportDate('2026-01-02T03:04:05+00:00')?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(reportDate('2026-01-02')).toBeUndefined();
    expect(reportDate('1')).toBeUndefined();
  });

  it('tells a password never used from one there is no answer for', () => {
    expect(passwordLastUsed({ password_last_used: 'no_information' })).toBeNull();
    expect(passwordLastUsed({ password_last_used: 'N/A' })).toBeUndefined();
    expect(passwordLastUsed({})).toBeUndefined();
  });
});

describe('credential report rows', () => {
  it('parses the CSV into rows keyed by column, and separates the root row from users', async () => {
    const rows = await parseCredentialReport(
      'user,arn,mfa_active\n<root_account>,arn:aws:iam::123456789012:root,true\nalice,arn:aws:iam::123456789012:user/alice,false\n',
    );
    expect(rows).toEqual([ROOT, ALICE]);
    expect(rootRow(rows)).toEqual(ROOT);
    expect(userRows(rows)).toEqual([ALICE]);
  });

  it('lists a key slot when its key is active or was rotated, not a deleted one', () => {
    const keys = reportAccessKeys({
      access_key_1_active: 'false',
      access_key_1_last_rotated: '2026-01-02T00:00:00+00:00',
      access_key_1_last_used_service: 's3',
      access_key_2_active: 'false',
      access_key_2_last_rotated: 'N/A',
    });
    expect(keys).toEqual([
      { slot: 1, active: false, lastRotated: new Date('2026-01-02T00:00:00Z'), lastUsedService: 's3' },
    ]);
  });
});
