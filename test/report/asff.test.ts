import { describe, expect, it } from 'vitest';
import {
  ASFF_LIMITS,
  asffFromSessionReport,
  asffResource,
  buildAsffFindings,
  findingStatus,
  fit,
  productArn,
  relatedRequirement,
  REQUIRED_TOP_LEVEL,
  validateAsffFinding,
  type AsffInput,
} from '../../src/report/asff.js';
import { parseJournal } from '../../src/engine/journal.js';
import { buildSessionReport } from '../../src/report/session-report.js';

const ACCT = '123456789012';
const NOW = '2026-11-28T12:00:00.000Z';

const input = (o: Partial<AsffInput> = {}): AsffInput => ({
  accountId: ACCT,
  region: 'eu-west-1',
  observedAt: NOW,
  rootlockVersion: '0.1.0',
  steps: [
    {
      id: 'root-keys',
      title: 'Root access keys',
      controls: ['CIS v5.0.0 1.3', 'CIS v3.0.0 1.4', 'Security Hub IAM.4'],
      status: 'fail',
      summary: 'The root user has 1 access key.',
      findings: [
        {
          id: 'root-keys.present',
          kind: 'fail',
          severity: 'critical',
          resource: `arn:aws:iam::${ACCT}:root`,
          message: 'Root has a key.',
          controls: ['CIS v5.0.0 1.3', 'Security Hub IAM.4'],
          remediation: 'Delete it.',
        },
        { id: 'root-keys.note', kind: 'info', severity: 'info', resource: ACCT, message: 'Context.', controls: [] },
      ],
      resolved: [],
    },
  ],
  nextSteps: [
    {
      id: 'console-mfa',
      status: 'fail',
      message: '1 console user without MFA: carol.',
      controls: ['CIS v5.0.0 1.9'],
      resources: [`arn:aws:iam::${ACCT}:user/carol`],
    },
    {
      id: 's3-public-access-block',
      status: 'not-checked',
      message: 'Not checked: no client.',
      controls: ['Security Hub S3.1'],
      resources: [],
    },
  ],
  ...o,
});

describe('ASFF building blocks', () => {
  it('product ARN of the account default product', () => {
    expect(productArn('eu-west-1', ACCT)).toBe(`arn:aws:securityhub:eu-west-1:${ACCT}:product/${ACCT}/default`);
  });

  it.each([
    ['CIS v5.0.0 1.4', 'CIS AWS Foundations Benchmark v5.0.0/1.4'],
    ['CIS v3.0.0 2.1.4', 'CIS AWS Foundations Benchmark v3.0.0/2.1.4'],
    ['Security Hub IAM.9', 'Security Hub IAM.9'],
  ])('related requirement of %s', (c, r) => expect(relatedRequirement(c)).toBe(r));

  it.each([
    [ACCT, 'AwsAccount', `AWS::::Account:${ACCT}`],
    [`arn:aws:iam::${ACCT}:root`, 'AwsAccount', `AWS::::Account:${ACCT}`],
    [`arn:aws:iam::${ACCT}:user/alice`, 'AwsIamUser', `arn:aws:iam::${ACCT}:user/alice`],
    [`arn:aws:iam::${ACCT}:role/app`, 'AwsIamRole', `arn:aws:iam::${ACCT}:role/app`],
    [`arn:aws:iam::${ACCT}:group/Administrators`, 'AwsIamGroup', `arn:aws:iam::${ACCT}:group/Administrators`],
    [`arn:aws:iam::${ACCT}:policy/star`, 'AwsIamPolicy', `arn:aws:iam::${ACCT}:policy/star`],
    [
      `arn:aws:ec2:ap-southeast-2:${ACCT}:instance/i-0abc`,
      'AwsEc2Instance',
      `arn:aws:ec2:ap-southeast-2:${ACCT}:instance/i-0abc`,
    ],
    [`arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`, 'Other', `arn:aws:iam::${ACCT}:mfa/root-account-mfa-device`],
  ])('resource %s is %s', (res, type, id) => {
    expect(asffResource(res, ACCT, 'eu-west-1')).toMatchObject({ Type: type, Id: id });
  });

  it('takes an instance region from its ARN and the partition from any ARN', () => {
    expect(asffResource(`arn:aws:ec2:ap-southeast-2:${ACCT}:instance/i-0abc`, ACCT, 'eu-west-1').Region).toBe(
      'ap-southeast-2',
    );
    expect(asffResource(`arn:aws-us-gov:iam::${ACCT}:user/a`, ACCT, 'us-gov-west-1').Partition).toBe('aws-us-gov');
  });

  it.each([
    [{ kind: 'fail', controls: [] }, 'FAILED'],
    [{ kind: 'warn', controls: ['CIS v5.0.0 1.9'] }, 'FAILED'],
    [{ kind: 'warn', controls: [] }, 'WARNING'],
    [{ kind: 'manual', controls: ['CIS v5.0.0 1.1'] }, 'WARNING'],
    [{ kind: 'retired', controls: ['CIS v3.0.0 1.3'] }, 'NOT_AVAILABLE'],
    [{ kind: 'info', controls: [] }, undefined],
  ])('finding %j -> %s', (f, s) => expect(findingStatus(f)).toBe(s));

  it('fits text to a limit, never blank', () => {
    expect(fit('abc', 5)).toBe('abc');
    expect([...fit('é'.repeat(300), 256)]).toHaveLength(256);
    expect(fit('   ', 100)).toBe('rootlock finding');
    expect(fit('', 100, 'fallback')).toBe('fallback');
  });
});

