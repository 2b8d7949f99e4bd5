import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { perEvent } from '../../cli/commands/cost.js';
import { definitionPaths } from '../../cli/cost/definition-paths.js';
import { appUsage, DEFAULT_ASSUMPTIONS } from '../../cli/cost/usage.js';
import { chunks64k, expressGbSeconds, lambdaGbSeconds, type PriceTable, priceUsage } from '../../clients/pricing/price-arithmetic.js';
import { ENV } from '../../contracts/wiring.js';
import { OrderCompleted, OrderPlaced } from '../../domain/index.js';
import type { CloudAssembly } from '../../inspect/assembly.js';
import { EventHub } from '../../lib/constructs/event-hub.js';
import { QueueConsumer } from '../../lib/constructs/queue-consumer.js';
import { sharedSwitchyardTemplate, testStack } from '../helpers/synth.js';
import { tempAssemblyDir, writeAssembly } from '../local/assembly.js';
import { arnOf, eventRule, eventSourceMapping } from '../local/template-resources.js';
import { runCli } from './run-cli.js';

const PRICES: PriceTable = {
  region: 'test',
  retrieved: '2026-01-01',
  prices: {
    'eventbridge.customEvent': { usd: 1, per: 1_000_000, unit: 'events', source: 'x' },
    'lambda.request': { usd: 0.2, per: 1_000_000, unit: 'requests', source: 'x' },
    'lambda.arm64GbSecond': { usd: 0.0000133334, per: 1, unit: 'GB-s', source: 'x' },
    'stepfunctions.standardTransition': { usd: 0.025, per: 1000, unit: 'transitions', source: 'x' },
  },
};

const STARTER_ENTRY = path.join(import.meta.dirname, '../../lambdas/workflow-starter/handler.ts');

function assemblyOf(resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>): CloudAssembly {
  return {
    dir: '',
    stacks: [
      {
        stackName: 'Switchyard',
        resources: Object.entries(resources).map(([logicalId, r]) => ({
          stackName: 'Switchyard',
          logicalId,
          type: r.Type,
          properties: r.Properties ?? {},
        })),
      },
    ],
  };
}

/** The bus `hub`, where the apps of these tests take their events. */
const HUB = { Type: 'AWS::Events::EventBus', Properties: { Name: 'hub' } };

/** A rule on the bus `hub` sending each `detailType` event to the target of ARN `arn`. */
const hubRule = (detailType: string, arn: object) =>
  eventRule({ bus: 'Bus', pattern: { 'detail-type': [detailType] }, targets: [{ Arn: arn }] });

/** An app whose hub starts the state machine `Flow` of `definition` for each `detailType` event. */
const flowOnHub = (detailType: string, definition: object, type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
  assemblyOf({
    Bus: HUB,
    Flow: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineType: type, DefinitionString: JSON.stringify(definition) },
    },
    Rule: hubRule(detailType, { Ref: 'Flow' }),
  });

describe('the cost arithmetic', () => {
  it('prices a hand-computed month', () => {
    // 3M events at $1/M = $3; 2M requests at $0.20/M = $0.40;
    // 2M invocations x 0.5 GB x 0.25 s = 250,000 GB-s x $0.0000133334 = $3.33335;
    // 400,000 transitions at $0.025/1000 = $10. Total $16.73335.
    const estimate = priceUsage(
      [
        { service: 'EventBridge', component: 'bus hub', price: 'eventbridge.customEvent', quantity: 3_000_000 },
        { service: 'Lambda', component: 'function f', price: 'lambda.request', quantity: 2_000_000 },
        { service: 'Lambda', component: 'function f', price: 'lambda.arm64GbSecond', quantity: lambdaGbSeconds(2_000_000, 512, 250) },
        { service: 'Step Functions', component: 'Standard s', price: 'stepfunctions.standardTransition', quantity: 400_000 },
      ],
      PRICES,
    );
    expect(estimate.lines.map((l) => l.usd)).toEqual([3, expect.closeTo(0.4, 10), expect.closeTo(3.33335, 10), expect.closeTo(10, 10)]);
    expect(estimate.totalUsd).toBeCloseTo(16.73335, 10);
    expect(estimate.byService).toEqual([
      { service: 'Step Functions', usd: expect.closeTo(10, 10) },
      { service: 'Lambda', usd: expect.closeTo(3.73335, 10) },
      { service: 'EventBridge', usd: 3 },
    ]);
    expect(estimate.byComponent[0]).toMatchObject({ service: 'Step Functions', component: 'Standard s' });
  });

  it('rounds Express durations up to 100 ms and memory up to 64 MB chunks', () => {
    // 1M executions x 128 MB (100 MB in 64 MB chunks) x 0.2 s (150 ms rounded up) = 25,000 GB-s.
    expect(expressGbSeconds(1_000_000, 100, 150)).toBeCloseTo(25_000, 6);
    expect(chunks64k(64 * 1024)).toBe(1);
    expect(chunks64k(64 * 1024 + 1)).toBe(2);
  });

  it('fails if a usage names a price the table does not have', () => {
    expect(() => priceUsage([{ service: 'SQS', component: 'q', price: 'sqs.nope', quantity: 1 }], PRICES)).toThrow(
      'the price table has no "sqs.nope"',
    );
  });
});

