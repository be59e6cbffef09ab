// `node scripts/compare-check.mjs OTHER_CHECKOUT`: runs `rootlock check --json` from this checkout
// and from another one (built: `npm ci` there) against the same emulated account, and says whether
// the documents are the same. For refactors that must not change what `check` reports.
//
// Both builds read one account (the demo's: root keys, one admin, two instances without roles), as
// the root user and as the admin, with every step and with `--only root-keys`. Each run uses a root
// key or the admin's key, which moves last-used dates and report times, so ISO timestamps are
// normalised before comparing; everything else (statuses, findings, details, counted API calls)
// must match byte for byte.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const other = process.argv[2];
if (!other) {
  process.stderr.write('usage: node scripts/compare-check.mjs OTHER_CHECKOUT\n');
  process.exit(2);
}
const here = resolve(fileURLToPath(import.meta.url), '..', '..');
const builds = { before: resolve(other), after: here };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.ROOTLOCK_MOTO_SERVER ??= join(here, '.venv', 'moto', 'bin', 'moto_server');
// The emulator support code, compiled by `npm run demo` (tsc -p tsconfig.support.json).
const support = join(here, '.cache', 'support-build', 'test', 'support');
const { startEmulator } = await import(join(support, 'emulator.js'));
const { seedNewAccount } = await import(join(support, 'seed.js'));

/** Runs a build's CLI without blocking this process (the emulator's root layer runs in it). */
function run(build, args, env) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(build, 'bin', 'rootlock'), ...args], { env });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.resume();
    child.on('close', (code) => done({ code, out }));
  });
}

const emu = await startEmulator();
const dir = mkdtempSync(join(tmpdir(), 'rootlock-compare-'));
let differ = 0;
try {
  const account = await seedNewAccount(emu);
  // The account's first credential report takes one more call to generate than any later one:
  // one run first, discarded, so neither build pays for that alone.
  await run(builds.after, ['check', '--json', '--only', 'root-keys'], {
    ...process.env,
    AWS_ACCESS_KEY_ID: account.root.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.root.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.endpoint,
  });
  for (const [who, creds] of [
    ['root', account.root],
    ['admin', account.firstAdmin],
  ]) {
    for (const only of [[], ['--only', 'root-keys']]) {
      const args = ['check', '--json', '--regions', 'us-east-1', ...only];
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: creds.accessKeyId,
        AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: emu.endpoint,
      };
      const docs = {};
      for (const [name, build] of Object.entries(builds)) {
        const r = await run(build, args, env);
        docs[name] = r.out.replace(/"\d{4}-\d\d-\d\dT[0-9:.]+Z"/g, '"<time>"');
        writeFileSync(join(dir, `${who}${only.length ? '-only' : ''}-${name}.json`), docs[name]);
      }
      const same = docs.before === docs.after;
      if (!same) differ += 1;
      process.stdout.write(`${same ? 'same   ' : 'DIFFER '} ${who}: rootlock ${args.join(' ')}\n`);
    }
  }
} finally {
  await emu.stop();
}
process.stdout.write(
  `documents in ${dir}${differ ? ` (diff them: diff ${dir}/X-before.json ${dir}/X-after.json)` : ''}\n`,
);
process.exit(differ ? 1 : 0);
