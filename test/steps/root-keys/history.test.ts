import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyHistoryFromLines, readKeyHistory } from '../../../src/steps/root-keys/history.js';

const ACCT = '123456789012';
const K1 = 'AKIAKEYONEKEYONE0001';
const K2 = 'AKIAKEYTWOKEYTWO0002';

const line = (o: Record<string, unknown>) => JSON.stringify(o);
const start = (session: string, account = ACCT, dryRun = false) =>
  line({ ts: '2026-11-01T00:00:00Z', session, type: 'session-start', account, dryRun });
const end = (session: string, change: string, outcome = 'applied', ts = '2026-11-01T10:00:00Z') =>
  line({ ts, session, type: 'change-end', step: 'root-keys', change, outcome });
const wait = (session: string, keyIds: string[], revisitAfter: string) =>
  line({
    ts: '2026-11-01T10:01:00Z',
    session,
    type: 'answers',
    step: 'root-keys',
    answers: { action: 'wait', keyIds, waitDays: 14, revisitAfter },
  });

describe('keyHistoryFromLines', () => {
  it('records when rootlock deactivated a key and when the operator planned to come back', () => {
    const h = keyHistoryFromLines(
      [start('a'), end('a', `root-keys/deactivate/${K1}`), wait('a', [K1], '2026-11-15T10:00:00Z')],
      ACCT,
    );
    expect(h.get(K1)).toEqual({
      keyId: K1,
      deactivatedAt: new Date('2026-11-01T10:00:00Z'),
      revisitAfter: new Date('2026-11-15T10:00:00Z'),
    });
  });

  it('forgets keys reactivated or deleted later', () => {
    const h = keyHistoryFromLines(
      [
        start('a'),
        end('a', `root-keys/deactivate/${K1}`),
        end('a', `root-keys/deactivate/${K2}`),
        start('b'),
        end('b', `root-keys/reactivate/${K1}`, 'applied', '2026-11-02T00:00:00Z'),
        end('b', `root-keys/delete/${K2}`, 'already-done', '2026-11-02T00:00:00Z'),
      ],
      ACCT,
    );
    expect([...h.keys()]).toEqual([]);
  });

  it('ignores dry runs, failed calls, other accounts, other steps and torn lines', () => {
    const h = keyHistoryFromLines(
      [
        start('dry', ACCT, true),
        end('dry', `root-keys/deactivate/${K1}`, 'dry-run'),
        start('other', '999999999999'),
        end('other', `root-keys/deactivate/${K1}`),
        start('a'),
        end('a', `root-keys/deactivate/${K2}`, 'failed'),
        line({
          ts: '2026-11-01T10:00:00Z',
          session: 'a',
          type: 'change-end',
          step: 'admins',
          change: `root-keys/deactivate/${K2}`,
          outcome: 'applied',
        }),
        '{"ts":"2026-11-01T10:00:00Z","session":"a","type":"change-e',
        end('unknown-session', `root-keys/deactivate/${K1}`),
      ],
      ACCT,
    );
    expect([...h.keys()]).toEqual([]);
  });
});

describe('readKeyHistory', () => {
  it('reads every journal of the directory, oldest first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-history-'));
    writeFileSync(
      join(dir, '2026-11-01T00-00-00-000Z-a.jsonl'),
      [start('a'), end('a', `root-keys/deactivate/${K1}`)].join('\n'),
    );
    writeFileSync(
      join(dir, '2026-11-05T00-00-00-000Z-b.jsonl'),
      [
        start('b'),
        end('b', `root-keys/reactivate/${K1}`, 'applied', '2026-11-05T00:00:00Z'),
        end('b', `root-keys/deactivate/${K2}`, 'applied', '2026-11-05T01:00:00Z'),
      ].join('\n'),
    );
    writeFileSync(join(dir, 'notes.txt'), 'not a journal');
    const h = readKeyHistory(dir, ACCT);
    expect([...h.keys()]).toEqual([K2]);
    expect(h.get(K2)?.deactivatedAt).toEqual(new Date('2026-11-05T01:00:00Z'));
  });

  it('is empty for a directory that does not exist', () => {
    expect(readKeyHistory(join(tmpdir(), 'rootlock-no-such-dir-x7'), ACCT).size).toBe(0);
  });
});
