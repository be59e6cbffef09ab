/**
 * Bad input, everywhere rootlock takes input: every flag, every question that takes typed
 * text, answers files and `--answer`, and plan files. Each bad value must be refused with a
 * reason that names what is wrong (and echoes the value escaped), before anything is
 * written: the emulator must receive no mutating request.
 *
 * Shell metacharacters: rootlock never hands input to a shell. Where AWS's own pattern
 * refuses them (IAM names, account ids, e-mail addresses, phone numbers, regions) they are
 * refused up front; in free text AWS accepts (a contact's name or title) they are data, and
 * the test checks they reach the planned call byte for byte, uninterpreted.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';
import { createAnswersPrompter } from '../../src/ui/answers.js';
import { useEmulator } from '../support/emulator.js';
import { mutatingRequests, runRootlock, type RunResult, type ScriptedAnswer } from '../support/harness.js';
import { ACCOUNT, fastClock, journal, REGION_FLAGS, seedAccount, SSM_POLICY, type NewAccount } from './support.js';

const emu = useEmulator();

/** Characters a terminal acts on, or that hide text: none may reach a message raw. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const ESC = '\u001b';
const figures = { flags: 0, prompts: 0, answerFiles: 0, planFiles: 0 };

describe('flags', () => {
  const FLAG_CASES: Array<[string[], RegExp]> = [
    // --target-account: empty, short, long, letters, look-alike digits, control and shell characters
    ...[
      '',
      '12345678901',
      '1234567890123',
      '12345678901a',
      '１２３４５６７８９０１２',
      '٠١٢٣٤٥٦٧٨٩٠١',
      ' 123456789012',
      '123456789012\n',
      `123456789012${ESC}[2J`,
      '123456789012;rm -rf /',
      '$(id)',
    ].map((v): [string[], RegExp] => [['--target-account', v], /--target-account must be a 12-digit AWS account id/]),
    // --admin-group: empty, too long, spaces, Cyrillic look-alike, shell and control characters
    ...[
      '',
      'a'.repeat(129),
      'Admin team',
      'Аdministrators',
      'admins;rm -rf /',
      '$(whoami)',
      '`id`',
      `admins${ESC}[31m`,
      'admins\nroot',
      'admins\u202e',
    ].map((v): [string[], RegExp] => [['--admin-group', v], /--admin-group must be 1-128 characters/]),
    // --region and --regions: anything but a region name
    ...[
      '',
      'US-EAST-1',
      'us_east_1',
      'us-east-1;rm -rf /',
      '$(id)',
      '../../etc',
      'us-east-1\n',
      `us-east-1${ESC}[2J`,
      'ｕｓ-east-1',
      'us-east',
    ].map((v): [string[], RegExp] => [['--region', v], /--region must be an AWS region name/]),
    ...['us-east-1,$(id)', 'eu-west-1,EU-WEST-2', `us-east-1,x${ESC}`, 'us-east-1;eu-west-1'].map(
      (v): [string[], RegExp] => [['--regions', v], /--regions takes AWS region names/],
    ),
    [['--regions', ','], /--regions needs at least one region/],
    // --endpoint-url: not http(s)
    ...['ftp://x', 'not a url', 'javascript:alert(1)', 'file:///etc/passwd', ''].map((v): [string[], RegExp] => [
      ['--endpoint-url', v],
      /--endpoint-url must be an http\(s\) URL/,
    ]),
    // --answer without id=value
    ...['novalue', '=value', ''].map((v): [string[], RegExp] => [['--answer', v], /--answer takes id=value/]),
    // commands and flags that do not exist, and flags out of place
    [['frobnicate'], /Unknown command/],
    [['check;rm'], /Unknown command/],
    [['--json'], /--json goes with/],
    [['--bogus'], /bogus/],
    [['--dry-run=yes'], /dry-run/],
  ];

  it.each(FLAG_CASES)('%j is refused with a reason, echoed safely', (argv, reason) => {
    figures.flags += 1;
    let error: unknown;
    try {
      parseCli(argv);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).not.toMatch(UNSAFE);
  });

  it('main() turns a refused flag into exit code 2 and one line on stderr, before any AWS call', async () => {
    const { main } = await import('../../src/cli/main.js');
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await main(['check', '--region', `us-east-1${ESC}[2J`])).toBe(2);
    } finally {
      process.stderr.write = original;
    }
    expect(written.join('')).toBe(
      'rootlock: --region must be an AWS region name such as eu-west-1, got "us-east-1\\x1b[2J".\nRun rootlock --help for usage.\n',
    );
  });
});

/** Runs rootlock and asserts it refused with exit 2, said why, and sent nothing that changes the account. */
async function refused(
  argv: string[],
  acct: NewAccount,
  reason: RegExp,
  extra: { answers?: Record<string, ScriptedAnswer>; journalDir?: string } = {},
): Promise<RunResult> {
  emu().layer.requests.length = 0;
  const r = await runRootlock(emu().endpoint, argv, {
    credentials: acct.root,
    answers: extra.answers ?? {},
    journalDir: extra.journalDir,
    deps: { clock: fastClock },
  });
  expect(r.code, r.output.text).toBe(2);
  expect(r.output.text).toMatch(reason);
  expect(r.output.text).not.toMatch(UNSAFE);
  expect(mutatingRequests(emu().layer.requests)).toEqual([]);
  return r;
}

