/**
 * Command-line parsing (node:util parseArgs) and the help, whose list of steps comes from the
 * registry's metadata (no step code is loaded for `--help`).
 */
import { parseArgs } from 'node:util';
import { ADVISORY_GROUP, REGISTRY } from '../engine/registry.js';
import { sanitize } from '../util/text.js';

export const COMMANDS = ['wizard', 'check', 'fix', 'plan', 'apply', 'report'] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliArgs {
  command: Command;
  positionals: string[];
  help: boolean;
  version: boolean;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  dryRun: boolean;
  json: boolean;
  color?: boolean;
  yes: boolean;
  only: string[];
  skip: string[];
  answersFile?: string;
  answers: Record<string, string>;
  targetAccount?: string;
  verifyProfile?: string;
  adminGroup: string;
  regions?: string[];
  journalDir?: string;
  out?: string;
  /** (report) where to write the reports instead of beside the journal. */
  outDir?: string;
  /** (check) where to write the findings in the AWS Security Finding Format. */
  asff?: string;
  /** (check) every account of the organization (see OrgArgs). */
  org?: OrgArgs;
}

/** `check --org` and its selection, member role and limits. */
export interface OrgArgs {
  accounts?: string[];
  ou?: string;
  tags?: Array<{ key: string; value: string }>;
  exclude?: string[];
  memberRole?: string;
  externalId?: string;
  concurrency: number;
  /** Per-account time limit, in seconds. */
  accountTimeout: number;
  resume: boolean;
  /** (fix/plan --org) the contacts policy file (docs/contacts-policy.md). */
  contacts?: string;
  /** (fix/plan --org) also turn on RootSessions when centralized root access is turned on. */
  rootSessions: boolean;
}

/** Accounts read at once by default (--concurrency). */
export const DEFAULT_ORG_CONCURRENCY = 8;
/** At most this many at once: more would only meet AWS's quotas sooner. */
export const MAX_ORG_CONCURRENCY = 64;
/** Per-account time limit by default (--account-timeout, seconds). */
export const DEFAULT_ACCOUNT_TIMEOUT = 300;

/** A usage error: exit code 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * An AWS region name: a 2-4 letter prefix, words, a number (us-east-1, us-gov-west-1,
 * ap-southeast-2, eusc-de-east-1). It ends up in host names and signatures, so anything
 * else is refused before a call is made.
 */
const REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** A flag's value inside a message: control characters escaped, kept short. */
const shown = (value: string): string => sanitize(value, { maxLength: 80 });

