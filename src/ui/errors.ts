/**
 * Typed errors the UI raises. Each carries a stable `code` so the CLI's top-level
 * handler can map it to an exit code without matching on messages.
 */

/**
 * The operator cancelled (Ctrl-C at a prompt). The CLI should exit with 130, the
 * shell convention for "terminated by SIGINT".
 */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly code = 'CANCELLED';

  constructor(message = 'Cancelled by the operator.', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * A question needs an answer and nothing can give one: no answer was supplied
 * (`--answer`, answers file, `--yes`) and there is no terminal to ask on. Thrown
 * instead of waiting on a prompt nobody can see. The message names the question id,
 * its text and how to answer it.
 */
export class NeedsInputError extends Error {
  override readonly name = 'NeedsInputError';
  readonly code = 'NEEDS_INPUT';

  constructor(
    /** The question's id, e.g. "admins.create.count". */
    readonly questionId: string,
    /** The question's text, sanitized. */
    readonly questionText: string,
    /** How to supply the answer, e.g. `--answer admins.create.count=<text>`. */
    readonly hint: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A supplied answer (answers file or `--answer` flag) is not valid for its question.
 * Non-interactive answers are never re-asked: the run stops and names the question.
 */
export class InvalidAnswerError extends Error {
  override readonly name = 'InvalidAnswerError';
  readonly code = 'INVALID_ANSWER';

  constructor(
    /** The question's id (or, for a malformed `--answer` flag, what stood before the `=`). */
    readonly questionId: string,
    /** Why the answer was rejected. */
    readonly reason: string,
  ) {
    super(`Invalid answer for "${questionId}": ${reason}`);
  }
}
