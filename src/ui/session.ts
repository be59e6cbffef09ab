/**
 * The terminal the UI draws on, shared by the output and the prompter so that a
 * spinner and a prompt are never on screen at the same time.
 *
 * Rules it enforces:
 * - while a prompt is open ({@link TerminalSession.whilePrompting}), every spinner is
 *   stopped and erased, and anything written through the session is held back and
 *   written, in order, when the prompt closes;
 * - spinners stack: a progress started while another runs hides the outer one until
 *   it ends, so there is at most one spinner drawing at a time;
 * - every write erases the visible spinner frame first and redraws it after, so
 *   messages never land in the middle of a frame;
 * - while a task list is drawn ({@link TerminalSession.addTaskList}), it owns the screen like a
 *   prompt does: spinners are hidden and writes held back until it is removed, because its
 *   redraws move the cursor over the lines it drew and would overwrite or split anything else.
 */
import type { Look } from './style.js';

/** A writable stream, possibly a terminal. */
export type SessionStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/** What the session needs from a spinner. Implemented over ora in ./output.ts. */
export interface SessionSpinner {
  /** Start drawing (and animating). */
  show(): void;
  /** Stop animating and erase the frame. */
  hide(): void;
  /** Erase the current frame, keeping the animation (before someone else writes). */
  clear(): void;
  /** Draw the current frame again (after someone else wrote). */
  render(): void;
}

/** What the session needs from a task list drawn on its stream. Implemented over listr2 in ./tasks.ts. */
export interface SessionTaskList {
  /**
   * Stops drawing at once, leaving the list as it stands on screen with the cursor shown; for
   * {@link TerminalSession.close} (the process may exit right after) and prompts. Idempotent.
   */
  abort(): void;
}

/** Options for {@link TerminalSession}. */
export interface TerminalSessionOptions {
  /** Where messages, spinners and prompts go. Defaults to `process.stderr`. */
  stream?: SessionStream;
  /** Where prompts read keys from. Defaults to `process.stdin`. */
  input?: NodeJS.ReadableStream;
  /** Whether to use ANSI colours; decided by the caller (see `resolveColor`). */
  color: boolean;
  /** Whether an operator is at a terminal (spinners, prompts); decided by the caller. */
  interactive: boolean;
}

/** Shared terminal state; create one per run and give it to the output and the prompter. */
export class TerminalSession {
  readonly stream: SessionStream;
  readonly input: NodeJS.ReadableStream;
  readonly color: boolean;
  readonly interactive: boolean;

  readonly #spinners: SessionSpinner[] = [];
  #visible: SessionSpinner | undefined;
  #promptDepth = 0;
  #taskList: SessionTaskList | undefined;
  readonly #held: Array<{ target: NodeJS.WritableStream; text: string }> = [];
  #closed = false;

  constructor(options: TerminalSessionOptions) {
    this.stream = options.stream ?? process.stderr;
    this.input = options.input ?? process.stdin;
    this.color = options.color;
    this.interactive = options.interactive;
  }

  /** True when the stream is a terminal (secrets are shown only then). */
  get isTerminal(): boolean {
    return this.stream.isTTY === true;
  }

  /** Whether spinners are drawn: only for an operator at a real terminal. */
  get animates(): boolean {
    return this.interactive && this.isTerminal;
  }

  /** The visual style: colour, and Unicode symbols only when interactive with colour. */
  get look(): Look {
    return { color: this.color, unicode: this.color && this.interactive };
  }

  /** True while a prompt is open. */
  get promptActive(): boolean {
    return this.#promptDepth > 0;
  }

  /** True while a task list is drawn: writes are held back until it is removed. */
  get taskListActive(): boolean {
    return this.#taskList !== undefined;
  }

  /** The spinner currently drawing, if any (for tests and diagnostics). */
  get visibleSpinner(): SessionSpinner | undefined {
    return this.#visible;
  }

  /**
   * Runs `ask` (which shows a prompt) with every spinner stopped and erased, and
   * output held back; afterwards writes what was held and resumes the innermost
   * spinner. Nested calls are fine.
   */
  async whilePrompting<T>(ask: () => Promise<T>): Promise<T> {
    // A task list must never be on screen under a prompt: freeze it where it stands first.
    this.#taskList?.abort();
    this.#promptDepth += 1;
    this.#sync();
    try {
      return await ask();
    } finally {
      this.#promptDepth -= 1;
      if (this.#promptDepth === 0) this.#flush();
      this.#sync();
    }
  }

  /**
   * Writes text as is (nothing is stripped or escaped) to `target` (default: the
   * session's stream), around the visible spinner; held back while a prompt is open.
   */
  write(text: string, target: NodeJS.WritableStream = this.stream): void {
    if (this.#promptDepth > 0 || this.#taskList !== undefined) {
      this.#held.push({ target, text });
      return;
    }
    const spinner = this.#visible;
    spinner?.clear();
    target.write(text);
    spinner?.render();
  }

  /** Registers a started progress; it becomes the one drawing unless a prompt is open. */
  addSpinner(spinner: SessionSpinner): void {
    if (this.#closed || this.#spinners.includes(spinner)) return;
    this.#spinners.push(spinner);
    this.#sync();
  }

  /**
   * Unregisters a progress: erases it, writes its final line (if any) and lets the
   * spinner it covered draw again.
   */
  removeSpinner(spinner: SessionSpinner, finalText?: string): void {
    const index = this.#spinners.indexOf(spinner);
    if (index !== -1) this.#spinners.splice(index, 1);
    if (this.#visible === spinner) {
      spinner.hide();
      this.#visible = undefined;
    }
    if (finalText !== undefined) this.write(finalText);
    this.#sync();
  }

  /**
   * Registers a task list that is about to draw: spinners are hidden and writes held back until
   * {@link TerminalSession.removeTaskList}. One at a time; false (and nothing changes) when
   * another is drawn, a prompt is open or the session is closed: the caller must not draw then.
   */
  addTaskList(list: SessionTaskList): boolean {
    if (this.#closed || this.#taskList !== undefined || this.#promptDepth > 0) return false;
    this.#taskList = list;
    this.#sync();
    return true;
  }

  /**
   * Unregisters a task list once its final frame is on screen: writes what was held back, in
   * order, and lets the spinners draw again.
   */
  removeTaskList(list: SessionTaskList): void {
    if (this.#taskList !== list) return;
    this.#taskList = undefined;
    if (this.#promptDepth === 0) this.#flush();
    this.#sync();
  }

  /**
   * Stops every spinner (restoring the cursor) and writes anything held back. Call it
   * before the process exits, including on errors and signals. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // A task list first: its frame stays on screen and what it held back is written under it.
    const list = this.#taskList;
    this.#taskList = undefined;
    list?.abort();
    this.#spinners.length = 0;
    this.#promptDepth = 0;
    this.#sync();
    this.#flush();
  }

  /** Makes the drawing spinner the innermost one, or none while a prompt or a task list is open. */
  #sync(): void {
    const covered = this.#promptDepth > 0 || this.#taskList !== undefined || this.#closed;
    const wanted = covered ? undefined : this.#spinners.at(-1);
    if (wanted === this.#visible) return;
    this.#visible?.hide();
    this.#visible = wanted;
    wanted?.show();
  }

  #flush(): void {
    for (const { target, text } of this.#held.splice(0)) this.write(text, target);
  }
}
