#!/usr/bin/env node
/**
 * `npm run bench`: rootlock's performance at scale, against the moto emulator, compared
 * with Prowler and with the `node -e 0` floor. See docs/performance.md for the method.
 *
 *   node bench/run.mjs [--scale F] [--skip-prowler] [--no-shims] [--help-runs N]
 *                      [--prompt-runs N] [--concurrency N] [--prowler-timeout-min M]
 *                      [--total-timeout-min M] [--out FILE]
 *
 * Everything it starts (moto, the counting proxy, the egress trap, rootlock, Prowler) is
 * bounded by a timeout and killed on exit; all traffic stays on 127.0.0.1.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { hasGnuTime, runMeasured } from './lib/measure.mjs';
import { compareWithMinimum, countsFromPlan, minimumCalls } from './lib/minimum.mjs';
import { ensureMoto, startMoto, MOTO_VERSION } from './lib/moto.mjs';
import { median, runBounded } from './lib/procs.mjs';
import {
  ensureProwler,
  listChecks,
  PROWLER_CHECKS,
  PROWLER_VERSION,
  prowlerArgs,
  summarizeOcsf,
} from './lib/prowler.mjs';
import { startEgressTrap, startProxy } from './lib/proxy.mjs';
import { buildTable, renderMarkdownReport, renderText } from './lib/report.mjs';
import { DEFAULT_SCALE, planScale, RawAws, seedScaleAccount } from './lib/seed.mjs';
import { interleavedRuns, timeToFirstPrompt } from './lib/startup.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'rootlock');
const NODE = process.execPath;

const { values: opt } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    'skip-prowler': { type: 'boolean', default: false },
    'no-shims': { type: 'boolean', default: false },
    'help-runs': { type: 'string', default: '31' },
    'prompt-runs': { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8' },
    'prowler-timeout-min': { type: 'string', default: '40' },
    'total-timeout-min': { type: 'string', default: '90' },
    out: { type: 'string' },
  },
});

const scaleFactor = Number(opt.scale);
if (!(scaleFactor > 0 && scaleFactor <= 1)) throw new Error('--scale takes a number in (0, 1]');
const SCALE = {
  ...DEFAULT_SCALE,
  users: Math.max(DEFAULT_SCALE.admins + 1, Math.round(DEFAULT_SCALE.users * scaleFactor)),
  roles: Math.max(10, Math.round(DEFAULT_SCALE.roles * scaleFactor)),
  groups: Math.max(3, Math.round(DEFAULT_SCALE.groups * scaleFactor)),
  policies: Math.max(3, Math.round(DEFAULT_SCALE.policies * scaleFactor)),
  instances: Math.max(DEFAULT_SCALE.regions.length, Math.round(DEFAULT_SCALE.instances * scaleFactor)),
};
const REGIONS = SCALE.regions;
const outFile =
  opt.out ?? path.join(ROOT, 'bench', 'results', scaleFactor === 1 ? 'latest.json' : `scale-${scaleFactor}.json`);

const t0 = Date.now();
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

// The whole run is bounded: past the limit everything started is killed (exit hooks in procs.mjs).
const watchdog = setTimeout(() => {
  log(`total time limit of ${opt['total-timeout-min']} min reached: stopping`);
  process.exit(3);
}, Number(opt['total-timeout-min']) * 60_000);
watchdog.unref();

const work = mkdtempSync(path.join(os.tmpdir(), 'rootlock-bench-'));
const cleanups = [];
const cleanup = async () => {
  while (cleanups.length) {
    try {
      await cleanups.pop()();
    } catch {
      // best effort
    }
  }
};

/** Newest modification time under a directory. */
function newest(dir) {
  let m = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    m = Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return m;
}