describe('flags refused at run time, and answers files', { timeout: 120_000 }, () => {
  it('unknown steps, unusable journal directories and answers files: refused, nothing written', async () => {
    const acct = await seedAccount(emu());
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-bad-'));
    for (const only of ['admin', 'ADMINS', 'admins;rm -rf /', `admins${ESC}[2J`]) {
      await refused(['--only', only], acct, /Unknown step/);
      await refused(['--skip', only], acct, /Unknown step/);
      figures.flags += 2;
    }
    // A journal directory that cannot be created (below a regular file).
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    await refused(
      ['--only', 'billing-recovery', ...REGION_FLAGS],
      acct,
      /Cannot write the session journal in .*a-file\/journal: ENOTDIR.*Nothing was changed/,
      { journalDir: join(file, 'journal') },
    );
    figures.flags += 1;
    // A plan that could not be written is refused before any question is asked.
    for (const out of [join(file, 'plan.json'), dir, join(dir, 'missing', 'plan.json')]) {
      const r = await refused(['plan', '--out', out, '--only', 'billing-recovery'], acct, /Cannot write the plan to/);
      expect(r.prompter.asked).toEqual([]);
      figures.flags += 1;
    }

    // Answers files: missing, not JSON, truncated, an array, a string.
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing.json', undefined, /Cannot read answers file/],
      ['not-json.json', 'admins.apply=true', /is not valid JSON/],
      ['truncated.json', '{"admins.apply": tr', /is not valid JSON/],
      ['array.json', '["admins.apply"]', /must hold a JSON object/],
      ['string.json', '"yes"', /must hold a JSON object/],
      ['control.json', `{"admins.create.name.1": "x${ESC}[2J"`, /is not valid JSON/],
    ];
    const { runCommand } = await import('../../src/cli/run.js');
    for (const [name, text, reason] of cases) {
      const path = join(dir, name);
      if (text !== undefined) writeFileSync(path, text);
      emu().layer.requests.length = 0;
      // The answers file is read while the terminal UI is set up, before any AWS call; the CLI's
      // entry (bin/rootlock) prints the message and exits 2.
      const args = parseCli(['--answers', path, '--endpoint-url', emu().endpoint, '--journal-dir', dir]);
      const outcome = await runCommand(args, { credentials: acct.root, stdout: { write: () => true } }).then(
        (code) => ({ code, message: '' }),
        (err: Error) => ({ code: 2, message: err.message }),
      );
      expect(outcome.code).toBe(2);
      expect(outcome.message).toMatch(reason);
      expect(outcome.message).not.toMatch(UNSAFE);
      expect(mutatingRequests(emu().layer.requests)).toEqual([]);
      expect(emu().layer.requests).toEqual([]);
      figures.answerFiles += 1;
    }
  });
});

