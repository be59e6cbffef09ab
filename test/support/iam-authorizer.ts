/**
 * moto's IAM policy evaluator in front of the emulator, for least-privilege tests: one IAM
 * principal (a user with an access key) holds a policy under test, and every request signed
 * with its key is authorized by moto before the emulator answers it.
 *
 *   rootlock ──► authorizer proxy ──(the same signed request)──► policy moto  (the user holds the policy)
 *                     │            └─(the same signed request)──► control moto (the same user and key, no policy)
 *                     └──(only if the policy moto did not refuse)──► emulator endpoint (root layer + moto)
 *
 *   const auth = useIamAuthorizer(emu);           // in a vitest file, after useEmulator()
 *   await auth().setPolicy(policyForMoto(doc));   // the policy the principal holds
 *   runRootlock(auth().url, argv, { credentials: auth().principal });
 *   auth().calls                                  // each request with moto's verdict
 *
 * Why not switch authorization on in the emulator's own moto: once INITIAL_NO_AUTH_ACTION_COUNT
 * actions have passed, moto checks the SigV4 signature and the identity of every request, so
 * it refuses the root layer's root users and AssumeRoot sessions (keys moto never issued), the
 * layer's own calls to moto (unsigned), and everything the layer forwards with its own Host
 * header; and it never sees the calls the layer answers itself (contact information,
 * centralized root access, AssumeRoot, the credential report). Here moto only authorizes:
 *
 * - The **policy moto** (started with INITIAL_NO_AUTH_ACTION_COUNT=3) holds an administrator
 *   made by the 3 unchecked set-up actions and the principal, which the administrator creates
 *   and gives the policy. A request signed with the principal's key goes to it unchanged (Host
 *   included, so the signature verifies): a refusal is what the caller gets, and nothing
 *   reaches the emulator. Otherwise the emulator answers. The policy moto executes what it
 *   allows in its own account, and that answer is dropped, except for sts:GetCallerIdentity:
 *   the caller is the authorizer's user (the emulator never saw its key).
 * - The **control moto** holds the same user with the same key and secret (both processes are
 *   seeded with the same random seed and set up by the same calls, checked at start) and no
 *   policy. It refuses every call moto evaluates, so a call it lets through was never
 *   evaluated (moto has no route for it, e.g. the Account API's contact information): that
 *   call is recorded as `not-evaluated`, never as allowed by the policy.
 * - Requests signed with any other key (the root layer's AssumeRoot sessions, root keys) go
 *   straight to the emulator: no IAM policy of the principal governs them.
 *
 * What moto's evaluator does and does not check (resource ARNs, conditions, action names):
 * docs/testing-emulator.md, "Least privilege: moto's IAM evaluator".
 */
import http from 'node:http';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, type IamUserCredentials, type TestCredentials } from './clients.js';
import { startMoto, type Emulator, type MotoProcess } from './emulator.js';
import { callInfo } from './fault-proxy.js';

/** The set-up actions moto serves unchecked: the administrator's CreateUser, PutUserPolicy and CreateAccessKey. */
export const UNCHECKED_SETUP_ACTIONS = 3;

/**
 * What moto made of one request signed with the principal's key (or why it was not asked):
 * - `allowed`: evaluated (the control refused it) and allowed by the policy; the emulator answered;
 * - `denied`: refused by the policy; the caller got moto's refusal and the emulator saw nothing;
 * - `not-evaluated`: moto did not evaluate it (the control let it through); the emulator answered;
 * - `always-allowed`: sts:GetCallerIdentity, which moto (like AWS) allows to every principal;
 * - `credentials-refused`: moto refused the signature or the key (a broken set-up, never expected);
 * - `other-principal`: signed with another key; forwarded without asking moto.
 */
export type Verdict =
  | 'allowed'
  | 'denied'
  | 'not-evaluated'
  | 'always-allowed'
  | 'credentials-refused'
  | 'other-principal';

