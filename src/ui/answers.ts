/**
 * A `Prompter` that answers from supplied answers: an answers file
 * (`--answers file.json`), repeated `--answer id=value` flags, and `--yes`.
 *
 * For each question, in order:
 * 1. an answer supplied for its id: checked and returned, or {@link InvalidAnswerError}
 *    (never re-asked: there may be nobody to ask);
 * 2. `--yes`, for confirmations whose `safeDefault` is true: `true`;
 * 3. the fallback prompter (the terminal), when there is one;
 * 4. an optional text question (an offer whose default changes nothing): its default;
 * 5. otherwise {@link NeedsInputError}, naming the question and how to answer it.
 */
import type {
  CheckboxQuestion,
  Choice,
  ConfirmQuestion,
  InputQuestion,
  Prompter,
  QuestionBase,
  SelectQuestion,
} from '../engine/types.js';
import { sanitize } from '../util/text.js';
import { InvalidAnswerError, NeedsInputError } from './errors.js';

/** Options for {@link createAnswersPrompter}. */
export interface AnswersPrompterOptions {
  /** Answers by question id; see {@link mergeAnswers} for combining file and flags. */
  answers: Readonly<Record<string, unknown>>;
  /** `--yes`: answer `true` to confirmations whose `safeDefault` is true. */
  yes: boolean;
  /** Asked for anything not answered; omit when there is no terminal. */
  fallback?: Prompter;
}

/** The answers prompter, plus a way to spot mistyped ids. */
export interface AnswersPrompter extends Prompter {
  /**
   * Ids of supplied answers no question has asked for yet. After a run, these are
   * probably typos; the CLI may warn about them.
   */
  unusedAnswerIds(): string[];
}

const TRUE_WORDS = new Set(['true', 'yes', 'y']);
const FALSE_WORDS = new Set(['false', 'no', 'n']);

/** Shows a supplied value in an error message, safely and briefly. */
function show(value: unknown): string {
  if (typeof value === 'string') return `"${sanitize(value, { maxLength: 80 })}"`;
  return sanitize(asText(value), { maxLength: 80 });
}

/** A value's text form, for comparing answers (often strings from flags) with choice values. */
function asText(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  }
  return String(value);
}

/** The valid values of a choice list, for messages: a few, then a count. */
function listValues(choices: readonly Choice<unknown>[]): string {
  const shown = choices.slice(0, 10).map((choice) => sanitize(asText(choice.value), { maxLength: 60 }));
  const more = choices.length - shown.length;
  return shown.join(', ') + (more > 0 ? ` and ${more} more` : '');
}

/** The choice a supplied value names: same value first, then the same text. */
function findChoice<T>(choices: readonly Choice<T>[], wanted: unknown): Choice<T> | undefined {
  return (
    choices.find((choice) => Object.is(choice.value, wanted)) ??
    choices.find((choice) => asText(choice.value) === asText(wanted))
  );
}

/** Reads a supplied confirmation answer. */
function toBoolean(id: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  throw new InvalidAnswerError(id, `expected true or false (yes/no), got ${show(value)}`);
}

/** Reads a supplied text answer; numbers and booleans in a JSON file are taken as their text. */
function toText(id: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  throw new InvalidAnswerError(id, `expected text, got ${show(value)}`);
}

/**
 * Reads a supplied checkbox answer as a list: an array, or (from a flag) a JSON array
 * or a comma-separated list; an empty string is the empty list.
 */
function toList(id: string, value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return [];
    if (trimmed.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(trimmed);
        if (Array.isArray(parsed)) return parsed;
      } catch {
        // Not JSON after all: fall through to the comma-separated reading.
      }
    }
    return trimmed.split(',').map((part) => part.trim());
  }
  throw new InvalidAnswerError(id, `expected a list of values, got ${show(value)}`);
}

/** How to answer a question without a terminal, for {@link NeedsInputError}. */
function answerHint(id: string, placeholder: string): string {
  return `--answer ${id}=${placeholder}, or "${id}" in an answers file (--answers file.json)`;
}

function needsInput(q: QuestionBase, placeholder: string, extra = ''): NeedsInputError {
  const text = sanitize(q.message);
  const hint = answerHint(q.id, placeholder);
  const message =
    `Question "${q.id}" needs an answer and there is no terminal to ask it on.\n` +
    `  Question: ${text}\n` +
    `  Answer it with ${hint}.` +
    extra;
  return new NeedsInputError(q.id, text, hint, message);
}

