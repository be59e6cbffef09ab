/**
 * The CLI's entry: parse flags, answer --help / --version without loading AWS or UI
 * modules, then hand over to the command. Exit codes come from one map (exit-codes.ts):
 * 1 a step fails, 2 the run failed, 130 interrupted.
 */
import { HELP, parseCli, UsageError } from './args.js';
import { EXIT, exitForError } from './exit-codes.js';
import { version } from './version.js';

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`rootlock: ${err.message}\nRun rootlock --help for usage.\n`);
      return exitForError(err);
    }
    throw err;
  }
  if (args.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (args.version) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  // The SDK's multi-line Node 20 notice would land in the middle of the wizard's output;
  // the README states the Node support policy instead.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { runCommand } = await import('./run.js');
  return runCommand(args);
}
