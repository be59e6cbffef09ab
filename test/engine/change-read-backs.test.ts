/**
 * Read-backs and idempotence travel with each change, attached by the step that builds it.
 * Before, src/engine/reconcile.ts held them in two central tables; these tests list those
 * tables as they were and check that every change the steps build still has what its
 * operation had there, so moving them to the steps lost nothing.
 */
import { describe, expect, it } from 'vitest';
import { canonical } from '../../src/engine/plan-file.js';
import { canVerify, isIdempotent, verifyChange } from '../../src/engine/reconcile.js';
import { builtChanges, builtPlans } from './built-changes.js';

/** The operations the old central VERIFIERS table could read back. */
const OLD_VERIFIERS = [
  'iam:CreateUser',
  'iam:CreateGroup',
  'iam:CreateLoginProfile',
  'iam:CreateRole',
  'iam:CreateInstanceProfile',
  'iam:AddRoleToInstanceProfile',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AddUserToGroup',
  'iam:RemoveUserFromGroup',
  'iam:UntagUser',
  'iam:DeleteUser',
  'iam:DeleteLoginProfile',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'ec2:AssociateIamInstanceProfile',
  'ec2:ReplaceIamInstanceProfileAssociation',
  'iam:UpdateAccountPasswordPolicy',
  'account:PutContactInformation',
  'account:PutAlternateContact',
];

/** The operations the old central IDEMPOTENT set allowed to be sent again blindly. */
const OLD_IDEMPOTENT = [
  'iam:UpdateAccountPasswordPolicy',
  'iam:AttachGroupPolicy',
  'iam:AttachRolePolicy',
  'iam:AttachUserPolicy',
  'iam:AddUserToGroup',
  'iam:TagUser',
  'iam:UntagUser',
  'iam:TagRole',
  'iam:UpdateAccessKey',
  'iam:DeleteAccessKey',
  'iam:DeleteUser',
  'iam:DeleteLoginProfile',
  'iam:RemoveUserFromGroup',
  'iam:EnableOrganizationsRootCredentialsManagement',
  'iam:EnableOrganizationsRootSessions',
  'account:PutAlternateContact',
  'account:PutContactInformation',
  'organizations:EnableAWSServiceAccess',
];

/** Entries of the old IDEMPOTENT set that no step builds (nothing to carry them). */
const NEVER_BUILT = ['iam:AttachUserPolicy', 'iam:TagUser', 'iam:TagRole', 'iam:EnableOrganizationsRootSessions'];

const op = (c: { service: string; operation: string }) => `${c.service}:${c.operation}`;

describe('every change the steps build carries its read-back and idempotence', () => {
  const changes = builtChanges();
  const built = new Set(changes.map(op));

  it('the representative answers reach every operation of the old tables that a step can build', () => {
    for (const o of OLD_VERIFIERS) expect(built.has(o), o).toBe(true);
    for (const o of OLD_IDEMPOTENT.filter((x) => !NEVER_BUILT.includes(x))) expect(built.has(o), o).toBe(true);
    for (const o of NEVER_BUILT) expect(built.has(o), o).toBe(false);
  });

  it.each(Object.entries(builtPlans()))('%s: a read-back where the old table had a verifier', (_step, plans) => {
    for (const c of plans.flat()) {
      expect(canVerify(c), c.id).toBe(OLD_VERIFIERS.includes(op(c)));
      if (OLD_VERIFIERS.includes(op(c))) expect(c.readBack, c.id).toBeTypeOf('function');
      else expect(c.readBack, c.id).toBeUndefined();
    }
  });

  it.each(Object.entries(builtPlans()))('%s: idempotent where the old set said so, else omitted', (_step, plans) => {
    for (const c of plans.flat()) {
      expect(isIdempotent(c), c.id).toBe(OLD_IDEMPOTENT.includes(op(c)));
      // Set only where true, so plan files and journals of other changes read as before.
      if (OLD_IDEMPOTENT.includes(op(c))) expect(c.idempotent, c.id).toBe(true);
      else expect('idempotent' in c, c.id).toBe(false);
    }
  });

  it('a change parsed from a plan file keeps `idempotent` but has no read-back (JSON drops functions)', async () => {
    const withBoth = changes.find((c) => c.readBack && c.idempotent)!;
    const parsed = JSON.parse(JSON.stringify(withBoth)) as typeof withBoth;
    expect(parsed.readBack).toBeUndefined();
    expect(parsed.idempotent).toBe(true);
    expect(canVerify(parsed)).toBe(false);
    const read = async () => {
      throw new Error('no read expected');
    };
    expect(await verifyChange(read, parsed, parsed.params, new Date())).toBeUndefined();
    // The drift check compares the re-derived plan with the recorded one: the read-back makes no difference.
    expect(canonical(parsed)).toBe(canonical(withBoth));
  });
});
