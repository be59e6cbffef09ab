/**
 * The layering docs/design.md describes, checked on the sources as text: which part of src/ may
 * import which, which code may load the terminal UI packages, no import cycles, and the
 * 120-character line limit. Nothing is built or started, so this runs in well under a second;
 * a rule that fails lists every offending `file -> import`, not just the first.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_LINE = 120;

/** What one import names: a file of this repository (repo-relative, `/`-separated) or a package. */
type Target = { kind: 'file'; path: string } | { kind: 'package'; name: string };

/** One import of one source file, as the rules see it. */
interface Edge {
  from: string;
  specifier: string;
  target: Target;
}

/** What the collector finds in one file's text. */
interface Collected {
  /** Every module specifier: static imports, `import type`, `export ... from`, `import()`, `typeof import()`. */
  specifiers: string[];
  /** Lines (1-based) of `import(expr)` whose module is computed, so no rule could see where it leads. */
  computedImports: number[];
}

/**
 * Collects the module specifiers a TypeScript source names. `ts.preProcessFile` reads them with
 * the scanner, so comments and string contents never count, and type-only and dynamic imports
 * do (a type-only import still ties two layers together). The AST pass finds `import()` calls
 * with a computed argument: the scanner would either skip them or take the argument's first
 * string (`import('../' + id)` as `'../'`), and either way the real import would be hidden.
 */
function collectImports(source: string, fileName = 'source.ts'): Collected {
  const sf = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const computedImports: number[] = [];
  const computedRanges: Array<[number, number]> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (!arg || !ts.isStringLiteralLike(arg)) {
        computedImports.push(sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1);
        computedRanges.push([node.getStart(sf), node.end]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  const specifiers = ts
    .preProcessFile(source, true, true)
    .importedFiles.filter((f) => !computedRanges.some(([start, end]) => f.pos >= start && f.pos < end))
    .map((f) => f.fileName);
  return { specifiers, computedImports };
}

/**
 * Resolves a specifier found in `from` (repo-relative) the way the build does: relative
 * specifiers name the `.ts` file behind their `.js` suffix (or a folder's index.ts); anything
 * else is a package. A relative import whose file is missing keeps its best-guess path, so a
 * rule about folders still judges it.
 */
function resolveImport(from: string, specifier: string, known: ReadonlySet<string>): Target {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return { kind: 'package', name: specifier };
  const joined = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const swapped = joined
    .replace(/\.js$/, '.ts')
    .replace(/\.mjs$/, '.mts')
    .replace(/\.cjs$/, '.cts');
  const candidates = [swapped, joined, `${joined}.ts`, `${joined}/index.ts`];
  return { kind: 'file', path: candidates.find((c) => known.has(c)) ?? swapped };
}

/** Repo-relative, `/`-separated paths of every .ts file under src/. */
function sourceFiles(): string[] {
  return readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/${f.split(path.sep).join('/')}`)
    .sort();
}

/** The package an import names, without its subpath: `@scope/name/x` -> `@scope/name`, `ora/x` -> `ora`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Whether `file` lies in the folder `dir` (both repo-relative). */
function inside(file: string, dir: string): boolean {
  return file.startsWith(`${dir}/`);
}

/** The step folder a file belongs to (`src/steps/<id>/**`), or undefined. */
function stepOf(file: string): string | undefined {
  const parts = file.split('/');
  return parts[0] === 'src' && parts[1] === 'steps' && parts.length > 3 ? parts[2] : undefined;
}

/** How an edge reads in a failure message. */
function show(e: Edge): string {
  return e.target.kind === 'file' ? `${e.from} -> ${e.target.path}` : `${e.from} -> ${e.target.name}`;
}

/**
 * Every elementary cycle needed to cover each import that lies on a cycle: for each edge a -> b
 * inside a strongly connected component, the shortest way back from b to a. Each cycle is
 * reported once, starting from its smallest file, as `a -> b -> a`.
 */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  // Tarjan's algorithm, iterative so a long import chain cannot overflow the stack.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const component = new Map<string, number>();
  let next = 0;
  let components = 0;
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; i: number }> = [{ node: root, i: 0 }];
    index.set(root, next);
    low.set(root, next);
    next += 1;
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const out = graph.get(frame.node) ?? [];
      if (frame.i < out.length) {
        const to = out[frame.i]!;
        frame.i += 1;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next);
          next += 1;
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.set(member, components);
        } while (member !== frame.node);
        components += 1;
      }
    }
  }

  const cycles = new Set<string>();
  for (const [from, out] of graph) {
    for (const to of out) {
      if (component.get(from) !== component.get(to)) continue;
      // Breadth-first from `to` back to `from`, staying inside the component.
      const previous = new Map<string, string>([[to, to]]);
      const queue = [to];
      while (queue.length > 0 && !previous.has(from)) {
        const node = queue.shift()!;
        for (const n of graph.get(node) ?? []) {
          if (previous.has(n) || component.get(n) !== component.get(from)) continue;
          previous.set(n, node);
          queue.push(n);
        }
      }
      // Walk the parents back from `from` to `to`: chain is to -> ... -> from.
      const chain = [from];
      for (let n = from; n !== to; ) {
        n = previous.get(n)!;
        chain.unshift(n);
      }
      const ring = [from, ...chain.slice(0, -1)];
      const start = ring.indexOf([...ring].sort()[0]!);
      const rotated = [...ring.slice(start), ...ring.slice(0, start)];
      cycles.add([...rotated, rotated[0]].join(' -> '));
    }
  }
  return [...cycles].sort();
}

