/**
 * A root signing certificate change whose answer is lost: through the fault proxy, the first
 * UpdateSigningCertificate and each DeleteSigningCertificate is applied by the emulator and then
 * its answer lost (the connection dropped, or an HTTP 500). The gate settles each with the step's
 * read-back (ListSigningCertificates without UserName) instead of sending it again.
 */
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../../support/emulator.js';
import type { FaultKind } from '../../support/fault-proxy.js';
import { runRootlock } from '../../support/harness.js';
import { changeEnds, fastClock, useFaultProxy } from '../../resilience/support.js';
import { ACCT, FAST } from './support.js';

const emu = useEmulator();
const proxy = useFaultProxy(emu);
const CERT_OPS = ['iam:UpdateSigningCertificate', 'iam:DeleteSigningCertificate'];

describe('root signing certificate changes with a lost answer', () => {
  it.each<FaultKind>(['drop-after', 'error-after'])(
    '%s: read back and found in place, never sent twice',
    async (kind) => {
      const { keys } = emu().layer.seedRoot(ACCT, {
        keys: [{}],
        certificates: [{ status: 'Active' }, { status: 'Inactive' }],
        mfaEnabled: true,
      });
      const ids = emu()
        .layer.root(ACCT)
        .certificates.map((c) => c.certificateId);
      proxy().configure([{ kind, match: CERT_OPS, firstOfEach: true }]);
      const r = await runRootlock(proxy().url, ['--only', 'root-keys', ...FAST], {
        credentials: keys[0]!,
        answers: {
          'root-keys.override': ACCT,
          'root-keys.active': 'deactivate',
          'root-keys.apply': true,
          'root-keys.inactive': 'delete',
          'root-keys.session-key': 'stop',
        },
        deps: { clock: fastClock },
      });
      // AWS state: both certificates gone.
      expect(emu().layer.root(ACCT).certificates).toEqual([]);
      // Each change reached AWS exactly once, and its answer was lost every time.
      const sent = proxy().calls.filter((c) => CERT_OPS.includes(`${c.service}:${c.operation}`));
      expect(sent.map((c) => [c.operation, c.fault, c.upstreamStatus])).toEqual([
        ['UpdateSigningCertificate', kind, 200],
        ['DeleteSigningCertificate', kind, 200],
        ['DeleteSigningCertificate', kind, 200],
      ]);
      // Settled by reading the root user's certificates back (no UserName).
      const ends = changeEnds(r.journalPath);
      for (const id of [
        `root-keys/deactivate-certificate/${ids[0]}`,
        `root-keys/delete-certificate/${ids[0]}`,
        `root-keys/delete-certificate/${ids[1]}`,
      ]) {
        expect(ends.get(id), id).toMatchObject({ outcome: 'applied', lostAnswers: 1, reconciled: true });
      }
      expect(proxy().calls.filter((c) => c.operation === 'ListSigningCertificates').length).toBeGreaterThanOrEqual(4);
      expect(r.output.text).toContain('FAIL: The root user has 1 access key (1 active).');
    },
  );
});