describe('buildAsffFindings', () => {
  it('gives one finding per step, per exported step finding and per next step; all valid', () => {
    const out = buildAsffFindings(input());
    expect(out.map((f) => f.GeneratorId)).toEqual([
      'rootlock/step/root-keys',
      'rootlock/root-keys.present',
      'rootlock/next-steps/console-mfa',
      'rootlock/next-steps/s3-public-access-block',
    ]);
    for (const f of out) {
      expect(validateAsffFinding(f)).toEqual([]);
      for (const k of REQUIRED_TOP_LEVEL) expect(f[k]).toBeTruthy();
      expect(f.SchemaVersion).toBe('2018-10-08');
      expect(f.CreatedAt).toBe(NOW);
      expect(f.UpdatedAt).toBe(NOW);
    }
    const [step, present, consoleMfa, s3] = out;
    expect(step).toMatchObject({
      Id: `rootlock/${ACCT}/step/root-keys`,
      Severity: { Label: 'CRITICAL' },
      Compliance: {
        Status: 'FAILED',
        RelatedRequirements: [
          'CIS AWS Foundations Benchmark v5.0.0/1.3',
          'CIS AWS Foundations Benchmark v3.0.0/1.4',
          'Security Hub IAM.4',
        ],
      },
      Resources: [{ Type: 'AwsAccount', Id: `AWS::::Account:${ACCT}` }],
      Types: ['Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark'],
    });
    expect(present).toMatchObject({
      Title: 'Root access keys: Root has a key.',
      Remediation: { Recommendation: { Text: 'Delete it.' } },
      Resources: [{ Type: 'AwsAccount' }],
      RecordState: 'ACTIVE',
    });
    expect(consoleMfa).toMatchObject({
      Severity: { Label: 'MEDIUM' },
      Compliance: { Status: 'FAILED' },
      Resources: [{ Type: 'AwsIamUser' }],
    });
    expect(consoleMfa!.Remediation!.Recommendation.Url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(s3).toMatchObject({
      Severity: { Label: 'INFORMATIONAL' },
      Compliance: { Status: 'NOT_AVAILABLE' },
      Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    });
    expect(s3!.Remediation).toBeUndefined();
  });

  it('keeps every field within its documented limit for very long account data', () => {
    const long = 'y'.repeat(5000);
    const longInput = () =>
      input({
        steps: [
          {
            id: 'admins',
            title: 'Administrators',
            controls: [],
            status: 'fail',
            summary: long,
            findings: [
              {
                id: 'admins.x',
                kind: 'fail',
                severity: 'high',
                resource: `arn:aws:iam::${ACCT}:user/${'u'.repeat(600)}`,
                message: long,
                controls: [],
                remediation: long,
              },
            ],
            resolved: [],
          },
        ],
        nextSteps: [],
      });
    const out = buildAsffFindings(longInput());
    for (const f of out) expect(validateAsffFinding(f)).toEqual([]);
    expect(out[1]!.Id.length).toBeLessThanOrEqual(ASFF_LIMITS.id);
    expect([...out[1]!.Description].length).toBe(ASFF_LIMITS.description);
    // Still stable: the same input gives the same (shortened) ids.
    expect(buildAsffFindings(longInput()).map((f) => f.Id)).toEqual(out.map((f) => f.Id));
  });

  it('repeats of one finding id and resource get distinct, stable ids', () => {
    const dup = (controls: string[]) => ({
      id: 'admins.password-policy',
      kind: 'warn',
      severity: 'medium',
      resource: ACCT,
      message: 'weak',
      controls,
    });
    const steps = [
      {
        id: 'admins',
        title: 'Administrators',
        controls: [],
        status: 'pass',
        summary: 'ok',
        findings: [dup(['CIS v5.0.0 1.7']), dup(['CIS v5.0.0 1.8'])],
        resolved: [],
      },
    ];
    const a = buildAsffFindings(input({ steps, nextSteps: [] })).map((f) => f.Id);
    expect(new Set(a).size).toBe(a.length);
    expect(buildAsffFindings(input({ steps, nextSteps: [] })).map((f) => f.Id)).toEqual(a);
  });
});

describe('validateAsffFinding', () => {
  const good = () => structuredClone(buildAsffFindings(input())[0]!) as unknown as Record<string, any>;
  it.each([
    ['missing Title', (f: Record<string, any>) => delete f.Title, /Title is missing/],
    ['wrong schema', (f: Record<string, any>) => (f.SchemaVersion = '2019-01-01'), /SchemaVersion/],
    ['short account', (f: Record<string, any>) => (f.AwsAccountId = '123'), /AwsAccountId/],
    [
      'long description',
      (f: Record<string, any>) => (f.Description = 'd'.repeat(1025)),
      /Description is longer than 1024/,
    ],
    ['blank description', (f: Record<string, any>) => (f.Description = '   '), /Description must not be blank/],
    ['bad label', (f: Record<string, any>) => (f.Severity = { Label: 'SEVERE' }), /Severity.Label/],
    ['bad type', (f: Record<string, any>) => (f.Types = ['Whatever']), /not namespace\/category/],
    ['no resources', (f: Record<string, any>) => (f.Resources = []), /Resources must hold/],
    ['bad compliance', (f: Record<string, any>) => (f.Compliance = { Status: 'OK' }), /Compliance.Status/],
    ['bad timestamp', (f: Record<string, any>) => (f.UpdatedAt = 'yesterday'), /UpdatedAt is not an ASFF timestamp/],
    ['bad product', (f: Record<string, any>) => (f.ProductArn = 'arn:aws:securityhub:::product/x'), /ProductArn/],
  ])('catches %s', (_n, breakIt, problem) => {
    const f = good();
    expect(validateAsffFinding(f)).toEqual([]);
    breakIt(f);
    expect(validateAsffFinding(f).join('; ')).toMatch(problem);
  });
});

describe('asffFromSessionReport', () => {
  it('sends findings the session fixed as PASSED and ARCHIVED, and the current ones as they are', () => {
    const lines = [
      {
        type: 'session-start',
        ts: 't0',
        session: 's',
        command: 'wizard',
        dryRun: false,
        account: ACCT,
        principal: 'arn:p',
        version: '0.1.0',
        region: 'eu-west-1',
      },
      {
        type: 'assessment',
        ts: '2026-11-28T12:00:01.000Z',
        session: 's',
        step: 'admins',
        phase: 'before',
        status: 'fail',
        summary: 'one',
        findings: [
          {
            id: 'admins.too-few',
            kind: 'fail',
            severity: 'high',
            resource: ACCT,
            message: 'too few',
            controls: ['CIS v5.0.0 1.6'],
          },
          {
            id: 'admins.no-mfa',
            kind: 'warn',
            severity: 'high',
            resource: `arn:aws:iam::${ACCT}:user/a`,
            message: 'no mfa',
            controls: ['CIS v5.0.0 1.9'],
          },
        ],
      },
      {
        type: 'assessment',
        ts: '2026-11-28T12:00:09.000Z',
        session: 's',
        step: 'admins',
        phase: 'after',
        status: 'pass',
        summary: 'two',
        findings: [
          {
            id: 'admins.no-mfa',
            kind: 'warn',
            severity: 'high',
            resource: `arn:aws:iam::${ACCT}:user/a`,
            message: 'no mfa',
            controls: ['CIS v5.0.0 1.9'],
          },
        ],
      },
    ];
    const report = buildSessionReport(parseJournal(lines.map((l) => JSON.stringify(l)).join('\n')), 'j.jsonl');
    const out = asffFromSessionReport(report);
    for (const f of out) expect(validateAsffFinding(f)).toEqual([]);
    const byGen = Object.fromEntries(out.map((f) => [f.GeneratorId, f]));
    expect(byGen['rootlock/step/admins']).toMatchObject({
      Compliance: { Status: 'PASSED' },
      Severity: { Label: 'INFORMATIONAL' },
      ProductArn: `arn:aws:securityhub:eu-west-1:${ACCT}:product/${ACCT}/default`,
    });
    expect(byGen['rootlock/admins.too-few']).toMatchObject({
      Compliance: { Status: 'PASSED' },
      RecordState: 'ARCHIVED',
      Description: 'Resolved by this rootlock session. Was: too few',
    });
    expect(byGen['rootlock/admins.no-mfa']).toMatchObject({
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      Severity: { Label: 'HIGH' },
    });
    // Observed when last assessed; the same id as a check would give for the same finding.
    expect(byGen['rootlock/admins.no-mfa']!.UpdatedAt).toBe('2026-11-28T12:00:09.000Z');
    expect(byGen['rootlock/admins.too-few']!.Id).toBe(`rootlock/${ACCT}/finding/admins.too-few/${ACCT}`);
  });
});
