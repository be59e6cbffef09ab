/**
 * The one map from what happened to the exit code:
 * `0` every step passes (or only needs a manual action), `1` a step fails or errors (or a
 * change failed), `2` the run itself failed (flags, credentials, endpoint, a plan refused, an
 * answer needed without a terminal), `130` interrupted (Ctrl-C).
 */
import { RunError, UngatedMutationError } from '../aws/errors.js';
import type { StepStatus } from '../engine/types.js';

export const EXIT = { ok: 0, stepFailed: 1, runFailed: 2, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for the steps' final statuses and whether a change failed. */
export function exitForSteps(statuses: readonly StepStatus[], changeFailed = false): ExitCode {
  return changeFailed || statuses.some((s) => s === 'fail' || s === 'error') ? EXIT.stepFailed : EXIT.ok;
}

/**
 * Names of the errors that end a run, by the exit code they mean (UI errors are matched by name:
 * the CLI loads the UI lazily).
 */
const BY_NAME: Record<string, ExitCode> = {
  CancelledError: EXIT.interrupted,
  NeedsInputError: EXIT.runFailed,
  InvalidAnswerError: EXIT.runFailed,
  UsageError: EXIT.runFailed,
};

/** The exit code for an error that ended the run. */
export function exitForError(err: unknown): ExitCode {
  if (err instanceof RunError || err instanceof UngatedMutationError) return EXIT.runFailed;
  const name = (err as { name?: unknown } | undefined)?.name;
  return (typeof name === 'string' && BY_NAME[name]) || EXIT.runFailed;
}
