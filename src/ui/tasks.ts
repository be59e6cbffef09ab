/**
 * A task list on an interactive terminal, drawn by listr2's default renderer: one line per task
 * (a spinner while it runs, then ✔, ✖ or ↓ for skipped), redrawn in place.
 *
 * The engine drives the tasks (it sends one change at a time through the gate), so each listr2
 * task here only waits for the engine's verdict on it: {@link TerminalTaskList.task} starts one,
 * its `Progress` settles it, and {@link TerminalTaskList.close} settles whatever is left (never
 * started: skipped; still running: failed) and waits for the final frame.
 *
 * The list belongs to a {@link TerminalSession}: while it is drawn the session holds back every
 * other write (messages, one-time secrets) and spinner, and writes them in order under the
 * final frame. listr2 registers no signal listener here (Ctrl-C belongs to the CLI); the CLI's
 * handler closes the session, which stops the list at once ({@link TerminalTaskList.abort}) and
 * shows the cursor again before the process exits.
 */
import {
  DefaultRenderer,
  Listr,
  ListrDefaultRendererLogLevels,
  ListrLogger,
  ListrTaskState,
  ProcessOutput,
  Spinner,
  type ListrDefaultRendererOptions,
  type ListrDefaultRendererTask,
  type ListrEventManager,
  type ListrTaskWrapper,
} from 'listr2';
import type { Progress, TaskList } from '../engine/types.js';
import type { SessionStream, SessionTaskList, TerminalSession } from './session.js';
import { painter } from './style.js';

/** How a task ended. */
interface Verdict {
  kind: 'ok' | 'fail' | 'skip';
  text: string;
}

/** One task as the engine sees it; applied to its listr2 task once that one runs. */
interface Entry {
  readonly title: string;
  /** The title drawn now. */
  shown: string;
  /** A status drawn under the title (listr2's output bar), or empty. */
  note: string;
  /** The latest text given (title or update), the final text when none is given at the end. */
  latest: string;
  started: boolean;
  verdict: Verdict | undefined;
  settle(verdict: Verdict): void;
  readonly settled: Promise<Verdict>;
  wrapper?: ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;
}

/** Options for {@link TerminalTaskList}. */
export interface TerminalTaskListOptions {
  /** The terminal to draw on. */
  stream: SessionStream;
  /** Whether to colour the symbols (decided by `resolveColor`). */
  color: boolean;
  /** Called once, when the list has left the live screen (final frame written, cursor shown). */
  onEnd?: () => void;
}

/** The parts of the renderer a list drives directly. */
export interface RendererControl {
  /** Ends drawing now (final frame, stream released); does nothing once ended. */
  end(): void;
}

/**
 * The engine's {@link TaskList} over listr2. Create it with {@link startTaskList}, which registers
 * it with the session before it draws; the constructor and {@link TerminalTaskList.start} are
 * for tests that drive a list on a stream of their own.
 */
export class TerminalTaskList implements TaskList, SessionTaskList {
  readonly #entries: Entry[];
  readonly #listr: Listr<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;
  readonly #output: ProcessOutput;
  readonly #spinner = new Spinner();
  readonly #onEnd: (() => void) | undefined;
  #renderer: RendererControl | undefined;
  #run: Promise<unknown> | undefined;
  #ended = false;
  readonly #onExit = (): void => this.abort();

