// `npm run demo`: the whole wizard against a throw-away local emulator (moto plus the test
// root layer), seeded as a brand-new account. Nothing here talks to AWS.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const root = resolve(fileURLToPath(import.meta.url), '..', '..');
const support = join(root, '.cache', 'support-build', 'test', 'support');
process.env.ROOTLOCK_MOTO_SERVER ??= join(root, '.venv', 'moto', 'bin', 'moto_server');
const { startEmulator } = await import(join(support, 'emulator.js'));
const { seedNewAccount } = await import(join(support, 'seed.js'));

const emu = await startEmulator();
const home = mkdtempSync(join(tmpdir(), 'rootlock-demo-'));
const cleanup = async () => {
  await emu.stop().catch(() => {});
  rmSync(home, { recursive: true, force: true });
};
try {
  const account = await seedNewAccount(emu);
  process.stderr.write(
    [
      '',
      '  rootlock demo: a LOCAL EMULATOR, not AWS.',
      `  moto at ${emu.motoUrl}, with rootlock's test root layer at ${emu.endpoint}.`,
      '  Seeded as a brand-new account 123456789012: the root user has two access keys and',
      '  no MFA, there is one admin (first-admin), no contacts, and two EC2 instances without roles.',
      '  You are signed in with one of the root keys. Everything is thrown away at the end.',
      '  An AWS profile "admin" holds first-admin\'s key: once the admins exist, name it when',
      '  rootlock offers to go on as an admin.',
      '',
      '',
    ].join('\n'),
  );
  const args = process.argv.slice(2);
  const env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: account.root.accessKeyId,
    AWS_SECRET_ACCESS_KEY: account.root.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: emu.endpoint,
    ROOTLOCK_HOME: home,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_CONFIG_FILE: join(home, 'config'),
  };
  writeFileSync(
    env.AWS_SHARED_CREDENTIALS_FILE,
    `[admin]\naws_access_key_id = ${account.firstAdmin.accessKeyId}\naws_secret_access_key = ${account.firstAdmin.secretAccessKey}\n`,
    { mode: 0o600 },
  );
  for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[k];
  // --regions: the emulator answers for every region; one keeps the demo quick.
  const child = spawn(process.execPath, [join(root, 'bin', 'rootlock'), ...args, '--regions', 'us-east-1'], {
    stdio: 'inherit',
    env,
  });
  process.on('SIGINT', () => {}); // the wizard handles Ctrl-C itself; we clean up after it
  const code = await new Promise((res) => child.on('exit', (c, sig) => res(c ?? (sig ? 130 : 1))));
  await cleanup();
  process.exit(code);
} catch (err) {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  await cleanup();
  process.exit(2);
}
