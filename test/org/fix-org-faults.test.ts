/**
 * `rootlock fix --org` when AWS pushes back and loses answers: the same organization fixed again
 * under several fault seeds, each time with new root credentials in the members that hold some and
 * a security contact that differs from the contacts policy in every account. Between rootlock and
 * the emulator, a fault proxy throttles the mutating calls and sts:AssumeRoot and loses the answers
 * of mutating calls after AWS applied them (connection dropped, HTTP 500). Each run must converge
 * (every member without root credentials and with the policy's contact, exit 0) and do nothing
 * twice: a call whose answer was lost is read back in the account, and sent again only when the
 * read shows it is not in place, which here never happens, since the lost call was applied.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountClient, GetAlternateContactCommand, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../support/emulator.js';
import { type FaultKind, type FaultRule, startFaultProxy } from '../support/fault-proxy.js';
import { runRootlock } from '../support/harness.js';
import { buildOrgFixture, type FixtureMember, type OrgFixture } from '../support/org-fixture.js';
import type { RecordedRequest } from '../support/root-layer.js';

const emu = useEmulator({ resetEach: false, env: { MOTO_IAM_LOAD_MANAGED_POLICIES: 'false' } });

const SEEDS = [7, 23, 1009];

/** The mutating calls of an organization fix, each faulted the first time each distinct request is seen. */
const MUTATING = [
  'iam:DeleteAccessKey',
  'iam:DeleteSigningCertificate',
  'iam:DeleteLoginProfile',
  'iam:DeactivateMFADevice',
  'account:PutAlternateContact',
] as const;

const RULES: FaultRule[] = [
  // AWS refuses it: nothing reaches the emulator; the gate (or the SDK, for AssumeRoot) sends it again.
  { kind: 'throttle', match: [...MUTATING, 'sts:AssumeRoot'], rate: 0.3, firstOfEach: true, perPrincipal: true },
  // AWS applies it, and the answer is lost: the gate must read it back rather than send it again.
  { kind: 'drop-after', match: [...MUTATING], rate: 0.3, firstOfEach: true, perPrincipal: true },
  { kind: 'error-after', match: [...MUTATING], rate: 0.3, firstOfEach: true, perPrincipal: true },
];

const ROOT_KINDS = new Set(['root-key', 'root-certificate', 'root-password', 'root-mfa']);

const ANSWERS = {
  'org.root-credentials': ['accessKeys', 'signingCertificates', 'password', 'mfaDevices'],
  'org.billing-access-accept': true,
  'org.recent-use': true,
};

type Contact = { Name: string; Title: string; EmailAddress: string; PhoneNumber: string };

/** What each seed's policy declares, and what the account holds before (so every account needs the put). */
function policyContact(seed: number): Contact {
  return {
    Name: `Security ${seed}`,
    Title: 'Security operations',
    EmailAddress: `security-${seed}@corp.example`,
    PhoneNumber: '+1 206 555 0102',
  };
}
function staleContact(seed: number): Contact {
  return {
    Name: `Stale ${seed}`,
    Title: 'Former',
    EmailAddress: `stale-${seed}@corp.example`,
    PhoneNumber: '+1 555 0199',
  };
}

let org: OrgFixture;
/** Across the seeds: answers lost (applied, caller never heard) per mutating operation. */
const lostByOperation = new Map<string, number>();

beforeAll(async () => {
  org = await buildOrgFixture(emu(), { members: 20 });
}, 600_000);

function accountClient(id: string): AccountClient {
  return new AccountClient({
    endpoint: emu().endpoint,
    region: 'us-east-1',
    credentials: emu().layer.actAs(id),
    maxAttempts: 1,
  });
}

async function securityContact(id: string): Promise<Record<string, string | undefined>> {
  const r = await accountClient(id).send(new GetAlternateContactCommand({ AlternateContactType: 'SECURITY' }));
  const c = r.AlternateContact ?? {};
  return { Name: c.Name, Title: c.Title, EmailAddress: c.EmailAddress, PhoneNumber: c.PhoneNumber };
}

function rootLeft(id: string): string[] {
  const r = emu().layer.root(id);
  return [
    ...r.rootKeys.map((k) => `key ${k.accessKeyId}`),
    ...r.certificates.map((c) => `certificate ${c.certificateId}`),
    ...(r.password ? ['password'] : []),
    ...r.mfaDevices.map((d) => `mfa ${d.serialNumber}`),
  ];
}

