import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  EC2ServiceException,
  type Reservation,
} from '@aws-sdk/client-ec2';
import { GetAccountAuthorizationDetailsCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientPool } from '../../../src/aws/pool.js';
import { testSessionContext } from '../../support/context.js';
import type { RunOptions, StepContext } from '../../../src/engine/step.js';
import type { Clock, Progress } from '../../../src/engine/types.js';
import { allEc2Pages, readEc2Roles, REGION_CONCURRENCY } from '../../../src/steps/ec2-roles/read.js';
import { assessEc2Roles } from '../../../src/steps/ec2-roles/analysis.js';
import { RecordingOutput } from '../../support/harness.js';

const clock: Clock = { now: () => new Date(0), sleep: async () => {} };
const ACCOUNT = '123456789012';

class ProgressOutput extends RecordingOutput {
  readonly updates: string[] = [];
  override progress(t: string): Progress {
    const inner = super.progress(t);
    return { ...inner, update: (x: string) => void this.updates.push(x) };
  }
}

function context(options: Partial<RunOptions> = {}) {
  const pool = new ClientPool({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x'.repeat(40) },
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
  });
  const output = new ProgressOutput();
  const ctx: StepContext = testSessionContext({
    pool,
    caller: {
      accountId: ACCOUNT,
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      userId: 'AIDA',
      type: 'iam-user',
      name: 'alice',
      temporary: false,
    },
    account: { id: ACCOUNT },
    clock,
    output,
    options,
  });
  return { ctx, output, pool };
}

const reservation = (...ids: string[]): Reservation => ({
  Instances: ids.map((id) => ({ InstanceId: id, State: { Name: 'running' } })),
});
const denied = () =>
  new EC2ServiceException({
    name: 'UnauthorizedOperation',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message: 'You are not authorized to perform this operation.',
  });

describe('allEc2Pages', () => {
  it('follows NextToken to the end', async () => {
    const tokens: Array<string | undefined> = [];
    const pages = await allEc2Pages(async (t) => {
      tokens.push(t);
      return { NextToken: t === undefined ? 'a' : t === 'a' ? 'b' : undefined };
    });
    expect(tokens).toEqual([undefined, 'a', 'b']);
    expect(pages).toHaveLength(3);
  });
  it('stops when a token repeats instead of looping forever', async () => {
    const pages = await allEc2Pages(async () => ({ NextToken: 'same' }));
    expect(pages).toHaveLength(2);
  });
  it('treats an empty token as the end', async () => {
    expect(await allEc2Pages(async () => ({ NextToken: '' }))).toHaveLength(1);
  });
});

