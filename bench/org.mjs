#!/usr/bin/env node
/**
 * `npm run bench:org`: `rootlock check --org` on emulated organizations of growing size, to show
 * that time grows with the number of accounts while peak memory stays bounded by --concurrency.
 *
 *   node bench/org.mjs [--members 50,200,1000] [--concurrency 8] [--out FILE]
 *
 * For each size: the emulator (moto plus the test root layer, without AWS managed policies in
 * every account) is reset, the organization of test/support/org-fixture.ts is built with that
 * many members, and `bin/rootlock check --org --json --member-role rootlock-read` runs once under
 * GNU time. Printed per size: wall time, peak RSS, API calls (total and per account), throttled
 * attempts, and the floor AWS's published Account API quotas (10 a second per operation) put
 * under the run.
 * With --fix, each size then also times the organization fix on the same organization: a full
 * dry run (`fix --org --dry-run --contacts`), then `plan --org --out` and `apply` of that plan,
 * with the floor AWS's published quotas put under the writes (PutAlternateContact and
 * PutContactInformation: 5 a second each). --fix-only times the fix without the check.
 * Needs `npm run build`; builds the test support code into .cache/support-build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hasGnuTime, runMeasured } from './lib/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: opt } = parseArgs({
  options: {
    members: { type: 'string', default: '50,200,1000' },
    concurrency: { type: 'string', default: '8' },
    out: { type: 'string' },
    fix: { type: 'boolean', default: false },
    'fix-only': { type: 'boolean', default: false },
  },
});
const sizes = opt.members.split(',').map(Number);
if (sizes.some((n) => !(n > 0))) throw new Error('--members takes sizes such as 50,200,1000');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.ROOTLOCK_MOTO_SERVER ??= path.join(ROOT, '.venv', 'moto', 'bin', 'moto_server');
const tsc = spawnSync(
  process.execPath,
  [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.support.json'],
  {
    cwd: ROOT,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) throw new Error('building the test support code failed');
const support = path.join(ROOT, '.cache', 'support-build', 'test', 'support');
const { startEmulator } = await import(path.join(support, 'emulator.js'));
const { buildOrgFixture, MEMBER_ROLE } = await import(path.join(support, 'org-fixture.js'));
if (!(await hasGnuTime())) throw new Error('bench:org needs GNU time (/usr/bin/time -v) for peak memory');

/** Account API calls a second AWS allows (GetAlternateContact, GetContactInformation: "Quotas for AWS Account Management"). */
const ACCOUNT_API_RATE = 10;

/** Account API writes a second AWS allows (PutAlternateContact, PutContactInformation: "Quotas for AWS Account Management"). */
const ACCOUNT_WRITE_RATE = 5;

/** The contacts policy of the fix benchmark: every account gets the organization's security contact. */
const CONTACTS = {
  version: 1,
  defaults: {
    security: {
      Name: 'Org Security',
      Title: 'Security',
      EmailAddress: 'security@corp.example',
      PhoneNumber: '+1 555 0199',
    },
  },
};

const FIX_ANSWERS = [
  '--answer',
  'org.root-credentials=accessKeys,signingCertificates,password,mfaDevices',
  '--answer',
  'org.billing-access-accept=true',
  '--answer',
  'org.recent-use=true',
];

/** "API calls: N (M attempts)" and the account-write counts, from the run's last lines. */
function callsOf(stdout) {
  const m =
    /API calls: (\d+) \((\d+) attempts\); Account API writes: (\d+); busiest Account API read (\d+), write (\d+)/.exec(
      stdout,
    );
  return m
    ? {
        calls: Number(m[1]),
        attempts: Number(m[2]),
        accountWrites: Number(m[3]),
        busiestRead: Number(m[4]),
        busiestWrite: Number(m[5]),
      }
    : undefined;
}

