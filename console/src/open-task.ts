import type { EscalationPolicyDescription } from '../../clients/escalation-policy.js';
import type { OpenTaskInHistory } from '../../clients/open-task.js';
import { schemaProblems } from './schema-check.js';

export {
  decisionFields,
  decisionOf,
  type EscalationPolicyDescription,
  escalationPoliciesIn,
  policyOfTask,
  subjectLabel,
  subjectOf,
  summaryOf,
} from '../../clients/escalation-policy.js';
export { type DecisionOutcome, decisionOutcomeIn, openTaskIn, parseObject } from '../../clients/open-task.js';

/**
 * Open human tasks, found as the CLI finds them (both read histories with
 * clients/open-task.ts), with the state machine that runs each and the escalation policy
 * that asked (recorded in the state machine's definition, clients/escalation-policy.ts).
 */
export interface OpenTask extends OpenTaskInHistory {
  readonly stateMachineArn: string;
  readonly flow: string;
  readonly policy?: EscalationPolicyDescription;
}

/** An answer: the policy's decision field set to its approve or reject value, and the reviewer's fields. */
export type Decision = Record<string, unknown>;

/**
 * The decision as the policy's decision schema (its review.decisionSchema, the app's
 * contract) checks it: one line per problem; none when the policy gives no schema (the
 * policy itself still checks the answer).
 */
export function decisionProblems(policy: Pick<EscalationPolicyDescription, 'decision'> | undefined, decision: Decision): string[] {
  const schema = policy?.decision.schema;
  return schema === undefined ? [] : schemaProblems(schema, decision);
}
