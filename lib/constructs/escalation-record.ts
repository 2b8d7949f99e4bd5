import type { EscalationPolicyProps } from './escalation-policy-types.js';

/** Starts the JSON the policy records about itself in its ask state's Comment (see EscalationReview). */
export const ESCALATION_POLICY_COMMENT_MARKER = 'switchyard:escalation-policy ';

/** The JSON after ESCALATION_POLICY_COMMENT_MARKER (clients/escalation-policy.ts reads it). */
export function escalationPolicyRecord(props: EscalationPolicyProps): Record<string, unknown> {
  const review = props.review ?? {};
  return {
    version: 1,
    policy: props.policyName,
    askState: 'AwaitDecision',
    ask: { detailType: props.ask.contract.detailType, source: props.ask.contract.source, subjectField: props.ask.subjectField },
    refusal: { detailType: props.refusedContract.detailType, source: props.refusedContract.source },
    decision: {
      field: review.decisionField ?? 'decision',
      choices: review.choices ?? { approve: 'approve', reject: 'reject' },
      ...(review.decisionSchema === undefined ? {} : { schema: JSON.parse(JSON.stringify(review.decisionSchema)) }),
    },
    summary: (review.summary ?? []).map((s) => ({ field: s.field, label: s.label ?? s.field })),
  };
}
