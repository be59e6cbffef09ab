/**
 * Prowler, the peer rootlock is compared with: a pinned version in its own virtualenv under
 * .cache/prowler/ (gitignored), installed on first use, run against the emulator with the
 * checks that answer the questions `rootlock check` answers.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBounded } from './procs.mjs';

export const PROWLER_VERSION = '5.46.0';

/**
 * rootlock's questions and the Prowler checks that answer them. Prowler has no check for
 * "2 to 3 IAM users are administrators" (it flags admin policies, not admin counts) nor for
 * the billing and operations contacts, so those rootlock answers have no counterpart.
 */
export const PROWLER_CHECKS = [
  { check: 'iam_no_root_access_key', answers: 'root access keys (rootlock root-keys)' },
  {
    check: 'iam_aws_attached_policy_no_administrative_privileges',
    answers: 'admin policies: attached AWS managed (rootlock admins)',
  },
  {
    check: 'iam_customer_attached_policy_no_administrative_privileges',
    answers: 'admin policies: attached customer managed (rootlock admins)',
  },
  { check: 'iam_inline_policy_no_administrative_privileges', answers: 'admin policies: inline (rootlock admins)' },
  { check: 'ec2_instance_profile_attached', answers: 'instances without an instance profile (rootlock ec2-roles)' },
  {
    check: 'account_security_contact_information_is_registered',
    answers: 'security alternate contact (rootlock billing-recovery)',
  },
  // Added to the list: in 5.46.0 the check above always reports MANUAL; these two
  // evaluate what rootlock evaluates (all contacts; root MFA) from reads Prowler's account
  // and IAM services make anyway, so they add no API calls.
  {
    check: 'account_maintain_different_contact_details_to_security_billing_and_operations',
    answers: 'primary, billing, operations, security contacts set (rootlock billing-recovery)',
    added: true,
  },
  { check: 'iam_root_mfa_enabled', answers: 'root MFA (rootlock root-keys)', added: true },
];

export function prowlerPaths(root) {
  const dir = path.join(root, '.cache', 'prowler');
  const venv = path.join(dir, 'venv');
  return { dir, venv, bin: path.join(venv, 'bin', 'prowler'), python: path.join(venv, 'bin', 'python') };
}

/** The installed Prowler's version string, or undefined. */
async function installedVersion(p) {
  if (!existsSync(p.python)) return undefined;
  const r = await runBounded(p.python, ['-c', 'import importlib.metadata as m; print(m.version("prowler"))'], {
    timeoutMs: 120_000,
  });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Installs prowler==PROWLER_VERSION into .cache/prowler/venv unless it is there. */
export async function ensureProwler(root, log) {
  const p = prowlerPaths(root);
  const have = await installedVersion(p);
  if (have === PROWLER_VERSION && existsSync(p.bin)) return { ...p, installed: false, version: have };
  log(`installing prowler==${PROWLER_VERSION} into ${p.venv} (first run only; a few minutes)`);
  mkdirSync(p.dir, { recursive: true });
  if (!existsSync(p.python)) {
    const r = await runBounded('python3', ['-m', 'venv', p.venv], { timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`python3 -m venv ${p.venv} failed: ${r.stderr.slice(-1500)}`);
  }
  const r = await runBounded(path.join(p.venv, 'bin', 'pip'), ['install', '-q', `prowler==${PROWLER_VERSION}`], {
    timeoutMs: 1_500_000,
  });
  if (r.code !== 0) throw new Error(`pip install prowler==${PROWLER_VERSION} failed: ${r.stderr.slice(-1500)}`);
  const v = await installedVersion(p);
  if (v !== PROWLER_VERSION) throw new Error(`prowler ${PROWLER_VERSION} did not install (found ${v ?? 'nothing'})`);
  return { ...p, installed: true, version: v };
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');

/** Check ids from `prowler aws --list-checks` output. */
export function parseCheckList(text) {
  const ids = new Set();
  for (const line of stripAnsi(text).split('\n')) {
    const m = /^\[([a-z0-9_]+)\]/.exec(line.trim());
    if (m) ids.add(m[1]);
  }
  return ids;
}

/**
 * Prowler's own list of AWS checks (cached per version in .cache/prowler/, since listing
 * imports every check and takes a minute). Returns { ids, cached }.
 */
export async function listChecks(p, env) {
  const cache = path.join(p.dir, `checks-${PROWLER_VERSION}.txt`);
  if (existsSync(cache)) return { ids: parseCheckList(readFileSync(cache, 'utf8')), cached: true };
  const r = await runBounded(p.bin, ['aws', '--list-checks', '--no-banner'], { env, timeoutMs: 600_000 });
  const ids = parseCheckList(r.stdout);
  if (r.code !== 0 || ids.size === 0)
    throw new Error(`prowler aws --list-checks failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  writeFileSync(cache, stripAnsi(r.stdout));
  return { ids, cached: false };
}

/** The argv for the compared run. */
export function prowlerArgs(checks, regions, outputDir) {
  return [
    'aws',
    '--checks',
    ...checks,
    '--region',
    ...regions,
    '--output-formats',
    'json-ocsf',
    '--output-directory',
    outputDir,
    '--no-banner',
  ];
}

/**
 * Summarizes Prowler's OCSF JSON output: per check, PASS / FAIL / MANUAL counts and up to
 * five failing resources.
 */
export function summarizeOcsf(outputDir) {
  const files = existsSync(outputDir) ? readdirSync(outputDir).filter((f) => f.endsWith('.ocsf.json')) : [];
  const byCheck = {};
  for (const f of files) {
    let findings;
    try {
      findings = JSON.parse(readFileSync(path.join(outputDir, f), 'utf8'));
    } catch {
      continue;
    }
    for (const x of findings) {
      const check = x?.metadata?.event_code ?? x?.finding_info?.uid ?? 'unknown';
      const status = x?.status_code ?? x?.status ?? 'UNKNOWN';
      const e = (byCheck[check] ??= { PASS: 0, FAIL: 0, MANUAL: 0, other: 0, failing: [] });
      if (status in e && status !== 'failing') e[status] += 1;
      else e.other += 1;
      if (status === 'FAIL' && e.failing.length < 5)
        e.failing.push(x?.resources?.[0]?.uid ?? x?.resources?.[0]?.name ?? '?');
    }
  }
  return { files, byCheck };
}
