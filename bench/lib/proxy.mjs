/**
 * A counting reverse proxy in front of moto, on 127.0.0.1. Both tools under test are
 * pointed at it, so the benchmark counts every request each one sends (by service and
 * operation, with HTTP status) the same way, independently of the tool's own report. It
 * also fills moto's gaps (EmulatorShims) and pages GetAccountAuthorizationDetails as AWS
 * does (AuthorizationDetailsPager), so every page a tool reads is a request counted here.
 */
import http from 'node:http';

/** The S3 Control operations the tools send, by method and path (after /v20180820). */
const S3_CONTROL_OPERATIONS = {
  'GET /configuration/publicAccessBlock': 'GetPublicAccessBlock',
  'PUT /configuration/publicAccessBlock': 'PutPublicAccessBlock',
  'DELETE /configuration/publicAccessBlock': 'DeletePublicAccessBlock',
};

/**
 * Names the AWS operation of one request, from whichever protocol it uses:
 * awsJson (X-Amz-Target), awsQuery / ec2Query (Action= in the form body or query string),
 * rpc-v2-cbor (/service/S/operation/Op), rest-json (the Account API: POST /getAlternateContact) and
 * rest-xml (S3 Control: GET /v20180820/configuration/publicAccessBlock).
 */
export function operationOf({ method, url, headers, body }) {
  const auth = String(headers.authorization ?? '');
  const scope = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
  const accessKeyId = scope?.[1];
  const region = scope?.[2];
  let service = scope?.[3] ?? 'unknown';
  let operation;
  const target = headers['x-amz-target'];
  const u = new URL(url, 'http://x');
  if (target) {
    operation = String(target).split('.').pop();
  } else {
    const cbor = /^\/service\/([^/]+)\/operation\/([^/]+)/.exec(u.pathname);
    if (cbor) operation = cbor[2];
  }
  if (!operation) {
    const fromQuery = u.searchParams.get('Action');
    if (fromQuery) operation = fromQuery;
  }
  if (!operation && body && body.length && /x-www-form-urlencoded/.test(String(headers['content-type'] ?? ''))) {
    operation = new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
  }
  if (!operation && u.pathname.startsWith('/v20180820/')) {
    // S3 Control is REST, signed as "s3": the method and path name the operation.
    service = 's3control';
    operation = S3_CONTROL_OPERATIONS[`${method} ${u.pathname.slice('/v20180820'.length)}`];
  }
  if (!operation && service === 'account') {
    const m = /^\/([a-zA-Z]+)$/.exec(u.pathname);
    if (m) operation = m[1][0].toUpperCase() + m[1].slice(1);
  }
  if (!operation) operation = `${method} ${u.pathname}`;
  if (service === 'unknown' && u.pathname.startsWith('/moto-api')) service = 'moto-api';
  return { service, operation, region, accessKeyId };
}

