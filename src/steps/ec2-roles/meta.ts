import { controls } from '../../engine/controls.js';
import type { StepMeta } from '../../engine/types.js';

/** Controls an EC2 instance without a role violates. */
export const INSTANCE_ROLE_CONTROLS = controls('instance-roles');

export const meta: StepMeta = {
  id: 'ec2-roles',
  title: 'EC2 instance roles',
  why:
    'Software on an EC2 instance should get AWS credentials from an IAM role through its instance profile: ' +
    'short-lived, rotated by AWS, never written to disk. Without one, people paste long-lived access keys (sometimes ' +
    "the root user's) onto the instance.",
  risk:
    'Access keys stored on instances leak through images, snapshots, backups and logs, work from anywhere, and ' +
    'are rarely rotated; an instance role with full admin rights turns any foothold on the instance into control of ' +
    'the account.',
  controls: [...INSTANCE_ROLE_CONTROLS],
  consoleLinks: [
    {
      label: 'EC2 instances (Actions > Security > Modify IAM role)',
      url: 'https://console.aws.amazon.com/ec2/home#Instances:',
    },
    { label: 'IAM roles', url: 'https://console.aws.amazon.com/iam/home#/roles' },
  ],
  docs: 'docs/steps/ec2-roles.md',
};
