/**
 * Seeds the scale account in moto: IAM users (in groups, with inline and managed policies,
 * a few administrators), roles (some EC2 roles with instance profiles), groups, customer
 * managed policies, EC2 instances across regions (most with an instance profile) and the
 * three alternate contacts. Calls run concurrently as plain HTTP requests (see RawAws),
 * straight to moto (not through the counting proxy).
 *
 * The layout is deterministic so the computed minimum and both tools' answers can be
 * checked against it: see `planScale` for exactly what exists.
 */
import http from 'node:http';

export const ACCOUNT_ID = '123456789012';
export const ADMIN_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';
export const READONLY_POLICY_ARN = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
export const RUNNER_USER = 'bench-admin-runner';

/** The scale. */
export const DEFAULT_SCALE = {
  users: 1000,
  roles: 1000,
  groups: 200,
  policies: 500,
  instances: 300,
  admins: 5,
  regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'],
};

const pad = (n, w = 4) => String(n).padStart(w, '0');

/** A customer managed policy document of realistic size (3 statements, scoped resources). */
function policyDocument(i) {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadBucket',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:ListBucket'],
        Resource: [`arn:aws:s3:::bench-bucket-${i}`, `arn:aws:s3:::bench-bucket-${i}/*`],
      },
      {
        Sid: 'Queue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage', 'sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        Resource: `arn:aws:sqs:*:${ACCOUNT_ID}:bench-queue-${i}`,
      },
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `arn:aws:logs:*:${ACCOUNT_ID}:log-group:/bench/${i}:*`,
      },
    ],
  });
}

const ADMIN_DOCUMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
});

const trust = (service) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });

/**
 * The full, deterministic layout for a scale: names and relationships only (no AWS calls).
 * Admins: the runner and one more user hold AdministratorAccess directly, two are members of
 * the group bench-admins (AdministratorAccess attached), one has an inline "*:*" policy.
 * One role holds AdministratorAccess and one a customer managed "*:*" policy (the last of
 * the customer policies), so Prowler's admin-policy checks have something to find.
 */
export function planScale(scale = DEFAULT_SCALE) {
  const policies = Array.from({ length: scale.policies }, (_, i) => ({
    name: `bench-policy-${pad(i, 3)}`,
    arn: `arn:aws:iam::${ACCOUNT_ID}:policy/bench-policy-${pad(i, 3)}`,
    document: i === scale.policies - 1 ? ADMIN_DOCUMENT : policyDocument(i),
  }));
  const regularPolicy = (i) => policies[i % Math.max(1, scale.policies - 1)].arn;
  const groups = Array.from({ length: scale.groups }, (_, i) => ({
    name: i === 0 ? 'bench-admins' : `bench-group-${pad(i, 3)}`,
    attached: i === 0 ? [ADMIN_POLICY_ARN] : i < scale.groups / 2 ? [regularPolicy(i)] : [],
    inline: i > 0 && i % 4 === 0,
  }));
  const regularGroups = groups.slice(1).map((g) => g.name);
  const adminNames = [RUNNER_USER, 'bench-admin-1', 'bench-admin-2', 'bench-admin-3', 'bench-admin-4'].slice(
    0,
    scale.admins,
  );
  const users = Array.from({ length: scale.users }, (_, i) => {
    if (i < adminNames.length) {
      const name = adminNames[i];
      return {
        name,
        groups: i === 2 || i === 3 ? ['bench-admins'] : [],
        attached: i <= 1 ? [ADMIN_POLICY_ARN] : [],
        inline: i === 4 ? 'admin' : undefined,
        accessKey: i === 0,
        loginProfile: true,
      };
    }
    const g = [];
    if (regularGroups.length && i % 3 >= 1) g.push(regularGroups[i % regularGroups.length]);
    if (regularGroups.length > 1 && i % 3 === 2) g.push(regularGroups[(i * 7 + 1) % regularGroups.length]);
    const attached = [];
    if (i % 5 === 0) attached.push(regularPolicy(i));
    if (i % 50 === 0) attached.push(READONLY_POLICY_ARN);
    return {
      name: `bench-user-${pad(i)}`,
      groups: [...new Set(g)],
      attached,
      inline: i % 10 === 0 ? 'regular' : undefined,
      accessKey: i % 10 === 1,
      loginProfile: i % 10 === 2,
    };
  });
  const perRegion = Math.floor(scale.instances / scale.regions.length);
  const instances = [];
  let profileIndex = 0;
  scale.regions.forEach((region, r) => {
    const count = r === scale.regions.length - 1 ? scale.instances - perRegion * (scale.regions.length - 1) : perRegion;
    for (let k = 0; k < count; k++) {
      // Two in three instances carry an instance profile; the rest have none.
      instances.push({ region, profile: k % 3 === 2 ? undefined : `bench-profile-${pad(profileIndex++)}` });
    }
  });
  const roles = Array.from({ length: scale.roles }, (_, i) => {
    const ec2 = i < profileIndex + 50;
    const attached = [];
    if (i % 2 === 0) attached.push(regularPolicy(i));
    if (i === scale.roles - 1) attached.push(policies[scale.policies - 1].arn);
    if (i === scale.roles - 2) attached.push(ADMIN_POLICY_ARN);
    return {
      name: `bench-role-${pad(i)}`,
      trust: ec2 ? 'ec2.amazonaws.com' : i % 2 ? 'lambda.amazonaws.com' : 'ecs-tasks.amazonaws.com',
      profile: i < profileIndex ? `bench-profile-${pad(i)}` : undefined,
      attached,
      inline: i % 10 === 5,
    };
  });
  return { scale, policies, groups, users, roles, instances, admins: adminNames };
}

