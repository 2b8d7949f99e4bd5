import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import {
  EscalationDecided,
  EscalationDefaulted,
  EscalationReassigned,
  EscalationReminderSent,
  TicketDecisionRefused,
  TicketEscalated,
} from '../../../domain/index.js';
import { EscalationPolicy, type EscalationPolicyProps } from '../../../lib/constructs/escalation-policy.js';
import { startExecution, type TaskRequest } from '../../../local/states/engine/index.js';
import { UNANSWERED_ESCALATION } from '../../helpers/escalations.js';
import { definitionOf, testStack } from '../../helpers/synth.js';

/** A policy with alice then bob, each with a short SLA, in a Standard machine of its own. */
function policy(override: Partial<EscalationPolicyProps> = {}) {
  const { stack, bus } = testStack();
  const built = new EscalationPolicy(stack, 'Policy', {
    policyName: 'test-policy',
    eventBus: bus,
    conditions: [
      { kind: 'confidence-below', threshold: 0.7 },
      { kind: 'step-failed', errors: ['States.Timeout'] },
      { kind: 'flag', field: 'contradiction' },
    ],
    chain: [
      { name: 'first', reviewers: ['alice'], sla: Duration.seconds(10), remindAfter: Duration.seconds(5) },
      { name: 'second', reviewers: ['bob'], sla: Duration.seconds(10) },
    ],
    subjectId: '{% $states.context.Execution.Input.id %}',
    ask: { contract: TicketEscalated, subjectField: 'ticketId', detail: { subject: 'x' } },
    refusedContract: TicketDecisionRefused,
    defaultAction: 'do the default',
    ...override,
  });
  new sfn.StateMachine(stack, 'Machine', {
    stateMachineType: sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromChainable(
      built.definition({
        decided: sfn.Pass.jsonata(stack, 'Decided', { outputs: { outcome: '{% $states.input %}' } }),
        defaulted: sfn.Pass.jsonata(stack, 'Defaulted', { outputs: { outcome: 'default' } }),
      }),
    ),
  });
  const template = Template.fromStack(stack);
  const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  return { built, definition: JSON.stringify(definitionOf(machine ?? {})) };
}

type Published = { type: string; detail: Record<string, unknown> };

/** Runs the machine; `answer` answers ask n (undefined: nobody answers, and the deadline fires). */
async function run(definition: string, answer: (ask: number) => unknown) {
  const published: Published[] = [];
  const timeouts: number[] = [];
  let asks = 0;
  let pending: ((value: unknown) => void) | undefined;
  const taskRunner = {
    run: async (request: TaskRequest) => {
      const entries = (request.input as { Entries: { DetailType: string; Detail: Record<string, unknown> }[] }).Entries;
      published.push(...entries.map((e) => ({ type: e.DetailType, detail: e.Detail })));
      if (!request.resource.endsWith('.waitForTaskToken')) return { Entries: [{ EventId: 'e' }], FailedEntryCount: 0 };
      const reply = answer(++asks);
      return reply === undefined ? new Promise((resolve) => (pending = resolve)) : reply;
    },
  };
  const { result } = startExecution({
    definition,
    input: JSON.stringify({ id: 'S-1' }),
    name: 'run',
    executionArn: 'arn:aws:states:us-east-1:000000000000:execution:p:run',
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:p',
    stateMachineName: 'p',
    taskRunner,
    timer: async (ms: number) => {
      timeouts.push(ms);
    },
    sleep: async () => undefined,
  });
  void pending;
  return { outcome: await result, published, timeouts };
}

