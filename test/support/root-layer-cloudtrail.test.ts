/**
 * Behaviour 20 of the root layer: CloudTrail event history (cloudtrail LookupEvents), answered
 * from the layer's record of requests and from planted events, in the shape of the CloudTrail
 * API Reference (LookupEvents, Event).
 */
import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { createIamUserWithKey, testClients, type TestCredentials } from './clients.js';
import { useEmulator } from './emulator.js';

const emu = useEmulator();
const layer = () => emu().layer;
const ACCT = '123456789012';
const DAY = 86_400_000;

function trail(creds: TestCredentials, region = 'us-east-1'): CloudTrailClient {
  return new CloudTrailClient({ endpoint: emu().endpoint, credentials: creds, region, maxAttempts: 1 });
}

function byKey(keyId: string, extra: Partial<LookupEventsCommandInput> = {}): LookupEventsCommand {
  return new LookupEventsCommand({
    LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: keyId }],
    ...extra,
  });
}

describe('root layer: CloudTrail LookupEvents (behaviour 20)', () => {
  it("answers a root key's calls, newest first, in the region they were recorded in, with the documented shape", async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}] });
    const [own, other] = keys as [TestCredentials, TestCredentials];
    const c = testClients(emu().endpoint, other, 'eu-west-1');
    await c.iam.send(new ListUsersCommand({}));
    await c.sts.send(new GetCallerIdentityCommand({}));
    await c.ec2.send(new DescribeRegionsCommand({}));

    // IAM's event is in us-east-1 (a global service); STS's and EC2's in eu-west-1, where they were called.
    const east = await trail(own).send(byKey(other.accessKeyId));
    expect(east.Events?.map((e) => e.EventName)).toEqual(['ListUsers']);
    const west = await trail(own, 'eu-west-1').send(byKey(other.accessKeyId));
    expect(west.Events?.map((e) => e.EventName)).toEqual(['DescribeRegions', 'GetCallerIdentity']);

    const e = east.Events?.[0];
    expect(e).toMatchObject({
      EventName: 'ListUsers',
      EventSource: 'iam.amazonaws.com',
      AccessKeyId: other.accessKeyId,
      Username: 'root',
      ReadOnly: 'true',
    });
    expect(e?.EventTime).toBeInstanceOf(Date);
    expect(typeof e?.EventId).toBe('string');
    const record = JSON.parse(e?.CloudTrailEvent ?? '{}');
    expect(record).toMatchObject({
      eventName: 'ListUsers',
      eventSource: 'iam.amazonaws.com',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      userIdentity: { type: 'Root', arn: `arn:aws:iam::${ACCT}:root`, accountId: ACCT, accessKeyId: other.accessKeyId },
      eventType: 'AwsApiCall',
      managementEvent: true,
    });
    // The SDK's User-Agent header, as CloudTrail records it.
    expect(record.userAgent).toMatch(/aws-sdk-js/);
    // The lookups themselves are management events of the key that made them.
    const lookups = await trail(own).send(byKey(own.accessKeyId));
    expect(lookups.Events?.map((x) => x.EventName)).toContain('LookupEvents');
  });

  it('planted events: inside the time range and the last 90 days only, paged by MaxResults and NextToken', async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}, {}] });
    const [own, other] = keys as [TestCredentials, TestCredentials];
    const now = layer().now().getTime();
    layer().seedTrailEvents(
      other.accessKeyId,
      Array.from({ length: 7 }, (_, i) => ({
        eventName: `Call${i}`,
        service: 's3',
        time: new Date(now - (i + 1) * DAY),
        sourceIp: '203.0.113.7',
        userAgent: 'backup-script/1.2',
      })),
    );
    layer().seedTrailEvents(other.accessKeyId, [{ eventName: 'TooOld', time: new Date(now - 91 * DAY) }]);
    layer().seedTrailEvents(other.accessKeyId, [
      { eventName: 'Elsewhere', region: 'ap-south-1', time: new Date(now - DAY) },
    ]);

    const client = trail(own);
    const first = await client.send(byKey(other.accessKeyId, { MaxResults: 3 }));
    expect(first.Events?.map((e) => e.EventName)).toEqual(['Call0', 'Call1', 'Call2']);
    expect(first.NextToken).toBeTruthy();
    const second = await client.send(byKey(other.accessKeyId, { MaxResults: 3, NextToken: first.NextToken }));
    expect(second.Events?.map((e) => e.EventName)).toEqual(['Call3', 'Call4', 'Call5']);
    const third = await client.send(byKey(other.accessKeyId, { MaxResults: 3, NextToken: second.NextToken }));
    // TooOld is beyond event history's 90 days; Elsewhere is in another region's history.
    expect(third.Events?.map((e) => e.EventName)).toEqual(['Call6']);
    expect(third.NextToken).toBeUndefined();
    expect(JSON.parse(third.Events?.[0]?.CloudTrailEvent ?? '{}')).toMatchObject({
      eventSource: 's3.amazonaws.com',
      sourceIPAddress: '203.0.113.7',
      userAgent: 'backup-script/1.2',
    });

    const window = await client.send(
      byKey(other.accessKeyId, { StartTime: new Date(now - 3.5 * DAY), EndTime: new Date(now - 1.5 * DAY) }),
    );
    expect(window.Events?.map((e) => e.EventName)).toEqual(['Call1', 'Call2']);

    // A token from another lookup, MaxResults out of range, two attributes: refused as AWS documents.
    await expect(client.send(byKey(own.accessKeyId, { NextToken: first.NextToken }))).rejects.toMatchObject({
      name: 'InvalidNextTokenException',
    });
    await expect(client.send(byKey(other.accessKeyId, { MaxResults: 51 }))).rejects.toMatchObject({
      name: 'InvalidMaxResultsException',
    });
    await expect(
      client.send(byKey(other.accessKeyId, { StartTime: new Date(now), EndTime: new Date(now - DAY) })),
    ).rejects.toMatchObject({ name: 'InvalidTimeRangeException' });
  });

  it("another account's events are not in this account's history", async () => {
    const { keys } = layer().seedRoot(ACCT, { keys: [{}] });
    const [own] = keys as [TestCredentials];
    const user = await createIamUserWithKey(emu().endpoint, 'someone');
    await testClients(emu().endpoint, user).iam.send(new ListUsersCommand({}));
    // The IAM user is in this account: its call is there, under its own identity.
    const mine = await trail(own).send(byKey(user.accessKeyId));
    expect(mine.Events?.map((e) => e.EventName)).toEqual(['ListUsers']);
    expect(mine.Events?.[0]?.Username).toBe('someone');
    expect(JSON.parse(mine.Events?.[0]?.CloudTrailEvent ?? '{}').userIdentity).toMatchObject({ type: 'IAMUser' });

    const other = layer().seedRoot('210987654321', { keys: [{}] }).keys[0] as TestCredentials;
    const theirs = await trail(other).send(byKey(user.accessKeyId));
    expect(theirs.Events).toEqual([]);
  });
});