/** Builds dist/ when it is missing or older than src/. tsc emits even with type errors; those are reported. */
async function ensureBuild() {
  const main = path.join(ROOT, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newest(path.join(ROOT, 'src'))) return { ran: false };
  log('dist/ is missing or older than src/: npm run build');
  const r = await runBounded('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 600_000 });
  if (!existsSync(main))
    throw new Error(`npm run build produced no dist/cli/main.js:\n${r.stdout.slice(-3000)}${r.stderr.slice(-2000)}`);
  const errors = (r.stdout.match(/error TS\d+/g) ?? []).length;
  if (r.code !== 0)
    log(`npm run build exited ${r.code} (${errors} TypeScript errors); dist/ was emitted and is measured as is`);
  return { ran: true, code: r.code, typeErrors: errors };
}

async function versionOf(cmd, args) {
  try {
    const r = await runBounded(cmd, args, { timeoutMs: 60_000 });
    return (r.stdout || r.stderr).trim().split('\n')[0];
  } catch {
    return undefined;
  }
}

/** The environment the tools under test run with: the runner's keys, no config files, no way out. */
function toolEnv(creds, trapUrl, extra = {}) {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TERM', 'TZ'];
  const env = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  const home = path.join(work, 'home');
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    HOME: home,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    HTTP_PROXY: trapUrl,
    HTTPS_PROXY: trapUrl,
    http_proxy: trapUrl,
    https_proxy: trapUrl,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  };
}

const relMs = (t, since) => (t === undefined ? undefined : Math.round(Number(t - since) / 1e6));