const list = (values: string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

/** Parses argv (without node and script). Throws UsageError on anything malformed. */
export function parseCli(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
        profile: { type: 'string' },
        region: { type: 'string' },
        'endpoint-url': { type: 'string' },
        'dry-run': { type: 'boolean' },
        json: { type: 'boolean' },
        color: { type: 'boolean' },
        'no-color': { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        only: { type: 'string', multiple: true },
        skip: { type: 'string', multiple: true },
        answers: { type: 'string' },
        answer: { type: 'string', multiple: true },
        'target-account': { type: 'string' },
        'verify-profile': { type: 'string' },
        'admin-group': { type: 'string' },
        regions: { type: 'string', multiple: true },
        'journal-dir': { type: 'string' },
        out: { type: 'string' },
        'out-dir': { type: 'string' },
        asff: { type: 'string' },
        org: { type: 'boolean' },
        accounts: { type: 'string', multiple: true },
        ou: { type: 'string' },
        tag: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        'member-role': { type: 'string' },
        'external-id': { type: 'string' },
        concurrency: { type: 'string' },
        'account-timeout': { type: 'string' },
        resume: { type: 'boolean' },
        contacts: { type: 'string' },
        'root-sessions': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  const [first, ...rest] = parsed.positionals;
  let command: Command = 'wizard';
  let positionals = parsed.positionals;
  if (first !== undefined) {
    if (!(COMMANDS as readonly string[]).includes(first)) {
      throw new UsageError(
        `Unknown command "${first}". Commands: ${COMMANDS.filter((c) => c !== 'wizard').join(', ')} (none runs the ` +
          `wizard).`,
      );
    }
    command = first as Command;
    positionals = rest;
  }
  const answers: Record<string, string> = {};
  for (const a of v.answer ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--answer takes id=value, got "${shown(a)}".`);
    answers[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const targetAccount = v['target-account'];
  if (targetAccount !== undefined && !/^\d{12}$/.test(targetAccount)) {
    throw new UsageError(`--target-account must be a 12-digit AWS account id, got "${shown(targetAccount)}".`);
  }
  const endpointUrl = v['endpoint-url'];
  if (endpointUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(endpointUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--endpoint-url must be an http(s) URL, got "${shown(endpointUrl)}".`);
  }
  const adminGroup = v['admin-group'] ?? 'Administrators';
  if (!/^[\w+=,.@-]{1,128}$/.test(adminGroup)) {
    throw new UsageError(
      `--admin-group must be 1-128 characters of letters, digits and +=,.@_-, got "${shown(adminGroup)}".`,
    );
  }
  if (v.region !== undefined && !REGION.test(v.region)) {
    throw new UsageError(`--region must be an AWS region name such as eu-west-1, got "${shown(v.region)}".`);
  }
  const regions = v.regions ? list(v.regions) : undefined;
  if (regions !== undefined) {
    const bad = regions.filter((r) => !REGION.test(r));
    if (bad.length > 0)
      throw new UsageError(
        `--regions takes AWS region names such as eu-west-1,us-east-1; ` +
          `not: ${bad.map((r) => `"${shown(r)}"`).join(', ')}.`,
      );
    if (regions.length === 0)
      throw new UsageError('--regions needs at least one region (leave it out to scan every enabled region).');
  }
  if (v.json && command !== 'check') throw new UsageError('--json goes with `rootlock check`.');
  if (v.asff !== undefined && command !== 'check')
    throw new UsageError('--asff goes with `rootlock check` (session reports always include the ASFF file).');
  const org = parseOrgArgs(v, command);
  if (v['out-dir'] !== undefined && command !== 'report' && !org)
    throw new UsageError('--out-dir goes with `rootlock report` and `rootlock check --org`.');
  if (org && command !== 'check' && v['out-dir'] !== undefined)
    throw new UsageError(
      '--out-dir goes with `rootlock check --org` (fix --org writes its report beside its journal).',
    );
  if (org?.resume && v['out-dir'] === undefined)
    throw new UsageError('--resume continues from the per-account results in --out-dir DIR: name the directory.');
  if (org && targetAccount) throw new UsageError('--target-account names one member; --org reads them all.');
  return {
    command,
    positionals,
    help: v.help ?? false,
    version: v.version ?? false,
    profile: v.profile,
    region: v.region,
    endpointUrl,
    dryRun: v['dry-run'] ?? false,
    json: v.json ?? false,
    color: v['no-color'] ? false : v.color,
    yes: v.yes ?? false,
    only: list(v.only),
    skip: list(v.skip),
    answersFile: v.answers,
    answers,
    targetAccount,
    verifyProfile: v['verify-profile'],
    adminGroup,
    regions,
    journalDir: v['journal-dir'],
    out: v.out,
    outDir: v['out-dir'],
    asff: v.asff,
    ...(org ? { org } : {}),
  };
}

const ACCOUNT_ID = /^\d{12}$/;
/** An IAM role name (its path is not supported here). */
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/** The --org flags; refuses them without --org, or with a command other than check. */
function parseOrgArgs(v: Record<string, unknown>, command: Command): OrgArgs | undefined {
  const orgOnly = [
    'accounts',
    'ou',
    'tag',
    'exclude',
    'member-role',
    'external-id',
    'concurrency',
    'account-timeout',
    'resume',
    'contacts',
    'root-sessions',
  ];
  if (!v.org) {
    const stray = orgOnly.find((k) => v[k] !== undefined);
    if (stray)
      throw new UsageError(`--${stray} goes with --org (\`rootlock check --org\`, \`fix --org\`, \`plan --org\`).`);
    return undefined;
  }
  if (command === 'wizard' || command === 'report')
    throw new UsageError('--org goes with `rootlock check`, `fix`, `plan` or `apply`.');
  const checkOnly = ['member-role', 'external-id', 'resume'].find((k) => command !== 'check' && v[k] !== undefined);
  if (checkOnly) throw new UsageError(`--${checkOnly} goes with \`rootlock check --org\`.`);
  const fixOnly = ['contacts', 'root-sessions'].find(
    (k) => command !== 'fix' && command !== 'plan' && v[k] !== undefined,
  );
  if (fixOnly) throw new UsageError(`--${fixOnly} goes with \`rootlock fix --org\` or \`plan --org\`.`);
  const selection = ['accounts', 'ou', 'tag', 'exclude'].find((k) => command === 'apply' && v[k] !== undefined);
  if (selection) throw new UsageError(`--${selection} goes with plan --org: apply follows the accounts of the plan.`);
  const ids = (flag: string): string[] | undefined => {
    if (v[flag] === undefined) return undefined;
    const out = list(v[flag] as string[]);
    const bad = out.find((id) => !ACCOUNT_ID.test(id));
    if (bad !== undefined) throw new UsageError(`--${flag} takes 12-digit account ids, got "${shown(bad)}".`);
    if (out.length === 0) throw new UsageError(`--${flag} needs at least one account id.`);
    return out;
  };
  const ou = v.ou as string | undefined;
  if (ou !== undefined && !/^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/.test(ou))
    throw new UsageError(`--ou takes an OU id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx), got "${shown(ou)}".`);
  const tags = (v.tag as string[] | undefined)?.map((t) => {
    const eq = t.indexOf('=');
    if (eq <= 0) throw new UsageError(`--tag takes KEY=VALUE, got "${shown(t)}".`);
    return { key: t.slice(0, eq), value: t.slice(eq + 1) };
  });
  const role = v['member-role'] as string | undefined;
  if (role !== undefined && !ROLE_NAME.test(role))
    throw new UsageError(`--member-role takes a role name (letters, digits and +=,.@_-), got "${shown(role)}".`);
  const externalId = v['external-id'] as string | undefined;
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId))
    throw new UsageError('--external-id must be 2-1224 characters of letters, digits and +=,.@:/-_.');
  if (externalId !== undefined && role === undefined) throw new UsageError('--external-id goes with --member-role.');
  const int = (flag: string, dflt: number, min: number, max: number): number => {
    const raw = v[flag] as string | undefined;
    if (raw === undefined) return dflt;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max)
      throw new UsageError(`--${flag} takes a whole number from ${min} to ${max}, got "${shown(raw)}".`);
    return n;
  };
  return {
    accounts: ids('accounts'),
    ou,
    tags,
    exclude: ids('exclude'),
    memberRole: role,
    externalId,
    concurrency: int('concurrency', DEFAULT_ORG_CONCURRENCY, 1, MAX_ORG_CONCURRENCY),
    accountTimeout: int('account-timeout', DEFAULT_ACCOUNT_TIMEOUT, 10, 3600),
    resume: (v.resume as boolean | undefined) ?? false,
    ...(v.contacts !== undefined ? { contacts: v.contacts as string } : {}),
    rootSessions: (v['root-sessions'] as boolean | undefined) ?? false,
  };
}