/** Fails with one line per offender, so a broken rule shows everything to fix at once. */
function expectNone(rule: string, offenders: readonly string[]): void {
  if (offenders.length > 0) {
    throw new Error(`${rule}: ${offenders.length} offender(s)\n${offenders.map((o) => `  ${o}`).join('\n')}`);
  }
  expect(offenders).toEqual([]);
}

const FILES = sourceFiles();
const KNOWN = new Set(FILES);
const TEXT = new Map(FILES.map((f) => [f, readFileSync(path.join(ROOT, f), 'utf8')] as const));
const COLLECTED = new Map(FILES.map((f) => [f, collectImports(TEXT.get(f)!, f)] as const));
const EDGES: Edge[] = FILES.flatMap((from) =>
  [...new Set(COLLECTED.get(from)!.specifiers)].map((specifier) => ({
    from,
    specifier,
    target: resolveImport(from, specifier, KNOWN),
  })),
);

/** The edges from files `where` selects to targets `forbidden` rejects, as failure lines. */
function offenders(where: (file: string) => boolean, forbidden: (target: Target, from: string) => boolean): string[] {
  return [...new Set(EDGES.filter((e) => where(e.from) && forbidden(e.target, e.from)).map(show))].sort();
}

/** Whether a target is a file under any of the given src/ folders. */
function fileUnder(target: Target, ...dirs: string[]): boolean {
  return target.kind === 'file' && dirs.some((d) => inside(target.path, d));
}

// The engine modules that know every step (and so would let one step reach another).
const NOT_FOR_STEPS = new Set(['src/engine/runner.ts', 'src/engine/registry.ts', 'src/engine/catalog.ts']);
const UI_PACKAGES = (name: string): boolean => name.startsWith('@inquirer/') || name === 'ora' || name === 'listr2';