/** New root credentials (new ids) in every member that holds some; returns the ids to be deleted. */
function seedRootCredentials(members: FixtureMember[]): {
  keys: string[];
  certificates: string[];
  passwords: string[];
  mfa: string[];
} {
  const out = { keys: [] as string[], certificates: [] as string[], passwords: [] as string[], mfa: [] as string[] };
  for (const m of members) {
    switch (m.kind) {
      case 'root-key':
        out.keys.push(
          ...emu()
            .layer.seedRoot(m.id, { keys: [{}, {}] })
            .keys.map((k) => k.accessKeyId),
        );
        break;
      case 'root-certificate':
        emu().layer.seedRoot(m.id, { certificates: [{}, {}] });
        out.certificates.push(
          ...emu()
            .layer.root(m.id)
            .certificates.map((c) => c.certificateId),
        );
        break;
      case 'root-password':
        emu().layer.seedRoot(m.id, { password: true });
        out.passwords.push(m.id);
        break;
      case 'root-mfa':
        emu().layer.seedRoot(m.id, { mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }, { kind: 'hardware' }] });
        out.mfa.push(
          ...emu()
            .layer.root(m.id)
            .mfaDevices.map((d) => d.serialNumber),
        );
        break;
    }
  }
  return out;
}

/** A change's end as an account journal recorded it. */
interface ChangeEnd {
  account: string;
  change: string;
  operation: string;
  outcome: string;
  sends?: number;
  lostAnswers?: number;
  reconciled?: boolean;
}