/** Times the dry run, the plan and the apply of the organization fix at one size. */
async function benchFix(members, env) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootlock-bench-fix-'));
  const contacts = path.join(dir, 'contacts.json');
  writeFileSync(contacts, JSON.stringify(CONTACTS));
  const planFile = path.join(dir, 'plan.json');
  const bin = path.join(ROOT, 'bin', 'rootlock');
  const common = ['--concurrency', opt.concurrency, '--journal-dir', path.join(dir, 'journal')];
  const out = [];
  try {
    const runs = [
      ['dry run', ['fix', '--org', '--dry-run', '--contacts', contacts, ...FIX_ANSWERS, ...common]],
      ['plan', ['plan', '--org', '--out', planFile, '--contacts', contacts, ...FIX_ANSWERS, ...common]],
      [
        'apply',
        () => ['apply', '--org', planFile, '--answer', `org.confirm-count=${countDestructive(planFile)}`, ...common],
      ],
    ];
    for (const [name, argvOf] of runs) {
      const argv = typeof argvOf === 'function' ? argvOf() : argvOf;
      const r = await runMeasured(process.execPath, [bin, ...argv], { env, timeoutMs: 2 * 60 * 60_000 });
      if (r.code !== 0 && r.code !== 1) throw new Error(`rootlock ${name} exited ${r.code}: ${r.stderr.slice(-2000)}`);
      const calls = callsOf(`${r.stdout}\n${r.stderr}`);
      if (!calls) throw new Error(`rootlock ${name} printed no call counts: ${r.stdout.slice(-1000)}`);
      out.push({
        members,
        run: name,
        wallSeconds: Math.round(r.wallMs / 100) / 10,
        peakRssMiB: r.peakRssMiB,
        apiCalls: calls.calls,
        attempts: calls.attempts,
        accountWrites: calls.accountWrites,
        // The busiest Account API operation at AWS's quota: reads 10 a second, writes 5.
        quotaFloorSeconds:
          Math.round(Math.max(calls.busiestRead / ACCOUNT_API_RATE, calls.busiestWrite / ACCOUNT_WRITE_RATE) * 10) / 10,
      });
      process.stderr.write(`${JSON.stringify(out.at(-1))}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The number of accounts the plan deletes root credentials in (the typed confirmation). */
function countDestructive(file) {
  const plan = JSON.parse(readFileSync(file, 'utf8'));
  return plan.accounts.filter((a) => a.changes.some((c) => c.destructive)).length;
}

const fixRows = [];
const emu = await startEmulator({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
const rows = [];
try {
  for (const members of sizes) {
    await emu.reset();
    const built = Date.now();
    const org = await buildOrgFixture(emu, { members });
    const buildMs = Date.now() - built;
    const home = mkdtempSync(path.join(tmpdir(), 'rootlock-bench-org-'));
    try {
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: org.operator.accessKeyId,
        AWS_SECRET_ACCESS_KEY: org.operator.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: emu.endpoint,
        ROOTLOCK_HOME: home,
        NO_COLOR: '1',
      };
      if (opt['fix-only']) {
        fixRows.push(...(await benchFix(members, env)));
        continue;
      }
      const argv = [
        path.join(ROOT, 'bin', 'rootlock'),
        'check',
        '--org',
        '--json',
        '--member-role',
        MEMBER_ROLE,
        '--regions',
        'us-east-1',
        '--concurrency',
        opt.concurrency,
      ];
      const r = await runMeasured(process.execPath, argv, { env, timeoutMs: 60 * 60_000 });
      if (r.code !== 0 && r.code !== 1) throw new Error(`rootlock exited ${r.code}: ${r.stderr.slice(-2000)}`);
      const doc = JSON.parse(r.stdout);
      const byOp = doc.apiCalls.byOperation;
      // AWS's quotas are per operation: the busiest one sets the floor.
      const accountCalls = Math.max(
        0,
        ...Object.entries(byOp)
          .filter(([k]) => k.startsWith('account:'))
          .map(([, v]) => v),
      );
      if (opt.fix) fixRows.push(...(await benchFix(members, env)));
      rows.push({
        members,
        accounts: doc.summary.accounts,
        concurrency: Number(opt.concurrency),
        wallSeconds: Math.round(r.wallMs / 100) / 10,
        peakRssMiB: r.peakRssMiB,
        apiCalls: doc.apiCalls.total,
        attempts: doc.apiCalls.attempts,
        callsPerAccount: Math.round((doc.apiCalls.total / doc.summary.accounts) * 10) / 10,
        accountApiFloorSeconds: Math.round((accountCalls / ACCOUNT_API_RATE) * 10) / 10,
        fixtureSeconds: Math.round(buildMs / 100) / 10,
        summary: { pass: doc.summary.pass, fail: doc.summary.fail, error: doc.summary.error },
      });
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
} finally {
  await emu.stop();
}

const table = [
  '| members | accounts read | wall (s) | peak RSS (MiB) | API calls | per account | Account API floor (s) |',
  '|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.members} | ${r.accounts} | ${r.wallSeconds} | ${r.peakRssMiB} | ${r.apiCalls} | ${r.callsPerAccount} | ` +
      `${r.accountApiFloorSeconds} |`,
  ),
].join('\n');
process.stdout.write(`${table}\n`);
if (fixRows.length > 0) {
  const fixTable = [
    '| members | run | wall (s) | peak RSS (MiB) | API calls | Account API writes | quota floor (s) |',
    '|---|---|---|---|---|---|---|',
    ...fixRows.map(
      (r) =>
        `| ${r.members} | ${r.run} | ${r.wallSeconds} | ${r.peakRssMiB} | ${r.apiCalls} | ${r.accountWrites} | ` +
        `${r.quotaFloorSeconds} |`,
    ),
  ].join('\n');
  process.stdout.write(`\n${fixTable}\n`);
}
if (opt.out) writeFileSync(opt.out, `${JSON.stringify({ date: new Date().toISOString(), rows, fixRows }, null, 2)}\n`);
