/**
 * What `check --org` writes (src/report/org-check.ts): the streamed organization document (one
 * JSON object however it was written, safe to print), each account's document and its entry in
 * the organization document, and the CSV lines with their quoting and formula neutralising.
 */
import { describe, expect, it } from 'vitest';
import type { OrgAccountResult } from '../../src/engine/org-check.js';
import {
  accountDocument,
  CSV_HEADER,
  csvField,
  csvLines,
  ORG_SCHEMA,
  OrgDocumentWriter,
  orgAccountEntry,
} from '../../src/report/org-check.js';
import type { SummaryJson } from '../../src/report/org-summary.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');
const OPERATOR = { arn: 'arn:aws:iam::111111111111:role/Audit', type: 'role' };
const HEAD = { organization: { id: 'o-exampleorgid', managementAccountId: '111111111111' }, principal: OPERATOR };
const SUMMARY: SummaryJson = {
  accounts: 2,
  pass: 1,
  fail: 1,
  error: 0,
  skipped: 0,
  byStep: { admins: { pass: 1, fail: 1, manual: 0, error: 0, 'not-checked': 0 } },
};

function row(id: string, name: string, extra: Partial<OrgAccountResult> = {}): OrgAccountResult {
  return {
    account: { id, name, status: 'ACTIVE', ou: 'Root/Workloads', ouIds: ['r-ab12', 'ou-ab12-11111111'] },
    info: {
      id,
      alias: name,
      type: 'member',
      organization: { id: 'o-exampleorgid', managementAccountId: '111111111111', rootCredentialsManagement: true },
    },
    status: 'fail',
    principal: { arn: `arn:aws:sts::${id}:assumed-role/rootlock-read/rootlock-org-check`, type: 'assumed-role' },
    steps: [
      {
        id: 'admins',
        title: 'Administrators',
        status: 'fail',
        summary: 'No administrator but root',
        findings: [
          {
            id: 'admins.none',
            kind: 'fail',
            severity: 'high',
            resource: id,
            message: 'no admin',
            controls: ['CIS v5.0.0 1.x'],
            wizardRemediation: 'with this step',
          },
        ],
        details: { admins: [] },
      },
      {
        id: 'root-keys',
        title: 'Root access keys',
        status: 'not-checked',
        summary: 'Not checked: centralized root access is off',
        findings: [],
        details: { notChecked: 'centralized root access is off' },
      },
    ],
    nextSteps: [{ id: 'mfa', status: 'pass', message: 'ok', controls: ['c'], resources: [] }],
    apiCalls: { total: 7, attempts: 8, byOperation: { 'iam:ListUsers': 7 } },
    ...extra,
  };
}

/** A sink that keeps what is written, piece by piece. */
function sink() {
  const pieces: string[] = [];
  return { pieces, write: (text: string) => pieces.push(text), text: () => pieces.join('') };
}

describe('accountDocument and orgAccountEntry', () => {
  it('an account document in the rootlock.check/v1 shape, with its OU and status', () => {
    const doc = accountDocument(row('222222222222', 'payments'), NOW, OPERATOR);
    expect(doc).toMatchObject({
      schema: 'rootlock.check/v1',
      generatedAt: '2026-01-02T03:04:05.000Z',
      account: { id: '222222222222', alias: null, name: 'payments', ou: 'Root/Workloads', status: 'fail' },
      principal: { arn: 'arn:aws:sts::222222222222:assumed-role/rootlock-read/rootlock-org-check' },
      apiCalls: { total: 7 },
    });
    expect(doc.steps.map((s) => [s.id, s.status])).toEqual([
      ['admins', 'fail'],
      ['root-keys', 'not-checked'],
    ]);
    // Findings as plain records: the wizard's own wording stays out of documents.
    expect(doc.steps[0]?.findings[0]).not.toHaveProperty('wizardRemediation');
    expect(doc.account).not.toHaveProperty('error');
    expect(doc).not.toHaveProperty('nextStepsNote');
  });

  it('an account that failed as a whole: its error, and the operator as principal when none read it', () => {
    const failed = row('333333333333', 'old', {
      status: 'error',
      error: 'did not finish within 300 s (--account-timeout)',
      principal: undefined,
      nextSteps: [],
      nextStepsNote: 'Next steps not checked: no role',
    });
    const doc = accountDocument(failed, NOW, OPERATOR);
    expect(doc.account).toMatchObject({ status: 'error', error: 'did not finish within 300 s (--account-timeout)' });
    expect(doc.principal).toEqual(OPERATOR);
    expect(doc.nextStepsNote).toBe('Next steps not checked: no role');
    const entry = orgAccountEntry(doc);
    expect(entry).toMatchObject({
      id: '333333333333',
      name: 'old',
      ou: 'Root/Workloads',
      status: 'error',
      error: 'did not finish within 300 s (--account-timeout)',
      nextStepsNote: 'Next steps not checked: no role',
    });
    expect(Object.keys(entry)).not.toContain('schema');
  });
});