/** Every change-end of the per-account journals of a run. */
function changeEnds(journalDir: string): ChangeEnd[] {
  const out: ChangeEnd[] = [];
  for (const f of readdirSync(journalDir).filter((x) => x.endsWith('.jsonl') && !x.includes('-org-'))) {
    const lines = readFileSync(join(journalDir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const account = lines.find((l) => l.type === 'session-start')?.account as string;
    for (const l of lines)
      if (l.type === 'change-end')
        out.push({
          account,
          change: l.change as string,
          operation: l.operation as string,
          outcome: l.outcome as string,
          sends: l.sends as number | undefined,
          lostAnswers: l.lostAnswers as number | undefined,
          reconciled: l.reconciled as boolean | undefined,
        });
  }
  return out;
}

/** The requests that reached the emulator naming one credential, as `status` in order. */
function statuses(
  requests: RecordedRequest[],
  operation: string,
  key: string,
  value: string,
): Array<number | undefined> {
  return requests.filter((r) => r.operation === operation && r.params[key] === value).map((r) => r.status);
}

describe('fix --org under throttling and lost answers (20 members)', () => {
  it.each(SEEDS)(
    'seed %i: converges, every member without root credentials and with the policy contact, nothing done twice',
    async (seed) => {
      const accounts = [org.managementId, ...org.members.map((m) => m.id)];
      const seeded = seedRootCredentials(org.members);
      // Every account's security contact differs from the policy, so every account needs its put.
      for (const id of accounts)
        await accountClient(id).send(
          new PutAlternateContactCommand({ AlternateContactType: 'SECURITY', ...staleContact(seed) }),
        );
      const work = mkdtempSync(join(tmpdir(), `rootlock-fix-org-faults-${seed}-`));
      const journalDir = join(work, 'journal');
      const contactsFile = join(work, 'contacts.json');
      writeFileSync(contactsFile, JSON.stringify({ version: 1, defaults: { security: policyContact(seed) } }));
      const destructive = org.members.filter((m) => ROOT_KINDS.has(m.kind)).length;

      const before = emu().layer.requests.length;
      const proxy = await startFaultProxy({ target: emu().endpoint, seed, rules: RULES });
      let r: Awaited<ReturnType<typeof runRootlock>>;
      try {
        r = await runRootlock(proxy.url, ['fix', '--org', '--contacts', contactsFile], {
          credentials: org.operator,
          answers: { ...ANSWERS, 'org.confirm-count': String(destructive) },
          journalDir,
        });
      } finally {
        await proxy.close();
      }
      const sent = emu().layer.requests.slice(before);
      const calls = proxy.calls;
      const faulted = (kind: FaultKind, op?: string) =>
        calls.filter((c) => c.fault === kind && (op === undefined || `${c.service}:${c.operation}` === op));
      // Lost answers: applied at the emulator (2xx), the caller never heard it.
      const lost = calls.filter(
        (c) =>
          (c.fault === 'drop-after' || c.fault === 'error-after') &&
          c.upstreamStatus !== undefined &&
          c.upstreamStatus < 300,
      );
      const summary = [
        `seed ${seed}: throttled ${faulted('throttle').length} (AssumeRoot ${faulted('throttle', 'sts:AssumeRoot').length}),`,
        `dropped after ${faulted('drop-after').length}, error after ${faulted('error-after').length};`,
        ...MUTATING.map(
          (op) =>
            `${op}: throttled ${faulted('throttle', op).length}, lost ${lost.filter((c) => `${c.service}:${c.operation}` === op).length}`,
        ),
      ].join('\n');
      for (const op of MUTATING)
        lostByOperation.set(
          op,
          (lostByOperation.get(op) ?? 0) + lost.filter((c) => `${c.service}:${c.operation}` === op).length,
        );

      // Not vacuous: several calls of each kind of fault, AssumeRoot among the throttled.
      expect(faulted('throttle').length, summary).toBeGreaterThanOrEqual(4);
      expect(faulted('throttle', 'sts:AssumeRoot').length, summary).toBeGreaterThanOrEqual(1);
      expect(faulted('drop-after').length, summary).toBeGreaterThanOrEqual(3);
      expect(faulted('error-after').length, summary).toBeGreaterThanOrEqual(3);

      // Converged.
      expect(r.code, `${summary}\n${r.output.text}`).toBe(0);
      for (const m of org.members) expect(rootLeft(m.id), `${m.id} (${m.kind}) ${summary}`).toEqual([]);
      for (const id of accounts) expect(await securityContact(id), `${id} ${summary}`).toEqual(policyContact(seed));

      // Nothing done twice, at the emulator: each credential was named by exactly one request that reached
      // it, and that request deleted it. (A second request, even one answered NoSuchEntity, would be the
      // gate sending again what was in place.)
      for (const id of seeded.keys)
        expect(statuses(sent, 'DeleteAccessKey', 'AccessKeyId', id), `key ${id}\n${summary}`).toEqual([200]);
      for (const id of seeded.certificates)
        expect(
          statuses(sent, 'DeleteSigningCertificate', 'CertificateId', id),
          `certificate ${id}\n${summary}`,
        ).toEqual([200]);
      for (const serial of seeded.mfa)
        expect(statuses(sent, 'DeactivateMFADevice', 'SerialNumber', serial), `mfa ${serial}\n${summary}`).toEqual([
          200,
        ]);
      // DeleteLoginProfile names no credential (the root session says whose): one successful request per
      // account whose password is gone, and no other.
      expect(
        sent.filter((q) => q.operation === 'DeleteLoginProfile').map((q) => q.status),
        `passwords of ${seeded.passwords.join(', ')}\n${summary}`,
      ).toEqual(seeded.passwords.map(() => 200));

      // Contacts: per account, the puts rootlock sent that reached the emulator. Once one succeeded the
      // contact was in place (nothing else changes it), so any later put is a re-send of something in
      // place: the strict form of "at most one more put than answers lost" (a re-send after a read-back
      // that showed the contact absent would follow a put the emulator refused, which none was).
      const ends = changeEnds(journalDir);
      const puts = sent.filter(
        (q) => q.operation === 'PutAlternateContact' && q.accessKeyId === org.operator.accessKeyId,
      );
      for (const id of accounts) {
        const mine = puts.filter((q) => ((q.params.AccountId as string | undefined) ?? org.managementId) === id);
        const lostHere = ends
          .filter((e) => e.account === id && e.operation === 'account:PutAlternateContact')
          .reduce((n, e) => n + (e.lostAnswers ?? 0), 0);
        const firstOk = mine.findIndex((q) => q.status === 200);
        const why = `${id}: puts at the emulator ${JSON.stringify(mine.map((q) => q.status))}, answers lost ${lostHere}\n${summary}`;
        expect(firstOk, why).toBeGreaterThanOrEqual(0);
        expect(mine.slice(firstOk + 1), why).toEqual([]);
        expect(mine.filter((q) => q.status === 200).length, why).toBeLessThanOrEqual(lostHere + 1);
        expect(mine[firstOk]?.params, why).toMatchObject({ AlternateContactType: 'SECURITY', ...policyContact(seed) });
      }

      // The gate's own account of it (the account journals): every change applied (none "already done",
      // which a re-send answered NoSuchEntity would be), every lost answer read back and found in place,
      // and exactly the answers the proxy lost.
      const mutatingEnds = ends.filter((e) => (MUTATING as readonly string[]).includes(e.operation));
      expect(mutatingEnds.length, summary).toBe(
        seeded.keys.length + seeded.certificates.length + seeded.passwords.length + seeded.mfa.length + accounts.length,
      );
      for (const e of mutatingEnds) {
        expect(e.outcome, `${e.account} ${e.change}`).toBe('applied');
        if (e.lostAnswers) expect(e.reconciled, `${e.account} ${e.change}`).toBe(true);
      }
      for (const op of MUTATING)
        expect(
          mutatingEnds.filter((e) => e.operation === op).reduce((n, e) => n + (e.lostAnswers ?? 0), 0),
          `${op} ${summary}`,
        ).toBe(lost.filter((c) => `${c.service}:${c.operation}` === op).length);
      // Every answer the proxy dropped or replaced was of a call the emulator had applied.
      expect(lost.length, summary).toBe(faulted('drop-after').length + faulted('error-after').length);
    },
    600_000,
  );

  it('across the seeds, every kind of change had an answer lost after it was applied', () => {
    const seen = Object.fromEntries(MUTATING.map((op) => [op, lostByOperation.get(op) ?? 0]));
    for (const op of MUTATING) expect(seen[op], JSON.stringify(seen)).toBeGreaterThan(0);
  });
});
