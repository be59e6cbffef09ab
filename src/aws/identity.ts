/**
 * Who is acting on which account: GetCallerIdentity and ListAccountAliases once
 * at start, and a pure classification of the caller's ARN.
 */
import type { AccountOrganization, AccountType } from './account-type.js';
import type { ClientPool } from './pool.js';
import { toRunError } from './errors.js';

export type PrincipalType = 'root' | 'iam-user' | 'sso-role' | 'assumed-role' | 'federated-user' | 'unknown';

export interface CallerIdentity {
  accountId: string;
  arn: string;
  userId: string;
  type: PrincipalType;
  /** User name, role name or session name, for messages. */
  name: string;
  /** The access key id the session signs with, when known (root key removal marks it). */
  accessKeyId?: string;
  /** True when the session uses temporary credentials (ASIA... keys). */
  temporary: boolean;
}

export interface AccountInfo {
  id: string;
  alias?: string;
  /**
   * The account's kind (src/aws/account-type.ts), read once when the operator's session opens;
   * absent in sessions opened for something else (a verify profile, a member read role).
   */
  type?: AccountType;
  /** The organization it belongs to, as far as the account may read it. */
  organization?: AccountOrganization;
  /** What limited the classification (a refused read), in a sentence. */
  typeNote?: string;
}

/** Classifies an STS caller ARN. Pure. */
export function classifyArn(arn: string): { type: PrincipalType; name: string } {
  const m = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(.+)$/.exec(arn);
  if (!m) return { type: 'unknown', name: arn };
  const [, svc, resource = ''] = m;
  if (svc === 'iam' && resource === 'root') return { type: 'root', name: 'root' };
  if (svc === 'iam' && resource.startsWith('user/')) return { type: 'iam-user', name: resource.split('/').pop() ?? '' };
  if (svc === 'sts' && resource.startsWith('assumed-role/')) {
    const [, role = '', session = ''] = resource.split('/');
    return { type: role.startsWith('AWSReservedSSO_') ? 'sso-role' : 'assumed-role', name: `${role}/${session}` };
  }
  if (svc === 'sts' && resource.startsWith('federated-user/'))
    return { type: 'federated-user', name: resource.slice(15) };
  return { type: 'unknown', name: resource };
}

/** Human words for a principal type. */
export function describePrincipal(type: PrincipalType): string {
  switch (type) {
    case 'root':
      return 'the root user';
    case 'iam-user':
      return 'an IAM user';
    case 'sso-role':
      return 'an IAM Identity Center (SSO) role';
    case 'assumed-role':
      return 'an assumed role';
    case 'federated-user':
      return 'a federated user';
    default:
      return 'an unrecognised principal';
  }
}

/** Reads the caller's identity and the account alias. Maps credential and network failures to RunErrors. */
export async function readIdentity(pool: ClientPool): Promise<{ caller: CallerIdentity; account: AccountInfo }> {
  try {
    const [id, aliases, accessKeyId] = await Promise.all([
      pool.call<{ Account?: string; Arn?: string; UserId?: string }>('sts', 'GetCallerIdentity'),
      pool.call<{ AccountAliases?: string[] }>('iam', 'ListAccountAliases').catch(() => ({ AccountAliases: [] })),
      signingKeyId(pool),
    ]);
    const arn = id.Arn ?? '';
    const { type, name } = classifyArn(arn);
    const accountId = id.Account ?? '';
    return {
      caller: {
        accountId,
        arn,
        userId: id.UserId ?? '',
        type,
        name,
        accessKeyId,
        temporary: accessKeyId?.startsWith('ASIA') ?? false,
      },
      account: { id: accountId, alias: aliases.AccountAliases?.[0] },
    };
  } catch (err) {
    throw toRunError(err, pool.options.endpoint ?? process.env.AWS_ENDPOINT_URL);
  }
}

/** The access key id the session's credentials use, resolved the way the clients resolve them. */
async function signingKeyId(pool: ClientPool): Promise<string | undefined> {
  const client = (await pool.client('sts')) as unknown as {
    config?: { credentials?: () => Promise<{ accessKeyId?: string }> };
  };
  const provider = client.config?.credentials;
  if (typeof provider !== 'function') return undefined;
  const creds = await provider();
  return creds.accessKeyId;
}
