/**
 * Runs rootlock in-process against the emulator with a scripted prompter and a
 * recording output, so end-to-end tests can assert what the operator saw, what was
 * asked, and (through the emulator) the resulting AWS state.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCli } from '../../src/cli/args.js';
import { runCommand, type RunDeps } from '../../src/cli/run.js';
import type { Credentials } from '../../src/aws/pool.js';
import type {
  CheckboxQuestion,
  ConfirmQuestion,
  InputQuestion,
  Output,
  Progress,
  Prompter,
  SelectQuestion,
} from '../../src/engine/types.js';
import type { MutationGate } from '../../src/engine/gate.js';
import { PRIMARY_QUESTION } from '../../src/steps/billing-recovery/ask.js';

/** An answer, or a list of answers tried in order (invalid ones are re-asked, as a person would be). */
export type ScriptedAnswer = unknown | { sequence: unknown[] };

export interface AskedQuestion {
  id: string;
  message: string;
  answer?: unknown;
  /** Reasons given for answers the question refused. */
  rejected: string[];
}

/** A prompter that answers by question id and fails loudly on an unexpected question. */
export class ScriptedPrompter implements Prompter {
  readonly asked: AskedQuestion[] = [];
  constructor(
    private readonly answers: Record<string, ScriptedAnswer>,
    private readonly opts: { yes?: boolean } = {},
  ) {}

  private take(id: string, message: string): { values: unknown[]; record: AskedQuestion } {
    const record: AskedQuestion = { id, message, rejected: [] };
    this.asked.push(record);
    if (!(id in this.answers)) throw new Error(`Unexpected question ${id}: ${message}`);
    const a = this.answers[id];
    const values =
      a && typeof a === 'object' && 'sequence' in (a as object) ? [...(a as { sequence: unknown[] }).sequence] : [a];
    return { values, record };
  }

  async confirm(q: ConfirmQuestion): Promise<boolean> {
    if (this.opts.yes && q.safeDefault && !(q.id in this.answers)) {
      this.asked.push({ id: q.id, message: q.message, answer: true, rejected: [] });
      return true;
    }
    const { values, record } = this.take(q.id, q.message);
    record.answer = Boolean(values[0]);
    return Boolean(values[0]);
  }

  async input(q: InputQuestion): Promise<string> {
    if (q.optional && q.default !== undefined && !(q.id in this.answers)) {
      this.asked.push({ id: q.id, message: q.message, answer: q.default, rejected: [] });
      return q.default;
    }
    const { values, record } = this.take(q.id, q.message);
    for (const v of values) {
      const s = String(v);
      const ok = q.validate ? q.validate(s) : true;
      if (ok === true) {
        record.answer = s;
        return s;
      }
      record.rejected.push(ok);
    }
    throw new Error(`No valid answer for ${q.id}; refused: ${record.rejected.join(' | ')}`);
  }

  async select<T>(q: SelectQuestion<T>): Promise<T> {
    const { values, record } = this.take(q.id, q.message);
    const choice = q.choices.find((c) => c.value === values[0] || String(c.value) === String(values[0]));
    if (!choice)
      throw new Error(
        `Answer ${String(values[0])} is not a choice of ${q.id}: ${q.choices.map((c) => String(c.value)).join(', ')}`,
      );
    record.answer = choice.value;
    return choice.value;
  }

  async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    const { values, record } = this.take(q.id, q.message);
    for (const v of values) {
      const want = (Array.isArray(v) ? v : [v]).map(String);
      const picked = q.choices.filter((c) => want.includes(String(c.value))).map((c) => c.value);
      if (picked.length !== want.length)
        throw new Error(`Answer ${want.join(',')} has values that are not choices of ${q.id}`);
      const ok = q.validate ? q.validate(picked) : true;
      if (ok === true) {
        record.answer = picked;
        return picked;
      }
      record.rejected.push(ok);
    }
    throw new Error(`No valid answer for ${q.id}; refused: ${record.rejected.join(' | ')}`);
  }
}

