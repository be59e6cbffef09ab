/**
 * Earlier sessions, from their journals: when rootlock deactivated a root key and when the
 * operator planned to come back. AWS does not record when a key was deactivated, so a rerun
 * learns it here (only from journals in the same directory, for the same account).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseJournal, readJournalFile, type JournalRecord } from '../../engine/journal.js';
import { parseTime } from '../../util/time.js';

export interface KeyHistory {
  keyId: string;
  /** When a rootlock session deactivated the key (journal timestamp). */
  deactivatedAt?: Date;
  /** When the operator planned to come back and delete it. */
  revisitAfter?: Date;
}

interface Line {
  ts?: string;
  session?: string;
  type?: string;
  step?: string;
  change?: string;
  outcome?: string;
  account?: string;
  dryRun?: boolean;
  answers?: { action?: string; keyIds?: unknown; revisitAfter?: string };
}

const PREFIX = {
  deactivate: 'root-keys/deactivate/',
  reactivate: 'root-keys/reactivate/',
  delete: 'root-keys/delete/',
};

function date(v: string | undefined): Date | undefined {
  return v ? parseTime(v) : undefined;
}

/**
 * Folds journal lines (JSON, in time order) into per-key history for one account. Pure.
 * Dry-run sessions and other accounts are ignored; a reactivation or deletion clears the record.
 */
export function keyHistoryFromLines(lines: Iterable<string>, accountId: string): Map<string, KeyHistory> {
  // Each line is parsed as the journal reader parses a file: a torn line (crash mid-write) is skipped, not fatal.
  return keyHistoryFromRecords(
    [...lines].flatMap((line) => parseJournal(line)),
    accountId,
  );
}

/** {@link keyHistoryFromLines} for journal records already parsed (in time order). */
function keyHistoryFromRecords(records: readonly JournalRecord[], accountId: string): Map<string, KeyHistory> {
  const sessions = new Map<string, { account?: string; dryRun: boolean }>();
  const out = new Map<string, KeyHistory>();
  const entry = (keyId: string): KeyHistory => {
    let h = out.get(keyId);
    if (!h) {
      h = { keyId };
      out.set(keyId, h);
    }
    return h;
  };
  for (const record of records) {
    const l = record as Line;
    if (!l.session) continue;
    if (l.type === 'session-start') {
      sessions.set(l.session, { account: l.account, dryRun: Boolean(l.dryRun) });
      continue;
    }
    const s = sessions.get(l.session);
    if (!s || s.dryRun || s.account !== accountId || l.step !== 'root-keys') continue;
    if (l.type === 'change-end' && (l.outcome === 'applied' || l.outcome === 'already-done') && l.change) {
      if (l.change.startsWith(PREFIX.deactivate))
        entry(l.change.slice(PREFIX.deactivate.length)).deactivatedAt = date(l.ts);
      else if (l.change.startsWith(PREFIX.reactivate) || l.change.startsWith(PREFIX.delete)) {
        out.delete(l.change.slice((l.change.startsWith(PREFIX.delete) ? PREFIX.delete : PREFIX.reactivate).length));
      }
    } else if (l.type === 'answers' && l.answers?.action === 'wait' && Array.isArray(l.answers.keyIds)) {
      const when = date(l.answers.revisitAfter);
      for (const id of l.answers.keyIds) if (typeof id === 'string' && when) entry(id).revisitAfter = when;
    }
  }
  return out;
}

/** Reads every journal in `dir` (oldest first; file names start with the session's start time). */
export function readKeyHistory(dir: string, accountId: string): Map<string, KeyHistory> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
  } catch {
    return new Map();
  }
  const records: JournalRecord[] = [];
  for (const f of files) {
    try {
      records.push(...readJournalFile(join(dir, f)));
    } catch {
      // unreadable journal: history is a convenience, never a reason to stop
    }
  }
  return keyHistoryFromRecords(records, accountId);
}
