/**
 * What a root access key is used for, before it goes: its recent activity in CloudTrail event
 * history (cloudtrail:LookupEvents by AccessKeyId, the last 90 days, in one region, a few pages at
 * most), summarised as event names, source IPs and user agents counted, and first and last seen.
 *
 * The summarising, the text and the details are pure; {@link readKeyUsage} and
 * {@link attachUsage} are the reads. LookupEvents only reads, so check and dry-run call it too.
 * Where CloudTrail is not readable the usage says so (naming cloudtrail:LookupEvents) and the
 * key's last-used fields (GetAccessKeyLastUsed, the credential report) stand alone: nothing here
 * ever fails the step.
 *
 * AWS facts (CloudTrail API Reference, LookupEvents): event history holds the management events
 * of the last 90 days, per Region; AttributeKey `AccessKeyId` looks events up by access key;
 * at most 50 results a page (NextToken for the next); two lookups a second per account per
 * Region, beyond which AWS throttles. Events of global services (IAM, STS's global endpoint)
 * are recorded in us-east-1. Events reach event history about 5 to 15 minutes after the call.
 */
import { describeAwsError, isAccessDenied } from '../../aws/errors.js';
import type { ClientPool } from '../../aws/pool.js';
import type { StepContext } from '../../engine/step.js';
import type { Finding } from '../../engine/types.js';
import { maskKeyId, sanitize } from '../../util/text.js';
import { isoDay } from '../../util/time.js';

/** A failed AWS call (the shape of analysis.ts's ReadFailure, which this file does not import). */
export interface ReadFailure {
  action: string;
  code: string;
  message: string;
}

/** What this file needs of a root key (analysis.ts's RootKey has these fields). */
export interface UsageKey {
  id?: string;
  slot?: 1 | 2;
  lastUsed?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
  usage?: KeyUsage;
}

/** The IAM action LookupEvents needs. */
export const LOOKUP_ACTION = 'cloudtrail:LookupEvents';
/** How far back event history goes, and how far back rootlock looks. */
export const USAGE_LOOKBACK_DAYS = 90;
/** LookupEvents' largest page. */
export const USAGE_PAGE_SIZE = 50;
/** Pages read per key at most (so at most 200 events), keeping a session's lookups short. */
export const USAGE_MAX_PAGES = 4;
/** Two lookups a second per account and Region: at least this long between two in one Region. */
export const LOOKUP_INTERVAL_MS = 500;
/** Entries kept per counted list in the details (the rest are counted in `more`). */
const DETAIL_LIST_MAX = 20;
/** Entries shown per counted list on screen and in the finding. */
const SHOWN_MAX = 5;
/** Characters shown of one value (the details keep up to 200). */
const SHOWN_LENGTH = 60;

/** One value and how many events had it. */
export interface Counted {
  value: string;
  count: number;
}

/** One CloudTrail event, reduced to what the summary uses (strings sanitized). */
export interface TrailEvent {
  name: string;
  source?: string;
  time?: Date;
  sourceIp?: string;
  userAgent?: string;
}

/**
 * A root key's recent use, as rootlock could learn it:
 * - `read`: LookupEvents answered (`truncated` when more events were left than the pages read;
 *   `error` when a later page failed, the first ones counted);
 * - `unreadable`: LookupEvents failed (denied, throttled, not available in the Region);
 * - `not-looked-up`: rootlock could not ask (no key id, or another account's event history).
 */
export type KeyUsage =
  | {
      status: 'read';
      region: string;
      since: Date;
      events: number;
      pages: number;
      truncated: boolean;
      eventNames: Counted[];
      eventSources: Counted[];
      sourceIps: Counted[];
      userAgents: Counted[];
      firstSeen?: Date;
      lastSeen?: Date;
      error?: ReadFailure;
    }
  | { status: 'unreadable'; region: string; since: Date; error: ReadFailure }
  | { status: 'not-looked-up'; reason: 'no-key-id' | 'member-account'; account?: string };

