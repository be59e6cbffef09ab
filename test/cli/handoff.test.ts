import { describe, expect, it } from 'vitest';
import type { CallerIdentity } from '../../src/aws/identity.js';
import { refusal } from '../../src/cli/handoff.js';

const ACCT = '123456789012';
const who = (arn: string, type: CallerIdentity['type'], name: string, accountId = ACCT): CallerIdentity => ({
  accountId,
  arn,
  userId: 'U',
  type,
  name,
  temporary: false,
});
const admins = {
  users: [
    { name: 'alice', arn: `arn:aws:iam::${ACCT}:user/alice` },
    { name: 'bob', arn: `arn:aws:iam::${ACCT}:user/bob` },
  ] as never[],
  roles: [
    {
      name: 'AWSReservedSSO_AdministratorAccess_0123',
      arn: `arn:aws:iam::${ACCT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123`,
    },
  ] as never[],
};

describe('who may take over from root', () => {
  it('an admin IAM user, or a session of an admin role (SSO or assumed)', () => {
    expect(refusal(who(`arn:aws:iam::${ACCT}:user/alice`, 'iam-user', 'alice'), ACCT, admins)).toBeUndefined();
    expect(
      refusal(
        who(
          `arn:aws:sts::${ACCT}:assumed-role/AWSReservedSSO_AdministratorAccess_0123/alice@example.com`,
          'sso-role',
          'AWSReservedSSO_AdministratorAccess_0123/alice@example.com',
        ),
        ACCT,
        admins,
      ),
    ).toBeUndefined();
  });

  it('not another account, not root, not a user or role without admin rights, not a federated user', () => {
    expect(
      refusal(who('arn:aws:iam::210987654321:user/alice', 'iam-user', 'alice', '210987654321'), ACCT, admins),
    ).toBe(`its credentials act on account 210987654321, not ${ACCT}.`);
    expect(refusal(who(`arn:aws:iam::${ACCT}:root`, 'root', 'root'), ACCT, admins)).toBe(
      'it signs in as the root user too.',
    );
    expect(refusal(who(`arn:aws:iam::${ACCT}:user/carol`, 'iam-user', 'carol'), ACCT, admins)).toBe(
      'IAM user carol is not one of the administrators found (alice, bob).',
    );
    expect(
      refusal(who(`arn:aws:sts::${ACCT}:assumed-role/ReadOnly/s`, 'assumed-role', 'ReadOnly/s'), ACCT, admins),
    ).toBe('role ReadOnly does not have administrator access in this account.');
    expect(refusal(who(`arn:aws:sts::${ACCT}:federated-user/f`, 'federated-user', 'f'), ACCT, admins)).toMatch(
      /cannot match to an administrator/,
    );
  });
});
