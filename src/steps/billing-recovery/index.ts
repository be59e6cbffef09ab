/**
 * Step billing-recovery: alternate contacts (billing, operations, security), the primary
 * contact, the retired security questions, and the console-only "IAM user and role
 * access to Billing information" setting (guided, then attested).
 */
import type { StepDefinition } from '../../engine/step.js';
import { assessBillingRecovery, type BillingRecoveryState } from './analysis.js';
import { askBillingRecovery, type BillingRecoveryAnswers } from './ask.js';
import { meta } from './meta.js';
import { billingRecoveryOrg } from './org.js';
import { planBillingRecovery, rememberWritten } from './plan.js';
import { readState, sessionMemory } from './read.js';

export const step: StepDefinition<BillingRecoveryState, BillingRecoveryAnswers> = {
  meta,
  read: (ctx) => readState(ctx),
  assess: (state) => assessBillingRecovery(state),
  ask: (state, _assessment, ctx) => askBillingRecovery(state, ctx),
  plan: (state, answers) => planBillingRecovery(state, answers),
  // What was sent is compared with what AWS answers when the step verifies.
  applied: (state, answers, _results, ctx) =>
    rememberWritten(sessionMemory(ctx), answers, planBillingRecovery(state, answers)),
  async after(_state, _assessment, ctx) {
    if (sessionMemory(ctx).attestations.length > 0) {
      ctx.output.info(
        "The attestation lives in this session's journal only: AWS cannot report the " +
          'setting, so later runs (and `rootlock check`) list it as a manual item again.',
      );
    }
  },
  // `fix --org --contacts FILE`: each account's contacts brought to the contacts policy.
  org: billingRecoveryOrg,
};
