/**
 * A fault-injecting HTTP proxy for resilience tests. It sits between rootlock and the
 * emulator (in front of the root layer's `endpoint`) and, per request, may answer the way
 * AWS answers when things go wrong instead of forwarding:
 *
 * | kind            | what the caller sees                                                                   |
 * |-----------------|----------------------------------------------------------------------------------------|
 * | `throttle`      | the service's own throttling error (see THROTTLE below); nothing reaches the emulator  |
 * | `server-error`  | HTTP 500 with the service's internal-error code; nothing reaches the emulator          |
 * | `error-after`   | the request IS forwarded and applied, then the answer is replaced by that HTTP 500     |
 * | `slow`          | the real answer, `delayMs` late                                                        |
 * | `drop-before`   | the socket is destroyed before anything is forwarded (ECONNRESET / socket hang up)     |
 * | `drop-after`    | the request IS forwarded and applied, then the socket is destroyed before the answer:  |
 * |                 | the call succeeded but the caller never heard                                          |
 * | `deny`          | HTTP 403 access denied naming the IAM action, as a principal without the permission   |
 * | `expired-token` | the expired-credentials error of the protocol (credentials that stopped mid-session)  |
 *
 * Error documents follow each protocol, so the real SDK parses them as it parses AWS:
 * - query XML (IAM, STS): `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...`,
 *   HTTP 400 (`ServiceFailure` / `InternalFailure` 500);
 * - EC2 XML: `<Response><Errors><Error><Code>RequestLimitExceeded</Code>...`, HTTP 503
 *   (`InternalError` 500; `UnauthorizedOperation` 403);
 * - JSON 1.1 (Organizations): `{"__type":"TooManyRequestsException",...}`, HTTP 429 as the
 *   Organizations model declares it (`ServiceException` 500);
 * - REST-JSON (Account Management): `x-amzn-errortype: TooManyRequestsException`, HTTP 429
 *   (`InternalServerException` 500).
 * Organizations and the Account API model throttling as `TooManyRequestsException` (HTTP 429),
 * not `ThrottlingException`; the SDK classifies both as throttling.
 *
 * Which requests fail is decided by rules with rates and a seeded PRNG. Each decision is a
 * pure function of (seed, rule, `service:Operation`, how many times that operation was seen
 * by the rule), so a seed reproduces the same faults even though rootlock sends some reads
 * concurrently and their arrival order varies.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';

export type FaultKind =
  | 'throttle'
  | 'server-error'
  | 'error-after'
  | 'slow'
  | 'drop-before'
  | 'drop-after'
  | 'deny'
  | 'expired-token';

/** What the proxy knows about a request (from the SigV4 scope and the body). */
export interface CallInfo {
  service: string;
  operation: string;
  region: string;
  accessKeyId: string;
  /** The request body as text (form or JSON), for rules that look at parameters. */
  body: string;
}

export interface FaultRule {
  kind: FaultKind;
  /**
   * Which calls the rule applies to: `service:Operation` patterns (`iam:CreateUser`, `iam:*`,
   * `*:Get*`, `*`), a list of them, or a predicate. Default: every call.
   */
  match?: string | string[] | ((c: CallInfo) => boolean);
  /** Probability that a matching request faults (seeded PRNG). Default 1. */
  rate?: number;
  /** Let the first N matching requests through untouched (e.g. credentials that expire after N calls). */
  after?: number;
  /** At most this many faults from this rule. */
  limit?: number;
  /**
   * Fault only the first time each distinct request (same operation and body) is seen: a
   * caller that sends the same call again gets through. "The first answer of every change is lost."
   */
  firstOfEach?: boolean;
  /**
   * With `firstOfEach`: requests signed with different access keys are different requests too. A
   * call whose body names no account (iam:DeleteLoginProfile in an sts:AssumeRoot session) is then
   * faulted the first time in each account's session, not only in the first account's.
   */
  perPrincipal?: boolean;
  /** `slow`: how long to hold the answer (default 300 ms). */
  delayMs?: number;
  /** `deny`: the IAM action the message names (default the call's own), e.g. iam:PassRole for AddRoleToInstanceProfile. */
  action?: string;
}