describe('plan files', { timeout: 180_000 }, () => {
  it('truncated, not JSON, not a plan, from another account, tampered or stale: refused, nothing written', async () => {
    const acct = await seedAccount(emu());
    const dir = mkdtempSync(join(tmpdir(), 'rootlock-plan-'));
    const good = join(dir, 'plan.json');
    const contacts: Record<string, ScriptedAnswer> = {
      'billing-recovery.contact.BILLING.name': 'Jane Doe',
      'billing-recovery.contact.BILLING.title': 'Finance',
      'billing-recovery.contact.BILLING.email': 'billing@example.com',
      'billing-recovery.contact.BILLING.phone': '+1 206 555 0100',
      'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
      'billing-recovery.contact.SECURITY.reuse': 'BILLING',
      'billing-recovery.primary.fill': false,
      'billing-recovery.billing-access.attest': false,
    };
    emu().layer.requests.length = 0;
    const made = await runRootlock(emu().endpoint, ['plan', '--out', good, '--only', 'billing-recovery'], {
      credentials: acct.root,
      answers: contacts,
    });
    expect(made.code).toBe(0);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    const text = readFileSync(good, 'utf8');
    const plan = JSON.parse(text) as {
      account: { id: string };
      schema: string;
      steps: Array<{ id: string; changes: Array<{ operation: string; params: Record<string, unknown> }> }>;
    };
    expect(plan.steps[0]?.changes.map((c) => c.operation)).toEqual([
      'PutAlternateContact',
      'PutAlternateContact',
      'PutAlternateContact',
    ]);

    const variant = (name: string, body: string): string => {
      const p = join(dir, name);
      writeFileSync(p, body);
      return p;
    };
    const edit = (f: (p: typeof plan) => void): string => {
      const copy = JSON.parse(text) as typeof plan;
      f(copy);
      return JSON.stringify(copy);
    };
    const CASES: Array<[string, string, RegExp]> = [
      [
        'truncated',
        variant('truncated.json', text.slice(0, Math.floor(text.length / 2))),
        /not valid JSON .*truncated/,
      ],
      ['empty', variant('empty.json', ''), /not valid JSON/],
      ['not JSON', variant('yaml.json', 'schema: rootlock.plan/v1\n'), /not valid JSON/],
      ['a JSON array', variant('array.json', '[]'), /is not a rootlock plan/],
      [
        'another schema',
        variant(
          'schema.json',
          edit((p) => (p.schema = 'rootlock.plan/v0')),
        ),
        /is not a rootlock plan/,
      ],
      [
        'an account id that is not 12 digits',
        variant(
          'short-account.json',
          edit((p) => (p.account.id = '12345')),
        ),
        /has no valid account id/,
      ],
      [
        'look-alike digits in the account id',
        variant(
          'fullwidth-account.json',
          edit((p) => (p.account.id = '１２３４５６７８９０１２')),
        ),
        /has no valid account id/,
      ],
      [
        'another account',
        variant(
          'other-account.json',
          edit((p) => (p.account.id = '210987654321')),
        ),
        /The plan is for account 210987654321, but these credentials act on account 123456789012/,
      ],
      [
        'an unknown step',
        variant(
          'step.json',
          edit((p) => (p.steps[0]!.id = 'admins;rm -rf /')),
        ),
        /names an unknown step/,
      ],
      [
        'a change swapped for another operation',
        variant(
          'swapped.json',
          edit((p) => (p.steps[0]!.changes[0]!.operation = 'DeleteAlternateContact')),
        ),
        /account changed since the plan was made|planned change no longer right/,
      ],
      [
        'a change with other parameters',
        variant(
          'params.json',
          edit((p) => (p.steps[0]!.changes[0]!.params.EmailAddress = 'attacker@example.com')),
        ),
        /planned change no longer right/,
      ],
      [
        'an extra change',
        variant(
          'extra.json',
          edit((p) => p.steps[0]!.changes.push({ ...p.steps[0]!.changes[0]!, operation: 'PutContactInformation' })),
        ),
        /planned change no longer right/,
      ],
      [
        'a malformed change',
        variant(
          'malformed.json',
          edit((p) => ((p.steps[0]!.changes as unknown[])[0] = 'DeleteUser')),
        ),
        /malformed change/,
      ],
      ['a directory', dir, /Cannot read plan/],
      ['a missing file', join(dir, 'nope.json'), /Cannot read plan/],
    ];
    for (const [what, file, reason] of CASES) {
      const r = await refused(['apply', file], acct, reason, { answers: { 'apply.confirm': true } });
      expect(
        r.prompter.asked.map((q) => q.id),
        what,
      ).not.toContain('apply.confirm');
      figures.planFiles += 1;
    }
    // Stale: the account changed after the plan was made.
    await testClientsPut(acct);
    await refused(['apply', good], acct, /The account changed since the plan was made; nothing was applied/, {
      answers: { 'apply.confirm': true },
    });
    figures.planFiles += 1;
  });
});

