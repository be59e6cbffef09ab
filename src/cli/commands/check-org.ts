/**
 * `rootlock check --org`: every selected account of the organization read at once (a bounded
 * number at a time), one answer. Rows are written as they come (the `--json` document to stdout,
 * the per-account files to `--out-dir`) and dropped; the run keeps one summary line per account.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { RunError } from '../../aws/errors.js';
import {
  listOrganizationAccounts,
  readOrganization,
  readOrgAccess,
  selectAccounts,
  type OrgAccount,
} from '../../aws/organization.js';
import { type OrgCapabilities, runOrgCheck } from '../../engine/org-check.js';
import type { AccountsProgress, Output } from '../../engine/types.js';
import { asffFromCheck } from '../../report/asff.js';
import type { CheckDocument } from '../../report/check-json.js';
import {
  type AccountDocument,
  accountDocument,
  CSV_HEADER,
  csvLines,
  OrgDocumentWriter,
  orgAccountEntry,
  type TextSink,
} from '../../report/org-check.js';
import { type AccountLine, AccountsSummary } from '../../report/org-summary.js';
import { writeOwnerOnly } from '../../report/write.js';
import { safeJson } from '../../util/json.js';
import { sanitize } from '../../util/text.js';
import type { CliArgs, OrgArgs } from '../args.js';
import { EXIT } from '../exit-codes.js';
import type { RunDeps, RunSession } from '../session.js';
import { version } from '../version.js';

/** Security Hub's BatchImportFindings takes at most 100 findings a call: one file per call. */
const ASFF_BATCH = 100;

/** The one-line ways to turn on what the management side needs. */
const ENABLE_ROOT_ACCESS =
  'centralized root access is off for this organization; turn it on from the management account with ' +
  '`aws organizations enable-aws-service-access --service-principal iam.amazonaws.com` and ' +
  '`aws iam enable-organizations-root-credentials-management`';
const ENABLE_ACCOUNT_API =
  'trusted access for AWS Account Management is off; turn it on from the management account with ' +
  '`aws organizations enable-aws-service-access --service-principal account.amazonaws.com`';

/** What the management side can read, from ListOrganizationsFeatures and trusted access. */
async function readCapabilities(run: RunSession): Promise<OrgCapabilities> {
  const access = await readOrgAccess(run.ctx.pool, run.ctx.reads);
  const refused = access.featuresError?.failure;
  const rootSessions: OrgCapabilities['rootSessions'] = access.rootCredentialsManagement
    ? true
    : refused
      ? {
          reason: sanitize(`iam:ListOrganizationsFeatures was refused (${refused.code}): ${refused.message}`, {
            maxLength: 300,
          }),
        }
      : { reason: ENABLE_ROOT_ACCESS };
  // A delegated administrator may not be allowed to list trusted access: then try, and let each account say.
  const accountApi: OrgCapabilities['accountApi'] =
    access.accountTrustedAccess === false ? { reason: ENABLE_ACCOUNT_API } : true;
  return { rootSessions, accountApi };
}

/** Per-account documents already in --out-dir (for --resume), by account id. */
function readDone(dir: string): Map<string, AccountDocument> {
  const done = new Map<string, AccountDocument>();
  const accounts = join(dir, 'accounts');
  if (!existsSync(accounts)) return done;
  for (const f of readdirSync(accounts)) {
    if (!/^\d{12}\.json$/.test(f)) continue;
    try {
      const doc = JSON.parse(readFileSync(join(accounts, f), 'utf8')) as AccountDocument;
      if (doc.schema === 'rootlock.check/v1' && doc.account?.id === f.slice(0, 12)) done.set(doc.account.id, doc);
    } catch {
      // A file cut short by the interruption: that account is read again.
    }
  }
  return done;
}

/** A summary line from an account document. */
function lineOf(doc: AccountDocument): AccountLine {
  return {
    id: doc.account.id,
    name: doc.account.name,
    ou: doc.account.ou,
    status: doc.account.status,
    steps: Object.fromEntries(doc.steps.map((s) => [s.id, s.status])),
    ...(doc.account.error ? { reason: doc.account.error } : {}),
  };
}

/** Plain progress lines (no terminal): one per finished account, `verb` before it when given ("applied"). */
export function plainProgress(output: Output, total: number, verb?: string): AccountsProgress {
  let done = 0;
  return {
    started: () => {},
    finished: (a, status) => {
      done += 1;
      output.info(
        `[${done}/${total}] ${verb ? `${verb} ` : ''}${a.id} ${sanitize(a.name, { maxLength: 40 })}: ${status}`,
      );
    },
    close: () => {},
  };
}

const QUIET: AccountsProgress = { started: () => {}, finished: () => {}, close: () => {} };

/** The files of --out-dir, written as rows come. */
class OutDir {
  private readonly csv: number;
  readonly json: number;

  constructor(readonly dir: string) {
    for (const d of [dir, join(dir, 'accounts'), join(dir, 'asff')]) mkdirSync(d, { recursive: true, mode: 0o700 });
    this.csv = openSync(join(dir, 'report.csv'), 'w', 0o600);
    writeSync(this.csv, `${CSV_HEADER}\n`);
    this.json = openSync(join(dir, 'org-check.json'), 'w', 0o600);
  }

  sink(): TextSink {
    return { write: (t: string) => writeSync(this.json, t) };
  }

  account(doc: AccountDocument, region: string, fresh: boolean): void {
    const id = doc.account.id;
    if (fresh) writeOwnerOnly(join(this.dir, 'accounts', `${id}.json`), safeJson(doc));
    writeSync(this.csv, `${csvLines(doc).join('\n')}\n`);
    if (!fresh) return;
    const findings = asffFromCheck(doc as unknown as CheckDocument, region, version());
    for (let i = 0, part = 1; i < findings.length; i += ASFF_BATCH, part += 1) {
      const name = findings.length > ASFF_BATCH ? `${id}-${part}.json` : `${id}.json`;
      writeOwnerOnly(join(this.dir, 'asff', name), safeJson(findings.slice(i, i + ASFF_BATCH)));
    }
  }