/** Counts requests by "service:Operation", with failures, time spent upstream and a timeline. */
export class RequestLog {
  constructor({ captureParams = [] } = {}) {
    this.captureParams = new Set(captureParams);
    this.reset();
  }
  reset() {
    /** @type {Map<string, { count: number, errors: number, ms: number }>} */
    this.ops = new Map();
    this.total = 0;
    this.errors = 0;
    this.upstreamMs = 0;
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.regions = new Set();
    /** hrtime (bigint) of the first request's arrival and the last response's end. */
    this.firstAt = undefined;
    this.lastAt = undefined;
    /** Operations in the order first seen, with when (hrtime bigint). */
    this.firstSeen = [];
    /** A few request parameter sets per captured operation. */
    this.params = {};
    /** Requests the bench answered itself (emulator gaps), by operation. */
    this.shimmed = {};
    /** Pages the proxy cut from an emulator answer, by operation (see AuthorizationDetailsPager). */
    this.paged = {};
  }
  start(key, params) {
    const now = process.hrtime.bigint();
    if (this.firstAt === undefined) this.firstAt = now;
    if (!this.ops.has(key) && !this.firstSeen.some((f) => f.key === key)) this.firstSeen.push({ key, at: now });
    this.inFlight += 1;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
    if (params && this.captureParams.has(key)) {
      const list = (this.params[key] ??= []);
      if (list.length < 5) list.push(params);
    }
  }
  record(key, status, ms, region, { shim = false } = {}) {
    this.inFlight -= 1;
    this.lastAt = process.hrtime.bigint();
    const e = this.ops.get(key) ?? { count: 0, errors: 0, ms: 0 };
    e.count += 1;
    e.ms += ms;
    if (status >= 400) {
      e.errors += 1;
      this.errors += 1;
    }
    this.ops.set(key, e);
    this.total += 1;
    this.upstreamMs += ms;
    if (region) this.regions.add(region);
    if (shim) this.shimmed[key] = (this.shimmed[key] ?? 0) + 1;
  }
  /** Notes one page handed out: its MaxItems, how many items it held, and the size of the whole answer. */
  page(key, { maxItems, items, answerItems, first }) {
    const p = (this.paged[key] ??= { pages: 0, answers: 0, items: 0, answerItems: [], maxItems: [] });
    p.pages += 1;
    p.items += items;
    if (first) {
      p.answers += 1;
      p.answerItems.push(answerItems);
    }
    if (!p.maxItems.includes(maxItems)) p.maxItems.push(maxItems);
  }
  /** A plain-object snapshot, operations sorted by name; `since` (hrtime) dates the timeline. */
  toJSON(since) {
    const byOperation = {};
    const errorsByOperation = {};
    const msByOperation = {};
    for (const [k, v] of [...this.ops.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      byOperation[k] = v.count;
      msByOperation[k] = Math.round(v.ms);
      if (v.errors) errorsByOperation[k] = v.errors;
    }
    const rel = (t) => (t === undefined || since === undefined ? undefined : Math.round(Number(t - since) / 1e6));
    return {
      total: this.total,
      errors: this.errors,
      byOperation,
      errorsByOperation,
      msByOperation,
      upstreamMs: Math.round(this.upstreamMs),
      maxConcurrent: this.maxInFlight,
      regions: [...this.regions].sort(),
      firstRequestMs: rel(this.firstAt),
      lastResponseMs: rel(this.lastAt),
      firstSeen: this.firstSeen.map((f) => ({ op: f.key, atMs: rel(f.at) })),
      // Copies: the log goes on recording after a snapshot, and a snapshot must not change.
      params: structuredClone(this.params),
      shimmed: { ...this.shimmed },
      paged: structuredClone(this.paged),
    };
  }
}

/** Decodes a request's parameters (query form, JSON) for the log; undefined when unknown. */
function paramsOf(headers, body, url) {
  const type = String(headers['content-type'] ?? '');
  try {
    if (/x-www-form-urlencoded/.test(type)) return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    if (/json/.test(type) && body.length) return JSON.parse(body.toString('utf8'));
    const q = new URL(url, 'http://x').searchParams;
    if ([...q.keys()].length) return Object.fromEntries(q);
  } catch {
    return undefined;
  }
  return undefined;
}

const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';
const isoSeconds = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Fills the three moto gaps that change what the tools under test do (each documented in
 * docs/performance.md; the test suite's root layer fills the same gaps the same way):
 * - iam:ListOrganizationsFeatures: moto answers HTTP 500 NotImplemented, which the SDKs
 *   retry; AWS answers an account outside any organization with 400
 *   OrganizationNotFoundException. (moto holds no organization here.)
 * - account:Get/PutContactInformation: missing in moto (404 HTML page); kept here.
 * - iam:GetCredentialReport: moto dates every report 2015-02-02T20:02:02Z, which makes
 *   every user look newer than the report; AWS dates it when it was generated.
 */
export class EmulatorShims {
  constructor() {
    this.contactInformation = undefined;
    this.reportGeneratedAt = undefined;
  }
  /** Answers a request itself, or returns undefined to forward it to moto. */
  answer(key, body) {
    const requestId = crypto.randomUUID();
    if (key === 'iam:ListOrganizationsFeatures') {
      return {
        status: 400,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>Sender</Type><Code>OrganizationNotFoundException</Code><Message>The request was rejected because no organization is associated with your account.</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
    if (key === 'account:GetContactInformation') {
      if (!this.contactInformation) {
        return {
          status: 404,
          headers: {
            'content-type': 'application/json',
            'x-amzn-errortype': 'ResourceNotFoundException',
            'x-amzn-requestid': requestId,
          },
          body: JSON.stringify({ message: 'No contact information found for this account.' }),
        };
      }
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ ContactInformation: this.contactInformation }),
      };
    }
    if (key === 'account:PutContactInformation') {
      const input = JSON.parse(body.toString('utf8') || '{}');
      this.contactInformation = input.ContactInformation;
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId },
        body: '{}',
      };
    }
    return undefined;
  }
  /** Adjusts moto's response before it goes back; returns the (possibly new) body. */
  rewrite(key, status, body) {
    if (key === 'iam:GenerateCredentialReport' && status === 200 && !this.reportGeneratedAt)
      this.reportGeneratedAt = new Date();
    if (key === 'iam:GetCredentialReport' && status === 200 && this.reportGeneratedAt) {
      return Buffer.from(
        body
          .toString('utf8')
          .replace(
            /<GeneratedTime>[^<]*<\/GeneratedTime>/,
            `<GeneratedTime>${isoSeconds(this.reportGeneratedAt)}</GeneratedTime>`,
          ),
      );
    }
    return body;
  }
  /** Operations whose moto response is rewritten (buffered instead of streamed). */
  rewrites(key) {
    return key === 'iam:GenerateCredentialReport' || key === 'iam:GetCredentialReport';
  }
}

