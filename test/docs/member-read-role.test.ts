/**
 * docs/iam/member-read-role.yaml (the read role `check --org --member-role` assumes in members)
 * against docs/iam/check-policy.json and docs/iam/org-check-policy.json: the role's inline policy
 * is check-policy.json statement by statement, reads only, and its trust names the operator's
 * principals (aws:PrincipalArn) with an external id only when one is given. Changing one file
 * without the others fails here.
 *
 * The project has no YAML parser, so the template is read by readYaml below: the small subset of
 * YAML the template is written in (block mappings and sequences, one-line scalars, CloudFormation's
 * short tags, one-line flow sequences). Anything else throws, so a template edit this reader would
 * misread fails loudly instead of passing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const IAM_DOCS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'iam');

type Yaml = string | Yaml[] | { [key: string]: Yaml };
type Obj = { [key: string]: Yaml };

interface Line {
  no: number;
  indent: number;
  text: string;
}

class YamlSubsetError extends Error {
  constructor(line: number, message: string) {
    super(`member-read-role.yaml line ${line}: ${message}`);
  }
}

/** The text before a comment (` #` outside quotes), trailing spaces removed. */
function stripComment(raw: string, no: number): string {
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote === "'") {
      if (c === "'" && raw[i + 1] === "'") i++;
      else if (c === "'") quote = undefined;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if ((c === "'" || c === '"') && (i === 0 || /[\s[,:-]/.test(raw[i - 1] ?? ''))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1] ?? ''))) return raw.slice(0, i).trimEnd();
  }
  if (quote) throw new YamlSubsetError(no, 'unterminated quoted scalar (multi-line scalars are not supported)');
  return raw.trimEnd();
}

