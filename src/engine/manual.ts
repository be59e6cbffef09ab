/**
 * Console-only actions: what no API can do or read (billing access for IAM users, removing root
 * keys from an IAM principal's session). The operator acts in the console; rootlock records an
 * attestation or waits and re-checks AWS. A dry run shows the instructions (the step prints them)
 * and neither asks nor records: this is the one place that decides that for steps.
 */
import type { Journal } from './journal.js';
import type { Clock, Output, Prompter, StepId } from './types.js';

/** A statement the operator attests, as the journal and the reports keep it. */
export interface Attestation {
  item: string;
  /** ARN of the principal that attested. */
  by: string;
  /** ISO time of the attestation. */
  at: string;
  statement: string;
  evidence: 'manual';
}

export interface AttestRequest {
  /** The question's id (answers files, --answer). */
  id: string;
  message: string;
  item: string;
  statement: string;
  /** ARN of the principal attesting (the step's caller: after a handoff, the admin). */
  by: string;
}

export interface RecheckRequest {
  /** The question's id (answers files, --answer). */
  id: string;
  message: string;
  /** The choice that re-checks, e.g. "Check again (asks AWS: GetAccountSummary)". */
  checkLabel: string;
  /** At most this many checks. */
  max: number;
  /** Reads AWS once; true when the action is done. Prints its own findings. */
  check(): Promise<boolean>;
  /** Said in a dry run instead of waiting (how to confirm later). */
  dryRunNote: string;
}

export interface ManualActions {
  /** Asks the operator to attest; journals and returns the attestation when they do (a dry run asks nothing). */
  attest(step: StepId, request: AttestRequest): Promise<Attestation | undefined>;
  /** Waits for the operator, re-checking AWS on request. */
  recheck(request: RecheckRequest): Promise<'done' | 'stopped' | 'gave-up' | 'dry-run'>;
}

/** The engine's console-only actions for one session. */
export function manualActions(deps: {
  dryRun: boolean;
  prompter: Prompter;
  output: Output;
  journal: Journal;
  clock: Clock;
}): ManualActions {
  const { output } = deps;
  return {
    async attest(step, request) {
      if (deps.dryRun) {
        output.info('Dry run: the attestation is not asked or recorded.');
        return undefined;
      }
      const done = await deps.prompter.confirm({
        id: request.id,
        message: request.message,
        default: false,
        safeDefault: false,
      });
      if (!done) {
        output.warn('Not attested: it stays a manual item. Run this step again once it is done.');
        return undefined;
      }
      const attestation: Attestation = {
        item: request.item,
        by: request.by,
        at: deps.clock.now().toISOString(),
        statement: request.statement,
        evidence: 'manual',
      };
      deps.journal.write({
        type: 'attestation',
        step,
        item: attestation.item,
        by: attestation.by,
        at: attestation.at,
        statement: attestation.statement,
      });
      return attestation;
    },
    async recheck(request) {
      if (deps.dryRun) {
        output.info(request.dryRunNote);
        return 'dry-run';
      }
      for (let i = 0; i < request.max; i++) {
        const choice = await deps.prompter.select<'check' | 'stop'>({
          id: request.id,
          message: request.message,
          choices: [
            { value: 'check', name: request.checkLabel },
            { value: 'stop', name: 'Stop for now' },
          ],
          default: 'check',
        });
        if (choice === 'stop') return 'stopped';
        if (await request.check()) return 'done';
      }
      return 'gave-up';
    },
  };
}
