/**
 * Files rootlock writes are owner-only even when they were already there with wider permissions:
 * the plan of `rootlock plan --out FILE` (0600) and the journal directory (0700), as the reports are.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { runRootlock } from '../support/harness.js';

const emu = useEmulator();
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('files that already existed are made owner-only', { timeout: 60_000 }, () => {
  it('plan --out over a 0644 file, with a 0755 journal directory: 0600 and 0700 afterwards', async () => {
    emu().layer.seedRoot('123456789012', { keys: [], mfaEnabled: true });
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-modes-'));
    const out = join(dir, 'plan.json');
    writeFileSync(out, 'an older plan\n', { mode: 0o644 });
    chmodSync(out, 0o644);
    const journalDir = join(dir, 'journal');
    mkdirSync(journalDir, { mode: 0o755 });
    chmodSync(journalDir, 0o755);

    const r = await runRootlock(emu().endpoint, ['plan', '--out', out, '--only', 'root-keys'], {
      credentials: alice,
      journalDir,
    });
    expect(r.code, r.output.text).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).schema).toMatch(/^rootlock\.plan/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(statSync(journalDir).mode & 0o777).toBe(0o700);
  });
});
