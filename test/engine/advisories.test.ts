/**
 * runAdvisories / showAdvisories with fake advisory entries: no AWS, no emulator.
 */
import { describe, expect, it } from 'vitest';
import type { ClientPool } from '../../src/aws/pool.js';
import { AccountReads } from '../../src/aws/reads.js';
import { ADVISORIES_HEADING, runAdvisories, showAdvisories } from '../../src/engine/advisories.js';
import { advisory, type AdvisoryEntry } from '../../src/engine/registry.js';
import type { AdvisoryDefinition, StepContext } from '../../src/engine/step.js';
import type { AdvisoryMeta, AdvisoryResult, Clock, Output, Progress, StepMeta } from '../../src/engine/types.js';

const clock: Clock = { now: () => new Date('2026-11-28T12:00:00Z'), sleep: async () => {} };

/** Records every line, and each progress line's start and stop. */
class FakeOutput implements Output {
  readonly lines: string[] = [];
  heading(t: string) {
    this.lines.push(`== ${t}`);
  }
  info(t: string) {
    this.lines.push(`[info] ${t}`);
  }
  success(t: string) {
    this.lines.push(`[ok] ${t}`);
  }
  warn(t: string) {
    this.lines.push(`[warn] ${t}`);
  }
  error(t: string) {
    this.lines.push(`[fail] ${t}`);
  }
  detail(lines: string[]) {
    for (const l of lines) this.lines.push(`    ${l}`);
  }
  progress(t: string): Progress {
    this.lines.push(`[progress] ${t}`);
    return {
      update: () => {},
      succeed: () => {},
      fail: () => {},
      stop: () => {
        this.lines.push('[progress stopped]');
      },
    };
  }
  secret() {}
}

/** Only what advisories use: the output and the shared reads (a real memo over a pool never called). */
function fakeContext(): { ctx: StepContext; output: FakeOutput } {
  const output = new FakeOutput();
  const ctx = { output, clock, reads: new AccountReads({} as ClientPool, clock) } as unknown as StepContext;
  return { ctx, output };
}

function meta(id: string, o: Partial<AdvisoryMeta> = {}): AdvisoryMeta {
  return {
    id,
    kind: 'advisory',
    title: `Title of ${id}`,
    severity: 'medium',
    controls: [`CIS ${id}`],
    remediation: `Fix ${id}.`,
    url: `https://example.com/${id}`,
    ...o,
  };
}

/** An entry whose read gives `state` and whose assess turns it into a verdict. */
function entry(id: string, def: Partial<AdvisoryDefinition<string>> = {}): AdvisoryEntry {
  const m = meta(id);
  const full: AdvisoryDefinition<string> = {
    meta: m,
    read: async () => `${id}-state`,
    assess: (state) => ({ id, status: 'pass', message: `read ${state}`, controls: [...m.controls], resources: [] }),
    ...def,
  };
  return { meta: m, load: async () => full };
}

