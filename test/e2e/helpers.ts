/**
 * Helpers shared by the operator-level end-to-end tests (test/e2e): answering prompts in a
 * pseudo-terminal while checking the terminal manners that hold at every prompt, reading
 * secrets off the screen, and reading the emulator's state back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutAlternateContactCommand } from '@aws-sdk/client-account';
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  AddUserToGroupCommand,
  AttachGroupPolicyCommand,
  AttachRolePolicyCommand,
  CreateGroupCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { expect } from 'vitest';
import {
  createIamUserWithKey,
  MOTO_BOOTSTRAP_CREDENTIALS,
  testClients,
  type IamUserCredentials,
  type TestCredentials,
} from '../support/clients.js';
import type { Emulator } from '../support/emulator.js';
import { SPINNER_DOTS, type PtySession } from '../support/pty.js';

const homes: string[] = [];

/** A fresh ROOTLOCK_HOME (and HOME) for one run; removed by {@link removeTempHomes}. */
export function tempHome(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'rootlock-e2e-'));
  homes.push(dir);
  return dir;
}

/** Removes the homes made by {@link tempHome} (kept when ROOTLOCK_E2E_DUMP is set, for debugging). */
export function removeTempHomes(): void {
  if (process.env.ROOTLOCK_E2E_DUMP) return;
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
}

const SPINNER_GLYPH = new RegExp(`[${SPINNER_DOTS}]`);

/**
 * Waits for a prompt, lets it finish drawing, checks that no spinner is on screen or still
 * drawing frames while it is open, then acts (types the answer).
 *
 * "Finished drawing" means 150 ms without output: a spinner redraws every 80 ms, so a spinner
 * left running under the prompt would both keep `settle` from returning early and leave its
 * frames in what was written after the prompt appeared.
 */
export async function atPrompt(
  pty: PtySession,
  prompt: string | RegExp,
  act: (pty: PtySession) => void,
): Promise<void> {
  await pty.waitFor(prompt);
  const from = pty.transcript.length;
  await pty.settle(150);
  const written = pty.transcript.slice(from);
  expect(written, `spinner frames were drawn while the prompt ${String(prompt)} was open`).not.toMatch(SPINNER_GLYPH);
  expect(pty.screen.visible().join('\n'), `a spinner frame is on screen with the prompt ${String(prompt)}`).not.toMatch(
    SPINNER_GLYPH,
  );
  act(pty);
}

/** Types a line of text and Enter. */
export const typeLine =
  (text: string) =>
  (pty: PtySession): void => {
    pty.type(text);
    pty.press('enter');
  };

/** Presses Enter (accept the default / the highlighted choice). */
export const enter = (pty: PtySession): void => pty.press('enter');

/** Moves the highlight up `n` choices, then Enter. */
export const upThenEnter =
  (n: number) =>
  (pty: PtySession): void => {
    pty.press('up', n);
    pty.press('enter');
  };

/** A one-time secret as the secret box showed it: its label (first row) and value. */
export interface ShownSecret {
  label: string;
  value: string;
}

const BOX_TOP = /^[┌+][─-]+[┐+]$/;

/** Finds the secret boxes on a screen (see secretBox in src/ui/output.ts) and what they show. */
export function secretsOnScreen(lines: readonly string[]): ShownSecret[] {
  const out: ShownSecret[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!BOX_TOP.test(lines[i] ?? '')) continue;
    const row = (k: number): string => (lines[i + k] ?? '').replace(/^[│|] ?/, '').replace(/ ?[│|]$/, '');
    const label = row(1).trim();
    const value = row(3).trim();
    if (label && value && /Shown once/.test(row(5))) out.push({ label, value });
  }
  return out;
}

/**
 * Replaces secret values in screen lines by a placeholder of the same width (the box stays
 * aligned), for text that goes into the documentation.
 */
export function maskSecrets(lines: readonly string[], secrets: readonly ShownSecret[]): string[] {
  return lines.map((line) => {
    let out = line;
    for (const s of secrets) {
      const placeholder = '<one-time password>'.padEnd(s.value.length, ' ');
      out = out.split(s.value).join(placeholder.length === s.value.length ? placeholder : '<one-time password>');
    }
    return out;
  });
}