async function main() {
  const results = {
    schema: 'rootlock.bench/v1',
    generatedAt: new Date().toISOString(),
    scale: SCALE,
    scaleFactor,
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
      node: process.version,
      memoryMethod: (await hasGnuTime())
        ? '/usr/bin/time -v (maximum resident set size)'
        : 'poll /proc/<pid>/status VmHWM every 20 ms',
    },
    notes: [],
  };
  if (os.loadavg()[0] > os.cpus().length) {
    const msg = `load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs: other work competes for the CPUs, so wall times are inflated and noisy (CPU times and call counts are not).`;
    results.notes.push(msg);
    log(msg);
  }
  results.build = await ensureBuild();

  // Emulator, counting proxy (with the documented moto shims) and egress trap.
  const motoServer = await ensureMoto(ROOT, log);
  results.machine.moto = MOTO_VERSION;
  results.machine.python = await versionOf('python3', ['--version']);
  const moto = await startMoto(motoServer, { logFile: path.join(work, 'moto.log') });
  cleanups.push(() => moto.stop());
  const proxy = await startProxy(moto.url, {
    shims: !opt['no-shims'],
    captureParams: ['iam:GetAccountAuthorizationDetails', 'ec2:DescribeInstances'],
  });
  cleanups.push(() => proxy.close());
  const trap = await startEgressTrap();
  cleanups.push(() => trap.close());
  results.emulator = {
    moto: moto.url,
    endpoint: proxy.url,
    shims: opt['no-shims']
      ? []
      : [
          'iam:GetAccountAuthorizationDetails paged by MaxItems with Markers, from one moto answer (moto: everything in one page, MaxItems and Marker ignored)',
          'iam:ListOrganizationsFeatures -> 400 OrganizationNotFoundException (moto: 500 NotImplemented, which SDKs retry)',
          'account:Get/PutContactInformation kept by the proxy (moto: 404 HTML page)',
          'iam:GetCredentialReport GeneratedTime = when it was generated (moto: always 2015-02-02T20:02:02Z)',
        ],
  };
  log(`moto ${MOTO_VERSION} on ${moto.url}; tools talk to the counting proxy ${proxy.url}`);

  // Prowler is installed before seeding (a first install takes minutes and is not measured).
  let prowler;
  if (!opt['skip-prowler']) {
    try {
      prowler = await ensureProwler(ROOT, log);
    } catch (err) {
      results.notes.push(`Prowler could not be installed: ${err.message}`);
      log(`Prowler could not be installed: ${err.message}`);
    }
  }

  // 1. Seed the scale account.
  const plan = planScale(SCALE);
  log(
    `seeding: ${SCALE.users} users, ${SCALE.roles} roles, ${SCALE.groups} groups, ${SCALE.policies} policies, ${SCALE.instances} instances in ${REGIONS.join(', ')}`,
  );
  const seeded = await seedScaleAccount(moto.url, plan, { concurrency: Number(opt.concurrency), log });
  const creds = seeded.runnerKey;
  if (!opt['no-shims']) {
    const viaProxy = new RawAws(proxy.url);
    await viaProxy.account('putContactInformation', {
      ContactInformation: {
        FullName: 'Bench Primary Contact',
        AddressLine1: '1 Bench Street',
        City: 'Seattle',
        StateOrRegion: 'WA',
        PostalCode: '98101',
        CountryCode: 'US',
        PhoneNumber: '+1 555 0100',
        CompanyName: 'Bench Inc',
      },
    });
    viaProxy.close();
  }
  const check = new RawAws(moto.url);
  const summaryXml = await check.iam('GetAccountSummary');
  check.close();
  const summaryOf = (k) => Number(new RegExp(`<key>${k}</key><value>(\\d+)</value>`).exec(summaryXml)?.[1]);
  results.seeding = {
    calls: seeded.calls,
    seconds: seeded.ms / 1000,
    callsPerSecond: seeded.callsPerSecond,
    concurrency: seeded.concurrency,
    phases: seeded.phases,
    verified: {
      Users: summaryOf('Users'),
      Roles: summaryOf('Roles'),
      Groups: summaryOf('Groups'),
      Policies: summaryOf('Policies'),
      InstanceProfiles: summaryOf('InstanceProfiles'),
    },
    admins: plan.admins,
    instancesWithoutProfile: plan.instances.filter((i) => !i.profile).length,
  };
  log(
    `seeded in ${(seeded.ms / 1000).toFixed(1)} s (${seeded.calls} calls, ${seeded.callsPerSecond}/s): ${JSON.stringify(results.seeding.verified)}`,
  );

  // 2. rootlock check --json.
  const counts = countsFromPlan(plan);
  const minimumOnAws = minimumCalls(counts, { regionsGiven: true });
  const rlEnv = toolEnv(creds, trap.url);
  const checkArgs = [BIN, 'check', '--json', '--endpoint-url', proxy.url, '--regions', REGIONS.join(',')];
  proxy.log.reset();
  trap.take();
  log(`rootlock: ${['bin/rootlock', ...checkArgs.slice(1)].join(' ')}`);
  const rl = await runMeasured(BIN, checkArgs.slice(1), { env: rlEnv, cwd: ROOT, timeoutMs: 600_000 });
  const rlRequests = proxy.log.toJSON(rl.startedAt);
  let doc;
  try {
    doc = JSON.parse(rl.stdout);
  } catch {
    throw new Error(
      `rootlock check --json printed no JSON (exit ${rl.code}${rl.timedOut ? ', timed out' : ''}):\n${rl.stderr.slice(-3000)}`,
    );
  }
  const aadSent = rlRequests.params['iam:GetAccountAuthorizationDetails']
    ?.map((p) => Number(p.MaxItems))
    .filter((n) => n > 0);
  // The proxy pages moto's one authorization-details answer by the MaxItems rootlock sends, so
  // the pages are counted as made. They are compared with the minimum for the same answer
  // (moto lists every AWS managed policy); the minimum on AWS is kept beside it.
  const aadPaging = rlRequests.paged['iam:GetAccountAuthorizationDetails'];
  const minimum = minimumCalls(counts, { regionsGiven: true, answeredItems: aadPaging?.answerItems?.[0] });
  results.minimum = { ...minimum, onAws: minimumOnAws };
  const calls = { total: rlRequests.total, byOperation: rlRequests.byOperation };
  results.rootlock = {
    command: ['bin/rootlock', ...checkArgs.slice(1)].join(' '),
    principal: doc.principal,
    check: {
      exitCode: rl.code,
      timedOut: rl.timedOut,
      wallMs: rl.wallMs,
      cpuMs: rl.cpuMs,
      userMs: rl.userMs,
      sysMs: rl.sysMs,
      peakRssMiB: rl.peakRssMiB,
      apiCalls: doc.apiCalls,
      requests: rlRequests,
      aadMaxItemsSent: aadSent,
      aadPaging,
      calls,
      versusMinimum: compareWithMinimum(minimum, calls.byOperation),
      versusMinimumOnAws: compareWithMinimum(minimumOnAws, calls.byOperation),
      // rootlock's own count (apiCalls) and the requests the emulator saw should agree.
      countsAgree: doc.apiCalls.attempts === rlRequests.total,
      startupBeforeFirstCallMs: rlRequests.firstRequestMs,
      afterLastResponseMs: rlRequests.lastResponseMs === undefined ? undefined : rl.wallMs - rlRequests.lastResponseMs,
      steps: doc.steps.map((s) => ({ id: s.id, status: s.status, summary: s.summary, findings: s.findings.length })),
      egressAttempts: trap.take(),
    },
  };
  log(
    `rootlock check: ${(rl.wallMs / 1000).toFixed(1)} s, ${rl.peakRssMiB} MiB, ${doc.apiCalls.total} calls (${rlRequests.total} requests, ${aadPaging?.pages ?? '?'} authorization-details pages)`,
  );

  // The probes get a proxy of their own: none of their requests is counted as rootlock's.
  const probeProxy = await startProxy(moto.url, { shims: !opt['no-shims'] });
  try {
    results.rootlock.memoryProbes = await memoryProbes(rlEnv, probeProxy);
  } finally {
    await probeProxy.close();
  }

  // 3. Prowler on the same emulator, same run.
  if (prowler) {
    try {
      results.prowler = await runProwler(prowler, creds, proxy, trap);
    } catch (err) {
      results.prowler = { error: err.message };
      results.notes.push(`Prowler did not run: ${err.message}`);
      log(`Prowler did not run: ${err.message}`);
    }
  } else {
    results.prowler = { skipped: opt['skip-prowler'] ? 'skipped (--skip-prowler)' : 'not installed' };
  }

  // 4. Start-up: --help against the floor, and the wizard's first prompt.
  log('start-up: interleaved runs of node -e 0 and bin/rootlock --help');
  const helpRuns = Number(opt['help-runs']);
  const startup = await interleavedRuns(
    [
      { name: 'floor', cmd: NODE, args: ['-e', '0'] },
      { name: 'help', cmd: BIN, args: ['--help'] },
    ],
    { runs: helpRuns, env: rlEnv, cwd: ROOT },
  );
  results.floor = {
    nodeE0Start: startup.results.floor,
    nodeE0: await runMeasured(NODE, ['-e', '0'], { env: rlEnv, timeoutMs: 30_000 }).then((m) => ({
      wallMs: m.wallMs,
      cpuMs: m.cpuMs,
      peakRssMiB: m.peakRssMiB,
    })),
  };
  results.rootlock.help = startup.results.help;
  if (startup.failures.length)
    results.notes.push(`--help runs failed: ${JSON.stringify(startup.failures.slice(0, 3))}`);
  results.rootlock.firstPrompt = await firstPrompt(rlEnv, proxy);
  log(
    `first prompt: ${JSON.stringify({ medianMs: results.rootlock.firstPrompt.medianMs, reason: results.rootlock.firstPrompt.reason })}`,
  );

  results.machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  results.table = buildTable(results);
  results.totalSeconds = Math.round((Date.now() - t0) / 1000);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(results, (k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`);
  printReport(results);
  process.stdout.write(`\nWritten: ${path.relative(ROOT, outFile)}\n`);
  writeFileSync(outFile.replace(/\.json$/, '.md'), `${renderMarkdownReport(results)}\n`);
}

/**
 * Explains rootlock's peak RSS: the cost of loading the EC2 client, of reading every
 * authorization-details page, and of the two in either order. `proxy` is the probes' own
 * (it pages as the one rootlock talked to does, and counts nothing of rootlock's).
 */
async function memoryProbes(env, proxy) {
  const probe = path.join(ROOT, 'bench', 'probes', 'memory.mjs');
  const runs = [
    { mode: 'floor', args: ['floor'], variant: 'node + probe script' },
    { mode: 'iam-import', args: ['iam-import'], variant: 'load @aws-sdk/client-iam' },
    { mode: 'ec2-import', args: ['ec2-import'], variant: 'load @aws-sdk/client-ec2' },
    { mode: 'aad', args: ['aad', proxy.url], variant: 'rootlock filter, every page' },
    { mode: 'aad', args: ['aad', proxy.url, 'no-aws-managed'], variant: 'without AWSManagedPolicy' },
    { mode: 'aad', args: ['aad', proxy.url, 'ec2-after'], variant: 'every page, then load EC2' },
    { mode: 'aad', args: ['aad', proxy.url, 'ec2-before'], variant: 'load EC2, then every page' },
  ];
  const out = [];
  for (const r of runs) {
    const m = await runMeasured(NODE, [probe, ...r.args], { env, cwd: ROOT, timeoutMs: 300_000 });
    let parsed = {};
    try {
      parsed = JSON.parse(m.stdout.trim().split('\n').pop());
    } catch {
      parsed = { error: m.stderr.slice(-300) };
    }
    out.push({ ...parsed, mode: r.mode, variant: r.variant, peakRssMiB: m.peakRssMiB, wallMs: m.wallMs });
  }
  log(`memory probes: ${out.map((o) => `${o.variant} ${o.peakRssMiB} MiB`).join('; ')}`);
  return out;
}

async function runProwler(p, creds, proxy, trap) {
  const env = toolEnv(creds, trap.url, { AWS_ENDPOINT_URL: proxy.url });
  // Prowler's own listing names the checks (cached per version: listing takes a minute).
  const listing = await listChecks(p, env);
  const wanted = PROWLER_CHECKS.map((c) => c.check);
  const missing = wanted.filter((c) => !listing.ids.has(c));
  if (missing.length) throw new Error(`prowler ${PROWLER_VERSION} has no check ${missing.join(', ')}`);
  const outDir = path.join(work, 'prowler-output');
  const args = prowlerArgs(wanted, REGIONS, outDir);
  proxy.log.reset();
  trap.take();
  log(`Prowler ${PROWLER_VERSION}: prowler ${args.join(' ')}`);
  const m = await runMeasured(p.bin, args, { env, cwd: work, timeoutMs: Number(opt['prowler-timeout-min']) * 60_000 });
  const requests = proxy.log.toJSON(m.startedAt);
  const egress = trap.take();
  // Exit 3 means "some checks failed": a normal result.
  if (m.timedOut) throw new Error(`Prowler did not finish within ${opt['prowler-timeout-min']} min`);
  if (m.code !== 0 && m.code !== 3)
    throw new Error(`Prowler exited ${m.code}: ${m.stderr.slice(-2000)}${m.stdout.slice(-1000)}`);
  const findings = summarizeOcsf(outDir);
  const startupOps = requests.firstSeen.filter(
    (f) => !/^(iam|ec2|account):/.test(f.op) || f.op === 'ec2:DescribeRegions',
  );
  log(`Prowler: ${(m.wallMs / 1000).toFixed(1)} s, ${m.peakRssMiB} MiB, ${requests.total} requests`);
  log('Prowler --help (3 runs) and python -c pass (5 runs)');
  const helps = [];
  for (let i = 0; i < 3; i++) {
    const r = await runBounded(p.bin, ['--help'], { env, timeoutMs: 300_000 });
    if (r.code === 0) helps.push(r.wallMs);
  }
  const pyFloor = [];
  for (let i = 0; i < 5; i++) {
    const r = await runBounded(p.python, ['-c', 'pass'], { env, timeoutMs: 60_000 });
    if (r.code === 0) pyFloor.push(r.wallMs);
  }
  return {
    version: PROWLER_VERSION,
    installedThisRun: p.installed,
    checks: PROWLER_CHECKS,
    checkListCached: listing.cached,
    command: `prowler ${args.join(' ').replace(outDir, '<tmp>')}`,
    run: {
      exitCode: m.code,
      wallMs: m.wallMs,
      cpuMs: m.cpuMs,
      userMs: m.userMs,
      sysMs: m.sysMs,
      peakRssMiB: m.peakRssMiB,
    },
    requests,
    startupBeforeFirstCallMs: requests.firstRequestMs,
    afterLastResponseMs: requests.lastResponseMs === undefined ? undefined : m.wallMs - requests.lastResponseMs,
    nonCheckCalls: startupOps,
    egressAttempts: egress,
    findings: findings.byCheck,
    help: { runs: helps.length, medianMs: Math.round(median(helps)) },
    pythonFloor: { runs: pyFloor.length, medianMs: Math.round(median(pyFloor) * 10) / 10 },
  };
}

/** Time to the wizard's first prompt, in a pseudo-terminal, repeated; the median. */
async function firstPrompt(env, proxy) {
  const runs = Number(opt['prompt-runs']);
  const journal = path.join(work, 'journal');
  const args = [BIN, '--only', 'billing-recovery', '--endpoint-url', proxy.url, '--journal-dir', journal];
  const samples = [];
  const before = [];
  let last;
  for (let i = 0; i < runs; i++) {
    proxy.log.reset();
    const since = process.hrtime.bigint();
    last = await timeToFirstPrompt(BIN, args.slice(1), {
      env: { ...env, COLUMNS: '120' },
      cwd: ROOT,
      timeoutMs: 120_000,
    });
    if (last.ms === undefined) {
      return {
        command: `bin/rootlock ${args.slice(1).join(' ')}`,
        medianMs: undefined,
        reason: last.reason,
        exitCode: last.exitCode,
        output: last.text,
      };
    }
    samples.push(last.ms);
    const snap = proxy.log.toJSON(since);
    if (snap.firstRequestMs !== undefined) before.push(snap.firstRequestMs);
    last.calls = snap.byOperation;
  }
  return {
    command: `bin/rootlock ${args.slice(1).join(' ')}`,
    runs: samples.length,
    medianMs: Math.round(median(samples)),
    minMs: Math.round(Math.min(...samples)),
    maxMs: Math.round(Math.max(...samples)),
    beforeFirstCallMs: before.length ? Math.round(median(before)) : undefined,
    prompt: last.prompt,
    callsBeforePrompt: last.calls,
    exitCodeAfterCtrlC: last.exitCode,
  };
}

function printReport(r) {
  const out = [];
  out.push('');
  out.push(
    `rootlock benchmark: ${r.scale.users} users, ${r.scale.roles} roles, ${r.scale.groups} groups, ${r.scale.policies} policies, ${r.scale.instances} instances in ${r.scale.regions.length} regions`,
  );
  out.push(
    `machine: ${r.machine.cpus} CPUs, load ${r.machine.loadAverageAtStart.join(' ')} -> ${r.machine.loadAverageAtEnd.join(' ')}; node ${r.machine.node}; moto ${r.machine.moto}; Prowler ${r.prowler?.version ?? '—'}`,
  );
  out.push(
    `seeding (not part of any figure): ${r.seeding.seconds.toFixed(1)} s for ${r.seeding.calls} calls (${r.seeding.callsPerSecond}/s, concurrency ${r.seeding.concurrency})`,
  );
  out.push(
    `rootlock runs as IAM user ${r.rootlock.principal?.arn} (AdministratorAccess), not as root: moto has no root identity.`,
  );
  out.push('');
  out.push(renderText(r.table));
  out.push('');
  const paging = r.rootlock.check.aadPaging;
  out.push(
    `API calls rootlock made (seen by the proxy) against the computed minimum for the same answers${paging ? ` (authorization details: ${paging.answerItems[0]} items in ${paging.pages} pages of MaxItems ${paging.maxItems.join('/')})` : ''}; on AWS, which lists only the AWS managed policies in use, the minimum is ${r.minimum.onAws.total}:`,
  );
  for (const row of r.rootlock.check.versusMinimum.rows) {
    out.push(
      `  ${row.op.padEnd(44)} min ${String(row.min).padStart(3)}  made ${String(row.made).padStart(3)}${row.extra ? `  (${row.extra > 0 ? '+' : ''}${row.extra})` : ''}`,
    );
  }
  if (r.prowler?.requests) {
    out.push('');
    out.push(`Prowler requests by service: ${JSON.stringify(bySvc(r.prowler.requests.byOperation))}`);
    out.push(
      `Prowler calls outside its checks' services: ${r.prowler.nonCheckCalls.map((f) => f.op).join(', ') || 'none'}`,
    );
    out.push(
      `Prowler outbound attempts refused: ${r.prowler.egressAttempts.length ? JSON.stringify(r.prowler.egressAttempts) : 'none'}`,
    );
  } else if (r.prowler?.error || r.prowler?.skipped) {
    out.push('');
    out.push(`Prowler: ${r.prowler.error ?? r.prowler.skipped}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

function bySvc(byOperation) {
  const s = {};
  for (const [k, v] of Object.entries(byOperation)) {
    const svc = k.split(':')[0];
    s[svc] = (s[svc] ?? 0) + v;
  }
  return s;
}

try {
  await main();
  await cleanup();
  rmSync(work, { recursive: true, force: true });
  clearTimeout(watchdog);
  process.exit(0);
} catch (err) {
  log(`FAILED: ${err.stack ?? err}`);
  log(`logs (moto.log, Prowler output) kept in ${work}`);
  await cleanup();
  process.exit(1);
}
