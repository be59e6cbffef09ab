import { describe, expect, it } from 'vitest';
import { parseJournal } from '../../src/engine/journal.js';
import { buildSessionReport, cleanText, cleanValue, JournalFormatError } from '../../src/report/session-report.js';

const ACCT = '123456789012';
const line = (o: Record<string, unknown>) => JSON.stringify({ session: 's1', ...o });

function journal(...entries: Array<Record<string, unknown>>): string {
  return entries.map(line).join('\n');
}

const START = {
  ts: '2026-11-28T12:00:00.000Z',
  type: 'session-start',
  command: 'fix',
  dryRun: false,
  account: ACCT,
  principal: `arn:aws:iam::${ACCT}:user/ops`,
  version: '0.1.0',
  alias: 'acme',
  principalType: 'iam-user',
  region: 'eu-west-1',
};
const finding = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  kind: 'fail',
  severity: 'high',
  resource: ACCT,
  message: `${id} message`,
  controls: ['CIS v5.0.0 1.3'],
  ...over,
});

describe('buildSessionReport', () => {
  it('takes the first before and the last after of each step, in the wizard order', () => {
    const r = buildSessionReport(
      parseJournal(
        journal(
          START,
          {
            ts: 't1',
            type: 'assessment',
            step: 'root-keys',
            phase: 'before',
            status: 'fail',
            summary: 'keys',
            findings: [finding('root-keys.present')],
          },
          {
            ts: 't2',
            type: 'assessment',
            step: 'admins',
            phase: 'before',
            status: 'fail',
            summary: 'one',
            findings: [finding('admins.too-few')],
          },
          {
            ts: 't3',
            type: 'assessment',
            step: 'admins',
            phase: 'after',
            status: 'fail',
            summary: 'half',
            findings: [],
          },
          {
            ts: 't4',
            type: 'assessment',
            step: 'admins',
            phase: 'after',
            status: 'pass',
            summary: 'two',
            findings: [],
          },
          { ts: 't5', type: 'session-end', outcome: 'completed' },
        ),
      ),
      'j.jsonl',
    );
    expect(r.steps.map((s) => s.id)).toEqual(['admins', 'root-keys']);
    expect(r.steps[0]).toMatchObject({
      title: 'Administrators',
      before: { status: 'fail', summary: 'one', at: 't2' },
      after: { status: 'pass', summary: 'two', at: 't4' },
    });
    expect(r.steps[0]!.controls.length).toBeGreaterThan(0);
    expect(r.steps[1]).toMatchObject({
      before: {
        status: 'fail',
        findings: [expect.objectContaining({ id: 'root-keys.present', controls: ['CIS v5.0.0 1.3'] })],
      },
      after: null,
    });
    expect(r.session).toMatchObject({
      id: 's1',
      journal: 'j.jsonl',
      command: 'fix',
      mode: 'fix',
      outcome: 'completed',
      endedAt: 't5',
      region: 'eu-west-1',
    });
    expect(r.account).toEqual({ id: ACCT, alias: 'acme', type: null, organizationId: null });
    expect(r.principal).toEqual({ arn: `arn:aws:iam::${ACCT}:user/ops`, type: 'iam-user' });
    expect(r.generatedAt).toBe('t5');
    expect(r.nextSteps).toBeNull();
  });

  it('pairs change starts and ends, keeps descriptions from the plan, and marks a change without an end as in flight', () => {
    const r = buildSessionReport(
      parseJournal(
        journal(
          START,
          {
            ts: 't1',
            type: 'plan',
            step: 'admins',
            changes: [
              { id: 'a/1', description: 'Create IAM user alice' },
              { id: 'a/2', description: 'Give alice a password' },
            ],
          },
          {
            ts: 't2',
            type: 'change-start',
            step: 'admins',
            change: 'a/1',
            operation: 'iam:CreateUser',
            params: { UserName: 'alice' },
            dryRun: false,
          },
          {
            ts: 't3',
            type: 'change-end',
            step: 'admins',
            change: 'a/1',
            operation: 'iam:CreateUser',
            outcome: 'applied',
          },
          {
            ts: 't4',
            type: 'change-start',
            step: 'admins',
            change: 'a/2',
            operation: 'iam:CreateLoginProfile',
            params: { UserName: 'alice', Password: { $secret: 'password', label: 'x' } },
            dryRun: false,
          },
        ),
      ),
      'j.jsonl',
    );
    expect(r.changes).toEqual([
      {
        step: 'admins',
        change: 'a/1',
        description: 'Create IAM user alice',
        operation: 'iam:CreateUser',
        params: { UserName: 'alice' },
        outcome: 'applied',
        startedAt: 't2',
        endedAt: 't3',
      },
      {
        step: 'admins',
        change: 'a/2',
        description: 'Give alice a password',
        operation: 'iam:CreateLoginProfile',
        params: { UserName: 'alice', Password: { $secret: 'password', label: 'x' } },
        outcome: 'in-flight',
        startedAt: 't4',
      },
    ]);
    expect(r.session).toMatchObject({ outcome: 'unfinished', endedAt: null });
    expect(r.totals).toEqual({ applied: 1, 'already-done': 0, 'dry-run': 0, failed: 0, 'in-flight': 1 });
  });

  it('keeps errors and attestations, and the next steps it knows', () => {
    const r = buildSessionReport(
      parseJournal(
        journal(
          START,
          {
            ts: 't1',
            type: 'change-start',
            step: 'ec2-roles',
            change: 'c',
            operation: 'ec2:AssociateIamInstanceProfile',
            params: {},
            dryRun: false,
          },
          {
            ts: 't2',
            type: 'change-end',
            step: 'ec2-roles',
            change: 'c',
            operation: 'ec2:AssociateIamInstanceProfile',
            outcome: 'failed',
            error: {
              code: 'UnauthorizedOperation',
              message: 'denied',
              deniedAction: 'ec2:AssociateIamInstanceProfile',
            },
          },
          {
            ts: 't3',
            type: 'attestation',
            step: 'billing-recovery',
            item: 'iam-billing-access',
            by: 'arn:me',
            statement: 'It is on.',
            at: 't3',
          },
          {
            ts: 't4',
            type: 'next-steps',
            items: [
              { id: 'root-mfa', status: 'fail', message: 'no MFA', controls: ['CIS v5.0.0 1.4'], resources: [ACCT] },
              { id: 'made-up', status: 'pass' },
            ],
          },
        ),
      ),
      'j.jsonl',
    );
    expect(r.changes[0]).toMatchObject({
      outcome: 'failed',
      error: { code: 'UnauthorizedOperation', message: 'denied', deniedAction: 'ec2:AssociateIamInstanceProfile' },
    });
    expect(r.attestations).toEqual([
      { step: 'billing-recovery', item: 'iam-billing-access', by: 'arn:me', statement: 'It is on.', at: 't3' },
    ]);
    expect(r.nextSteps).toEqual([
      { id: 'root-mfa', status: 'fail', message: 'no MFA', controls: ['CIS v5.0.0 1.4'], resources: [ACCT] },
    ]);
    expect(r.steps.map((s) => s.id)).toEqual(['ec2-roles']);
  });

  it('refuses a file without a session start', () => {
    expect(() => buildSessionReport(parseJournal('{"type":"plan"}'), 'x.jsonl')).toThrow(JournalFormatError);
    expect(() => buildSessionReport([], 'x.jsonl')).toThrow(/not a rootlock journal/);
  });
});

