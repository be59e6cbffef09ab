/**
 * Questions of the root-keys step. Each decision has its own question id, so an answers file
 * (or --answer) can script a whole removal across the runner's rounds:
 *
 * - `root-keys.override`      type the account id to go ahead although prerequisites are not ready
 * - `root-keys.active`        active keys and signing certificates: deactivate (recommended) / delete now / stop
 * - `root-keys.inactive`      inactive keys and certificates: delete / wait (come back later) / reactivate / stop
 * - `root-keys.wait-days`     days until coming back to delete
 * - `root-keys.reactivate.keys` which inactive keys (and certificates) to reactivate (when more than one)
 * - `root-keys.session-key`   the key this session signs with, last: delete / deactivate / stop
 * - `root-keys.recheck`       console path: check again / stop
 * - `root-keys.recover-password` --target-account, the member root user has no password: allow password
 *                             recovery? (default no; not asked with --yes: ./recover.ts)
 *
 * The runner then shows the plan and asks `root-keys.apply`.
 */
import { dirname } from 'node:path';
import { describeAwsError, explainFailure } from '../../aws/errors.js';
import type { InteractiveContext } from '../../engine/step.js';
import type { Assessment } from '../../engine/types.js';
import { maskKeyId, sanitize } from '../../util/text.js';
import { daysAfter, isoDay } from '../../util/time.js';
import {
  certificateLabel,
  certificatesPresent,
  DEFAULT_WAIT_DAYS,
  describeCertificate,
  describeKey,
  keyLabel,
  keysPresent,
  orgCanEnable,
  overrideValidator,
  PREREQUISITE_RISK,
  prerequisitesReady,
  validateWaitDays,
  type RootCertificate,
  type RootKey,
  type RootKeysState,
} from './analysis.js';
import { readKeyHistory } from './history.js';
import { SECURITY_CREDENTIALS_URL } from './meta.js';
import type { Answers } from './plan.js';
import { recheckSummary } from './read.js';
import { askRecovery } from './recover.js';
import { sessionNotes } from './session.js';
import { usageLines } from './usage.js';

/** Upper bound on the console re-check loop, so a scripted "check" answer cannot loop forever. */
export const MAX_RECHECKS = 30;

export async function askRootKeys(
  state: RootKeysState,
  assessment: Assessment,
  ctx: InteractiveContext,
): Promise<Answers | undefined> {
  if (state.sessionEnded || assessment.status === 'error') return undefined;
  switch (state.path) {
    case 'root-own':
      return askRootOwn(state, ctx);
    case 'organizations':
      return askOrganizations(state, ctx);
    case 'console':
      return askConsole(state, ctx);
  }
}

/** Shows the prerequisites once; when they are not all ready, requires the account id typed as an override. */
async function prepared(state: RootKeysState, ctx: InteractiveContext): Promise<boolean> {
  const notes = sessionNotes(ctx);
  if (notes.override === 'granted') return true;
  if (notes.override === 'declined') return false;
  const { output } = ctx;
  if (!notes.prerequisitesShown) {
    notes.prerequisitesShown = true;
    output.heading('First, prepare');
    const lines = state.prerequisites.map((p) => {
      const where =
        p.source === 'session'
          ? 'checked earlier in this run'
          : p.source === 'assessed-here'
            ? 'checked now'
            : 'not checked';
      const status = p.status === 'not-checked' ? 'NOT CHECKED' : p.status.toUpperCase();
      return `${p.title} (${p.id}): ${status}: ${sanitize(p.summary, { maxLength: 200 })} [${where}]`;
    });
    output.detail(lines);
    if (state.path === 'organizations') {
      output.detail([
        `These describe account ${state.sessionAccount} (this session), not member account ` +
          `${state.account}: rootlock cannot assess the member account's administrators from here.`,
      ]);
    }
  }
  if (prerequisitesReady(state.prerequisites)) return true;
  const notReady = state.prerequisites.filter((p) => p.status !== 'pass' && p.status !== 'manual');
  output.warn('Not everything is ready. Removing root keys now is risky:');
  output.detail(notReady.map((p) => `${p.id}: ${PREREQUISITE_RISK[p.id]}`));
  const answer = await ctx.prompter.input({
    id: 'root-keys.override',
    message: `To remove the root keys of account ${state.account} anyway, type that account id; leave empty to stop`,
    validate: overrideValidator(state.account),
  });
  if (answer.trim() === '') {
    notes.override = 'declined';
    output.info(`Root keys left as they are. Finish first: rootlock --only ${notReady.map((p) => p.id).join(',')}`);
    return false;
  }
  notes.override = 'granted';
  ctx.journal.write({
    type: 'attestation',
    step: 'root-keys',
    item: 'prerequisites-override',
    by: ctx.caller.arn,
    statement:
      `Removing root keys of ${state.account} although ` +
      `${notReady.map((p) => `${p.id} is ${p.status}`).join(', ')}.`,
    at: ctx.clock.now().toISOString(),
  });
  return true;
}

