/**
 * The controls rootlock's findings and next steps map to, as data: each topic (what a finding is
 * about) lists its control in each framework version. Findings and metadata name topics; their
 * `controls` strings ("CIS v5.0.0 1.3", "Security Hub IAM.4") and the structured references
 * (`{ framework, version, id }`) that `check --json`, reports and ASFF carry both come from here.
 *
 * Where each number was checked:
 * - CIS AWS Foundations Benchmark v7.0.0 (IAM is section 2; 2.1.x are the new AWS Organizations
 *   recommendations, 2.1.1 "Ensure centralized root access in AWS Organizations"; "only one active
 *   access key" and "no access keys during initial setup" are gone): Tenable audit items of
 *   CIS_Amazon_Web_Services_Foundations_v7.0.0_L1.audit (2.4 "Ensure no 'root' user account access
 *   key exists"), Cloudaware's CIS AWS v7.0.0 pages (2.1.1, 2.1.3, 2.5 root MFA, 2.6 hardware MFA,
 *   each linking its v6.0.0 number), and the recommendation list of the v7.0.0 benchmark as
 *   published in Prowler's compliance data (cis_7.0_aws.json): 2.2 contact details, 2.3 security
 *   contact, 2.7 root use, 2.8 / 2.9 password length / reuse, 2.10 console MFA, 2.11 unused
 *   credentials, 2.12 key rotation, 2.13 groups, 2.14 full "*:*" policies, 2.16 instance roles,
 *   2.19 identity federation, 3.1.4 S3 Block Public Access.
 * - CIS v6.0.0 (IAM moved from section 1 to 2, same order as v5.0.0; storage is section 3): the
 *   Tenable v6.0.0 L1 audit and Cloudaware's v6.0.0 pages (2.4 root MFA, 2.5 hardware MFA), and the
 *   v6.0.0 list (cis_6.0_aws.json): 2.1 .. 2.17 as v5.0.0's 1.1 .. 1.17, 3.1.4 S3 BPA.
 * - CIS v5.0.0: Tenable's v5.0.0 L1 audit (1.3 no root access key), Cloudaware (1.5 hardware MFA),
 *   the Security Hub CSPM control pages' "Related requirements" (Account.1: v5.0.0/1.2; IAM.4, IAM.9,
 *   IAM.6, IAM.5, IAM.1, IAM.3, IAM.15, IAM.16, IAM.22, S3.1 likewise), and the v5.0.0 list.
 * - CIS v3.0.0 (kept for continuity: security questions, 1.3, exist only there): the v3.0.0 list
 *   and Tenable's v3.0.0 L1 audit (1.4 no root access key, 1.7 root use).
 * - Security Hub CSPM: the control pages (docs.aws.amazon.com/securityhub/latest/userguide/
 *   account-controls, iam-controls, s3-controls): Account.1 security contact, Account.2 part of an
 *   AWS Organizations organization (related requirements: NIST only), IAM.1 full "*" policies,
 *   IAM.2 policies only on groups, IAM.3 key rotation, IAM.4 root access key, IAM.5 console MFA,
 *   IAM.6 root hardware MFA, IAM.7 password complexity, IAM.9 root MFA, IAM.15 / IAM.16 password
 *   length / reuse, IAM.19 MFA for all IAM users, IAM.22 unused credentials, S3.1 account BPA.
 */

/** The frameworks rootlock maps to. */
export type ControlFramework = 'CIS AWS Foundations Benchmark' | 'AWS Security Hub CSPM';

/** CIS benchmark versions rootlock maps to: the three current ones and v3.0.0, kept for continuity. */
export type CisVersion = '3.0.0' | '5.0.0' | '6.0.0' | '7.0.0';

/** One control of one framework (and, for CIS, one version). */
export interface ControlRef {
  framework: ControlFramework;
  /** The benchmark's version (CIS only; Security Hub CSPM control ids are not versioned). */
  version?: CisVersion;
  id: string;
}

const CIS = 'CIS AWS Foundations Benchmark' as const;
const SECURITY_HUB = 'AWS Security Hub CSPM' as const;

/** CIS numbers by version; a missing version has no such recommendation. */
type CisNumbers = Partial<Record<CisVersion, string>>;

function topic(cis: CisNumbers, securityHub: string[] = []): ControlRef[] {
  // Current versions first, oldest current first, then v3.0.0, then Security Hub.
  const order: CisVersion[] = ['5.0.0', '6.0.0', '7.0.0', '3.0.0'];
  return [
    ...order.flatMap((version) => (cis[version] ? [{ framework: CIS, version, id: cis[version] }] : [])),
    ...securityHub.map((id) => ({ framework: SECURITY_HUB, id })),
  ];
}

