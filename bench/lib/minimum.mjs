/**
 * The fewest API calls AWS allows for the answers `rootlock check --json` gives, computed
 * from the entity counts.
 *
 * Assumptions, each stated in docs/performance.md:
 * - GetAccountAuthorizationDetails: MaxItems 1000 (the API's maximum); every user, group,
 *   role and managed policy counts as one item against MaxItems; AWS fills each page
 *   (it may return fewer: then the minimum is higher, never lower). With the
 *   AWSManagedPolicy filter AWS lists only AWS managed policies attached to something in
 *   the account; moto lists every one of them, so the benchmark computes the minimum twice:
 *   for the items the emulator actually answered (what the measured pages are compared
 *   with) and for AWS.
 * - DescribeInstances: up to 1000 instances per page (MaxResults' maximum), per region.
 * - The credential report: one GenerateCredentialReport that finds a report newer than
 *   4 hours (state COMPLETE) and one GetCredentialReport; a first generation needs polling.
 */

export const AAD_MAX_ITEMS = 1000;
export const DESCRIBE_INSTANCES_MAX = 1000;

/** Counts the minimum is computed from, derived from the seed plan. */
export function countsFromPlan(plan) {
  const awsManagedAttached = new Set();
  for (const e of [...plan.users, ...plan.groups, ...plan.roles]) {
    for (const arn of e.attached) if (arn.startsWith('arn:aws:iam::aws:policy/')) awsManagedAttached.add(arn);
  }
  const instancesByRegion = {};
  for (const r of plan.scale.regions) instancesByRegion[r] = 0;
  for (const i of plan.instances) instancesByRegion[i.region] += 1;
  return {
    users: plan.users.length,
    groups: plan.groups.length,
    roles: plan.roles.length,
    localPolicies: plan.policies.length,
    awsManagedAttached: awsManagedAttached.size,
    instancesByRegion,
  };
}

/** Items GetAccountAuthorizationDetails returns for the filter rootlock uses (all five types). */
export function authorizationItems(counts) {
  return counts.users + counts.groups + counts.roles + counts.localPolicies + counts.awsManagedAttached;
}

export const pagesFor = (items, perPage) => Math.max(1, Math.ceil(items / perPage));

/**
 * The minimum, operation by operation, each with the answer it is needed for.
 * `regionsGiven`: --regions was passed (no DescribeRegions). `answeredItems`: the items
 * GetAccountAuthorizationDetails actually answered (the emulator lists every AWS managed
 * policy); by default, the items AWS answers for the counts.
 */
export function minimumCalls(counts, { regionsGiven = true, answeredItems } = {}) {
  const items = answeredItems ?? authorizationItems(counts);
  const rows = [
    { op: 'sts:GetCallerIdentity', min: 1, why: 'who is calling, which account' },
    { op: 'iam:ListAccountAliases', min: 1, why: 'the account alias in the report' },
    {
      op: 'iam:GetAccountAuthorizationDetails',
      min: pagesFor(items, AAD_MAX_ITEMS),
      why: `users, groups, roles and policies with documents (admins, instance roles): ${items} items / ${AAD_MAX_ITEMS} per page`,
    },
    { op: 'iam:GenerateCredentialReport', min: 1, why: "credential report (admins' passwords, MFA, keys; root row)" },
    { op: 'iam:GetCredentialReport', min: 1, why: 'credential report content' },
    { op: 'iam:GetAccountSummary', min: 1, why: 'root access keys present, root MFA' },
    { op: 'iam:GetAccountPasswordPolicy', min: 1, why: 'the account password policy (admins step)' },
    {
      op: 'organizations:DescribeOrganization',
      min: 1,
      why: 'what kind of account (the seeded one is standalone, so nothing more about an organization)',
    },
    {
      op: 'ec2:DescribeRegions',
      min: regionsGiven ? 0 : 1,
      why: regionsGiven ? 'not needed: --regions given' : 'enabled regions',
    },
  ];
  for (const [region, n] of Object.entries(counts.instancesByRegion)) {
    rows.push({
      op: 'ec2:DescribeInstances',
      region,
      min: pagesFor(n, DESCRIBE_INSTANCES_MAX),
      why: `instances and their instance profiles in ${region}: ${n} / ${DESCRIBE_INSTANCES_MAX} per page`,
    });
  }
  rows.push(
    { op: 'account:GetAlternateContact', min: 3, why: 'billing, operations and security contacts' },
    { op: 'account:GetContactInformation', min: 1, why: 'the primary contact' },
    { op: 's3control:GetPublicAccessBlock', min: 1, why: 'account-level S3 Block Public Access (next steps)' },
  );
  const byOperation = {};
  for (const r of rows) byOperation[r.op] = (byOperation[r.op] ?? 0) + r.min;
  const total = rows.reduce((s, r) => s + r.min, 0);
  return { rows, byOperation, total, authorizationItems: items };
}

/**
 * Compares calls with the minimum: per operation (min, made, extra) and the operations made
 * that the minimum does not need.
 */
export function compareWithMinimum(minimum, madeByOperation) {
  const ops = new Set([...Object.keys(minimum.byOperation), ...Object.keys(madeByOperation)]);
  const rows = [...ops].sort().map((op) => {
    const min = minimum.byOperation[op] ?? 0;
    const made = madeByOperation[op] ?? 0;
    return { op, min, made, extra: made - min };
  });
  const made = Object.values(madeByOperation).reduce((s, n) => s + n, 0);
  return {
    rows,
    made,
    minimum: minimum.total,
    ratio: minimum.total ? made / minimum.total : NaN,
    extraOperations: rows.filter((r) => r.min === 0 && r.made > 0).map((r) => r.op),
    over: rows.filter((r) => r.extra > 0),
    under: rows.filter((r) => r.extra < 0),
  };
}
