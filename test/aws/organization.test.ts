/**
 * The organization as rootlock reads it (src/aws/organization.ts): who the caller is to it, its
 * accounts with their OU paths (paged, nested, a --ou subtree), and the selection flags. The
 * reads run against a stub pool serving a small organization from memory.
 */
import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  TooManyRequestsException,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../src/aws/errors.js';
import {
  listOrganizationAccounts,
  type OrgAccount,
  readOrganization,
  selectAccounts,
} from '../../src/aws/organization.js';
import type { ClientPool } from '../../src/aws/pool.js';

const ROOT = 'r-ab12';
const WORKLOADS = 'ou-ab12-11111111';
const PROD = 'ou-ab12-22222222';
const SANDBOX = 'ou-ab12-33333333';
const MANAGEMENT = '111111111111';

interface StubAccount {
  Id: string;
  Name?: string;
  Email?: string;
  Status?: string;
  State?: string;
}

/**
 * Root
 * ├── 111111111111 management, 999999999999 (no name)
 * ├── Workloads: 222222222222, 333333333333 (SUSPENDED), 444444444444, 555555555555
 * │   └── Prod: 666666666666, 777777777777 (State PENDING_CLOSURE over Status ACTIVE)
 * └── Sandbox: 888888888888
 */
const TREE: { ous: Record<string, Array<{ Id: string; Name: string }>>; accounts: Record<string, StubAccount[]> } = {
  ous: {
    [ROOT]: [
      { Id: WORKLOADS, Name: 'Workloads' },
      { Id: SANDBOX, Name: 'Sandbox' },
    ],
    [WORKLOADS]: [{ Id: PROD, Name: 'Prod' }],
    [PROD]: [],
    [SANDBOX]: [],
  },
  accounts: {
    [ROOT]: [
      { Id: MANAGEMENT, Name: 'management', Email: 'aws@example.com', Status: 'ACTIVE' },
      { Id: '999999999999', Status: 'ACTIVE' },
    ],
    [WORKLOADS]: [
      { Id: '222222222222', Name: 'payments', Status: 'ACTIVE' },
      { Id: '333333333333', Name: 'old', Status: 'SUSPENDED' },
      { Id: '444444444444', Name: 'search', Status: 'ACTIVE' },
      { Id: '555555555555', Name: 'mail', Status: 'ACTIVE' },
    ],
    [PROD]: [
      { Id: '666666666666', Name: 'prod-a', State: 'ACTIVE' },
      { Id: '777777777777', Name: 'prod-b', Status: 'ACTIVE', State: 'PENDING_CLOSURE' },
    ],
    [SANDBOX]: [{ Id: '888888888888', Name: 'sandbox', Status: 'ACTIVE' }],
  },
};

const TAGS: Record<string, Array<{ Key: string; Value: string }>> = {
  '222222222222': [
    { Key: 'env', Value: 'prod' },
    { Key: 'team', Value: 'payments' },
    { Key: 'cost', Value: 'a' },
  ],
  '666666666666': [{ Key: 'env', Value: 'prod' }],
};

type Call = { service: string; operation: string; params: Record<string, unknown> };
type Handler = (params: Record<string, unknown>) => unknown;

/** A pool whose `call` answers from handlers by operation (and records every call). */
function stubPool(handlers: Record<string, Handler>): { pool: ClientPool; calls: Call[] } {
  const calls: Call[] = [];
  const pool = {
    call: async (service: string, operation: string, params: Record<string, unknown> = {}) => {
      calls.push({ service, operation, params });
      const handler = handlers[operation];
      if (!handler) throw new Error(`unexpected call ${service}:${operation}`);
      return handler(params);
    },
  };
  return { pool: pool as unknown as ClientPool, calls };
}

/** One page of `items` (two a page), the NextToken being the index of the next page. */
function page(items: readonly unknown[], params: Record<string, unknown>, key: string, size = 2) {
  const start = Number(params.NextToken ?? 0);
  const next = start + size;
  return { [key]: items.slice(start, next), ...(next < items.length ? { NextToken: String(next) } : {}) };
}

