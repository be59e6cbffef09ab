/**
 * Step ec2-roles: every EC2 instance (pending, running, stopping, stopped) in every
 * enabled region should have an IAM role through an instance profile, and no instance
 * role should be a full administrator. Remediation creates (or reuses) an EC2-trusted
 * role and instance profile and associates it with the instances the operator picks.
 */
import type { StepDefinition } from '../../engine/step.js';
import { assessEc2Roles, type Ec2RolesState } from './analysis.js';
import { askEc2Roles } from './ask.js';
import { meta } from './meta.js';
import { buildPlan, type Ec2RolesAnswers } from './plan.js';
import { readEc2Roles } from './read.js';

export const step: StepDefinition<Ec2RolesState, Ec2RolesAnswers> = {
  meta,
  preload: ['ec2'],
  read: (ctx) => readEc2Roles(ctx),
  assess: (state) => assessEc2Roles(state),
  ask: (state, _assessment, ctx) => askEc2Roles(state, ctx),
  plan: (_state, answers) => buildPlan(answers),
};
