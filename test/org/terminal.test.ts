/**
 * `check --org` in a real terminal: the progress is a task list of the accounts in flight and a
 * counter, drawn in place (never a line per account), and gone before the summary table; without
 * a terminal, one plain line per account.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { removeTempHomes, tempHome } from '../e2e/helpers.js';
import { useEmulator } from '../support/emulator.js';
import { buildOrgFixture, MEMBER_ROLE, type OrgFixture } from '../support/org-fixture.js';
import { assertFreshBuild, rootlockEnv, runPiped, startRootlock } from '../support/pty.js';
import { afterAll } from 'vitest';

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });
let org: OrgFixture;

beforeAll(async () => {
  assertFreshBuild();
  org = await buildOrgFixture(emu(), { members: 30 });
}, 300_000);
afterAll(() => removeTempHomes());

const ARGS = ['check', '--org', '--member-role', MEMBER_ROLE, '--regions', 'us-east-1', '--concurrency', '4'];

describe('check --org progress', () => {
  it('in a terminal: a counter and the accounts in flight, drawn in place, then the table', async () => {
    const env = rootlockEnv({ endpoint: emu().endpoint, home: tempHome(), credentials: org.operator });
    const pty = startRootlock(ARGS, { env, cols: 100, rows: 40, waitTimeoutMs: 180_000 });
    expect(await pty.waitForExit(180_000), pty.text().slice(-3000)).toBe(1);
    const text = pty.text();
    expect(text).toMatch(/Accounts: 31 of 31 read/);
    expect(text).toContain('Organization summary');
    // Drawn in place: the final screen holds the table, not one progress line per account.
    const screen = pty.screen.visible().join('\n');
    expect(screen.match(/reading \d{12}/g) ?? []).toEqual([]);
    expect(text).not.toMatch(/\[\d+\/31\]/);
  }, 240_000);

  it('without a terminal: one plain line per account, no escape sequences', async () => {
    const env = rootlockEnv({ endpoint: emu().endpoint, home: tempHome(), credentials: org.operator });
    const piped = await runPiped(ARGS, { env, timeoutMs: 180_000 });
    expect(piped.code, piped.stderr.slice(0, 3000)).toBe(1);
    expect((piped.stderr.match(/^\[info\] \[\d+\/31\] \d{12} /gm) ?? []).length).toBe(31);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for escape sequences
    expect(piped.stderr).not.toMatch(/\x1b\[/);
  }, 240_000);
});