describe('OrgDocumentWriter', () => {
  it('written piece by piece, it parses as one JSON object with the accounts in the order given', () => {
    const out = sink();
    const writer = new OrgDocumentWriter(out, HEAD);
    for (const [id, name] of [
      ['333333333333', 'third'],
      ['111111111111', 'first'],
      ['222222222222', 'second'],
    ] as const)
      writer.account(orgAccountEntry(accountDocument(row(id, name), NOW, OPERATOR)));
    writer.account({ id: '444444444444', name: 'gone', ou: 'Root', status: 'skipped', reason: 'account is SUSPENDED' });
    writer.finish({ summary: SUMMARY, apiCalls: { total: 21, limits: { organizations: { calls: 3 } } } });
    // Streamed: the head first, then one piece per account, then the tail.
    expect(out.pieces).toHaveLength(6);
    const doc = JSON.parse(out.text());
    expect(Object.keys(doc)).toEqual(['schema', 'organization', 'principal', 'accounts', 'summary', 'apiCalls']);
    expect(doc.schema).toBe(ORG_SCHEMA);
    expect(doc.organization).toEqual(HEAD.organization);
    expect(doc.principal).toEqual(OPERATOR);
    expect(doc.accounts.map((a: { id: string }) => a.id)).toEqual([
      '333333333333',
      '111111111111',
      '222222222222',
      '444444444444',
    ]);
    expect(doc.accounts[0].steps[0].findings[0].id).toBe('admins.none');
    expect(doc.accounts[3]).toEqual({
      id: '444444444444',
      name: 'gone',
      ou: 'Root',
      status: 'skipped',
      reason: 'account is SUSPENDED',
    });
    expect(doc.summary).toEqual(SUMMARY);
    expect(doc.apiCalls).toEqual({ total: 21, limits: { organizations: { calls: 3 } } });
    expect(out.text().endsWith('}\n')).toBe(true);
  });

  it('with no account, it is still one JSON object, with an empty accounts array', () => {
    const out = sink();
    const writer = new OrgDocumentWriter(out, HEAD);
    writer.finish({ summary: { ...SUMMARY, accounts: 0, pass: 0, fail: 0, byStep: {} }, apiCalls: { total: 0 } });
    const doc = JSON.parse(out.text());
    expect(doc.accounts).toEqual([]);
    expect(doc.summary.accounts).toBe(0);
    expect(doc.organization.id).toBe('o-exampleorgid');
  });

  it('one account: no stray comma', () => {
    const out = sink();
    const writer = new OrgDocumentWriter(out, HEAD);
    writer.account({ id: '1', name: 'one', steps: [] });
    writer.finish({ summary: SUMMARY, apiCalls: {} });
    expect(JSON.parse(out.text()).accounts).toEqual([{ id: '1', name: 'one', steps: [] }]);
  });

  it('terminal control characters in account data are escaped, never raw; the parsed value is unchanged', () => {
    const out = sink();
    const writer = new OrgDocumentWriter(out, {
      ...HEAD,
      principal: { arn: 'arn:aws:iam::111111111111:role/\u009b2J', type: 'role' },
    });
    const name = 'evil\u001b[31m red \u009b2J bidi\u202e end';
    writer.account(orgAccountEntry(accountDocument(row('222222222222', name), NOW, OPERATOR)));
    writer.account({ id: '333333333333', name: 'plain', ou: 'Root/\u001b]0;title\u0007', status: 'skipped' });
    writer.finish({ summary: SUMMARY, apiCalls: { note: 'line\u2028separator' } });
    const text = out.text();
    for (const raw of ['\u001b', '\u009b', '\u202e', '\u0007', '\u2028']) expect(text).not.toContain(raw);
    expect(text).toContain('evil\\u001b[31m red \\u009b2J bidi\\u202e end');
    const doc = JSON.parse(text);
    expect(doc.accounts[0].name).toBe(name);
    expect(doc.accounts[1].ou).toBe('Root/\u001b]0;title\u0007');
    expect(doc.principal.arn).toBe('arn:aws:iam::111111111111:role/\u009b2J');
    expect(doc.apiCalls.note).toBe('line\u2028separator');
  });
});

describe('CSV', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['=cmd', "'=cmd"],
    ['+1+1', "'+1+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['\r=1', `"'\r=1"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['a=b', 'a=b'],
  ])('csvField(%j) is %j', (value, field) => expect(csvField(value)).toBe(field));

  it('one line per step, with the header’s columns', () => {
    const doc = accountDocument(row('222222222222', 'pay, ments'), NOW, OPERATOR);
    expect(CSV_HEADER.split(',')).toHaveLength(7);
    expect(csvLines(doc)).toEqual([
      '222222222222,"pay, ments",Root/Workloads,fail,admins,fail,No administrator but root',
      '222222222222,"pay, ments",Root/Workloads,fail,root-keys,not-checked,Not checked: centralized root access is off',
    ]);
  });

  it('an account name that is a formula cannot run in a spreadsheet', () => {
    const doc = accountDocument(row('222222222222', '=2+5'), NOW, OPERATOR);
    expect(csvLines(doc)[0]?.split(',')[1]).toBe("'=2+5");
  });
});
