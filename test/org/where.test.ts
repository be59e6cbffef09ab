/**
 * Where `check --org` runs: the management account or a delegated administrator. Anywhere
 * else it stops before reading any member (exit 2) and says why.
 */
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator({ env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });

const errors = (lines: string[]) => lines.filter((l) => l.startsWith('[fail]')).join('\n');

describe('where check --org runs', () => {
  it('an account outside any organization: exit 2, nothing read beyond the organization question', async () => {
    const user = await createIamUserWithKey(emu().endpoint, 'ops');
    const r = await runRootlock(emu().endpoint, ['check', '--org', '--json'], { credentials: user });
    expect(r.code).toBe(2);
    expect(errors(r.output.lines)).toContain('is not in an AWS Organization, so --org has nothing to read');
    expect(r.stdout).toBe('');
    expect(emu().layer.requests.map((q) => q.operation)).not.toContain('ListRoots');
  });

  it('the root user: exit 2 (AWS refuses AssumeRoot and AssumeRole to root credentials)', async () => {
    const { keys } = emu().layer.seedRoot(undefined, { keys: [{}] });
    const r = await runRootlock(emu().endpoint, ['check', '--org'], {
      credentials: keys[0] as { accessKeyId: string; secretAccessKey: string },
    });
    expect(r.code).toBe(2);
    expect(errors(r.output.lines)).toContain('check --org cannot run as the root user');
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });
});
