import { describe, expect, it } from 'vitest';
import { buildPlan } from '../../../src/steps/admins/plan.js';

const ops = (plan: ReturnType<typeof buildPlan>) => plan.map((c) => `${c.operation} ${c.id}`);

describe('buildPlan', () => {
  it('creates: password policy, group, then each user from start to finish', () => {
    const plan = buildPlan({
      passwordPolicy: true,
      group: { name: 'Administrators', create: true, attachPolicy: true },
      create: { names: ['alice', 'bob'] },
    });
    expect(ops(plan)).toEqual([
      'UpdateAccountPasswordPolicy admins/password-policy',
      'CreateGroup admins/create-group/Administrators',
      'AttachGroupPolicy admins/attach-admin-policy/Administrators',
      'CreateUser admins/create-user/alice',
      'CreateLoginProfile admins/login-profile/alice',
      'AddUserToGroup admins/add-to-group/Administrators/alice',
      'UntagUser admins/finish-setup/alice',
      'CreateUser admins/create-user/bob',
      'CreateLoginProfile admins/login-profile/bob',
      'AddUserToGroup admins/add-to-group/Administrators/bob',
      'UntagUser admins/finish-setup/bob',
    ]);
    expect(plan.every((c) => c.step === 'admins' && c.service === 'iam' && !c.destructive)).toBe(true);
    expect(plan[0]!.params).toEqual({
      MinimumPasswordLength: 14,
      RequireSymbols: true,
      RequireNumbers: true,
      RequireUppercaseCharacters: true,
      RequireLowercaseCharacters: true,
      AllowUsersToChangePassword: true,
      PasswordReusePrevention: 24,
    });
    expect(plan[2]!.params).toEqual({
      GroupName: 'Administrators',
      PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
    });
    expect(plan[3]!.params).toEqual({
      UserName: 'alice',
      Tags: [
        { Key: 'created-by', Value: 'rootlock' },
        { Key: 'rootlock-setup', Value: 'pending' },
      ],
    });
    // The password is a placeholder: the gate generates it at send time and shows it once.
    expect(plan[4]!.params).toEqual({
      UserName: 'alice',
      Password: { $secret: 'password', label: 'one-time console password for alice' },
      PasswordResetRequired: true,
    });
    expect(plan[6]!.params).toEqual({ UserName: 'alice', TagKeys: ['rootlock-setup'] });
    // A user that already exists is someone else's: never treated as done.
    expect(plan[3]!.alreadyDoneCodes).toBeUndefined();
    expect(plan[1]!.alreadyDoneCodes).toEqual(['EntityAlreadyExists']);
  });

  it('reuses an admin group as is, and promotes an existing group without creating it', () => {
    expect(
      ops(buildPlan({ group: { name: 'Admins', create: false, attachPolicy: false }, create: { names: ['a'] } }))[0],
    ).toBe('CreateUser admins/create-user/a');
    expect(
      ops(buildPlan({ group: { name: 'Ops', create: false, attachPolicy: true }, create: { names: ['a'] } })).slice(
        0,
        2,
      ),
    ).toEqual(['AttachGroupPolicy admins/attach-admin-policy/Ops', 'CreateUser admins/create-user/a']);
  });

  it('completes half-done users with only what is missing; keeps the setup tag when it cannot finish', () => {
    const plan = buildPlan({
      group: { name: 'Administrators', create: false, attachPolicy: false },
      complete: [
        { name: 'nopw', loginProfile: true, addToGroup: false, finish: true },
        { name: 'nogroup', loginProfile: false, addToGroup: true, finish: true },
        { name: 'stuck', loginProfile: true, addToGroup: false, finish: false },
      ],
    });
    expect(ops(plan)).toEqual([
      'CreateLoginProfile admins/login-profile/nopw',
      'UntagUser admins/finish-setup/nopw',
      'AddUserToGroup admins/add-to-group/Administrators/nogroup',
      'UntagUser admins/finish-setup/nogroup',
      'CreateLoginProfile admins/login-profile/stuck',
    ]);
  });

  it('replaces an unseen console password with a new one-time password, generated at apply time', () => {
    const plan = buildPlan({
      complete: [{ name: 'bob', loginProfile: false, resetPassword: true, addToGroup: false, finish: true }],
    });
    expect(ops(plan)).toEqual(['UpdateLoginProfile admins/reset-password/bob', 'UntagUser admins/finish-setup/bob']);
    expect(plan[0]!.params).toEqual({
      UserName: 'bob',
      Password: { $secret: 'password', label: 'one-time console password for bob' },
      PasswordResetRequired: true,
    });
  });

  it('removals are destructive, keep the user, and count a missing membership as done', () => {
    const plan = buildPlan({ remove: [{ name: 'cat', groups: ['Administrators', 'Ops'] }] });
    expect(ops(plan)).toEqual([
      'RemoveUserFromGroup admins/remove-from-group/Administrators/cat',
      'RemoveUserFromGroup admins/remove-from-group/Ops/cat',
    ]);
    expect(plan.every((c) => c.destructive && c.alreadyDoneCodes?.includes('NoSuchEntity'))).toBe(true);
    expect(plan.some((c) => /DeleteUser/.test(c.operation))).toBe(false);
  });

  it('rollbacks undo only what the session applied, then delete the user; all destructive', () => {
    const plan = buildPlan({
      rollback: [
        { name: 'bob', deleteLoginProfile: false, removeFromGroups: [] },
        { name: 'eve', deleteLoginProfile: true, removeFromGroups: ['Administrators'] },
      ],
    });
    expect(ops(plan)).toEqual([
      'DeleteUser admins/rollback/user/bob',
      'DeleteLoginProfile admins/rollback/login-profile/eve',
      'RemoveUserFromGroup admins/rollback/membership/Administrators/eve',
      'DeleteUser admins/rollback/user/eve',
    ]);
    expect(plan.every((c) => c.destructive)).toBe(true);
  });

  it('nothing asked, nothing planned; no group without users to put in it', () => {
    expect(buildPlan({})).toEqual([]);
    expect(buildPlan({ group: { name: 'G', create: true, attachPolicy: true } })).toEqual([]);
  });
});