/** The shape of a LookupEvents answer that rootlock reads (CloudTrail API Reference, LookupEvents / Event). */
export interface LookupEventsPage {
  Events?: Array<{
    EventId?: string;
    EventName?: string;
    EventTime?: Date | string;
    EventSource?: string;
    Username?: string;
    AccessKeyId?: string;
    CloudTrailEvent?: string;
  }>;
  NextToken?: string;
}

/* ---------------- pure ---------------- */

/** Whether a key has any recorded use (GetAccessKeyLastUsed's LastUsedDate or the report's last-used date). */
export function hasRecordedUse(k: Pick<UsageKey, 'lastUsed'>): boolean {
  return k.lastUsed !== undefined;
}

/** The Region to look a key up in: where it was last used, else the session's. */
export function lookupRegion(k: Pick<UsageKey, 'lastUsedRegion'>, sessionRegion: string): string {
  const r = k.lastUsedRegion;
  return r && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(r) ? r : sessionRegion;
}

function text(v: unknown, maxLength: number): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return sanitize(v, { maxLength });
}

function date(v: unknown): Date | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  if (typeof v === 'string' || typeof v === 'number') {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? undefined : d;
  }
  return undefined;
}

/** One LookupEvents event: its name, source and time; from its CloudTrailEvent JSON, source IP and user agent. */
export function parseLookupEvent(e: NonNullable<LookupEventsPage['Events']>[number]): TrailEvent {
  let record: Record<string, unknown> = {};
  if (typeof e.CloudTrailEvent === 'string') {
    try {
      const parsed: unknown = JSON.parse(e.CloudTrailEvent);
      if (parsed && typeof parsed === 'object') record = parsed as Record<string, unknown>;
    } catch {
      // An unreadable record still counts by its name and time.
    }
  }
  const out: TrailEvent = { name: text(e.EventName ?? record.eventName, 100) ?? '(unnamed)' };
  const source = text(e.EventSource ?? record.eventSource, 100);
  if (source) out.source = source;
  const time = date(e.EventTime ?? record.eventTime);
  if (time) out.time = time;
  const ip = text(record.sourceIPAddress, 100);
  if (ip) out.sourceIp = ip;
  const ua = text(record.userAgent, 200);
  if (ua) out.userAgent = ua;
  return out;
}