/** The organization above, paged two items at a time. */
function organizationPool() {
  return stubPool({
    ListRoots: () => ({ Roots: [{ Id: ROOT, Name: 'Root' }] }),
    ListOrganizationalUnitsForParent: (p) => page(TREE.ous[p.ParentId as string] ?? [], p, 'OrganizationalUnits', 1),
    ListAccountsForParent: (p) => page(TREE.accounts[p.ParentId as string] ?? [], p, 'Accounts'),
    ListTagsForResource: (p) => page(TAGS[p.ResourceId as string] ?? [], p, 'Tags'),
  });
}

describe('listOrganizationAccounts', () => {
  it('every account under the root with its OU path, across pages and nested OUs, sorted by id', async () => {
    const { pool, calls } = organizationPool();
    const accounts = await listOrganizationAccounts(pool);
    expect(accounts.map((a) => [a.id, a.name, a.status, a.ou])).toEqual([
      [MANAGEMENT, 'management', 'ACTIVE', 'Root'],
      ['222222222222', 'payments', 'ACTIVE', 'Root/Workloads'],
      ['333333333333', 'old', 'SUSPENDED', 'Root/Workloads'],
      ['444444444444', 'search', 'ACTIVE', 'Root/Workloads'],
      ['555555555555', 'mail', 'ACTIVE', 'Root/Workloads'],
      ['666666666666', 'prod-a', 'ACTIVE', 'Root/Workloads/Prod'],
      // AWS's State wins over the older Status.
      ['777777777777', 'prod-b', 'PENDING_CLOSURE', 'Root/Workloads/Prod'],
      ['888888888888', 'sandbox', 'ACTIVE', 'Root/Sandbox'],
      // An account without a name is named by its id.
      ['999999999999', '999999999999', 'ACTIVE', 'Root'],
    ]);
    expect(accounts.find((a) => a.id === '666666666666')?.ouIds).toEqual([ROOT, WORKLOADS, PROD]);
    expect(accounts[0]?.email).toBe('aws@example.com');
    expect(accounts.every((a) => a.tags === undefined)).toBe(true);
    // Pages after the first were asked for with the token of the one before.
    const workloads = calls.filter((c) => c.operation === 'ListAccountsForParent' && c.params.ParentId === WORKLOADS);
    expect(workloads.map((c) => c.params.NextToken)).toEqual([undefined, '2']);
    const rootOus = calls.filter(
      (c) => c.operation === 'ListOrganizationalUnitsForParent' && c.params.ParentId === ROOT,
    );
    expect(rootOus.map((c) => c.params.NextToken)).toEqual([undefined, '1']);
    expect(calls.every((c) => c.service === 'organizations')).toBe(true);
    expect(calls.some((c) => c.operation === 'ListTagsForResource')).toBe(false);
  });

  it('--ou: only the accounts of that OU and the OUs under it; the rest of the tree is walked, not read', async () => {
    const { pool, calls } = organizationPool();
    const accounts = await listOrganizationAccounts(pool, { fromOu: WORKLOADS });
    expect(accounts.map((a) => a.id)).toEqual([
      '222222222222',
      '333333333333',
      '444444444444',
      '555555555555',
      '666666666666',
      '777777777777',
    ]);
    const read = new Set(calls.filter((c) => c.operation === 'ListAccountsForParent').map((c) => c.params.ParentId));
    expect(read).toEqual(new Set([WORKLOADS, PROD]));
  });

  it('--ou of a nested OU, and of the root (everything)', async () => {
    const nested = await listOrganizationAccounts(organizationPool().pool, { fromOu: PROD });
    expect(nested.map((a) => [a.id, a.ou])).toEqual([
      ['666666666666', 'Root/Workloads/Prod'],
      ['777777777777', 'Root/Workloads/Prod'],
    ]);
    const all = await listOrganizationAccounts(organizationPool().pool, { fromOu: ROOT });
    expect(all).toHaveLength(9);
  });

  it('an unknown --ou is a usage error naming it', async () => {
    const error = await listOrganizationAccounts(organizationPool().pool, { fromOu: 'ou-ab12-99999999' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'BAD_FLAGS' });
    expect((error as Error).message).toContain('ou-ab12-99999999');
  });

  it('with tags: each account in scope gets its tags (paged)', async () => {
    const { pool, calls } = organizationPool();
    const accounts = await listOrganizationAccounts(pool, { fromOu: PROD, tags: true });
    expect(accounts.map((a) => a.tags)).toEqual([{ env: 'prod' }, {}]);
    const everything = await listOrganizationAccounts(organizationPool().pool, { tags: true });
    expect(everything.find((a) => a.id === '222222222222')?.tags).toEqual({ env: 'prod', team: 'payments', cost: 'a' });
    expect(calls.filter((c) => c.operation === 'ListTagsForResource').map((c) => c.params.ResourceId)).toEqual([
      '666666666666',
      '777777777777',
    ]);
  });

  it('an organization without a root is an error, not an empty run', async () => {
    const { pool } = stubPool({ ListRoots: () => ({ Roots: [] }) });
    await expect(listOrganizationAccounts(pool)).rejects.toThrow(/no root/);
  });
});

