import { describe, expect, it, vi } from 'vitest';
import type {
  CheckboxQuestion,
  ConfirmQuestion,
  InputQuestion,
  Prompter,
  SelectQuestion,
} from '../../src/engine/types.js';
import { createAnswersPrompter, mergeAnswers, parseAnswerFlags, parseAnswersJson } from '../../src/ui/answers.js';
import { InvalidAnswerError, NeedsInputError } from '../../src/ui/errors.js';

const safeConfirm: ConfirmQuestion = { id: 'admins.create', message: 'Create an admin user?', safeDefault: true };
const riskyConfirm: ConfirmQuestion = { id: 'root-keys.delete', message: 'Delete the root access key?' };
const countInput: InputQuestion = {
  id: 'admins.create.count',
  message: 'How many admins?',
  validate: (value) => (/^[1-9]\d*$/.test(value) ? true : 'enter a whole number of 1 or more'),
};
const regionSelect: SelectQuestion<string> = {
  id: 'ec2-roles.region',
  message: 'Which region?',
  choices: [
    { value: 'eu-west-1', name: 'Ireland' },
    { value: 'us-east-1', name: 'N. Virginia' },
  ],
};
const numberSelect: SelectQuestion<number> = {
  id: 'admins.count',
  message: 'How many?',
  choices: [
    { value: 1, name: 'one' },
    { value: 2, name: 'two' },
  ],
};
const usersCheckbox: CheckboxQuestion<string> = {
  id: 'admins.users',
  message: 'Which users?',
  choices: [
    { value: 'alice', name: 'alice' },
    { value: 'bob', name: 'bob' },
    { value: 'carol,jr', name: 'carol,jr' },
  ],
  validate: (values) => (values.length > 0 ? true : 'pick at least one'),
};

function fallbackPrompter(): Prompter & { [K in keyof Prompter]: ReturnType<typeof vi.fn> } {
  return {
    confirm: vi.fn(async () => false),
    input: vi.fn(async () => 'from terminal'),
    select: vi.fn(async () => 'from terminal'),
    checkbox: vi.fn(async () => ['from terminal']),
  } as never;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('createAnswersPrompter: confirm', () => {
  it.each([
    [true, true],
    [false, false],
    ['yes', true],
    ['Y', true],
    [' true ', true],
    ['no', false],
    ['N', false],
    ['false', false],
  ])('reads %j as %s', async (given, expected) => {
    const prompter = createAnswersPrompter({ answers: { [riskyConfirm.id]: given }, yes: false });
    await expect(prompter.confirm(riskyConfirm)).resolves.toBe(expected);
  });

  it.each([['maybe'], [1], [null], ['']])('rejects %j, naming the question', async (given) => {
    const prompter = createAnswersPrompter({ answers: { [riskyConfirm.id]: given }, yes: false });
    const error = await rejection(prompter.confirm(riskyConfirm));
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(error.message).toContain('"root-keys.delete"');
    expect(error.message).toContain('expected true or false');
  });

  it('--yes answers a confirmation whose safe default is yes', async () => {
    const fallback = fallbackPrompter();
    const prompter = createAnswersPrompter({ answers: {}, yes: true, fallback });
    await expect(prompter.confirm(safeConfirm)).resolves.toBe(true);
    expect(fallback.confirm).not.toHaveBeenCalled();
  });

  it('--yes does not answer a confirmation that is not safe by default', async () => {
    const fallback = fallbackPrompter();
    const prompter = createAnswersPrompter({ answers: {}, yes: true, fallback });
    await expect(prompter.confirm(riskyConfirm)).resolves.toBe(false);
    expect(fallback.confirm).toHaveBeenCalledWith(riskyConfirm);
  });

  it('--yes does not answer safeDefault: false either', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: true });
    const error = await rejection(prompter.confirm({ ...safeConfirm, safeDefault: false }));
    expect(error).toBeInstanceOf(NeedsInputError);
    expect(error.message).toContain('--yes does not answer it');
  });

  it('a supplied answer wins over --yes', async () => {
    const prompter = createAnswersPrompter({ answers: { [safeConfirm.id]: 'no' }, yes: true });
    await expect(prompter.confirm(safeConfirm)).resolves.toBe(false);
  });

  it('without an answer or a terminal, throws NeedsInputError naming the id, the text and how to answer', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    const error = await rejection(prompter.confirm(riskyConfirm));
    expect(error).toBeInstanceOf(NeedsInputError);
    const needs = error as NeedsInputError;
    expect(needs.code).toBe('NEEDS_INPUT');
    expect(needs.questionId).toBe('root-keys.delete');
    expect(needs.message).toContain('"root-keys.delete"');
    expect(needs.message).toContain('Delete the root access key?');
    expect(needs.message).toContain('--answer root-keys.delete=true|false');
    expect(needs.message).toContain('answers file');
    expect(needs.message).not.toContain('--yes does not');
  });

  it('sanitizes the question text in the error (it may hold account data)', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    const error = await rejection(prompter.confirm({ id: 'x', message: 'Delete user \x1b[2Jmallory\u202e?' }));
    expect(error.message).toContain('Delete user \\x1b[2Jmallory\\u202e?');
    expect((error as NeedsInputError).questionText).toBe('Delete user \\x1b[2Jmallory\\u202e?');
  });
});