/** The organization flags' defaults (`apply` of an organization plan given without --org). */
export function defaultOrgArgs(): OrgArgs {
  return {
    concurrency: DEFAULT_ORG_CONCURRENCY,
    accountTimeout: DEFAULT_ACCOUNT_TIMEOUT,
    resume: false,
    rootSessions: false,
  };
}

/** Words wrapped to `width` columns. */
function wrap(text: string, width = 80): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join('\n');
}

/** The steps paragraph of the help, from the registry's order and metadata. */
const STEPS_LINE = wrap(
  `Steps (in order): ${REGISTRY.stepIds.join(', ')}; then ${REGISTRY.advisories.length} read-only next steps ` +
    `(${REGISTRY.advisories.map((a) => a.meta.id).join(', ')}), left out with --only or --skip ${ADVISORY_GROUP}`,
);

export const HELP = `rootlock: prepare an AWS account and remove the root user's access keys

Usage:
  rootlock [options]              the wizard: every step in order (onboarding)
  rootlock fix [options]          remediation: walk only the failing steps
  rootlock check [--json]         read-only assessment, no prompts (scripts, CI)
  rootlock check --org            every account of an organization at once, from
                                  its management or delegated admin account
  rootlock fix --org              delete members' root credentials (centralized
                                  root access) and set contacts, across the
                                  organization
  rootlock plan --org --out FILE  the same as a plan file; apply FILE sends it
  rootlock plan --out FILE        for the failing steps, ask the questions,
                                  write the answers and exact changes, send
                                  nothing
  rootlock apply FILE             re-read the account; refuse if it drifted,
                                  else apply exactly that plan
  rootlock report JOURNAL         rebuild a session's reports (Markdown, JSON,
                                  Security Hub ASFF) from its journal

${STEPS_LINE}

AWS options:
  --profile NAME          credentials profile (default: the SDK's default chain)
  --region REGION         region for STS and EC2 discovery
                          (default: AWS_REGION, else us-east-1)
  --endpoint-url URL      send every call to this endpoint
                          (also AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>)
  --target-account ID     a member account to act on from a management account
  --verify-profile NAME   profile to verify with after the session's own root
                          key is deleted
  --regions A,B           EC2 regions to scan (default: every enabled region)

Behaviour:
  --dry-run               show every change (API call and parameters), send none
  --only STEP[,STEP]      run only these steps
  --skip STEP[,STEP]      skip these steps
  --yes, -y               accept confirmations whose safe answer is yes
                          (never deletions)
  --answers FILE          answers by question id (JSON object)
  --answer ID=VALUE       one answer by question id (repeatable)
  --admin-group NAME      the admin group to create or reuse
                          (default: Administrators)
  --journal-dir DIR       where session journals go
                          (default: ~/.rootlock/journal)
  --json                  (check) print one JSON document on stdout
  --out FILE              (plan) where to write the plan
  --asff FILE             (check) also write the findings for AWS Security Hub
                          (ASFF)
  --out-dir DIR           (report) write the reports there, not beside the
                          journal; (check --org) a report per account there

Organization (check --org, fix --org, plan --org):
  --accounts ID,...       only these accounts     --exclude ID,...  not these
  --ou OU_ID              only the accounts under this OU (recursive)
  --tag KEY=VALUE         only accounts with this tag (repeatable: all match)
  --member-role NAME      read role in each member, for the steps that need one
                          (docs/iam/member-read-role.yaml)
  --external-id ID        the external id the member role's trust requires
  --concurrency N         accounts read at once (default 8)
  --account-timeout S     per-account time limit in seconds (default 300)
  --resume                skip the accounts already written in --out-dir
  --contacts FILE         (fix/plan) contacts policy (docs/contacts-policy.md)
  --root-sessions         (fix/plan) also turn on RootSessions with centralized
                          root access
  --no-color              plain output (also NO_COLOR)
  -h, --help              this help        -V, --version   the version

Exit codes: 0 all steps pass (or need a manual action), 1 a step fails or
errors, 2 the run itself failed (flags, credentials, endpoint, an answer needed
without a terminal), 130 interrupted.
`;