export interface AuthorizedCall {
  seq: number;
  /** `service:Operation` as IAM names the action (fault-proxy callInfo: S3 Control's is s3:GetAccountPublicAccessBlock). */
  action: string;
  accessKeyId: string;
  verdict: Verdict;
  /** The HTTP status the caller received. */
  status?: number;
  /** The policy moto's error code and message, when it refused. */
  refusal?: { code: string; message: string };
}

export interface IamAuthorizer {
  /** Point rootlock (--endpoint-url) here. */
  url: string;
  /** The principal's credentials, valid in both authorizer motos; the emulator does not know the key. */
  principal: IamUserCredentials;
  /** Every signed request, in arrival order. */
  readonly calls: AuthorizedCall[];
  /** Gives the principal this policy (an inline policy, replacing the previous one), in the policy moto. */
  setPolicy(doc: unknown): Promise<void>;
  /** Forgets recorded calls. */
  clear(): void;
  close(): Promise<void>;
}

export interface IamAuthorizerOptions {
  /** The emulator endpoint the allowed requests go to (the root layer's URL). */
  target: string;
  /** The principal's user name; default `least-privilege`. */
  userName?: string;
  /** The random seed both authorizer motos start from; default 20240501. */
  seed?: number;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'expect', 'upgrade']);

/** moto's answers to a bad signature or an unknown key, by protocol. */
const CREDENTIAL_CODES = new Set([
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AuthFailure',
  'InvalidAccessKeyId',
  'InvalidToken',
]);

interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

/** The error code and message of moto's answer (moto answers authorization errors in XML for every protocol). */
function errorOf(a: Answer): { code: string; message: string } | undefined {
  if (a.status < 400) return undefined;
  const text = a.body.toString('utf8');
  const xml = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
  let code = xml('Code');
  let message = xml('Message');
  if (code === undefined) {
    try {
      const j = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
      code = j.__type?.split('#').pop();
      message = j.message ?? j.Message;
    } catch {
      // not JSON either: an HTML page (no route) or empty
    }
  }
  return { code: code ?? String(a.status), message: message ?? '' };
}

const isRefusal = (a: Answer): boolean => a.status === 403 && errorOf(a)?.code === 'AccessDenied';
const isCredentialRefusal = (a: Answer): boolean => CREDENTIAL_CODES.has(errorOf(a)?.code ?? '');