function showKeys(
  state: RootKeysState,
  keys: readonly RootKey[],
  ctx: InteractiveContext,
  certificates: readonly RootCertificate[] = [],
): void {
  if (keys.length) {
    ctx.output.info(`Root access keys of account ${state.account}:`);
    ctx.output.detail(keys.map((k) => describeKey(k, state.now)));
    const usage = keys.flatMap(usageLines);
    if (usage.length) {
      ctx.output.info('What the keys are used for (whatever makes these calls breaks once a key goes):');
      ctx.output.detail(usage);
    }
  }
  if (certificates.length) {
    ctx.output.info(`Root X.509 signing certificates of account ${state.account} (API credentials too):`);
    ctx.output.detail(certificates.map((c) => describeCertificate(c, state.now)));
  }
}

type ListedCertificate = RootCertificate & { id: string };

/** The certificates an API listed (ids known), which rootlock can act on. */
function listedCertificates(certificates: readonly RootCertificate[] | undefined): ListedCertificate[] {
  return (certificates ?? []).filter((c): c is ListedCertificate => Boolean(c.id));
}

/** `certificateIds` for an answer, left out when there are none (answers recorded before certificates stay alike). */
function certIds(certs: readonly ListedCertificate[]): { certificateIds?: string[] } {
  return certs.length ? { certificateIds: certs.map((c) => c.id) } : {};
}

/** What earlier rootlock sessions recorded about these (inactive) keys, from the journals. */
function showHistory(state: RootKeysState, keys: readonly RootKey[], ctx: InteractiveContext): void {
  if (!ctx.journal.path) return;
  const history = readKeyHistory(dirname(ctx.journal.path), state.account);
  const lines: string[] = [];
  for (const k of keys) {
    const h = k.id ? history.get(k.id) : undefined;
    if (!h) continue;
    const parts = [`${keyLabel(k)}:`];
    if (h.deactivatedAt) parts.push(`deactivated by rootlock on ${isoDay(h.deactivatedAt)}`);
    if (h.revisitAfter) {
      parts.push(
        h.revisitAfter <= state.now
          ? `the wait you chose ended on ${isoDay(h.revisitAfter)}`
          : `you planned to come back after ${isoDay(h.revisitAfter)}`,
      );
    }
    lines.push(parts.join(' '));
  }
  if (lines.length) {
    ctx.output.info('From the rootlock journals:');
    ctx.output.detail(lines);
  }
}

