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
 * Needs `npm run build`; builds the test support code into .cache/support-build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
if (opt.out) writeFileSync(opt.out, `${JSON.stringify({ date: new Date().toISOString(), rows }, null, 2)}\n`);