/** Every topic's controls. */
export const CONTROLS = {
  'contact-details': topic({ '5.0.0': '1.1', '6.0.0': '2.1', '7.0.0': '2.2', '3.0.0': '1.1' }),
  'security-contact': topic({ '5.0.0': '1.2', '6.0.0': '2.2', '7.0.0': '2.3', '3.0.0': '1.2' }, ['Account.1']),
  /** Dropped after v4.0.1 (AWS retired security questions). */
  'security-questions': topic({ '3.0.0': '1.3' }),
  'root-access-key': topic({ '5.0.0': '1.3', '6.0.0': '2.3', '7.0.0': '2.4', '3.0.0': '1.4' }, ['IAM.4']),
  'root-mfa': topic({ '5.0.0': '1.4', '6.0.0': '2.4', '7.0.0': '2.5', '3.0.0': '1.5' }, ['IAM.9']),
  'root-hardware-mfa': topic({ '5.0.0': '1.5', '6.0.0': '2.5', '7.0.0': '2.6', '3.0.0': '1.6' }, ['IAM.6']),
  'root-use': topic({ '5.0.0': '1.6', '6.0.0': '2.6', '7.0.0': '2.7', '3.0.0': '1.7' }),
  'password-length': topic({ '5.0.0': '1.7', '6.0.0': '2.7', '7.0.0': '2.8', '3.0.0': '1.8' }, ['IAM.15']),
  'password-reuse': topic({ '5.0.0': '1.8', '6.0.0': '2.8', '7.0.0': '2.9', '3.0.0': '1.9' }, ['IAM.16']),
  /** Character classes: Security Hub only (CIS has no complexity recommendation since v1.5.0). */
  'password-complexity': topic({}, ['IAM.7']),
  'console-mfa': topic({ '5.0.0': '1.9', '6.0.0': '2.9', '7.0.0': '2.10', '3.0.0': '1.10' }, ['IAM.5']),
  /** MFA for every IAM user, console or not: Security Hub only. */
  'user-mfa': topic({}, ['IAM.19']),
  'unused-credentials': topic({ '5.0.0': '1.11', '6.0.0': '2.11', '7.0.0': '2.11', '3.0.0': '1.12' }, ['IAM.22']),
  /** Dropped in v7.0.0. */
  'one-active-key': topic({ '5.0.0': '1.12', '6.0.0': '2.12', '3.0.0': '1.13' }),
  'key-rotation': topic({ '5.0.0': '1.13', '6.0.0': '2.13', '7.0.0': '2.12', '3.0.0': '1.14' }, ['IAM.3']),
  'permissions-through-groups': topic({ '5.0.0': '1.14', '6.0.0': '2.14', '7.0.0': '2.13', '3.0.0': '1.15' }, [
    'IAM.2',
  ]),
  'full-admin-policy': topic({ '5.0.0': '1.15', '6.0.0': '2.15', '7.0.0': '2.14', '3.0.0': '1.16' }, ['IAM.1']),
  'instance-roles': topic({ '5.0.0': '1.17', '6.0.0': '2.17', '7.0.0': '2.16', '3.0.0': '1.18' }),
  /** IAM users managed centrally through identity federation (IAM Identity Center) or AWS Organizations. */
  'identity-federation': topic({ '5.0.0': '1.20', '6.0.0': '2.20', '7.0.0': '2.19', '3.0.0': '1.21' }),
  'organization-member': topic({}, ['Account.2']),
  /** New in v7.0.0. */
  'centralized-root-access': topic({ '7.0.0': '2.1.1' }),
  's3-public-access-block': topic({ '5.0.0': '2.1.4', '6.0.0': '3.1.4', '7.0.0': '3.1.4', '3.0.0': '2.1.4' }, ['S3.1']),
} satisfies Record<string, ControlRef[]>;

/** What a finding is about, as the table above knows it. */
export type ControlTopic = keyof typeof CONTROLS;

/** The display string of a control: "CIS v5.0.0 1.3", "Security Hub IAM.4". */
export function controlLabel(ref: ControlRef): string {
  return ref.framework === CIS ? `CIS v${ref.version} ${ref.id}` : `Security Hub ${ref.id}`;
}

/** The controls of one or more topics, without repeats, in the table's order per topic. */
export function controlRefsOf(...topics: ControlTopic[]): ControlRef[] {
  const seen = new Set<string>();
  const out: ControlRef[] = [];
  for (const t of topics) {
    for (const ref of CONTROLS[t]) {
      const label = controlLabel(ref);
      if (!seen.has(label)) {
        seen.add(label);
        out.push({ ...ref });
      }
    }
  }
  // CIS before Security Hub across topics too, so "password-length" + "password-reuse" read as one list.
  return [...out.filter((r) => r.framework === CIS), ...out.filter((r) => r.framework === SECURITY_HUB)];
}

/** The display strings of one or more topics (a finding's or a step's `controls`). */
export function controls(...topics: ControlTopic[]): string[] {
  return controlRefsOf(...topics).map(controlLabel);
}

const LABEL = /^(?:CIS v(\d+\.\d+\.\d+) (\d+(?:\.\d+)*)|Security Hub ([A-Za-z0-9]+\.\d+))$/;

/**
 * A display string back as a reference: what `check --json`, the reports and ASFF carry beside the
 * strings. Any string in that form parses (a journal written by an older rootlock, say); undefined
 * for anything else.
 */
export function parseControl(label: string): ControlRef | undefined {
  const m = LABEL.exec(label);
  if (!m) return undefined;
  if (m[3]) return { framework: SECURITY_HUB, id: m[3] };
  return { framework: CIS, version: m[1] as CisVersion, id: m[2] as string };
}

/** The references of a list of display strings, in order; strings not in either form are left out. */
export function controlRefs(labels: readonly string[]): ControlRef[] {
  return labels.map(parseControl).filter((r): r is ControlRef => r !== undefined);
}

/** The first Security Hub CSPM control id among display strings (ASFF `Compliance.SecurityControlId`). */
export function securityHubControlId(labels: readonly string[]): string | undefined {
  return controlRefs(labels).find((r) => r.framework === SECURITY_HUB)?.id;
}