async function askRootOwn(state: RootKeysState, ctx: InteractiveContext): Promise<Answers | undefined> {
  const notes = sessionNotes(ctx);
  const keys = state.keys.filter((k): k is RootKey & { id: string } => Boolean(k.id));
  // Signing certificates are staged with the keys, by the same questions (listed ones only: ids needed).
  const certs = listedCertificates(state.certificatesSource === 'api' ? state.certificates : undefined);
  if (keys.length === 0 && certs.length === 0) return undefined;
  const others = keys.filter((k) => !k.sessionKey);
  const session = keys.find((k) => k.sessionKey);
  const activeOthers = others.filter((k) => k.active && !notes.reactivated.has(k.id));
  const inactive = others.filter((k) => !k.active);
  const reactivated = others.filter((k) => k.active && notes.reactivated.has(k.id));
  const activeCerts = certs.filter((c) => c.active && !notes.reactivated.has(c.id));
  const inactiveCerts = certs.filter((c) => !c.active);
  const reactivatedCerts = certs.filter((c) => c.active && notes.reactivated.has(c.id));
  const nameOf = (x: (RootKey & { id: string }) | ListedCertificate): string =>
    'sessionKey' in x ? maskKeyId(x.id) : certificateLabel(x);

  if (
    activeOthers.length + activeCerts.length === 0 &&
    inactive.length + inactiveCerts.length === 0 &&
    reactivated.length + reactivatedCerts.length > 0
  ) {
    ctx.output.info(
      `You reactivated ${[...reactivated, ...reactivatedCerts].map(nameOf).join(', ')} in this session; ` +
        `rootlock leaves it active. Run rootlock again once whatever needed it has moved off root credentials.`,
    );
    return undefined;
  }
  if (!(await prepared(state, ctx))) return undefined;
  showKeys(state, keys, ctx, certs);

  if (activeOthers.length + activeCerts.length > 0) {
    const active = [...activeOthers, ...activeCerts];
    const names = active.map(nameOf).join(', ');
    const what = activeCerts.length ? 'root credential' : 'root key';
    const choice = await ctx.prompter.select<'deactivate' | 'delete' | 'stop'>({
      id: 'root-keys.active',
      message: `What should happen to the active ${what}${active.length > 1 ? 's' : ''} ${names}?`,
      choices: [
        {
          value: 'deactivate',
          name:
            `Deactivate now (recommended): AWS refuses the ${activeCerts.length ? 'credential' : 'key'}, ` +
            'and rootlock can reactivate it if something breaks',
        },
        { value: 'delete', name: 'Delete now without deactivating first (cannot be undone)' },
        { value: 'stop', name: 'Leave them for now' },
      ],
      default: 'deactivate',
    });
    if (choice === 'stop') return undefined;
    if (choice === 'deactivate')
      return { action: 'deactivate', keyIds: activeOthers.map((k) => k.id), ...certIds(activeCerts) };
    return {
      action: 'delete',
      keyIds: [...activeOthers, ...inactive].map((k) => k.id),
      ...certIds([...activeCerts, ...inactiveCerts]),
    };
  }

  if (inactive.length + inactiveCerts.length > 0) {
    showHistory(state, inactive, ctx);
    const all = [...inactive, ...inactiveCerts];
    const names = all.map(nameOf).join(', ');
    const choice = await ctx.prompter.select<'delete' | 'wait' | 'reactivate' | 'stop'>({
      id: 'root-keys.inactive',
      message:
        `${names} ${all.length > 1 ? 'are' : 'is'} inactive. Delete now, or ` +
        `wait to be sure nothing needs ${all.length > 1 ? 'them' : 'it'}?`,
      choices: [
        { value: 'delete', name: 'Delete now (cannot be undone)' },
        { value: 'wait', name: 'Keep inactive and come back in a few days' },
        { value: 'reactivate', name: 'Reactivate: something broke' },
        { value: 'stop', name: 'Leave as is' },
      ],
      default: 'wait',
    });
    if (choice === 'stop') return undefined;
    if (choice === 'delete') return { action: 'delete', keyIds: inactive.map((k) => k.id), ...certIds(inactiveCerts) };
    if (choice === 'reactivate') {
      let ids = all.map((x) => x.id);
      if (all.length > 1) {
        ids = await ctx.prompter.checkbox<string>({
          id: 'root-keys.reactivate.keys',
          message: `Which keys${inactiveCerts.length ? ' and certificates' : ''} should be active again?`,
          choices: [
            ...inactive.map((k) => ({ value: k.id, name: describeKey(k, state.now) })),
            ...inactiveCerts.map((c) => ({ value: c.id, name: describeCertificate(c, state.now) })),
          ],
          validate: (v) => (v.length > 0 ? true : 'Pick at least one, or answer "Leave as is" instead.'),
        });
      }
      return {
        action: 'reactivate',
        keyIds: inactive.filter((k) => ids.includes(k.id)).map((k) => k.id),
        ...certIds(inactiveCerts.filter((c) => ids.includes(c.id))),
      };
    }
    const days = await ctx.prompter.input({
      id: 'root-keys.wait-days',
      message: 'Come back after how many days?',
      default: String(DEFAULT_WAIT_DAYS),
      validate: validateWaitDays,
    });
    const waitDays = Number(days.trim());
    const after = daysAfter(state.now, waitDays);
    notes.revisit = { after, days: waitDays, keyIds: inactive.map((k) => k.id) };
    ctx.output.success(
      `${names} stay${all.length > 1 ? '' : 's'} inactive. Come back after ${isoDay(after)} and run ` +
        `\`rootlock --only root-keys\` to delete ${all.length > 1 ? 'them' : 'it'}; ` +
        'sooner to reactivate if something breaks. The journal records the date.',
    );
    return {
      action: 'wait',
      keyIds: inactive.map((k) => k.id),
      ...certIds(inactiveCerts),
      waitDays,
      revisitAfter: after.toISOString(),
    };
  }

  if (reactivated.length + reactivatedCerts.length > 0 || !session) return undefined;
  const verify = ctx.options.verifyProfile
    ? `: rootlock then verifies with profile ${sanitize(ctx.options.verifyProfile, { maxLength: 64 })}.`
    : ', so it cannot verify the result itself: rootlock prints the commands to verify from another ' +
      'session. To have rootlock verify, leave the key for now and run again with --verify-profile NAME.';
  ctx.output.warn(
    `${maskKeyId(session.id)} is the key this session signs with, so it goes ` +
      `last. Once it is deleted or deactivated, this session can no longer call AWS${verify}`,
  );
  const mode = await ctx.prompter.select<'delete' | 'deactivate' | 'stop'>({
    id: 'root-keys.session-key',
    message: `Remove ${maskKeyId(session.id)}, the key this session uses?`,
    choices: [
      { value: 'delete', name: 'Delete it now (cannot be undone; this session can no longer call AWS)' },
      {
        value: 'deactivate',
        name: 'Deactivate it (this session can no longer call AWS; delete or reactivate it later in the console)',
      },
      { value: 'stop', name: 'Leave it for now' },
    ],
    default: 'stop',
  });
  if (mode === 'stop') return undefined;
  return { action: 'session-key', mode, keyId: session.id };
}

