import { describe, expect, it } from 'vitest';
import { createIamUserWithKey } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator();
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

describe('rootlock check --json against the emulator', () => {
  it('prints the rootlock.check/v1 document with all four steps, read-only', async () => {
    emu().layer.seedRoot('123456789012', { keys: [{ status: 'Active' }] });
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--regions', 'us-east-1'], { credentials: alice });
    const doc = r.json;
    expect(doc.schema).toBe('rootlock.check/v1');
    expect(doc.account).toEqual({ id: '123456789012', alias: null, type: 'standalone', organization: null });
    expect(doc.principal).toEqual({ arn: alice.arn, type: 'iam-user' });
    expect(doc.steps.map((s: { id: string }) => s.id)).toEqual([
      'admins',
      'ec2-roles',
      'billing-recovery',
      'root-keys',
    ]);
    for (const s of doc.steps) {
      expect(['pass', 'fail', 'manual', 'error']).toContain(s.status);
      expect(typeof s.summary).toBe('string');
      expect(Array.isArray(s.findings)).toBe(true);
    }
    const rootKeys = doc.steps.find((s: { id: string }) => s.id === 'root-keys');
    expect(rootKeys.status).toBe('fail');
    expect(rootKeys.findings.map((f: { id: string }) => f.id)).toContain('root-keys.present');
    expect(r.code).toBe(1);
    // The counted calls are the calls the emulator saw, and none of them changed anything.
    expect(doc.apiCalls.total).toBe(emu().layer.requests.length);
    expect(doc.apiCalls.byOperation['sts:GetCallerIdentity']).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });

  it('names the caller as root when signed with a root key', async () => {
    const { keys } = emu().layer.seedRoot('123456789012', { keys: [{ status: 'Active' }] });
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'root-keys'], { credentials: keys[0]! });
    expect(r.json.principal).toEqual({ arn: 'arn:aws:iam::123456789012:root', type: 'root' });
    expect(r.json.steps).toHaveLength(1);
  });

  it('exits 2 with a clear message when the endpoint is unreachable', async () => {
    const r = await runRootlock('http://127.0.0.1:9', ['check', '--json'], {
      credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) },
    });
    expect(r.code).toBe(2);
    expect(r.output.text).toMatch(/Could not reach http:\/\/127\.0\.0\.1:9/);
    expect(r.stdout).toBe('');
  });

  it('exits 2 when the credentials are refused', async () => {
    const { keys } = emu().layer.seedRoot('123456789012', { keys: [{ status: 'Inactive' }] });
    const r = await runRootlock(emu().endpoint, ['check', '--json'], { credentials: keys[0]! });
    expect(r.code).toBe(2);
    expect(r.output.text).toMatch(/refused the credentials \(InvalidClientTokenId\)/);
  });
});
