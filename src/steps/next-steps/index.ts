/**
 * The next steps beyond the four (see meta.ts), as advisory entries of the registry: read-only,
 * no questions, no changes. The engine runs them after the steps (src/engine/advisories.ts); a
 * failure to read becomes `not-checked`, never a step's status or the exit code.
 */
import type { AdvisoryDefinition, StepContext } from '../../engine/step.js';
import { NEXT_STEP_ANALYSES, type NextStepsInput } from './analysis.js';
import { NEXT_STEP_IDS, NEXT_STEPS, type NextStepId } from './meta.js';
import { readNextStepsInput } from './read.js';

export type { NextStep, NextStepStatus } from './analysis.js';
export { NEXT_STEP_IDS, NEXT_STEPS, type NextStepId, type NextStepMeta } from './meta.js';

/** The shared read, settled: a failure is kept as a value so that `reads.once` remembers it too. */
type SettledInput = { ok: true; input: NextStepsInput } | { ok: false; error: unknown };

/**
 * The input every next step is assessed from, read once per session (until the shared reads are
 * invalidated): eight advisories, one set of API calls. A failed read is remembered as well
 * (`reads.once` forgets rejections), so it is tried once, not once per advisory, and every next
 * step reports the same reason, as when they were read together.
 */
async function sharedInput(ctx: StepContext): Promise<NextStepsInput> {
  const settled = await ctx.reads.once<SettledInput>('next-steps:input', () =>
    readNextStepsInput(ctx).then(
      (input) => ({ ok: true as const, input }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
  if (!settled.ok) throw settled.error;
  return settled.input;
}

function advisoryFor(id: NextStepId): AdvisoryDefinition<NextStepsInput> {
  return {
    meta: NEXT_STEPS[id],
    read: sharedInput,
    assess: (input) => NEXT_STEP_ANALYSES[id](input),
  };
}

/** Every next step as an advisory definition, by id (the registry's advisory loader picks one). */
export const advisories: Record<NextStepId, AdvisoryDefinition<NextStepsInput>> = Object.fromEntries(
  NEXT_STEP_IDS.map((id) => [id, advisoryFor(id)]),
) as Record<NextStepId, AdvisoryDefinition<NextStepsInput>>;
