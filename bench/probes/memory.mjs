/**
 * Memory probes the benchmark runs under /usr/bin/time -v to explain rootlock's peak RSS:
 *
 *   node bench/probes/memory.mjs floor           node and this script only
 *   node bench/probes/memory.mjs ec2-import      load @aws-sdk/client-ec2 (no call)
 *   node bench/probes/memory.mjs iam-import      load @aws-sdk/client-iam (no call)
 *   node bench/probes/memory.mjs aad ENDPOINT [no-aws-managed] [ec2-before | ec2-after]
 *        every page of GetAccountAuthorizationDetails (MaxItems 1000, following Markers)
 *        with rootlock's filter (or without AWSManagedPolicy), through the bare SDK, every
 *        page kept alive; `ec2-before` / `ec2-after` also load @aws-sdk/client-ec2 before the
 *        first page or after the last
 *
 * Prints one JSON line. Credentials come from the environment.
 */
const [mode, endpoint, ...options] = process.argv.slice(2);
const out = { mode };
const loadEc2 = () => import('@aws-sdk/client-ec2');
if (mode === 'ec2-import') await loadEc2();
if (mode === 'iam-import') await import('@aws-sdk/client-iam');
if (mode === 'aad') {
  if (options.includes('ec2-before')) await loadEc2();
  const { IAMClient, GetAccountAuthorizationDetailsCommand } = await import('@aws-sdk/client-iam');
  const client = new IAMClient({ region: 'us-east-1', endpoint, maxAttempts: 1 });
  const Filter = ['User', 'Group', 'Role', 'LocalManagedPolicy'];
  if (!options.includes('no-aws-managed')) Filter.push('AWSManagedPolicy');
  const pages = [];
  let Marker;
  do {
    const r = await client.send(new GetAccountAuthorizationDetailsCommand({ Filter, MaxItems: 1000, Marker }));
    pages.push(r);
    Marker = r.IsTruncated ? r.Marker : undefined;
  } while (Marker);
  globalThis.keep = pages;
  if (options.includes('ec2-after')) await loadEc2();
  const all = (list) => pages.flatMap((p) => p[list] ?? []);
  const aws = all('Policies').filter((p) => p.Arn?.startsWith('arn:aws:iam::aws:policy/'));
  Object.assign(out, {
    filter: Filter,
    ec2: options.find((o) => o.startsWith('ec2-')),
    pages: pages.length,
    users: all('UserDetailList').length,
    groups: all('GroupDetailList').length,
    roles: all('RoleDetailList').length,
    policies: all('Policies').length,
    awsManagedPolicies: aws.length,
    awsManagedAttached: aws.filter((p) => (p.AttachmentCount ?? 0) > 0).length,
  });
}
out.heapUsedMiB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
process.stdout.write(`${JSON.stringify(out)}\n`);