describe('runAdvisories', () => {
  it('reads and assesses each entry in order, under one progress line for the group', async () => {
    const { ctx, output } = fakeContext();
    const order: string[] = [];
    const track = (id: string) => entry(id, { read: async () => (order.push(id), `${id}-state`) });
    const results = await runAdvisories([track('a'), track('b'), track('c')], ctx);
    expect(results).toEqual([
      { id: 'a', status: 'pass', message: 'read a-state', controls: ['CIS a'], resources: [] },
      { id: 'b', status: 'pass', message: 'read b-state', controls: ['CIS b'], resources: [] },
      { id: 'c', status: 'pass', message: 'read c-state', controls: ['CIS c'], resources: [] },
    ]);
    expect(order).toEqual(['a', 'b', 'c']);
    expect(output.lines).toEqual(['[progress] Checking the next steps', '[progress stopped]']);
  });

  it('passes the context to read and assess', async () => {
    const { ctx } = fakeContext();
    const seen: unknown[] = [];
    const e = entry('a', {
      read: async (c) => (seen.push(c), 'x'),
      assess: (_s, c) => (seen.push(c), { id: 'a', status: 'fail', message: 'm', controls: [], resources: ['r'] }),
    });
    expect(await runAdvisories([e], ctx)).toEqual([
      { id: 'a', status: 'fail', message: 'm', controls: [], resources: ['r'] },
    ]);
    expect(seen).toEqual([ctx, ctx]);
  });

  it('never throws: a failed load, read or assess is that entry not-checked, the others still run', async () => {
    const { ctx, output } = fakeContext();
    const brokenLoad: AdvisoryEntry = { meta: meta('load'), load: async () => Promise.reject(new Error('no module')) };
    const results = await runAdvisories(
      [
        brokenLoad,
        entry('read', { read: async () => Promise.reject(new Error('access denied for iam:GetThing')) }),
        entry('ok'),
        entry('assess', {
          assess: () => {
            throw new Error('bad state');
          },
        }),
        // A thrown value that is not an Error is reported as text.
        entry('string', { read: async () => Promise.reject('plain reason') }),
      ],
      ctx,
    );
    expect(results).toEqual([
      { id: 'load', status: 'not-checked', message: 'Not checked: no module', controls: ['CIS load'], resources: [] },
      {
        id: 'read',
        status: 'not-checked',
        message: 'Not checked: access denied for iam:GetThing',
        controls: ['CIS read'],
        resources: [],
      },
      { id: 'ok', status: 'pass', message: 'read ok-state', controls: ['CIS ok'], resources: [] },
      {
        id: 'assess',
        status: 'not-checked',
        message: 'Not checked: bad state',
        controls: ['CIS assess'],
        resources: [],
      },
      {
        id: 'string',
        status: 'not-checked',
        message: 'Not checked: plain reason',
        controls: ['CIS string'],
        resources: [],
      },
    ]);
    expect(output.lines).toEqual(['[progress] Checking the next steps', '[progress stopped]']);
  });

  it("a not-checked verdict copies the entry's controls (changing them cannot change the metadata)", async () => {
    const { ctx } = fakeContext();
    const e = entry('a', { read: async () => Promise.reject(new Error('x')) });
    const [r] = await runAdvisories([e], ctx);
    expect(r!.controls).toEqual(e.meta.controls);
    expect(r!.controls).not.toBe(e.meta.controls);
  });

  it('escapes the reason and cuts it after 300 characters (sanitize adds its length note)', async () => {
    const { ctx } = fakeContext();
    const hostile = entry('a', { read: async () => Promise.reject(new Error('denied \u001b[31mred\u001b[0m')) });
    const long = entry('b', { read: async () => Promise.reject(new Error('x'.repeat(1000))) });
    const [h, l] = await runAdvisories([hostile, long], ctx);
    expect(h!.message).not.toContain('\u001b');
    expect(h!.message).toMatch(/^Not checked: denied .*red/);
    expect(l!.message.startsWith(`Not checked: ${'x'.repeat(300)}`)).toBe(true);
    expect(l!.message).not.toContain('x'.repeat(301));
  });

  it('entries sharing a memoized read (ctx.reads.once) read once', async () => {
    const { ctx } = fakeContext();
    let reads = 0;
    const shared = (c: StepContext) => c.reads.once('fake:shared', async () => ((reads += 1), 'shared'));
    const results = await runAdvisories([entry('a', { read: shared }), entry('b', { read: shared })], ctx);
    expect(reads).toBe(1);
    expect(results.map((r) => r.message)).toEqual(['read shared', 'read shared']);
  });

  it('works with registry advisory lines (a module exporting `advisories` by id)', async () => {
    const { ctx } = fakeContext();
    const defs = {
      a: {
        meta: meta('a'),
        read: async () => 1,
        assess: () => ({ id: 'a', status: 'pass' as const, message: 'ok', controls: [], resources: [] }),
      },
    };
    const present = advisory(meta('a'), async () => ({ advisories: defs }));
    const missing = advisory(meta('z'), async () => ({ advisories: defs }));
    expect(await runAdvisories([present, missing], ctx)).toEqual([
      { id: 'a', status: 'pass', message: 'ok', controls: [], resources: [] },
      {
        id: 'z',
        status: 'not-checked',
        message: 'Not checked: No advisory z in its module',
        controls: ['CIS z'],
        resources: [],
      },
    ]);
  });

  it('with no entries, shows nothing and returns nothing', async () => {
    const { ctx, output } = fakeContext();
    expect(await runAdvisories([], ctx)).toEqual([]);
    expect(output.lines).toEqual([]);
  });
});

describe('showAdvisories', () => {
  const metas = new Map<string, AdvisoryMeta | StepMeta>([
    ['a', meta('a')],
    ['b', meta('b', { controls: ['CIS 1', 'Security Hub IAM.1'] })],
    ['c', meta('c')],
  ]);
  const metaOf = (id: string) => metas.get(id);
  const result = (
    id: string,
    status: AdvisoryResult['status'],
    message: string,
    controls: string[] = [],
  ): AdvisoryResult => ({
    id,
    status,
    message,
    controls,
    resources: [],
  });

  it('prints the heading, a pass in one line, a failure with its fix, controls and url, not-checked as info', () => {
    const output = new FakeOutput();
    showAdvisories(
      output,
      [
        result('a', 'pass', 'All good.'),
        result('b', 'fail', '2 users without MFA: x, y.', ['CIS 1', 'Security Hub IAM.1']),
        result('c', 'not-checked', 'Not checked: access denied.'),
      ],
      metaOf,
    );
    expect(output.lines).toEqual([
      '== Next steps (read-only; they do not change the result above)',
      '[ok] Title of a: All good.',
      '[warn] Title of b: 2 users without MFA: x, y.',
      '    Fix b.',
      '    Controls: CIS 1, Security Hub IAM.1',
      '    https://example.com/b',
      '[info] Title of c: Not checked: access denied.',
    ]);
    expect(ADVISORIES_HEADING).toBe('Next steps (read-only; they do not change the result above)');
  });

  it("lists the verdict's own controls, not the metadata's", () => {
    const output = new FakeOutput();
    showAdvisories(output, [result('a', 'fail', 'Bad.', ['only this'])], metaOf);
    expect(output.lines).toContain('    Controls: only this');
  });

  it('prints nothing, not even the heading, when there are no items', () => {
    const output = new FakeOutput();
    showAdvisories(output, [], metaOf);
    expect(output.lines).toEqual([]);
  });

  it('an id without advisory metadata is shown under its id, with its controls and no fix', () => {
    const output = new FakeOutput();
    showAdvisories(
      output,
      [result('gone', 'fail', 'Bad.', ['CIS 9']), result('gone', 'pass', 'Fine.')],
      () => undefined,
    );
    expect(output.lines).toEqual([
      '== Next steps (read-only; they do not change the result above)',
      '[warn] gone: Bad.',
      '    Controls: CIS 9',
      '[ok] gone: Fine.',
    ]);
  });
});
