/**
 * The whole onboarding of a brand-new account, as an operator does it: `rootlock` in a real
 * pseudo-terminal of 80 columns, signed in with one of the root user's access keys (from the
 * environment), answers typed key by key, an IAM admin profile that takes over from root once
 * the admins exist (ec2-roles, billing-recovery) and verifies at the end.
 *
 * Asserts what the operator saw (findings, plans, secrets shown once, progress with counts,
 * the final summary), the terminal manners at every prompt (no spinner under a prompt) and on
 * the whole screen (nothing wrapped mid-word), the journal, and the account afterwards, read
 * back from the emulator.
 *
 * With UPDATE_CAPTURES=1 it also writes the screens into docs/walkthrough.md (between the
 * `<!-- capture:NAME -->` markers), secrets masked; otherwise it checks nothing about that file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GetAlternateContactCommand, GetContactInformationCommand } from '@aws-sdk/client-account';
import { DescribeIamInstanceProfileAssociationsCommand } from '@aws-sdk/client-ec2';
import {
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetGroupCommand,
  GetInstanceProfileCommand,
  GetLoginProfileCommand,
  GetRoleCommand,
  ListAttachedGroupPoliciesCommand,
  ListAttachedRolePoliciesCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testClients } from '../support/clients.js';
import { REPO_ROOT, useEmulator } from '../support/emulator.js';
import {
  assertFreshBuild,
  killAllPtys,
  readJournals,
  rootlockEnv,
  startRootlock,
  writeAwsProfile,
} from '../support/pty.js';
import { seedNewAccount } from '../support/seed.js';
import {
  ACCOUNT,
  atPrompt,
  CONTACTS,
  enter,
  maskSecrets,
  PRIMARY,
  removeTempHomes,
  secretsOnScreen,
  section,
  tempHome,
  terminalWrappedWords,
  typeLine,
  upThenEnter,
} from './helpers.js';

const emu = useEmulator();
beforeAll(() => assertFreshBuild());
afterEach(() => killAllPtys());
afterAll(() => removeTempHomes());

describe('onboarding a brand-new account in a terminal', () => {
  it('goes from two root keys, one admin, no contacts and roleless instances to a prepared account without root keys', async () => {
    const account = await seedNewAccount(emu());
    const home = tempHome();
    // The operator's IAM admin profile, used only to verify once the root session has ended.
    writeAwsProfile(home, 'admin', account.firstAdmin);
    const env = rootlockEnv({ endpoint: emu().endpoint, home, credentials: account.root });
    const pty = startRootlock(['--verify-profile', 'admin'], { env, cols: 80, rows: 40, waitTimeoutMs: 45_000 });
    // Screens as they look while a list prompt is open (the final screen shows only the answer).
    const live: Record<string, string[]> = {};
    const snapshot = (name: string, from: RegExp): void => {
      const lines = pty.screen.lines();
      const start = lines.findLastIndex((l) => from.test(l));
      live[name] = start === -1 ? [] : lines.slice(start);
    };

    // --- Administrators: a password policy and two new admins (the account has one).
    await atPrompt(pty, 'The account has no password policy. Set one', enter);
    await atPrompt(pty, 'Only 1 IAM user is a full admin. Create an admin user now', enter);
    await atPrompt(
      pty,
      'How many admin users to create? (1 brings the account to 2 admins; at most 2, for 3 in all)',
      typeLine('2'),
    );
    await atPrompt(pty, 'User name for new admin 1 of 2', typeLine('alice'));
    await atPrompt(pty, 'User name for new admin 2 of 2', typeLine('bob'));
    await atPrompt(pty, 'Apply these 11 changes? (Y/n)', enter);
    // The admins exist: root hands ec2-roles and billing-recovery to the first admin's profile.
    await atPrompt(pty, 'Go on as an admin', typeLine('admin'));

    // --- EC2 instance roles: both instances, a new role with the default policy.
    await pty.waitFor('EC2 instance roles');
    await pty.waitFor('Which instances should get an instance role?');
    await pty.settle(150);
    snapshot('ec2-checkbox', /^\? Which instances should get/);
    await atPrompt(pty, /space select/, enter);
    await atPrompt(pty, 'Name of the new role', enter);
    await atPrompt(pty, 'Which managed policies should rootlock-ec2-instance have?', enter);
    await atPrompt(pty, 'Apply these 6 changes? (Y/n)', enter);

    // --- Billing and recovery contacts, typed in; the console-only item attested.
    for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
      if (type !== 'BILLING')
        await atPrompt(pty, `Reuse the details of another contact for the ${type} contact?`, enter);
      const c = CONTACTS[type];
      await atPrompt(pty, `${type} contact name`, typeLine(c.Name));
      await atPrompt(pty, `${type} contact title`, typeLine(c.Title));
      await atPrompt(pty, `${type} contact e-mail address`, typeLine(c.EmailAddress));
      await atPrompt(pty, `${type} contact phone number`, typeLine(c.PhoneNumber));
    }
    await atPrompt(pty, 'The primary contact lacks', enter);
    await atPrompt(pty, 'Primary contact full name', typeLine(PRIMARY.FullName));
    await atPrompt(pty, 'Primary contact address line 1', typeLine(PRIMARY.AddressLine1));
    await atPrompt(pty, 'Primary contact city', typeLine(PRIMARY.City));
    await atPrompt(pty, 'Primary contact country code', typeLine(PRIMARY.CountryCode));
    await atPrompt(pty, 'Primary contact state or region (required for US)', typeLine(PRIMARY.StateOrRegion));
    await atPrompt(pty, 'Primary contact postal code', typeLine(PRIMARY.PostalCode));
    await atPrompt(pty, 'Primary contact phone number', typeLine(PRIMARY.PhoneNumber));
    await atPrompt(pty, `activated for account ${ACCOUNT}?`, typeLine('y'));
    await atPrompt(pty, 'Apply these 4 changes? (Y/n)', enter);

    // --- Root access keys: the other key deactivated, then deleted; the session's own key last.
    await pty.waitFor('Root access keys');
    await atPrompt(pty, 'What should happen to the active root key', enter); // Deactivate (recommended)
    await atPrompt(pty, 'Apply this change? (y/N)', typeLine('y'));
    await pty.waitFor('Delete now, or wait to be sure nothing needs it?');
    await pty.settle(150);
    snapshot('root-keys-inactive', /^ℹ Root access keys of account/);
    await atPrompt(pty, /navigate/, upThenEnter(1)); // Delete now
    await atPrompt(pty, 'Apply this change? (y/N)', typeLine('y'));
    await atPrompt(pty, 'the key this session uses?', upThenEnter(2)); // Delete it now
    await atPrompt(pty, 'Apply this change? (y/N)', typeLine('y'));
    await pty.waitFor('Summary');
    const code = await pty.waitForExit(60_000);

    const text = pty.text();
    // Messages are wrapped to 80 columns: compare prose with whitespace runs made one space.
    const flat = text.replace(/\s+/g, ' ');
    const screen = pty.screen.lines();

    // --- What the operator saw.
    expect(flat).toContain(
      `Acting as arn:aws:iam::${ACCOUNT}:root, the root user, on account ${ACCOUNT}, ` +
        'a standalone account (not in an AWS Organization).',
    );
    expect(flat).toContain('FAIL: 1 full admin (first-admin): at least 2 are needed.');
    // Long operations show progress with counts: the credential report (generated on first use)
    // and the region scan (every enabled region: none given with --regions).
    expect(text).toMatch(/Waiting for AWS to generate the credential report \(check 1\)/);
    expect(text).toMatch(/Scanned \d+\/\d+ regions, \d+ instances? so far/);
    const scanned = /Scanned (\d+)\/(\d+) regions: 2 instances/.exec(text);
    expect(scanned?.[1]).toBe(scanned?.[2]);
    expect(Number(scanned?.[2])).toBeGreaterThan(1);
    // The two one-time passwords, each in its box, each shown exactly once.
    const secrets = secretsOnScreen(screen);
    expect(secrets.map((s) => s.label)).toEqual([
      'one-time console password for alice',
      'one-time console password for bob',
    ]);
    for (const s of secrets) {
      expect(s.value.length).toBeGreaterThanOrEqual(14);
      expect(text.split(s.value).length - 1).toBe(1);
    }
    expect(flat).toContain(
      `From here on rootlock acts as arn:aws:iam::${ACCOUNT}:user/first-admin (profile admin) for ec2-roles, billing-recovery.`,
    );
    expect(flat).toContain('root-keys stays with the root user');
    expect(flat).toContain('PASS: All 2 instances in');
    expect(flat).toContain('Attestation recorded in the journal');
    expect(flat).toContain(
      "Verified with profile admin after this session's own key was deleted: AccountAccessKeysPresent = 0.",
    );
    // The SDK's "multiple credential sources" notice (env keys plus --verify-profile) stays off the screen.
    expect(text).not.toContain('Multiple credential sources');
    const summary = section(screen, /^Summary$/);
    expect(summary).toContain('✔ Administrators: PASS: 3 full admins (first-admin, alice, bob).');
    expect(summary.join('\n')).toMatch(
      /✔ EC2 instance roles: PASS: All 2 instances in \d+ regions have an instance role\./,
    );
    expect(summary.join(' ')).toMatch(
      /✔ Billing and recovery contacts: PASS: The three alternate contacts and the\s+primary contact are complete and verified/,
    );
    // Root MFA cannot be set through any API, and the seeded account has none: the keys are gone,
    // so the step passes (its verdict is about root keys); MFA off stays a warning, exit code 0.
    expect(summary).toContain('✔ Root access keys: PASS: No root access keys. Root MFA is off.');
    expect(code).toBe(0);

    // --- An 80-column terminal: nothing important wrapped by the terminal. Every line the
    // terminal had to break is a single word longer than the line (only console URLs here).
    const wrapped = terminalWrappedWords(pty);
    for (const w of wrapped) expect(w).toMatch(/^\(?https:\/\//);
    // Ids the operator may copy stand whole on one line.
    for (const id of account.instanceIds) expect(screen.some((l) => l.includes(id))).toBe(true);
    const masked = [...new Set(text.match(/AKIA\*{12}[A-Z0-9]{4}/g) ?? [])];
    expect(masked.length).toBe(2);
    for (const m of masked) expect(screen.filter((l) => l.includes(m)).length).toBeGreaterThan(3);

    // --- The journal: every line JSON, the session complete, every change applied, no secret in it.
    const [journal, ...others] = readJournals(home);
    expect(others).toEqual([]);
    const entries = journal!.entries;
    expect(entries[0]).toMatchObject({ type: 'session-start', command: 'wizard', dryRun: false, account: ACCOUNT });
    expect(entries.at(-1)).toMatchObject({ type: 'session-end', outcome: 'completed' });
    expect(entries.filter((e) => e.type === 'session-switch').map((e) => [e.profile, e.steps])).toEqual([
      ['admin', ['ec2-roles', 'billing-recovery']],
    ]);
    const ends = entries.filter((e) => e.type === 'change-end');
    expect(ends.map((e) => e.outcome)).toEqual(Array(11 + 6 + 4 + 3).fill('applied'));
    for (const s of secrets) expect(journal!.text).not.toContain(s.value);

    // --- The account, read back from the emulator with the first admin's key (root's are gone).
    expect(emu().layer.root(ACCOUNT).rootKeys).toEqual([]);
    const { iam, account: acct, ec2 } = testClients(emu().endpoint, account.firstAdmin);
    const summaryMap = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
    expect(summaryMap.AccountAccessKeysPresent).toBe(0);
    const policy = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;
    expect(policy).toMatchObject({ MinimumPasswordLength: 14, PasswordReusePrevention: 24, RequireSymbols: true });
    const group = await iam.send(new GetGroupCommand({ GroupName: 'Administrators' }));
    expect(group.Users?.map((u) => u.UserName).sort()).toEqual(['alice', 'bob']);
    const groupPolicies = await iam.send(new ListAttachedGroupPoliciesCommand({ GroupName: 'Administrators' }));
    expect(groupPolicies.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([
      'arn:aws:iam::aws:policy/AdministratorAccess',
    ]);
    for (const user of ['alice', 'bob']) {
      expect((await iam.send(new GetLoginProfileCommand({ UserName: user }))).LoginProfile?.UserName).toBe(user);
      const tags = (await iam.send(new ListUserTagsCommand({ UserName: user }))).Tags ?? [];
      expect(tags.map((t) => t.Key)).toEqual(['created-by']); // the set-up tag removed: complete
    }
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'rootlock-ec2-instance' }))).Role;
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '')).toContain('ec2.amazonaws.com');
    const rolePolicies = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'rootlock-ec2-instance' }));
    expect(rolePolicies.AttachedPolicies?.map((p) => p.PolicyName)).toEqual(['AmazonSSMManagedInstanceCore']);
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'rootlock-ec2-instance' })))
      .InstanceProfile;
    expect(profile?.Roles?.map((r) => r.RoleName)).toEqual(['rootlock-ec2-instance']);
    const associations =
      (await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}))).IamInstanceProfileAssociations ?? [];
    expect(associations.map((a) => a.InstanceId).sort()).toEqual([...account.instanceIds].sort());
    for (const a of associations)
      expect(a.IamInstanceProfile?.Arn).toBe(`arn:aws:iam::${ACCOUNT}:instance-profile/rootlock-ec2-instance`);
    for (const type of ['BILLING', 'OPERATIONS', 'SECURITY'] as const) {
      const got = (await acct.send(new GetAlternateContactCommand({ AlternateContactType: type }))).AlternateContact;
      expect(got).toMatchObject(CONTACTS[type]);
    }
    const primary = (await acct.send(new GetContactInformationCommand({}))).ContactInformation;
    expect(primary).toMatchObject(PRIMARY);

    if (process.env.UPDATE_CAPTURES === '1') {
      writeCaptures(home, secrets, screen, live);
    }
  }, 240_000);
});

/**
 * Writes the screens into docs/walkthrough.md between `<!-- capture:NAME -->` and
 * `<!-- /capture -->`, replacing what was there; every marker must exist, and every capture
 * must find its marker. Secrets become a placeholder; the temporary home becomes ~/.rootlock.
 */
