import { describe, expect, it } from 'vitest';
import {
  assessBillingRecovery,
  missingPrimaryFields,
  readBackDifferences,
  securitySharedWith,
  type AlternateContact,
  type BillingRecoveryState,
  type PrimaryContact,
} from '../../../src/steps/billing-recovery/analysis.js';

const jane: AlternateContact = {
  Name: 'Jane Doe',
  Title: 'CFO',
  EmailAddress: 'billing@example.com',
  PhoneNumber: '+1 206 555 0100',
};
const ops: AlternateContact = {
  Name: 'Ops Team',
  Title: 'On call',
  EmailAddress: 'ops@example.com',
  PhoneNumber: '+1 206 555 0101',
};
const sec: AlternateContact = {
  Name: 'Security Team',
  Title: 'CISO',
  EmailAddress: 'security@example.com',
  PhoneNumber: '+1 206 555 0102',
};
const primary: PrimaryContact = {
  FullName: 'Example Corp',
  AddressLine1: '1 Main St',
  City: 'Seattle',
  StateOrRegion: 'WA',
  PostalCode: '98101',
  CountryCode: 'US',
  PhoneNumber: '+1 206 555 0199',
};

function state(over: Partial<BillingRecoveryState> = {}): BillingRecoveryState {
  return {
    accountId: '123456789012',
    targeted: false,
    alternateContacts: { BILLING: jane, OPERATIONS: ops, SECURITY: sec },
    primaryContact: primary,
    attestations: [],
    written: { alternate: {} },
    ...over,
  };
}

const ids = (s: BillingRecoveryState) => assessBillingRecovery(s).findings.map((f) => `${f.kind}:${f.id}`);