describe('readEc2Roles', () => {
  const ec2 = mockClient(EC2Client);
  const iam = mockClient(IAMClient);
  beforeEach(() => {
    ec2.reset();
    iam.reset();
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [], Policies: [], IsTruncated: false });
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({ IamInstanceProfileAssociations: [] });
  });
  afterEach(() => {
    ec2.reset();
    iam.reset();
  });

  it('when only assessing, takes profiles from DescribeInstances and reads no association ids', async () => {
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-1',
              State: { Name: 'running' },
              IamInstanceProfile: { Arn: `arn:aws:iam::${ACCOUNT}:instance-profile/app` },
            },
          ],
        },
      ],
    });
    const { ctx } = context({ regions: ['us-east-1'], assessOnly: true });
    const state = await readEc2Roles(ctx);
    expect(state.instances.map((i) => i.instanceProfileArn)).toEqual([`arn:aws:iam::${ACCOUNT}:instance-profile/app`]);
    expect(ec2.commandCalls(DescribeIamInstanceProfileAssociationsCommand)).toHaveLength(0);
  });

  it('lists every enabled region, all pages, the scanned states only, with bounded concurrency and counted progress', async () => {
    const regions = Array.from({ length: 17 }, (_, i) => `r-${String(i).padStart(2, '0')}`);
    ec2.on(DescribeRegionsCommand).resolves({
      Regions: [
        ...regions.map((RegionName) => ({ RegionName, OptInStatus: 'opt-in-not-required' })),
        { RegionName: 'zz-off', OptInStatus: 'not-opted-in' },
      ],
    });
    let inFlight = 0;
    let peak = 0;
    const seenInputs: any[] = [];
    ec2.on(DescribeInstancesCommand).callsFake(async (input, getClient) => {
      const region = await getClient().config.region();
      seenInputs.push({ region, ...input });
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      if (region === 'r-03' && !input.NextToken) return { Reservations: [reservation('i-3a')], NextToken: 'page2' };
      if (region === 'r-03' && input.NextToken === 'page2') return { Reservations: [reservation('i-3b', 'i-3c')] };
      if (region === 'r-10') return { Reservations: [reservation('i-10')] };
      return { Reservations: [] };
    });
    const { ctx, output } = context();
    const state = await readEc2Roles(ctx);

    expect(state.regions).toEqual(regions);
    expect(state.instances.map((i) => `${i.region}/${i.id}`)).toEqual([
      'r-03/i-3a',
      'r-03/i-3b',
      'r-03/i-3c',
      'r-10/i-10',
    ]);
    expect(state.regionErrors).toEqual([]);
    expect(peak).toBeLessThanOrEqual(REGION_CONCURRENCY);
    expect(peak).toBeGreaterThan(1);
    for (const input of seenInputs) {
      expect(input.MaxResults).toBe(1000);
      expect(input.Filters).toEqual([
        { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped'] },
      ]);
    }
    expect(seenInputs.filter((i) => i.region === 'r-03').map((i) => i.NextToken)).toEqual([undefined, 'page2']);
    expect(seenInputs.some((i) => i.region === 'zz-off')).toBe(false);
    // associations only where there are instances
    const assocRegions = await Promise.all(
      ec2
        .commandCalls(DescribeIamInstanceProfileAssociationsCommand)
        .map((c) => (c.thisValue as EC2Client).config.region()),
    );
    expect(assocRegions.sort()).toEqual(['r-03', 'r-10']);
    expect(output.updates.at(-1)).toBe('Scanned 17/17 regions, 4 instances so far');
    expect(output.updates).toHaveLength(17);
    expect(output.updates[4]).toMatch(/^Scanned 5\/17 regions, \d+ instances? so far$/);
    expect(output.lines).toContain('[ok] Scanned 17/17 regions: 4 instances');
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(1);
  });

  it('uses --regions instead of DescribeRegions', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const { ctx } = context({ regions: ['eu-west-1', 'us-east-1', 'eu-west-1'] });
    const state = await readEc2Roles(ctx);
    expect(state.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(ec2.commandCalls(DescribeRegionsCommand)).toHaveLength(0);
    expect(ec2.commandCalls(DescribeInstancesCommand)).toHaveLength(2);
  });

  it('reports a region where DescribeInstances is denied, naming the action, and still reads the others', async () => {
    ec2.on(DescribeInstancesCommand).callsFake(async (_input, getClient) => {
      const region = await getClient().config.region();
      if (region === 'eu-west-2') throw denied();
      return { Reservations: region === 'us-east-1' ? [reservation('i-ok')] : [] };
    });
    const { ctx, output } = context({ regions: ['eu-west-1', 'eu-west-2', 'us-east-1'] });
    const state = await readEc2Roles(ctx);
    expect(state.instances.map((i) => i.id)).toEqual(['i-ok']);
    expect(state.regionErrors).toEqual([
      {
        region: 'eu-west-2',
        code: 'UnauthorizedOperation',
        message: 'You are not authorized to perform this operation.',
        deniedAction: 'ec2:DescribeInstances',
      },
    ]);
    expect(output.lines.at(-1)).toMatch(/^\[fail\] Scanned 3\/3 regions: 1 instance; 1 region\(s\) could not be read/);
    const a = assessEc2Roles(state);
    expect(a.status).toBe('fail');
    expect(a.findings.find((f) => f.id === 'ec2-roles.region-unreadable')?.message).toMatch(/ec2:DescribeInstances/);
  });

  it('reports a denied association listing the same way (the region is not vouched for)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [reservation('i-1')] });
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).rejects(denied());
    const { ctx } = context({ regions: ['eu-west-1'] });
    const state = await readEc2Roles(ctx);
    expect(state.regionErrors[0]?.deniedAction).toBe('ec2:DescribeIamInstanceProfileAssociations');
    expect(assessEc2Roles(state).status).toBe('error');
  });

  it('lets a DescribeRegions denial fail the read (the runner turns it into an error naming the action)', async () => {
    ec2.on(DescribeRegionsCommand).rejects(denied());
    const { ctx } = context();
    await expect(readEc2Roles(ctx)).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });
});
