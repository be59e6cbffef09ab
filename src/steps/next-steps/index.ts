/**
 * The next steps beyond the four (see meta.ts): read-only, no questions, no changes. The CLI
 * runs them after the steps in the wizard, fix, apply and check modes; they never throw and
 * never change a step's status or the exit code.
 */
import type { StepContext } from '../../engine/step.js';
import type { Output } from '../../engine/types.js';
import { sanitize } from '../../util/text.js';
import { analyzeNextSteps, type NextStep } from './analysis.js';
import { NEXT_STEP_IDS, NEXT_STEPS } from './meta.js';
import { readNextStepsInput } from './read.js';

export type { NextStep, NextStepStatus } from './analysis.js';
export { NEXT_STEP_IDS, NEXT_STEPS, type NextStepId } from './meta.js';

/** Reads and analyzes every next step. Any failure becomes `not-checked` items; this never throws. */
export async function runNextSteps(ctx: StepContext): Promise<NextStep[]> {
  const progress = ctx.output.progress('Checking the next steps');
  try {
    return analyzeNextSteps(await readNextStepsInput(ctx));
  } catch (err) {
    const reason = sanitize(err instanceof Error ? err.message : String(err), { maxLength: 300 });
    return NEXT_STEP_IDS.map((id) => ({ id, status: 'not-checked' as const, message: `Not checked: ${reason}`, controls: [...NEXT_STEPS[id].controls], resources: [] }));
  } finally {
    progress.stop();
  }
}

/** Prints the next steps: what passes in one line each, what fails with its fix and controls. */
export function showNextSteps(output: Output, items: NextStep[]): void {
  if (items.length === 0) return;
  output.heading('Next steps (read-only; they do not change the result above)');
  for (const i of items) {
    const meta = NEXT_STEPS[i.id];
    const line = `${meta.title}: ${i.message}`;
    if (i.status === 'pass') output.success(line);
    else if (i.status === 'fail') {
      output.warn(line);
      output.detail([meta.remediation, `Controls: ${i.controls.join(', ')}`, meta.url]);
    } else output.info(line);
  }
}
