/**
 * docs/iam/org-fix-policy.json (the operator of `rootlock fix --org`, `plan --org` and `apply` of an
 * organization plan, in the management account) against the code: exactly the operations the
 * organization fix sends with the operator's own credentials, each condition exactly what the code
 * sends, and nothing that only a root session sends (its task policy decides those).
 *
 * Derived from the code where the code can say it:
 * - the Organizations reads: the operation names in the files that walk the organization, classify
 *   the session's account and read the service control policies;
 * - the organization-wide changes: organizationChanges() with everything off and everything asked;
 * - the root sessions: the task policies of the audit read and of the changes the root-keys hook plans;
 * - the contacts: the Account API operations of the billing-recovery step's reads and changes.
 * Stated here, with the reason: the reads of the management account's own row (root-keys reads it
 * with the operator's session, on the console path: GetAccountSummary and the credential report)
 * and the session's identity (ListAccountAliases; GetCallerIdentity needs no permission).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { organizationChanges } from '../../src/engine/org-fix.js';
import type { OrgAccountRef, OrgDecisions } from '../../src/engine/step.js';
import type { Change } from '../../src/engine/types.js';
import { rootKeysOrg } from '../../src/steps/root-keys/org.js';
import { AUDIT_TASK_POLICY } from '../../src/steps/root-keys/read.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const POLICY = JSON.parse(readFileSync(path.join(ROOT, 'docs', 'iam', 'org-fix-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();
const actionsOf = (s: Statement): string[] => list(s.Action);
const statementsFor = (action: string): Statement[] => POLICY.Statement.filter((s) => actionsOf(s).includes(action));

/** The names of an SDK's commands (`ListRoots` for ListRootsCommand). */
async function commandNames(pkg: string): Promise<Set<string>> {
  const mod = (await import(pkg)) as Record<string, unknown>;
  return new Set(
    Object.keys(mod)
      .filter((n) => n.endsWith('Command') && n !== 'Command' && typeof mod[n] === 'function')
      .map((n) => n.slice(0, -'Command'.length)),
  );
}

/** The string literals of a source file that name an operation of `service` (comments do not count). */
function operationsNamedIn(rel: string, service: string, commands: Set<string>): string[] {
  const file = path.join(ROOT, rel);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) && commands.has(n.text))
      out.push(`${service}:${n.text}`);
    n.forEachChild(visit);
  };
  visit(source);
  return out;
}

/** Every organization-wide change the fix can offer: everything off, everything asked for. */
function everyOrganizationChange(): Change[] {
  return organizationChanges(
    { iamTrustedAccess: false, accountTrustedAccess: false, rootCredentialsManagement: false, rootSessions: false },
    { rootAccess: true, rootSessions: true, accountApi: true },
  );
}

/** The root-keys hook's changes for a member that has one credential of every kind, all kinds chosen. */
function everyRootCredentialChange(): Change[] {
  const account: OrgAccountRef = { id: '111122223333', name: 'm', ou: 'Root', ouIds: ['r-ab12'], management: false };
  const decisions: OrgDecisions = {
    rootCredentials: { accessKeys: true, signingCertificates: true, password: true, mfaDevices: true },
  };
  const state = {
    path: 'organizations',
    account: account.id,
    org: { status: 'enabled', features: ['RootCredentialsManagement'] },
    keysSource: 'api',
    keys: [{ id: 'AKIAIOSFODNN7EXAMPLE', active: true, sessionKey: false }],
    member: {
      certificates: [{ id: 'ASCACKCEVSQ6C2EXAMPLE', active: true }],
      password: { lastUsed: null },
      mfaDevices: [{ kind: 'virtual', serial: `arn:aws:iam::${account.id}:mfa/root-account-mfa-device` }],
      errors: {},
    },
  };
  // The hook reads only these fields of the state (src/steps/root-keys/org.ts).
  return rootKeysOrg.plan(state as unknown as Parameters<typeof rootKeysOrg.plan>[0], decisions, account);
}

const taskPolicyArn = (name: string): string => `arn:aws:iam::aws:policy/root-task/${name}`;