async function askOrganizations(state: RootKeysState, ctx: InteractiveContext): Promise<Answers | undefined> {
  const org = state.org;
  if (!org) return undefined;
  if (orgCanEnable(org.status)) {
    ctx.output.info(
      "Centralized root access lets this account delete member accounts' " +
        'root credentials in short sts:AssumeRoot sessions. Turning it on changes ' +
        'no credentials; the keys are listed and removed in the next round.',
    );
    return { action: 'org-enable', trustedAccess: org.status === 'trusted-access-off' };
  }
  if (org.status !== 'enabled' || state.targetError) return undefined;
  const keys = state.keys.filter((k): k is RootKey & { id: string } => Boolean(k.id));
  const certs = listedCertificates(state.member?.certificates);
  if (keys.length === 0 && certs.length === 0) return askRecovery(state, ctx);
  if (!(await prepared(state, ctx))) return undefined;
  showKeys(state, keys, ctx, certs);
  ctx.output.warn(
    'The IAMDeleteRootUserCredentials task policy of the AssumeRoot session ' +
      'allows iam:DeleteAccessKey but not iam:UpdateAccessKey: on this path the keys ' +
      `cannot be deactivated first, only deleted.${
        certs.length
          ? ' Likewise iam:DeleteSigningCertificate but not iam:UpdateSigningCertificate for the certificates.'
          : ''
      } Confirm the plan to delete them.`,
  );
  return { action: 'org-delete', accountId: state.account, keyIds: keys.map((k) => k.id), ...certIds(certs) };
}

