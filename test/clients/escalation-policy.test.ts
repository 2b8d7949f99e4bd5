import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { describe, expect, it } from 'vitest';
import {
  decisionFields,
  decisionOf,
  ESCALATION_POLICY_COMMENT_MARKER,
  escalationPoliciesIn,
  policyOfComment,
  policyOfTask,
  refusalDetail,
  subjectLabel,
  subjectOf,
  summaryOf,
} from '../../clients/escalation-policy.js';
import { EscalationDecisionSchema, TicketDecisionRefused, TicketEscalated } from '../../domain/index.js';
import * as construct from '../../lib/constructs/escalation-policy.js';
import { definitionOf, testStack } from '../helpers/synth.js';

/** The definition of a Standard machine made of one policy, as the template has it. */
function definitionWith(review?: construct.EscalationReview, nested = false) {
  const { stack, bus } = testStack();
  const policy = new construct.EscalationPolicy(stack, 'Policy', {
    policyName: 'ticket-triage',
    eventBus: bus,
    conditions: [{ kind: 'confidence-below', threshold: 0.7 }],
    chain: [{ name: 'triage', sla: Duration.hours(4) }],
    subjectId: '{% $states.context.Execution.Input.ticketId %}',
    ask: { contract: TicketEscalated, subjectField: 'ticketId', detail: {} },
    refusedContract: TicketDecisionRefused,
    defaultAction: 'route to the default queue',
    ...(review ? { review } : {}),
  });
  const chain = policy.definition({ decided: new sfn.Pass(stack, 'Decided'), defaulted: new sfn.Pass(stack, 'Defaulted') });
  const body = nested ? new sfn.Parallel(stack, 'Around').branch(chain) : chain;
  new sfn.StateMachine(stack, 'Machine', { definitionBody: sfn.DefinitionBody.fromChainable(body) });
  const [machine] = Object.values(Template.fromStack(stack).findResources('AWS::StepFunctions::StateMachine'));
  return definitionOf(machine ?? {});
}

describe('escalationPoliciesIn', () => {
  it("reads back what the EscalationPolicy construct records in its ask state's Comment", () => {
    const review = {
      decisionSchema: EscalationDecisionSchema,
      summary: [{ field: 'suggestedQueue', label: 'suggested' }, { field: 'confidence' }],
    };
    expect(escalationPoliciesIn(definitionWith(review))).toEqual([
      {
        policy: 'ticket-triage',
        askState: 'AwaitDecision',
        ask: { detailType: 'TicketEscalated', source: TicketEscalated.source, subjectField: 'ticketId' },
        refusal: { detailType: 'TicketDecisionRefused', source: TicketDecisionRefused.source },
        decision: {
          field: 'decision',
          choices: { approve: 'approve', reject: 'reject' },
          schema: JSON.parse(JSON.stringify(EscalationDecisionSchema)),
        },
        summary: [
          { field: 'suggestedQueue', label: 'suggested' },
          { field: 'confidence', label: 'confidence' },
        ],
      },
    ]);
  });

  it('reads a policy without review props with the defaults, nested in a Parallel, from JSON text too', () => {
    const definition = definitionWith(undefined, true);
    const [policy] = escalationPoliciesIn(JSON.stringify(definition));
    expect(policy).toMatchObject({ decision: { field: 'decision', choices: { approve: 'approve', reject: 'reject' } }, summary: [] });
    expect(policy?.decision).not.toHaveProperty('schema');
  });

  it('agrees with the construct on the marker, and ignores a Comment it cannot read', () => {
    expect(construct.ESCALATION_POLICY_COMMENT_MARKER).toBe(ESCALATION_POLICY_COMMENT_MARKER);
    expect(policyOfComment(`${ESCALATION_POLICY_COMMENT_MARKER}{not json`)).toBeUndefined();
    expect(policyOfComment(`${ESCALATION_POLICY_COMMENT_MARKER}{"policy":"p"}`)).toBeUndefined();
    expect(escalationPoliciesIn('not json')).toEqual([]);
    expect(escalationPoliciesIn({ States: { A: { Type: 'Pass', Comment: 'just words' } } })).toEqual([]);
  });
});

describe('EscalationPolicy review', () => {
  it('fails if a review field is not a field name or the choices are the same', () => {
    expect(() => definitionWith({ decisionField: 'a.b' })).toThrow('review.decisionField must be a field name');
    expect(() => definitionWith({ choices: { approve: 'x', reject: 'x' } })).toThrow('review.choices must be two different');
    expect(() => definitionWith({ summary: [{ field: '' }] })).toThrow('review.summary[0].field must be a field name');
    expect(() => definitionWith({ decisionSchema: { type: 'string' } })).toThrow(
      'review.decisionSchema must be the JSON Schema of an object',
    );
  });
});

describe('the readers of an open task', () => {
  const [policy] = escalationPoliciesIn(
    definitionWith({ decisionSchema: EscalationDecisionSchema, decisionField: 'decision', summary: [{ field: 'confidence' }] }),
  );
  const task = {
    state: 'AwaitDecision',
    question: { ticketId: 'T-1', confidence: 0.4 },
    input: { ticketId: 'T-0', suggestedQueue: 'billing' },
  };

  it("name the subject by the policy's subject field, and the fields it shows", () => {
    expect(policyOfTask(policy ? [policy] : [], task)).toBe(policy);
    expect(subjectOf(task, policy)).toBe('T-1');
    expect(subjectOf({ question: {}, input: task.input }, policy)).toBe('T-0');
    expect(subjectOf(task, undefined)).toBeUndefined();
    expect(subjectLabel(policy)).toBe('ticket');
    expect(subjectLabel({ ask: { detailType: '', source: '', subjectField: 'purchaseOrderNumber' } })).toBe('purchase order number');
    expect(subjectLabel(undefined)).toBe('subject');
    expect(summaryOf(task, policy)).toEqual([{ field: 'confidence', label: 'confidence', value: 0.4 }]);
  });

  it("shape a decision with the policy's field and choices, and list the schema's other fields", () => {
    expect(decisionOf(policy, 'reject', { reviewer: 'sam' })).toEqual({ decision: 'reject', reviewer: 'sam' });
    expect(decisionOf({ decision: { field: 'verdict', choices: { approve: 'ship', reject: 'hold' } } }, 'approve', {})).toEqual({
      verdict: 'ship',
    });
    expect(decisionFields(policy).map((f) => [f.name, f.choices?.length])).toEqual([
      ['queue', 5],
      ['reviewer', undefined],
      ['reason', undefined],
    ]);
    expect(decisionFields(undefined).map((f) => f.name)).toEqual(['reviewer', 'reason']);
  });

  it('build the refusal about the last ask, and none when the ask lacks what the refusal needs', () => {
    const question = { ticketId: 'T-1', attempt: 2, decideBy: '2026-01-01T00:00:00Z', step: 1, metadata: { correlationId: 'c' } };
    expect(refusalDetail(policy as NonNullable<typeof policy>, question, 'sam', 'already decided')).toEqual({
      ticketId: 'T-1',
      attempt: 2,
      problems: ['already decided'],
      decideBy: '2026-01-01T00:00:00Z',
      step: 1,
      reviewer: 'sam',
      metadata: { correlationId: 'c' },
    });
    expect(refusalDetail(policy as NonNullable<typeof policy>, { ticketId: 'T-1' }, 'sam', 'x')).toBeUndefined();
  });
});
