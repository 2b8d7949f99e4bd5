import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { conditionExpression, labelOf } from './escalation-conditions.js';
import type { EscalationCondition, EscalationOutcomes, EscalationPolicyProps, EscalationStep } from './escalation-policy-types.js';
import { escalationStates } from './escalation-states.js';
import { validatePolicy } from './escalation-validation.js';

export type {
  EscalationCondition,
  EscalationOutcomes,
  EscalationPolicyProps,
  EscalationReview,
  EscalationStep,
} from './escalation-policy-types.js';
// Public from here (lib/constructs/index.ts exports this module), made beside it.
export { ESCALATION_POLICY_COMMENT_MARKER, escalationPolicyRecord } from './escalation-record.js';
export { jsonataObject } from './jsonata-object.js';

/**
 * A declarative escalation policy: the conditions that need a person, a chain of reviewers
 * each with an SLA and an optional reminder, and a default action when nobody answers.
 * It compiles to a Choice condition for the flow that decides whether to escalate
 * (`escalates()`, `triggers()`) and to the states of a Standard workflow that waits on a
 * task token (`definition()`).
 *
 * The policy's state lives in the execution itself (variables: the step, the attempt,
 * the deadlines), so there is nothing to keep in step with it: an open task is the
 * execution's latest task token, and a stale or duplicate answer cannot reach it (Step
 * Functions refuses a used or timed-out token). An answer that reaches the token but is
 * not acceptable (malformed, or from someone not on the current step) is refused with
 * the reasons, published, and asked again before the same deadline.
 */
export class EscalationPolicy extends Construct {
  public readonly policyName: string;
  public readonly chain: readonly EscalationStep[];
  public readonly conditions: readonly EscalationCondition[];
  private readonly props: EscalationPolicyProps;

  constructor(scope: Construct, id: string, props: EscalationPolicyProps) {
    super(scope, id);
    validatePolicy(this, props);
    this.props = props;
    this.policyName = props.policyName;
    this.chain = props.chain;
    this.conditions = props.conditions;
  }

  /** A Choice condition that holds when any of the policy's conditions holds on `input`. */
  escalates(input = '$states.input'): sfn.Condition {
    return sfn.Condition.jsonata(`{% ${this.escalatesExpression(input)} %}`);
  }

  /** The JSONata expression (no `{% %}`) behind `escalates()`. */
  escalatesExpression(input = '$states.input'): string {
    return this.props.conditions.map((c) => `(${conditionExpression(c, input)})`).join(' or ');
  }

  /** A JSONata expression (no `{% %}`) listing the labels of the conditions that hold on `input`. */
  triggers(input = '$states.input'): string {
    const each = this.props.conditions.map((c) => `((${conditionExpression(c, input)}) ? [${JSON.stringify(labelOf(c))}] : [])`);
    return each.reduce((all, one) => `$append(${all}, ${one})`);
  }

  /**
   * The escalation: ask the first step, remind, reassign down the chain, refuse what is
   * not acceptable, and end in `decided` (the accepted answer as input) or `defaulted`.
   */
  definition(outcomes: EscalationOutcomes): sfn.IChainable {
    return escalationStates(this, this.props, outcomes);
  }
}
