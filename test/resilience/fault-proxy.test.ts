/**
 * The fault proxy itself: every fault kind, in every protocol rootlock speaks, parsed by the
 * real AWS SDK exactly as it parses AWS's own errors; and the seeded PRNG is reproducible.
 */
import { AccountClient, GetAlternateContactCommand } from '@aws-sdk/client-account';
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateUserCommand, GetUserCommand, IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { ListAWSServiceAccessForOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { useEmulator } from '../support/emulator.js';
import { draw, matches, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const emu = useEmulator();
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy({ target: emu().endpoint });
});
afterAll(async () => proxy.close());
beforeEach(() => {
  proxy.configure([]);
  proxy.clear();
});

/** SDK clients through the proxy, with `maxAttempts` attempts each (the SDK's standard retry mode). */
const clients = (maxAttempts = 1) => {
  const common = { endpoint: proxy.url, credentials: MOTO_BOOTSTRAP_CREDENTIALS, region: 'us-east-1', maxAttempts };
  return {
    iam: new IAMClient(common),
    sts: new STSClient(common),
    ec2: new EC2Client(common),
    account: new AccountClient(common),
    organizations: new OrganizationsClient(common),
  };
};
const direct = () => testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);

async function failure(
  p: Promise<unknown>,
): Promise<{ name: string; status?: number; code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    // Modeled errors carry the wire code in `Code` (IAM's ServiceFailureException has Code ServiceFailure).
    const e = err as {
      name: string;
      Code?: string;
      $metadata?: { httpStatusCode?: number };
      code?: string;
      message: string;
    };
    return { name: e.Code ?? e.name, status: e.$metadata?.httpStatusCode, code: e.code, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** One call per protocol: query (IAM, STS), EC2, JSON 1.1 (Organizations), REST-JSON (Account). */
const PROTOCOLS = [
  {
    op: 'iam:ListUsers',
    send: (c: ReturnType<typeof clients>) => c.iam.send(new ListUsersCommand({})),
    throttle: ['Throttling', 400],
    server: ['ServiceFailure', 500],
    deny: ['AccessDenied', 403],
    expired: ['ExpiredToken', 403],
  },
  {
    op: 'sts:GetCallerIdentity',
    send: (c: ReturnType<typeof clients>) => c.sts.send(new GetCallerIdentityCommand({})),
    throttle: ['Throttling', 400],
    server: ['InternalFailure', 500],
    deny: ['AccessDenied', 403],
    expired: ['ExpiredToken', 403],
  },
  {
    op: 'ec2:DescribeRegions',
    send: (c: ReturnType<typeof clients>) => c.ec2.send(new DescribeRegionsCommand({})),
    throttle: ['RequestLimitExceeded', 503],
    server: ['InternalError', 500],
    deny: ['UnauthorizedOperation', 403],
    expired: ['RequestExpired', 400],
  },
  {
    op: 'organizations:ListAWSServiceAccessForOrganization',
    send: (c: ReturnType<typeof clients>) => c.organizations.send(new ListAWSServiceAccessForOrganizationCommand({})),
    throttle: ['TooManyRequestsException', 429],
    server: ['ServiceException', 500],
    deny: ['AccessDeniedException', 403],
    expired: ['ExpiredTokenException', 403],
  },
  {
    op: 'account:GetAlternateContact',
    send: (c: ReturnType<typeof clients>) =>
      c.account.send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' })),
    throttle: ['TooManyRequestsException', 429],
    server: ['InternalServerException', 500],
    deny: ['AccessDeniedException', 403],
    expired: ['ExpiredTokenException', 403],
  },
] as const;

describe('fault proxy: AWS-shaped errors the SDK parses as AWS errors', () => {
  it.each(PROTOCOLS)('$op: throttle, 500, deny and expired token', async (p) => {
    for (const [kind, [name, status]] of [
      ['throttle', p.throttle],
      ['server-error', p.server],
      ['deny', p.deny],
      ['expired-token', p.expired],
    ] as const) {
      proxy.configure([{ kind, match: p.op }]);
      const f = await failure(p.send(clients()));
      expect({ kind, name: f.name, status: f.status }).toEqual({ kind, name, status });
      if (kind === 'deny') expect(f.message).toContain(`not authorized to perform: ${p.op}`);
    }
    // Nothing faulted reached the emulator.
    expect(proxy.calls.every((c) => !c.forwarded)).toBe(true);
  });

  it.each(PROTOCOLS)('$op: the SDK retries a throttle and a 500 and then succeeds', async (p) => {
    proxy.configure([
      { kind: 'throttle', match: p.op, limit: 1 },
      { kind: 'server-error', match: p.op, limit: 1 },
    ]);
    // Account's GetAlternateContact of a never-set contact answers ResourceNotFoundException: still a real answer.
    const r = await p.send(clients(3)).then(
      (ok) => (ok as { $metadata: { attempts?: number } }).$metadata.attempts,
      (err: { name: string; $metadata?: { attempts?: number } }) =>
        err.name === 'ResourceNotFoundException' || err.name === 'AWSOrganizationsNotInUseException'
          ? err.$metadata?.attempts
          : err,
    );
    expect(r).toBe(3);
    expect(proxy.calls.map((c) => c.fault ?? 'forwarded')).toEqual(['throttle', 'server-error', 'forwarded']);
  });

  it('drop-before: the call never reaches the emulator; drop-after: it is applied, and the caller never hears', async () => {
    proxy.configure([{ kind: 'drop-before', match: 'iam:CreateUser', limit: 1 }]);
    const before = await failure(clients().iam.send(new CreateUserCommand({ UserName: 'never' })));
    expect(before.code ?? before.name).toMatch(/ECONNRESET|socket hang up/i);
    expect(await failure(direct().iam.send(new GetUserCommand({ UserName: 'never' })))).toMatchObject({
      name: 'NoSuchEntity',
    });

    proxy.configure([{ kind: 'drop-after', match: 'iam:CreateUser', limit: 1 }]);
    const after = await failure(clients().iam.send(new CreateUserCommand({ UserName: 'lost-answer' })));
    expect(after.code ?? after.name).toMatch(/ECONNRESET|socket hang up/i);
    const u = await direct().iam.send(new GetUserCommand({ UserName: 'lost-answer' }));
    expect(u.User?.UserName).toBe('lost-answer');
    expect(proxy.faulted().map((c) => [c.operation, c.fault, c.forwarded, c.status, c.upstreamStatus])).toEqual([
      ['CreateUser', 'drop-before', false, undefined, undefined],
      ['CreateUser', 'drop-after', true, undefined, 200],
    ]);
    // error-after: applied, then answered with the service's HTTP 500.
    proxy.configure([{ kind: 'error-after', match: 'iam:CreateUser', limit: 1 }]);
    expect(await failure(clients().iam.send(new CreateUserCommand({ UserName: 'applied-then-500' })))).toMatchObject({
      name: 'ServiceFailure',
      status: 500,
    });
    expect((await direct().iam.send(new GetUserCommand({ UserName: 'applied-then-500' }))).User?.UserName).toBe(
      'applied-then-500',
    );
    // The SDK's own retry of a dropped create meets the user it created: EntityAlreadyExists.
    proxy.configure([{ kind: 'drop-after', match: 'iam:CreateUser', limit: 1 }]);
    expect(await failure(clients(2).iam.send(new CreateUserCommand({ UserName: 'retried' })))).toMatchObject({
      name: 'EntityAlreadyExists',
    });
  });

  it('slow: the real answer, late', async () => {
    proxy.configure([{ kind: 'slow', match: 'sts:*', delayMs: 400 }]);
    const t0 = Date.now();
    const id = await clients().sts.send(new GetCallerIdentityCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(380);
    expect(id.Account).toBe('123456789012');
  });

  it('after: credentials that stop working after N calls', async () => {
    proxy.configure([{ kind: 'expired-token', after: 2 }]);
    const c = clients();
    await c.sts.send(new GetCallerIdentityCommand({}));
    await c.iam.send(new ListUsersCommand({}));
    expect(await failure(c.iam.send(new ListUsersCommand({})))).toMatchObject({ name: 'ExpiredToken' });
  });
});

describe('fault proxy: rules and the seeded PRNG', () => {
  it('the same seed gives the same decisions; another seed gives others; the rate holds', () => {
    const a = Array.from({ length: 2000 }, (_, i) => draw(7, 0, 'iam:ListUsers', i));
    const b = Array.from({ length: 2000 }, (_, i) => draw(7, 0, 'iam:ListUsers', i));
    const c = Array.from({ length: 2000 }, (_, i) => draw(8, 0, 'iam:ListUsers', i));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const rate = a.filter((x) => x < 0.2).length / a.length;
    expect(rate).toBeGreaterThan(0.17);
    expect(rate).toBeLessThan(0.23);
  });

  it('patterns match service:Operation globs, bare operations and predicates', () => {
    const call = {
      service: 'iam',
      operation: 'CreateUser',
      region: 'us-east-1',
      accessKeyId: 'AKIA',
      body: 'Action=CreateUser&UserName=alice',
    };
    expect(matches({ match: 'iam:CreateUser' }, call)).toBe(true);
    expect(matches({ match: 'iam:*' }, call)).toBe(true);
    expect(matches({ match: '*:Create*' }, call)).toBe(true);
    expect(matches({ match: 'CreateUser' }, call)).toBe(true);
    expect(matches({ match: 'ec2:*' }, call)).toBe(false);
    expect(matches({ match: ['ec2:*', 'sts:*'] }, call)).toBe(false);
    expect(matches({ match: (c) => c.region === 'us-east-1' }, call)).toBe(true);
    expect(matches({ match: (c) => c.body.includes('UserName=alice') }, call)).toBe(true);
    expect(matches({}, call)).toBe(true);
  });
});
