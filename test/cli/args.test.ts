import { describe, expect, it } from 'vitest';
import { parseCli, UsageError } from '../../src/cli/args.js';

describe('parseCli', () => {
  it('defaults to the wizard', () => {
    const a = parseCli([]);
    expect(a.command).toBe('wizard');
    expect(a.dryRun).toBe(false);
    expect(a.adminGroup).toBe('Administrators');
  });

  it('reads commands and flags', () => {
    const a = parseCli([
      'check',
      '--json',
      '--profile',
      'prod',
      '--region',
      'eu-west-1',
      '--only',
      'admins,root-keys',
      '--skip',
      'ec2-roles',
      '--endpoint-url',
      'http://127.0.0.1:5000',
    ]);
    expect(a).toMatchObject({
      command: 'check',
      json: true,
      profile: 'prod',
      region: 'eu-west-1',
      only: ['admins', 'root-keys'],
      skip: ['ec2-roles'],
      endpointUrl: 'http://127.0.0.1:5000',
    });
  });

  it('takes repeated --answer id=value', () => {
    expect(parseCli(['--answer', 'admins.apply=true', '--answer', 'x.y=a=b']).answers).toEqual({
      'admins.apply': 'true',
      'x.y': 'a=b',
    });
  });

  it('--no-color turns colour off', () => {
    expect(parseCli(['--no-color']).color).toBe(false);
  });

  it.each([
    [['--target-account', '12345'], /12-digit/],
    [['--target-account', '１２３４５６７８９０１２'], /12-digit/],
    [['--endpoint-url', 'ftp://x'], /http/],
    [['--endpoint-url', 'not a url'], /http/],
    [['--answer', 'novalue'], /id=value/],
    [['--admin-group', 'bad group;rm -rf'], /admin-group/],
    [['frobnicate'], /Unknown command/],
    [['--json'], /--json goes with/],
    [['--bogus'], /bogus/],
  ])('refuses %j', (argv, reason) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(reason);
  });
});