/** Runs `tasks` (functions returning promises) with at most `limit` at once. */
export async function pool(tasks, limit) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      await t();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** Flattens params into the AWS query protocol: lists as `Name.member.N` (IAM) or `Name.N` (EC2). */
export function queryParams(params, { ec2 = false } = {}) {
  const out = new URLSearchParams();
  const put = (prefix, v) => {
    if (v === undefined) return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => put(ec2 ? `${prefix}.${i + 1}` : `${prefix}.member.${i + 1}`, item));
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) put(`${prefix}.${k}`, x);
    } else {
      out.append(prefix, String(v));
    }
  };
  for (const [k, v] of Object.entries(params)) put(k, v);
  return out;
}

/**
 * A minimal AWS client for seeding: moto does not verify signatures, it routes by the
 * SigV4 credential scope, so a well-formed Authorization header with that scope is all it
 * needs. This keeps the seeder's CPU low (the AWS SDK costs about 2 ms of CPU per call,
 * which on two cores competes with moto itself).
 */
export class RawAws {
  constructor(endpoint, { accessKeyId = 'AKIASEEDBENCH0000000', maxSockets = 32 } = {}) {
    const u = new URL(endpoint);
    if (u.hostname !== '127.0.0.1') throw new Error('the seeder only talks to 127.0.0.1');
    this.port = Number(u.port);
    this.accessKeyId = accessKeyId;
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
    this.calls = 0;
  }
  auth(service, region) {
    return `AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/20250101/${region}/${service}/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`;
  }
  request(service, region, { path = '/', body, contentType }) {
    this.calls += 1;
    const headers = {
      'content-type': contentType,
      'content-length': Buffer.byteLength(body),
      'x-amz-date': '20250101T000000Z',
      authorization: this.auth(service, region),
    };
    const once = () =>
      new Promise((resolve, reject) => {
        const req = http.request(
          { host: '127.0.0.1', port: this.port, method: 'POST', path, headers, agent: this.agent, timeout: 120_000 },
          (res) => {
            const chunks = [];
            res.on('data', (c) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          },
        );
        req.on('timeout', () => req.destroy(new Error(`timeout: ${service} ${path}`)));
        req.on('error', reject);
        req.end(body);
      });
    return (async () => {
      for (let attempt = 1; ; attempt++) {
        let r;
        try {
          r = await once();
        } catch (err) {
          if (attempt >= 3) throw err;
          continue;
        }
        if (r.status < 300) return r.text;
        if (r.status < 500 || attempt >= 3)
          throw new Error(`${service} ${path} ${body.slice(0, 80)} -> HTTP ${r.status}: ${r.text.slice(0, 300)}`);
      }
    })();
  }
  /** An IAM (awsQuery) call. */
  iam(action, params = {}) {
    const body = queryParams({ Action: action, Version: '2010-05-08', ...params }).toString();
    return this.request('iam', 'us-east-1', { body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
  }
  /** An EC2 (ec2Query) call in a region. */
  ec2(region, action, params = {}) {
    const body = queryParams({ Action: action, Version: '2016-11-15', ...params }, { ec2: true }).toString();
    return this.request('ec2', region, { body, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
  }
  /** An Account API (rest-json) call, e.g. ('putAlternateContact', {...}). */
  account(path, input) {
    return this.request('account', 'us-east-1', {
      path: `/${path}`,
      body: JSON.stringify(input),
      contentType: 'application/json',
    });
  }
  close() {
    this.agent.destroy();
  }
}

/**
 * Creates the planned account in moto at `endpoint`. Returns timing and call counts per
 * phase and the runner's access key.
 */
export async function seedScaleAccount(endpoint, plan, { concurrency = 16, log = () => {} } = {}) {
  const aws = new RawAws(endpoint, { maxSockets: concurrency * 2 });
  const iam = (action, params) => aws.iam(action, params);
  const phases = [];
  const phase = async (name, tasks) => {
    const before = aws.calls;
    const t0 = performance.now();
    await pool(tasks, concurrency);
    const ms = performance.now() - t0;
    phases.push({ name, calls: aws.calls - before, ms: Math.round(ms) });
    log(`  ${name}: ${aws.calls - before} calls in ${(ms / 1000).toFixed(1)} s`);
  };
  const t0 = performance.now();

  await phase('policies and groups', [
    ...plan.policies.map(
      (p) => () =>
        iam('CreatePolicy', { PolicyName: p.name, PolicyDocument: p.document, Description: 'rootlock benchmark' }),
    ),
    ...plan.groups.map((g) => () => iam('CreateGroup', { GroupName: g.name })),
  ]);
  await phase('users, roles and instance profiles', [
    ...plan.users.map((u) => () => iam('CreateUser', { UserName: u.name, Tags: [{ Key: 'team', Value: 'bench' }] })),
    ...plan.roles.map((r) => () => iam('CreateRole', { RoleName: r.name, AssumeRolePolicyDocument: trust(r.trust) })),
    ...plan.roles
      .filter((r) => r.profile)
      .map((r) => () => iam('CreateInstanceProfile', { InstanceProfileName: r.profile })),
  ]);
  let runnerKey;
  const inlineDoc = (name) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: name.replace(/[^A-Za-z0-9]/g, ''),
          Effect: 'Allow',
          Action: ['ec2:DescribeInstances', 'cloudwatch:GetMetricData'],
          Resource: '*',
        },
      ],
    });
  await phase('memberships, attachments, inline policies, keys, login profiles', [
    ...plan.groups.flatMap((g) => [
      ...g.attached.map((arn) => () => iam('AttachGroupPolicy', { GroupName: g.name, PolicyArn: arn })),
      ...(g.inline
        ? [() => iam('PutGroupPolicy', { GroupName: g.name, PolicyName: 'inline', PolicyDocument: inlineDoc(g.name) })]
        : []),
    ]),
    ...plan.users.flatMap((u) => [
      ...u.groups.map((g) => () => iam('AddUserToGroup', { GroupName: g, UserName: u.name })),
      ...u.attached.map((arn) => () => iam('AttachUserPolicy', { UserName: u.name, PolicyArn: arn })),
      ...(u.inline
        ? [
            () =>
              iam('PutUserPolicy', {
                UserName: u.name,
                PolicyName: u.inline === 'admin' ? 'everything' : 'inline',
                PolicyDocument: u.inline === 'admin' ? ADMIN_DOCUMENT : inlineDoc(u.name),
              }),
          ]
        : []),
      ...(u.accessKey
        ? [
            async () => {
              const xml = await iam('CreateAccessKey', { UserName: u.name });
              if (u.name === RUNNER_USER) {
                const id = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(xml)?.[1];
                const secret = /<SecretAccessKey>([^<]+)<\/SecretAccessKey>/.exec(xml)?.[1];
                if (id && secret) runnerKey = { accessKeyId: id, secretAccessKey: secret };
              }
            },
          ]
        : []),
      ...(u.loginProfile
        ? [() => iam('CreateLoginProfile', { UserName: u.name, Password: `Bench-${u.name}-Pw1!` })]
        : []),
    ]),
    ...plan.roles.flatMap((r) => [
      ...r.attached.map((arn) => () => iam('AttachRolePolicy', { RoleName: r.name, PolicyArn: arn })),
      ...(r.inline
        ? [() => iam('PutRolePolicy', { RoleName: r.name, PolicyName: 'inline', PolicyDocument: inlineDoc(r.name) })]
        : []),
      ...(r.profile
        ? [() => iam('AddRoleToInstanceProfile', { InstanceProfileName: r.profile, RoleName: r.name })]
        : []),
    ]),
  ]);
  // Instances: one RunInstances per instance with a profile, one per region for the rest.
  const withoutProfile = new Map();
  for (const inst of plan.instances)
    if (!inst.profile) withoutProfile.set(inst.region, (withoutProfile.get(inst.region) ?? 0) + 1);
  const run = (region, n, extra = {}) =>
    aws.ec2(region, 'RunInstances', {
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: n,
      MaxCount: n,
      ...extra,
    });
  await phase('EC2 instances and alternate contacts', [
    ...plan.instances
      .filter((i) => i.profile)
      .map((i) => () => run(i.region, 1, { IamInstanceProfile: { Name: i.profile } })),
    ...[...withoutProfile.entries()].map(
      ([region, n]) =>
        () =>
          run(region, n),
    ),
    ...['BILLING', 'OPERATIONS', 'SECURITY'].map(
      (type, k) => () =>
        aws.account('putAlternateContact', {
          AlternateContactType: type,
          Name: `Bench ${type.toLowerCase()} contact`,
          Title: 'Team lead',
          EmailAddress: `${type.toLowerCase()}@bench.example.com`,
          PhoneNumber: `+1 555 010${k + 1}`,
        }),
    ),
  ]);
  const totalMs = performance.now() - t0;
  aws.close();
  if (!runnerKey) throw new Error(`seeding did not create an access key for ${RUNNER_USER}`);
  return {
    calls: aws.calls,
    ms: Math.round(totalMs),
    callsPerSecond: Math.round(aws.calls / (totalMs / 1000)),
    phases,
    runnerKey,
    concurrency,
  };
}
