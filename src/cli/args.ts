/**
 * Command-line parsing (node:util parseArgs only, so `--help` loads nothing else).
 */
import { parseArgs } from 'node:util';

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
}

/** A usage error: exit code 2 with the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const list = (values: string[] | undefined): string[] =>
  (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

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
      throw new UsageError(`Unknown command "${first}". Commands: ${COMMANDS.filter((c) => c !== 'wizard').join(', ')} (none runs the wizard).`);
    }
    command = first as Command;
    positionals = rest;
  }
  const answers: Record<string, string> = {};
  for (const a of v.answer ?? []) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError(`--answer takes id=value, got "${a}".`);
    answers[a.slice(0, eq)] = a.slice(eq + 1);
  }
  const targetAccount = v['target-account'];
  if (targetAccount !== undefined && !/^\d{12}$/.test(targetAccount)) {
    throw new UsageError(`--target-account must be a 12-digit AWS account id, got "${targetAccount}".`);
  }
  const endpointUrl = v['endpoint-url'];
  if (endpointUrl !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(endpointUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--endpoint-url must be an http(s) URL, got "${endpointUrl}".`);
  }
  const adminGroup = v['admin-group'] ?? 'Administrators';
  if (!/^[\w+=,.@-]{1,128}$/.test(adminGroup)) {
    throw new UsageError(`--admin-group must be 1-128 characters of letters, digits and +=,.@_-, got "${adminGroup}".`);
  }
  if (v.json && command !== 'check') throw new UsageError('--json goes with `rootlock check`.');
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
    regions: v.regions ? list(v.regions) : undefined,
    journalDir: v['journal-dir'],
    out: v.out,
  };
}

export const HELP = `rootlock: prepare an AWS account and remove the root user's access keys

Usage:
  rootlock [options]              the wizard: every step in order (onboarding)
  rootlock fix [options]          remediation: assess, then walk only the failing steps
  rootlock check [--json]         read-only assessment, no prompts (scripts and CI)
  rootlock plan --out FILE        ask the questions, write the answers and exact changes, send nothing
  rootlock apply FILE             re-read the account; refuse if it drifted, else apply exactly that plan

Steps (in order): admins, ec2-roles, billing-recovery, root-keys

AWS options:
  --profile NAME          credentials profile (default: the SDK's default chain)
  --region REGION         region for STS and EC2 discovery (default: AWS_REGION or us-east-1)
  --endpoint-url URL      send every call to this endpoint (also AWS_ENDPOINT_URL,
                          AWS_ENDPOINT_URL_<SERVICE>)
  --target-account ID     a member account to act on from a management account
  --verify-profile NAME   profile used to verify after the session's own root key is deleted
  --regions A,B           EC2 regions to scan (default: every enabled region)

Behaviour:
  --dry-run               show every change (API call and parameters), send none
  --only STEP[,STEP]      run only these steps      --skip STEP[,STEP]   skip these
  --yes, -y               accept confirmations whose safe answer is yes (never deletions)
  --answers FILE          answers by question id (JSON object)
  --answer ID=VALUE       one answer by question id (repeatable)
  --admin-group NAME      the admin group to create or reuse (default: Administrators)
  --journal-dir DIR       where session journals go (default: ~/.rootlock/journal)
  --json                  (check) print one JSON document on stdout
  --out FILE              (plan) where to write the plan
  --no-color              plain output (also NO_COLOR)
  -h, --help              this help        -V, --version   the version

Exit codes: 0 all steps pass (or need a manual action), 1 a step fails or errors,
2 the run itself failed (flags, credentials, endpoint, an answer needed without a TTY),
130 interrupted.
`;
