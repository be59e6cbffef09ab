import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultJournalDir, findInterrupted, openJournal, parseJournal } from '../../src/engine/journal.js';

const start = (account: string) => ({
  type: 'session-start' as const,
  command: 'wizard',
  dryRun: false,
  account,
  principal: 'arn',
  version: '0',
});

describe('journal', () => {
  it('is owner-only, one JSON object a line, with secrets redacted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'j-'));
    const j = openJournal({ dir, sessionId: 's1', now: new Date('2026-11-28T12:00:00Z') });
    j.write(start('123456789012'));
    j.write({
      type: 'change-start',
      step: 'admins',
      change: 'c',
      operation: 'iam:CreateLoginProfile',
      params: { UserName: 'a', Password: 'hunter2hunter2' },
      dryRun: false,
    });
    const text = readFileSync(j.path!, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['session-start', 'change-start']);
    expect(statSync(j.path!).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
  });

  it('makes a directory that already existed owner-only, the default one under ROOTLOCK_HOME too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'j-'));
    chmodSync(dir, 0o755);
    openJournal({ dir, sessionId: 's2', now: new Date('2026-11-28T12:00:00Z') });
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const home = mkdtempSync(join(tmpdir(), 'home-'));
    mkdirSync(join(home, 'journal'), { mode: 0o755 });
    chmodSync(join(home, 'journal'), 0o755);
    const before = process.env.ROOTLOCK_HOME;
    process.env.ROOTLOCK_HOME = home;
    try {
      expect(defaultJournalDir()).toBe(join(home, 'journal'));
      openJournal({ sessionId: 's3', now: new Date('2026-11-28T12:00:00Z') });
    } finally {
      if (before === undefined) delete process.env.ROOTLOCK_HOME;
      else process.env.ROOTLOCK_HOME = before;
    }
    expect(statSync(join(home, 'journal')).mode & 0o777).toBe(0o700);
  });

  it('finds the change that was in flight when a session was killed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'j-'));
    const j = openJournal({ dir, sessionId: 'old', now: new Date('2026-11-28T12:00:00Z') });
    j.write(start('123456789012'));
    j.write({
      type: 'change-start',
      step: 'admins',
      change: 'a',
      operation: 'iam:CreateUser',
      params: {},
      dryRun: false,
    });
    j.write({ type: 'change-end', step: 'admins', change: 'a', operation: 'iam:CreateUser', outcome: 'applied' });
    j.write({
      type: 'change-start',
      step: 'admins',
      change: 'b',
      operation: 'iam:AddUserToGroup',
      params: {},
      dryRun: false,
    });
    appendFileSync(j.path!, '{"type":"change-en'); // the crash cut the last line short
    const found = findInterrupted(dir, '123456789012');
    expect(found?.path).toBe(j.path);
    expect(found?.inFlight).toEqual([{ step: 'admins', change: 'b', operation: 'iam:AddUserToGroup' }]);
    expect(findInterrupted(dir, '999999999999')).toBeUndefined();
    // A later session that completed means nothing is pending.
    const k = openJournal({ dir, sessionId: 'new', now: new Date('2026-11-28T13:00:00Z') });
    k.write(start('123456789012'));
    k.write({ type: 'session-end', outcome: 'completed' });
    expect(findInterrupted(dir, '123456789012')).toBeUndefined();
  });
});

describe('parseJournal', () => {
  it('skips torn and foreign lines', () => {
    expect(parseJournal('{"type":"a"}\n\n[1,2]\nnot json\n{"type":"b"}\n{"type":"c"')).toEqual([
      { type: 'a' },
      { type: 'b' },
    ]);
  });
});
