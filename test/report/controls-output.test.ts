/**
 * Controls and the `not-applicable` status where documents are built: structured references
 * beside the strings (findingRecord, the check document), ASFF's Compliance (RelatedRequirements,
 * SecurityControlId, NOT_AVAILABLE for not applicable), the Markdown report (grouped by
 * framework) and a journal read back.
 */
import { describe, expect, it } from 'vitest';
import { controls } from '../../src/engine/controls.js';
import { parseJournal } from '../../src/engine/journal.js';
import { findingRecord, type AdvisoryResult } from '../../src/engine/types.js';
import { buildAsffFindings } from '../../src/report/asff.js';
import { controlsText, renderMarkdown } from '../../src/report/markdown.js';
import { buildSessionReport } from '../../src/report/session-report.js';

const ACCT = '123456789012';

describe('controls in documents', () => {
  it('a finding record carries its controls as references too, in order', () => {
    const r = findingRecord({
      id: 'x',
      kind: 'warn',
      severity: 'low',
      resource: ACCT,
      message: 'm',
      controls: controls('password-length', 'password-complexity'),
    });
    expect(r.controlRefs).toEqual([
      { framework: 'CIS AWS Foundations Benchmark', version: '5.0.0', id: '1.7' },
      { framework: 'CIS AWS Foundations Benchmark', version: '6.0.0', id: '2.7' },
      { framework: 'CIS AWS Foundations Benchmark', version: '7.0.0', id: '2.8' },
      { framework: 'CIS AWS Foundations Benchmark', version: '3.0.0', id: '1.8' },
      { framework: 'AWS Security Hub CSPM', id: 'IAM.15' },
      { framework: 'AWS Security Hub CSPM', id: 'IAM.7' },
    ]);
  });

  it('ASFF: every control in RelatedRequirements, the first Security Hub control as SecurityControlId', () => {
    const next: AdvisoryResult[] = [
      {
        id: 'root-mfa',
        status: 'not-applicable',
        message: 'Not applicable: ...',
        controls: controls('root-mfa'),
        resources: [],
      },
      {
        id: 'password-policy',
        status: 'fail',
        message: 'weak',
        controls: controls('password-length', 'password-reuse'),
        resources: [ACCT],
      },
      { id: 'two-active-keys', status: 'pass', message: 'ok', controls: controls('one-active-key'), resources: [] },
    ];
    const [rootMfa, policy, keys] = buildAsffFindings({
      accountId: ACCT,
      region: 'us-east-1',
      observedAt: '2026-11-28T12:00:00.000Z',
      rootlockVersion: '0.1.0',
      steps: [],
      nextSteps: next,
    });
    expect(rootMfa!.Compliance).toEqual({
      Status: 'NOT_AVAILABLE',
      RelatedRequirements: [
        'CIS AWS Foundations Benchmark v5.0.0/1.4',
        'CIS AWS Foundations Benchmark v6.0.0/2.4',
        'CIS AWS Foundations Benchmark v7.0.0/2.5',
        'CIS AWS Foundations Benchmark v3.0.0/1.5',
        'Security Hub IAM.9',
      ],
      SecurityControlId: 'IAM.9',
    });
    expect(rootMfa!.Severity).toEqual({ Label: 'INFORMATIONAL' });
    expect(policy!.Compliance.SecurityControlId).toBe('IAM.15');
    expect(policy!.Compliance.RelatedRequirements).toContain('Security Hub IAM.16');
    // No Security Hub control: no SecurityControlId.
    expect(keys!.Compliance).toEqual({
      Status: 'PASSED',
      RelatedRequirements: [
        'CIS AWS Foundations Benchmark v5.0.0/1.12',
        'CIS AWS Foundations Benchmark v6.0.0/2.12',
        'CIS AWS Foundations Benchmark v3.0.0/1.13',
      ],
    });
  });

  it('Markdown: controls grouped by framework; a not-applicable next step read back from the journal', () => {
    expect(controlsText(controls('root-hardware-mfa'))).toBe(
      'CIS v5.0.0 1.5, v6.0.0 2.5, v7.0.0 2.6, v3.0.0 1.6; Security Hub IAM.6',
    );
    expect(controlsText(['Security Hub Account.2', 'made|up'])).toBe('Security Hub Account.2; made\\|up');
    const lines = [
      {
        ts: 't0',
        type: 'session-start',
        command: 'wizard',
        dryRun: false,
        account: ACCT,
        principal: 'p',
        version: '0',
      },
      {
        ts: 't1',
        type: 'next-steps',
        items: [
          {
            id: 'root-mfa',
            status: 'not-applicable',
            message: 'Not applicable: no root credentials.',
            controls: controls('root-mfa'),
            resources: [],
          },
        ],
      },
      { ts: 't2', type: 'session-end', outcome: 'completed' },
    ];
    const r = buildSessionReport(
      parseJournal(lines.map((l) => JSON.stringify({ session: 's1', ...l })).join('\n')),
      'j.jsonl',
    );
    expect(r.nextSteps?.[0]?.status).toBe('not-applicable');
    const text = renderMarkdown(r);
    expect(text).toContain(
      '| MFA on the root user | NOT APPLICABLE | CIS v5.0.0 1.4, v6.0.0 2.4, v7.0.0 2.5, v3.0.0 1.5; Security Hub IAM.9 |',
    );
    expect(text).not.toContain('  - Fix:');
  });
});
