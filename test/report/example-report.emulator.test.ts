/**
 * docs/example-report.md is a real report, made by this test from a session against the
 * emulator. `UPDATE_EXAMPLES=1 npx vitest run test/report/example-report` rewrites it; without
 * the variable, the test checks that the committed example still has the structure and the
 * results a session gives today (headings, step and next-step tables), ignoring times and ids.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutAlternateContactCommand, PutContactInformationCommand } from '@aws-sdk/client-account';
import { DescribeImagesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { CreateAccessKeyCommand, CreateLoginProfileCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../support/clients.js';
import { REPO_ROOT, useEmulator } from '../support/emulator.js';
import { runRootlock } from '../support/harness.js';

const emu = useEmulator();
const ACCT = '123456789012';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
const EXAMPLE = join(REPO_ROOT, 'docs', 'example-report.md');
const PREFACE =
  '<!-- A real report, generated against the emulator by test/report/example-report.emulator.test.ts.\n' +
  '     Regenerate with: UPDATE_EXAMPLES=1 npx vitest run test/report/example-report -->\n\n';

/** What must agree between the committed example and a fresh report: headings and table rows, not times or ids. */
function shape(text: string): { headings: string[]; stepRows: string[]; nextRows: string[]; changes: string[] } {
  // Instance ids differ from run to run.
  const lines = text.replace(/\bi-[0-9a-f]{8,17}\b/g, 'i-…').split('\n');
  const section = (title: string) => {
    const start = lines.indexOf(title);
    const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    return lines.slice(start, end === -1 ? undefined : end);
  };
  return {
    headings: lines.filter((l) => /^#{1,3} /.test(l)),
    stepRows: section('## Summary').filter((l) => l.startsWith('| ')),
    nextRows: section('## Next steps').filter((l) => l.startsWith('| ')),
    // The API calls and their outcomes; not the steps' wording of them.
    changes: section('## Changes')
      .filter((l) => /^\d+\. /.test(l))
      .map((l) => l.replace(/^(\d+\. `[^`]+` \([^)]+\): [^.]+)\..*$/, '$1')),
  };
}

describe('docs/example-report.md', () => {
  it('is a report of a real session (regenerated with UPDATE_EXAMPLES=1)', async () => {
    const root = emu().layer.seedRoot(ACCT, { keys: [{ status: 'Active' }], mfaEnabled: false }).keys[0]!;
    const { iam, ec2, account } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
    // Contacts: billing and operations set, security missing; the primary contact complete.
    for (const [type, name] of [
      ['BILLING', 'Jane Doe'],
      ['OPERATIONS', 'Ops Team'],
    ] as const) {
      await account.send(
        new PutAlternateContactCommand({
          AlternateContactType: type,
          Name: name,
          Title: 'Lead',
          EmailAddress: `${type.toLowerCase()}@example.com`,
          PhoneNumber: '+1 206 555 0100',
        }),
      );
    }
    await account.send(
      new PutContactInformationCommand({
        ContactInformation: {
          FullName: 'Example Corp',
          AddressLine1: '1 Main St',
          City: 'Seattle',
          StateOrRegion: 'WA',
          PostalCode: '98101',
          CountryCode: 'US',
          PhoneNumber: '+1 206 555 0199',
        },
      }),
    );
    // One instance without a role; a console user without MFA; a user with two active keys.
    const imageId = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
    const instanceId = (
      await ec2.send(new RunInstancesCommand({ ImageId: imageId!, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))
    ).Instances![0]!.InstanceId!;
    await iam.send(new CreateUserCommand({ UserName: 'carol' }));
    await iam.send(new CreateLoginProfileCommand({ UserName: 'carol', Password: 'Carol-password-0000' }));
    await iam.send(new CreateUserCommand({ UserName: 'ci-deploy' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-deploy' }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'ci-deploy' }));

    let n = 0;
    const r = await runRootlock(emu().endpoint, ['--skip', 'root-keys', '--regions', 'us-east-1'], {
      credentials: root,
      generateSecret: () => `Example-Secret-${++n}-xY9!`,
      answers: {
        'admins.password-policy': true,
        'admins.create': true,
        'admins.create.count': '2',
        'admins.create.name.1': 'alice',
        'admins.create.name.2': 'bob',
        'admins.apply': true,
        'ec2-roles.instances': [instanceId],
        'ec2-roles.role': '(new)',
        'ec2-roles.role.name': 'app-servers',
        'ec2-roles.policies': [SSM],
        'ec2-roles.apply': true,
        'billing-recovery.contact.BILLING.change': false,
        'billing-recovery.contact.OPERATIONS.change': false,
        'billing-recovery.contact.SECURITY.reuse': 'new',
        'billing-recovery.contact.SECURITY.name': 'Security Team',
        'billing-recovery.contact.SECURITY.title': 'CISO',
        'billing-recovery.contact.SECURITY.email': 'security@example.com',
        'billing-recovery.contact.SECURITY.phone': '+1 206 555 0102',
        'billing-recovery.apply': true,
        'billing-recovery.billing-access.attest': true,
      },
    });
    expect(r.code, r.output.text).toBe(0);
    const generated = PREFACE + readFileSync(r.journalPath!.replace(/\.jsonl$/, '.md'), 'utf8');
    // The example holds what a report holds, and no generated password.
    for (const s of r.output.secrets) expect(generated).not.toContain(s.value);
    expect(shape(generated).headings).toEqual(
      expect.arrayContaining([
        '## Summary',
        '## Steps',
        '## Changes',
        '## Attestations',
        '## Next steps',
        '## AWS Security Hub',
      ]),
    );

    if (process.env.UPDATE_EXAMPLES === '1') {
      writeFileSync(EXAMPLE, generated);
      return;
    }
    expect(existsSync(EXAMPLE), 'docs/example-report.md is missing: run with UPDATE_EXAMPLES=1').toBe(true);
    const committed = readFileSync(EXAMPLE, 'utf8');
    expect(committed.startsWith(PREFACE)).toBe(true);
    expect(shape(committed), 'docs/example-report.md is out of date: run with UPDATE_EXAMPLES=1').toEqual(
      shape(generated),
    );
  }, 120_000);
});