/** The item lists of a GetAccountAuthorizationDetails answer, in the order AWS returns them. */
const AAD_LISTS = ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies'];
/** AWS's default and largest MaxItems for GetAccountAuthorizationDetails. */
export const AAD_DEFAULT_MAX_ITEMS = 100;
export const AAD_LARGEST_MAX_ITEMS = 1000;

/**
 * Cuts a GetAccountAuthorizationDetails answer (IAM query XML) into its items: each user,
 * group, role and managed policy is one `<member>` at the top of its list. Returns the lists
 * the answer holds and the items in answer order, or undefined when the text is not such an
 * answer (an error, say). moto writes no CDATA, comments or unescaped `<` in text.
 */
export function splitAuthorizationDetails(xml) {
  const open = '<GetAccountAuthorizationDetailsResult>';
  const start = xml.indexOf(open);
  const end = xml.indexOf('</GetAccountAuthorizationDetailsResult>');
  if (start < 0 || end < start) return undefined;
  const body = xml.slice(start + open.length, end);
  const lists = [];
  const items = [];
  const tag = /<(\/?)([A-Za-z0-9_]+)[^>]*?(\/?)>/g;
  let depth = 0;
  let list;
  let itemStart = -1;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    const [text, closing, name, selfClosing] = m;
    if (selfClosing) {
      if (depth === 0 && AAD_LISTS.includes(name)) lists.push(name);
      continue;
    }
    if (!closing) {
      if (depth === 0 && AAD_LISTS.includes(name)) {
        list = name;
        lists.push(name);
      } else if (depth === 1 && list && name === 'member') {
        itemStart = m.index;
      }
      depth += 1;
      continue;
    }
    depth -= 1;
    if (depth === 1 && list && name === 'member' && itemStart >= 0) {
      items.push({ list, xml: body.slice(itemStart, m.index + text.length) });
      itemStart = -1;
    } else if (depth === 0) {
      list = undefined;
    }
  }
  if (depth !== 0) return undefined;
  return { lists, items };
}

/**
 * Pages GetAccountAuthorizationDetails as AWS does, which moto does not: moto answers every
 * item at once and ignores MaxItems and Marker. The first request of a listing goes to moto;
 * its answer is cut into items and handed out MaxItems at a time (AWS's default 100, at
 * most 1000), each page but the last with IsTruncated and a Marker for the next. Requests
 * that carry a Marker are answered from the kept answer, so a tool pages through one
 * consistent listing, as it would on AWS.
 */
export class AuthorizationDetailsPager {
  constructor() {
    /** Answers being paged, by listing id. */
    this.listings = new Map();
  }

