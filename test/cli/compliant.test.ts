/**
 * Nothing to answer when nothing needs changing: on a fully compliant account, `rootlock plan`
 * and `rootlock fix` without a terminal finish with an empty plan and exit 0 (offers to change
 * what already passes are not asked there), and nothing is sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedAccount, tempHome } from '../e2e/helpers.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests } from '../support/harness.js';
import { rootlockEnv, runPiped } from '../support/pty.js';

const emu = useEmulator();

describe('a compliant account, without a terminal', () => {
  it('plan --out: an empty plan, exit 0, no question', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, rootMfa: true, admins: ['alice', 'bob'], contacts: true });
    const home = tempHome();
    const out = join(home, 'plan.json');
    emu().layer.requests.length = 0;
    const run = await runPiped(['plan', '--out', out, '--regions', 'us-east-1'], {
      env: rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.admin }),
      stdin: 'null',
    });
    expect(run.stderr).not.toContain('needs an answer');
    expect(run.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8')).steps).toEqual([]);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });

  it('fix: nothing asked, nothing sent, exit 0', async () => {
    const seeded = await seedAccount(emu(), { rootKeys: 0, rootMfa: true, admins: ['alice', 'bob'], contacts: true });
    const home = tempHome();
    emu().layer.requests.length = 0;
    const run = await runPiped(['fix', '--regions', 'us-east-1'], {
      env: rootlockEnv({ endpoint: emu().endpoint, home, credentials: seeded.admin }),
      stdin: 'null',
    });
    expect(run.stderr).not.toContain('needs an answer');
    expect(run.code).toBe(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });
});