/** Counts values, most frequent first (then by value, so the order is stable). */
export function countValues(values: ReadonlyArray<string | undefined>): Counted[] {
  const by = new Map<string, number>();
  for (const v of values) if (v !== undefined) by.set(v, (by.get(v) ?? 0) + 1);
  return [...by.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

/** The summary of the events read for one key. */
export function summariseUsage(
  events: readonly TrailEvent[],
  read: { region: string; since: Date; pages: number; truncated: boolean; error?: ReadFailure },
): Extract<KeyUsage, { status: 'read' }> {
  const times = events.map((e) => e.time?.getTime()).filter((t): t is number => t !== undefined);
  return {
    status: 'read',
    region: read.region,
    since: read.since,
    events: events.length,
    pages: read.pages,
    truncated: read.truncated,
    eventNames: countValues(events.map((e) => e.name)),
    eventSources: countValues(events.map((e) => e.source)),
    sourceIps: countValues(events.map((e) => e.sourceIp)),
    userAgents: countValues(events.map((e) => e.userAgent)),
    ...(times.length ? { firstSeen: new Date(Math.min(...times)), lastSeen: new Date(Math.max(...times)) } : {}),
    ...(read.error ? { error: read.error } : {}),
  };
}

/** A failed LookupEvents call, with the IAM action named and AWS's words sanitized. */
export function lookupFailure(err: unknown): ReadFailure {
  const f = describeAwsError(err, 'cloudtrail', 'LookupEvents');
  return {
    action: LOOKUP_ACTION,
    code: sanitize(f.code, { maxLength: 80 }),
    message: sanitize(f.message, { maxLength: 300 }),
  };
}

function label(k: Pick<UsageKey, 'id' | 'slot'>): string {
  return k.id ? maskKeyId(k.id) : `access key ${k.slot ?? '?'}`;
}

/** Values as shown: at most {@link SHOWN_LENGTH} characters (user agents run long). */
function short(value: string): string {
  const chars = [...value];
  return chars.length > SHOWN_LENGTH ? `${chars.slice(0, SHOWN_LENGTH - 1).join('')}\u2026` : value;
}

function counted(list: readonly Counted[], max = SHOWN_MAX, times = '\u00d7'): string {
  const shown = list.slice(0, max).map((c) => (c.count > 1 ? `${short(c.value)} ${times}${c.count}` : short(c.value)));
  if (list.length > max) shown.push(`${list.length - max} more`);
  return shown.join(', ');
}

/** 2026-12-01T10:00:00Z: a time to the second. */
function isoSecond(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The key's last-used fields, the fallback when CloudTrail says nothing. */
function lastUsedText(k: Pick<UsageKey, 'lastUsed' | 'lastUsedService' | 'lastUsedRegion'>): string {
  if (!k.lastUsed) return 'no recorded use';
  const where = [k.lastUsedService, k.lastUsedRegion]
    .filter(Boolean)
    .map((s) => sanitize(String(s), { maxLength: 40 }));
  return `last used ${isoDay(k.lastUsed)}${where.length ? ` (${where.join(', ')})` : ''}`;
}

/** Why the lookup could not give an answer, in words (the failure's action named). */
function failureText(error: ReadFailure): string {
  const denied = isAccessDenied({ code: error.code, message: error.message });
  return `${error.action} ${denied ? 'was refused' : 'failed'} (${error.code}: ${error.message})`;
}

function notLookedUpText(u: Extract<KeyUsage, { status: 'not-looked-up' }>): string {
  return u.reason === 'no-key-id'
    ? 'not looked up in CloudTrail: LookupEvents needs the key id, and only the root user can list it'
    : `not looked up in CloudTrail: event history is kept per account, and the AssumeRoot session for ` +
        `member account ${u.account ?? '?'} does not allow ${LOOKUP_ACTION}; look in that account's CloudTrail`;
}

/**
 * What the operator sees under the key list, before being asked to deactivate or delete:
 * one heading line per key, then what was called, from where and with what.
 */
export function usageLines(k: UsageKey): string[] {
  const u = k.usage;
  if (!u) return [];
  const name = label(k);
  if (u.status === 'not-looked-up') return [`${name}: ${lastUsedText(k)}; ${notLookedUpText(u)}.`];
  const window = `CloudTrail ${u.region}, since ${isoDay(u.since)}`;
  if (u.status === 'unreadable')
    return [
      `${name}: ${window}: not readable, ${failureText(u.error)}. ` +
        `Going by the last-used fields alone: ${lastUsedText(k)}.`,
    ];
  if (u.events === 0) {
    const note = u.error ? ` (${failureText(u.error)})` : '';
    return [
      `${name}: ${window}: no events found${note}. Event history may lag by up to 15 minutes; ` +
        `the last-used fields say ${lastUsedText(k)}.`,
    ];
  }
  const seen =
    u.firstSeen && u.lastSeen ? `, first ${u.firstSeen.toISOString()}, last ${u.lastSeen.toISOString()}` : '';
  const more = u.truncated
    ? ` (read ${u.pages} page${u.pages > 1 ? 's' : ''}; older events not read)`
    : u.error
      ? ` (then ${failureText(u.error)}; older events not read)`
      : '';
  const lines = [`${name}: ${window}: ${u.events} event${u.events > 1 ? 's' : ''}${seen}${more}`];
  lines.push(`  calls: ${counted(u.eventNames)}`);
  if (u.sourceIps.length) lines.push(`  from: ${counted(u.sourceIps)}`);
  if (u.userAgents.length) lines.push(`  user agents: ${counted(u.userAgents, 3)}`);
  return lines;
}

/** A one-paragraph form of {@link usageLines} (findings, reports). */
export function usageMessage(k: UsageKey): string | undefined {
  const u = k.usage;
  if (!u) return undefined;
  const name = `Root access key ${label(k)}`;
  if (u.status === 'not-looked-up') return `${name}: ${lastUsedText(k)}; ${notLookedUpText(u)}.`;
  const window = `in CloudTrail event history (${u.region}, since ${isoDay(u.since)})`;
  if (u.status === 'unreadable')
    return (
      `${name}: its use could not be read ${window}: ${failureText(u.error)}. ` +
      `What uses it is unknown beyond its last-used fields: ${lastUsedText(k)}.`
    );
  if (u.events === 0) return `${name}: no events ${window}; ${lastUsedText(k)}.`;
  const seen = u.firstSeen && u.lastSeen ? `, first ${isoSecond(u.firstSeen)}, last ${isoSecond(u.lastSeen)}` : '';
  const parts = [
    `${name}: ${u.events}${u.truncated || u.error ? '+' : ''} event${u.events > 1 ? 's' : ''} ${window}${seen}`,
    `calls ${counted(u.eventNames, 3, 'x')}`,
  ];
  if (u.sourceIps.length) parts.push(`from ${counted(u.sourceIps, 2, 'x')}`);
  if (u.userAgents.length) parts.push(`user agents ${counted(u.userAgents, 1, 'x')}`);
  if (u.truncated) parts.push(`only the newest ${u.events} read`);
  else if (u.error) parts.push(`then ${failureText(u.error)}`);
  return `${parts.join('; ')}.`;
}

/** The info findings of the keys' usage (none for keys without). */
export function usageFindings(keys: readonly UsageKey[], resource: string): Finding[] {
  return keys.flatMap((k) => {
    const message = usageMessage(k);
    if (!message || !k.usage) return [];
    const unreadable = k.usage.status === 'unreadable';
    return [
      {
        id: 'root-keys.key-usage',
        kind: 'info',
        severity: 'info',
        resource,
        message,
        controls: [],
        ...(unreadable
          ? {
              remediation:
                `To see what uses the key, allow ${LOOKUP_ACTION} for the caller ` +
                `({"Effect":"Allow","Action":"${LOOKUP_ACTION}","Resource":"*"}) or look in the CloudTrail ` +
                'console, Event history, filtered by AWS access key.',
            }
          : {}),
      },
    ];
  });
}

const iso = (d: Date | undefined): string | null => d?.toISOString() ?? null;

function detailList(list: readonly Counted[]): Array<{ value: string; count: number }> {
  return list.slice(0, DETAIL_LIST_MAX).map((c) => ({ value: c.value, count: c.count }));
}

/** The `usage` of a key in the step's details (docs/check-json.md). */
export function usageDetails(u: KeyUsage): Record<string, unknown> {
  if (u.status === 'not-looked-up')
    return { status: u.status, reason: u.reason, ...(u.account ? { account: u.account } : {}) };
  if (u.status === 'unreadable')
    return { status: u.status, region: u.region, since: u.since.toISOString(), error: { ...u.error } };
  const more = (l: readonly Counted[]) => Math.max(0, l.length - DETAIL_LIST_MAX);
  return {
    status: u.status,
    region: u.region,
    since: u.since.toISOString(),
    events: u.events,
    pages: u.pages,
    truncated: u.truncated,
    firstSeen: iso(u.firstSeen),
    lastSeen: iso(u.lastSeen),
    eventNames: detailList(u.eventNames),
    eventSources: detailList(u.eventSources),
    sourceIps: detailList(u.sourceIps),
    userAgents: detailList(u.userAgents),
    more: {
      eventNames: more(u.eventNames),
      eventSources: more(u.eventSources),
      sourceIps: more(u.sourceIps),
      userAgents: more(u.userAgents),
    },
    error: u.error ? { ...u.error } : null,
  };
}

/* ---------------- reads ---------------- */

/** Spaces lookups in one Region at least {@link LOOKUP_INTERVAL_MS} apart (AWS allows two a second). */
export class LookupPacer {
  private readonly last = new Map<string, number>();
  constructor(private readonly clock: { now(): Date; sleep(ms: number): Promise<void> }) {}
  async wait(region: string): Promise<void> {
    const prev = this.last.get(region);
    const now = this.clock.now().getTime();
    if (prev !== undefined && now - prev < LOOKUP_INTERVAL_MS)
      await this.clock.sleep(LOOKUP_INTERVAL_MS - (now - prev));
    this.last.set(region, this.clock.now().getTime());
  }
}

/**
 * LookupEvents for one access key in one Region since `now` - 90 days, page after page (in order,
 * paced), at most `maxPages`. A failure of the first page makes the usage `unreadable`; of a later
 * one, the pages read are summarised with the error.
 */
export async function readKeyUsage(
  pool: Pick<ClientPool, 'call'>,
  keyId: string,
  opts: { region: string; now: Date; pacer: LookupPacer; maxPages?: number },
): Promise<KeyUsage> {
  const since = new Date(opts.now.getTime() - USAGE_LOOKBACK_DAYS * 86_400_000);
  const maxPages = opts.maxPages ?? USAGE_MAX_PAGES;
  const events: TrailEvent[] = [];
  let token: string | undefined;
  let pages = 0;
  let error: ReadFailure | undefined;
  do {
    await opts.pacer.wait(opts.region);
    let page: LookupEventsPage;
    try {
      page = await pool.call<LookupEventsPage>(
        'cloudtrail',
        'LookupEvents',
        {
          LookupAttributes: [{ AttributeKey: 'AccessKeyId', AttributeValue: keyId }],
          StartTime: since,
          MaxResults: USAGE_PAGE_SIZE,
          ...(token ? { NextToken: token } : {}),
        },
        opts.region,
      );
    } catch (err) {
      if (pages === 0) return { status: 'unreadable', region: opts.region, since, error: lookupFailure(err) };
      error = lookupFailure(err);
      token = undefined;
      break;
    }
    pages += 1;
    for (const e of page.Events ?? []) events.push(parseLookupEvent(e));
    token = typeof page.NextToken === 'string' && page.NextToken !== '' ? page.NextToken : undefined;
  } while (token && pages < maxPages);
  return summariseUsage(events, { region: opts.region, since, pages, truncated: token !== undefined, error });
}

/** Usage already read in this session, by key and Region (a later round shows the same). */
const sessionUsage = new WeakMap<object, Map<string, KeyUsage>>();

/**
 * Sets `usage` on each of the state's keys with recorded use. The root user's own keys (ids
 * listed) are looked up in CloudTrail, in order, one Region's lookups paced; keys known only from
 * the credential report have no id to look up, and a member account's event history is not the
 * session's. Never throws: a failed lookup is the key's `unreadable` usage. `session` is an object
 * that lives as long as the rootlock session (the step's session notes): each key is looked up
 * once per session, and later rounds show the same.
 */
export async function attachUsage(
  ctx: Pick<StepContext, 'pool' | 'clock' | 'options'>,
  state: { keys: UsageKey[]; path: string; keysSource: string; account: string },
  session: object,
): Promise<void> {
  const used = state.keys.filter(hasRecordedUse);
  if (used.length === 0) return;
  let cache = sessionUsage.get(session);
  if (!cache) {
    cache = new Map();
    sessionUsage.set(session, cache);
  }
  const pacer = new LookupPacer(ctx.clock);
  for (const k of used) {
    if (state.path === 'organizations') {
      k.usage = { status: 'not-looked-up', reason: 'member-account', account: state.account };
      continue;
    }
    if (!k.id || state.keysSource !== 'api') {
      k.usage = { status: 'not-looked-up', reason: 'no-key-id' };
      continue;
    }
    const region = lookupRegion(k, ctx.options.region);
    const cacheKey = `${k.id}@${region}`;
    let usage = cache.get(cacheKey);
    if (!usage) {
      try {
        usage = await readKeyUsage(ctx.pool, k.id, { region, now: ctx.clock.now(), pacer });
      } catch (err) {
        usage = { status: 'unreadable', region, since: ctx.clock.now(), error: lookupFailure(err) };
      }
      cache.set(cacheKey, usage);
    }
    k.usage = usage;
  }
}
