/** `rootlock report JOURNAL [--out-dir DIR]`: rebuilds a session's reports from its journal, without AWS. */
import { RunError } from '../../aws/errors.js';
import type { Output } from '../../engine/types.js';
import { JournalFormatError } from '../../report/session-report.js';
import { writeSessionReports } from '../../report/write.js';
import type { CliArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';

export function reportCommand(args: CliArgs, output: Output): number {
  const file = args.positionals[0];
  if (!file || args.positionals.length > 1)
    throw new RunError('BAD_FLAGS', 'Usage: rootlock report JOURNAL.jsonl [--out-dir DIR]');
  let w;
  try {
    w = writeSessionReports(file, { outDir: args.outDir, region: args.region });
  } catch (err) {
    if (err instanceof JournalFormatError) throw new RunError('BAD_JOURNAL', err.message);
    throw new RunError('BAD_JOURNAL', `Cannot make a report from ${file}: ${(err as Error).message}`);
  }
  output.success(
    `Report of session ${w.report.session.id} (${w.report.session.mode}, account ${w.report.account.id}, ` +
      `outcome: ${w.report.session.outcome}):`,
  );
  output.detail([
    w.markdown,
    w.json,
    `${w.asff} (${w.findings.length} findings; import with: aws securityhub batch-import-findings --findings ` +
      `file://${w.asff})`,
  ]);
  return EXIT.ok;
}