async function testClientsPut(acct: NewAccount): Promise<void> {
  const { testClients } = await import('../support/clients.js');
  const { PutAlternateContactCommand } = await import('@aws-sdk/client-account');
  await testClients(emu().endpoint, acct.root).account.send(
    new PutAlternateContactCommand({
      AlternateContactType: 'SECURITY',
      Name: 'Someone',
      Title: 'Else',
      EmailAddress: 'else@example.com',
      PhoneNumber: '+1 555 0100',
    }),
  );
}

interface PromptCase {
  /** The question refusing the values. */
  id: string;
  /** Steps to run. */
  only: string;
  /** Answers that lead to the question and then decline to apply. */
  answers: (acct: NewAccount) => Record<string, ScriptedAnswer>;
  bad: string[];
  good: string;
  /** Values that are data, not syntax: accepted and planned exactly as typed. */
  literal?: string[];
  /** What the good (or literal) value must look like in the planned call. */
  planned?: (value: string) => unknown;
  seed?: (acct: NewAccount) => Promise<void>;
}

const LONG = (n: number) => 'x'.repeat(n);

const CONTACT_ANSWERS = {
  'billing-recovery.contact.OPERATIONS.reuse': 'BILLING',
  'billing-recovery.contact.SECURITY.reuse': 'BILLING',
  'billing-recovery.primary.fill': false,
  'billing-recovery.billing-access.attest': false,
  'billing-recovery.apply': false,
};
const BILLING_GOOD = {
  'billing-recovery.contact.BILLING.name': 'Jane Doe',
  'billing-recovery.contact.BILLING.title': 'Finance',
  'billing-recovery.contact.BILLING.email': 'billing@example.com',
  'billing-recovery.contact.BILLING.phone': '+1 206 555 0100',
};

