import { describe, expect, it } from 'vitest';
import type { OrgAppliedAccount } from '../../src/engine/org-fix.js';
import { factsText, orgFixMarkdown, outcomeCounts, sortRows } from '../../src/report/org-fix.js';

function row(
  id: string,
  outcome: OrgAppliedAccount['outcome'],
  extra: Partial<OrgAppliedAccount> = {},
): OrgAppliedAccount {
  return { id, name: `n-${id}`, ou: 'Root/Prod', outcome, before: {}, results: [], alreadyInPlace: [], ...extra };
}

describe('organization fix report', () => {
  it('counts every outcome and sorts the worst first', () => {
    const rows = [row('3', 'done'), row('1', 'nothing-to-do'), row('2', 'failed'), row('4', 'drifted')];
    const counts = outcomeCounts(rows);
    expect(counts).toMatchObject({ done: 1, failed: 1, drifted: 1, 'nothing-to-do': 1, refused: 0 });
    expect(sortRows(rows).map((r) => r.id)).toEqual(['2', '4', '3', '1']);
  });

  it('shows facts before and after, the calls sent, and what is left for people', () => {
    const before = { 'root-keys': { accessKeys: 1, password: true } };
    const after = { 'root-keys': { accessKeys: 0, password: false } };
    const md = orgFixMarkdown(
      {
        organizationId: 'o-abcdefghij',
        managementAccountId: '111111111111',
        principal: 'arn:aws:iam::111111111111:user/op',
        generatedAt: '2026-12-06T00:00:00.000Z',
        dryRun: false,
        planId: 'plan-1',
        manual: ['The management account 111111111111: run rootlock --only root-keys signed in to it.'],
      },
      [
        row('222222222222', 'done', {
          before,
          after,
          results: [
            {
              changeId: 'root-keys/org-delete/222222222222/AKIA1',
              operation: 'iam:DeleteAccessKey',
              outcome: 'applied',
            },
          ],
        }),
        row('333333333333', 'drifted', { reason: 'needs a change the plan lacks: Delete root access key AKIA9' }),
      ],
    );
    expect(md).toContain('- Accounts: 2; drifted 1, done 1');
    expect(md).toContain('- Calls sent: 1');
    expect(factsText(before)).toBe('root-keys: accessKeys 1, password true');
    expect(md).toContain('root-keys: accessKeys 0, password false');
    expect(md).toContain('root-keys/org-delete/222222222222/AKIA1: applied');
    expect(md).toContain('## Left for people to do');
    // The drifted account comes first, with its reason.
    expect(md.indexOf('333333333333')).toBeLessThan(md.indexOf('| `222222222222`'));
    expect(md).toContain('needs a change the plan lacks');
  });

  it('a dry run says so and counts no call as sent', () => {
    const md = orgFixMarkdown(
      {
        organizationId: 'o-abcdefghij',
        managementAccountId: '111111111111',
        principal: 'p',
        generatedAt: 't',
        dryRun: true,
        manual: [],
      },
      [
        row('222222222222', 'dry-run', {
          results: [{ changeId: 'c', operation: 'iam:DeleteAccessKey', outcome: 'dry-run' }],
        }),
      ],
    );
    expect(md).toContain('(dry run: nothing was sent)');
    expect(md).toContain('- Calls sent: 0');
    expect(md).not.toContain('Left for people');
  });
});
