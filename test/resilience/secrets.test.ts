/**
 * Secrets stay where they belong. Every mode runs end to end with a known secret generator:
 * the wizard, fix, check (text and JSON), plan then apply, and dry-run. The generated console
 * passwords and the account's secret access keys (both root keys and the first admin's) are
 * then searched for in everything the run produced: output lines, stdout, anything written to
 * the process's own stdout and stderr, the journal, plan files and every file in the session
 * directories. The one place a generated password may appear is the single display through
 * Output.secret (RecordingOutput.secrets); secret access keys may appear nowhere.
 */
import { readdirSync, readFileSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { runRootlock, type RunResult, type ScriptedAnswer } from '../support/harness.js';
import { fastClock, onboardingAnswers, REGION_FLAGS, seedAccount, type NewAccount } from './support.js';

const emu = useEmulator();

/** Known, recognisable secrets: valid under any IAM password policy, unique per call. */
function knownGenerator() {
  const made: string[] = [];
  return {
    made,
    generate: () => {
      const s = `Kn0wn!Secret-${made.length + 1}-${Math.random().toString(36).slice(2, 10)}Zz#`;
      made.push(s);
      return s;
    },
  };
}

/** Everything the process writes to its real stdout and stderr while a test runs. */
let stray = '';
const originals = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
beforeEach(() => {
  stray = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stray += String(chunk);
    return (originals.out as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    stray += String(chunk);
    return (originals.err as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
});
afterEach(() => {
  process.stdout.write = originals.out;
  process.stderr.write = originals.err;
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const figures = { runs: 0, places: 0, secretsSearched: 0, found: 0 };

/** Where a value was found, outside the single intended display. */
function leaks(values: string[], runs: RunResult[], dirs: string[]): string[] {
  const places: Array<[string, string]> = [['stray stdout/stderr', stray]];
  for (const [i, r] of runs.entries()) {
    places.push([`run ${i} output lines`, r.output.text], [`run ${i} stdout`, r.stdout]);
  }
  for (const d of dirs) for (const f of filesUnder(d)) places.push([f, readFileSync(f, 'utf8')]);
  figures.places += places.length;
  figures.secretsSearched += values.length;
  const found: string[] = [];
  for (const v of values)
    for (const [where, text] of places) if (text.includes(v)) found.push(`${v.slice(0, 6)}… in ${where}`);
  figures.found += found.length;
  return found;
}

const accountSecrets = (a: NewAccount) => [
  a.root.secretAccessKey,
  a.otherRootKey.secretAccessKey,
  a.firstAdmin.secretAccessKey,
];

async function run(
  argv: string[],
  acct: NewAccount,
  gen: ReturnType<typeof knownGenerator>,
  journalDir: string,
  answers: Record<string, ScriptedAnswer> = {},
) {
  figures.runs += 1;
  return runRootlock(emu().endpoint, [...argv, ...REGION_FLAGS], {
    credentials: acct.root,
    answers,
    journalDir,
    generateSecret: gen.generate,
    deps: { clock: fastClock },
  });
}

describe('secrets appear only in their single display', { timeout: 180_000 }, () => {
  it('wizard, then check and check --json on the result', async () => {
    const acct = await seedAccount(emu());
    const gen = knownGenerator();
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-secrets-'));
    const wizard = await run([], acct, gen, dir, onboardingAnswers(acct.instanceIds));
    expect(gen.made).toHaveLength(1);
    expect(wizard.output.secrets).toEqual([
      { label: 'one-time console password for second-admin', value: gen.made[0] },
    ]);
    const check = await run(['check'], acct, gen, dir);
    const json = await run(['check', '--json'], acct, gen, dir);
    expect(json.json.schema).toBe('rootlock.check/v1');
    expect(gen.made).toHaveLength(1);
    expect(leaks([...gen.made, ...accountSecrets(acct)], [wizard, check, json], [dir])).toEqual([]);
  });

  it('fix: only the failing steps, the same single display', async () => {
    const acct = await seedAccount(emu());
    const gen = knownGenerator();
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-secrets-'));
    const r = await run(['fix', '--only', 'admins'], acct, gen, dir, onboardingAnswers(acct.instanceIds));
    expect(gen.made).toHaveLength(1);
    expect(r.output.secrets.map((s) => s.value)).toEqual(gen.made);
    expect(leaks([...gen.made, ...accountSecrets(acct)], [r], [dir])).toEqual([]);
  });

  it('dry-run and plan generate no secret; apply generates it at send time and shows it once', async () => {
    const acct = await seedAccount(emu());
    const gen = knownGenerator();
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-secrets-'));
    const planFile = join(dir, 'plan.json');
    const answers = onboardingAnswers(acct.instanceIds);
    const dry = await run(['--dry-run', '--only', 'admins'], acct, gen, dir, answers);
    const plan = await run(['plan', '--out', planFile, '--only', 'admins'], acct, gen, dir, answers);
    expect(gen.made).toEqual([]);
    expect(dry.output.secrets).toEqual([]);
    expect(plan.output.secrets).toEqual([]);
    // The plan holds the placeholder, never a value.
    expect(readFileSync(planFile, 'utf8')).toContain('"$secret": "password"');
    const apply = await run(['apply', planFile, '--only', 'admins'], acct, gen, dir, { 'apply.confirm': true });
    expect(apply.code).toBe(0);
    expect(gen.made).toHaveLength(1);
    expect(apply.output.secrets.map((s) => s.value)).toEqual(gen.made);
    expect(leaks([...gen.made, ...accountSecrets(acct)], [dry, plan, apply], [dir])).toEqual([]);
    process.stdout.write = originals.out;
    originals.out(`[secrets figures] ${JSON.stringify(figures)}\n`);
  });
});
