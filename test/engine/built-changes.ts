/**
 * Every kind of change the steps build, made by the steps' own plan builders from
 * representative answers. Tests of read-backs and idempotence look changes up here instead
 * of writing Change literals, so they test what the gate is actually given: since each step
 * attaches `readBack` and `idempotent` itself, a hand-written change would carry neither.
 */
import type { Change } from '../../src/engine/types.js';
import { buildPlan as adminsPlan } from '../../src/steps/admins/plan.js';
import { buildPlan as billingPlan } from '../../src/steps/billing-recovery/plan.js';
import type { BillingRecoveryState } from '../../src/steps/billing-recovery/analysis.js';
import { buildPlan as ec2Plan } from '../../src/steps/ec2-roles/plan.js';
import type { RootKey, RootKeysState } from '../../src/steps/root-keys/analysis.js';
import { planAhead, buildPlan as rootKeysPlan } from '../../src/steps/root-keys/plan.js';

const OWN = 'AKIAOWNOWNOWNOWN0001';
const OTHER = 'AKIAOTHEROTHEROT0002';
const INACTIVE = 'AKIAINACTIVEINAC0003';
const MEMBER = '210987654321';
const SSM = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

function rootKeysState(keys: RootKey[]): RootKeysState {
  return {
    now: new Date('2026-11-28T12:00:00Z'),
    path: 'root-own',
    pathReason: '',
    account: '123456789012',
    sessionAccount: '123456789012',
    callerType: 'root',
    temporary: false,
    keys,
    keysSource: 'api',
    prerequisites: [],
    reactivated: [],
  };
}

const billingState: BillingRecoveryState = {
  accountId: '123456789012',
  targeted: false,
  alternateContacts: { BILLING: null, OPERATIONS: null, SECURITY: null },
  primaryContact: { FullName: 'Jane Doe' },
  attestations: [],
  written: { alternate: {} },
};
const contact = { Name: 'Jane Doe', Title: 'CFO', EmailAddress: 'jane@example.com', PhoneNumber: '+1 206 555 0100' };

/** Each step's plans, by step id, from answers that between them reach every change the step can build. */
export function builtPlans(): Record<string, Change[][]> {
  const keys: RootKey[] = [
    { id: OWN, active: true, sessionKey: true },
    { id: OTHER, active: true, sessionKey: false },
    { id: INACTIVE, active: false, sessionKey: false },
  ];
  const keyState = rootKeysState(keys);
  return {
    admins: [
      adminsPlan({
        passwordPolicy: true,
        group: { name: 'Admins', create: true, attachPolicy: true },
        create: { names: ['alice'] },
        complete: [
          { name: 'bob', loginProfile: true, addToGroup: true, finish: true },
          { name: 'erin', loginProfile: false, resetPassword: true, addToGroup: false, finish: false },
        ],
        remove: [{ name: 'carol', groups: ['Admins'] }],
        rollback: [{ name: 'dave', deleteLoginProfile: true, removeFromGroups: ['Admins'] }],
      }),
    ],
    'ec2-roles': [
      ec2Plan({
        associate: [{ id: 'i-1', region: 'eu-west-1' }],
        replace: [
          {
            id: 'i-2',
            region: 'us-east-1',
            associationId: 'iip-assoc-1',
            currentProfileArn: 'arn:aws:iam::123456789012:instance-profile/old',
          },
        ],
        role: { kind: 'new', roleName: 'app-role', policyArns: [SSM] },
      }),
      ec2Plan({
        associate: [{ id: 'i-3', region: 'eu-west-1' }],
        replace: [],
        role: { kind: 'existing', roleName: 'half', profileName: 'half', createProfile: true, policyArns: [SSM] },
      }),
    ],
    'billing-recovery': [
      billingPlan(
        billingState,
        {
          alternate: { BILLING: contact, OPERATIONS: contact, SECURITY: contact },
          primary: { FullName: 'Jane Doe', AddressLine1: '1 Main St', City: 'Seattle', CountryCode: 'US' },
        },
        {},
      ),
      billingPlan(billingState, { alternate: { SECURITY: contact } }, { AccountId: MEMBER }),
    ],
    'root-keys': [
      rootKeysPlan(keyState, { action: 'deactivate', keyIds: [OTHER] }),
      // What later rounds propose (a dry run shows it at once): delete, the session's own key last.
      planAhead(keyState, { action: 'deactivate', keyIds: [OTHER] }),
      rootKeysPlan(keyState, { action: 'delete', keyIds: [INACTIVE] }),
      rootKeysPlan(keyState, { action: 'reactivate', keyIds: [INACTIVE] }),
      rootKeysPlan(keyState, { action: 'session-key', mode: 'delete', keyId: OWN }),
      rootKeysPlan(keyState, { action: 'session-key', mode: 'deactivate', keyId: OWN }),
      rootKeysPlan(keyState, { action: 'org-enable', trustedAccess: true }),
      rootKeysPlan(keyState, { action: 'org-delete', accountId: MEMBER, keyIds: [OTHER] }),
    ],
  };
}

/** Every change of {@link builtPlans}, in one list. */
export function builtChanges(): Change[] {
  return Object.values(builtPlans()).flat(2);
}

/** The first built change with this operation (and, if given, matching `where`); throws when none is built. */
export function built(
  service: Change['service'],
  operation: string,
  where: (c: Change) => boolean = () => true,
): Change {
  const found = builtChanges().find((c) => c.service === service && c.operation === operation && where(c));
  if (!found) throw new Error(`no step builds ${service}:${operation} from the representative answers`);
  return found;
}