describe('cleaning what the journal holds', () => {
  it('escapes terminal controls and bidi overrides, keeping backslashes the steps already escaped', () => {
    expect(cleanText('a\u001b[2Jb\u202ec')).toBe('a\\x1b[2Jb\\u202ec');
    expect(cleanText('already \\x1b escaped')).toBe('already \\x1b escaped');
    expect(cleanText('x'.repeat(50), 10)).toMatch(/^x{10}… \(truncated from 50 characters\)$/);
  });

  it('masks access key ids and redacts anything shaped like a secret access key', () => {
    expect(cleanText('key AKIAIOSFODNN7EXAMPLE used')).toBe('key AKIA************MPLE used');
    expect(cleanText('secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY end')).toBe('secret <redacted> end');
    // ARNs and ordinary words are left alone.
    expect(cleanText('arn:aws:iam::aws:policy/service-role/AmazonSSMManagedInstanceCore')).toBe(
      'arn:aws:iam::aws:policy/service-role/AmazonSSMManagedInstanceCore',
    );
  });

  it('redacts secret fields at any depth and keeps placeholders', () => {
    expect(
      cleanValue({
        UserName: 'a',
        Password: 'hunter2hunter2',
        nested: [{ SecretAccessKey: 'x', SessionToken: 'y' }],
        P: { $secret: 'password', label: 'l' },
      }),
    ).toEqual({
      UserName: 'a',
      Password: '<redacted>',
      nested: [{ SecretAccessKey: '<redacted>', SessionToken: '<redacted>' }],
      P: { $secret: 'password', label: 'l' },
    });
  });

  it('cleans every string of a report built from a hostile journal', () => {
    const evil = 'x\u001b]8;;http://evil\u0007y\u2066';
    const r = buildSessionReport(
      parseJournal(
        journal(
          { ...START, alias: evil, principal: evil },
          {
            ts: 't1',
            type: 'assessment',
            step: 'admins',
            phase: 'before',
            status: 'fail',
            summary: evil,
            findings: [finding('f', { message: evil, resource: evil })],
          },
          {
            ts: 't2',
            type: 'change-start',
            step: 'admins',
            change: 'c',
            operation: 'iam:CreateUser',
            params: { UserName: evil },
            dryRun: false,
          },
        ),
      ),
      'j.jsonl',
    );
    const text = JSON.stringify(r);
    expect(text).not.toMatch(/\\u001b|\\u0007/); // JSON would escape raw controls as \u00XX
    expect(text).not.toContain('\u2066');
    expect(r.account.alias).toBe('x\\x1b]8;;http://evil\\x07y\\u2066');
  });
});
