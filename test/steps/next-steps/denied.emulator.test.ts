/**
 * The two newer next steps when a read is refused, with moto's IAM evaluator in front of the
 * emulator (test/support/iam-authorizer.ts): a principal holding docs/iam/check-policy.json minus
 * one action. organizations:DescribeOrganization refused: `organization-member` is not checked and
 * names the action; account:GetAlternateContact refused: `contacts-distinct` likewise. Neither
 * changes the exit code.
 */
import { AccountClient, PutAlternateContactCommand } from '@aws-sdk/client-account';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { MOTO_BOOTSTRAP_CREDENTIALS, testClients } from '../../support/clients.js';
import { useEmulator } from '../../support/emulator.js';
import { runRootlock } from '../../support/harness.js';
import { policyForMoto, useIamAuthorizer } from '../../support/iam-authorizer.js';
import { readPolicy, type PolicyDocument } from '../../resilience/iam-policy.js';

const emu = useEmulator();
const auth = useIamAuthorizer(() => emu());
const PRINCIPAL = 'next-steps-reader';

function without(doc: PolicyDocument, action: string): PolicyDocument {
  return {
    ...doc,
    Statement: doc.Statement.flatMap((s) => {
      const actions = (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== action);
      return actions.length > 0 ? [{ ...s, Action: actions }] : [];
    }),
  };
}

async function givePolicy(doc: PolicyDocument): Promise<void> {
  const form = policyForMoto(doc);
  const { iam } = testClients(emu().endpoint, MOTO_BOOTSTRAP_CREDENTIALS);
  await iam.send(new CreateUserCommand({ UserName: PRINCIPAL })).catch((err: { name?: string }) => {
    if (!err.name?.startsWith('EntityAlreadyExists')) throw err;
  });
  await iam.send(
    new PutUserPolicyCommand({ UserName: PRINCIPAL, PolicyName: 'rootlock', PolicyDocument: JSON.stringify(form) }),
  );
  await auth().setPolicy(form);
  auth().clear();
}

type Item = { id: string; status: string; message: string };
const item = (r: { json?: { nextSteps: Item[] } }, id: string): Item => {
  const found = r.json?.nextSteps.find((i) => i.id === id);
  if (!found) throw new Error(`no next step ${id} in the document`);
  return found;
};

describe('next steps whose read is refused', () => {
  it.each([
    // With the whole policy: moto's default account is in no organization; the contacts are two people.
    ['organizations:DescribeOrganization', 'organization-member', 'fail'],
    ['account:GetAlternateContact', 'contacts-distinct', 'pass'],
  ])('without %s, %s is not checked and names the action', async (action, id, answer) => {
    // Two different people as contacts, so that with the whole policy the check has an answer.
    const account = new AccountClient({
      endpoint: emu().endpoint,
      region: 'us-east-1',
      credentials: MOTO_BOOTSTRAP_CREDENTIALS,
    });
    for (const [AlternateContactType, who] of [
      ['BILLING', 'ann'],
      ['SECURITY', 'sec'],
    ] as const) {
      await account.send(
        new PutAlternateContactCommand({
          AlternateContactType,
          Name: who,
          Title: who,
          EmailAddress: `${who}@example.com`,
          PhoneNumber: '+1 555 0100',
        }),
      );
    }
    await givePolicy(without(readPolicy('check-policy.json'), action));
    const r = await runRootlock(auth().url, ['check', '--json', '--regions', 'us-east-1'], {
      credentials: auth().principal,
    });
    expect(auth().calls.some((c) => c.action === action && c.verdict === 'denied')).toBe(true);
    expect(item(r, id).status).toBe('not-checked');
    expect(item(r, id).message).toContain(action);
    const full = await (async () => {
      await givePolicy(readPolicy('check-policy.json'));
      return runRootlock(auth().url, ['check', '--json', '--regions', 'us-east-1'], { credentials: auth().principal });
    })();
    expect(item(full, id).status).toBe(answer);
  });
});
