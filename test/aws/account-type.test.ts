import { describe, expect, it } from 'vitest';
import { classifyAccount, describeAccountType, type ClassifyInput } from '../../src/aws/account-type.js';

const SELF = '222222222222';
const MGMT = '111111111111';
const ORG = { Id: 'o-abc123', MasterAccountId: MGMT };
const denied = (action: string, code = 'AccessDeniedException') => ({ code, denied: true, action });
const refused = (action: string, code: string) => ({ code, denied: false, action });

function classify(p: Partial<ClassifyInput>) {
  return classifyAccount({ accountId: SELF, describe: { ok: ORG }, ...p });
}

describe('classifyAccount', () => {
  it('an account in no organization is standalone, whatever else was read', () => {
    const c = classifyAccount({
      accountId: SELF,
      describe: refused('organizations:DescribeOrganization', 'AWSOrganizationsNotInUseException'),
    });
    expect(c).toEqual({ type: 'standalone' });
    expect(describeAccountType(c)).toBe('a standalone account (not in an AWS Organization)');
  });

  it('a refused DescribeOrganization makes the kind unknown, naming the action', () => {
    const c = classifyAccount({ accountId: SELF, describe: denied('organizations:DescribeOrganization') });
    expect(c.type).toBe('unknown');
    expect(c.note).toContain('organizations:DescribeOrganization failed (AccessDeniedException)');
  });

  it('the management account reads centralized root access', () => {
    const c = classifyAccount({
      accountId: MGMT,
      describe: { ok: ORG },
      features: { ok: { EnabledFeatures: ['RootCredentialsManagement'] } },
    });
    expect(c).toEqual({
      type: 'management',
      organization: { id: 'o-abc123', managementAccountId: MGMT, rootCredentialsManagement: true, rootSessions: false },
    });
    expect(describeAccountType(c)).toBe('the management account of organization o-abc123, centralized root access on');
  });

  it('trusted access for IAM off means centralized root access is off, not an error', () => {
    const c = classifyAccount({
      accountId: MGMT,
      describe: { ok: ORG },
      features: refused('iam:ListOrganizationsFeatures', 'ServiceAccessNotEnabledException'),
    });
    expect(c.type).toBe('management');
    expect(c.organization?.rootCredentialsManagement).toBe(false);
    expect(c.note).toBeUndefined();
  });

  it('a plain member: the refusals that the account type implies are answers, not errors', () => {
    const c = classify({
      features: refused('iam:ListOrganizationsFeatures', 'AccountNotManagementOrDelegatedAdministratorException'),
      delegatedServices: denied('organizations:ListDelegatedServicesForAccount'),
    });
    expect(c.type).toBe('member');
    expect(c.organization).toEqual({ id: 'o-abc123', managementAccountId: MGMT });
    expect(c.note).toBe('Whether centralized root access is on can be read only from the management account.');
    expect(describeAccountType(c)).toBe(`a member account of organization o-abc123 (management account ${MGMT})`);
  });

  it('a member that may read the features is the delegated administrator for centralized root access', () => {
    const c = classify({
      features: { ok: { EnabledFeatures: ['RootCredentialsManagement', 'RootSessions'] } },
      delegatedServices: { ok: ['iam.amazonaws.com', 'sso.amazonaws.com'] },
    });
    expect(c.type).toBe('delegated-admin');
    expect(c.organization?.delegatedAdministratorFor).toEqual(['iam.amazonaws.com', 'sso.amazonaws.com']);
    expect(c.organization?.rootSessions).toBe(true);
    expect(describeAccountType(c)).toContain(
      'delegated administrator for centralized root access and IAM Identity Center',
    );
  });

  it('a delegated administrator for another service is one, without centralized root access to read', () => {
    const c = classify({
      features: refused('iam:ListOrganizationsFeatures', 'AccountNotManagementOrDelegatedAdministratorException'),
      delegatedServices: { ok: ['account.amazonaws.com'] },
    });
    expect(c.type).toBe('delegated-admin');
    expect(c.organization?.delegatedAdministratorFor).toEqual(['account.amazonaws.com']);
    expect(describeAccountType(c)).toContain('its delegated administrator for account management');
  });

  it('a denied feature read is named, and the member stays a member', () => {
    const c = classify({
      features: denied('iam:ListOrganizationsFeatures', 'AccessDenied'),
      delegatedServices: denied('organizations:ListDelegatedServicesForAccount'),
    });
    expect(c.type).toBe('member');
    expect(c.note).toContain('iam:ListOrganizationsFeatures failed (AccessDenied)');
    expect(c.organization?.rootCredentialsManagement).toBeUndefined();
  });
});