/** One request the proxy saw, in arrival order (its body is not kept). */
export interface ProxiedCall extends Omit<CallInfo, 'body'> {
  seq: number;
  /** The fault injected, if any. */
  fault?: FaultKind;
  /** Index of the rule that fired. */
  rule?: number;
  /** True when the request reached the emulator (no fault, `slow`, `drop-after`, `error-after`). */
  forwarded: boolean;
  /** The HTTP status the caller received (absent for dropped connections). */
  status?: number;
  /** The HTTP status the emulator answered, for forwarded requests (2xx: it was applied). */
  upstreamStatus?: number;
}

export interface FaultProxyOptions {
  /** The emulator endpoint to forward to (the root layer's URL). */
  target: string;
  rules?: FaultRule[];
  seed?: number;
  /** The principal named in access-denied messages. */
  principalArn?: string;
}

export interface FaultProxy {
  url: string;
  /** Every signed request, in arrival order. */
  readonly calls: ProxiedCall[];
  /** Replaces the rules (and the seed); resets per-rule counters. */
  configure(rules: FaultRule[], seed?: number): void;
  /** The requests that were faulted. */
  faulted(kind?: FaultKind): ProxiedCall[];
  /** Forgets recorded calls (rules stay). */
  clear(): void;
  close(): Promise<void>;
}

type Protocol = 'query' | 'ec2' | 'json' | 'rest-json' | 'rest-xml';

const SCOPE_RE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

const XMLNS: Record<string, string> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
};

/** Parses service, region, key and operation the way the root layer does. */
export function callInfo(
  headers: http.IncomingHttpHeaders,
  url: string | undefined,
  body: Buffer,
  method?: string,
): (CallInfo & { protocol: Protocol }) | undefined {
  const m = SCOPE_RE.exec(headers.authorization ?? '');
  if (!m) return undefined;
  const [, accessKeyId = '', region = '', service = ''] = m;
  const text = body.toString('utf8');
  const target = headers['x-amz-target'];
  if (typeof target === 'string')
    return { service, region, accessKeyId, body: text, protocol: 'json', operation: target.split('.').pop() ?? '' };
  const u = new URL(url ?? '/', 'http://proxy');
  const form = (headers['content-type'] ?? '').includes('x-www-form-urlencoded') || u.searchParams.has('Action');
  if (form) {
    const action = new URLSearchParams(text).get('Action') ?? u.searchParams.get('Action') ?? '';
    return {
      service,
      region,
      accessKeyId,
      body: text,
      protocol: service === 'ec2' ? 'ec2' : 'query',
      operation: action,
    };
  }
  const last = u.pathname.split('/').filter(Boolean).pop() ?? '';
  if (u.pathname.startsWith('/v20180820/')) {
    // S3 Control (REST-XML, signed as "s3"): named by the IAM action AWS authorizes, which is
    // what a deny rule and the ready-made policies speak of (GET .../publicAccessBlock is
    // s3:GetAccountPublicAccessBlock).
    const verb = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' }[method ?? 'GET'] ?? 'Unknown';
    const operation =
      last === 'publicAccessBlock'
        ? `${verb}AccountPublicAccessBlock`
        : `${verb}${last.charAt(0).toUpperCase()}${last.slice(1)}`;
    return { service: 's3', region, accessKeyId, body: text, protocol: 'rest-xml', operation };
  }
  return {
    service,
    region,
    accessKeyId,
    body: text,
    protocol: 'rest-json',
    operation: last.charAt(0).toUpperCase() + last.slice(1),
  };
}

/* ---------------- the seeded PRNG ---------------- */

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: a small, well-mixed 32-bit PRNG; returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The deterministic draw for one decision. */
export function draw(seed: number, rule: number, key: string, occurrence: number): number {
  return mulberry32(fnv1a(`${seed}|${rule}|${key}|${occurrence}`))();
}

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Whether a rule's `match` covers a call. */
export function matches(rule: Pick<FaultRule, 'match'>, c: CallInfo): boolean {
  const m = rule.match;
  if (m === undefined) return true;
  if (typeof m === 'function') return m(c);
  const key = `${c.service}:${c.operation}`;
  return (Array.isArray(m) ? m : [m]).some((p) =>
    p.includes(':') ? globToRegExp(p).test(key) : globToRegExp(p).test(c.operation),
  );
}

