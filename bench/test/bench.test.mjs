/**
 * Unit tests for the benchmark's pure parts: `node --test bench/test/`.
 * (The benchmark itself is run by `npm run bench`; these need no emulator.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGnuTime } from '../lib/measure.mjs';
import { authorizationItems, compareWithMinimum, countsFromPlan, minimumCalls, pagesFor } from '../lib/minimum.mjs';
import { parseCheckList, PROWLER_CHECKS, prowlerArgs } from '../lib/prowler.mjs';
import {
  AuthorizationDetailsPager,
  EmulatorShims,
  operationOf,
  RequestLog,
  splitAuthorizationDetails,
} from '../lib/proxy.mjs';
import { buildTable, renderMarkdown, renderMarkdownReport } from '../lib/report.mjs';
import { ADMIN_POLICY_ARN, DEFAULT_SCALE, planScale, queryParams, RUNNER_USER } from '../lib/seed.mjs';
import { firstPromptLine, promptShown } from '../lib/startup.mjs';
import { median } from '../lib/procs.mjs';

const auth = (service, region = 'us-east-1') =>
  `AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=abc`;

describe('operationOf', () => {
  it('reads the Action of a query-protocol body (IAM)', () => {
    const r = operationOf({
      method: 'POST',
      url: '/',
      headers: { authorization: auth('iam'), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from('Action=GetAccountAuthorizationDetails&Version=2010-05-08&MaxItems=1000'),
    });
    assert.deepEqual(r, {
      service: 'iam',
      operation: 'GetAccountAuthorizationDetails',
      region: 'us-east-1',
      accessKeyId: 'AKIAEXAMPLE',
    });
  });
  it('reads X-Amz-Target (awsJson) and the region of the scope', () => {
    const r = operationOf({
      method: 'POST',
      url: '/',
      headers: {
        authorization: auth('organizations', 'us-east-1'),
        'x-amz-target': 'AWSOrganizationsV20161128.DescribeAccount',
      },
      body: Buffer.from('{}'),
    });
    assert.equal(r.operation, 'DescribeAccount');
    assert.equal(r.service, 'organizations');
  });
  it('reads the rest-json path of the Account API', () => {
    const r = operationOf({
      method: 'POST',
      url: '/getAlternateContact',
      headers: { authorization: auth('account'), 'content-type': 'application/json' },
      body: Buffer.from('{"AlternateContactType":"SECURITY"}'),
    });
    assert.equal(r.operation, 'GetAlternateContact');
  });
  it('reads rpc-v2-cbor paths and GET query strings', () => {
    assert.equal(
      operationOf({
        method: 'POST',
        url: '/service/GraniteServiceVersion20100801/operation/GetMetricData',
        headers: { authorization: auth('monitoring') },
        body: Buffer.alloc(0),
      }).operation,
      'GetMetricData',
    );
    assert.equal(
      operationOf({
        method: 'GET',
        url: '/?Action=DescribeRegions&Version=2016-11-15',
        headers: { authorization: auth('ec2') },
        body: Buffer.alloc(0),
      }).operation,
      'DescribeRegions',
    );
  });
  it('names S3 Control requests, which are signed as s3, by method and path', () => {
    const r = operationOf({
      method: 'GET',
      url: '/v20180820/configuration/publicAccessBlock',
      headers: { authorization: auth('s3'), 'x-amz-account-id': '123456789012' },
      body: Buffer.alloc(0),
    });
    assert.equal(`${r.service}:${r.operation}`, 's3control:GetPublicAccessBlock');
  });
  it('falls back to method and path', () => {
    assert.equal(
      operationOf({ method: 'GET', url: '/moto-api/', headers: {}, body: Buffer.alloc(0) }).operation,
      'GET /moto-api/',
    );
  });
});

describe('queryParams', () => {
  it('flattens IAM lists as .member.N and EC2 lists as .N, objects as dotted keys', () => {
    assert.equal(
      queryParams({ Action: 'CreateUser', Tags: [{ Key: 'a', Value: 'b' }] }).toString(),
      'Action=CreateUser&Tags.member.1.Key=a&Tags.member.1.Value=b',
    );
    assert.equal(
      queryParams({ IamInstanceProfile: { Name: 'p' }, X: [1, 2] }, { ec2: true }).toString(),
      'IamInstanceProfile.Name=p&X.1=1&X.2=2',
    );
  });
});

describe('planScale', () => {
  const plan = planScale(DEFAULT_SCALE);
  it("has the issue's counts", () => {
    assert.equal(plan.users.length, 1000);
    assert.equal(plan.roles.length, 1000);
    assert.equal(plan.groups.length, 200);
    assert.equal(plan.policies.length, 500);
    assert.equal(plan.instances.length, 300);
    assert.deepEqual([...new Set(plan.instances.map((i) => i.region))], DEFAULT_SCALE.regions);
  });
  it('has exactly 5 admin users, the runner among them with a key', () => {
    const adminGroupMembers = plan.users.filter((u) => u.groups.includes('bench-admins'));
    const direct = plan.users.filter((u) => u.attached.includes(ADMIN_POLICY_ARN));
    const inline = plan.users.filter((u) => u.inline === 'admin');
    const admins = new Set([...adminGroupMembers, ...direct, ...inline].map((u) => u.name));
    assert.equal(admins.size, 5);
    assert.deepEqual([...admins].sort(), [...plan.admins].sort());
    assert.ok(plan.users.find((u) => u.name === RUNNER_USER)?.accessKey);
  });
  it('gives every instance profile a role and leaves a third of the instances without one', () => {
    const profiles = new Set(plan.roles.filter((r) => r.profile).map((r) => r.profile));
    for (const i of plan.instances) if (i.profile) assert.ok(profiles.has(i.profile), i.profile);
    assert.equal(plan.instances.filter((i) => !i.profile).length, 99);
    assert.equal(profiles.size, 201);
  });
  it('keeps users within IAM limits (10 groups, 10 attached policies)', () => {
    for (const u of plan.users) {
      assert.ok(u.groups.length <= 10);
      assert.ok(u.attached.length <= 10);
    }
  });
});

describe('minimum calls', () => {
  const counts = countsFromPlan(planScale(DEFAULT_SCALE));
  it('counts attached AWS managed policies only (AdministratorAccess, ReadOnlyAccess)', () => {
    assert.equal(counts.awsManagedAttached, 2);
    assert.equal(authorizationItems(counts), 1000 + 200 + 1000 + 500 + 2);
  });
  it('needs 3 authorization-details pages at MaxItems 1000 and one DescribeInstances page per region', () => {
    const m = minimumCalls(counts);
    assert.equal(m.byOperation['iam:GetAccountAuthorizationDetails'], 3);
    assert.equal(m.byOperation['ec2:DescribeInstances'], 3);
    assert.equal(m.byOperation['ec2:DescribeRegions'], 0);
    assert.equal(m.byOperation['s3control:GetPublicAccessBlock'], 1);
    assert.equal(m.total, 18);
    assert.equal(minimumCalls(counts, { regionsGiven: false }).total, 19);
  });
  it('computes the authorization-details pages for the items actually answered when given', () => {
    // moto lists all 1,582 AWS managed policies: 4,282 items, 5 pages.
    const m = minimumCalls(counts, { answeredItems: 4282 });
    assert.equal(m.authorizationItems, 4282);
    assert.equal(m.byOperation['iam:GetAccountAuthorizationDetails'], 5);
    assert.equal(m.total, 20);
  });
  it('pages: at least one, ceil otherwise', () => {
    assert.equal(pagesFor(0, 1000), 1);
    assert.equal(pagesFor(1000, 1000), 1);
    assert.equal(pagesFor(1001, 1000), 2);
  });
  it('compares per operation and names extra operations', () => {
    const m = minimumCalls(counts);
    const made = {
      ...m.byOperation,
      'ec2:DescribeIamInstanceProfileAssociations': 3,
      'iam:GenerateCredentialReport': 2,
    };
    delete made['ec2:DescribeRegions'];
    const c = compareWithMinimum(m, made);
    assert.equal(c.made, 22);
    assert.equal(c.minimum, 18);
    assert.deepEqual(c.extraOperations, ['ec2:DescribeIamInstanceProfileAssociations']);
    assert.deepEqual(
      c.over.map((r) => r.op),
      ['ec2:DescribeIamInstanceProfileAssociations', 'iam:GenerateCredentialReport'],
    );
    assert.ok(Math.abs(c.ratio - 22 / 18) < 1e-9);
  });
});

describe('parseGnuTime', () => {
  it('reads wall, CPU and peak RSS', () => {
    const t = parseGnuTime(`\tUser time (seconds): 2.49
\tSystem time (seconds): 0.18
\tElapsed (wall clock) time (h:mm:ss or m:ss): 1:17.94
\tMaximum resident set size (kbytes): 204948
\tExit status: 1`);
    assert.deepEqual(t, { elapsedMs: 77940, userMs: 2490, sysMs: 180, cpuMs: 2670, peakRssMiB: 200.1, exitStatus: 1 });
  });
  it('reads h:mm:ss', () => {
    assert.equal(parseGnuTime('Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02:03').elapsedMs, 3723000);
  });
});

describe('prowler', () => {
  it('parses check ids from the coloured listing', () => {
    const ids = parseCheckList(
      '[iam_no_root_access_key] Root account has no active access keys - \x1b[35miam \x1b[33m[critical]\x1b[0m\nThere are 2 available checks.\n[ec2_instance_profile_attached] EC2 - ec2',
    );
    assert.deepEqual([...ids], ['iam_no_root_access_key', 'ec2_instance_profile_attached']);
  });
  it('passes the checks and regions as lists', () => {
    const a = prowlerArgs(['a', 'b'], ['us-east-1', 'eu-west-1'], '/tmp/o');
    assert.deepEqual(a.slice(0, 7), ['aws', '--checks', 'a', 'b', '--region', 'us-east-1', 'eu-west-1']);
    assert.ok(PROWLER_CHECKS.some((c) => c.check === 'iam_no_root_access_key'));
  });
});

describe('first prompt detection', () => {
  it('sees rootlock\'s "? " prompt through colour codes, not a "?" inside a line', () => {
    assert.equal(promptShown('[info] Is this it? no\n'), false);
    const drawn =
      '\x1b[?25l\x1b[34m?\x1b[39m \x1b[1mThe BILLING contact is set. Change it?\x1b[22m \x1b[2m(y/N)\x1b[22m';
    assert.equal(promptShown(`Acting as x\r\n${drawn}`), true);
    assert.equal(firstPromptLine(`Acting as x\r\n${drawn}`), '? The BILLING contact is set. Change it? (y/N)');
  });
});

describe('emulator shims', () => {
  it('answers ListOrganizationsFeatures as AWS does outside an organization', () => {
    const r = new EmulatorShims().answer('iam:ListOrganizationsFeatures', Buffer.alloc(0));
    assert.equal(r.status, 400);
    assert.match(r.body, /<Code>OrganizationNotFoundException<\/Code>/);
  });
  it('keeps contact information: 404 until put, then returned', () => {
    const s = new EmulatorShims();
    assert.equal(s.answer('account:GetContactInformation', Buffer.alloc(0)).status, 404);
    s.answer('account:PutContactInformation', Buffer.from(JSON.stringify({ ContactInformation: { FullName: 'A' } })));
    const r = s.answer('account:GetContactInformation', Buffer.alloc(0));
    assert.deepEqual(JSON.parse(r.body), { ContactInformation: { FullName: 'A' } });
    assert.equal(s.answer('iam:GetUser', Buffer.alloc(0)), undefined);
  });
  it('dates the credential report when it was first generated', () => {
    const s = new EmulatorShims();
    const xml = Buffer.from(
      '<GetCredentialReportResult><GeneratedTime>2015-02-02T20:02:02Z</GeneratedTime></GetCredentialReportResult>',
    );
    assert.equal(s.rewrite('iam:GetCredentialReport', 200, xml).toString(), xml.toString());
    s.rewrite('iam:GenerateCredentialReport', 200, Buffer.from(''));
    const out = s.rewrite('iam:GetCredentialReport', 200, xml).toString();
    assert.doesNotMatch(out, /2015-02-02/);
    const when = /<GeneratedTime>([^<]+)</.exec(out)[1];
    assert.ok(Math.abs(Date.parse(when) - Date.now()) < 5000);
  });
});

describe('RequestLog', () => {
  it('counts by operation with errors, first-seen order and captured params', () => {
    const log = new RequestLog({ captureParams: ['iam:GetAccountAuthorizationDetails'] });
    const since = process.hrtime.bigint();
    log.start('iam:GetAccountAuthorizationDetails', { MaxItems: '1000' });
    log.start('sts:GetCallerIdentity');
    log.record('iam:GetAccountAuthorizationDetails', 200, 5, 'us-east-1');
    log.record('sts:GetCallerIdentity', 403, 1, 'us-east-1');
    const j = log.toJSON(since);
    assert.equal(j.total, 2);
    assert.equal(j.errors, 1);
    assert.deepEqual(j.errorsByOperation, { 'sts:GetCallerIdentity': 1 });
    assert.deepEqual(
      j.firstSeen.map((f) => f.op),
      ['iam:GetAccountAuthorizationDetails', 'sts:GetCallerIdentity'],
    );
    assert.deepEqual(j.params, { 'iam:GetAccountAuthorizationDetails': [{ MaxItems: '1000' }] });
    assert.equal(j.maxConcurrent, 2);
  });
  it('keeps a snapshot as it was when later requests are logged', () => {
    const log = new RequestLog({ captureParams: ['iam:GetAccountAuthorizationDetails'] });
    log.start('iam:GetAccountAuthorizationDetails', { MaxItems: '1000' });
    log.record('iam:GetAccountAuthorizationDetails', 200, 5, 'us-east-1', { shim: true });
    log.page('iam:GetAccountAuthorizationDetails', { maxItems: 1000, items: 1000, answerItems: 4282, first: true });
    const j = log.toJSON();
    log.start('iam:GetAccountAuthorizationDetails', { MaxItems: '1000', Marker: 'x' });
    log.record('iam:GetAccountAuthorizationDetails', 200, 5, 'us-east-1', { shim: true });
    log.page('iam:GetAccountAuthorizationDetails', { maxItems: 1000, items: 1000, answerItems: 4282, first: false });
    assert.equal(j.params['iam:GetAccountAuthorizationDetails'].length, 1);
    assert.deepEqual(j.shimmed, { 'iam:GetAccountAuthorizationDetails': 1 });
    assert.deepEqual(j.paged['iam:GetAccountAuthorizationDetails'], {
      pages: 1,
      answers: 1,
      items: 1000,
      answerItems: [4282],
      maxItems: [1000],
    });
    assert.equal(log.toJSON().paged['iam:GetAccountAuthorizationDetails'].pages, 2);
  });
});

describe('authorization-details paging', () => {
  const user = (n) =>
    `<member><UserName>u${n}</UserName><GroupList><member>g</member></GroupList><UserPolicyList/>` +
    `<AttachedManagedPolicies><member><PolicyArn>arn:p</PolicyArn></member></AttachedManagedPolicies></member>`;
  const policy = (n) =>
    `<member><Arn>arn:aws:iam::aws:policy/P${n}</Arn><PolicyVersionList><member><Document>%7B%7D</Document>` +
    `</member></PolicyVersionList></member>`;
  const answer = (users, policies) =>
    '<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">' +
    `<GetAccountAuthorizationDetailsResult><UserDetailList>${users.join('')}</UserDetailList><GroupDetailList/>` +
    `<RoleDetailList/><Policies>${policies.join('')}</Policies><IsTruncated>false</IsTruncated>` +
    '</GetAccountAuthorizationDetailsResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>' +
    '</GetAccountAuthorizationDetailsResponse>';
  const xml = answer([user(1), user(2), user(3)], [policy(1), policy(2)]);

  it('cuts an answer into its top-level items, nested members left inside', () => {
    const split = splitAuthorizationDetails(xml);
    assert.deepEqual(split.lists, ['UserDetailList', 'GroupDetailList', 'RoleDetailList', 'Policies']);
    assert.deepEqual(
      split.items.map((i) => i.list),
      ['UserDetailList', 'UserDetailList', 'UserDetailList', 'Policies', 'Policies'],
    );
    assert.equal(split.items[0].xml, user(1));
    assert.equal(split.items[4].xml, policy(2));
    assert.equal(splitAuthorizationDetails('<ErrorResponse><Error/></ErrorResponse>'), undefined);
  });

  it('hands the answer out MaxItems at a time, with a Marker for each next page', () => {
    const pager = new AuthorizationDetailsPager();
    const body = (r) => r.response.body;
    const first = pager.start({ MaxItems: '2' }, 200, Buffer.from(xml));
    assert.deepEqual(first.page, { maxItems: 2, items: 2, answerItems: 5, first: true });
    assert.match(body(first), /<IsTruncated>true<\/IsTruncated><Marker>/);
    assert.deepEqual(
      splitAuthorizationDetails(body(first)).items.map((i) => i.xml),
      [user(1), user(2)],
    );
    const marker = /<Marker>([^<]+)</.exec(body(first))[1];
    assert.equal(pager.answer({ MaxItems: '2' }), undefined, 'a request without a Marker goes to moto');
    const second = pager.answer({ MaxItems: '2', Marker: marker });
    assert.deepEqual(
      splitAuthorizationDetails(body(second)).items.map((i) => i.xml),
      [user(3), policy(1)],
    );
    const third = pager.answer({ MaxItems: '2', Marker: /<Marker>([^<]+)</.exec(body(second))[1] });
    assert.deepEqual(third.page, { maxItems: 2, items: 1, answerItems: 5, first: false });
    assert.match(body(third), /<UserDetailList\/>.*<Policies><member>.*<IsTruncated>false<\/IsTruncated><\/Get/);
    assert.equal(pager.listings.size, 0, 'a listing is let go after its last page');
  });

  it("uses AWS's default of 100 and refuses what AWS refuses", () => {
    const pager = new AuthorizationDetailsPager();
    const many = answer(
      Array.from({ length: 150 }, (_, i) => user(i)),
      [],
    );
    assert.equal(pager.start({}, 200, Buffer.from(many)).page.items, 100);
    assert.equal(pager.answer({ MaxItems: '1001' }).response.status, 400);
    assert.match(pager.answer({ MaxItems: '0' }).response.body, /ValidationError/);
    assert.match(pager.answer({ MaxItems: '10', Marker: 'bm9uZTo1' }).response.body, /InvalidInput/);
    assert.equal(
      pager.start({}, 500, Buffer.from('<ErrorResponse/>')),
      undefined,
      'an error goes back as moto sent it',
    );
  });
});

describe('report', () => {
  it('judges the targets from the figures', () => {
    const rows = buildTable({
      rootlock: {
        check: { wallMs: 10_000, cpuMs: 3000, peakRssMiB: 150, requests: { total: 20 }, calls: { total: 20 } },
        help: { medianMs: 80 },
        firstPrompt: { medianMs: 500, beforeFirstCallMs: 300 },
      },
      prowler: {
        run: { wallMs: 60_000, cpuMs: 30_000, peakRssMiB: 400 },
        requests: { total: 17_000 },
        help: { medianMs: 5000 },
      },
      floor: { nodeE0: { cpuMs: 30, peakRssMiB: 40 }, nodeE0Start: { medianMs: 50 } },
      minimum: { total: 17 },
    });
    const met = Object.fromEntries(rows.filter((r) => r.target).map((r) => [r.figure, r.met]));
    assert.deepEqual(Object.values(met), [true, true, true, true]);
    assert.match(renderMarkdown(rows), /\| check: wall time \(s\) \| 10 \| 60 \|/);
  });
  it('dates the Markdown table and names the machine', () => {
    const md = renderMarkdownReport({
      generatedAt: '2026-12-06T04:18:18.387Z',
      scaleFactor: 1,
      machine: { cpus: 2, node: 'v20.20.2', moto: '5.2.5', loadAverageAtStart: [3.26], loadAverageAtEnd: [4.39] },
      prowler: { version: '5.46.0' },
      table: [],
    });
    assert.match(
      md,
      /^Measured on 2026-12-06 by `npm run bench` \(scale 1\): 2 CPUs, Node v20\.20\.2, moto 5\.2\.5, Prowler 5\.46\.0; load average 3\.26 at the start and 4\.39 at the end\.\n\n\| figure/,
    );
  });
  it('median', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 2, 3]), 2.5);
  });
});
