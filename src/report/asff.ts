/**
 * Findings in the AWS Security Finding Format (ASFF), for Security Hub's BatchImportFindings
 * (`aws securityhub batch-import-findings --findings file://FILE`). Written as a JSON array of
 * AwsSecurityFinding objects.
 *
 * What becomes a finding:
 * - each step as a whole (GeneratorId `rootlock/step/<id>`), with the step's controls;
 * - each step finding of kind fail, warn, manual or retired, about its resource;
 * - in a session report, each such finding that was there before and is gone after the
 *   session's changes, sent again as PASSED with RecordState ARCHIVED, so a finding imported
 *   earlier is closed rather than left open;
 * - each next step (GeneratorId `rootlock/next-steps/<id>`).
 * Ids are stable (account, generator, resource), so importing again updates findings instead
 * of adding duplicates.
 *
 * Limits and required fields from the Security Hub API reference (AwsSecurityFinding,
 * Compliance, Recommendation, Resource) and the user guide's "Required top-level ASFF
 * attributes"; {@link validateAsffFinding} checks them.
 */
import { createHash } from 'node:crypto';
import { securityHubControlId } from '../engine/controls.js';
import { REGISTRY } from '../engine/registry.js';
import type { AdvisoryMeta, AdvisoryResult } from '../engine/types.js';
import type { CheckDocument } from './check-json.js';
import type { ReportFinding, SessionReport } from './session-report.js';

export const ASFF_SCHEMA_VERSION = '2018-10-08';

export type AsffSeverityLabel = 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
export type AsffComplianceStatus = 'PASSED' | 'WARNING' | 'FAILED' | 'NOT_AVAILABLE';

export interface AsffResource {
  Type: string;
  Id: string;
  Partition?: string;
  Region?: string;
}

/** The part of AwsSecurityFinding rootlock writes. */
export interface AsffFinding {
  SchemaVersion: typeof ASFF_SCHEMA_VERSION;
  Id: string;
  ProductArn: string;
  ProductName: string;
  CompanyName: string;
  GeneratorId: string;
  AwsAccountId: string;
  Types: string[];
  CreatedAt: string;
  UpdatedAt: string;
  Severity: { Label: AsffSeverityLabel };
  Title: string;
  Description: string;
  Remediation?: { Recommendation: { Text: string; Url?: string } };
  ProductFields: Record<string, string>;
  Resources: AsffResource[];
  /**
   * `RelatedRequirements`: every control ("CIS AWS Foundations Benchmark v5.0.0/1.4", "Security Hub
   * IAM.9"); `SecurityControlId`: the Security Hub CSPM control the finding matches, where it has
   * one (a finding provider may fill the Compliance fields: Security Hub API reference, Compliance).
   */
  Compliance: { Status: AsffComplianceStatus; RelatedRequirements?: string[]; SecurityControlId?: string };
  RecordState: 'ACTIVE' | 'ARCHIVED';
}

/** Documented limits. */
export const ASFF_LIMITS = {
  id: 512,
  generatorId: 512,
  title: 256,
  description: 1024,
  recommendationText: 512,
  types: 50,
  resources: 32,
  relatedRequirements: 32,
  productFields: 50,
  /** BatchImportFindings takes at most 100 findings per request. */
  findingsPerRequest: 100,
  /** And at most 240 KB per finding. */
  findingBytes: 240 * 1024,
} as const;

export const REQUIRED_TOP_LEVEL = [
  'AwsAccountId',
  'CreatedAt',
  'Description',
  'GeneratorId',
  'Id',
  'ProductArn',
  'Resources',
  'SchemaVersion',
  'Severity',
  'Title',
  'Types',
  'UpdatedAt',
] as const;

const TYPE_CIS = 'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark';
const TYPE_BEST_PRACTICE = 'Software and Configuration Checks/AWS Security Best Practices';
const TYPE_NAMESPACES = [
  'Software and Configuration Checks',
  'TTPs',
  'Effects',
  'Unusual Behaviors',
  'Sensitive Data Identifications',
];

const SEVERITY: Record<string, AsffSeverityLabel> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFORMATIONAL',
};
const SEVERITY_ORDER: AsffSeverityLabel[] = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];

