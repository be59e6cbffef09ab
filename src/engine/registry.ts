/**
 * The registry: every step and advisory check, in the order the wizard runs them. It is the one
 * list: step ids, their order, `--help`, plan-file validation and reports all derive from it.
 * Each entry holds its metadata (imported eagerly: small, no AWS code) and a loader for its code
 * (imported on first use), so `--help` and `rootlock report` never load step code.
 *
 * Adding a step is one line below (see docs/design.md, "How to add a step").
 */
import { meta as admins } from '../steps/admins/meta.js';
import { meta as billingRecovery } from '../steps/billing-recovery/meta.js';
import { meta as ec2Roles } from '../steps/ec2-roles/meta.js';
import { NEXT_STEPS } from '../steps/next-steps/meta.js';
import { meta as rootKeys } from '../steps/root-keys/meta.js';
import { sanitize } from '../util/text.js';
import type { AdvisoryDefinition, StepDefinition } from './step.js';
import type { AdvisoryMeta, StepId, StepMeta } from './types.js';

/** A step of the wizard: metadata now, code on first use. */
export interface StepEntry {
  meta: StepMeta;
  load(): Promise<StepDefinition>;
}

/** An advisory check: metadata now, code on first use. */
export interface AdvisoryEntry {
  meta: AdvisoryMeta;
  load(): Promise<AdvisoryDefinition>;
}

export type RegistryEntry = StepEntry | AdvisoryEntry;

/** `--skip next-steps` leaves out every advisory entry. */
export const ADVISORY_GROUP = 'next-steps';

const isAdvisory = (e: RegistryEntry): e is AdvisoryEntry => e.meta.kind === 'advisory';

/** An ordered, immutable list of entries. */
export class Registry {
  constructor(readonly entries: readonly RegistryEntry[]) {
    const seen = new Set<string>();
    for (const e of entries) {
      if (seen.has(e.meta.id)) throw new Error(`Two registry entries share the id ${e.meta.id}`);
      seen.add(e.meta.id);
    }
  }

  /** This registry with more entries after its own (tests register fixture steps this way). */
  with(...more: RegistryEntry[]): Registry {
    return new Registry([...this.entries, ...more]);
  }

  /** The wizard's steps, in order. */
  get steps(): StepEntry[] {
    return this.entries.filter((e): e is StepEntry => !isAdvisory(e));
  }

  /** The advisory checks ("next steps"), in order. */
  get advisories(): AdvisoryEntry[] {
    return this.entries.filter(isAdvisory);
  }

  /** Step ids in order. */
  get stepIds(): StepId[] {
    return this.steps.map((e) => e.meta.id);
  }

  /** Metadata of any entry. */
  meta(id: StepId): StepMeta | AdvisoryMeta | undefined {
    return this.entries.find((e) => e.meta.id === id)?.meta;
  }

  /** A step's metadata, or undefined for an advisory or unknown id. */
  stepMeta(id: StepId): StepMeta | undefined {
    return this.steps.find((e) => e.meta.id === id)?.meta;
  }

  /** Loads one step's code. */
  async load(id: StepId): Promise<StepDefinition> {
    const entry = this.steps.find((e) => e.meta.id === id);
    if (!entry) throw new Error(`Unknown step ${id}`);
    return entry.load();
  }

  /** Steps selected by --only / --skip, in registry order. Unknown ids are an error. */
  selectEntries(only: string[] = [], skip: string[] = []): StepEntry[] {
    const ids = this.stepIds;
    for (const id of [...only, ...skip.filter((s) => s !== ADVISORY_GROUP)]) {
      if (!ids.includes(id)) {
        // The id comes from the command line: echoed escaped, so a control sequence cannot reach the terminal.
        throw new Error(`Unknown step "${sanitize(id, { maxLength: 40 })}". Steps: ${ids.join(', ')}.`);
      }
    }
    return this.steps.filter((s) => (only.length === 0 || only.includes(s.meta.id)) && !skip.includes(s.meta.id));
  }

  /** The selected steps' code, loaded. */
  select(only: string[] = [], skip: string[] = []): Promise<StepDefinition[]> {
    return Promise.all(this.selectEntries(only, skip).map((e) => e.load()));
  }

  /** The advisory checks a run includes: all of them, unless narrowed with --only or --skip next-steps. */
  selectAdvisories(only: string[] = [], skip: string[] = []): AdvisoryEntry[] {
    return only.length === 0 && !skip.includes(ADVISORY_GROUP) ? this.advisories : [];
  }
}

/** A registry line for a step folder. */
export function step(meta: StepMeta, load: () => Promise<{ step: StepDefinition }>): StepEntry {
  return { meta, load: async () => (await load()).step };
}

/** A registry line for an advisory check exported by a folder's `advisories` map. */
export function advisory(
  meta: AdvisoryMeta,
  load: () => Promise<{ advisories: Record<string, AdvisoryDefinition> }>,
): AdvisoryEntry {
  return {
    meta,
    load: async () => {
      const def = (await load()).advisories[meta.id];
      if (!def) throw new Error(`No advisory ${meta.id} in its module`);
      return def;
    },
  };
}

export const REGISTRY = new Registry([
  step(admins, () => import('../steps/admins/index.js')),
  step(ec2Roles, () => import('../steps/ec2-roles/index.js')),
  step(billingRecovery, () => import('../steps/billing-recovery/index.js')),
  step(rootKeys, () => import('../steps/root-keys/index.js')),
  ...Object.values(NEXT_STEPS).map((m) => advisory(m, () => import('../steps/next-steps/index.js'))),
]);