/** Creates the answers prompter; see the module comment for the order answers are taken in. */
export function createAnswersPrompter(options: AnswersPrompterOptions): AnswersPrompter {
  const { answers, yes, fallback } = options;
  const used = new Set<string>();

  const supplied = (id: string): { found: true; value: unknown } | { found: false } => {
    // Own keys only: an id like "constructor" must not find Object.prototype's.
    if (!Object.hasOwn(answers, id)) return { found: false };
    used.add(id);
    return { found: true, value: answers[id] };
  };

  const check = (id: string, verdict: true | string): void => {
    if (verdict !== true) throw new InvalidAnswerError(id, verdict);
  };

  return {
    unusedAnswerIds: () => Object.keys(answers).filter((id) => !used.has(id)),

    async confirm(q: ConfirmQuestion): Promise<boolean> {
      const answer = supplied(q.id);
      if (answer.found) return toBoolean(q.id, answer.value);
      if (yes && q.safeDefault === true) return true;
      if (fallback) return fallback.confirm(q);
      const why = yes
        ? `\n  --yes does not answer it: only confirmations where "yes" is the safe answer are given by --yes.`
        : '';
      throw needsInput(q, 'true|false', why);
    },

    async input(q: InputQuestion): Promise<string> {
      const answer = supplied(q.id);
      if (answer.found) {
        const text = toText(q.id, answer.value);
        if (q.validate) check(q.id, q.validate(text));
        return text;
      }
      if (fallback) return fallback.input(q);
      if (q.optional && q.default !== undefined) return q.default;
      throw needsInput(q, '<text>');
    },

    async select<T>(q: SelectQuestion<T>): Promise<T> {
      const answer = supplied(q.id);
      if (answer.found) {
        const choice = findChoice(q.choices, answer.value);
        if (!choice) {
          throw new InvalidAnswerError(
            q.id,
            `${show(answer.value)} is not one of the choices: ${listValues(q.choices)}`,
          );
        }
        return choice.value;
      }
      if (fallback) return fallback.select(q);
      throw needsInput(q, '<value>', `\n  Choices: ${listValues(q.choices)}.`);
    },

    async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
      const answer = supplied(q.id);
      if (answer.found) {
        const wanted = toList(q.id, answer.value);
        const picked = new Set<Choice<T>>();
        const unknown: unknown[] = [];
        for (const item of wanted) {
          const choice = findChoice(q.choices, item);
          if (choice) picked.add(choice);
          else unknown.push(item);
        }
        if (unknown.length > 0) {
          throw new InvalidAnswerError(
            q.id,
            `not among the choices: ${unknown.map(show).join(', ')} (choices: ${listValues(q.choices)}; ` +
              `a value containing a comma must be given as a JSON array)`,
          );
        }
        // In the order the choices are offered, as the terminal prompt returns them.
        const values = q.choices.filter((choice) => picked.has(choice)).map((choice) => choice.value);
        if (q.validate) check(q.id, q.validate(values));
        return values;
      }
      if (fallback) return fallback.checkbox(q);
      throw needsInput(
        q,
        '<value>,<value>',
        `\n  Choices: ${listValues(q.choices)} (a JSON array also works; an empty value selects none).`,
      );
    },
  };
}

/**
 * Parses repeated `--answer id=value` flags. The value is everything after the
 * first `=` and stays a string (it may be empty); a later flag for the same id wins.
 * Throws {@link InvalidAnswerError} for a flag without `=` or with an empty id.
 */
export function parseAnswerFlags(flags: readonly string[]): Record<string, string> {
  // A null-prototype object, so an id such as "__proto__" is an ordinary key.
  const result: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const flag of flags) {
    const at = flag.indexOf('=');
    const id = at === -1 ? flag : flag.slice(0, at).trim();
    if (at === -1 || id === '') {
      throw new InvalidAnswerError(
        sanitize(id === '' ? flag : id, { maxLength: 80 }),
        `--answer expects <id>=<value>, got ${show(flag)}`,
      );
    }
    result[id] = flag.slice(at + 1);
  }
  return result;
}

/**
 * Parses an answers file's text: a JSON object mapping question ids to answers.
 * Throws {@link InvalidAnswerError} (question id `*`) when it is not one.
 */
export function parseAnswersJson(text: string, source = 'answers file'): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidAnswerError('*', `${source} is not valid JSON: ${sanitize(reason)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidAnswerError('*', `${source} must hold a JSON object of question id to answer`);
  }
  return parsed as Record<string, unknown>;
}

/** Combines answers: later sources win (pass the file first, then the flags). */
export function mergeAnswers(...sources: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, unknown> {
  // A null-prototype object, so ids such as "__proto__" are ordinary keys.
  const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const source of sources) {
    for (const [id, value] of Object.entries(source)) merged[id] = value;
  }
  return merged;
}