describe('the usage the cost model derives from the template', () => {
  const template = sharedSwitchyardTemplate();
  const assembly = assemblyOf(template.toJSON().Resources);
  const usage = appUsage(assembly, { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1_000_000, escalationRate: 0.2, entries: ['TicketCreated'] });
  const quantity = (component: string, price: string) => usage.usage.find((u) => u.component === component && u.price === price)?.quantity;

  it('follows one TicketCreated through the rule, queue, starter, triage and escalation', () => {
    expect(usage.entries).toEqual(['TicketCreated']);
    // Hub events: 1M TicketCreated + 0.8M TicketRouted (model) + 0.2M TicketEscalated + 0.2M EscalationDecided
    // + 0.2M TicketRouted (human) + 0.4M escalation status changes forwarded from the default bus = 2.8M.
    expect(quantity('bus Switchyard-hub', 'eventbridge.customEvent')).toBeCloseTo(2_800_000, 3);
    // 0.2M escalations x 8 states (the Workflow's fork entry, OpenEscalation, AwaitDecision, CheckDecision, DecisionValid,
    // RecordDecision, ApplyDecision, RouteDecision).
    expect(quantity('Standard TicketTriageEscalation', 'stepfunctions.standardTransition')).toBeCloseTo(1_600_000, 3);
    expect(quantity('Express TicketTriage', 'stepfunctions.expressRequest')).toBeCloseTo(1_000_000, 3);
    // Escalating: ClassifyTicket (100 ms) + StartExecution (50 ms) = 150 ms, billed 200 ms; routing: ClassifyTicket +
    // AnnounceRouting (one conditional PutItem, 50 ms) = 150 ms, billed 200 ms; at 64 MB: 0.2 s x 1M / 16.
    expect(quantity('Express TicketTriage', 'stepfunctions.expressGbSecond')).toBeCloseTo(12_500, 3);
    // SendMessage + ReceiveMessage + DeleteMessageBatch per message, and 648,000 idle receives.
    expect(quantity('queue TicketTriageStarterQueue', 'sqs.standardRequest')).toBeCloseTo(3_648_000, 3);
    // The starter claims and completes each ticket in the idempotency table (2M); triage writes each routing by
    // the model with its TicketRouted in one conditional write to its routings table (0.8M), whose outbox pipe
    // puts the TicketRouted counted on the hub above.
    expect(quantity('table IdempotencyTable', 'dynamodb.writeRequestUnit')).toBeCloseTo(2_000_000, 3);
    const routings = usage.usage.find(
      (u) => u.component.startsWith('table TicketTriageRoutings') && u.price === 'dynamodb.writeRequestUnit',
    );
    expect(routings?.quantity).toBeCloseTo(800_000, 3);
    expect(quantity('function TicketTriageClassify', 'lambda.request')).toBeCloseTo(1_000_000, 3);
    expect(usage.hotStandard).toEqual([]);
  });

  it('follows a JobRequested through every pipeline stage by the events each stage function declares it emits', () => {
    const job = appUsage(assembly, { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1_000_000, entries: ['JobRequested'] });
    const of = (component: string, price: string) => job.usage.find((u) => u.component === component && u.price === price)?.quantity;
    expect(job.entries).toEqual(['JobRequested']);
    // JobRequested, then ScriptWritten, StoryboardDrawn, FramesInferred, Rendered and ApprovalRequested (a person decides next).
    expect(of('bus Switchyard-hub', 'eventbridge.customEvent')).toBeCloseTo(6_000_000, 3);
    for (const stage of ['Script', 'Storyboard', 'Inference', 'Render', 'Approval'])
      expect(of(`function ContentPipelineStage${stage}Handler`, 'lambda.request'), stage).toBeCloseTo(1_000_000, 3);
    expect(of('function ContentPipelineStagePublishHandler', 'lambda.request')).toBeUndefined();
    expect(of('function ContentPipelineProjectorHandler', 'lambda.request')).toBeCloseTo(6_000_000, 3);
    expect(job.notModelled.join('\n')).not.toMatch(/ContentPipelineStage.*from its own code|cycle of events/);
  });

  it('finds every entry event of the app, and flags the order saga and the research agents as Standard workflows on a hot path', () => {
    const all = appUsage(assembly, { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1_000_000 });
    expect(all.entries).toEqual(['TicketCreated', 'OrderPlaced', 'JobRequested', 'JobApproved', 'JobRejected', 'ResearchRequested']);
    expect(all.hotStandard.map((h) => h.flow)).toEqual(['OrderSagaWorkflow', 'ResearchAgentsGraphWorkflow']);
  });

  it('flags a Standard workflow that a rule starts for every event', () => {
    const hot = appUsage(flowOnHub('OrderPlaced', { StartAt: 'A', States: { A: { Type: 'Pass', Next: 'B' }, B: { Type: 'Succeed' } } }), {
      ...DEFAULT_ASSUMPTIONS,
      eventsPerMonth: 1000,
    });
    expect(hot.hotStandard).toEqual([{ flow: 'Flow', executions: 1000, transitionsEach: 2 }]);
    expect(hot.usage.find((u) => u.price === 'stepfunctions.standardTransition')?.quantity).toBe(2000);
  });

  it("prices a durable flow's operations per execution and follows its function, through the starter's alias", () => {
    const durable = (durableOperations: number) =>
      appUsage(
        assemblyOf({
          Bus: HUB,
          Saga: {
            Type: 'AWS::Lambda::Function',
            Properties: { MemorySize: 512, Architectures: ['arm64'], DurableConfig: { ExecutionTimeout: 86_400 } },
          },
          SagaAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Saga' }, Name: 'live' } },
          Starter: {
            Type: 'AWS::Lambda::Function',
            Properties: { MemorySize: 512, Environment: { Variables: { DURABLE_FUNCTION_ARN: { Ref: 'SagaAlias' } } } },
          },
          Rule: hubRule('OrderPlaced', arnOf('Starter')),
        }),
        { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1000, durableOperations },
      );
    const usage = durable(4).usage;
    expect(usage.find((u) => u.price === 'lambda.durableOperation')).toMatchObject({ component: 'durable Saga', quantity: 4000 });
    expect(usage.find((u) => u.component === 'function Saga' && u.price === 'lambda.request')?.quantity).toBe(1000);
    expect(durable(7).usage.find((u) => u.price === 'lambda.durableOperation')?.quantity).toBe(7000);
    expect(durable(4).notModelled).toContainEqual(expect.stringContaining('durable Saga: replays'));
  });

  it("counts a Map iteration's states once per item, as Step Functions bills each item's transitions", () => {
    const withMap = (itemsPerMap: number) =>
      appUsage(
        flowOnHub('Asked', {
          StartAt: 'Fan',
          States: {
            Fan: {
              Type: 'Map',
              ItemProcessor: { StartAt: 'Call', States: { Call: { Type: 'Pass', Next: 'Keep' }, Keep: { Type: 'Pass', End: true } } },
              End: true,
            },
          },
        }),
        { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1000, itemsPerMap },
      ).usage.find((u) => u.price === 'stepfunctions.standardTransition')?.quantity;
    // The Map state itself, then two states per item.
    expect(withMap(1)).toBe(3000);
    expect(withMap(5)).toBe(11_000);
    expect(withMap(0)).toBe(1000);
  });

  it('counts the usual path of a branch, not a guard that ends in Fail', () => {
    const branch = {
      StartAt: 'Guard',
      States: {
        Guard: { Type: 'Choice', Choices: [{ Next: 'Refuse' }], Default: 'Work' },
        Refuse: { Type: 'Fail' },
        Work: { Type: 'Pass', End: true },
      },
    };
    const [path] = definitionPaths({ StartAt: 'Both', States: { Both: { Type: 'Parallel', Branches: [branch], End: true } } }, 0.2);
    expect(path?.states.map((s) => s.name)).toEqual(['Both', 'Guard', 'Work']);
  });

  it("prices model tokens per model: a function's Bedrock model per record and a bedrock:invokeModel state per visit, by the longest family prefix", () => {
    const usage = appUsage(
      assemblyOf({
        Bus: HUB,
        Queue: { Type: 'AWS::SQS::Queue' },
        Extract: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            MemorySize: 512,
            Environment: { Variables: { SWITCHYARD_MODEL_ID: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' } },
          },
        },
        Mapping: eventSourceMapping('Queue', 'Extract'),
        Rule: hubRule('InvoiceReceived', arnOf('Queue')),
        Label: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            StateMachineType: 'EXPRESS',
            DefinitionString: JSON.stringify({
              StartAt: 'Risk',
              States: {
                Risk: {
                  Type: 'Task',
                  Resource: 'arn:aws:states:::bedrock:invokeModel',
                  Arguments: { ModelId: 'amazon.nova-lite-v1:0' },
                  End: true,
                },
              },
            }),
          },
        },
        LabelRule: hubRule('InvoiceReceived', { Ref: 'Label' }),
      }),
      {
        ...DEFAULT_ASSUMPTIONS,
        eventsPerMonth: 1000,
        modelCallsPerRecord: 2,
        inputTokensPerCall: 800,
        outputTokensPerCall: 100,
        modelFamilies: ['anthropic.claude-sonnet-4', 'anthropic.claude', 'amazon.nova-lite'],
      },
    ).usage.filter((u) => u.service === 'Bedrock');
    expect(usage.map((u) => [u.price, u.quantity])).toEqual(
      [
        ['bedrock.anthropic.claude-sonnet-4.input', 1000 * 2 * 800],
        ['bedrock.anthropic.claude-sonnet-4.output', 1000 * 2 * 100],
        ['bedrock.amazon.nova-lite.input', 1000 * 800],
        ['bedrock.amazon.nova-lite.output', 1000 * 100],
      ].sort((a, b) => usage.findIndex((u) => u.price === a[0]) - usage.findIndex((u) => u.price === b[0])),
    );
  });

  it('names a model the price table does not price instead of leaving it out silently', () => {
    const { notModelled } = appUsage(
      flowOnHub(
        'Q',
        {
          StartAt: 'Ask',
          States: {
            Ask: { Type: 'Task', Resource: 'arn:aws:states:::bedrock:invokeModel', Parameters: { ModelId: 'mistral.large-2' }, End: true },
          },
        },
        'EXPRESS',
      ),
      { ...DEFAULT_ASSUMPTIONS, modelFamilies: ['amazon.nova-lite'] },
    );
    expect(notModelled).toContain('state Ask: calls to mistral.large-2, which the price table does not price');
  });
});