  /** MaxItems of a request, or an error answer when AWS would refuse it. */
  maxItemsOf(params) {
    if (params?.MaxItems === undefined) return { maxItems: AAD_DEFAULT_MAX_ITEMS };
    const n = Number(params.MaxItems);
    if (!Number.isInteger(n) || n < 1 || n > AAD_LARGEST_MAX_ITEMS) {
      return {
        error: errorAnswer(
          'ValidationError',
          `1 validation error detected: Value '${params.MaxItems}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
        ),
      };
    }
    return { maxItems: n };
  }

  /**
   * Answers a request that carries a Marker (or refuses a bad MaxItems) without moto;
   * returns undefined when the request starts a listing and must go to moto.
   */
  answer(params) {
    const { maxItems, error } = this.maxItemsOf(params);
    if (error) return { response: error };
    if (!params?.Marker) return undefined;
    const [id, offset] = Buffer.from(String(params.Marker), 'base64url').toString('utf8').split(':');
    const listing = this.listings.get(id);
    if (!listing || !(Number(offset) > 0)) {
      return { response: errorAnswer('InvalidInput', 'Invalid Marker.') };
    }
    return this.page(id, listing, Number(offset), maxItems);
  }

  /** Starts a listing from moto's full answer; undefined when the answer is not one (it goes back as is). */
  start(params, status, body) {
    if (status !== 200) return undefined;
    const split = splitAuthorizationDetails(body.toString('utf8'));
    if (!split) return undefined;
    const id = crypto.randomUUID();
    this.listings.set(id, split);
    return this.page(id, split, 0, this.maxItemsOf(params).maxItems);
  }

  page(id, listing, offset, maxItems) {
    const items = listing.items.slice(offset, offset + maxItems);
    const next = offset + items.length;
    const truncated = next < listing.items.length;
    if (!truncated) this.listings.delete(id);
    const lists = listing.lists.map((name) => {
      const members = items.filter((i) => i.list === name).map((i) => i.xml);
      return members.length ? `<${name}>${members.join('')}</${name}>` : `<${name}/>`;
    });
    const marker = truncated ? `<Marker>${Buffer.from(`${id}:${next}`).toString('base64url')}</Marker>` : '';
    const xml =
      `<GetAccountAuthorizationDetailsResponse xmlns="${IAM_XMLNS}"><GetAccountAuthorizationDetailsResult>` +
      `${lists.join('')}<IsTruncated>${truncated}</IsTruncated>${marker}</GetAccountAuthorizationDetailsResult>` +
      `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></GetAccountAuthorizationDetailsResponse>`;
    return {
      response: { status: 200, headers: { 'content-type': 'text/xml' }, body: xml },
      page: { maxItems, items: items.length, answerItems: listing.items.length, first: offset === 0 },
    };
  }
}

function errorAnswer(code, message) {
  const requestId = crypto.randomUUID();
  return {
    status: 400,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

/**
 * Starts the proxy on a free 127.0.0.1 port in front of `upstreamUrl` (moto).
 * Returns { url, log, shims, close() }. `shims: false` forwards everything untouched.
 */
export async function startProxy(upstreamUrl, { shims: useShims = true, captureParams = [] } = {}) {
  const upstream = new URL(upstreamUrl);
  if (upstream.hostname !== '127.0.0.1') throw new Error('the proxy only forwards to 127.0.0.1');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const log = new RequestLog({ captureParams });
  const shims = useShims ? new EmulatorShims() : undefined;
  const pager = useShims ? new AuthorizationDetailsPager() : undefined;
  const send = (res, answer) => {
    const headers = { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) };
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const { service, operation, region } = operationOf({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body,
      });
      const key = `${service}:${operation}`;
      const t0 = process.hrtime.bigint();
      const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
      const paging = pager && key === 'iam:GetAccountAuthorizationDetails';
      const params = log.captureParams.has(key) || paging ? paramsOf(req.headers, body, req.url) : undefined;
      log.start(key, log.captureParams.has(key) ? params : undefined);
      const shimmed = paging ? undefined : shims?.answer(key, body);
      const own = paging ? pager.answer(params) : shimmed && { response: shimmed };
      if (own) {
        send(res, own.response);
        if (own.page) log.page(key, own.page);
        log.record(key, own.response.status, elapsed(), region, { shim: true });
        return;
      }
      const up = http.request(
        {
          host: '127.0.0.1',
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
          timeout: 300_000,
        },
        (upRes) => {
          const status = upRes.statusCode ?? 502;
          if (paging) {
            const parts = [];
            upRes.on('data', (c) => parts.push(c));
            upRes.on('end', () => {
              const raw = Buffer.concat(parts);
              const first = pager.start(params, status, raw);
              if (first) {
                send(res, first.response);
                log.page(key, first.page);
              } else {
                const headers = { ...upRes.headers, 'content-length': raw.length };
                delete headers['transfer-encoding'];
                res.writeHead(status, headers);
                res.end(raw);
              }
              log.record(key, status, elapsed(), region);
            });
            return;
          }
          if (shims?.rewrites(key)) {
            const parts = [];
            upRes.on('data', (c) => parts.push(c));
            upRes.on('end', () => {
              const out = shims.rewrite(key, status, Buffer.concat(parts));
              const headers = { ...upRes.headers, 'content-length': out.length };
              delete headers['transfer-encoding'];
              res.writeHead(status, headers);
              res.end(out);
              log.record(key, status, elapsed(), region);
            });
            return;
          }
          res.writeHead(status, upRes.headers);
          upRes.pipe(res);
          upRes.on('end', () => log.record(key, status, elapsed(), region));
        },
      );
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', (e) => {
        log.record(key, 599, elapsed(), region);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`bench proxy: ${e.message}`);
      });
      up.end(body);
    });
  });
  server.keepAliveTimeout = 65_000;
  await listen(server);
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    shims,
    close: () => closeServer(server, agent),
  };
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
}

function closeServer(server, agent) {
  return new Promise((resolve) => {
    agent?.destroy();
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/**
 * An egress trap: set as HTTP_PROXY / HTTPS_PROXY for the tools under test (with
 * NO_PROXY=127.0.0.1,localhost), it refuses and records every attempt to reach a host
 * other than the emulator, so no traffic leaves 127.0.0.1 and the report can say what
 * a tool tried to reach.
 */
export async function startEgressTrap() {
  const attempts = [];
  const server = http.createServer((req, res) => {
    attempts.push({ method: req.method, target: req.url });
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('rootlock bench: outbound traffic is refused\n');
  });
  server.on('connect', (req, socket) => {
    attempts.push({ method: 'CONNECT', target: req.url });
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await listen(server);
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    take() {
      return attempts.splice(0, attempts.length);
    },
    close: () => closeServer(server),
  };
}
