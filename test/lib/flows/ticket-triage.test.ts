import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { SwitchyardFunctionProps } from 'switchyard-cdk/constructs';
import { describe, expect, it, vi } from 'vitest';
import { ENV, EXPIRES_AT_ATTRIBUTE } from '../../../contracts/wiring.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { TicketRouting } from '../../../lib/flows/ticket-routing.js';
import { jsonataObject, TicketTriage, TRIAGE_TIMEOUTS } from '../../../lib/flows/ticket-triage.js';
import { definitionOf, flowStartOf, sharedSwitchyardTemplate, switchyardTemplate, testStack } from '../../helpers/synth.js';

type States = Record<string, Record<string, unknown>>;

// What the flow asks of its classify function (its entry and asset files only show in a bundled
// assembly, which takes tens of seconds): the real SwitchyardFunction, its props recorded.
const classifyProps = vi.hoisted(() => [] as SwitchyardFunctionProps[]);
vi.mock('switchyard-cdk/constructs', async (importOriginal) => {
  const real = await importOriginal<typeof import('switchyard-cdk/constructs')>();
  class RecordingFunction extends real.SwitchyardFunction {
    constructor(...args: ConstructorParameters<typeof real.SwitchyardFunction>) {
      super(...args);
      if (args[1] === 'Classify') classifyProps.push(args[2]);
    }
  }
  return { ...real, SwitchyardFunction: RecordingFunction };
});

