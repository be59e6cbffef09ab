/**
 * The progress of an organization run on an interactive terminal, drawn by listr2's default
 * renderer: a counter line, and under it one line per account in flight (a spinner each), redrawn
 * in place. A finished account leaves the screen: it only moves the counter, so a run over
 * thousands of accounts never scrolls.
 *
 *   ❯ Accounts: 37 of 200 read (5 fail, 2 error)
 *     ⠋ reading 123456789012 (Payments prod)
 *     ⠋ reading 210987654321 (Sandbox)
 *
 * listr2 sees one task (the counter) with a fixed set of subtasks, the slots: at most
 * `concurrency` of them, and never more than the terminal has rows for (log-update would cut the
 * counter off the top). A slot shows the account it reads, or nothing (a listr2 task without a
 * title draws no line). Titles are set quietly, without an event: the spinner's next frame (ten a
 * second) draws them, so thousands of accounts never mean thousands of redraws.
 *
 * Like the task list (./tasks.ts) it belongs to a {@link TerminalSession}, which holds back every
 * other write while it is drawn and writes it under the final frame. {@link
 * TerminalAccountsProgress.close} ends the drawing at once (the engine's `close` is synchronous):
 * the final frame is the counter alone, ✔ when every account was read, else ✖ with the accounts
 * left in flight under it. Ctrl-C closes the session, which stops it the same way ({@link
 * TerminalAccountsProgress.abort}) and shows the cursor again before the process exits.
 */
import {
  type DefaultRenderer,
  figures,
  Listr,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  ListrTaskState,
  ProcessOutput,
  Spinner,
  type ListrDefaultRendererOptions,
  type ListrTask,
  type ListrTaskObject,
  type ListrTaskWrapper,
} from 'listr2';
import type { AccountsProgress } from '../engine/types.js';
import { sanitize } from '../util/text.js';
import type { SessionStream, SessionTaskList, TerminalSession } from './session.js';
import { painter } from './style.js';
import { type RendererControl, rendererFor } from './tasks.js';

/** An account as the engine names it. */
interface AccountRef {
  id: string;
  name: string;
}

type Wrapper = ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;
type TaskObject = ListrTaskObject<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;

/** Options for {@link TerminalAccountsProgress}. */
export interface TerminalAccountsProgressOptions {
  /** The terminal to draw on. */
  stream: SessionStream;
  /** Whether to colour the symbols (decided by `resolveColor`). */
  color: boolean;
  /** Accounts the run reads. */
  total: number;
  /** Accounts read at once (`--concurrency`): the most lines of accounts drawn. */
  concurrency: number;
  /** Called once, when the progress has left the live screen (final frame written, cursor shown). */
  onEnd?: () => void;
}

/** Rows the accounts never take: the counter's, the cursor's under the frame, and one to spare. */
const SPARE_ROWS = 3;
/** Longest account name shown, in characters. */
const NAME_LENGTH = 40;

/**
 * The engine's {@link AccountsProgress} over listr2. Create it with {@link startAccountsProgress},
 * which registers it with the session before it draws; the constructor and
 * {@link TerminalAccountsProgress.start} are for tests that drive it on a stream of their own.
 */
export class TerminalAccountsProgress implements AccountsProgress, SessionTaskList {
  readonly #stream: SessionStream;
  readonly #total: number;
  /** The account each slot reads, or undefined. */
  readonly #slots: Array<AccountRef | undefined>;
  /** Accounts in flight with no slot (more at once than `concurrency` said). */
  readonly #waiting: AccountRef[] = [];
  #read = 0;
  #failed = 0;
  #errors = 0;

  readonly #listr: Listr<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;
  readonly #output: ProcessOutput;
  readonly #spinner = new Spinner();
  readonly #onEnd: (() => void) | undefined;
  #slotTasks: TaskObject[] = [];
  #renderer: RendererControl | undefined;
  #run: Promise<unknown> | undefined;
  /** Resolves the listr2 tasks, which only wait for the run to end. */
  #release: () => void = () => {};
  /** Set by close(): the final frame is owed even if the renderer was still loading. */
  #closedNormally = false;
  #ended = false;
  readonly #onExit = (): void => this.abort();