describe('docs/iam/org-fix-policy.json', () => {
  it('is a well-formed allow-only policy with unique Sids and no wildcard actions', () => {
    expect(POLICY.Version).toBe('2012-10-17');
    const sids = POLICY.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    for (const s of POLICY.Statement) {
      expect(s.Effect, s.Sid).toBe('Allow');
      for (const a of actionsOf(s)) expect(a, s.Sid).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
      expect(list(s.Resource).length, s.Sid).toBeGreaterThan(0);
    }
  });

  it('allows exactly the operations the organization fix sends with the operator credentials', async () => {
    const organizations = await commandNames('@aws-sdk/client-organizations');
    const iam = await commandNames('@aws-sdk/client-iam');
    const account = await commandNames('@aws-sdk/client-account');
    const orgChanges = everyOrganizationChange();
    const wanted = sorted([
      // The walk (organization, OUs, accounts, tags, trusted access) and the SCP reads.
      ...operationsNamedIn('src/aws/organization.ts', 'organizations', organizations),
      ...operationsNamedIn('src/aws/scp-reads.ts', 'organizations', organizations),
      // The session's account type (src/engine/session.ts classify): the organization and its features.
      ...operationsNamedIn('src/aws/account-type.ts', 'organizations', organizations),
      ...operationsNamedIn('src/aws/account-type.ts', 'iam', iam),
      // The organization-wide changes it offers.
      ...orgChanges.map((c) => `${c.service}:${c.operation}`),
      // The members' root credentials: AssumeRoot (the sessions' own calls need no statement).
      'sts:AssumeRoot',
      // Contacts: the Account API reads (shared reads) and the billing-recovery step's changes.
      ...operationsNamedIn('src/aws/reads.ts', 'account', account),
      ...operationsNamedIn('src/steps/billing-recovery/plan.ts', 'account', account),
      // The management account's own row: root-keys on the console path (GetAccountSummary, the
      // credential report), and the session's identity (its alias; GetCallerIdentity needs no permission).
      'iam:GetAccountSummary',
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:ListAccountAliases',
    ]);
    expect(sorted(POLICY.Statement.flatMap(actionsOf))).toEqual(wanted);
    // A guard against a scan that finds nothing.
    expect(wanted).toEqual(
      expect.arrayContaining([
        'organizations:ListPoliciesForTarget',
        'organizations:DescribePolicy',
        'organizations:ListAccountsForParent',
        'iam:EnableOrganizationsRootSessions',
        'account:PutContactInformation',
      ]),
    );
  });

  it('allows nothing a root session sends: the task policy decides those', () => {
    const sent = everyRootCredentialChange();
    expect(sorted(sent.map((c) => c.operation))).toEqual(
      sorted(['DeleteAccessKey', 'DeleteSigningCertificate', 'DeleteLoginProfile', 'DeactivateMFADevice']),
    );
    for (const c of sent) {
      expect(c.session?.assumeRoot, c.id).toBeDefined();
      expect(statementsFor(`${c.service}:${c.operation}`), c.id).toEqual([]);
    }
  });

  it('sts:AssumeRoot: on member root users, with exactly the task policies the fix uses', () => {
    const statements = statementsFor('sts:AssumeRoot');
    expect(statements).toHaveLength(1);
    const s = statements[0]!;
    expect(list(s.Resource)).toEqual(['arn:aws:iam::*:root']);
    const used = [
      AUDIT_TASK_POLICY,
      ...everyRootCredentialChange().map((c) => c.session?.assumeRoot?.taskPolicy as string),
    ].map(taskPolicyArn);
    expect(Object.keys(s.Condition ?? {})).toEqual(['StringEquals']);
    expect(sorted(list(s.Condition?.StringEquals?.['sts:TaskPolicyArn']))).toEqual(sorted(used));
  });

  it('organizations:EnableAWSServiceAccess: only for the service principals the fix turns on', () => {
    const principals = everyOrganizationChange()
      .filter((c) => c.operation === 'EnableAWSServiceAccess')
      .map((c) => String(c.params.ServicePrincipal));
    expect(sorted(principals)).toEqual(['account.amazonaws.com', 'iam.amazonaws.com']);
    const statements = statementsFor('organizations:EnableAWSServiceAccess');
    expect(statements).toHaveLength(1);
    const s = statements[0]!;
    expect(actionsOf(s)).toEqual(['organizations:EnableAWSServiceAccess']);
    expect(Object.keys(s.Condition ?? {})).toEqual(['StringEquals']);
    expect(sorted(list(s.Condition?.StringEquals?.['organizations:ServicePrincipal']))).toEqual(sorted(principals));
  });

  it('contacts: the management account (no AccountId) and members (AccountId) only', () => {
    for (const action of ['account:PutAlternateContact', 'account:PutContactInformation']) {
      const statements = statementsFor(action);
      expect(statements, action).toHaveLength(1);
      expect(sorted(list(statements[0]!.Resource))).toEqual(
        sorted(['arn:aws:account::*:account', 'arn:aws:account::*:account/o-*/*']),
      );
    }
  });
});