describe('the import collector', () => {
  it('sees static, type-only, re-exported and dynamic imports, and nothing in comments or strings', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "import { type C, d } from './c.js';",
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "export * from './g.js';",
      "import './side-effect.js';",
      "const h = await import('./h.js');",
      'const i = () => import(`./i.js`);',
      "let j: typeof import('./j.js') | undefined;",
      "type K = import('./k.js').K;",
      "// import { x } from './commented.js';",
      'const s = "import(\'./in-a-string.js\')";',
    ].join('\n');
    const { specifiers, computedImports } = collectImports(source);
    expect(specifiers).toEqual([
      './a.js',
      '../b.js',
      './c.js',
      './e.js',
      './f.js',
      './g.js',
      './side-effect.js',
      './h.js',
      './i.js',
      './j.js',
      './k.js',
    ]);
    expect(computedImports).toEqual([]);
  });

  it('flags an import() whose module is computed', () => {
    const source = "const id = 'admins';\nconst m = await import('../steps/' + id + '/index.js');\nawait import(name);";
    expect(collectImports(source)).toEqual({ specifiers: [], computedImports: [2, 3] });
  });

  it('resolves .js specifiers to the .ts files behind them, and bare ones to packages', () => {
    const known = new Set(['src/steps/admins/index.ts', 'src/util/index.ts']);
    expect(resolveImport('src/engine/registry.ts', '../steps/admins/index.js', known)).toEqual({
      kind: 'file',
      path: 'src/steps/admins/index.ts',
    });
    expect(resolveImport('src/aws/pool.ts', '../util', known)).toEqual({ kind: 'file', path: 'src/util/index.ts' });
    expect(resolveImport('src/aws/pool.ts', '../gone.js', known)).toEqual({ kind: 'file', path: 'src/gone.ts' });
    expect(resolveImport('src/ui/prompter.ts', '@inquirer/prompts', known)).toEqual({
      kind: 'package',
      name: '@inquirer/prompts',
    });
  });

  it('finds cycles, including one through a self-import, and none in a chain', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['d', 'a']],
      ['e', ['a']],
    ]);
    expect(findCycles(graph)).toEqual(['a -> b -> c -> a', 'd -> d']);
    expect(
      findCycles(
        new Map([
          ['x', ['y']],
          ['y', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads the real sources and finds imports in them', () => {
    expect(FILES.length).toBeGreaterThan(10);
    expect(EDGES.filter((e) => e.target.kind === 'file').length).toBeGreaterThan(FILES.length);
  });
});

describe('architecture of src/', () => {
  it('a step imports no other step, nor cli, ui, report, or the runner, registry and catalog', () => {
    expectNone(
      'src/steps/<id>/** may import its own folder, src/engine (but runner, registry, catalog), src/aws, src/iam, src/util',
      offenders(
        (f) => stepOf(f) !== undefined,
        (t, from) => {
          if (t.kind !== 'file' || !inside(t.path, 'src')) return false;
          if (inside(t.path, `src/steps/${stepOf(from)}`)) return false;
          if (inside(t.path, 'src/engine')) return NOT_FOR_STEPS.has(t.path);
          return !fileUnder(t, 'src/aws', 'src/iam', 'src/util');
        },
      ),
    );
  });

  it('the engine imports no ui or cli, and only the registry imports steps', () => {
    expectNone(
      'src/engine/** imports nothing from src/ui, src/cli, nor src/steps (but registry.ts)',
      offenders(
        (f) => inside(f, 'src/engine'),
        (t, from) =>
          fileUnder(t, 'src/ui', 'src/cli') || (fileUnder(t, 'src/steps') && from !== 'src/engine/registry.ts'),
      ),
    );
  });

  it('the AWS layer imports nothing above it', () => {
    expectNone(
      'src/aws/** imports nothing from src/engine, src/steps, src/cli, src/ui, src/report, src/iam (types included)',
      offenders(
        (f) => inside(f, 'src/aws'),
        (t) => fileUnder(t, 'src/engine', 'src/steps', 'src/cli', 'src/ui', 'src/report', 'src/iam'),
      ),
    );
  });

  it('the IAM analysis imports only src/util, src/iam and packages', () => {
    expectNone(
      'src/iam/** imports only src/util, src/iam and packages',
      offenders(
        (f) => inside(f, 'src/iam'),
        (t) => t.kind === 'file' && !fileUnder(t, 'src/iam', 'src/util'),
      ),
    );
  });

  it('src/util imports only src/util (and Node built-ins)', () => {
    expectNone(
      'src/util/** imports only src/util and node built-ins',
      offenders(
        (f) => inside(f, 'src/util'),
        (t) => (t.kind === 'file' ? !fileUnder(t, 'src/util') : !isBuiltin(t.name)),
      ),
    );
  });

  it('reports import no cli, ui or steps', () => {
    expectNone(
      'src/report/** imports nothing from src/cli, src/ui, src/steps',
      offenders(
        (f) => inside(f, 'src/report'),
        (t) => fileUnder(t, 'src/cli', 'src/ui', 'src/steps'),
      ),
    );
  });

  it('only src/ui loads @inquirer/*, ora and listr2', () => {
    expectNone(
      'only src/ui/** imports @inquirer/*, ora, listr2',
      offenders(
        (f) => !inside(f, 'src/ui'),
        (t) => t.kind === 'package' && UI_PACKAGES(packageName(t.name)),
      ),
    );
  });

  it('every import() names its module literally, so the rules above can follow it', () => {
    const computed = FILES.flatMap((f) => COLLECTED.get(f)!.computedImports.map((line) => `${f}:${line}`));
    expectNone('import() with a computed module in src/', computed);
  });

  it('src has no import cycle (dynamic and type-only imports count)', () => {
    const graph = new Map<string, string[]>(FILES.map((f) => [f, []]));
    for (const e of EDGES) {
      if (e.target.kind === 'file' && KNOWN.has(e.target.path)) graph.get(e.from)!.push(e.target.path);
    }
    expectNone('import cycles in src/', findCycles(graph));
  });

  it(`no line in src/ is longer than ${MAX_LINE} characters`, () => {
    const long = FILES.flatMap((f) =>
      TEXT.get(f)!
        .split('\n')
        .flatMap((line, i) => {
          const width = [...line.replace(/\r$/, '')].length;
          return width > MAX_LINE ? [`${f}:${i + 1} (${width})`] : [];
        }),
    );
    expectNone(`lines over ${MAX_LINE} characters in src/`, long);
  });
});