describe('assessBillingRecovery', () => {
  it('passes when the three alternate contacts and the primary contact are complete, with manual and retired items beside', () => {
    const a = assessBillingRecovery(state());
    expect(a.status).toBe('pass');
    expect(ids(state())).toEqual([
      'retired:billing-recovery.security-questions',
      'manual:billing-recovery.billing-access',
    ]);
    const sq = a.findings.find((f) => f.id === 'billing-recovery.security-questions')!;
    expect(sq.message).toContain('2024-01-05');
    expect(sq.message).toContain('2025-01-06');
    expect(sq.controls).toEqual(['CIS v3.0.0 1.3']);
    expect(sq.remediation).toMatch(/alternate contacts.*MFA on the root user/);
    const ba = a.findings.find((f) => f.id === 'billing-recovery.billing-access')!;
    expect(ba.remediation).toContain('https://console.aws.amazon.com/billing/home#/account');
    expect(ba.remediation).toContain('Activate IAM Access');
  });

  it.each(['BILLING', 'OPERATIONS', 'SECURITY'] as const)('fails when the %s contact is not set', (type) => {
    const s = state({ alternateContacts: { BILLING: jane, OPERATIONS: ops, SECURITY: sec, [type]: null } });
    const a = assessBillingRecovery(s);
    expect(a.status).toBe('fail');
    const f = a.findings.find((x) => x.id === `billing-recovery.contact.${type}.missing`)!;
    expect(f.kind).toBe('fail');
    expect(a.summary).toContain(`${type.toLowerCase()} contact`);
    if (type === 'SECURITY')
      expect(f.controls).toEqual([
        'CIS v5.0.0 1.2',
        'CIS v6.0.0 2.2',
        'CIS v7.0.0 2.3',
        'CIS v3.0.0 1.2',
        'Security Hub Account.1',
      ]);
    else expect(f.controls).toEqual(['CIS v5.0.0 1.1', 'CIS v6.0.0 2.1', 'CIS v7.0.0 2.2', 'CIS v3.0.0 1.1']);
  });

  it('fails when no contact at all is set, and lists every gap', () => {
    const a = assessBillingRecovery(
      state({ alternateContacts: { BILLING: null, OPERATIONS: null, SECURITY: null }, primaryContact: null }),
    );
    expect(a.status).toBe('fail');
    expect(a.summary).toBe('Incomplete: billing contact, operations contact, security contact, primary contact.');
    expect(a.details).toEqual({
      alternateContacts: { BILLING: null, OPERATIONS: null, SECURITY: null },
      primaryContact: null,
      attestations: [],
    });
  });

  it('fails on an incomplete alternate contact', () => {
    const a = assessBillingRecovery(
      state({ alternateContacts: { BILLING: { ...jane, PhoneNumber: '' }, OPERATIONS: ops, SECURITY: sec } }),
    );
    expect(a.findings.find((f) => f.id === 'billing-recovery.contact.BILLING.incomplete')?.message).toContain(
      'PhoneNumber',
    );
    expect(a.status).toBe('fail');
  });

  it('fails on a primary contact missing required fields, StateOrRegion only where AWS requires it', () => {
    const { StateOrRegion: _s, PhoneNumber: _p, ...rest } = primary;
    const a = assessBillingRecovery(state({ primaryContact: rest }));
    expect(a.findings.find((f) => f.id === 'billing-recovery.primary.incomplete')?.message).toBe(
      'The primary contact lacks: StateOrRegion, PhoneNumber.',
    );
    expect(missingPrimaryFields({ ...rest, CountryCode: 'FR', PhoneNumber: '+33 1 23 45 67 89' })).toEqual([]);
    expect(missingPrimaryFields(null)).toEqual([
      'FullName',
      'AddressLine1',
      'City',
      'CountryCode',
      'PostalCode',
      'PhoneNumber',
    ]);
  });

  it('warns (does not fail) when the security contact is the same person and mailbox as the others', () => {
    const same = { ...jane };
    const s = state({
      alternateContacts: {
        BILLING: jane,
        OPERATIONS: { ...jane, EmailAddress: 'BILLING@example.com ' },
        SECURITY: same,
      },
    });
    const a = assessBillingRecovery(s);
    expect(a.status).toBe('pass');
    const f = a.findings.find((x) => x.id === 'billing-recovery.contact.SECURITY.shared')!;
    expect(f.kind).toBe('warn');
    expect(f.message).toContain('BILLING and OPERATIONS contacts');
    expect(f.message).toContain('mailbox goes stale');
  });

  it('does not warn when security has its own mailbox, or a different person shares it', () => {
    expect(securitySharedWith({ BILLING: jane, OPERATIONS: ops, SECURITY: sec })).toEqual([]);
    expect(
      securitySharedWith({ BILLING: jane, OPERATIONS: ops, SECURITY: { ...sec, EmailAddress: 'billing@example.com' } }),
    ).toEqual([]);
    expect(securitySharedWith({ BILLING: jane, OPERATIONS: ops, SECURITY: { ...jane, Title: 'Security' } })).toEqual([
      'BILLING',
    ]);
    expect(securitySharedWith({ BILLING: jane, OPERATIONS: ops, SECURITY: null })).toEqual([]);
  });

  it('warns about a contact holding a terminal escape sequence, and escapes it in details', () => {
    const evil = { ...sec, Name: '\u001b[31mEve\u001b[0m' };
    const a = assessBillingRecovery(state({ alternateContacts: { BILLING: jane, OPERATIONS: ops, SECURITY: evil } }));
    const f = a.findings.find((x) => x.id === 'billing-recovery.contact.SECURITY.unsafe-characters')!;
    expect(f.kind).toBe('warn');
    expect(f.message).not.toContain('\u001b');
    expect((a.details.alternateContacts as Record<string, AlternateContact>).SECURITY).toEqual({
      ...sec,
      Name: '\\x1b[31mEve\\x1b[0m',
    });
  });

  it('warns about a stored contact that AWS would no longer accept', () => {
    const a = assessBillingRecovery(
      state({
        alternateContacts: { BILLING: { ...jane, EmailAddress: 'not-an-email' }, OPERATIONS: ops, SECURITY: sec },
      }),
    );
    expect(a.findings.find((x) => x.id === 'billing-recovery.contact.BILLING.invalid')?.message).toContain(
      'EmailAddress',
    );
    expect(a.status).toBe('pass');
  });

  it('fails verification when AWS reads back different values than this session sent', () => {
    const s = state({
      written: { alternate: { OPERATIONS: { ...(ops as Required<AlternateContact>), Name: 'Someone Else' } } },
    });
    const a = assessBillingRecovery(s);
    expect(a.status).toBe('fail');
    expect(a.findings.find((f) => f.id === 'billing-recovery.contact.OPERATIONS.not-verified')?.message).toContain(
      'Name',
    );
    expect(a.summary).toMatch(/reading them back/);
  });

  it('says verified when what was sent reads back the same', () => {
    const a = assessBillingRecovery(
      state({ written: { alternate: { BILLING: jane as Required<AlternateContact> }, primary } }),
    );
    expect(a.status).toBe('pass');
    expect(a.summary).toContain('complete and verified');
  });

  it('reports an attestation of this session as manual evidence, in the finding and the details', () => {
    const at = {
      item: 'iam-billing-access',
      by: 'arn:aws:iam::123456789012:root',
      at: '2026-01-02T03:04:05.000Z',
      statement: 'done',
      evidence: 'manual' as const,
    };
    const a = assessBillingRecovery(state({ attestations: [at] }));
    const f = a.findings.find((x) => x.id === 'billing-recovery.billing-access')!;
    expect(f.kind).toBe('manual');
    expect(f.message).toContain('attested by arn:aws:iam::123456789012:root at 2026-01-02T03:04:05.000Z');
    expect(a.details.attestations).toEqual([at]);
  });

  it('puts exactly the AWS-returned contact fields in details', () => {
    const a = assessBillingRecovery(state());
    expect(a.details).toEqual({
      alternateContacts: { BILLING: jane, OPERATIONS: ops, SECURITY: sec },
      primaryContact: primary,
      attestations: [],
    });
    expect(assessBillingRecovery(state({ targeted: true, accountId: '210987654321' })).details.targetAccount).toBe(
      '210987654321',
    );
  });
});

describe('readBackDifferences', () => {
  it('lists fields that differ or are gone', () => {
    expect(readBackDifferences({ A: 'x', B: 'y' }, { A: 'x', B: 'z' })).toEqual(['B']);
    expect(readBackDifferences({ A: 'x' }, null)).toEqual(['A']);
    expect(readBackDifferences({ A: 'x', B: undefined }, { A: 'x' })).toEqual([]);
  });
});
