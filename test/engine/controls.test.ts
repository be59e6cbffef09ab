/**
 * The controls table: each topic's numbers in CIS v5.0.0, v6.0.0, v7.0.0 (and v3.0.0) and its
 * Security Hub CSPM control, the display strings made from it, and the strings parsed back.
 */
import { describe, expect, it } from 'vitest';
import {
  CONTROLS,
  controlLabel,
  controlRefs,
  controlRefsOf,
  controls,
  parseControl,
  securityHubControlId,
  type ControlTopic,
} from '../../src/engine/controls.js';

const CIS = 'CIS AWS Foundations Benchmark';
const SH = 'AWS Security Hub CSPM';

describe('the controls table', () => {
  it('root access keys: CIS v5.0.0 1.3, v6.0.0 2.3, v7.0.0 2.4 (v3.0.0 1.4) and Security Hub IAM.4', () => {
    expect(controls('root-access-key')).toEqual([
      'CIS v5.0.0 1.3',
      'CIS v6.0.0 2.3',
      'CIS v7.0.0 2.4',
      'CIS v3.0.0 1.4',
      'Security Hub IAM.4',
    ]);
    expect(controlRefsOf('root-access-key')).toEqual([
      { framework: CIS, version: '5.0.0', id: '1.3' },
      { framework: CIS, version: '6.0.0', id: '2.3' },
      { framework: CIS, version: '7.0.0', id: '2.4' },
      { framework: CIS, version: '3.0.0', id: '1.4' },
      { framework: SH, id: 'IAM.4' },
    ]);
  });

  it('root MFA and hardware MFA move by one in v7.0.0 (2.1.x are the new Organizations items)', () => {
    expect(controls('root-mfa')).toEqual([
      'CIS v5.0.0 1.4',
      'CIS v6.0.0 2.4',
      'CIS v7.0.0 2.5',
      'CIS v3.0.0 1.5',
      'Security Hub IAM.9',
    ]);
    expect(controls('root-hardware-mfa')).toEqual([
      'CIS v5.0.0 1.5',
      'CIS v6.0.0 2.5',
      'CIS v7.0.0 2.6',
      'CIS v3.0.0 1.6',
      'Security Hub IAM.6',
    ]);
    expect(controls('centralized-root-access')).toEqual(['CIS v7.0.0 2.1.1']);
  });

  it('v7.0.0 drops "only one active access key"; Account.2 and IAM.7 have no CIS number', () => {
    expect(controls('one-active-key')).toEqual(['CIS v5.0.0 1.12', 'CIS v6.0.0 2.12', 'CIS v3.0.0 1.13']);
    expect(controls('organization-member')).toEqual(['Security Hub Account.2']);
    expect(controls('password-complexity')).toEqual(['Security Hub IAM.7']);
    expect(controls('security-questions')).toEqual(['CIS v3.0.0 1.3']);
  });

  it('several topics: CIS first, then Security Hub, no repeats', () => {
    expect(controls('password-length', 'password-reuse', 'password-length')).toEqual([
      'CIS v5.0.0 1.7',
      'CIS v6.0.0 2.7',
      'CIS v7.0.0 2.8',
      'CIS v3.0.0 1.8',
      'CIS v5.0.0 1.8',
      'CIS v6.0.0 2.8',
      'CIS v7.0.0 2.9',
      'CIS v3.0.0 1.9',
      'Security Hub IAM.15',
      'Security Hub IAM.16',
    ]);
  });

  it('S3 Block Public Access moves to section 3 in v6.0.0 and v7.0.0', () => {
    expect(controls('s3-public-access-block')).toEqual([
      'CIS v5.0.0 2.1.4',
      'CIS v6.0.0 3.1.4',
      'CIS v7.0.0 3.1.4',
      'CIS v3.0.0 2.1.4',
      'Security Hub S3.1',
    ]);
  });

  it('every topic maps to something, and every CIS entry has a version', () => {
    for (const [t, refs] of Object.entries(CONTROLS)) {
      expect(refs.length, t).toBeGreaterThan(0);
      for (const r of refs) {
        if (r.framework === CIS) expect(r.version, t).toMatch(/^\d+\.0\.0$/);
        else expect(r.version, t).toBeUndefined();
      }
    }
  });

  it('every display string parses back to its reference', () => {
    for (const t of Object.keys(CONTROLS) as ControlTopic[]) {
      const refs = controlRefsOf(t);
      expect(controlRefs(refs.map(controlLabel)), t).toEqual(refs);
    }
  });
});

describe('parsing display strings', () => {
  it('CIS and Security Hub strings, older versions included; anything else is left out', () => {
    expect(parseControl('CIS v5.0.0 2.1.4')).toEqual({ framework: CIS, version: '5.0.0', id: '2.1.4' });
    expect(parseControl('Security Hub Account.1')).toEqual({ framework: SH, id: 'Account.1' });
    expect(parseControl('CIS 1.4')).toBeUndefined();
    expect(parseControl('Security Hub')).toBeUndefined();
    expect(controlRefs(['CIS v7.0.0 2.4', 'something else', 'Security Hub IAM.4'])).toEqual([
      { framework: CIS, version: '7.0.0', id: '2.4' },
      { framework: SH, id: 'IAM.4' },
    ]);
  });

  it("the Security Hub control id for ASFF is the first Security Hub control's", () => {
    expect(securityHubControlId(controls('password-length', 'password-reuse'))).toBe('IAM.15');
    expect(securityHubControlId(controls('instance-roles'))).toBeUndefined();
  });
});