describe('createAnswersPrompter: input', () => {
  it('returns a valid supplied answer', async () => {
    const prompter = createAnswersPrompter({ answers: { [countInput.id]: '3' }, yes: false });
    await expect(prompter.input(countInput)).resolves.toBe('3');
  });

  it('takes a number from an answers file as its text', async () => {
    const prompter = createAnswersPrompter({ answers: { [countInput.id]: 2 }, yes: false });
    await expect(prompter.input(countInput)).resolves.toBe('2');
  });

  it('rejects an answer its validate refuses, with the id and the reason, and does not fall back', async () => {
    const fallback = fallbackPrompter();
    const prompter = createAnswersPrompter({ answers: { [countInput.id]: 'three' }, yes: false, fallback });
    const error = await rejection(prompter.input(countInput));
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect((error as InvalidAnswerError).questionId).toBe('admins.create.count');
    expect((error as InvalidAnswerError).reason).toBe('enter a whole number of 1 or more');
    expect(error.message).toBe('Invalid answer for "admins.create.count": enter a whole number of 1 or more');
    expect(fallback.input).not.toHaveBeenCalled();
  });

  it('rejects an object', async () => {
    const prompter = createAnswersPrompter({ answers: { [countInput.id]: { n: 1 } }, yes: false });
    await expect(prompter.input(countInput)).rejects.toThrow('expected text, got {"n":1}');
  });

  it('asks the fallback when unanswered, and does not use the default by itself', async () => {
    const fallback = fallbackPrompter();
    const prompter = createAnswersPrompter({ answers: {}, yes: true, fallback });
    await expect(prompter.input({ ...countInput, default: '1' })).resolves.toBe('from terminal');
    expect(fallback.input).toHaveBeenCalledOnce();
  });

  it('without a terminal, says how to answer', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    await expect(prompter.input(countInput)).rejects.toThrow('--answer admins.create.count=<text>');
  });

  it('an optional question (an offer) takes its default without a terminal; a supplied answer or a terminal still wins', async () => {
    const offer: InputQuestion = { id: 'session.admin-profile', message: 'Profile?', default: '', optional: true };
    await expect(createAnswersPrompter({ answers: {}, yes: false }).input(offer)).resolves.toBe('');
    await expect(
      createAnswersPrompter({ answers: { 'session.admin-profile': 'alice' }, yes: false }).input(offer),
    ).resolves.toBe('alice');
    const fallback = fallbackPrompter();
    await expect(createAnswersPrompter({ answers: {}, yes: false, fallback }).input(offer)).resolves.toBe(
      'from terminal',
    );
    // Without a default there is nothing safe to take: it still needs an answer.
    await expect(
      createAnswersPrompter({ answers: {}, yes: false }).input({ ...offer, default: undefined }),
    ).rejects.toThrow(NeedsInputError);
  });
});

describe('createAnswersPrompter: select', () => {
  it('returns the matching choice value', async () => {
    const prompter = createAnswersPrompter({ answers: { [regionSelect.id]: 'us-east-1' }, yes: false });
    await expect(prompter.select(regionSelect)).resolves.toBe('us-east-1');
  });

  it('compares as strings too, returning the choice value with its type', async () => {
    const prompter = createAnswersPrompter({ answers: { [numberSelect.id]: '2' }, yes: false });
    await expect(prompter.select(numberSelect)).resolves.toBe(2);
  });

  it('rejects a value that is not a choice, listing the choices', async () => {
    const prompter = createAnswersPrompter({ answers: { [regionSelect.id]: 'Ireland' }, yes: false });
    const error = await rejection(prompter.select(regionSelect));
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(error.message).toBe(
      'Invalid answer for "ec2-roles.region": "Ireland" is not one of the choices: eu-west-1, us-east-1',
    );
  });

  it('lists the choices when the answer is missing', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    await expect(prompter.select(regionSelect)).rejects.toThrow('Choices: eu-west-1, us-east-1.');
  });

  it('lists at most ten choices', async () => {
    const many: SelectQuestion<number> = {
      id: 'many',
      message: 'Pick',
      choices: Array.from({ length: 13 }, (_, i) => ({ value: i, name: `n${i}` })),
    };
    const prompter = createAnswersPrompter({ answers: { many: 99 }, yes: false });
    await expect(prompter.select(many)).rejects.toThrow('0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 3 more');
  });

  it('falls back when unanswered', async () => {
    const fallback = fallbackPrompter();
    const prompter = createAnswersPrompter({ answers: {}, yes: false, fallback });
    await expect(prompter.select(regionSelect)).resolves.toBe('from terminal');
  });
});