const PROMPTS: PromptCase[] = [
  {
    id: 'admins.create.count',
    only: 'admins',
    answers: () => ({
      'admins.password-policy': false,
      'admins.create': true,
      'admins.create.name.1': 'new-admin',
      'admins.apply': false,
    }),
    bad: ['', '0', '3', '-1', '1.5', 'one', '１', '1;rm -rf /', `${ESC}[2J1`, '1e0', '0x1', '+1', '$(echo 1)'],
    good: '1',
  },
  {
    id: 'admins.create.name.1',
    only: 'admins',
    answers: () => ({
      'admins.password-policy': false,
      'admins.create': true,
      'admins.create.count': '1',
      'admins.apply': false,
    }),
    bad: [
      '',
      LONG(65),
      'new admin',
      'Аdmin',
      'ａｄｍｉｎ',
      'admin;rm -rf /',
      '$(id)',
      '`id`',
      'admin|tee',
      'admin\n',
      `admin${ESC}[31m`,
      'admin\u202e',
      '../etc/passwd',
      'admin/evil',
      'first-admin',
      'FIRST-ADMIN',
    ],
    good: 'new-admin',
    planned: (v) => ({ operation: 'CreateUser', params: { UserName: v } }),
  },
  {
    id: 'ec2-roles.role.name',
    only: 'ec2-roles',
    answers: (a) => ({
      'ec2-roles.instances': a.instanceIds,
      'ec2-roles.policies': [SSM_POLICY],
      'ec2-roles.apply': false,
    }),
    bad: [
      '',
      LONG(65),
      'my role',
      'rоle',
      'ｒｏｌｅ',
      'role;rm -rf /',
      '$(id)',
      '`id`',
      'role\n',
      `role${ESC}[2J`,
      'role\u202e',
      'role/evil',
    ],
    good: 'app-instances',
    planned: (v) => ({ operation: 'CreateRole', params: { RoleName: v } }),
  },
  {
    id: 'billing-recovery.contact.BILLING.name',
    only: 'billing-recovery',
    answers: () => ({ ...BILLING_GOOD, ...CONTACT_ANSWERS }),
    bad: [
      '',
      '   ',
      LONG(65),
      `Jane${ESC}[31m Doe`,
      'Jane\nDoe',
      'Jane\tDoe',
      'Jаne Doe',
      'Ｊａｎｅ',
      'Jane\u202eeoD',
      'Jane\u0000',
    ],
    good: 'Jane Doe',
    literal: ['Jane $(id) `whoami`; rm -rf /'],
    planned: (v) => ({ operation: 'PutAlternateContact', params: { AlternateContactType: 'BILLING', Name: v } }),
  },
  {
    id: 'billing-recovery.contact.BILLING.email',
    only: 'billing-recovery',
    answers: () => ({ ...BILLING_GOOD, ...CONTACT_ANSWERS }),
    bad: [
      '',
      'jane',
      'jane@',
      '@example.com',
      'jane@example',
      'jane doe@example.com',
      'jane@exаmple.com',
      'ｊａｎｅ@example.com',
      'jane@example.com;rm',
      '$(id)@example.com',
      `jane@example.com${ESC}[2J`,
      `${LONG(250)}@example.com`,
    ],
    good: 'billing@example.com',
    planned: (v) => ({
      operation: 'PutAlternateContact',
      params: { AlternateContactType: 'BILLING', EmailAddress: v },
    }),
  },
  {
    id: 'billing-recovery.contact.BILLING.phone',
    only: 'billing-recovery',
    answers: () => ({ ...BILLING_GOOD, ...CONTACT_ANSWERS }),
    bad: [
      '',
      'call me',
      '+1 555 0100 ext 5',
      '+1-555-0100;rm',
      '１２３４',
      `+1 555${ESC}0100`,
      '()-+',
      LONG(26).replace(/x/g, '1'),
    ],
    good: '+1 206 555 0100',
  },
  {
    id: 'billing-recovery.primary.country-code',
    only: 'billing-recovery',
    answers: () => ({
      ...BILLING_GOOD,
      ...CONTACT_ANSWERS,
      'billing-recovery.primary.fill': true,
      'billing-recovery.primary.full-name': 'Example Corp',
      'billing-recovery.primary.address-line1': '1 Main St',
      'billing-recovery.primary.city': 'Seattle',
      'billing-recovery.primary.state-or-region': 'WA',
      'billing-recovery.primary.postal-code': '98101',
      'billing-recovery.primary.phone': '+1 206 555 0199',
    }),
    bad: ['', 'USA', 'U', '12', 'U$', 'ＵＳ', 'УС', `U${ESC}`, 'us;'],
    good: 'US',
  },
  {
    id: 'root-keys.override',
    only: 'root-keys',
    answers: () => ({ 'root-keys.active': 'deactivate', 'root-keys.apply': false }),
    bad: [
      '123456789013',
      '12345678901',
      '1234567890123',
      '１２３４５６７８９０１２',
      '123456789012;rm -rf /',
      `123456789012${ESC}[2J`,
      'yes',
      '$(id)',
    ],
    good: ACCOUNT,
  },
  {
    id: 'root-keys.wait-days',
    only: 'root-keys',
    seed: async (a) => {
      const key = emu()
        .layer.root(ACCOUNT)
        .rootKeys.find((k) => k.accessKeyId === a.otherRootKey.accessKeyId);
      key!.status = 'Inactive';
    },
    answers: () => ({ 'root-keys.override': ACCOUNT, 'root-keys.inactive': 'wait', 'root-keys.session-key': 'stop' }),
    bad: ['', '0', '366', '-1', '1.5', 'two weeks', '１４', '14;rm -rf /', `14${ESC}`],
    good: '14',
  },
];

