/**
 * The flags of `rootlock check --org` (src/cli/args.ts): their defaults, their parsing, and every
 * way of misusing them refused as a usage error before anything is read.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_TIMEOUT,
  DEFAULT_ORG_CONCURRENCY,
  MAX_ORG_CONCURRENCY,
  parseCli,
  UsageError,
} from '../../src/cli/args.js';

/** The usage error parseCli throws for `argv`. */
function refusal(argv: string[]): UsageError {
  try {
    parseCli(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for: ${argv.join(' ')}`);
}

describe('check --org: defaults and parsing', () => {
  it('defaults: 8 accounts at once, 300 s each, no selection, no role, no resume', () => {
    const a = parseCli(['check', '--org']);
    expect(a.command).toBe('check');
    expect(a.org).toEqual({
      accounts: undefined,
      ou: undefined,
      tags: undefined,
      exclude: undefined,
      memberRole: undefined,
      externalId: undefined,
      concurrency: 8,
      accountTimeout: 300,
      resume: false,
      rootSessions: false,
    });
    expect([DEFAULT_ORG_CONCURRENCY, DEFAULT_ACCOUNT_TIMEOUT, MAX_ORG_CONCURRENCY]).toEqual([8, 300, 64]);
  });

  it('without --org there is no org part', () => {
    expect(parseCli(['check']).org).toBeUndefined();
    expect(parseCli(['check']) as object).not.toHaveProperty('org');
  });

  it('reads every flag; lists by comma or repeated, tags as KEY=VALUE (the value may hold =)', () => {
    const a = parseCli([
      'check',
      '--org',
      '--accounts',
      '111111111111, 222222222222',
      '--accounts',
      '333333333333',
      '--ou',
      'ou-ab12-34567890',
      '--tag',
      'env=prod',
      '--tag',
      'query=a=b',
      '--exclude',
      '444444444444',
      '--member-role',
      'rootlock-read',
      '--external-id',
      'ext-id:1/2',
      '--concurrency',
      '64',
      '--account-timeout',
      '10',
      '--out-dir',
      'org-report',
      '--resume',
      '--json',
    ]);
    expect(a.org).toEqual({
      accounts: ['111111111111', '222222222222', '333333333333'],
      ou: 'ou-ab12-34567890',
      tags: [
        { key: 'env', value: 'prod' },
        { key: 'query', value: 'a=b' },
      ],
      exclude: ['444444444444'],
      memberRole: 'rootlock-read',
      externalId: 'ext-id:1/2',
      concurrency: 64,
      accountTimeout: 10,
      resume: true,
      rootSessions: false,
    });
    expect(a.outDir).toBe('org-report');
    expect(a.json).toBe(true);
  });

  it('--ou takes the root id too, and an empty tag value', () => {
    const a = parseCli(['check', '--org', '--ou', 'r-ab12', '--tag', 'owner=', '--concurrency', '1']);
    expect(a.org).toMatchObject({ ou: 'r-ab12', tags: [{ key: 'owner', value: '' }], concurrency: 1 });
  });
});

describe('check --org: refused', () => {
  it.each([
    [
      'an account id that is not 12 digits',
      ['--accounts', '12345'],
      /--accounts takes 12-digit account ids, got "12345"/,
    ],
    ['a name in --accounts', ['--accounts', '111111111111,prod'], /--accounts .*"prod"/],
    ['a bad id in --exclude', ['--exclude', '1111111111111'], /--exclude takes 12-digit/],
    ['an empty --accounts', ['--accounts', ' , '], /--accounts needs at least one account id/],
    ['a bad OU id', ['--ou', 'Workloads'], /--ou takes an OU id .* got "Workloads"/],
    ['an OU id of the wrong shape', ['--ou', 'ou-ab12'], /--ou takes an OU id/],
    ['--tag without =', ['--tag', 'env'], /--tag takes KEY=VALUE, got "env"/],
    ['--tag without a key', ['--tag', '=prod'], /--tag takes KEY=VALUE/],
    ['--concurrency 0', ['--concurrency', '0'], /--concurrency takes a whole number from 1 to 64, got "0"/],
    ['--concurrency 65', ['--concurrency', '65'], /--concurrency takes a whole number from 1 to 64, got "65"/],
    ['--concurrency not a number', ['--concurrency', 'many'], /--concurrency takes a whole number/],
    ['--concurrency with a fraction', ['--concurrency', '2.5'], /--concurrency takes a whole number/],
    ['--concurrency negative', ['--concurrency=-1'], /--concurrency takes a whole number/],
    [
      '--account-timeout under 10 s',
      ['--account-timeout', '9'],
      /--account-timeout takes a whole number from 10 to 3600/,
    ],
    ['--account-timeout over an hour', ['--account-timeout', '3601'], /--account-timeout takes a whole number/],
    ['--external-id without --member-role', ['--external-id', 'abc123'], /--external-id goes with --member-role/],
    ['a bad --external-id', ['--member-role', 'r', '--external-id', 'a b'], /--external-id must be 2-1224/],
    ['a role path as --member-role', ['--member-role', 'path/role'], /--member-role takes a role name/],
    ['--resume without --out-dir', ['--resume'], /--resume continues from .* --out-dir DIR/],
    ['--target-account with --org', ['--target-account', '222222222222'], /--target-account names one member; --org/],
  ])('%s', (_what, flags, message) => {
    expect(refusal(['check', '--org', ...flags]).message).toMatch(message);
  });

  it.each([
    ['--accounts', ['--accounts', '111111111111']],
    ['--ou', ['--ou', 'ou-ab12-34567890']],
    ['--tag', ['--tag', 'env=prod']],
    ['--exclude', ['--exclude', '111111111111']],
    ['--member-role', ['--member-role', 'rootlock-read']],
    ['--external-id', ['--external-id', 'abc123']],
    ['--concurrency', ['--concurrency', '4']],
    ['--account-timeout', ['--account-timeout', '60']],
    ['--resume', ['--resume']],
  ])('%s without --org', (flag, flags) => {
    expect(refusal(['check', ...flags]).message).toBe(
      `${flag} goes with --org (\`rootlock check --org\`, \`fix --org\`, \`plan --org\`).`,
    );
  });

  it.each([['wizard'], ['report']])('--org with %s', (command) => {
    const argv = command === 'wizard' ? ['--org'] : [command, '--org'];
    expect(refusal(argv).message).toMatch(/--org goes with `rootlock check`, `fix`, `plan` or `apply`/);
  });
});

