/**
 * The step contract, proven: a small step from a test fixture folder
 * (test/fixtures/steps/account-alias) is registered with one registry line and runs through
 * check, the wizard, plan and apply, the journal and the reports, against the emulator, with no
 * other file of rootlock touched.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListAccountAliasesCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { REGISTRY, step } from '../../src/engine/registry.js';
import { meta } from '../fixtures/steps/account-alias/meta.js';
import { createIamUserWithKey, MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock } from '../support/harness.js';

const emu = useEmulator();
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';

// The one registry line.
const registry = REGISTRY.with(step(meta, () => import('../fixtures/steps/account-alias/index.js')));

async function aliases(): Promise<string[]> {
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  return (await iam.send(new ListAccountAliasesCommand({}))).AccountAliases ?? [];
}

describe('a step added with one registry line', () => {
  it('check: assessed after the others, in the document and its exit code', async () => {
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    emu().layer.requests.length = 0;
    const r = await runRootlock(emu().endpoint, ['check', '--json', '--only', 'account-alias'], {
      credentials: alice,
      deps: { registry },
    });
    expect(r.json.steps.map((s: { id: string }) => s.id)).toEqual(['account-alias']);
    expect(r.json.steps[0]).toMatchObject({ status: 'fail', summary: 'The account has no alias.' });
    expect(r.json.steps[0].findings.map((f: { id: string }) => f.id)).toEqual(['account-alias.missing']);
    expect(r.code).toBe(1);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  });

  it('selection: unknown to the default registry, known to the extended one', async () => {
    expect(REGISTRY.stepIds).not.toContain('account-alias');
    expect(registry.stepIds.at(-1)).toBe('account-alias');
    expect(() => REGISTRY.selectEntries(['account-alias'])).toThrow(/Unknown step "account-alias"/);
  });

  it('wizard: asks, plans, applies through the gate, verifies by reading AWS; journal and report carry it', async () => {
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    const r = await runRootlock(emu().endpoint, ['--only', 'account-alias'], {
      credentials: alice,
      answers: { 'account-alias.name': 'example-prod', 'account-alias.apply': true },
      deps: { registry },
    });
    expect(r.code).toBe(0);
    expect(await aliases()).toEqual(['example-prod']);
    expect(r.output.text).toContain('Create the account alias example-prod');
    expect(r.output.text).toContain('PASS: The account has the alias example-prod.');
    expect(r.gate?.results.map((x) => [x.changeId, x.outcome])).toEqual([
      ['account-alias/create/example-prod', 'applied'],
    ]);
    const journal = readFileSync(r.journalPath!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      journal.filter((e) => e.type === 'assessment' && e.step === 'account-alias').map((e) => [e.phase, e.status]),
    ).toEqual([
      ['before', 'fail'],
      ['after', 'pass'],
    ]);
    const report = readFileSync(r.journalPath!.replace(/\.jsonl$/, '.md'), 'utf8');
    expect(report).toContain('account-alias');
    expect(report).toContain('iam:CreateAccountAlias');
    // A rerun changes nothing and asks nothing.
    const again = await runRootlock(emu().endpoint, ['--only', 'account-alias'], {
      credentials: alice,
      deps: { registry },
    });
    expect(again.code).toBe(0);
    expect(again.gate?.results).toEqual([]);
  });

  it('plan, then apply: the recorded change is sent exactly, and verified', async () => {
    const alice = await createIamUserWithKey(emu().endpoint, 'alice', ADMIN);
    const out = join(mkdtempSync(join(tmpdir(), 'rootlock-extra-step-')), 'plan.json');
    const planned = await runRootlock(emu().endpoint, ['plan', '--only', 'account-alias', '--out', out], {
      credentials: alice,
      answers: { 'account-alias.name': 'example-plan' },
      deps: { registry },
    });
    expect(planned.code).toBe(0);
    expect(await aliases()).toEqual([]);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.steps.map((s: { id: string }) => s.id)).toEqual(['account-alias']);
    expect(file.steps[0].changes.map((c: { operation: string; params: unknown }) => [c.operation, c.params])).toEqual([
      ['CreateAccountAlias', { AccountAlias: 'example-plan' }],
    ]);
    const applied = await runRootlock(emu().endpoint, ['apply', out], {
      credentials: alice,
      answers: { 'apply.confirm': true },
      deps: { registry },
    });
    expect(applied.code).toBe(0);
    expect(await aliases()).toEqual(['example-plan']);
    expect(applied.output.text).toContain('PASS: The account has the alias example-plan.');
  });
});
