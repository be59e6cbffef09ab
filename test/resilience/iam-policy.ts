/**
 * The IAM actions rootlock can call, derived from its source, and the two ready-made
 * policies (docs/iam/*.json) they are checked against.
 *
 * Derivation: every string literal in src/ that is the name of an operation of one of the
 * SDK clients rootlock uses (read with the TypeScript parser, so comments do not count), as
 * the IAM action AWS authorizes for it (src/aws/errors.ts iamAction: S3 Control's
 * GetPublicAccessBlock is s3:GetAccountPublicAccessBlock).
 * src/aws/pool.ts is left out: it names operations only to classify them, it never calls them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';
import { iamAction } from '../../src/aws/errors.js';
import { isReadOnlyOperation } from '../../src/aws/pool.js';
import { REPO_ROOT } from '../support/emulator.js';

const SDK: Record<string, string> = {
  iam: '@aws-sdk/client-iam',
  sts: '@aws-sdk/client-sts',
  ec2: '@aws-sdk/client-ec2',
  account: '@aws-sdk/client-account',
  organizations: '@aws-sdk/client-organizations',
  s3control: '@aws-sdk/client-s3-control',
  cloudtrail: '@aws-sdk/client-cloudtrail',
  'sso-admin': '@aws-sdk/client-sso-admin',
  identitystore: '@aws-sdk/client-identitystore',
};

/**
 * Calls that need no statement in the caller's policy:
 * - sts:GetCallerIdentity needs no permission (AWS allows it even under an explicit deny);
 * - the root user's own keys (iam:UpdateAccessKey, iam:DeleteAccessKey without a user name)
 *   are changed only by the root user itself or inside an sts:AssumeRoot session, where the
 *   task policy decides, never an IAM principal's policy.
 */
export const NO_STATEMENT_NEEDED: Record<string, string> = {
  'sts:GetCallerIdentity': 'needs no permission',
  'iam:ListSigningCertificates':
    "only for the root user's certificates: as the root user, or inside an AssumeRoot audit session",
  'iam:UpdateAccessKey': 'only as the root user (no policy applies) for root keys',
  'iam:DeleteAccessKey': 'only as the root user, or in an AssumeRoot session governed by its task policy',
  'iam:UpdateSigningCertificate': 'only as the root user (no policy applies) for root signing certificates',
  'iam:DeleteSigningCertificate': 'only as the root user, or in an AssumeRoot session governed by its task policy',
  'iam:DeactivateMFADevice':
    "only for the root user's MFA devices, inside an AssumeRoot session (its task policy decides)",
  'cloudtrail:LookupEvents':
    "only as the root user (no policy applies): the lookup needs the root key's id, which only root can list",
};

/** Actions AWS authorizes along with a call, beyond the call's own action. */
export const ALSO_AUTHORIZED: Record<string, string[]> = {
  // Tags on create need the tagging action too (IAM User Guide, "Permissions required for tagging").
  'iam:CreateUser': ['iam:TagUser'],
  'iam:CreateRole': ['iam:TagRole'],
  'iam:CreateInstanceProfile': ['iam:TagInstanceProfile'],
  // Putting a role where EC2 can use it is passing it (IAM API AddRoleToInstanceProfile; EC2 AssociateIamInstanceProfile).
  'iam:AddRoleToInstanceProfile': ['iam:PassRole'],
  'ec2:AssociateIamInstanceProfile': ['iam:PassRole'],
  'ec2:ReplaceIamInstanceProfileAssociation': ['iam:PassRole'],
};

/**
 * What only `check --org` calls, from the management or delegated administrator account: the
 * organization's reads and the member role. They belong in docs/iam/org-check-policy.json (which
 * holds check-policy.json's statements too), not in the single-account policies.
 */
export const ORG_ONLY_FILES = new Set(['src/aws/organization.ts', 'src/cli/commands/check-org.ts']);
export const ORG_ONLY_ACTIONS: Record<string, string> = {
  'sts:AssumeRole': 'check --org --member-role: the read role in each member (SessionFactory.memberRole)',
};

