import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { jsonataObject, TicketTriage } from '../../../lib/flows/ticket-triage.js';
import { definitionOf, switchyardTemplate, testStack } from '../../helpers/synth.js';

type States = Record<string, Record<string, unknown>>;

function machines(props: Parameters<typeof switchyardTemplate>[0] = {}) {
  return definitions(switchyardTemplate(props).template);
}

function definitions(template: Template) {
  const all = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  const byType = (type: string) => {
    const machine = all.find((m) => m.Properties.StateMachineType === type);
    if (!machine) throw new Error(`no ${type} state machine`);
    return definitionOf(machine) as { States: States; StartAt: string };
  };
  return { template, triage: byType('EXPRESS'), escalation: byType('STANDARD') };
}

describe('TicketTriage', () => {
  it('classifies in an EXPRESS machine and routes confident tickets there', () => {
    const { triage } = machines();
    expect(triage.StartAt).toBe('ClassifyTicket');
    expect(triage.States.ConfidentEnough).toMatchObject({
      Type: 'Choice',
      Choices: [{ Condition: '{% $states.input.confidence >= 0.7 %}', Next: 'RouteByModel' }],
      Default: 'Escalate',
    });
    expect(triage.States.RouteByModel).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents',
      Arguments: { Entries: [expect.objectContaining({ DetailType: 'TicketRouted', Source: 'switchyard.triage' })] },
    });
  });

  it('retries transient model errors with jittered backoff and escalates a ticket the model cannot classify', () => {
    const { triage } = machines();
    expect(triage.States.ClassifyTicket?.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: ['ModelThrottled', 'ModelUnavailable'], JitterStrategy: 'FULL', BackoffRate: 2 }),
    );
    expect(triage.States.ClassifyTicket?.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: 'ModelFailed' }]);
    expect(triage.States.ModelFailed?.Next).toBe('Escalate');
  });

  it('escalates into a STANDARD machine named after the triage execution, so once per ticket', () => {
    const { triage } = machines();
    expect(triage.States.Escalate).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution',
      Arguments: expect.objectContaining({ Name: '{% $states.context.Execution.Name %}' }),
      Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: 'AlreadyEscalated' }],
    });
  });

  it('waits for a person on a task token sent out as TicketEscalated, with the SLA as the task timeout', () => {
    const { escalation } = machines();
    const wait = escalation.States.AwaitDecision as { Arguments: { Entries: { Detail: Record<string, unknown> }[] } } & Record<
      string,
      unknown
    >;
    expect(wait).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
      TimeoutSeconds: 4 * 3600,
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'SlaExpired' }],
    });
    expect(wait.Arguments.Entries[0]?.Detail.taskToken).toBe('{% $states.context.Task.Token %}');
    expect(escalation.States.SlaExpired).toMatchObject({ Output: { decidedBy: 'sla-default' }, Next: 'RouteDecision' });
    expect(escalation.States.DecisionValid).toMatchObject({ Default: 'AwaitDecision' });
  });

  it('takes the threshold and SLA from props', () => {
    const { stack, bus } = testStack();
    new TicketTriage(stack, 'Triage', {
      eventBus: bus,
      idempotencyStore: new IdempotencyStore(stack, 'Store'),
      confidenceThreshold: 0.85,
      escalationSla: Duration.minutes(30),
    });
    const { triage, escalation } = definitions(Template.fromStack(stack));
    expect(escalation.States.AwaitDecision?.TimeoutSeconds).toBe(1800);
    expect(triage.States.ConfidentEnough?.Choices).toEqual([
      expect.objectContaining({ Condition: '{% $states.input.confidence >= 0.85 %}' }),
    ]);
  });

  it('uses the bundled local model unless a Bedrock model is configured, and then grants only InvokeModel on it', () => {
    const local = machines().template;
    const classify = Object.values(local.findResources('AWS::Lambda::Function')).find((f) =>
      f.Properties.Description?.startsWith('Classifies'),
    );
    expect(classify?.Properties.Environment.Variables.BEDROCK_MODEL_ID).toBeUndefined();

    const { template } = machines({ bedrockModelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ BEDROCK_MODEL_ID: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'bedrock:InvokeModel' })]) },
    });
  });

  it.each([
    [{ confidenceThreshold: 1.5 }, 'confidenceThreshold is 1.5; it must be from 0 to 1'],
    [{ escalationSla: Duration.seconds(10) }, 'escalationSla is 10 seconds; it must be from 60 to 31536000 seconds'],
    [{ fallbackQueue: 'sales' as never }, 'fallbackQueue is "sales"; it must be one of billing, technical, account, security, feedback'],
    [{ bedrockModelId: 'not a model' }, 'bedrockModelId is "not a model"'],
  ])('fails if %o', (props, message) => {
    const { stack, bus } = testStack();
    expect(
      () => new TicketTriage(stack, 'Triage', { eventBus: bus, idempotencyStore: new IdempotencyStore(stack, 'Store'), ...props }),
    ).toThrow(message);
  });
});

describe('jsonataObject', () => {
  it('builds one JSONata object in which a missing value leaves its key out instead of failing', async () => {
    const { default: jsonata } = await import('jsonata');
    const expression = jsonataObject({
      queue: '{% $states.input.queue %}',
      decidedBy: 'human',
      reviewer: '{% $states.input.reviewer %}',
      meta: { n: 1 },
    });
    expect(expression).toMatch(/^\{% \{ .* \} %\}$/);
    const body = expression.slice(2, -2);
    const result = await jsonata(body).evaluate({}, { states: { input: { queue: 'billing' } } });
    expect(result).toEqual({ queue: 'billing', decidedBy: 'human', meta: { n: 1 } });
  });
});