/** Lines of `lines` from the first one matching `from` up to (not including) the first after it matching `to`. */
export function section(lines: readonly string[], from: RegExp, to?: RegExp): string[] {
  const start = lines.findIndex((l) => from.test(l));
  if (start === -1) throw new Error(`no line matches ${String(from)}`);
  if (!to) return lines.slice(start);
  const end = lines.findIndex((l, i) => i > start && to.test(l));
  if (end === -1) throw new Error(`no line after ${String(from)} matches ${String(to)}`);
  return lines.slice(start, end);
}

/**
 * Checks the 80-column rule on a finished screen: the terminal may wrap a line by itself only
 * inside a single word longer than the room rootlock had for it (a long URL); everything else
 * (findings, plan lines, ids, questions) is broken by rootlock or inquirer at spaces, with an
 * indent. Returns the words the terminal had to wrap, for the caller to check.
 */
export function terminalWrappedWords(pty: PtySession): string[] {
  const words: string[] = [];
  for (const w of pty.screen.autoWraps()) {
    let start = w.at;
    while (start > 0 && w.line[start - 1] !== ' ') start--;
    let end = w.at;
    while (end < w.line.length && w.line[end] !== ' ') end++;
    const word = w.line.slice(start, end);
    const indent = /^ */.exec(w.line)?.[0].length ?? 0;
    // The room a word had: the line's width after the message marker or the detail indent.
    const room = pty.screen.cols - Math.max(indent, 2);
    expect(
      word.length,
      `the terminal broke "${word}" in "${w.line}" although it fits in ${room} columns`,
    ).toBeGreaterThan(room);
    words.push(word);
  }
  return words;
}

/* ------------------------------------------------------------------------------------------ */
/* Accounts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

export const ACCOUNT = '123456789012';
export const ADMIN_POLICY = 'arn:aws:iam::aws:policy/AdministratorAccess';
const EC2_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

export const CONTACTS = {
  BILLING: {
    Name: 'Bea Biller',
    Title: 'Finance lead',
    EmailAddress: 'billing@example.com',
    PhoneNumber: '+1 555 0100',
  },
  OPERATIONS: {
    Name: 'Olga Ops',
    Title: 'Operations manager',
    EmailAddress: 'ops@example.com',
    PhoneNumber: '+1 555 0101',
  },
  SECURITY: { Name: 'Sam Secure', Title: 'CISO', EmailAddress: 'security@example.com', PhoneNumber: '+1 555 0102' },
} as const;
export type ContactType = keyof typeof CONTACTS;

export const PRIMARY = {
  FullName: 'Example Corp Operations',
  AddressLine1: '1 Main Street',
  City: 'Springfield',
  CountryCode: 'US',
  StateOrRegion: 'IL',
  PostalCode: '62701',
  PhoneNumber: '+1 555 0199',
};

export interface SeedOptions {
  /** Root access keys (all active); 0 for none. */
  rootKeys: number;
  rootMfa?: boolean;
  /** IAM users made admins through group Administrators (AdministratorAccess); the first one's key is returned. */
  admins: string[];
  /** EC2 instances in us-east-1 without a role. */
  bareInstances?: number;
  /** EC2 instances in us-east-1 launched with instance profile `app-role` (role `app-role`, trusted by EC2, with AmazonSSMManagedInstanceCore). */
  roleInstances?: number;
  /** All three alternate contacts and the primary contact. */
  contacts?: boolean;
}

export interface SeededAccount {
  root: TestCredentials[];
  admin: IamUserCredentials;
  bareInstances: string[];
  roleInstances: string[];
}

let amiCache: string | undefined;

/**
 * An AMI moto knows in us-east-1. Filtered by name: moto lists about 1,300 Amazon images per
 * region unfiltered, which takes seconds to serialize.
 */
async function ami(endpoint: string): Promise<string> {
  if (amiCache) return amiCache;
  const { ec2 } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const res = await ec2.send(
    new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*'] }] }),
  );
  const id = res.Images?.find((i) => i.ImageId)?.ImageId;
  if (!id) throw new Error('the emulator offered no amzn2 image');
  amiCache = id;
  return id;
}

async function launch(endpoint: string, count: number, profile?: string): Promise<string[]> {
  if (count === 0) return [];
  const { ec2 } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const res = await ec2.send(
    new RunInstancesCommand({
      ImageId: await ami(endpoint),
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      ...(profile ? { IamInstanceProfile: { Name: profile } } : {}),
      TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: profile ? 'app' : 'web' }] }],
    }),
  );
  return (res.Instances ?? []).map((i) => i.InstanceId ?? '');
}

