import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seedNewAccount } from '../support/seed.js';
import { useEmulator } from '../support/emulator.js';
import { AffirmativePrompter, mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator();

describe('dry-run', () => {
  it('answers yes to everything and the emulator receives zero mutating requests', async () => {
    const { root } = await seedNewAccount(emu());
    emu().layer.requests.length = 0;
    const prompter = new AffirmativePrompter();
    const r = await runRootlock(emu().endpoint, ['--dry-run', '--regions', 'us-east-1'], {
      credentials: root,
      prompter,
    });
    // It did walk the steps and plan changes ...
    expect(r.gate?.results.length ?? 0).toBeGreaterThan(0);
    expect(r.gate?.results.every((x) => x.outcome === 'dry-run')).toBe(true);
    expect(r.output.text).toMatch(/Dry run: \d+ changes? shown, none sent/);
    // ... printed the API call of each planned change ...
    const planned = readFileSync(r.journalPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'plan')
      .flatMap((e) => e.changes as Array<{ service: string; operation: string }>);
    expect(planned.length).toBe(r.gate?.results.length);
    for (const c of planned) expect(r.output.text).toContain(`${c.service}:${c.operation} `);
    // ... and sent none of them.
    expect(emu().layer.requests.length).toBeGreaterThan(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    expect(r.output.secrets).toEqual([]);
  });
});
