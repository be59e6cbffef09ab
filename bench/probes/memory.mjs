/**
 * Memory probes the benchmark runs under /usr/bin/time -v to explain rootlock's peak RSS:
 *
 *   node bench/probes/memory.mjs floor           node and this script only
 *   node bench/probes/memory.mjs ec2-import      load @aws-sdk/client-ec2 (no call)
 *   node bench/probes/memory.mjs iam-import      load @aws-sdk/client-iam (no call)
 *   node bench/probes/memory.mjs aad ENDPOINT [no-aws-managed]
 *        one GetAccountAuthorizationDetails with rootlock's filter (or without
 *        AWSManagedPolicy), result kept alive, through the bare SDK
 *
 * Prints one JSON line. Credentials come from the environment.
 */
const [mode, endpoint, variant] = process.argv.slice(2);
const out = { mode };
if (mode === 'ec2-import') await import('@aws-sdk/client-ec2');
if (mode === 'iam-import') await import('@aws-sdk/client-iam');
if (mode === 'aad') {
  const { IAMClient, GetAccountAuthorizationDetailsCommand } = await import('@aws-sdk/client-iam');
  const client = new IAMClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
  const Filter = ['User', 'Group', 'Role', 'LocalManagedPolicy'];
  if (variant !== 'no-aws-managed') Filter.push('AWSManagedPolicy');
  const r = await client.send(new GetAccountAuthorizationDetailsCommand({ Filter, MaxItems: 1000 }));
  globalThis.keep = r;
  const aws = (r.Policies ?? []).filter((p) => p.Arn?.startsWith('arn:aws:iam::aws:policy/'));
  Object.assign(out, {
    filter: Filter,
    users: r.UserDetailList?.length ?? 0,
    groups: r.GroupDetailList?.length ?? 0,
    roles: r.RoleDetailList?.length ?? 0,
    policies: r.Policies?.length ?? 0,
    awsManagedPolicies: aws.length,
    awsManagedAttached: aws.filter((p) => (p.AttachmentCount ?? 0) > 0).length,
    truncated: Boolean(r.IsTruncated),
  });
}
out.heapUsedMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
process.stdout.write(`${JSON.stringify(out)}\n`);
