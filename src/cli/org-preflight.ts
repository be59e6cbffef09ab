/**
 * The SCP preflight of an organization fix, from the management account: the SCPs on each
 * account's path read once per OU and per policy (src/aws/scp-reads.ts), evaluated for the
 * member's AssumeRoot session (src/iam/scp.ts). An account whose SCPs cannot be read is refused.
 */
import type { OrganizationInfo } from '../aws/organization.js';
import type { ClientPool } from '../aws/pool.js';
import { ScpReader } from '../aws/scp-reads.js';
import type { ScpPreflight } from '../engine/org-fix.js';
import { assumeRootContext, describePreflight, evaluateScps } from '../iam/scp.js';

export function scpPreflight(pool: ClientPool, org: Pick<OrganizationInfo, 'managementAccountId'>): ScpPreflight {
  const reader = new ScpReader(pool);
  return async (account, actions) => {
    const scps = await reader.levelsFor({
      id: account.id,
      ouIds: account.ouIds,
      ou: account.ou,
      management: account.id === org.managementAccountId,
    });
    if (scps.status === 'not-applicable') return { ok: true };
    if (scps.status === 'unreadable') return { ok: false, reason: scps.message };
    const verdict = evaluateScps(scps.levels, actions, assumeRootContext(account.id));
    const why = describePreflight(account.id, verdict);
    return why ? { ok: false, reason: why } : { ok: true };
  };
}