/** The app's machines; with its defaults, from the template synthesized once for the run's test files. */
function machines(props: Parameters<typeof switchyardTemplate>[0] = {}) {
  return definitions(Object.keys(props).length === 0 ? sharedSwitchyardTemplate() : switchyardTemplate(props).template);
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
    expect(flowStartOf(triage)).toBe('ClassifyTicket');
    // The escalation policy's conditions, compiled: low confidence, a failed step, a contradiction flag.
    expect(triage.States.NeedsPerson).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          Condition:
            "{% ($not($type($states.input.confidence) = 'number' and $states.input.confidence >= 0.7)) or ($exists($states.input.failure)) or ($states.input.contradiction = true) %}",
          Next: 'Escalate',
        },
      ],
      Default: 'AnnounceRouting',
    });
    // TicketRouted goes out through the routing table's outbox, not from the flow.
    expect(Object.values(triage.States).some((state) => state.Resource === 'arn:aws:states:::events:putEvents')).toBe(false);
  });

  it('writes TicketRouted for the ticket with its routing in one conditional write, and answers a later run from it', () => {
    const { triage } = machines();
    const key = { id: { S: "{% 'TicketRouted#' & $states.context.Execution.Input.detail.ticketId %}" } };
    const routing =
      '"ticketId": ($states.context.Execution.Input.detail.ticketId), "queue": ($states.input.queue), "decidedBy": "model", "confidence": ($states.input.confidence), "model": ($states.input.model)';
    const metadata =
      '"metadata": { "correlationId": ($states.context.Execution.Input.correlationId), "causationId": ($states.context.Execution.Input.event.id) }';
    expect(triage.States.AnnounceRouting).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Arguments: {
        Item: {
          ...key,
          announcement: {
            M: {
              source: { S: 'switchyard.triage' },
              detailType: { S: 'TicketRouted' },
              // The detail the PutEvents task sent, as JSON text: the outbox's enrichment parses it.
              detail: { S: `{% $string({ ${routing}, ${metadata} }) %}` },
            },
          },
          announced: { S: `{% $string({ ${routing} }) %}` },
          // Kept 14 days: as long as the starter's queues keep a TicketCreated that could start triage again.
          expiration: { N: '{% $string($floor($toMillis($states.context.State.EnteredTime) / 1000) + 1209600) %}' },
        },
        ConditionExpression: 'attribute_not_exists(id)',
      },
      Output: `{% $parse($string({ ${routing} })) %}`,
      Catch: [{ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'ReadRouting' }],
      End: true,
    });
    expect(triage.States.ReadRouting).toMatchObject({
      Resource: 'arn:aws:states:::dynamodb:getItem',
      Arguments: { Key: key, ConsistentRead: true },
      Next: 'RoutingAlreadyAnnounced',
    });
    expect(triage.States.RoutingAlreadyAnnounced).toMatchObject({
      Type: 'Pass',
      Output: '{% $parse($states.input.announced.S) %}',
      End: true,
    });
  });

  it('streams the routing table’s new images to an outbox that announces its inserts only, and expires items by TTL', () => {
    const { template } = machines();
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const pipes = Object.values(template.findResources('AWS::Pipes::Pipe')).filter((p) =>
      JSON.stringify(p.Properties.Source).includes('TicketTriageRoutings'),
    );
    expect(pipes).toHaveLength(1);
    expect(JSON.parse(pipes[0]?.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern).eventName).toEqual(['INSERT']);
  });

  it('lets the triage machine put and read items of the routing table, and use its key when it has one', () => {
    const { template } = switchyardTemplate({ customerManagedKey: true });
    const roles = template.findResources('AWS::IAM::Role');
    const triageRole = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(
      ([, m]) => m.Properties.StateMachineType === 'EXPRESS',
    )?.[1].Properties.RoleArn['Fn::GetAtt'][0] as string;
    expect(roles[triageRole]).toBeDefined();
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === triageRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const table = Object.keys(template.findResources('AWS::DynamoDB::Table')).find((id) => id.startsWith('TicketTriageRoutings'));
    const onTable = statements.filter((s) => JSON.stringify(s.Resource).includes(`"${table}"`));
    expect(onTable.flatMap((s) => [s.Action].flat()).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem']);
    const onKey = statements.filter((s) => JSON.stringify(s.Resource).includes('EncryptionKey'));
    expect(onKey.flatMap((s) => [s.Action].flat())).toEqual(
      expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']),
    );
  });

  it('passes the classify step the ticket’s simulated failures and its retry count, and refuses them unless the stack allows them', () => {
    const { triage, template } = machines();
    expect(triage.States.ClassifyTicket).toMatchObject({
      Arguments: {
        Payload: expect.objectContaining({
          simulate: expect.stringContaining('.simulate'),
          retryCount: '{% $states.context.State.RetryCount %}',
        }),
      },
    });
    const classify = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      String(f.Properties.Description).startsWith('Classifies a support ticket'),
    );
    expect(classify?.Properties.Environment.Variables).toMatchObject({ [ENV.allowSimulatedFailures]: 'false' });
    const allowed = Object.values(switchyardTemplate({ simulatedFailures: true }).template.findResources('AWS::Lambda::Function')).find(
      (f) => String(f.Properties.Description).startsWith('Classifies a support ticket'),
    );
    expect(allowed?.Properties.Environment.Variables).toMatchObject({ [ENV.allowSimulatedFailures]: 'true' });
  });

  it('retries transient model errors with jittered backoff and escalates a ticket the model cannot classify', () => {
    const { triage } = machines();
    expect(triage.States.ClassifyTicket?.Retry).toContainEqual(
      expect.objectContaining({
        ErrorEquals: expect.arrayContaining(['ModelThrottled', 'ModelUnavailable', 'Lambda.ServiceException']),
        JitterStrategy: 'FULL',
        MaxAttempts: 1,
      }),
    );
    expect(triage.States.ClassifyTicket?.Catch).toEqual([
      { ErrorEquals: ['CircuitOpen'], Next: 'ModelFailed' },
      // A full token window is not the model failing: the execution fails and the starter holds the ticket back.
      { ErrorEquals: ['TokenLimitReached'], Next: 'ModelTokensFull' },
      { ErrorEquals: ['States.ALL'], Next: 'ModelFailed' },
    ]);
    // A failed model is one of the policy's conditions: the Choice escalates it.
    expect(triage.States.ModelFailed).toMatchObject({
      Output: { confidence: 0, failure: { step: 'ClassifyTicket', error: '{% $states.input.Error %}' } },
      Next: 'NeedsPerson',
    });
  });

  it('escalates into a STANDARD machine named after the triage execution, so once per ticket', () => {
    const { triage } = machines();
    expect(triage.States.Escalate).toMatchObject({
      Resource: 'arn:aws:states:::states:startExecution',
      Arguments: expect.objectContaining({ Name: '{% $states.context.Execution.Name %}' }),
      Catch: [{ ErrorEquals: ['StepFunctions.ExecutionAlreadyExistsException'], Next: 'AlreadyEscalated' }],
    });
  });

  it('waits for a person on a task token sent out as TicketEscalated, until the reminder or the SLA', () => {
    const { escalation } = machines();
    const wait = escalation.States.AwaitDecision as { Arguments: { Entries: { Detail: Record<string, unknown> }[] } } & Record<
      string,
      unknown
    >;
    expect(flowStartOf(escalation)).toBe('OpenEscalation');
    expect(escalation.States.OpenEscalation?.Assign).toEqual({
      step: 0,
      attempt: 1,
      reason: 'escalated',
      decideBy: `{% $fromMillis($toMillis($states.context.Execution.StartTime) + ${4 * 3600 * 1000}) %}`,
      // The reminder, at three quarters of the first step's SLA.
      wakeAt: `{% $fromMillis($toMillis($states.context.Execution.StartTime) + ${3 * 3600 * 1000}) %}`,
    });
    expect(wait).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents.waitForTaskToken',
      // What is left until the next thing the policy does, from times fixed when the step opened.
      TimeoutSeconds: expect.stringContaining('$toMillis($wakeAt) - $toMillis($states.context.State.EnteredTime)'),
      Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'NoAnswerInTime' }],
    });
    expect(escalation.States.NoAnswerInTime).toMatchObject({
      Choices: [{ Next: 'SendReminder' }, { Next: 'Reassign' }],
      Default: 'ApplyDefault',
    });
    expect(escalation.States.ApplyDefault?.Next).toBe('SlaExpired');
    expect(wait.Arguments.Entries[0]?.Detail).toEqual(expect.stringContaining('"taskToken": ($states.context.Task.Token)'));
    expect(escalation.States.SlaExpired).toMatchObject({ Output: { decidedBy: 'sla-default' }, Next: 'RouteDecision' });
    expect(escalation.States.DecisionValid).toMatchObject({ Default: 'RefuseDecision' });
    expect(escalation.States.RefuseDecision).toMatchObject({
      Arguments: { Entries: [expect.objectContaining({ DetailType: 'TicketDecisionRefused' })] },
      Assign: { attempt: '{% $attempt + 1 %}' },
      Next: 'AwaitDecision',
    });
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
    expect(escalation.States.OpenEscalation?.Assign).toMatchObject({ decideBy: expect.stringContaining('+ 1800000)') });
    expect(triage.States.NeedsPerson?.Choices).toEqual([
      expect.objectContaining({ Condition: expect.stringContaining('$states.input.confidence >= 0.85') }),
    ]);
  });

  it('uses the local model unless a Bedrock model is configured, and then grants only InvokeModel on it', () => {
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

  it('passes the cdk-nag AwsSolutions checks with a Bedrock model configured (the base-model wildcard acknowledged on the role)', () => {
    const { app } = switchyardTemplate({ bedrockModelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' });
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.resourceLogicalId).join(', ')}`)).toEqual([]);
  });

  it('bundles the local classifier and ships its model beside the bundle only when no Bedrock model is configured', () => {
    const classifyWith = (props: Parameters<typeof switchyardTemplate>[0]) => {
      classifyProps.length = 0;
      switchyardTemplate(props);
      expect(classifyProps).toHaveLength(1);
      return classifyProps[0];
    };
    const local = classifyWith({});
    expect(local?.entry).toMatch(/lambdas\/triage\/classify-local\.ts$/);
    expect(Object.keys(local?.assetFiles ?? {})).toEqual(['model.json']);
    expect(local?.assetFiles?.['model.json']).toMatch(/lambdas\/triage\/local-model\/model\.json$/);

    const bedrock = classifyWith({ bedrockModelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0' });
    expect(bedrock?.entry).toMatch(/lambdas\/triage\/classify-bedrock\.ts$/);
    expect(bedrock?.assetFiles).toBeUndefined();
  });

  it.each([
    [{ confidenceThreshold: 1.5 }, 'Test/Triage: confidenceThreshold must be from 0 to 1 (got 1.5)'],
    [{ escalationSla: Duration.millis(500) }, 'Test/Triage: escalationSla must be from 1 to 31536000 seconds (got 0.5 seconds)'],
    [
      { fallbackQueue: 'sales' as never },
      'Test/Triage: fallbackQueue must be one of billing, technical, account, security, feedback (got "sales")',
    ],
    [{ bedrockModelId: 'not a model' }, 'Test/Triage: bedrockModelId must be a Bedrock model or inference profile id (got "not a model")'],
  ])('fails if %o', (props, message) => {
    const { stack, bus } = testStack();
    expect(
      () => new TicketTriage(stack, 'Triage', { eventBus: bus, idempotencyStore: new IdempotencyStore(stack, 'Store'), ...props }),
    ).toThrow(message);
  });
});

describe('TicketTriage timeouts', () => {
  const { template } = machines();
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  const starter = functions.find((f) => f.Properties.Description?.startsWith('Starts Triage'));
  const classify = functions.find((f) => f.Properties.Description?.startsWith('Classifies'));

  it('brings a delivery lost in a crash back within two minutes: the starter queue stays invisible 6x the starter timeout', () => {
    const starterTimeout = starter?.Properties.Timeout as number;
    const queues = Object.values(template.findResources('AWS::SQS::Queue')).filter((q) => q.Properties.RedrivePolicy);
    const starterQueue = queues.find((q) => q.Properties.VisibilityTimeout === starterTimeout * 6);
    expect(starterQueue, `a queue with visibility ${starterTimeout * 6}`).toBeDefined();
    // Under two minutes with room for the retried delivery to run the flow to its end.
    expect(starterTimeout * 6).toBeLessThanOrEqual(110);
  });

  it('fits the execution inside the starter, and every classify attempt and retry inside the execution', () => {
    const { triage } = definitions(template);
    const executionSeconds = TRIAGE_TIMEOUTS.execution.toSeconds();
    expect((triage as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(executionSeconds);
    expect(starter?.Properties.Timeout).toBeGreaterThan(executionSeconds);
    // Worst case: every retrier used up, each attempt running to the function timeout, each delay its longest.
    type Retrier = { MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number; MaxDelaySeconds?: number };
    const retriers = (triage.States.ClassifyTicket?.Retry ?? []) as Retrier[];
    let attempts = 1;
    let delays = 0;
    for (const r of retriers) {
      const max = r.MaxAttempts ?? 3;
      attempts += max;
      for (let k = 0; k < max; k++)
        delays += Math.min(r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY, (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** k);
    }
    const routeOrEscalate = 1;
    expect(attempts * (classify?.Properties.Timeout as number) + delays + routeOrEscalate).toBeLessThanOrEqual(executionSeconds);
  });
});

describe('TicketRouting', () => {
  const { stack, bus } = testStack();
  new TicketRouting(stack, 'Routing', { eventBus: bus });
  const template = Template.fromStack(stack);

  it('keeps one assignment per ticket in a table keyed on the ticket', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('lets DynamoDB expire the ignored-event records the kit stamps with expiresAt', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'ticketId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: EXPIRES_AT_ATTRIBUTE, Enabled: true },
    });
  });

  it('applies TicketRouted from a queue with a function that may only put and get assignments', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['switchyard.triage'], 'detail-type': ['TicketRouted'] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 10,
      Environment: { Variables: Match.objectLike({ ASSIGNMENTS_TABLE_NAME: { Ref: Match.stringLikeRegexp('^RoutingAssignments') } }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
            Resource: Match.arrayWith([{ 'Fn::GetAtt': [Match.stringLikeRegexp('^RoutingAssignments'), 'Arn'] }]),
          }),
        ]),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 60, RedrivePolicy: Match.anyValue() });
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
