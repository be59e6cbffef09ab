/**
 * The step registry: every step, in the order the wizard runs them.
 */
import { step as admins } from '../steps/admins/index.js';
import { step as ec2Roles } from '../steps/ec2-roles/index.js';
import { step as billingRecovery } from '../steps/billing-recovery/index.js';
import { step as rootKeys } from '../steps/root-keys/index.js';
import { sanitize } from '../util/text.js';
import type { StepDefinition } from './step.js';
import { STEP_IDS, type StepId } from './types.js';

export const STEPS: readonly StepDefinition[] = [admins, ec2Roles, billingRecovery, rootKeys];

/** Steps selected by --only / --skip, in registry order. Unknown ids are an error. */
export function selectSteps(only: string[] = [], skip: string[] = []): StepDefinition[] {
  for (const id of [...only, ...skip]) {
    if (!(STEP_IDS as readonly string[]).includes(id)) {
      // The id comes from the command line: echoed escaped, so a control sequence cannot reach the terminal.
      throw new Error(`Unknown step "${sanitize(id, { maxLength: 40 })}". Steps: ${STEP_IDS.join(', ')}.`);
    }
  }
  return STEPS.filter((s) => (only.length === 0 || only.includes(s.meta.id)) && !skip.includes(s.meta.id));
}

export function stepById(id: StepId): StepDefinition {
  const s = STEPS.find((x) => x.meta.id === id);
  if (!s) throw new Error(`Unknown step ${id}`);
  return s;
}