describe('questions: every bad answer is refused with a reason and re-asked; nothing is written', {
  timeout: 180_000,
}, () => {
  it.each(PROMPTS.map((p) => [p.id, p] as const))('%s', async (_id, p) => {
    const acct = await seedAccount(emu());
    await p.seed?.(acct);
    emu().layer.requests.length = 0;
    const values = [...p.bad, ...(p.literal ?? [p.good])];
    const r = await runRootlock(emu().endpoint, ['--only', p.only, ...REGION_FLAGS], {
      credentials: acct.root,
      answers: { ...p.answers(acct), [p.id]: { sequence: values } },
      deps: { clock: fastClock },
    });
    const asked = r.prompter.asked.find((q) => q.id === p.id);
    expect(asked, r.output.text).toBeDefined();
    // Each bad value was refused, with a reason, escaped.
    expect(asked!.rejected).toHaveLength(p.bad.length);
    for (const reason of asked!.rejected) {
      expect(reason.length).toBeGreaterThan(10);
      expect(reason).not.toMatch(UNSAFE);
    }
    const accepted = p.literal?.[0] ?? p.good;
    expect(asked!.answer).toBe(accepted);
    // Nothing was written, and the plan holds the accepted value exactly as typed.
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    if (p.planned) {
      const planned = journal(r.journalPath)
        .filter((e) => e.type === 'plan')
        .flatMap((e) => e.changes as unknown[]);
      const want = p.planned(accepted) as { operation: string; params: Record<string, unknown> };
      expect(planned).toContainEqual(
        expect.objectContaining({ operation: want.operation, params: expect.objectContaining(want.params) }),
      );
    }
    expect(r.output.text).not.toMatch(UNSAFE);
    figures.prompts += p.bad.length;
  });

  it('the same refusal without a terminal (--answer): exit 2, the question and the reason named, nothing written', async () => {
    const acct = await seedAccount(emu());
    emu().layer.requests.length = 0;
    const prompter = createAnswersPrompter({
      answers: {
        'admins.password-policy': false,
        'admins.create': true,
        'admins.create.count': '1',
        'admins.create.name.1': `$(id)${ESC}[2J`,
      },
      yes: false,
    });
    const r = await runRootlock(emu().endpoint, ['--only', 'admins'], { credentials: acct.root, prompter });
    expect(r.code).toBe(2);
    expect(r.output.text).toContain('admins.create.name.1');
    expect(r.output.text).toMatch(
      /Invalid answer for "admins.create.name.1": IAM user names may only contain letters, digits and the characters/,
    );
    expect(r.output.text).not.toMatch(UNSAFE);
    expect(mutatingRequests(emu().layer.requests)).toEqual([]);
    figures.answerFiles += 1;
  });
});

describe('figures', () => {
  it('prints the number of bad inputs tried', () => {
    process.stdout.write(`[bad input figures] ${JSON.stringify(figures)}\n`);
    expect(figures.flags).toBeGreaterThan(0);
  });
});
