/**
 * The journal: an append-only JSON-lines record per session, written before and after
 * every mutating call, with owner-only permissions. Nothing secret is ever written:
 * entries are redacted on the way in.
 */
import { appendFileSync, chmodSync, closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { escapeJsonForTerminal } from '../util/json.js';
import { redact } from '../util/text.js';

export type JournalEntry =
  | {
      type: 'session-start';
      command: string;
      dryRun: boolean;
      account: string;
      principal: string;
      version: string;
      /** Added for reports: the account alias, the principal's type and the session's region. */
      alias?: string | null;
      principalType?: string;
      region?: string;
      /** The account's kind (standalone, management, member, delegated-admin, unknown) and its organization. */
      accountType?: string;
      organizationId?: string;
      managementAccountId?: string;
    }
  | { type: 'answers'; step: string; answers: unknown }
  | { type: 'attestation'; step: string; item: string; by: string; statement: string; at?: string }
  | { type: 'plan'; step: string; changes: unknown[] }
  | { type: 'change-start'; step: string; change: string; operation: string; params: unknown; dryRun: boolean }
  | {
      type: 'change-end';
      step: string;
      change: string;
      operation: string;
      outcome: string;
      response?: unknown;
      error?: unknown;
      /** Set when the call was sent more than once, an answer was lost, or AWS was read back to settle it. */
      sends?: number;
      lostAnswers?: number;
      reconciled?: boolean;
    }
  | { type: 'verify'; step: string; status: string; summary: string }
  /**
   * A step's assessment, before any change (`before`) and after each verification (`after`): what
   * reports are built from.
   */
  | {
      type: 'assessment';
      step: string;
      phase: 'before' | 'after';
      status: string;
      summary: string;
      findings: unknown[];
    }
  /** The read-only next steps beyond the four (src/steps/next-steps), once per session. */
  | { type: 'next-steps'; items: unknown[] }
  /** Root handed the rest of the session to an admin profile: who acts from here, for which steps. */
  | { type: 'session-switch'; principal: string; principalType: string; profile: string; steps: string[] }
  /** An organization fix: how one account's part ended (the organization journal; resume reads it). */
  | {
      type: 'org-account';
      planId: string;
      account: string;
      outcome: string;
      reason?: string;
      results?: unknown[];
      alreadyInPlace?: string[];
    }
  /** An organization fix's preflight: accounts refused by their SCPs, what the operator accepted, what was left out. */
  | {
      type: 'org-preflight';
      refused: Record<string, string>;
      recentUseConfirmed: string[];
      billingAccess: { attested: string[]; acceptedForRest: boolean };
      withheld: Record<string, string[]>;
    }
  | { type: 'session-end'; outcome: string };

/** Where journals live: $ROOTLOCK_HOME/journal, or ~/.rootlock/journal. */
export function defaultJournalDir(): string {
  return join(process.env.ROOTLOCK_HOME ?? join(homedir(), '.rootlock'), 'journal');
}

export interface Journal {
  readonly path: string | undefined;
  write(entry: JournalEntry): void;
}

/** A journal that records nothing (check mode). */
export const nullJournal: Journal = { path: undefined, write: () => {} };

/**
 * Opens a new journal file for a session. Each write is appended synchronously, so a crash loses nothing written.
 * The directory is made owner-only (0700) and the file 0600, also when they already existed with wider modes.
 */
export function openJournal(opts: { dir?: string; sessionId: string; now: Date }): Journal {
  const dir = opts.dir ?? defaultJournalDir();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const stamp = opts.now.toISOString().replace(/[:.]/g, '-');
  const path = join(dir, `${stamp}-${opts.sessionId}.jsonl`);
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
  return {
    path,
    write(entry) {
      // Account data reaches the journal (instance names in answers, for one); JSON escapes C0 controls
      // but not C1 controls (U+009B is a one-byte CSI) or bidi overrides, which `cat` or `less -r` would
      // hand to a terminal: those are written as \uNNNN too, so every line stays exact JSON and inert text.
      const line = escapeJsonForTerminal(
        JSON.stringify({ ts: new Date().toISOString(), session: opts.sessionId, ...(redact(entry) as object) }),
      );
      appendFileSync(path, `${line}\n`, { mode: 0o600 });
    },
  };
}

/**
 * One journal line as read back: any JSON object. Journals outlive versions of rootlock and may
 * be edited or cut short, so readers check every field they use rather than trust a type.
 */
export type JournalRecord = Record<string, unknown> & { type?: string; ts?: string; session?: string };

/**
 * Parses journal text: one JSON object a line. A line that is not JSON (the last one, cut short
 * by a crash mid-write, or one damaged later), a blank line, and a JSON value that is not an
 * object are skipped, so whatever a session managed to write can still be read.
 */
export function parseJournal(text: string): JournalRecord[] {
  const out: JournalRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const v: unknown = JSON.parse(line);
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as JournalRecord);
    } catch {
      // a line cut short by a crash
    }
  }
  return out;
}

/**
 * Reads and parses one journal file (see {@link parseJournal}).
 * @throws the file system's error when the file cannot be read; each caller decides what that means.
 */
export function readJournalFile(path: string): JournalRecord[] {
  return parseJournal(readFileSync(path, 'utf8'));
}

/** What an earlier, interrupted session of the same account left unfinished. */
export interface InterruptedSession {
  path: string;
  /** Changes whose start was journaled but whose end was not: they may or may not have reached AWS. */
  inFlight: Array<{ step: string; change: string; operation: string }>;
  ended: boolean;
}

/**
 * Finds the newest earlier journal of this account that did not end cleanly. Resumption
 * trusts AWS, not the journal: the caller re-reads state; this only tells the operator
 * which change was in flight so it can be checked.
 */
export function findInterrupted(dir: string, accountId: string): InterruptedSession | undefined {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort()
      .reverse();
  } catch {
    return undefined;
  }
  for (const f of files.slice(0, 20)) {
    const path = join(dir, f);
    let entries: JournalRecord[];
    try {
      entries = readJournalFile(path);
    } catch {
      continue; // an unreadable journal tells nothing about this account
    }
    const start = entries.find((e) => e.type === 'session-start');
    if (!start || start.account !== accountId || start.dryRun) continue;
    const ended = entries.some((e) => e.type === 'session-end' && e.outcome === 'completed');
    const open = new Map<string, { step: string; change: string; operation: string }>();
    for (const e of entries) {
      if (e.type === 'change-start' && !e.dryRun)
        open.set(String(e.change), { step: String(e.step), change: String(e.change), operation: String(e.operation) });
      if (e.type === 'change-end') open.delete(String(e.change));
    }
    if (ended) return undefined; // the newest session of this account finished
    return { path, inFlight: [...open.values()], ended };
  }
  return undefined;
}