/** An Output that keeps every line (and secrets separately). */
export class RecordingOutput implements Output {
  readonly lines: string[] = [];
  readonly secrets: Array<{ label: string; value: string }> = [];
  heading(t: string) {
    this.lines.push(`== ${t}`);
  }
  info(t: string) {
    this.lines.push(`[info] ${t}`);
  }
  success(t: string) {
    this.lines.push(`[ok] ${t}`);
  }
  warn(t: string) {
    this.lines.push(`[warn] ${t}`);
  }
  error(t: string) {
    this.lines.push(`[fail] ${t}`);
  }
  detail(lines: string[]) {
    for (const l of lines) this.lines.push(`    ${l}`);
  }
  progress(t: string): Progress {
    const lines = this.lines;
    return {
      update: () => {},
      succeed: (x?: string) => {
        lines.push(`[ok] ${x ?? t}`);
      },
      fail: (x?: string) => {
        lines.push(`[fail] ${x ?? t}`);
      },
      stop: () => {},
    };
  }
  secret(label: string, value: string) {
    this.secrets.push({ label, value });
    this.lines.push(`[secret] ${label}: (shown once)`);
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface RunResult {
  code: number;
  output: RecordingOutput;
  prompter: ScriptedPrompter;
  /** The prompter that answered (the scripted one unless RunOpts.prompter was given). */
  usedPrompter: Prompter;
  stdout: string;
  gate?: MutationGate;
  journalPath?: string;
  journalDir: string;
  /** The parsed `check --json` document, when there is one. */
  json?: any;
}

export interface RunOpts {
  credentials: Credentials;
  answers?: Record<string, ScriptedAnswer>;
  yes?: boolean;
  journalDir?: string;
  generateSecret?: () => string;
  deps?: Partial<RunDeps>;
  /** Answer with this prompter instead of the scripted one. */
  prompter?: Prompter;
}

/** Runs `rootlock <argv>` in-process against `endpoint`. */
export async function runRootlock(endpoint: string, argv: string[], opts: RunOpts): Promise<RunResult> {
  const journalDir = opts.journalDir ?? mkdtempSync(join(tmpdir(), 'rootlock-journal-'));
  const args = parseCli([...argv, '--endpoint-url', endpoint, '--journal-dir', journalDir]);
  const output = new RecordingOutput();
  const prompter = new ScriptedPrompter(opts.answers ?? {}, { yes: opts.yes });
  let stdout = '';
  let gate: MutationGate | undefined;
  let journalPath: string | undefined;
  const code = await runCommand(args, {
    ui: { output, prompter: opts.prompter ?? prompter, close: () => {} },
    credentials: opts.credentials,
    stdout: { write: (s: string) => (stdout += s) },
    generateSecret: opts.generateSecret,
    onSession: (s) => {
      gate = s.gate;
      journalPath = s.journal.path;
    },
    ...opts.deps,
  });
  let json: unknown;
  if (args.json && stdout.trim()) json = JSON.parse(stdout);
  return {
    code,
    output,
    prompter,
    usedPrompter: opts.prompter ?? prompter,
    stdout,
    gate,
    journalPath,
    journalDir,
    json,
  };
}

/** Operations that change AWS state, as the emulator layer records them. */
export function mutatingRequests(requests: Array<{ service: string; operation: string }>): string[] {
  return requests
    .filter(
      (r) =>
        !/^(Get|List|Describe)/.test(r.operation) &&
        !['GenerateCredentialReport', 'GetCallerIdentity', 'AssumeRoot', 'LookupEvents'].includes(r.operation),
    )
    .map((r) => `${r.service}:${r.operation}`);
}

/** Values an affirmative prompter tries for free-text questions, first valid one wins. */
const CANDIDATE_INPUTS = [
  'rootlock-admin-1',
  'rootlock-admin-2',
  'Ops Team',
  'ops@example.com',
  '+1 555 0100',
  'Security',
  'US',
  '10001',
  '123456789012',
];

/**
 * Answers "yes" to everything: confirms true, selects the default (else the first choice),
 * checks every choice, and types the first candidate value the question accepts (or its default).
 * For proving that a dry-run sends nothing whatever the operator answers.
 */
export class AffirmativePrompter implements Prompter {
  readonly asked: string[] = [];
  private n = 0;
  async confirm(q: ConfirmQuestion): Promise<boolean> {
    this.asked.push(q.id);
    return true;
  }
  async input(q: InputQuestion): Promise<string> {
    this.asked.push(q.id);
    const tries = [
      ...(q.default ? [q.default] : []),
      ...CANDIDATE_INPUTS.map((c) => (c.startsWith('rootlock-admin') ? `${c}-${++this.n}` : c)),
    ];
    for (const t of tries) if (!q.validate || q.validate(t) === true) return t;
    throw new Error(`AffirmativePrompter has no valid answer for ${q.id}`);
  }
  async select<T>(q: SelectQuestion<T>): Promise<T> {
    this.asked.push(q.id);
    const first = q.choices[0];
    if (q.default !== undefined) return q.default;
    if (!first) throw new Error(`no choices for ${q.id}`);
    return first.value;
  }
  async checkbox<T>(q: CheckboxQuestion<T>): Promise<T[]> {
    this.asked.push(q.id);
    const all = q.choices.map((c) => c.value);
    if (!q.validate || q.validate(all) === true) return all;
    const checked = q.choices.filter((c) => c.checked).map((c) => c.value);
    return checked;
  }
}

/**
 * Answers that type a primary contact field by field, keyed by the step's own question ids
 * (`billing-recovery.primary.<field>`), so tests do not spell the ids out again.
 */
export function primaryContactAnswers(contact: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(contact).map(([field, value]) => [
      `billing-recovery.primary.${PRIMARY_QUESTION[field as keyof typeof PRIMARY_QUESTION]}`,
      value,
    ]),
  );
}