function writeCaptures(
  home: string,
  secrets: ReturnType<typeof secretsOnScreen>,
  screen: string[],
  live: Record<string, string[]>,
): void {
  const docPath = path.join(REPO_ROOT, 'docs', 'walkthrough.md');
  const clean = (lines: string[]): string[] => {
    const out = maskSecrets(lines, secrets).map((l) => l.split(home).join('~/.rootlock'));
    while (out.length > 0 && out.at(-1) === '') out.pop();
    return out;
  };
  const captures: Record<string, string[]> = {
    start: section(screen, /Acting as/, /^Administrators$/),
    'admins-findings': section(screen, /^Administrators$/, /^[?✔] The account has no password policy/),
    'admins-questions': section(screen, /^[?✔] The account has no password policy/, /^Plan: 11 change/),
    'admins-plan': section(screen, /^Plan: 11 change/, /Apply these 11 changes/),
    'admins-apply': section(screen, /Apply these 11 changes/, /^EC2 instance roles$/),
    'ec2-findings': section(screen, /^EC2 instance roles$/, /^[?✔] Which instances should get/),
    'ec2-checkbox': live['ec2-checkbox'] ?? [],
    'ec2-plan': section(screen, /^[✔] Which instances should get/, /^Billing and recovery contacts$/),
    'billing-findings': section(screen, /^Billing and recovery contacts$/, /^ℹ Alternate contacts of account/),
    'billing-questions': section(screen, /^ℹ Alternate contacts of account/, /^Plan: 4 change/),
    'billing-plan': section(screen, /^Plan: 4 change/, /^Root access keys$/),
    'root-keys-findings': section(screen, /^Root access keys$/, /^First, prepare$/),
    'root-keys-prepare': section(screen, /^First, prepare$/, /^Plan: 1 change/),
    'root-keys-inactive': live['root-keys-inactive'] ?? [],
    'root-keys-last': section(screen, /the key this session signs with, so it goes last/, /^Summary$/),
    // The summary and where the journal went. The read-only next steps between them are left out
    // of the walkthrough (see the report: after the session deleted its own key they cannot read).
    summary: [
      ...section(screen, /^Summary$/, /^(Next steps|ℹ Journal of this session)/),
      ...section(screen, /^ℹ Journal of this session/),
    ],
  };
  let doc = readFileSync(docPath, 'utf8');
  const seen = new Set<string>();
  doc = doc.replace(/<!-- capture:([\w-]+) -->\n[\s\S]*?<!-- \/capture -->/g, (_m, name: string) => {
    const lines = captures[name];
    if (!lines) throw new Error(`docs/walkthrough.md has a marker for an unknown capture "${name}"`);
    seen.add(name);
    return `<!-- capture:${name} -->\n\`\`\`text\n${clean(lines).join('\n')}\n\`\`\`\n<!-- /capture -->`;
  });
  const missing = Object.keys(captures).filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`docs/walkthrough.md lacks markers for: ${missing.join(', ')}`);
  writeFileSync(docPath, doc);
}