const ORG = { Id: 'o-exampleorgid', MasterAccountId: MANAGEMENT, FeatureSet: 'ALL' };

describe('readOrganization', () => {
  it('the management account', async () => {
    const { pool, calls } = stubPool({ DescribeOrganization: () => ({ Organization: ORG }) });
    await expect(readOrganization(pool, MANAGEMENT)).resolves.toEqual({
      id: 'o-exampleorgid',
      managementAccountId: MANAGEMENT,
      featureSet: 'ALL',
      role: 'management',
    });
    expect(calls.map((c) => c.operation)).toEqual(['DescribeOrganization']);
  });

  it('a delegated administrator: a member account that may list the organization', async () => {
    const { pool, calls } = stubPool({
      DescribeOrganization: () => ({ Organization: ORG }),
      ListRoots: () => ({ Roots: [{ Id: ROOT, Name: 'Root' }] }),
    });
    await expect(readOrganization(pool, '222222222222')).resolves.toMatchObject({
      id: 'o-exampleorgid',
      managementAccountId: MANAGEMENT,
      role: 'delegated-admin',
    });
    expect(calls.map((c) => c.operation)).toEqual(['DescribeOrganization', 'ListRoots']);
  });

  it('a member that may not list the organization is refused, naming the management account', async () => {
    const { pool } = stubPool({
      DescribeOrganization: () => ({ Organization: ORG }),
      ListRoots: () => {
        throw new AccessDeniedException({
          message: 'You don’t have permissions to access this resource.',
          $metadata: { httpStatusCode: 400 },
        });
      },
    });
    const error = await readOrganization(pool, '222222222222').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'NOT_ORG_ADMIN' });
    expect((error as RunError).message).toContain('222222222222');
    expect((error as RunError).message).toContain(MANAGEMENT);
    expect((error as RunError).message).toContain('AccessDeniedException');
    expect((error as RunError).hint).toContain(MANAGEMENT);
  });

  it('any other failure of ListRoots is not mistaken for a refusal', async () => {
    const throttled = new TooManyRequestsException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
    const { pool } = stubPool({
      DescribeOrganization: () => ({ Organization: ORG }),
      ListRoots: () => {
        throw throttled;
      },
    });
    await expect(readOrganization(pool, '222222222222')).rejects.toBe(throttled);
  });

  it('an account in no organization: NOT_IN_ORGANIZATION', async () => {
    const { pool } = stubPool({
      DescribeOrganization: () => {
        throw new AWSOrganizationsNotInUseException({
          message: 'Your account is not a member of an organization.',
          $metadata: { httpStatusCode: 400 },
        });
      },
    });
    const error = await readOrganization(pool, '222222222222').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'NOT_IN_ORGANIZATION' });
    expect((error as RunError).message).toContain('222222222222');
  });

  it('other failures of DescribeOrganization propagate as they are', async () => {
    const denied = new AccessDeniedException({ message: 'denied', $metadata: { httpStatusCode: 400 } });
    const { pool } = stubPool({
      DescribeOrganization: () => {
        throw denied;
      },
    });
    await expect(readOrganization(pool, MANAGEMENT)).rejects.toBe(denied);
  });
});