function relay(
  agent: http.Agent,
  base: URL,
  req: http.IncomingMessage,
  body: Buffer,
  keepHost: boolean,
): Promise<Answer> {
  const headers: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
  // The signature covers the Host the caller signed for: keep it for moto to verify.
  headers.host = keepHost ? req.headers.host : base.host;
  headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const up = http.request(
      { host: base.hostname, port: base.port, method: req.method, path: req.url, headers, agent },
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

function iamClient(moto: MotoProcess, credentials: TestCredentials): IAMClient {
  return new IAMClient({ endpoint: moto.url, region: 'us-east-1', credentials, maxAttempts: 1 });
}

/**
 * Seeds moto's random generator, then makes the administrator (the unchecked set-up actions)
 * and, as the administrator, the principal with its access key. The same seed and calls give
 * the same ids and secrets in every fresh moto.
 */
async function setUp(
  moto: MotoProcess,
  seed: number,
  userName: string,
): Promise<{ admin: TestCredentials; principal: IamUserCredentials }> {
  const seeded = await fetch(`${moto.url}/moto-api/seed?a=${seed}`, { method: 'POST' });
  if (!seeded.ok) throw new Error(`iam authorizer: moto refused the seed (HTTP ${seeded.status})`);
  const boot = iamClient(moto, MOTO_BOOTSTRAP_CREDENTIALS);
  await boot.send(new CreateUserCommand({ UserName: 'authorizer-admin' }));
  await boot.send(
    new PutUserPolicyCommand({
      UserName: 'authorizer-admin',
      PolicyName: 'everything',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      }),
    }),
  );
  const adminKey = (await boot.send(new CreateAccessKeyCommand({ UserName: 'authorizer-admin' }))).AccessKey;
  if (!adminKey?.AccessKeyId || !adminKey.SecretAccessKey) throw new Error('iam authorizer: no administrator key');
  const admin = { accessKeyId: adminKey.AccessKeyId, secretAccessKey: adminKey.SecretAccessKey };
  // From here on moto checks every request: the bootstrap credentials no longer work.
  const stillOpen = await boot.send(new CreateUserCommand({ UserName: 'must-be-refused' })).then(
    () => true,
    (err: { name?: string }) => err.name !== 'InvalidClientTokenId',
  );
  if (stillOpen) throw new Error('iam authorizer: moto does not enforce IAM after the set-up actions');
  const iam = iamClient(moto, admin);
  const user = await iam.send(new CreateUserCommand({ UserName: userName }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey;
  if (!key?.AccessKeyId || !key.SecretAccessKey || !user.User?.Arn) throw new Error('iam authorizer: no principal key');
  return {
    admin,
    principal: {
      accessKeyId: key.AccessKeyId,
      secretAccessKey: key.SecretAccessKey,
      userName,
      arn: user.User.Arn,
    },
  };
}

export async function startIamAuthorizer(opts: IamAuthorizerOptions): Promise<IamAuthorizer> {
  const target = new URL(opts.target);
  const userName = opts.userName ?? 'least-privilege';
  const seed = opts.seed ?? 20240501;
  // No AWS managed policies: the authorizer needs none, and moto starts faster without them.
  const env = {
    INITIAL_NO_AUTH_ACTION_COUNT: String(UNCHECKED_SETUP_ACTIONS),
    MOTO_IAM_LOAD_MANAGED_POLICIES: 'false',
  };
  const motos: MotoProcess[] = [];
  const stopAll = () => Promise.all(motos.map((m) => m.stop()));
  let policyMoto: MotoProcess;
  let controlMoto: MotoProcess;
  let admin: TestCredentials;
  let principal: IamUserCredentials;
  try {
    motos.push(await startMoto({ env }), await startMoto({ env }));
    [policyMoto, controlMoto] = motos as [MotoProcess, MotoProcess];
    const [p, c] = await Promise.all([setUp(policyMoto, seed, userName), setUp(controlMoto, seed, userName)]);
    if (
      p.principal.accessKeyId !== c.principal.accessKeyId ||
      p.principal.secretAccessKey !== c.principal.secretAccessKey
    )
      throw new Error('iam authorizer: the control moto did not issue the same key as the policy moto');
    admin = p.admin;
    principal = p.principal;
  } catch (err) {
    await stopAll();
    throw err;
  }

  const agent = new http.Agent({ keepAlive: true });
  const policyUrl = new URL(policyMoto.url);
  const controlUrl = new URL(controlMoto.url);
  const calls: AuthorizedCall[] = [];
  let seq = 0;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const info = callInfo(req.headers, req.url, body, req.method);
    const send = (a: Answer, record?: AuthorizedCall): void => {
      if (record) record.status = a.status;
      res.writeHead(a.status, { ...a.headers, 'content-length': String(a.body.length) });
      res.end(a.body);
    };
    if (!info) return send(await relay(agent, target, req, body, false));
    const record: AuthorizedCall = {
      seq: ++seq,
      action: `${info.service}:${info.operation}`,
      accessKeyId: info.accessKeyId,
      verdict: 'other-principal',
    };
    calls.push(record);
    if (info.accessKeyId !== principal.accessKeyId) return send(await relay(agent, target, req, body, false), record);

    const [byPolicy, byControl] = await Promise.all([
      relay(agent, policyUrl, req, body, true),
      relay(agent, controlUrl, req, body, true),
    ]);
    if (isCredentialRefusal(byPolicy) || isCredentialRefusal(byControl)) {
      record.verdict = 'credentials-refused';
      record.refusal = errorOf(isCredentialRefusal(byPolicy) ? byPolicy : byControl);
      return send(isCredentialRefusal(byPolicy) ? byPolicy : byControl, record);
    }
    if (isRefusal(byPolicy)) {
      record.verdict = 'denied';
      record.refusal = errorOf(byPolicy);
      return send(byPolicy, record);
    }
    if (record.action === 'sts:GetCallerIdentity' && !isRefusal(byControl)) {
      record.verdict = 'always-allowed';
      return send(byPolicy, record);
    }
    record.verdict = isRefusal(byControl) ? 'allowed' : 'not-evaluated';
    return send(await relay(agent, target, req, body, false), record);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`iam authorizer: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (err) {
    await stopAll();
    throw err;
  }
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('iam authorizer: no TCP address');

  return {
    url: `http://127.0.0.1:${address.port}`,
    principal,
    calls,
    async setPolicy(doc: unknown) {
      await iamClient(policyMoto, admin).send(
        new PutUserPolicyCommand({ UserName: userName, PolicyName: 'under-test', PolicyDocument: JSON.stringify(doc) }),
      );
    },
    clear() {
      calls.length = 0;
    },
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await stopAll();
    },
  };
}