async function askConsole(state: RootKeysState, ctx: InteractiveContext): Promise<Answers | undefined> {
  const keys = keysPresent(state) === true;
  const certs = certificatesPresent(state) === true;
  if (!keys && !certs) return undefined;
  if (!(await prepared(state, ctx))) return undefined;
  const { output } = ctx;
  const things = keys && certs ? 'access keys and signing certificates' : keys ? 'access keys' : 'signing certificates';
  output.heading(`Remove the root ${things} in the console`);
  if (state.keys.length || state.certificates?.length)
    showKeys(state, keys ? state.keys : [], ctx, certs ? (state.certificates ?? []) : []);
  const steps = [
    '1. Sign in to https://console.aws.amazon.com/ as the root user (the account email address, its password and MFA).',
    `2. Open Security credentials: ${SECURITY_CREDENTIALS_URL} (account name, top right, then Security credentials).`,
  ];
  if (keys)
    steps.push(
      `${steps.length + 1}. Under Access keys, for each key choose Actions, Deactivate. Wait until you are sure ` +
        'nothing uses it (its last-used date and service help; CloudTrail shows the calls).',
      `${steps.length + 2}. Then choose Actions, Delete, type the access key id to confirm, ` +
        'and Delete. An inactive key still counts until it is deleted.',
    );
  if (certs)
    steps.push(
      `${steps.length + 1}. Under X.509 certificates, deactivate each signing certificate, then delete it: an ` +
        'inactive certificate still counts until it is deleted. Or, signed as the root user (or, for a member ' +
        'account, in an sts:AssumeRoot session with IAMDeleteRootUserCredentials): ' +
        '`aws iam delete-signing-certificate --certificate-id ID` (no --user-name) for each.',
    );
  output.detail(steps);
  const notes = sessionNotes(ctx);
  const what = things.replace(' and ', ' or ');
  const outcome = await ctx.manual.recheck({
    id: 'root-keys.recheck',
    message: `Check again whether the root user still has ${what}?`,
    checkLabel: 'Check again (asks AWS: GetAccountSummary)',
    max: MAX_RECHECKS,
    dryRunNote: `Dry run: once the ${things} are deleted in the console, run \`rootlock check --only root-keys\`.`,
    async check() {
      try {
        const now = await recheckSummary(ctx);
        notes.rechecked = { checks: (notes.rechecked?.checks ?? 0) + 1, lastKeysPresent: now.keysPresent };
        if (!now.keysPresent && !now.certificatesPresent) {
          output.success(
            certs
              ? 'AWS reports no root access keys and no signing certificates now ' +
                  '(AccountAccessKeysPresent = 0, AccountSigningCertificatesPresent = 0).'
              : 'AWS reports no root access keys now (AccountAccessKeysPresent = 0).',
          );
          return true;
        }
        if (now.keysPresent)
          output.warn(
            'AWS still reports root access keys (AccountAccessKeysPresent = 1). Inactive keys count too: delete them.',
          );
        if (now.certificatesPresent)
          output.warn(
            'AWS still reports root signing certificates (AccountSigningCertificatesPresent = 1). Inactive ' +
              'certificates count too: delete them.',
          );
      } catch (err) {
        output.error(`Could not check: ${explainFailure(describeAwsError(err))}`);
      }
      return false;
    },
  });
  if (outcome === 'gave-up')
    output.info(`Stopped after ${MAX_RECHECKS} checks; run \`rootlock check --only root-keys\` when done.`);
  return undefined;
}