describe('EscalationPolicy', () => {
  it('compiles its conditions to one Choice condition and lists the ones that hold', async () => {
    const { built } = policy();
    const condition = built.escalatesExpression();
    const holds = (input: unknown) => jsonata(condition).evaluate({}, { states: { input } });
    const triggers = (input: unknown) => jsonata(built.triggers()).evaluate({}, { states: { input } });
    expect(await holds({ confidence: 0.9 })).toBe(false);
    expect(await holds({ confidence: 0.5 })).toBe(true);
    expect(await holds({})).toBe(true);
    expect(await holds({ confidence: 0.9, failure: { step: 'Classify', error: 'States.Timeout' } })).toBe(true);
    expect(await holds({ confidence: 0.9, failure: { step: 'Classify', error: 'Boom' } })).toBe(false);
    expect(await holds({ confidence: 0.9, contradiction: true })).toBe(true);
    expect([...((await triggers({ confidence: 0.2, contradiction: true })) as string[])]).toEqual([
      'confidence-below-0.7',
      'flag-contradiction',
    ]);
    expect([...((await triggers({ confidence: 0.9, failure: { error: 'States.Timeout' } })) as string[])]).toEqual(['step-timed-out']);
  });

  it('accepts a decision of a reviewer on the current step and publishes it', async () => {
    const { definition } = policy();
    const { outcome, published } = await run(definition, () => ({ decision: 'approve', reviewer: 'alice' }));
    expect(outcome.status).toBe('SUCCEEDED');
    expect(JSON.parse(outcome.output ?? '{}')).toEqual({ outcome: { decision: 'approve', reviewer: 'alice' } });
    expect(published.map((p) => p.type)).toEqual(['TicketEscalated', 'EscalationDecided']);
    const [ask, decided] = published;
    expect(ask?.detail).toMatchObject({
      ticketId: 'S-1',
      attempt: 1,
      step: 1,
      stepName: 'first',
      reviewers: ['alice'],
      reason: 'escalated',
    });
    expect(EscalationDecided.validate(decided?.detail)).toMatchObject({ ok: true });
    expect(decided?.detail).toMatchObject({ policy: 'test-policy', subjectId: 'S-1', step: 1, attempt: 1 });
  });

  it('reminds, reassigns to the next step, and runs the default action when nobody answers, each as an event', async () => {
    const { definition } = policy();
    const { outcome, published, timeouts } = await run(definition, () => undefined);
    expect(JSON.parse(outcome.output ?? '{}')).toEqual({ outcome: 'default' });
    expect(published.map((p) => p.type)).toEqual(UNANSWERED_ESCALATION);
    for (const p of published) {
      const contract = { EscalationReminderSent, EscalationReassigned, EscalationDefaulted, TicketEscalated }[p.type];
      if (p.type !== 'TicketEscalated') expect(contract?.validate(p.detail)).toMatchObject({ ok: true });
    }
    expect(published[3]?.detail).toMatchObject({ fromStep: 1, toStep: 2, stepName: 'second', reviewers: ['bob'] });
    expect(published[4]?.detail).toMatchObject({ step: 2, reviewers: ['bob'], reason: 'reassigned', attempt: 3 });
    expect(published[5]?.detail).toMatchObject({ policy: 'test-policy', subjectId: 'S-1', step: 2, action: 'do the default' });
    // The reminder at 5 s, then the first step's deadline, then the second step's 10 s (this run's clock does not move).
    expect(timeouts.slice(0, 3).map((ms) => Math.round(ms / 1000))).toEqual([5, 10, 10]);
  });

  it("refuses the first reviewer's answer after the task was reassigned, with the reason, and asks again", async () => {
    const { definition } = policy();
    const { published } = await run(definition, (ask) =>
      ask < 3 ? undefined : ask === 3 ? { decision: 'approve', reviewer: 'alice' } : { decision: 'reject', reviewer: 'bob' },
    );
    const refused = published.find((p) => p.type === 'TicketDecisionRefused');
    expect(TicketDecisionRefused.validate(refused?.detail)).toMatchObject({ ok: true });
    expect(refused?.detail).toMatchObject({
      ticketId: 'S-1',
      attempt: 3,
      step: 2,
      reviewer: 'alice',
      problems: [
        'reviewer alice is not on step 2 (second) of the escalation chain, whose reviewers are bob: the task was reassigned from an earlier step when its SLA passed',
      ],
    });
    expect(published.at(-1)).toMatchObject({ type: 'EscalationDecided', detail: { step: 2, attempt: 4, decision: { reviewer: 'bob' } } });
  });

  it('refuses an answer naming no reviewer on a step that has reviewers', async () => {
    const { definition } = policy();
    const { published } = await run(definition, (ask) =>
      ask === 1 ? { decision: 'approve' } : { decision: 'approve', reviewer: 'alice' },
    );
    const refused = published.find((p) => p.type === 'TicketDecisionRefused');
    expect(refused?.detail.problems).toEqual(['a reviewer is required on step 1 (first): one of alice']);
    expect(refused?.detail).not.toHaveProperty('reviewer');
  });

  it('takes anyone on a step that names no reviewers', async () => {
    const { definition } = policy({ chain: [{ name: 'anyone', sla: Duration.minutes(1) }] });
    const { published } = await run(definition, () => ({ decision: 'approve', reviewer: 'zoe' }));
    expect(published.map((p) => p.type)).toEqual(['TicketEscalated', 'EscalationDecided']);
    expect(published[0]?.detail.reviewers).toEqual([]);
  });

  it.each<[string, Partial<EscalationPolicyProps>, string]>([
    ['the policy name has spaces', { policyName: 'my policy' }, 'policyName must be letters, digits and dashes, 1 to 64 (got "my policy")'],
    ['there are no conditions', { conditions: [] }, 'conditions must name at least one condition that escalates (got none)'],
    [
      'a threshold is above 1',
      { conditions: [{ kind: 'confidence-below', threshold: 7 }] },
      'conditions[0].threshold must be from 0 to 1 (got 7)',
    ],
    [
      'a field is not a path',
      { conditions: [{ kind: 'flag', field: 'a b' }] },
      'conditions[0].field must be a field path such as confidence or failure.error (got "a b")',
    ],
    ['the chain is empty', { chain: [] }, 'chain must have from 1 to 10 steps (got 0)'],
    [
      'a step SLA is under a second',
      { chain: [{ name: 'a', sla: Duration.millis(10) }] },
      'chain[0].sla must be from 1 to 31536000 seconds (got 0.01 seconds)',
    ],
    [
      'a reminder is not before the SLA',
      { chain: [{ name: 'a', sla: Duration.seconds(20), remindAfter: Duration.seconds(20) }] },
      "chain[0].remindAfter must be from 1 second to less than the step's sla of 20 seconds (got 20 seconds)",
    ],
    [
      'two steps share a name',
      {
        chain: [
          { name: 'a', sla: Duration.seconds(5) },
          { name: 'a', sla: Duration.seconds(5) },
        ],
      },
      'chain[1].name must be unique in the chain (got "a")',
    ],
    [
      'a step repeats a reviewer',
      { chain: [{ name: 'a', reviewers: ['x', 'x'], sla: Duration.seconds(5) }] },
      'chain[0].reviewers must not repeat a name (got ["x","x"])',
    ],
    [
      'the SLAs add up to over a year',
      {
        chain: [
          { name: 'a', sla: Duration.days(200) },
          { name: 'b', sla: Duration.days(200) },
        ],
      },
      "chain's SLAs must add up to at most 31536000 seconds, a Standard execution's limit (got 34560000 seconds)",
    ],
    ['the subject is not an expression', { subjectId: 'ticketId' }, 'subjectId must be a JSONata expression in {% %} (got "ticketId")'],
    [
      'the default action is empty',
      { defaultAction: ' ' },
      'defaultAction must say what happens when nobody answers (got an empty string)',
    ],
  ])('fails if %s', (_case, override, message) => {
    expect(() => policy(override)).toThrow(`Test/Policy: ${message}`);
  });
});
