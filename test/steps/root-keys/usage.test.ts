/**
 * The pure half of ./usage.ts (summary, text, details) and its reads against a scripted pool:
 * paging, the page bound, pacing in one Region, a refusal on the first and on a later page.
 */
import { describe, expect, it } from 'vitest';
import type { RootKey } from '../../../src/steps/root-keys/analysis.js';
import {
  countValues,
  type KeyUsage,
  LOOKUP_INTERVAL_MS,
  type LookupEventsPage,
  LookupPacer,
  lookupRegion,
  parseLookupEvent,
  readKeyUsage,
  summariseUsage,
  USAGE_LOOKBACK_DAYS,
  usageDetails,
  usageFindings,
  usageLines,
  usageMessage,
} from '../../../src/steps/root-keys/usage.js';

const NOW = new Date('2026-12-06T12:00:00Z');
const SINCE = new Date(NOW.getTime() - USAGE_LOOKBACK_DAYS * 86_400_000);
const KEY_ID = 'AKIAAAAAAAAAAAAA1111';

function raw(name: string, time: string, ip?: string, ua?: string, source = 's3.amazonaws.com') {
  return {
    EventId: `${name}-${time}`,
    EventName: name,
    EventTime: new Date(time),
    EventSource: source,
    Username: 'root',
    AccessKeyId: KEY_ID,
    CloudTrailEvent: JSON.stringify({
      eventName: name,
      eventSource: source,
      ...(ip ? { sourceIPAddress: ip } : {}),
      ...(ua ? { userAgent: ua } : {}),
      userIdentity: { type: 'Root', accessKeyId: KEY_ID },
    }),
  };
}

function key(usage?: KeyUsage, extra: Partial<RootKey> = {}): RootKey {
  return {
    id: KEY_ID,
    active: true,
    sessionKey: false,
    lastUsed: new Date('2026-12-01T08:00:00Z'),
    lastUsedService: 's3',
    lastUsedRegion: 'eu-west-1',
    ...(usage ? { usage } : {}),
    ...extra,
  };
}

/** A pool that answers LookupEvents from a script and records each call. */
function scriptedPool(answers: Array<LookupEventsPage | Error>) {
  const calls: Array<{ service: string; operation: string; params: Record<string, unknown>; region?: string }> = [];
  return {
    calls,
    async call<T>(service: string, operation: string, params: Record<string, unknown> = {}, region?: string) {
      calls.push({ service, operation, params, region });
      const a = answers.shift();
      if (!a) throw new Error('unexpected call');
      if (a instanceof Error) throw a;
      return a as T;
    },
  };
}

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