  constructor(titles: readonly string[], options: TerminalTaskListOptions) {
    this.#onEnd = options.onEnd;
    this.#entries = titles.map((title) => newEntry(title));
    // Both of listr2's channels are the one terminal we draw on, never the process's stdout:
    // that may be a pipe for data. listr2 types them as tty streams; it uses only write, isTTY and the size.
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
      // Our colour decision (NO_COLOR, --no-color, FORCE_COLOR), not colorette's reading of stdout.
      color: {
        [L.COMPLETED]: paint('green'),
        [L.FAILED]: paint('red'),
        [L.SKIPPED_WITH_COLLAPSE]: paint('yellow'),
        [L.PENDING]: paint('cyan'),
        [L.WAITING]: paint('dim'),
        [L.OUTPUT]: paint('dim'),
      },
    };
    this.#listr = new Listr(
      this.#entries.map((entry) => ({
        title: entry.title,
        task: async (_ctx: unknown, wrapper: NonNullable<Entry['wrapper']>) => {
          entry.wrapper = wrapper;
          show(entry);
          const verdict = await entry.settled;
          if (verdict.kind === 'skip') return wrapper.skip(verdict.text);
          // listr2 draws a failed task with its error's message in place of the title.
          if (verdict.kind === 'fail') throw new Error(verdict.text);
          wrapper.title = verdict.text;
        },
      })),
      {
        renderer: rendererFor(this),
        rendererOptions,
        concurrent: false,
        // After a failure the engine stops sending; the rest are skipped by close(), not failed.
        exitOnError: false,
        // Ctrl-C is the CLI's (src/cli/run.ts): listr2's handler would exit with its own code.
        registerSignalListeners: false,
      },
    );
  }

  /** Starts drawing. Call once, after the session agreed to show the list. */
  start(): void {
    if (this.#run) return;
    // If the process exits some other way while the list is drawn, the cursor comes back.
    process.once('exit', this.#onExit);
    this.#run = this.#listr.run().catch(() => this.abort());
  }

  /** Starts task `index` and returns its progress; the engine's order is the list's order. */
  task(index: number): Progress {
    const entry = this.#entries[index];
    if (!entry) throw new RangeError(`No task ${index} in a list of ${this.#entries.length}`);
    entry.started = true;
    const end = (kind: Verdict['kind'], text: string | undefined): void => {
      if (entry.verdict) return;
      entry.note = '';
      entry.settle({ kind, text: text ?? entry.latest });
    };
    return {
      update: (text) => {
        if (entry.verdict) return;
        entry.latest = text;
        // A status given as "title: status" (the gate waiting for AWS) goes on its own line under
        // the title: the title stays put, and the status is never broken by the wrap.
        const prefix = `${entry.title}: `;
        if (text.startsWith(prefix) && text.length > prefix.length) {
          entry.shown = entry.title;
          entry.note = text.slice(prefix.length);
        } else {
          entry.shown = text;
          entry.note = '';
        }
        show(entry);
      },
      succeed: (text) => end('ok', text),
      fail: (text) => end('fail', text),
      // Ended without a verdict: nothing to tick or cross.
      stop: () => end('skip', undefined),
    };
  }

  /**
   * Settles what is left (never started: skipped; running: failed, under its title) and
   * resolves once the final frame is on screen and the session wrote what it held back.
   */
  async close(): Promise<void> {
    this.#settleRest();
    await this.#run;
    // A list never started, or whose run failed, still leaves the session.
    this.#finish();
  }

  /**
   * Stops drawing at once: the tasks are marked as they stand (running: failed, not started:
   * skipped), the final frame is written and the cursor shown. Synchronous, for a process about to
   * exit; what follows is quiet.
   */
  abort(): void {
    if (this.#ended) return;
    for (const [i, task] of this.#listr.tasks.entries()) {
      const entry = this.#entries[i];
      if (!entry || task.hasFinalized()) continue;
      if (task.isPending()) {
        task.title$ = entry.title;
        task.state$ = ListrTaskState.FAILED;
      } else {
        task.message$ = { skip: skipped(entry.title) };
        task.state$ = ListrTaskState.SKIPPED;
      }
    }
    this.#renderer?.end();
    this.#settleRest();
    this.#finish();
  }

  /** Called by the renderer: the one it made for this list. */
  attach(renderer: RendererControl): void {
    this.#renderer = renderer;
  }

  /** Called by the renderer once its final frame is written and the stream released. */
  rendererEnded(): void {
    this.#finish();
  }

  /** The output channel listr2 draws through (the renderer undoes it if it was stopped early). */
  get processOutput(): ProcessOutput {
    return this.#output;
  }

  /** The spinner listr2 animates (the renderer stops it if it was stopped early). */
  get spinner(): Spinner {
    return this.#spinner;
  }

  #settleRest(): void {
    for (const entry of this.#entries) {
      if (entry.verdict) continue;
      entry.note = '';
      entry.settle(entry.started ? { kind: 'fail', text: entry.title } : { kind: 'skip', text: skipped(entry.title) });
    }
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    process.removeListener('exit', this.#onExit);
    this.#onEnd?.();
  }
}

/**
 * Shows `titles` as a task list on the session's terminal, or returns undefined when the session
 * cannot show one now (a prompt open, another list drawn, the session closed).
 */
export function startTaskList(session: TerminalSession, titles: readonly string[]): TerminalTaskList | undefined {
  const list: TerminalTaskList = new TerminalTaskList(titles, {
    stream: session.stream,
    color: session.look.color,
    onEnd: () => session.removeTaskList(list),
  });
  // Registered before it draws, so nothing else reaches the screen between its frames.
  if (!session.addTaskList(list)) return undefined;
  list.start();
  return list;
}

function newEntry(title: string): Entry {
  let settle: (verdict: Verdict) => void = () => {};
  const settled = new Promise<Verdict>((resolve) => {
    settle = resolve;
  });
  const entry: Entry = {
    title,
    shown: title,
    note: '',
    latest: title,
    started: false,
    verdict: undefined,
    settled,
    settle: (verdict) => {
      if (entry.verdict) return;
      entry.verdict = verdict;
      settle(verdict);
    },
  };
  return entry;
}

/** The text of a task that was never started. */
function skipped(title: string): string {
  return `${title} (skipped)`;
}

/** Puts an entry's title and status on its listr2 task, once that one runs. */
function show(entry: Entry): void {
  const w = entry.wrapper;
  if (!w || entry.verdict) return;
  if (w.title !== entry.shown) w.title = entry.shown;
  if ((w.output ?? '') !== entry.note) w.output = entry.note;
}

/** What a renderer made by {@link rendererFor} drives: a task list, or an organization run's progress. */
export interface RendererHost {
  attach(renderer: RendererControl): void;
  rendererEnded(): void;
  readonly spinner: { stop(): void };
  readonly processOutput: ProcessOutput;
  /** True when the host closed before the first frame and still owes its final frame. */
  readonly owesFinalFrame?: boolean;
}

/**
 * listr2's default renderer, for one list (or one organization run's progress):
 * - drawn on a terminal we chose (`nonTTY`: listr2's own check reads process.stdout, which may be
 *   a pipe while the terminal is stderr);
 * - ended once, whichever comes first (the run's end, a close or an abort), and silent
 *   afterwards, so a list stopped for an exiting process is not drawn a second time;
 * - closed before its first frame (`owesFinalFrame`): it draws the final frame once loaded;
 *   stopped before its first frame otherwise (an abort while listr2 was still loading): it
 *   releases the stream and stops its spinner as soon as it could have drawn, without drawing.
 */
export function rendererFor(host: RendererHost): typeof DefaultRenderer {
  return class HostRenderer extends DefaultRenderer {
    static override nonTTY = true;
    #state: 'loading' | 'drawing' | 'ended' = 'loading';

    constructor(tasks: ListrDefaultRendererTask[], options: ListrDefaultRendererOptions, events: ListrEventManager) {
      super(tasks, options, events);
      host.attach({ end: () => this.end() });
    }

    override async render(): Promise<void> {
      await super.render();
      if (this.#state === 'ended' && !host.owesFinalFrame) {
        host.spinner.stop();
        host.processOutput.release();
        return;
      }
      this.#state = 'drawing';
      if (host.owesFinalFrame) this.end();
      else this.update();
    }

    override update(): void {
      if (this.#state === 'drawing') super.update();
    }

    override end(): void {
      const was = this.#state;
      this.#state = 'ended';
      if (was !== 'drawing') return;
      super.end();
      host.rendererEnded();
    }
  };
}
