/** Checks on `rootlock plan --out FILE` made before any question is asked. */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RunError } from '../aws/errors.js';
import { sanitize } from '../util/text.js';

/** Refuses an --out the plan could not be written to, before any question is asked. */
export function planOutWritable(out: string): void {
  const why = (() => {
    try {
      if (statSync(out).isDirectory()) return 'it is a directory';
    } catch {
      // does not exist yet: its directory must be writable
    }
    try {
      const parent = dirname(resolve(out));
      if (!statSync(parent).isDirectory()) return `${parent} is not a directory`;
      accessSync(parent, fsConstants.W_OK);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  })();
  if (why)
    throw new RunError(
      'BAD_FLAGS',
      `Cannot write the plan to ${sanitize(out, { maxLength: 200 })}: ${sanitize(why, { maxLength: 200 })}.`,
      'Give --out a file in a directory you can write to.',
    );
}