/* ---------------- AWS-shaped error answers ---------------- */

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An error document in the request's protocol. */
export function errorReply(
  protocol: Protocol,
  service: string,
  status: number,
  code: string,
  message: string,
  type: 'Sender' | 'Receiver' = 'Sender',
): Reply {
  const requestId = randomUUID();
  switch (protocol) {
    case 'query': {
      const ns = XMLNS[service] ? ` xmlns="${XMLNS[service]}"` : '';
      return {
        status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse${ns}><Error><Type>${type}</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    case 'ec2':
      return {
        status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
    case 'json':
      return {
        status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: code, Message: message }),
      };
    case 'rest-json':
      return {
        status,
        headers: { 'content-type': 'application/json', 'x-amzn-errortype': code, 'x-amzn-requestid': requestId },
        body: JSON.stringify({ message }),
      };
    case 'rest-xml':
      return {
        status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/** Each service's throttling answer (code, status, message). */
export function throttleReply(protocol: Protocol, service: string): Reply {
  switch (protocol) {
    case 'query':
      return errorReply(protocol, service, 400, 'Throttling', 'Rate exceeded');
    case 'ec2':
      return errorReply(protocol, service, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
    case 'json':
      return errorReply(
        protocol,
        service,
        429,
        'TooManyRequestsException',
        "AWS Organizations can't complete your request because another request is already in progress. Try again later.",
      );
    case 'rest-json':
      return errorReply(protocol, service, 429, 'TooManyRequestsException', 'Rate exceeded');
    case 'rest-xml':
      return errorReply(protocol, service, 503, 'SlowDown', 'Please reduce your request rate.');
  }
}

/** Each service's internal error (HTTP 500). */
export function serverErrorReply(protocol: Protocol, service: string): Reply {
  const message = 'We encountered an internal error. Please try again.';
  if (protocol === 'ec2') return errorReply(protocol, service, 500, 'InternalError', message);
  if (protocol === 'json') return errorReply(protocol, service, 500, 'ServiceException', message);
  if (protocol === 'rest-json') return errorReply(protocol, service, 500, 'InternalServerException', message);
  if (protocol === 'rest-xml') return errorReply(protocol, service, 500, 'InternalError', message);
  return errorReply(
    protocol,
    service,
    500,
    service === 'iam' ? 'ServiceFailure' : 'InternalFailure',
    message,
    'Receiver',
  );
}

/** Access denied as each protocol answers a principal that lacks the permission. */
export function denyReply(
  protocol: Protocol,
  c: CallInfo,
  principalArn: string,
  action = `${c.service}:${c.operation}`,
): Reply {
  const message = `User: ${principalArn} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`;
  if (protocol === 'ec2')
    return errorReply(
      protocol,
      c.service,
      403,
      'UnauthorizedOperation',
      `You are not authorized to perform this operation. ${message}`,
    );
  if (protocol === 'query' || protocol === 'rest-xml')
    return errorReply(protocol, c.service, 403, 'AccessDenied', message);
  return errorReply(protocol, c.service, 403, 'AccessDeniedException', message);
}

/** Expired temporary credentials, as each protocol reports them. */
export function expiredReply(protocol: Protocol, service: string): Reply {
  if (protocol === 'ec2') return errorReply(protocol, service, 400, 'RequestExpired', 'Request has expired.');
  if (protocol === 'query')
    return errorReply(protocol, service, 403, 'ExpiredToken', 'The security token included in the request is expired');
  if (protocol === 'rest-xml')
    return errorReply(protocol, service, 400, 'ExpiredToken', 'The provided token has expired.');
  return errorReply(
    protocol,
    service,
    403,
    'ExpiredTokenException',
    'The security token included in the request is expired',
  );
}

/* ---------------- the proxy ---------------- */

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade', 'host']);

/** Starts the proxy on 127.0.0.1 (a free port). */
export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = new URL(opts.target);
  const agent = new http.Agent({ keepAlive: true });
  const principalArn = opts.principalArn ?? 'arn:aws:iam::123456789012:user/rootlock-operator';
  let rules: FaultRule[] = opts.rules ?? [];
  let seed = opts.seed ?? 1;
  /** Per rule: matching requests seen, faults fired, occurrences by operation. */
  let counters = rules.map(() => ({ seen: 0, fired: 0, byKey: new Map<string, number>(), bodies: new Set<string>() }));
  const calls: ProxiedCall[] = [];
  let seq = 0;

  function decide(c: CallInfo, body: Buffer): { rule: number; fault: FaultRule } | undefined {
    for (const [i, rule] of rules.entries()) {
      if (!matches(rule, c)) continue;
      const k = counters[i]!;
      k.seen += 1;
      const key = `${c.service}:${c.operation}`;
      const occurrence = (k.byKey.get(key) ?? 0) + 1;
      k.byKey.set(key, occurrence);
      if (k.seen <= (rule.after ?? 0)) continue;
      if (rule.limit !== undefined && k.fired >= rule.limit) continue;
      if (rule.firstOfEach) {
        const id = `${key} ${rule.perPrincipal ? `${c.accessKeyId} ` : ''}${body.toString('utf8')}`;
        if (k.bodies.has(id)) continue;
        k.bodies.add(id);
      }
      const rate = rule.rate ?? 1;
      if (rate < 1 && draw(seed, i, key, occurrence) >= rate) continue;
      k.fired += 1;
      return { rule: i, fault: rule };
    }
    return undefined;
  }

  function forward(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.OutgoingHttpHeaders; body: Buffer }> {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    headers.host = upstream.host;
    headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const up = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const out: http.OutgoingHttpHeaders = {};
            for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
            resolve({ status: res.statusCode ?? 502, headers: out, body: Buffer.concat(chunks) });
          });
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  function send(
    res: http.ServerResponse,
    r: { status: number; headers: http.OutgoingHttpHeaders; body: string | Buffer },
  ): void {
    res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
    res.end(r.body);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const info = callInfo(req.headers, req.url, body, req.method);
    if (!info) {
      send(res, await forward(req, body));
      return;
    }
    const { protocol, ...c } = info;
    const { body: _body, ...shown } = c;
    const record: ProxiedCall = { ...shown, seq: ++seq, forwarded: false };
    calls.push(record);
    const hit = decide(c, body);
    if (hit) {
      record.fault = hit.fault.kind;
      record.rule = hit.rule;
    }
    const canned = (r: Reply): void => {
      record.status = r.status;
      send(res, r);
    };
    switch (hit?.fault.kind) {
      case 'throttle':
        return canned(throttleReply(protocol, c.service));
      case 'server-error':
        return canned(serverErrorReply(protocol, c.service));
      case 'deny':
        return canned(denyReply(protocol, c, principalArn, hit.fault.action));
      case 'expired-token':
        return canned(expiredReply(protocol, c.service));
      case 'drop-before':
        req.socket.destroy();
        return;
      case 'drop-after': {
        record.forwarded = true;
        const answer = await forward(req, body);
        record.upstreamStatus = answer.status;
        // The emulator applied (or refused) the call; the caller never hears which.
        req.socket.destroy();
        return;
      }
      case 'error-after': {
        record.forwarded = true;
        record.upstreamStatus = (await forward(req, body)).status;
        return canned(serverErrorReply(protocol, c.service));
      }
      case 'slow': {
        record.forwarded = true;
        const answer = await forward(req, body);
        await new Promise((r) => setTimeout(r, hit.fault.delayMs ?? 300));
        record.status = record.upstreamStatus = answer.status;
        send(res, answer);
        return;
      }
      default: {
        record.forwarded = true;
        const answer = await forward(req, body);
        record.status = record.upstreamStatus = answer.status;
        send(res, answer);
      }
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fault proxy: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    calls,
    configure(next, nextSeed) {
      rules = next;
      if (nextSeed !== undefined) seed = nextSeed;
      counters = rules.map(() => ({ seen: 0, fired: 0, byKey: new Map<string, number>(), bodies: new Set<string>() }));
    },
    faulted(kind) {
      return calls.filter((c) => c.fault !== undefined && (kind === undefined || c.fault === kind));
    },
    clear() {
      calls.length = 0;
    },
    close() {
      agent.destroy();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