/** Splits `key: value` / `key:` at the first `: ` (or a final `:`); undefined when not a mapping entry. */
function splitEntry(text: string): { key: string; value: string } | undefined {
  if (/^['"[{!&*|>]/.test(text)) return undefined;
  const m = /^([^\s#][^\s]*?):(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  return { key: m[1]!, value: m[2] ?? '' };
}

function readYaml(source: string): Yaml {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, i) => {
    const no = i + 1;
    if (/^\s*\t/.test(raw)) throw new YamlSubsetError(no, 'tab in indentation');
    const text = stripComment(raw, no);
    if (text.trim() === '') return;
    if (text === '---' || text.startsWith('%'))
      throw new YamlSubsetError(no, 'directives and documents are not supported');
    const indent = text.length - text.trimStart().length;
    lines.push({ no, indent, text: text.trimStart() });
  });
  let at = 0;

  const fail = (message: string): never => {
    throw new YamlSubsetError(lines[Math.min(at, lines.length - 1)]?.no ?? 0, message);
  };

  /** The block that starts at lines[at], whose lines are indented by exactly `indent`. */
  function block(indent: number): Yaml {
    const first = lines[at];
    if (!first || first.indent !== indent) return fail(`expected a block indented by ${indent}`);
    return first.text === '-' || first.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  }

  /** The nested block below the current line (deeper than `parent`), or a sequence at the same indent. */
  function child(parent: number, allowSameIndentSequence: boolean): Yaml {
    const next = lines[at];
    if (next && next.indent > parent) return block(next.indent);
    if (allowSameIndentSequence && next && next.indent === parent && (next.text === '-' || next.text.startsWith('- ')))
      return sequence(parent);
    return fail('a key or tag with no value (empty values are not supported)');
  }

  function sequence(indent: number): Yaml[] {
    const out: Yaml[] = [];
    while (at < lines.length) {
      const line = lines[at]!;
      if (line.indent < indent) break;
      if (line.indent > indent) fail('unexpected indentation in a sequence');
      if (!(line.text === '-' || line.text.startsWith('- '))) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        at++;
        out.push(child(indent, false));
      } else if (splitEntry(rest)) {
        // `- key: value`: a mapping whose first entry shares the dash's line.
        lines[at] = { no: line.no, indent: indent + (line.text.length - rest.length), text: rest };
        out.push(mapping(lines[at]!.indent));
      } else {
        at++;
        out.push(value(rest, indent));
      }
    }
    return out;
  }

  function mapping(indent: number): Obj {
    const out: Obj = {};
    while (at < lines.length) {
      const line = lines[at]!;
      if (line.indent < indent) break;
      if (line.indent > indent) fail('unexpected indentation in a mapping');
      if (line.text === '-' || line.text.startsWith('- ')) break;
      const entry = splitEntry(line.text) ?? fail(`not a "key: value" line: ${line.text}`);
      if (Object.hasOwn(out, entry.key)) fail(`duplicate key ${entry.key}`);
      at++;
      out[entry.key] = entry.value === '' ? child(indent, true) : value(entry.value, indent);
    }
    return out;
  }

  /** A value written on its line (`rest`), for a key or dash indented by `indent`. */
  function value(rest: string, indent: number): Yaml {
    const tag = /^!(\w+)(?:\s+(.*))?$/.exec(rest);
    if (tag) {
      const name = tag[1]!;
      const inner = tag[2] === undefined ? child(indent, false) : value(tag[2], indent);
      if (name === 'Ref') return { Ref: inner };
      if (name === 'GetAtt' && typeof inner === 'string') return { 'Fn::GetAtt': inner.split('.') };
      return { [`Fn::${name}`]: inner };
    }
    if (rest.startsWith('[')) return flow(rest);
    return scalar(rest);
  }

  /** A one-line flow sequence of scalars or tagged scalars: `[!Ref X, '']`. */
  function flow(text: string): Yaml[] {
    if (!text.endsWith(']')) return fail('flow sequences must close on their line');
    const body = text.slice(1, -1);
    if (/[[\]{}]/.test(body.replace(/'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"/g, ''))) fail('nested flow collections');
    const items: string[] = [];
    let current = '';
    let quote: string | undefined;
    for (const c of body) {
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') quote = c;
      else if (c === ',') {
        items.push(current.trim());
        current = '';
        continue;
      }
      current += c;
    }
    if (current.trim() !== '' || items.length > 0) items.push(current.trim());
    return items.map((item) => {
      const tag = /^!(\w+)\s+(.+)$/.exec(item);
      if (!tag) return scalar(item);
      return tag[1] === 'Ref' ? { Ref: scalar(tag[2]!) } : { [`Fn::${tag[1]}`]: scalar(tag[2]!) };
    });
  }

  function scalar(text: string): string {
    if (text.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(text)) fail(`bad single-quoted scalar: ${text}`);
      return text.slice(1, -1).replace(/''/g, "'");
    }
    if (text.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(text)) fail(`bad double-quoted scalar: ${text}`);
      return JSON.parse(text) as string;
    }
    if (/^[{|>&*@`%!]/.test(text)) fail(`unsupported YAML: ${text}`);
    if (/: |\s#/.test(text)) fail(`ambiguous plain scalar: ${text}`);
    return text;
  }

  const doc = block(0);
  if (at !== lines.length) fail('text after the top-level block');
  return doc;
}

// ----------------------------------------------------------------------------------------------

const obj = (v: Yaml | undefined, what: string): Obj => {
  if (v === undefined || typeof v === 'string' || Array.isArray(v)) throw new Error(`${what} is not a mapping`);
  return v;
};
const list = (v: unknown): string[] => (Array.isArray(v) ? (v as string[]) : [v as string]);

const TEMPLATE_TEXT = readFileSync(path.join(IAM_DOCS, 'member-read-role.yaml'), 'utf8');
const TEMPLATE = obj(readYaml(TEMPLATE_TEXT), 'the template');
const CHECK = JSON.parse(readFileSync(path.join(IAM_DOCS, 'check-policy.json'), 'utf8'));
const ORG = JSON.parse(readFileSync(path.join(IAM_DOCS, 'org-check-policy.json'), 'utf8'));

const RESOURCES = obj(TEMPLATE.Resources, 'Resources');
const ROLES = Object.entries(RESOURCES).filter(([, r]) => obj(r, 'a resource').Type === 'AWS::IAM::Role');
const ROLE = obj(obj(ROLES[0]?.[1], 'the role').Properties, 'the role Properties');
const POLICIES = ROLE.Policies as Yaml[];
const ROLE_POLICY = obj(obj(POLICIES[0], 'the inline policy').PolicyDocument, 'PolicyDocument');
const ROLE_STATEMENTS = (ROLE_POLICY.Statement as Obj[]) ?? [];
const TRUST = obj(ROLE.AssumeRolePolicyDocument, 'AssumeRolePolicyDocument');
const PARAMS = obj(TEMPLATE.Parameters, 'Parameters');
const param = (name: string) => obj(PARAMS[name], `parameter ${name}`);

/** Every action of a policy document (Action as a string or a list). */
const actionsOf = (doc: unknown) =>
  ((doc as { Statement: Array<Record<string, unknown>> }).Statement ?? []).flatMap((s) => list(s.Action)).sort();

/** Verbs that change something. An action starting with one of these is a write. */
const WRITE_VERBS = (
  'Accept Add Associate Attach Authorize Cancel Change Close Create Deactivate Decline Delete Deregister ' +
  'Detach Disable Disassociate Enable Import Invite Leave Modify Move Pass Put Reboot Register Reject Remove ' +
  'Replace Reset Restore Revoke Run Set Start Stop Tag Terminate Untag Update Upload'
).split(' ');
const isWrite = (action: string) =>
  WRITE_VERBS.some((v) => new RegExp(`^${v}(?![a-z])`).test(action.split(':')[1] ?? ''));

/**
 * Actions that read: Get/List/Describe, and two that need a reason. GenerateCredentialReport
 * only builds the report GetCredentialReport returns; AssumeRoot is allowed only under the
 * IAMAuditRootUserCredentials task policy (checked below).
 */
const READ_EXCEPTIONS = new Set(['iam:GenerateCredentialReport', 'sts:AssumeRoot']);
const isRead = (action: string) => /^[a-z0-9-]+:(Get|List|Describe)[A-Z]/.test(action) || READ_EXCEPTIONS.has(action);

const AUDIT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

describe('readYaml (the subset the template is written in)', () => {
  it('reads mappings, sequences, quoted scalars, tags and flow sequences', () => {
    const doc = readYaml(
      [
        'A: plain # comment',
        "B: 'it''s: #1'",
        'C:',
        '  - x',
        '  - k: !Ref Thing',
        '    l: "q"',
        'D: !If',
        '  - Cond',
        '  - !Ref AWS::NoValue',
        "E: !Equals [!Ref P, '']",
        'F: !GetAtt R.Arn',
        'aws:Key: arn:aws:iam::*:root',
      ].join('\n'),
    );
    expect(doc).toEqual({
      A: 'plain',
      B: "it's: #1",
      C: ['x', { k: { Ref: 'Thing' }, l: 'q' }],
      D: { 'Fn::If': ['Cond', { Ref: 'AWS::NoValue' }] },
      E: { 'Fn::Equals': [{ Ref: 'P' }, ''] },
      F: { 'Fn::GetAtt': ['R', 'Arn'] },
      'aws:Key': 'arn:aws:iam::*:root',
    });
  });

  it.each([
    ['a block scalar', 'A: |\n  text'],
    ['a flow mapping', 'A: {b: c}'],
    ['an anchor', 'A: &x y'],
    ['a duplicate key', 'A: 1\nA: 2'],
    ['a key with no value', 'A:\nB: 1'],
    ['a multi-line quoted scalar', "A: 'one\n  two'"],
    ['a tab in indentation', 'A:\n\t- b'],
  ])('refuses %s', (_name, text) => {
    expect(() => readYaml(text)).toThrow(YamlSubsetError);
  });
});

describe('docs/iam/member-read-role.yaml: the role policy is docs/iam/check-policy.json', () => {
  it('has exactly one IAM role with exactly one inline policy', () => {
    expect(ROLES).toHaveLength(1);
    expect(POLICIES).toHaveLength(1);
    expect(ROLE.ManagedPolicyArns).toBeUndefined();
    expect(ROLE.PermissionsBoundary).toBeUndefined();
  });

  it('has the same statements, in the same order, with the same Sids', () => {
    expect(ROLE_STATEMENTS.map((s) => s.Sid)).toEqual(CHECK.Statement.map((s: Obj) => s.Sid));
  });

  const cases: Array<[string, Record<string, unknown>]> = CHECK.Statement.map((s: Obj) => [s.Sid, s]);
  it.each(cases)('statement %s: same effect, actions, resources, condition', (sid, expected) => {
    const actual = ROLE_STATEMENTS.find((s) => s.Sid === sid);
    expect(actual).toBeDefined();
    expect(actual!.Effect).toBe(expected.Effect);
    expect(list(actual!.Action).sort()).toEqual(list(expected.Action).sort());
    expect(list(actual!.Resource).sort()).toEqual(list(expected.Resource).sort());
    expect(actual!.Condition).toEqual(expected.Condition);
    expect(Object.keys(actual!).sort()).toEqual(Object.keys(expected).sort());
  });

  it('is the same document as check-policy.json, key for key', () => {
    expect(ROLE_POLICY).toEqual(CHECK);
  });

  it('grants exactly the set of actions of check-policy.json', () => {
    expect(new Set(actionsOf(ROLE_POLICY))).toEqual(new Set(actionsOf(CHECK)));
  });
});

describe('docs/iam/member-read-role.yaml: reads only', () => {
  const actions = actionsOf(ROLE_POLICY);

  it('has no wildcard action and no NotAction or NotResource (every statement is a plain Allow)', () => {
    for (const s of ROLE_STATEMENTS) {
      expect(s.Effect).toBe('Allow');
      expect(s.NotAction).toBeUndefined();
      expect(s.NotResource).toBeUndefined();
      for (const a of list(s.Action)) expect(a).not.toMatch(/[*?]/);
    }
  });

  it('has no write action', () => {
    expect(actions.filter(isWrite)).toEqual([]);
  });

  it('has only read actions (Get/List/Describe, and the two explained exceptions)', () => {
    expect(actions.filter((a) => !isRead(a))).toEqual([]);
  });

  it('allows sts:AssumeRoot only with the IAMAuditRootUserCredentials task policy', () => {
    const rootStatements = ROLE_STATEMENTS.filter((s) => list(s.Action).includes('sts:AssumeRoot'));
    expect(rootStatements).toHaveLength(1);
    expect(list(rootStatements[0]!.Action)).toEqual(['sts:AssumeRoot']);
    expect(rootStatements[0]!.Condition).toEqual({ StringEquals: { 'sts:TaskPolicyArn': AUDIT_TASK } });
  });

  it('the write check itself catches writes', () => {
    for (const a of ['iam:CreateUser', 'iam:PutUserPolicy', 'iam:DeleteAccessKey', 'account:PutAlternateContact'])
      expect(isWrite(a)).toBe(true);
    for (const a of ['iam:UpdateAccessKey', 'iam:AttachUserPolicy', 'iam:EnableOrganizationsRootSessions'])
      expect(isWrite(a)).toBe(true);
    for (const a of ['iam:GetUser', 'ec2:DescribeInstances', 'iam:ListAccessKeys']) expect(isWrite(a)).toBe(false);
  });
});

describe('docs/iam/member-read-role.yaml: trust, parameters, role settings', () => {
  const statements = TRUST.Statement as Obj[];
  const trust = obj(statements[0], 'the trust statement');
  const condition = obj(trust.Condition, 'the trust Condition');

  it('trusts one account, for sts:AssumeRole only', () => {
    expect(statements).toHaveLength(1);
    expect(trust.Effect).toBe('Allow');
    expect(list(trust.Action)).toEqual(['sts:AssumeRole']);
    expect(trust.Principal).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, compared as text
      AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${TrustedAccountId}:root' },
    });
  });

  it('limits the principals with an aws:PrincipalArn ArnLike condition on TrustedPrincipalArn', () => {
    expect(condition.ArnLike).toEqual({ 'aws:PrincipalArn': { Ref: 'TrustedPrincipalArn' } });
  });

  it('requires sts:ExternalId only when ExternalId is given (Fn::If on HasExternalId)', () => {
    expect(condition.StringEquals).toEqual({
      'Fn::If': ['HasExternalId', { 'sts:ExternalId': { Ref: 'ExternalId' } }, { Ref: 'AWS::NoValue' }],
    });
    expect(obj(TEMPLATE.Conditions, 'Conditions').HasExternalId).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ExternalId' }, ''] }],
    });
    expect(param('ExternalId').Default).toBe('');
    expect(Object.keys(condition).sort()).toEqual(['ArnLike', 'StringEquals']);
  });

  // CloudFormation's AllowedPattern must match the whole value (Java regex); anchored here alike.
  const allowed = (name: string, value: string) =>
    new RegExp(`^(?:${param(name).AllowedPattern as string})$`).test(value);

  it('RoleName defaults to rootlock-read', () => {
    expect(param('RoleName').Default).toBe('rootlock-read');
    expect(ROLE.RoleName).toEqual({ Ref: 'RoleName' });
  });

  it('TrustedAccountId must be 12 digits and has no default', () => {
    expect(param('TrustedAccountId').Default).toBeUndefined();
    expect(allowed('TrustedAccountId', '111111111111')).toBe(true);
    for (const bad of ['11111111111', '1111111111111', 'abcdefghijkl', ''])
      expect(allowed('TrustedAccountId', bad)).toBe(false);
  });

  it('TrustedPrincipalArn is required and refuses a bare wildcard', () => {
    expect(param('TrustedPrincipalArn').Default).toBeUndefined();
    for (const ok of [
      'arn:aws:iam::111111111111:role/SecurityAudit',
      'arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_SecurityAudit_*',
      'arn:aws-us-gov:iam::111111111111:user/ops/alice',
    ])
      expect(allowed('TrustedPrincipalArn', ok)).toBe(true);
    for (const bad of ['*', 'arn:aws:iam::111111111111:role/*', 'arn:aws:iam::111111111111:root', ''])
      expect(allowed('TrustedPrincipalArn', bad)).toBe(false);
  });

  it('ExternalId accepts empty or what rootlock --external-id accepts', () => {
    expect(allowed('ExternalId', '')).toBe(true);
    expect(allowed('ExternalId', 'rootlock-0123:abc/def')).toBe(true);
    for (const bad of ['x', 'has space', 'a'.repeat(1225)]) expect(allowed('ExternalId', bad)).toBe(false);
  });

  it('sessions last at most an hour, and the role has a description and tags', () => {
    expect(ROLE.MaxSessionDuration).toBe('3600');
    expect(typeof ROLE.Description).toBe('string');
    expect((ROLE.Description as string).length).toBeGreaterThan(0);
    expect((ROLE.Tags as Obj[]).length).toBeGreaterThan(0);
  });

  it('says never to read with OrganizationAccountAccessRole', () => {
    expect(TEMPLATE_TEXT).toMatch(/Never point --member-role at OrganizationAccountAccessRole/);
  });
});

describe('docs/iam/org-check-policy.json', () => {
  const statements = ORG.Statement as Array<Record<string, unknown>>;

  it('holds every statement of check-policy.json unchanged (the management account own checks)', () => {
    for (const s of CHECK.Statement) expect(statements).toContainEqual(s);
  });

  it('has unique Sids', () => {
    const sids = statements.map((s) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
  });

  it('reads the organization and assumes the member read role of the template', () => {
    const extra = statements.filter((s) => !CHECK.Statement.some((c: Obj) => c.Sid === s.Sid));
    expect(actionsOf({ Statement: extra })).toEqual(
      [
        'organizations:DescribeAccount',
        'organizations:DescribeOrganization',
        'organizations:ListAccountsForParent',
        'organizations:ListAWSServiceAccessForOrganization',
        'organizations:ListDelegatedAdministrators',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListRoots',
        'organizations:ListTagsForResource',
        'sts:AssumeRole',
      ].sort(),
    );
    const assume = extra.find((s) => list(s.Action).includes('sts:AssumeRole'))!;
    expect(list(assume.Resource)).toEqual([`arn:aws:iam::*:role/${param('RoleName').Default as string}`]);
  });

  it('has no wildcard action and no write apart from the two sts calls', () => {
    const actions = actionsOf(ORG);
    expect(actions.filter((a) => /[*?]/.test(a))).toEqual([]);
    expect(actions.filter((a) => !isRead(a) && a !== 'sts:AssumeRole')).toEqual([]);
    expect(actions.filter(isWrite)).toEqual([]);
  });

  it('allows AssumeRoot only with the audit task policy', () => {
    const root = statements.filter((s) => list(s.Action).includes('sts:AssumeRoot'));
    expect(root).toHaveLength(1);
    expect(root[0]!.Condition).toEqual({ StringEquals: { 'sts:TaskPolicyArn': AUDIT_TASK } });
  });
});
