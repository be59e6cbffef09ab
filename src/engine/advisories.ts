/**
 * Running and showing the registry's advisory entries ("next steps"): read-only checks reported
 * after the steps. They never throw, never block a step and never change the exit code: an
 * entry that cannot be loaded, read or assessed is reported as `not-checked` with the reason.
 */
import { sanitize } from '../util/text.js';
import type { AdvisoryEntry } from './registry.js';
import type { StepContext } from './step.js';
import type { AdvisoryMeta, AdvisoryResult, Output, StepId, StepMeta } from './types.js';

/** The heading above the advisories' verdicts. */
export const ADVISORIES_HEADING = 'Next steps (read-only; they do not change the result above)';

/** A failed entry's verdict: the reason bounded and escaped, since it may quote AWS or account data. */
function notChecked(meta: AdvisoryMeta, err: unknown): AdvisoryResult {
  const reason = sanitize(err instanceof Error ? err.message : String(err), { maxLength: 300 });
  return {
    id: meta.id,
    status: 'not-checked',
    message: `Not checked: ${reason}`,
    controls: [...meta.controls],
    resources: [],
  };
}

async function runOne(entry: AdvisoryEntry, ctx: StepContext): Promise<AdvisoryResult> {
  try {
    const def = await entry.load();
    return def.assess(await def.read(ctx), ctx);
  } catch (err) {
    return notChecked(entry.meta, err);
  }
}

/**
 * Loads, reads and assesses each entry, in order, under one progress line for the group.
 * One after the other, not in parallel: the API calls come in the same order on every run,
 * and entries that share a memoized read (`ctx.reads.once`) send it once. Never throws.
 */
export async function runAdvisories(entries: readonly AdvisoryEntry[], ctx: StepContext): Promise<AdvisoryResult[]> {
  if (entries.length === 0) return [];
  const progress = ctx.output.progress('Checking the next steps');
  try {
    const results: AdvisoryResult[] = [];
    for (const entry of entries) results.push(await runOne(entry, ctx));
    return results;
  } finally {
    progress.stop();
  }
}

/**
 * Prints the advisories' verdicts: a pass in one line, a failure with its fix, controls and
 * documentation, anything else (not checked, not applicable) as information. `metaOf` gives each entry's
 * metadata (the registry's `meta`, or `StepContext.metaOf`); an id it does not know as an
 * advisory is shown under its id, without a fix.
 */
export function showAdvisories(
  output: Output,
  items: readonly AdvisoryResult[],
  metaOf: (id: StepId) => AdvisoryMeta | StepMeta | undefined,
): void {
  if (items.length === 0) return;
  output.heading(ADVISORIES_HEADING);
  for (const i of items) {
    const meta = metaOf(i.id);
    const advisory = meta?.kind === 'advisory' ? meta : undefined;
    const line = `${meta?.title ?? i.id}: ${i.message}`;
    if (i.status === 'pass') output.success(line);
    else if (i.status === 'fail') {
      output.warn(line);
      const controls = `Controls: ${i.controls.join(', ')}`;
      output.detail(advisory ? [advisory.remediation, controls, advisory.url] : [controls]);
    } else output.info(line);
  }
}