  close(markdown: string): void {
    closeSync(this.csv);
    closeSync(this.json);
    writeOwnerOnly(join(this.dir, 'report.md'), markdown);
  }
}

export async function checkOrgCommand(run: RunSession, args: CliArgs, deps: RunDeps): Promise<number> {
  const { ctx } = run;
  const opts = args.org as OrgArgs;
  const output = ctx.output;
  if (ctx.caller.type === 'root')
    throw new RunError(
      'ROOT_CALLER',
      'check --org cannot run as the root user: AWS refuses sts:AssumeRoot and sts:AssumeRole to root credentials.',
      'Run with an IAM principal of the management account (the read-only policy is docs/iam/org-check-policy.json).',
    );
  const found = output.progress('Reading the organization');
  let org;
  let all: OrgAccount[];
  let capabilities: OrgCapabilities;
  try {
    org = await readOrganization(ctx.pool, ctx.account.id, ctx.reads);
    [all, capabilities] = await Promise.all([
      listOrganizationAccounts(ctx.pool, { fromOu: opts.ou, tags: opts.tags !== undefined, root: org.root }),
      readCapabilities(run),
    ]);
  } finally {
    found.stop();
  }
  const { selected, skipped } = selectAccounts(all, opts);
  const done = opts.resume && args.outDir ? readDone(args.outDir) : new Map<string, AccountDocument>();
  const todo = selected.filter((a) => !done.has(a.id));
  output.info(
    `Organization ${org.id} (management account ${org.managementAccountId}), read as its ` +
      `${org.role === 'management' ? 'management account' : 'delegated administrator'}: ${selected.length} ` +
      `account(s) selected, ${skipped.length} skipped` +
      `${done.size > 0 ? `, ${selected.length - todo.length} already read in ${args.outDir}` : ''}.`,
  );
  if (opts.memberRole === 'OrganizationAccountAccessRole')
    output.warn(
      'OrganizationAccountAccessRole has AdministratorAccess in every member. rootlock only reads with it, but a ' +
        'read-only role (docs/iam/member-read-role.yaml) is the safer choice.',
    );
  if (!opts.memberRole)
    output.warn(
      'No --member-role: admins, ec2-roles and the next steps are not checked in member accounts (root ' +
        'credentials and contacts need no role). See docs/iam/member-read-role.yaml.',
    );
  for (const reason of [capabilities.rootSessions, capabilities.accountApi])
    if (reason !== true) output.warn(`Not checked in member accounts: ${reason.reason}.`);

  const principal = { arn: ctx.caller.arn, type: ctx.caller.type };
  const summary = new AccountsSummary(run.steps.map((s) => ({ id: s.meta.id, title: s.meta.title })));
  const outDir = args.outDir ? new OutDir(args.outDir) : undefined;
  const head = { organization: { id: org.id, managementAccountId: org.managementAccountId }, principal };
  const writers: OrgDocumentWriter[] = [];
  if (args.json) writers.push(new OrgDocumentWriter(deps.stdout ?? process.stdout, head));
  if (outDir) writers.push(new OrgDocumentWriter(outDir.sink(), head));
  const emit = (doc: AccountDocument, fresh: boolean) => {
    const entry = orgAccountEntry(doc);
    for (const w of writers) w.account(entry);
    outDir?.account(doc, run.region, fresh);
    summary.add(lineOf(doc));
  };
  const selectedIds = new Set(selected.map((a) => a.id));
  for (const doc of done.values()) if (selectedIds.has(doc.account.id)) emit(doc, false);

  const progress = args.json
    ? QUIET
    : (output.accounts?.(todo.length, opts.concurrency) ?? plainProgress(output, todo.length));
  await runOrgCheck({
    ctx,
    org,
    accounts: todo,
    steps: run.steps,
    advisories: run.advisories,
    capabilities,
    memberRole: opts.memberRole ? { name: opts.memberRole, externalId: opts.externalId } : undefined,
    concurrency: opts.concurrency,
    accountTimeoutMs: opts.accountTimeout * 1000,
    progress,
    onRow: (row) => emit(accountDocument(row, ctx.clock.now(), principal), true),
  });

  for (const s of skipped) {
    for (const w of writers)
      w.account({ id: s.account.id, name: s.account.name, ou: s.account.ou, status: 'skipped', reason: s.reason });
    summary.add({
      id: s.account.id,
      name: s.account.name,
      ou: s.account.ou,
      status: 'skipped',
      steps: {},
      reason: s.reason,
    });
  }
  const counts = summary.json;
  // The shared limits: calls, throttled attempts and the rate each family ended at.
  const apiCalls = { ...ctx.pool.counter.toJSON(), limits: ctx.pool.options.limiter?.stats() ?? {} };
  for (const w of writers) w.finish({ summary: counts, apiCalls });
  outDir?.close(
    summary.markdown({
      organizationId: org.id,
      managementAccountId: org.managementAccountId,
      principal: ctx.caller.arn,
      generatedAt: ctx.clock.now().toISOString(),
    }),
  );
  if (!args.json) {
    output.heading('Organization summary');
    for (const line of summary.table()) output.info(line);
    output.info(`${apiCalls.total} API calls.`);
  }
  if (outDir) output.info(`Reports written to ${outDir.dir}: report.md, report.csv, org-check.json, accounts/, asff/`);
  return counts.fail > 0 || counts.error > 0 ? EXIT.stepFailed : EXIT.ok;
}
