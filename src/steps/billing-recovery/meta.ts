import { controls } from '../../engine/controls.js';
import type { StepMeta } from '../../engine/types.js';

/** The account settings page: contacts, and IAM user and role access to billing (root only). */
export const BILLING_ACCOUNT_PAGE = 'https://console.aws.amazon.com/billing/home#/account';

export const meta: StepMeta = {
  id: 'billing-recovery',
  title: 'Billing and recovery contacts',
  why:
    'Before the root keys go, make sure AWS can reach the right people: billing, operations and security ' +
    'alternate contacts, a complete primary contact, and IAM access to billing so nobody needs root for invoices.',
  risk:
    'Without current contacts, AWS security and abuse notices and billing warnings go ' +
    'unread; AWS may throttle or suspend a compromised account it cannot reach. ' +
    'Without IAM billing access, people keep signing in as root for routine billing work.',
  controls: controls('contact-details', 'security-contact', 'security-questions'),
  consoleLinks: [{ label: 'Account settings (contacts, IAM access to billing)', url: BILLING_ACCOUNT_PAGE }],
  docs: 'docs/steps/billing-recovery.md',
  // check --org reads a member's contacts from the management account (Account API, AccountId).
  orgReach: 'account-api',
};
