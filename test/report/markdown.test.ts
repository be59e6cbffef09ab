import { describe, expect, it } from 'vitest';
import { codeBlock, codeSpan, md, renderMarkdown } from '../../src/report/markdown.js';
import { parseJournal } from '../../src/engine/journal.js';
import { buildSessionReport } from '../../src/report/session-report.js';

const ACCT = '123456789012';

function report(extra: Array<Record<string, unknown>>, start: Record<string, unknown> = {}) {
  const lines = [
    {
      ts: '2026-11-28T12:00:00.000Z',
      type: 'session-start',
      command: 'wizard',
      dryRun: false,
      account: ACCT,
      principal: `arn:aws:iam::${ACCT}:user/ops`,
      version: '0.1.0',
      principalType: 'iam-user',
      region: 'us-east-1',
      ...start,
    },
    ...extra,
  ];
  return buildSessionReport(
    parseJournal(lines.map((l) => JSON.stringify({ session: 's1', ...l })).join('\n')),
    'j.jsonl',
  );
}

describe('Markdown escaping', () => {
  it('neutralises links, HTML, tables and emphasis in account text', () => {
    expect(md('[x](http://evil) <img src=x> a|b *c* `d` ~~e~~ &f')).toBe(
      '\\[x\\](http://evil) \\<img src=x\\> a\\|b \\*c\\* \\`d\\` \\~\\~e\\~\\~ &amp;f',
    );
    expect(md('first_admin_user')).toBe('first_admin_user');
  });

  it('code spans and blocks cannot be closed from inside', () => {
    expect(codeSpan('a`b|c')).toBe("`a'b\\|c`");
    expect(codeBlock('x ``` y')).toBe('````\nx ``` y\n````');
    expect(codeBlock('plain', 'json')).toBe('```json\nplain\n```');
  });
});

describe('renderMarkdown', () => {
  it('renders the header, summary, steps, changes, attestations and next steps', () => {
    const r = report([
      {
        ts: 't1',
        type: 'assessment',
        step: 'admins',
        phase: 'before',
        status: 'fail',
        summary: '1 full admin',
        findings: [
          {
            id: 'admins.too-few',
            kind: 'fail',
            severity: 'high',
            resource: ACCT,
            message: 'Too few.',
            controls: ['CIS v5.0.0 1.6'],
            remediation: 'Add one.',
          },
        ],
      },
      { ts: 't2', type: 'plan', step: 'admins', changes: [{ id: 'a/1', description: 'Create IAM user bob' }] },
      {
        ts: 't3',
        type: 'change-start',
        step: 'admins',
        change: 'a/1',
        operation: 'iam:CreateUser',
        params: { UserName: 'bob' },
        dryRun: false,
      },
      { ts: 't4', type: 'change-end', step: 'admins', change: 'a/1', operation: 'iam:CreateUser', outcome: 'applied' },
      {
        ts: 't5',
        type: 'assessment',
        step: 'admins',
        phase: 'after',
        status: 'pass',
        summary: '2 full admins',
        findings: [],
      },
      {
        ts: 't6',
        type: 'attestation',
        step: 'billing-recovery',
        item: 'iam-billing-access',
        by: `arn:aws:iam::${ACCT}:root`,
        statement: 'It is on.',
        at: 't6',
      },
      {
        ts: 't7',
        type: 'next-steps',
        items: [
          { id: 'root-mfa', status: 'fail', message: 'No MFA.', controls: ['CIS v5.0.0 1.4'], resources: [ACCT] },
        ],
      },
      { ts: 't8', type: 'session-end', outcome: 'completed' },
    ]);
    const text = renderMarkdown(r, { asff: 'j.asff.json' });
    expect(text).toContain(`# rootlock session report: account ${ACCT}`);
    expect(text).toContain(`| Run by | arn:aws:iam::${ACCT}:user/ops (iam-user) |`);
    expect(text).toContain('| Mode | onboarding (`rootlock`) |');
    expect(text).toContain('| Administrators | FAIL | PASS | 1 applied |');
    expect(text).toContain('**Before: FAIL**: 1 full admin');
    expect(text).toContain('- [fail, high] Too few.');
    expect(text).toContain('  - Controls: CIS v5.0.0 1.6');
    expect(text).toContain('**After: PASS**: 2 full admins');
    expect(text).toContain('1. `iam:CreateUser` (admins): applied. Create IAM user bob');
    expect(text).toContain('   ```json\n   {"UserName":"bob"}\n   ```');
    expect(text).toContain(`- billing-recovery / iam-billing-access: "It is on." by arn:aws:iam::${ACCT}:root at t6`);
    expect(text).toContain('| MFA on the root user | FAIL | CIS v5.0.0 1.4 |');
    expect(text).toContain('aws securityhub batch-import-findings --region us-east-1 --findings file://j.asff.json');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('says when the session never ended and which change was in flight', () => {
    const text = renderMarkdown(
      report([
        {
          ts: 't1',
          type: 'change-start',
          step: 'admins',
          change: 'a/1',
          operation: 'iam:CreateUser',
          params: { UserName: 'bob' },
          dryRun: false,
        },
      ]),
    );
    expect(text).toContain('| Ended | never (the journal has no end: the process was killed or crashed) |');
    expect(text).toContain('| Outcome | unfinished |');
    expect(text).toContain('IN FLIGHT when the session stopped');
    expect(text).toContain('Not checked in this session');
  });

  it('an account alias or user name cannot inject Markdown', () => {
    const text = renderMarkdown(
      report(
        [
          {
            ts: 't1',
            type: 'change-start',
            step: 'admins',
            change: 'a/1',
            operation: 'iam:CreateUser',
            params: { UserName: '```\n# owned' },
            dryRun: false,
          },
        ],
        { alias: '<script>alert(1)</script>|x' },
      ),
    );
    expect(text).toContain('(\\<script\\>alert(1)\\</script\\>\\|x)');
    expect(text).not.toContain('<script>');
    // The parameters stay inside their code block: the escaped newline keeps them on one line.
    expect(text).toContain('{"UserName":"```\\\\n# owned"}');
    expect(text).not.toMatch(/^# owned/m);
  });
});