/** An account of the selection tests. */
function acct(id: string, extra: Partial<OrgAccount> = {}): OrgAccount {
  return { id, name: `n${id.slice(0, 3)}`, status: 'ACTIVE', ou: 'Root', ouIds: [ROOT], ...extra };
}

const ALL: OrgAccount[] = [
  acct('111111111111', { tags: { env: 'prod', team: 'a' } }),
  acct('222222222222', { status: 'SUSPENDED', tags: { env: 'prod' } }),
  acct('333333333333', { status: 'PENDING_CLOSURE' }),
  acct('444444444444', { tags: { env: 'dev', team: 'a' } }),
  acct('555555555555', { tags: { env: 'prod', team: 'b' } }),
];

const ids = (accounts: ReadonlyArray<{ id: string } | { account: { id: string } }>) =>
  accounts.map((a) => ('account' in a ? a.account.id : a.id));

describe('selectAccounts', () => {
  it('reads only ACTIVE accounts; the others are skipped with their status', () => {
    const { selected, skipped } = selectAccounts(ALL, {});
    expect(ids(selected)).toEqual(['111111111111', '444444444444', '555555555555']);
    expect(skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['222222222222', 'account is SUSPENDED'],
      ['333333333333', 'account is PENDING_CLOSURE'],
    ]);
  });

  it('--exclude: skipped with the flag as the reason (before the status)', () => {
    const { selected, skipped } = selectAccounts(ALL, { exclude: ['444444444444', '222222222222'] });
    expect(ids(selected)).toEqual(['111111111111', '555555555555']);
    expect(skipped.map((s) => [s.account.id, s.reason])).toEqual([
      ['222222222222', 'excluded with --exclude'],
      ['333333333333', 'account is PENDING_CLOSURE'],
      ['444444444444', 'excluded with --exclude'],
    ]);
  });

  it('--accounts: only those; the others are neither read nor reported skipped', () => {
    const { selected, skipped } = selectAccounts(ALL, { accounts: ['555555555555', '222222222222'] });
    expect(ids(selected)).toEqual(['555555555555']);
    expect(ids(skipped)).toEqual(['222222222222']);
  });

  it('--accounts naming an account not in the organization is a usage error naming it', () => {
    let error: unknown;
    try {
      selectAccounts(ALL, { accounts: ['111111111111', '123456789012'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'BAD_FLAGS' });
    expect((error as Error).message).toContain('123456789012');
    expect((error as Error).message).not.toContain('111111111111');
    // Under --ou, the message says where it looked.
    expect(() => selectAccounts(ALL, { accounts: ['123456789012', '210987654321'], ou: WORKLOADS })).toThrow(
      new RegExp(`under --ou ${WORKLOADS}.*123456789012, 210987654321`),
    );
  });

  it('--tag: every tag given must match', () => {
    expect(ids(selectAccounts(ALL, { tags: [{ key: 'env', value: 'prod' }] }).selected)).toEqual([
      '111111111111',
      '555555555555',
    ]);
    const both = selectAccounts(ALL, {
      tags: [
        { key: 'env', value: 'prod' },
        { key: 'team', value: 'a' },
      ],
    });
    expect(ids(both.selected)).toEqual(['111111111111']);
    // A suspended account that matches is skipped with its reason; one that does not match is left out.
    expect(ids(selectAccounts(ALL, { tags: [{ key: 'env', value: 'prod' }] }).skipped)).toEqual(['222222222222']);
    expect(selectAccounts(ALL, { tags: [{ key: 'env', value: 'staging' }] })).toEqual({ selected: [], skipped: [] });
    // An account without tags matches no --tag.
    expect(ids(selectAccounts(ALL, { tags: [{ key: 'team', value: 'a' }] }).selected)).toEqual([
      '111111111111',
      '444444444444',
    ]);
  });

  it('flags together: --accounts, --tag and --exclude', () => {
    const { selected, skipped } = selectAccounts(ALL, {
      accounts: ['111111111111', '444444444444', '555555555555'],
      tags: [{ key: 'team', value: 'a' }],
      exclude: ['444444444444'],
    });
    expect(ids(selected)).toEqual(['111111111111']);
    expect(skipped.map((s) => [s.account.id, s.reason])).toEqual([['444444444444', 'excluded with --exclude']]);
  });
});
