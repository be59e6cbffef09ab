/**
 * `check --org` in a real terminal: the progress is a task list of the accounts in flight and a
 * counter, drawn in place (never a line per account), and gone before the summary table; without
 * a terminal, one plain line per account. Last, `fix --org` answered at the keyboard: its
 * questions come after the progress is gone, the typed count refuses a wrong number and asks
 * again, and the members end without root credentials.
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

describe('fix --org at the keyboard', () => {
  it('asks once the reading is drawn and gone, re-asks a wrong typed count, and removes the credentials', async () => {
    const env = rootlockEnv({ endpoint: emu().endpoint, home: tempHome(), credentials: org.operator });
    const pty = startRootlock(['fix', '--org', '--concurrency', '4'], {
      env,
      cols: 100,
      rows: 40,
      waitTimeoutMs: 180_000,
    });
    // The kinds of root credential, all checked by default.
    await pty.waitFor('Which root credentials of member accounts should be deleted?');
    pty.press('enter');
    await pty.waitFor(/Accounts: 31 of 31 read/);
    await pty.waitFor('where you have turned on IAM user and role access to Billing information');
    pty.press('enter');
    await pty.waitFor('accept that IAM access to billing can be turned on only after');
    pty.type('y');
    pty.press('enter');
    const withCredentials = org.members.filter((m) =>
      ['root-key', 'root-certificate', 'root-password', 'root-mfa'].includes(m.kind),
    ).length;
    await pty.waitFor(`This deletes root credentials in ${withCredentials} account(s).`);
    // The progress is gone from the screen while the question is on it.
    expect(pty.screen.visible().join('\n')).not.toMatch(/reading \d{12}/);
    pty.type(String(withCredentials + 1));
    pty.press('enter');
    await pty.waitFor(`type the number of accounts, ${withCredentials}, to go on`);
    for (let i = 0; i < 4; i++) pty.press('backspace');
    pty.type(String(withCredentials));
    pty.press('enter');
    expect(await pty.waitForExit(240_000), pty.text().slice(-3000)).toBe(0);
    expect(pty.text()).toContain('Organization fix: outcome per account');
    for (const m of org.members) {
      const r = emu().layer.root(m.id);
      expect([r.rootKeys.length, r.certificates.length, r.password ? 1 : 0, r.mfaDevices.length], m.id).toEqual([
        0, 0, 0, 0,
      ]);
    }
  }, 300_000);
});