/**
 * For vitest files, after useEmulator(): starts the authorizer in front of the emulator's
 * endpoint (beforeAll), forgets recorded calls before each test, stops it afterwards. The
 * authorizer motos are not reset between tests (what rootlock did there stays); the policy
 * is whatever the last setPolicy gave.
 */
export function useIamAuthorizer(
  emu: () => Pick<Emulator, 'endpoint'>,
  opts: Omit<IamAuthorizerOptions, 'target'> = {},
): () => IamAuthorizer {
  let auth: IamAuthorizer | undefined;
  beforeAll(async () => {
    auth = await startIamAuthorizer({ ...opts, target: emu().endpoint });
  });
  afterAll(async () => {
    await auth?.close();
    auth = undefined;
  });
  beforeEach(() => {
    auth?.clear();
  });
  return () => {
    if (!auth) throw new Error('useIamAuthorizer(): not started');
    return auth;
  };
}

/** IAM actions moto evaluates under another name: the API operation under the signing name. */
export const MOTO_ACTION_NAMES: Readonly<Record<string, string>> = {
  // S3 Control GetPublicAccessBlock is signed as "s3"; AWS authorizes it as s3:GetAccountPublicAccessBlock.
  's3:GetAccountPublicAccessBlock': 's3:GetPublicAccessBlock',
};

interface Statement {
  Sid?: string;
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

/**
 * A policy as moto's evaluator can judge it: the same statements and actions, with every
 * Resource `*` (moto compares a statement's Resource with `*` for nearly every call, so an
 * ARN pattern would never match), without Condition (moto has no request context for an
 * identity policy: it treats every condition as met) and with the actions moto names
 * differently renamed (MOTO_ACTION_NAMES). What it proves is therefore the Action lists only.
 */
export function policyForMoto(doc: { Version: string; Statement: Statement[] }): {
  Version: string;
  Statement: Statement[];
} {
  const rename = (a: string | string[] | undefined) =>
    a === undefined ? undefined : (Array.isArray(a) ? a : [a]).map((x) => MOTO_ACTION_NAMES[x] ?? x);
  return {
    Version: doc.Version,
    Statement: doc.Statement.map(({ Condition: _condition, Resource: _resource, Action, NotAction, ...rest }) => ({
      ...rest,
      ...(Action !== undefined ? { Action: rename(Action) } : {}),
      ...(NotAction !== undefined ? { NotAction: rename(NotAction) } : {}),
      Resource: '*',
    })),
  };
}
