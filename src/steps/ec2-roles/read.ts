/**
 * Reads for the ec2-roles step: regions, every region's instances (bounded fan-out,
 * all pages), their profile associations, and IAM roles and instance profiles from the
 * shared GetAccountAuthorizationDetails read (no per-instance IAM calls).
 */
import type {
  DescribeIamInstanceProfileAssociationsResult,
  DescribeInstancesResult,
  DescribeRegionsResult,
  IamInstanceProfileAssociation,
  Reservation,
} from '@aws-sdk/client-ec2';
import { describeAwsError, UngatedMutationError } from '../../aws/errors.js';
import type { ClientPool } from '../../aws/pool.js';
import type { StepContext } from '../../engine/step.js';
import type { Progress } from '../../engine/types.js';
import { mapLimit } from '../../util/concurrency.js';
import {
  analyzeRoles,
  enabledRegions,
  instancesOf,
  partitionOf,
  SCANNED_STATES,
  sortInstances,
  withAssociations,
  type Ec2Instance,
  type Ec2RolesState,
  type RegionError,
} from './analysis.js';

/** Regions listed at once: enough to hide latency, few enough not to trip EC2 throttling. */
export const REGION_CONCURRENCY = 8;

/** Largest page DescribeInstances and DescribeIamInstanceProfileAssociations allow. */
const PAGE_SIZE = 1000;

/** A runaway pager (a token that never ends) stops here rather than looping forever. */
const MAX_PAGES = 1000;

/** Pages through a NextToken-based EC2 listing. */
export async function allEc2Pages<T extends { NextToken?: string }>(
  fetchPage: (token?: string) => Promise<T>,
): Promise<T[]> {
  const pages: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    pages.push(page);
    token = page.NextToken || undefined;
    // EC2 never repeats a token; if something does, stop rather than loop.
    if (token !== undefined) {
      if (seen.has(token)) break;
      seen.add(token);
    }
  } while (token !== undefined && pages.length < MAX_PAGES);
  return pages;
}

/** The regions to scan: `--regions` when given, else every enabled region (DescribeRegions, once per run). */
export async function regionsToScan(ctx: Pick<StepContext, 'options' | 'reads' | 'pool'>): Promise<string[]> {
  if (ctx.options.regions && ctx.options.regions.length > 0) return [...new Set(ctx.options.regions)].sort();
  return ctx.reads.once('ec2:regions', async () => {
    const res = await ctx.pool.call<DescribeRegionsResult>('ec2', 'DescribeRegions', {}, ctx.options.region);
    return enabledRegions(res.Regions);
  });
}

/**
 * All instances of one region in the scanned states, with their live profile associations
 * unless `withAssociations` is false (assessing only: DescribeInstances already names each
 * instance's profile; association ids and states matter only to plan or verify a change).
 */
export async function readRegion(pool: ClientPool, region: string, withAssociationIds = true): Promise<Ec2Instance[]> {
  const pages = await allEc2Pages((NextToken) =>
    pool.call<DescribeInstancesResult>(
      'ec2',
      'DescribeInstances',
      {
        Filters: [{ Name: 'instance-state-name', Values: [...SCANNED_STATES] }],
        MaxResults: PAGE_SIZE,
        ...(NextToken ? { NextToken } : {}),
      },
      region,
    ),
  );
  const reservations: Reservation[] = pages.flatMap((p) => p.Reservations ?? []);
  const instances = instancesOf(region, reservations);
  if (instances.length === 0 || !withAssociationIds) return instances;
  // Only regions with instances pay for this call. It gives the association ids that
  // replacing a profile needs, and it is what shows a fresh association ("associating")
  // when verifying right after a change.
  const assocPages = await allEc2Pages((NextToken) =>
    pool.call<DescribeIamInstanceProfileAssociationsResult>(
      'ec2',
      'DescribeIamInstanceProfileAssociations',
      { MaxResults: PAGE_SIZE, ...(NextToken ? { NextToken } : {}) },
      region,
    ),
  );
  const associations: IamInstanceProfileAssociation[] = assocPages.flatMap(
    (p) => p.IamInstanceProfileAssociations ?? [],
  );
  return withAssociations(instances, associations);
}

/** Every scanned region's instances; a region that fails becomes a RegionError and the rest still run. */
export async function readInstances(
  pool: ClientPool,
  regions: readonly string[],
  progress?: Progress,
  withAssociationIds = true,
): Promise<{ instances: Ec2Instance[]; regionErrors: RegionError[] }> {
  let done = 0;
  let found = 0;
  const results = await mapLimit(regions, REGION_CONCURRENCY, async (region) => {
    try {
      const list = await readRegion(pool, region, withAssociationIds);
      found += list.length;
      return { list };
    } catch (err) {
      if (err instanceof UngatedMutationError) throw err;
      const f = describeAwsError(err);
      const e: RegionError = { region, code: f.code, message: f.message.slice(0, 300) };
      if (f.deniedAction) e.deniedAction = f.deniedAction;
      return { error: e };
    } finally {
      done += 1;
      progress?.update(`Scanned ${done}/${regions.length} regions, ${found} instance${found === 1 ? '' : 's'} so far`);
    }
  });
  const instances: Ec2Instance[] = [];
  const regionErrors: RegionError[] = [];
  for (const r of results) {
    if ('error' in r && r.error) regionErrors.push(r.error);
    else if ('list' in r && r.list) instances.push(...r.list);
  }
  regionErrors.sort((a, b) => a.region.localeCompare(b.region));
  return { instances: sortInstances(instances), regionErrors };
}

/** The step's read: regions, instances and IAM roles. */
export async function readEc2Roles(ctx: StepContext): Promise<Ec2RolesState> {
  const regions = await regionsToScan(ctx);
  const progress = ctx.output.progress(
    `Scanning EC2 instances in ${regions.length} region${regions.length === 1 ? '' : 's'}`,
  );
  let scan: Awaited<ReturnType<typeof readInstances>>;
  let auth: Awaited<ReturnType<StepContext['reads']['authorizationDetails']>>;
  try {
    // IAM is global and independent of the EC2 fan-out: fetch both at once.
    [scan, auth] = await Promise.all([
      ctx.reads.once(`ec2:instances:${regions.join(',')}`, () =>
        readInstances(ctx.pool, regions, progress, !ctx.options.assessOnly),
      ),
      ctx.reads.authorizationDetails(),
    ]);
  } catch (err) {
    progress.fail('Could not read EC2 instances and IAM roles');
    throw err;
  }
  const readable = regions.length - scan.regionErrors.length;
  const summary =
    `Scanned ${regions.length}/${regions.length} regions: ${scan.instances.length} ` +
    `instance${scan.instances.length === 1 ? '' : 's'}`;
  if (scan.regionErrors.length > 0)
    progress.fail(`${summary}; ${scan.regionErrors.length} region(s) could not be read (${readable} read)`);
  else progress.succeed(summary);
  return {
    accountId: ctx.account.id,
    partition: partitionOf(ctx.caller.arn),
    regions,
    instances: scan.instances,
    regionErrors: scan.regionErrors,
    roles: analyzeRoles(auth.roles, auth.policies),
    customerPolicies: auth.policies
      .filter((p) => p.Arn && !p.Arn.includes(':iam::aws:policy/'))
      .map((p) => ({ arn: p.Arn ?? '', name: p.PolicyName ?? (p.Arn ?? '').slice((p.Arn ?? '').lastIndexOf('/') + 1) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}
