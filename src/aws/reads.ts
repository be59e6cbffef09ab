/**
 * Account-wide reads that several steps share. Each is fetched at most once per
 * run (memoized) and invalidated after changes, so verification re-reads AWS.
 */
import type {
  GetAccountAuthorizationDetailsResponse,
  GroupDetail,
  ManagedPolicyDetail,
  RoleDetail,
  UserDetail,
} from '@aws-sdk/client-iam';
import type { Clock } from '../util/clock.js';
import type { ClientPool } from './pool.js';
import { parseCredentialReport, type CredentialReport } from './credential-report.js';
import { describeAwsError } from './errors.js';

/** Where a long read says what it is waiting for (a spinner, in the terminal). */
export interface ProgressNote {
  update(text: string): void;
}

/** All pages of GetAccountAuthorizationDetails, merged. */
export interface AuthorizationDetails {
  users: UserDetail[];
  groups: GroupDetail[];
  roles: RoleDetail[];
  policies: ManagedPolicyDetail[];
  pages: number;
}

/** Pages through a marker-based IAM listing. */
export async function allPages<T extends { IsTruncated?: boolean; Marker?: string }>(
  fetchPage: (marker?: string) => Promise<T>,
): Promise<T[]> {
  const pages: T[] = [];
  let marker: string | undefined;
  do {
    const page = await fetchPage(marker);
    pages.push(page);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return pages;
}

/** Reads GetAccountAuthorizationDetails for users, groups, roles and managed policies, all pages. */
export async function readAuthorizationDetails(pool: ClientPool): Promise<AuthorizationDetails> {
  const pages = await allPages((Marker) =>
    pool.call<GetAccountAuthorizationDetailsResponse>('iam', 'GetAccountAuthorizationDetails', {
      Filter: ['User', 'Group', 'Role', 'LocalManagedPolicy', 'AWSManagedPolicy'],
      MaxItems: 1000,
      Marker,
    }),
  );
  const out: AuthorizationDetails = { users: [], groups: [], roles: [], policies: [], pages: pages.length };
  for (const p of pages) {
    out.users.push(...(p.UserDetailList ?? []));
    out.groups.push(...(p.GroupDetailList ?? []));
    out.roles.push(...(p.RoleDetailList ?? []));
    out.policies.push(...(p.Policies ?? []));
  }
  return out;
}

/** Options for waiting on the credential report. */
export interface ReportWait {
  clock: Clock;
  /** Total time to wait for generation before giving up. */
  timeoutMs?: number;
  progress?: ProgressNote;
}

/**
 * Generates (if needed) and reads the credential report: GenerateCredentialReport,
 * then poll with exponential backoff while it is in progress or throttled.
 */
export async function readCredentialReport(pool: ClientPool, wait: ReportWait): Promise<CredentialReport> {
  const timeout = wait.timeoutMs ?? 120_000;
  const started = wait.clock.now().getTime();
  let delay = 250;
  let polls = 0;
  for (;;) {
    try {
      const gen = await pool.call<{ State?: string }>('iam', 'GenerateCredentialReport');
      if (gen.State === 'COMPLETE') break;
    } catch (err) {
      const f = describeAwsError(err, 'iam', 'GenerateCredentialReport');
      if (f.code !== 'LimitExceeded' && f.code !== 'LimitExceededException' && f.code !== 'Throttling') throw err;
    }
    polls += 1;
    wait.progress?.update(`Waiting for AWS to generate the credential report (check ${polls})`);
    if (wait.clock.now().getTime() - started > timeout) {
      throw new Error(
        `The credential report was not ready after ${Math.round(timeout / 1000)} s; run again in a minute.`,
      );
    }
    await wait.clock.sleep(delay);
    delay = Math.min(delay * 2, 5_000);
  }
  for (;;) {
    try {
      const res = await pool.call<{ Content?: Uint8Array | string; GeneratedTime?: Date }>(
        'iam',
        'GetCredentialReport',
      );
      return { generatedAt: res.GeneratedTime, rows: await parseCredentialReport(res.Content) };
    } catch (err) {
      const f = describeAwsError(err, 'iam', 'GetCredentialReport');
      if (f.code !== 'ReportInProgress' && f.code !== 'ReportNotPresent' && f.code !== 'ReportExpired') throw err;
      if (wait.clock.now().getTime() - started > timeout) throw err;
      if (f.code !== 'ReportInProgress') await pool.call('iam', 'GenerateCredentialReport');
      await wait.clock.sleep(delay);
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/** Memoized shared reads for one run. */
export class AccountReads {
  private readonly memo = new Map<string, Promise<unknown>>();
  constructor(
    private readonly pool: ClientPool,
    private readonly clock: Clock,
  ) {}

  /** Memoizes any read under a key; failures are not cached. */
  once<T>(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = load();
      this.memo.set(key, p);
      p.catch(() => this.memo.delete(key));
    }
    return p;
  }

  authorizationDetails(): Promise<AuthorizationDetails> {
    return this.once('iam:authorization-details', () => readAuthorizationDetails(this.pool));
  }

  credentialReport(progress?: ProgressNote): Promise<CredentialReport> {
    return this.once('iam:credential-report', () => readCredentialReport(this.pool, { clock: this.clock, progress }));
  }

  accountSummary(): Promise<Record<string, number>> {
    return this.once('iam:account-summary', async () => {
      const res = await this.pool.call<{ SummaryMap?: Record<string, number> }>('iam', 'GetAccountSummary');
      return res.SummaryMap ?? {};
    });
  }

  /** Forgets everything, so the next reads (verification) ask AWS again. */
  invalidate(): void {
    this.memo.clear();
  }
}