/**
 * What only the organization fix calls (`fix --org`, `plan --org`, `apply` of an organization
 * plan), from the management account: the SCP preflight's reads and the organization-wide
 * changes. They belong in docs/iam/org-fix-policy.json.
 */
export const ORG_FIX_FILES = new Set([
  'src/aws/scp-reads.ts',
  'src/engine/org-fix.ts',
  'src/cli/commands/fix-org.ts',
  'src/cli/org-preflight.ts',
]);
const orgFixOnly = (rel: string): boolean => ORG_FIX_FILES.has(rel) || /^src\/steps\/[^/]+\/org\.ts$/.test(rel);

/**
 * Files whose calls happen only in the wizard: the gate's read-backs after a lost answer, which
 * each step keeps in its read-back.ts (src/steps/<id>/read-back.ts) beside the changes it builds.
 */
const wizardOnly = (rel: string): boolean => basename(rel) === 'read-back.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function stringLiterals(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    n.forEachChild(visit);
  };
  visit(source);
  return out;
}

export interface CodeActions {
  /** service:Operation -> the files that name it. */
  all: Map<string, string[]>;
  /** Read-only actions outside the gate's read-back: what `check` may call. */
  reads: Set<string>;
  /** What only `check --org` calls (ORG_ONLY_FILES, ORG_ONLY_ACTIONS). */
  org: Set<string>;
  /** What only the organization fix calls (ORG_FIX_FILES and the steps' org.ts). */
  orgFix: Set<string>;
}

/** Every AWS operation rootlock's source names, as IAM actions. */
export async function actionsInCode(): Promise<CodeActions> {
  const owner = new Map<string, string[]>();
  for (const [service, pkg] of Object.entries(SDK)) {
    const mod = (await import(pkg)) as Record<string, unknown>;
    for (const name of Object.keys(mod)) {
      if (name.endsWith('Command') && name !== 'Command' && typeof mod[name] === 'function')
        owner.set(name.slice(0, -'Command'.length), [...(owner.get(name.slice(0, -'Command'.length)) ?? []), service]);
    }
  }
  const all = new Map<string, string[]>();
  const reads = new Set<string>();
  const org = new Set<string>();
  const orgFix = new Set<string>();
  const src = join(REPO_ROOT, 'src');
  for (const path of files(src)) {
    const rel = path
      .slice(REPO_ROOT.length + 1)
      .split('\\')
      .join('/');
    if (rel === 'src/aws/pool.ts') continue;
    const literals = stringLiterals(path);
    const named = new Set(literals);
    for (const lit of literals) {
      const owners = owner.get(lit);
      if (!owners) continue;
      // A name several SDKs share (ListTagsForResource): the service the same file names.
      const service = owners.length === 1 ? owners[0] : owners.find((o) => named.has(o));
      if (!service) continue;
      const action = iamAction(service, lit);
      if (ORG_ONLY_FILES.has(rel) || action in ORG_ONLY_ACTIONS) {
        org.add(action);
        continue;
      }
      if (orgFixOnly(rel)) {
        orgFix.add(action);
        continue;
      }
      all.set(action, [...new Set([...(all.get(action) ?? []), rel])]);
      if (isReadOnlyOperation(lit) && !wizardOnly(rel)) reads.add(action);
    }
  }
  return { all, reads, org, orgFix };
}

export interface PolicyDocument {
  Version: string;
  Statement: Array<{
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: unknown;
  }>;
}

export function readPolicy(
  name: 'check-policy.json' | 'wizard-policy.json' | 'org-check-policy.json' | 'org-fix-policy.json',
): PolicyDocument {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'iam', name), 'utf8')) as PolicyDocument;
}

/** The actions a policy allows. */
export function policyActions(doc: PolicyDocument): Set<string> {
  return new Set(doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}