  constructor(options: TerminalAccountsProgressOptions) {
    this.#stream = options.stream;
    this.#total = options.total;
    this.#onEnd = options.onEnd;
    this.#slots = new Array<AccountRef | undefined>(Math.max(1, Math.min(options.concurrency, options.total))).fill(
      undefined,
    );
    const done = new Promise<void>((resolve) => {
      this.#release = resolve;
    });
    // Both of listr2's channels are the one terminal we draw on, never the process's stdout.
    const stream = options.stream as NodeJS.WriteStream;
    this.#output = new ProcessOutput(stream, stream, { leaveEmptyLine: false });
    const paint = (format: Parameters<typeof painter>[1]) => {
      const p = painter(options.color, format);
      return (text?: string) => p(text ?? '');
    };
    const L = ListrDefaultRendererLogLevels;
    const rendererOptions: ListrDefaultRendererOptions = {
      logger: new ListrLogger({ useIcons: true, processOutput: this.#output }),
      spinner: this.#spinner,
      // One line per account, whatever its name: a wrapped line would push the counter off screen.
      formatOutput: 'truncate',
      // A run that stopped early ends with ✖ on the counter, not listr2's pointer.
      icon: { [L.FAILED_WITH_FAILED_SUBTASKS]: figures.cross },
      // Our colour decision (NO_COLOR, --no-color, FORCE_COLOR), not colorette's reading of stdout.
      color: {
        [L.COMPLETED]: paint('green'),
        [L.FAILED]: paint('red'),
        [L.FAILED_WITH_FAILED_SUBTASKS]: paint('red'),
        [L.COMPLETED_WITH_FAILED_SUBTASKS]: paint('yellow'),
        [L.PENDING]: paint('cyan'),
        [L.WAITING]: paint('dim'),
        [L.OUTPUT]: paint('dim'),
      },
    };
    const slots: Array<ListrTask<unknown, typeof DefaultRenderer, typeof DefaultRenderer>> = this.#slots.map(() => ({
      task: () => done,
    }));
    this.#listr = new Listr(
      [
        {
          title: this.#counter(),
          task: (_ctx: unknown, wrapper: Wrapper) => {
            const sub = wrapper.newListr(slots, { concurrent: true, exitOnError: false });
            this.#slotTasks = sub.tasks as TaskObject[];
            this.#show();
            return sub;
          },
        },
      ],
      {
        renderer: rendererFor(this),
        rendererOptions,
        exitOnError: false,
        // Ctrl-C is the CLI's (src/cli/run.ts): listr2's handler would exit with its own code.
        registerSignalListeners: false,
      },
    );
  }

  /** Starts drawing. Call once, after the session agreed to show the progress. */
  start(): void {
    if (this.#run) return;
    // If the process exits some other way while the progress is drawn, the cursor comes back.
    process.once('exit', this.#onExit);
    this.#run = this.#listr.run().catch(() => this.abort());
  }

  started(account: AccountRef): void {
    const free = this.#slots.indexOf(undefined);
    if (free === -1) this.#waiting.push(account);
    else this.#slots[free] = account;
    this.#show();
  }

  finished(account: AccountRef, status: string): void {
    this.#read += 1;
    if (status === 'fail') this.#failed += 1;
    if (status === 'error') this.#errors += 1;
    const slot = this.#slots.findIndex((a) => a?.id === account.id);
    if (slot !== -1) this.#slots[slot] = this.#waiting.shift();
    else {
      const at = this.#waiting.findIndex((a) => a.id === account.id);
      if (at !== -1) this.#waiting.splice(at, 1);
    }
    this.#show();
  }

  /**
   * Ends the drawing now: the final frame is the counter (✔ when every account was read; else ✖
   * with the accounts still in flight under it) and the cursor is shown. Then the session writes
   * what it held back. Idempotent; synchronous, as the engine's `close` is.
   */
  close(): void {
    if (this.#ended || this.#closedNormally) return;
    this.#closedNormally = true;
    this.#applyFinal();
    this.#release();
    if (this.#renderer) this.#renderer.end();
    else this.#finish();
  }

  /**
   * Stops drawing at once, for a process about to exit (Ctrl-C) or a prompt about to open: the
   * progress is left as it stands (✖, the accounts in flight under it) with the cursor shown.
   * Nothing is drawn afterwards. Synchronous and idempotent.
   */
  abort(): void {
    if (this.#ended) return;
    // Closed while the renderer was still loading: it never draws now.
    this.#closedNormally = false;
    this.#applyFinal();
    this.#release();
    this.#renderer?.end();
    this.#finish();
  }

  /** Called by the renderer: the one it made for this progress. */
  attach(renderer: RendererControl): void {
    this.#renderer = renderer;
  }

  /** Called by the renderer once its final frame is written and the stream released. */
  rendererEnded(): void {
    this.#finish();
  }

  /** Whether the renderer, once loaded, still owes the final frame (closed while it loaded). */
  get owesFinalFrame(): boolean {
    return this.#closedNormally && !this.#ended;
  }

  /** The output channel listr2 draws through (the renderer undoes it if it was stopped early). */
  get processOutput(): ProcessOutput {
    return this.#output;
  }

  /** The spinner listr2 animates (the renderer stops it if it was stopped early). */
  get spinner(): Spinner {
    return this.#spinner;
  }

  /** The counter: `Accounts: 37 of 200 read (5 fail, 2 error)`, and the accounts in flight not drawn. */
  #counter(): string {
    const hidden = this.#waiting.length + this.#slots.filter((a, i) => a !== undefined && !this.#drawn(i)).length;
    return (
      `Accounts: ${this.#read} of ${this.#total} read (${this.#failed} fail, ${this.#errors} error)` +
      (hidden > 0 ? `, ${hidden} more in flight` : '')
    );
  }

  /** Whether slot `index` fits on the terminal (read each time: it may be resized). */
  #drawn(index: number): boolean {
    const rows = this.#stream.rows ?? 24;
    return index < Math.max(1, rows - SPARE_ROWS);
  }

  #line(index: number): string | undefined {
    const account = this.#slots[index];
    if (!account || !this.#drawn(index)) return undefined;
    return `reading ${shortText(account.id, 12)} (${shortText(account.name, NAME_LENGTH)})`;
  }

  /**
   * Puts the model on the listr2 tasks, quietly: plain fields, no events, so the spinner's next
   * frame draws it. A slot without a title draws no line.
   */
  #show(): void {
    const header = this.#listr.tasks[0];
    if (header) header.title = this.#counter();
    for (const [i, task] of this.#slotTasks.entries()) task.title = this.#line(i);
  }

  /** Puts the final states on the tasks, for the renderer's last frame. */
  #applyFinal(): void {
    const inFlight = this.#waiting.length + this.#slots.filter((a) => a !== undefined).length;
    const complete = inFlight === 0 && this.#read >= this.#total;
    this.#show();
    // Quiet as well: one frame is drawn, by the renderer's end. A slot still reading is ✖.
    for (const task of this.#slotTasks)
      task.state = task.title === undefined ? ListrTaskState.COMPLETED : ListrTaskState.FAILED;
    const header = this.#listr.tasks[0];
    if (!header) return;
    header.state = complete ? ListrTaskState.COMPLETED : ListrTaskState.FAILED;
    // Closed before listr2 ran the task (still loading): the renderer draws enabled tasks only, and
    // listr2 sets the flag (private in its types) when it runs them.
    (header as unknown as { enabled?: boolean }).enabled ??= true;
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#release();
    process.removeListener('exit', this.#onExit);
    this.#onEnd?.();
  }
}

/**
 * Shows the progress of an organization run on the session's terminal, or returns undefined when
 * the session cannot show it now (a prompt open, a list drawn, the session closed).
 */
export function startAccountsProgress(
  session: TerminalSession,
  total: number,
  concurrency: number,
): TerminalAccountsProgress | undefined {
  const progress: TerminalAccountsProgress = new TerminalAccountsProgress({
    stream: session.stream,
    color: session.look.color,
    total,
    concurrency,
    onEnd: () => session.removeTaskList(progress),
  });
  // Registered before it draws, so nothing else reaches the screen between its frames.
  if (!session.addTaskList(progress)) return undefined;
  progress.start();
  return progress;
}

/** Account data made safe for the terminal and cut to `length` characters (with an ellipsis). */
function shortText(text: string, length: number): string {
  const chars = [...sanitize(text, { maxLength: 200 })];
  return chars.length <= length ? chars.join('') : `${chars.slice(0, length - 1).join('')}…`;
}