/** Builds an account in the emulator (account 123456789012) with the fixture SDK credentials. */
export async function seedAccount(emu: Pick<Emulator, 'endpoint' | 'layer'>, o: SeedOptions): Promise<SeededAccount> {
  const { endpoint } = emu;
  const { keys } = emu.layer.seedRoot(ACCOUNT, {
    keys: Array.from({ length: o.rootKeys }, () => ({ status: 'Active' as const })),
    mfaEnabled: o.rootMfa ?? false,
  });
  const { iam, account } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await iam.send(new CreateGroupCommand({ GroupName: 'Administrators' }));
  await iam.send(new AttachGroupPolicyCommand({ GroupName: 'Administrators', PolicyArn: ADMIN_POLICY }));
  const admins: IamUserCredentials[] = [];
  for (const name of o.admins) {
    const user = await createIamUserWithKey(endpoint, name);
    await iam.send(new AddUserToGroupCommand({ GroupName: 'Administrators', UserName: name }));
    admins.push(user);
  }
  if ((o.roleInstances ?? 0) > 0) {
    await iam.send(new CreateRoleCommand({ RoleName: 'app-role', AssumeRolePolicyDocument: EC2_TRUST }));
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'app-role',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      }),
    );
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'app-role' }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'app-role', RoleName: 'app-role' }));
  }
  const roleInstances = await launch(endpoint, o.roleInstances ?? 0, 'app-role');
  const bareInstances = await launch(endpoint, o.bareInstances ?? 0);
  if (o.contacts) {
    for (const type of Object.keys(CONTACTS) as ContactType[]) {
      await account.send(new PutAlternateContactCommand({ AlternateContactType: type, ...CONTACTS[type] }));
    }
    emu.layer.root(ACCOUNT).contactInformation = { ...PRIMARY };
  }
  const admin = admins[0];
  if (!admin) throw new Error('seedAccount needs at least one admin');
  return { root: keys, admin, bareInstances, roleInstances };
}

/** Instance id -> instance profile ARN, for every association in us-east-1 (the emulator's truth). */
export async function profileAssociations(endpoint: string): Promise<Record<string, string>> {
  const { ec2 } = testClients(endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  const res = await ec2.send(new DescribeIamInstanceProfileAssociationsCommand({}));
  const out: Record<string, string> = {};
  for (const a of res.IamInstanceProfileAssociations ?? []) {
    if (a.InstanceId && a.State !== 'disassociated') out[a.InstanceId] = a.IamInstanceProfile?.Arn ?? '';
  }
  return out;
}

/* ------------------------------------------------------------------------------------------ */
/* A proxy where a new instance profile is not ready yet                                       */
/* ------------------------------------------------------------------------------------------ */

export interface NotReadyProxy {
  url: string;
  /** While true, every ec2:AssociateIamInstanceProfile is refused as AWS refuses a profile EC2 cannot see yet. */
  notReady: boolean;
  /** AssociateIamInstanceProfile calls refused so far. */
  refused: number;
  close(): Promise<void>;
}

/**
 * A proxy in front of the emulator that answers ec2:AssociateIamInstanceProfile the way EC2
 * answers right after an instance profile was created (IAM is eventually consistent):
 * HTTP 400 `InvalidParameterValue`, "Value (NAME) for parameter iamInstanceProfile.name is
 * invalid. Invalid IAM Instance Profile name". Everything else passes through unchanged.
 */
export async function startNotReadyProxy(target: string): Promise<NotReadyProxy> {
  const upstream = new URL(target);
  const state = { notReady: true, refused: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      if (state.notReady && form.get('Action') === 'AssociateIamInstanceProfile') {
        state.refused += 1;
        const name = form.get('IamInstanceProfile.Name') ?? 'unknown';
        res.writeHead(400, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidParameterValue</Code>` +
            `<Message>Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name</Message>` +
            `</Error></Errors><RequestID>00000000-0000-4000-8000-000000000001</RequestID></Response>`,
        );
        return;
      }
      const fwd = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    get notReady() {
      return state.notReady;
    },
    set notReady(v: boolean) {
      state.notReady = v;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