describe('createAnswersPrompter: checkbox', () => {
  it.each([
    ['an array', ['bob', 'alice'], ['alice', 'bob']],
    ['a comma-separated list', 'bob, alice', ['alice', 'bob']],
    ['a JSON array, for values with commas', '["carol,jr"]', ['carol,jr']],
    ['duplicates once', ['bob', 'bob'], ['bob']],
  ])('reads %s, in the order of the choices', async (_name, given, expected) => {
    const prompter = createAnswersPrompter({ answers: { [usersCheckbox.id]: given }, yes: false });
    await expect(prompter.checkbox(usersCheckbox)).resolves.toEqual(expected);
  });

  it('reads an empty string as none, then applies validate', async () => {
    const prompter = createAnswersPrompter({ answers: { [usersCheckbox.id]: '' }, yes: false });
    await expect(prompter.checkbox(usersCheckbox)).rejects.toThrow(
      'Invalid answer for "admins.users": pick at least one',
    );
  });

  it('accepts none when there is no validate', async () => {
    const { validate: _ignored, ...noValidate } = usersCheckbox;
    const prompter = createAnswersPrompter({ answers: { [usersCheckbox.id]: [] }, yes: false });
    await expect(prompter.checkbox(noValidate)).resolves.toEqual([]);
  });

  it('rejects values that are not choices, naming them', async () => {
    const prompter = createAnswersPrompter({ answers: { [usersCheckbox.id]: ['alice', 'mallory'] }, yes: false });
    const error = await rejection(prompter.checkbox(usersCheckbox));
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(error.message).toContain('"admins.users"');
    expect(error.message).toContain('not among the choices: "mallory"');
  });

  it('rejects a value that is not a list', async () => {
    const prompter = createAnswersPrompter({ answers: { [usersCheckbox.id]: 7 }, yes: false });
    await expect(prompter.checkbox(usersCheckbox)).rejects.toThrow('expected a list of values, got 7');
  });

  it('without a terminal, says how to answer', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    const error = await rejection(prompter.checkbox(usersCheckbox));
    expect(error).toBeInstanceOf(NeedsInputError);
    expect(error.message).toContain('--answer admins.users=<value>,<value>');
  });
});

describe('createAnswersPrompter: bookkeeping', () => {
  it('reports supplied answers no question asked for', async () => {
    const prompter = createAnswersPrompter({
      answers: { [safeConfirm.id]: true, 'admins.creat': true },
      yes: false,
    });
    await prompter.confirm(safeConfirm);
    expect(prompter.unusedAnswerIds()).toEqual(['admins.creat']);
  });

  it('does not find answers on the prototype', async () => {
    const prompter = createAnswersPrompter({ answers: {}, yes: false });
    await expect(prompter.input({ id: 'constructor', message: 'x' })).rejects.toBeInstanceOf(NeedsInputError);
  });
});

describe('parseAnswerFlags', () => {
  it('splits on the first = and keeps the rest, later flags winning', () => {
    expect(parseAnswerFlags(['a=1', 'b=x=y', 'c=', 'a=2'])).toEqual({ a: '2', b: 'x=y', c: '' });
  });

  it('treats __proto__ as an ordinary id', () => {
    const parsed = parseAnswerFlags(['__proto__=x']);
    expect(Object.hasOwn(parsed, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([['novalue'], ['=value']])('rejects %j', (flag) => {
    expect(() => parseAnswerFlags([flag])).toThrow(InvalidAnswerError);
    expect(() => parseAnswerFlags([flag])).toThrow('--answer expects <id>=<value>');
  });
});

describe('parseAnswersJson and mergeAnswers', () => {
  it('parses an object', () => {
    expect(parseAnswersJson('{"a": true, "b": ["x"]}')).toEqual({ a: true, b: ['x'] });
  });

  it.each([['[1]'], ['"text"'], ['null']])('rejects %s', (text) => {
    expect(() => parseAnswersJson(text, 'answers.json')).toThrow('answers.json must hold a JSON object');
  });

  it('rejects invalid JSON, naming the source', () => {
    expect(() => parseAnswersJson('{', 'answers.json')).toThrow(/answers\.json is not valid JSON/);
  });

  it('merges with later sources winning', () => {
    expect({ ...mergeAnswers({ a: 1, b: 1 }, { b: 2 }) }).toEqual({ a: 1, b: 2 });
  });
});