describe('switchyard cost --model-tier batch', () => {
  it('names a model the table has no batch price for as not priced, where on demand prices it', async () => {
    const cdkOut = writeAssembly(tempAssemblyDir(), {
      App: {
        template: {
          Resources: {
            Bus: HUB,
            Fn: {
              Type: 'AWS::Lambda::Function',
              Properties: {
                Runtime: 'nodejs24.x',
                Handler: 'index.handler',
                Code: { ZipFile: 'exports.handler = async () => {}' },
                Environment: { Variables: { MODEL_ID: 'us.meta.llama3-1-8b-instruct-v1:0' } },
              },
            },
            Rule: hubRule('Asked', arnOf('Fn')),
          },
        },
      },
    });
    const estimate = async (tier: string) => {
      const result = await runCli(['cost', '--cdk-out', cdkOut, '--model-tier', tier, '--json']);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as { lines: { price: string }[]; notModelled: string[] };
    };
    const onDemand = await estimate('on-demand');
    expect(onDemand.lines.map((l) => l.price)).toContain('bedrock.meta.llama3-1-8b.input');
    const batch = await estimate('batch');
    expect(batch.notModelled).toContain('function Fn: calls to meta.llama3-1-8b-instruct-v1:0, which the price table does not price');
  });
});

describe('the entry events of an app whose consumer publishes an event another consumes', () => {
  /** OrderPlaced -> Record (which publishes OrderCompleted from its code) and OrderCompleted -> Notify, as two QueueConsumers. */
  function ordersTemplate(declare: boolean): { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> } {
    const { stack } = testStack();
    const hub = new EventHub(stack, 'Hub', { eventBusName: 'hub', contracts: [OrderPlaced, OrderCompleted] });
    const consumer = (id: string, contract: typeof OrderPlaced | typeof OrderCompleted) =>
      new QueueConsumer(stack, id, {
        eventBus: hub.eventBus,
        eventPattern: { source: [contract.source], detailType: [contract.detailType] },
        description: id,
        handler: { entry: STARTER_ENTRY, description: id },
      });
    const record = consumer('Record', OrderPlaced);
    consumer('Notify', OrderCompleted);
    if (declare) hub.connectPublisher(record.function, [OrderCompleted]);
    else {
      record.function.addEnvironment(ENV.eventBusName, hub.eventBus.eventBusName);
      hub.eventBus.grantPutEventsTo(record.function);
    }
    return Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
  }

  it('follows the events a consumer connected with EventHub.connectPublisher declares, instead of counting them as entering the app', () => {
    const usage = appUsage(assemblyOf(ordersTemplate(true).Resources), { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1000 });
    expect(usage.entries).toEqual(['OrderPlaced']);
    expect(usage.undeclaredPublishers).toEqual([]);
    const notify = usage.usage.find((u) => u.component === 'function NotifyHandler' && u.price === 'lambda.request');
    expect(notify?.quantity).toBe(1000);
  });

  it('prints each line with its unit and a per-event figure a reader can read, however small (GB of logs)', async () => {
    const cdkOut = writeAssembly(tempAssemblyDir(), { App: { template: ordersTemplate(true) } });
    const text = await runCli(['cost', '--cdk-out', cdkOut]);
    expect(text.code, text.stderr).toBe(0);
    const logs = text.stdout.split('\n').find((line) => line.includes('logs of function NotifyHandler'));
    expect(logs).toMatch(/ GB of CloudWatch Logs ingestion, Standard log class +0\.000001 /);
    // Half an invocation per event (a Choice's branch) logs 0.0000005 GB per event, not 5e-7.
    expect([perEvent(5e-7), perEvent(1.234e-9), perEvent(3.65), perEvent(4200)]).toEqual(['0.0000005', '0.00000000123', '3.65', '4,200']);
  });

  it('says which function may send an entry event from its code when it declares nothing, and how to declare it', async () => {
    const template = ordersTemplate(false);
    const usage = appUsage(assemblyOf(template.Resources), { ...DEFAULT_ASSUMPTIONS, eventsPerMonth: 1000 });
    expect(usage.entries).toEqual(['OrderPlaced', 'OrderCompleted']);
    expect(usage.undeclaredPublishers).toEqual([{ function: 'RecordHandler', bus: 'hub' }]);
    const cdkOut = writeAssembly(tempAssemblyDir(), { App: { template } });
    const text = await runCli(['cost', '--cdk-out', cdkOut]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      'entry events a month on each of: OrderPlaced, OrderCompleted (detail-types a rule listens for that nothing in the app declares it emits); each under 64 KB; a function may send some of them from its own code (RecordHandler on hub: it declares no events), and they are then counted again here: declare what it publishes with EventHub.connectPublisher(fn, [contracts]) to have them followed from it, or pass --entry with the true entry events',
    );
  });
});