describe('fix --org, plan --org, apply --org', () => {
  it('fix and plan take the selection, --contacts and --root-sessions', () => {
    const a = parseCli(['fix', '--org', '--contacts', 'c.json', '--root-sessions', '--ou', 'ou-ab12-34567890']);
    expect(a.org).toMatchObject({ contacts: 'c.json', rootSessions: true, ou: 'ou-ab12-34567890', concurrency: 8 });
    expect(parseCli(['plan', '--org', '--out', 'p.json']).org).toMatchObject({ rootSessions: false });
    expect(parseCli(['apply', '--org', 'p.json', '--concurrency', '4']).org).toMatchObject({ concurrency: 4 });
  });

  it.each([
    [
      '--member-role with fix',
      ['fix', '--org', '--member-role', 'r'],
      /--member-role goes with `rootlock check --org`/,
    ],
    ['--resume with plan', ['plan', '--org', '--resume'], /--resume goes with `rootlock check --org`/],
    ['--contacts with check', ['check', '--org', '--contacts', 'c.json'], /--contacts goes with `rootlock fix --org`/],
    ['--root-sessions with apply', ['apply', '--org', 'p', '--root-sessions'], /--root-sessions goes with/],
    ['a selection with apply', ['apply', '--org', 'p', '--accounts', '111111111111'], /apply follows the accounts/],
    ['--out-dir with fix', ['fix', '--org', '--out-dir', 'd'], /--out-dir goes with `rootlock check --org`/],
    ['--contacts without --org', ['fix', '--contacts', 'c.json'], /--contacts goes with --org/],
  ])('%s is refused', (_what, argv, message) => {
    expect(refusal(argv).message).toMatch(message);
  });

  it('--out-dir without --org is still only for report', () => {
    expect(refusal(['check', '--out-dir', 'x']).message).toMatch(/--out-dir goes with `rootlock report`/);
    expect(parseCli(['report', '--out-dir', 'x']).outDir).toBe('x');
  });
});