/** A clock whose sleep moves it on, recording the waits. */
function fakeClock(start = NOW) {
  let t = start.getTime();
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => new Date(t),
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('parseLookupEvent', () => {
  it('takes name, source and time from the event and IP and user agent from its CloudTrailEvent JSON', () => {
    expect(parseLookupEvent(raw('PutObject', '2026-11-30T10:00:00Z', '203.0.113.7', 'backup/1.0'))).toEqual({
      name: 'PutObject',
      source: 's3.amazonaws.com',
      time: new Date('2026-11-30T10:00:00Z'),
      sourceIp: '203.0.113.7',
      userAgent: 'backup/1.0',
    });
  });

  it('survives a CloudTrailEvent that is not JSON, and sanitizes what it keeps', () => {
    const e = parseLookupEvent({ EventName: 'List\u001b[2JBuckets', CloudTrailEvent: '{not json' });
    expect(e.name).not.toContain('\u001b');
    expect(e).not.toHaveProperty('sourceIp');
    expect(e).not.toHaveProperty('time');
    expect(
      parseLookupEvent({
        CloudTrailEvent: JSON.stringify({
          eventName: 'GetObject',
          eventTime: '2026-12-01T00:00:00Z',
          userAgent: 'x\u202ey',
        }),
      }),
    ).toMatchObject({ name: 'GetObject', time: new Date('2026-12-01T00:00:00Z') });
    expect(parseLookupEvent({ CloudTrailEvent: JSON.stringify({ userAgent: 'x\u202ey' }) }).userAgent).not.toContain(
      '\u202e',
    );
  });
});

describe('summariseUsage', () => {
  const events = [
    raw('PutObject', '2026-12-05T10:00:00Z', '203.0.113.7', 'backup/1.0'),
    raw('PutObject', '2026-12-04T10:00:00Z', '203.0.113.7', 'backup/1.0'),
    raw('ListBuckets', '2026-11-20T09:00:00Z', '198.51.100.2', 'aws-cli/2.17'),
    raw('PutObject', '2026-12-01T10:00:00Z', '203.0.113.7', 'backup/1.0'),
  ].map(parseLookupEvent);

  it('counts event names, sources, IPs and user agents, most frequent first, and finds first and last seen', () => {
    const u = summariseUsage(events, { region: 'eu-west-1', since: SINCE, pages: 1, truncated: false });
    expect(u).toMatchObject({
      status: 'read',
      events: 4,
      eventNames: [
        { value: 'PutObject', count: 3 },
        { value: 'ListBuckets', count: 1 },
      ],
      sourceIps: [
        { value: '203.0.113.7', count: 3 },
        { value: '198.51.100.2', count: 1 },
      ],
      userAgents: [
        { value: 'backup/1.0', count: 3 },
        { value: 'aws-cli/2.17', count: 1 },
      ],
      eventSources: [{ value: 's3.amazonaws.com', count: 4 }],
      firstSeen: new Date('2026-11-20T09:00:00Z'),
      lastSeen: new Date('2026-12-05T10:00:00Z'),
      truncated: false,
    });
  });

  it('no events: no first or last seen', () => {
    const u = summariseUsage([], { region: 'us-east-1', since: SINCE, pages: 1, truncated: false });
    expect(u.events).toBe(0);
    expect(u.firstSeen).toBeUndefined();
    expect(u.lastSeen).toBeUndefined();
  });

  it('ties are ordered by value, so the order is stable', () => {
    expect(countValues(['b', 'a', undefined, 'b', 'a', 'c'])).toEqual([
      { value: 'a', count: 2 },
      { value: 'b', count: 2 },
      { value: 'c', count: 1 },
    ]);
  });
});

describe('what the operator reads', () => {
  const read = summariseUsage(
    [
      raw('PutObject', '2026-12-05T10:00:00Z', '203.0.113.7', 'backup/1.0'),
      raw('PutObject', '2026-12-04T10:00:00Z', '203.0.113.7', 'backup/1.0'),
      raw('ListBuckets', '2026-11-20T09:00:00Z', '198.51.100.2', 'aws-cli/2.17'),
    ].map(parseLookupEvent),
    { region: 'eu-west-1', since: SINCE, pages: 4, truncated: true },
  );

  it('lines: events counted, IPs, user agents, first and last seen, and that older events were not read', () => {
    const lines = usageLines(key(read));
    expect(lines[0]).toContain('AKIA************1111');
    expect(lines[0]).toContain('CloudTrail eu-west-1');
    expect(lines[0]).toContain('3 events, first 2026-11-20T09:00:00.000Z, last 2026-12-05T10:00:00.000Z');
    expect(lines[0]).toContain('read 4 pages; older events not read');
    expect(lines[1]).toBe('  calls: PutObject \u00d72, ListBuckets');
    expect(lines[2]).toBe('  from: 203.0.113.7 \u00d72, 198.51.100.2');
    expect(lines[3]).toBe('  user agents: backup/1.0 \u00d72, aws-cli/2.17');
    expect(JSON.stringify(lines)).not.toContain(KEY_ID);
  });

  it('message: one paragraph with the same facts, "+" when cut short', () => {
    const m = usageMessage(key(read));
    expect(m).toContain('3+ events in CloudTrail event history (eu-west-1');
    expect(m).toContain('first 2026-11-20T09:00:00Z, last 2026-12-05T10:00:00Z');
    expect(m).toContain('calls PutObject x2, ListBuckets');
    expect(m).toContain('from 203.0.113.7 x2, 198.51.100.2');
    expect(m).toContain('user agents backup/1.0 x2, 1 more');
    expect(m).toContain('only the newest 3 read');
    expect(m).not.toContain(KEY_ID);
  });

  it('more values than shown are counted, not listed', () => {
    const many = summariseUsage(
      ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((n) => parseLookupEvent(raw(n, '2026-12-01T00:00:00Z'))),
      { region: 'us-east-1', since: SINCE, pages: 1, truncated: false },
    );
    expect(usageLines(key(many))[1]).toBe('  calls: A, B, C, D, E, 2 more');
  });

  it('unreadable: says so, names cloudtrail:LookupEvents, and falls back to the last-used fields', () => {
    const u: KeyUsage = {
      status: 'unreadable',
      region: 'eu-west-1',
      since: SINCE,
      error: { action: 'cloudtrail:LookupEvents', code: 'AccessDeniedException', message: 'not authorized' },
    };
    const [line] = usageLines(key(u));
    expect(line).toContain('not readable, cloudtrail:LookupEvents was refused (AccessDeniedException');
    expect(line).toContain('last used 2026-12-01 (s3, eu-west-1)');
    const [f] = usageFindings([key(u)], 'arn:aws:iam::123456789012:root');
    expect(f).toMatchObject({ id: 'root-keys.key-usage', kind: 'info', severity: 'info', controls: [] });
    expect(f?.message).toContain('cloudtrail:LookupEvents was refused');
    expect(f?.message).toContain('last used 2026-12-01 (s3, eu-west-1)');
    expect(f?.remediation).toContain('"Action":"cloudtrail:LookupEvents"');
    expect(usageDetails(u)).toEqual({
      status: 'unreadable',
      region: 'eu-west-1',
      since: SINCE.toISOString(),
      error: { action: 'cloudtrail:LookupEvents', code: 'AccessDeniedException', message: 'not authorized' },
    });
  });

  it('not looked up: a key known only from the credential report, a member account', () => {
    const report = key({ status: 'not-looked-up', reason: 'no-key-id' }, { id: undefined, slot: 2 });
    expect(usageLines(report)[0]).toMatch(/^access key 2: last used 2026-12-01 \(s3, eu-west-1\); not looked up/);
    const member = key({ status: 'not-looked-up', reason: 'member-account', account: '210987654321' });
    expect(usageMessage(member)).toContain('member account 210987654321');
    expect(usageDetails(member.usage as KeyUsage)).toEqual({
      status: 'not-looked-up',
      reason: 'member-account',
      account: '210987654321',
    });
  });

  it('no key usage, no finding and no lines', () => {
    expect(usageFindings([key()], 'x')).toEqual([]);
    expect(usageLines(key())).toEqual([]);
  });

  it('details: counted lists, first/last seen, truncation', () => {
    expect(usageDetails(read)).toMatchObject({
      status: 'read',
      region: 'eu-west-1',
      since: SINCE.toISOString(),
      events: 3,
      pages: 4,
      truncated: true,
      firstSeen: '2026-11-20T09:00:00.000Z',
      lastSeen: '2026-12-05T10:00:00.000Z',
      eventNames: [
        { value: 'PutObject', count: 2 },
        { value: 'ListBuckets', count: 1 },
      ],
      sourceIps: [
        { value: '203.0.113.7', count: 2 },
        { value: '198.51.100.2', count: 1 },
      ],
      error: null,
    });
  });
});

describe('lookupRegion', () => {
  it('the last-used region, else the session region (also for "N/A" or junk)', () => {
    expect(lookupRegion({ lastUsedRegion: 'eu-west-1' }, 'us-east-1')).toBe('eu-west-1');
    expect(lookupRegion({ lastUsedRegion: 'us-gov-west-1' }, 'us-east-1')).toBe('us-gov-west-1');
    expect(lookupRegion({}, 'ap-south-1')).toBe('ap-south-1');
    expect(lookupRegion({ lastUsedRegion: 'N/A' }, 'ap-south-1')).toBe('ap-south-1');
  });
});

describe('readKeyUsage', () => {
  it('asks by AccessKeyId since 90 days ago, 50 a page, in the given Region, following NextToken', async () => {
    const pool = scriptedPool([
      { Events: [raw('PutObject', '2026-12-05T10:00:00Z', '203.0.113.7', 'backup/1.0')], NextToken: 't1' },
      { Events: [raw('ListBuckets', '2026-11-20T09:00:00Z', '198.51.100.2', 'aws-cli/2.17')] },
    ]);
    const clock = fakeClock();
    const u = await readKeyUsage(pool, KEY_ID, { region: 'eu-west-1', now: NOW, pacer: new LookupPacer(clock) });
    expect(pool.calls.map((c) => [c.service, c.operation, c.region])).toEqual([
      ['cloudtrail', 'LookupEvents', 'eu-west-1'],
      ['cloudtrail', 'LookupEvents', 'eu-west-1'],
    ]);
    expect(pool.calls[0]?.params).toEqual({
      LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: KEY_ID }],
      StartTime: SINCE,
      MaxResults: 50,
    });
    expect(pool.calls[1]?.params.NextToken).toBe('t1');
    expect(u).toMatchObject({ status: 'read', events: 2, pages: 2, truncated: false });
    // Two lookups in one Region: the second waited so they are at least 500 ms apart.
    expect(clock.sleeps).toEqual([LOOKUP_INTERVAL_MS]);
  });

  it('stops after maxPages and says the pages were cut short', async () => {
    const page = (n: number): LookupEventsPage => ({
      Events: [raw('GetObject', `2026-12-0${n}T00:00:00Z`)],
      NextToken: `t${n}`,
    });
    const pool = scriptedPool([page(5), page(4), page(3), page(2), page(1)]);
    const u = await readKeyUsage(pool, KEY_ID, {
      region: 'us-east-1',
      now: NOW,
      pacer: new LookupPacer(fakeClock()),
      maxPages: 4,
    });
    expect(pool.calls).toHaveLength(4);
    expect(u).toMatchObject({ status: 'read', events: 4, pages: 4, truncated: true });
  });

  it('a refusal of the first page: unreadable, naming cloudtrail:LookupEvents', async () => {
    const pool = scriptedPool([
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::1:user/a is not authorized to perform: cloudtrail:LookupEvents',
      ),
    ]);
    const u = await readKeyUsage(pool, KEY_ID, { region: 'us-east-1', now: NOW, pacer: new LookupPacer(fakeClock()) });
    expect(u).toMatchObject({
      status: 'unreadable',
      region: 'us-east-1',
      error: { action: 'cloudtrail:LookupEvents', code: 'AccessDeniedException' },
    });
  });

  it('a failure on a later page: the pages read count, with the error', async () => {
    const pool = scriptedPool([
      { Events: [raw('PutObject', '2026-12-05T10:00:00Z', '203.0.113.7')], NextToken: 't1' },
      awsError('ThrottlingException', 'Rate exceeded'),
    ]);
    const u = await readKeyUsage(pool, KEY_ID, { region: 'us-east-1', now: NOW, pacer: new LookupPacer(fakeClock()) });
    expect(u).toMatchObject({ status: 'read', events: 1, pages: 1, truncated: false });
    expect(u.status === 'read' && u.error?.code).toBe('ThrottlingException');
    expect(usageLines(key(u))[0]).toContain('then cloudtrail:LookupEvents failed (ThrottlingException');
  });
});

describe('LookupPacer', () => {
  it('waits only for lookups in the same Region less than 500 ms apart', async () => {
    const clock = fakeClock();
    const pacer = new LookupPacer(clock);
    await pacer.wait('us-east-1');
    await pacer.wait('eu-west-1');
    clock.advance(200);
    await pacer.wait('us-east-1');
    clock.advance(600);
    await pacer.wait('us-east-1');
    expect(clock.sleeps).toEqual([300]);
  });
});