/** The product ARN of the account's own "default" product (custom findings). */
export function productArn(region: string, accountId: string): string {
  return `arn:aws:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** "CIS v5.0.0 1.4" -> "CIS AWS Foundations Benchmark v5.0.0/1.4" (Security Hub's own wording); others unchanged. */
export function relatedRequirement(control: string): string {
  const m = /^CIS (v\d+\.\d+\.\d+) (\d+(?:\.\d+)*)$/.exec(control);
  return m ? `CIS AWS Foundations Benchmark ${m[1]}/${m[2]}` : control;
}

/** Cuts text to `max` characters (code points), with an ellipsis; never empty or blank. */
export function fit(text: string, max: number, fallback = 'rootlock finding'): string {
  const t = text.trim() || fallback;
  const chars = [...t];
  return chars.length <= max ? t : `${chars.slice(0, max - 1).join('')}…`;
}

/** A stable id within the limit: long ids keep their start and end a hash. */
function stableId(parts: string[], max: number): string {
  const id = parts.join('/');
  if (id.length <= max) return id;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 16);
  return `${id.slice(0, max - 17)}-${hash}`;
}

/** The ASFF resource a finding is about: typed from its ARN; an account id or the root user is the account. */
export function asffResource(resource: string, accountId: string, region: string): AsffResource {
  const acct = /^\d{12}$/.test(resource) ? resource : /^arn:[\w-]+:iam::(\d{12}):root$/.exec(resource)?.[1];
  if (acct) return { Type: 'AwsAccount', Id: `AWS::::Account:${acct}`, Partition: 'aws', Region: region };
  const arn = /^arn:([\w-]+):([\w-]+):([\w-]*):(\d{12})?:(.+)$/.exec(resource);
  if (!arn) return { Type: 'Other', Id: fit(resource || accountId, 512), Partition: 'aws', Region: region };
  const [, partition = 'aws', service, arnRegion, , rest = ''] = arn;
  let type = 'Other';
  if (service === 'iam') {
    if (rest.startsWith('user/')) type = 'AwsIamUser';
    else if (rest.startsWith('role/')) type = 'AwsIamRole';
    else if (rest.startsWith('group/')) type = 'AwsIamGroup';
    else if (rest.startsWith('policy/')) type = 'AwsIamPolicy';
  } else if (service === 'ec2' && rest.startsWith('instance/')) type = 'AwsEc2Instance';
  return { Type: type, Id: resource, Partition: partition, Region: arnRegion || region };
}

/** One step as the ASFF source sees it: its status now, its findings now, and those its changes resolved. */
export interface AsffStep {
  id: string;
  title: string;
  controls: string[];
  status: string;
  summary: string;
  findings: ReportFinding[];
  resolved: ReportFinding[];
  url?: string;
}

export interface AsffInput {
  accountId: string;
  region: string;
  /** CreatedAt / UpdatedAt of every finding: when the account was assessed. */
  observedAt: string;
  rootlockVersion: string;
  steps: AsffStep[];
  nextSteps: AdvisoryResult[];
}

function types(controls: string[]): string[] {
  return [controls.some((c) => c.startsWith('CIS ')) ? TYPE_CIS : TYPE_BEST_PRACTICE];
}

function requirements(controls: string[]): string[] | undefined {
  const r = [...new Set(controls.map(relatedRequirement))].slice(0, ASFF_LIMITS.relatedRequirements);
  return r.length > 0 ? r : undefined;
}

/** The Compliance object of a finding with these controls. */
function compliance(status: AsffComplianceStatus, controls: string[]): AsffFinding['Compliance'] {
  const related = requirements(controls);
  const controlId = securityHubControlId(controls);
  return {
    Status: status,
    ...(related ? { RelatedRequirements: related } : {}),
    ...(controlId ? { SecurityControlId: controlId } : {}),
  };
}

const STEP_STATUS: Record<string, AsffComplianceStatus> = {
  pass: 'PASSED',
  fail: 'FAILED',
  manual: 'WARNING',
  error: 'NOT_AVAILABLE',
};
const NEXT_STATUS: Record<string, AsffComplianceStatus> = {
  pass: 'PASSED',
  fail: 'FAILED',
  'not-checked': 'NOT_AVAILABLE',
  // Security Hub reports an AWS Config NOT_APPLICABLE evaluation as NOT_AVAILABLE.
  'not-applicable': 'NOT_AVAILABLE',
};

/** An advisory's metadata from the registry; undefined for an id it does not list as an advisory. */
function advisoryMeta(id: string): AdvisoryMeta | undefined {
  const meta = REGISTRY.meta(id);
  return meta?.kind === 'advisory' ? meta : undefined;
}

/**
 * A step finding's compliance status: `fail` is FAILED; `warn` is FAILED when it names a
 * control (that control's requirement is not met for this resource) and WARNING otherwise;
 * `manual` (no API can tell) is WARNING; `retired` (AWS no longer offers it) is NOT_AVAILABLE.
 * `info` findings are context and are not exported.
 */
export function findingStatus(f: Pick<ReportFinding, 'kind' | 'controls'>): AsffComplianceStatus | undefined {
  switch (f.kind) {
    case 'fail':
      return 'FAILED';
    case 'warn':
      return f.controls.length > 0 ? 'FAILED' : 'WARNING';
    case 'manual':
      return 'WARNING';
    case 'retired':
      return 'NOT_AVAILABLE';
    default:
      return undefined;
  }
}

/** Builds every ASFF finding of an assessment. */
export function buildAsffFindings(input: AsffInput): AsffFinding[] {
  const { accountId, region, observedAt } = input;
  const base = (generatorId: string, idParts: string[]) => ({
    SchemaVersion: ASFF_SCHEMA_VERSION as typeof ASFF_SCHEMA_VERSION,
    Id: stableId(['rootlock', accountId, ...idParts], ASFF_LIMITS.id),
    ProductArn: productArn(region, accountId),
    ProductName: 'rootlock',
    CompanyName: 'rootlock',
    GeneratorId: fit(generatorId, ASFF_LIMITS.generatorId),
    AwsAccountId: accountId,
    CreatedAt: observedAt,
    UpdatedAt: observedAt,
  });
  const fields = (extra: Record<string, string>): Record<string, string> => ({
    'rootlock/version': input.rootlockVersion,
    ...extra,
  });
  const remediation = (text: string | undefined, url?: string): AsffFinding['Remediation'] =>
    text
      ? { Recommendation: { Text: fit(text, ASFF_LIMITS.recommendationText), ...(url ? { Url: url } : {}) } }
      : undefined;
  const out: AsffFinding[] = [];
  const usedIds = new Set<string>();
  // A step may report one finding id for one resource more than once (one per control group):
  // the repeat gets a suffix derived from its controls, stable from run to run.
  const findingIdParts = (f: ReportFinding): string[] => {
    const parts = ['finding', f.id, f.resource];
    const id = stableId(['rootlock', accountId, ...parts], ASFF_LIMITS.id);
    if (!usedIds.has(id)) {
      usedIds.add(id);
      return parts;
    }
    const more = [
      ...parts,
      createHash('sha256')
        .update(`${f.controls.join(',')}|${f.message}`)
        .digest('hex')
        .slice(0, 8),
    ];
    usedIds.add(stableId(['rootlock', accountId, ...more], ASFF_LIMITS.id));
    return more;
  };

  for (const s of input.steps) {
    const failing = s.findings.filter((f) => findingStatus(f) === 'FAILED');
    const worst = failing.reduce<AsffSeverityLabel>((w, f) => {
      const l = SEVERITY[f.severity] ?? 'MEDIUM';
      return SEVERITY_ORDER.indexOf(l) > SEVERITY_ORDER.indexOf(w) ? l : w;
    }, 'INFORMATIONAL');
    const status = STEP_STATUS[s.status] ?? 'NOT_AVAILABLE';
    out.push({
      ...base(`rootlock/step/${s.id}`, ['step', s.id]),
      Types: types(s.controls),
      Severity: { Label: status === 'FAILED' ? (worst === 'INFORMATIONAL' ? 'MEDIUM' : worst) : 'INFORMATIONAL' },
      Title: fit(`rootlock: ${s.title}`, ASFF_LIMITS.title),
      Description: fit(s.summary, ASFF_LIMITS.description, `${s.title}: ${s.status}`),
      ...(status !== 'PASSED' ? { Remediation: remediation(`Run: rootlock --only ${s.id}`, s.url) } : {}),
      ProductFields: fields({ 'rootlock/step': s.id, 'rootlock/status': s.status }),
      Resources: [asffResource(accountId, accountId, region)],
      Compliance: compliance(status, s.controls),
      RecordState: 'ACTIVE',
    });
    const emit = (f: ReportFinding, resolved: boolean) => {
      const st = findingStatus(f);
      if (!st) return;
      out.push({
        ...base(`rootlock/${f.id}`, findingIdParts(f)),
        Types: types(f.controls),
        Severity: { Label: resolved ? 'INFORMATIONAL' : (SEVERITY[f.severity] ?? 'MEDIUM') },
        Title: fit(`${s.title}: ${f.message}`, ASFF_LIMITS.title),
        Description: fit(
          resolved ? `Resolved by this rootlock session. Was: ${f.message}` : f.message,
          ASFF_LIMITS.description,
        ),
        ...(resolved ? {} : { Remediation: remediation(f.remediation ?? `Run: rootlock --only ${s.id}`, s.url) }),
        ProductFields: fields({ 'rootlock/step': s.id, 'rootlock/kind': f.kind }),
        Resources: [asffResource(f.resource, accountId, region)],
        Compliance: compliance(resolved ? 'PASSED' : st, f.controls),
        RecordState: resolved ? 'ARCHIVED' : 'ACTIVE',
      });
    };
    for (const f of s.findings) emit(f, false);
    for (const f of s.resolved) emit(f, true);
  }

  for (const n of input.nextSteps) {
    const meta = advisoryMeta(n.id);
    const status = NEXT_STATUS[n.status] ?? 'NOT_AVAILABLE';
    const resources = (n.resources.length > 0 ? n.resources : [accountId])
      .slice(0, ASFF_LIMITS.resources)
      .map((r) => asffResource(r, accountId, region));
    out.push({
      ...base(`rootlock/next-steps/${n.id}`, ['next-steps', n.id]),
      Types: types(n.controls),
      Severity: { Label: status === 'FAILED' ? (SEVERITY[meta?.severity ?? ''] ?? 'MEDIUM') : 'INFORMATIONAL' },
      Title: fit(`rootlock next step: ${meta?.title ?? n.id}`, ASFF_LIMITS.title),
      Description: fit(n.message, ASFF_LIMITS.description),
      ...(status === 'FAILED' && meta ? { Remediation: remediation(meta.remediation, meta.url) } : {}),
      ProductFields: fields({ 'rootlock/next-step': n.id, 'rootlock/status': n.status }),
      Resources: resources,
      Compliance: compliance(status, n.controls),
      RecordState: 'ACTIVE',
    });
  }
  return out;
}

const key = (f: ReportFinding): string => `${f.id}@${f.resource}@${f.controls.join(',')}`;

function firstConsoleUrl(stepId: string): string | undefined {
  return REGISTRY.stepMeta(stepId)?.consoleLinks[0]?.url;
}

/** ASFF findings of a session: each step's latest state, plus what its changes resolved. */
export function asffFromSessionReport(r: SessionReport, region = r.session.region ?? 'us-east-1'): AsffFinding[] {
  const steps: AsffStep[] = r.steps
    .filter((s) => s.before || s.after)
    .map((s) => {
      const now = (s.after ?? s.before)!;
      const still = new Set(now.findings.map(key));
      const resolved = s.after && s.before ? s.before.findings.filter((f) => !still.has(key(f))) : [];
      return {
        id: s.id,
        title: s.title,
        controls: s.controls,
        status: now.status,
        summary: now.summary,
        findings: now.findings,
        resolved,
        url: firstConsoleUrl(s.id),
      };
    });
  const observed =
    r.steps
      .map((s) => (s.after ?? s.before)?.at)
      .filter((x): x is string => !!x)
      .sort()
      .pop() ?? r.generatedAt;
  return buildAsffFindings({
    accountId: r.account.id,
    region,
    observedAt: observed || r.generatedAt,
    rootlockVersion: r.session.rootlockVersion,
    steps,
    nextSteps: r.nextSteps ?? [],
  });
}

/** ASFF findings of a `check` run. */
export function asffFromCheck(doc: CheckDocument, region: string, rootlockVersion: string): AsffFinding[] {
  return buildAsffFindings({
    accountId: doc.account.id,
    region,
    observedAt: doc.generatedAt,
    rootlockVersion,
    steps: doc.steps.map((s) => ({
      id: s.id,
      title: s.title,
      controls: REGISTRY.stepMeta(s.id)?.controls ?? [],
      status: s.status,
      summary: s.summary,
      findings: s.findings,
      resolved: [],
      url: firstConsoleUrl(s.id),
    })),
    nextSteps: doc.nextSteps,
  });
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const NON_BLANK = /\S/;

/** Everything wrong with a finding against the documented requirements and limits; empty when it is valid. */
export function validateAsffFinding(f: unknown): string[] {
  const p: string[] = [];
  if (!f || typeof f !== 'object') return ['not an object'];
  const x = f as Record<string, unknown>;
  for (const k of REQUIRED_TOP_LEVEL) if (x[k] === undefined || x[k] === null || x[k] === '') p.push(`${k} is missing`);
  const s = (k: string): string => (typeof x[k] === 'string' ? (x[k] as string) : '');
  if (x.SchemaVersion !== ASFF_SCHEMA_VERSION) p.push(`SchemaVersion must be ${ASFF_SCHEMA_VERSION}`);
  if (!/^\d{12}$/.test(s('AwsAccountId'))) p.push('AwsAccountId must be 12 digits');
  if (!/^arn:aws[\w-]*:securityhub:[a-z0-9-]+:\d{12}:product\/[\w-]+\/[\w-]+$/.test(s('ProductArn')))
    p.push('ProductArn is malformed');
  for (const [k, max] of [
    ['Id', ASFF_LIMITS.id],
    ['GeneratorId', ASFF_LIMITS.generatorId],
    ['Title', ASFF_LIMITS.title],
    ['Description', ASFF_LIMITS.description],
  ] as const) {
    const v = s(k);
    if (!NON_BLANK.test(v)) p.push(`${k} must not be blank`);
    if ([...v].length > max) p.push(`${k} is longer than ${max}`);
  }
  for (const k of ['CreatedAt', 'UpdatedAt']) if (!ISO.test(s(k))) p.push(`${k} is not an ASFF timestamp`);
  const typesV = x.Types;
  if (!Array.isArray(typesV) || typesV.length < 1 || typesV.length > ASFF_LIMITS.types)
    p.push(`Types must hold 1 to ${ASFF_LIMITS.types} entries`);
  else
    for (const t of typesV)
      if (typeof t !== 'string' || !TYPE_NAMESPACES.includes(t.split('/')[0] ?? '') || t.split('/').length < 2)
        p.push(`Type ${String(t)} is not namespace/category[/classifier]`);
  const sev = (x.Severity ?? {}) as Record<string, unknown>;
  if (!SEVERITY_ORDER.includes(sev.Label as AsffSeverityLabel)) p.push('Severity.Label is not a valid label');
  const res = x.Resources;
  if (!Array.isArray(res) || res.length < 1 || res.length > ASFF_LIMITS.resources)
    p.push(`Resources must hold 1 to ${ASFF_LIMITS.resources} entries`);
  else
    for (const r of res as Array<Record<string, unknown>>)
      if (!NON_BLANK.test(String(r?.Type ?? '')) || !NON_BLANK.test(String(r?.Id ?? '')))
        p.push('each resource needs Type and Id');
  if (x.Compliance !== undefined) {
    const c = x.Compliance as Record<string, unknown>;
    if (!['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'].includes(String(c.Status)))
      p.push('Compliance.Status is not valid');
    if (
      c.RelatedRequirements !== undefined &&
      (!Array.isArray(c.RelatedRequirements) || c.RelatedRequirements.length > ASFF_LIMITS.relatedRequirements)
    ) {
      p.push(`Compliance.RelatedRequirements must hold at most ${ASFF_LIMITS.relatedRequirements} entries`);
    }
  }
  const rec = (x.Remediation as { Recommendation?: { Text?: unknown } } | undefined)?.Recommendation;
  if (
    rec &&
    (typeof rec.Text !== 'string' || !NON_BLANK.test(rec.Text) || [...rec.Text].length > ASFF_LIMITS.recommendationText)
  ) {
    p.push(`Remediation.Recommendation.Text must be 1 to ${ASFF_LIMITS.recommendationText} characters`);
  }
  if (x.ProductFields !== undefined && Object.keys(x.ProductFields as object).length > ASFF_LIMITS.productFields)
    p.push('too many ProductFields');
  if (x.RecordState !== undefined && !['ACTIVE', 'ARCHIVED'].includes(String(x.RecordState)))
    p.push('RecordState is not valid');
  if (Buffer.byteLength(JSON.stringify(f)) > ASFF_LIMITS.findingBytes) p.push('finding is larger than 240 KB');
  return p;
}
