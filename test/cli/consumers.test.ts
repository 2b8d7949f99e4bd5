import { describe, expect, it } from 'vitest';
import { readAssembly } from '../../inspect/assembly.js';
import { type PauseTarget, pauseTargets, selectPauseTargets } from '../../inspect/consumers.js';
import { tempAssemblyDir, writeAssembly } from '../local/assembly.js';

const fn = (environment: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::Function',
  Properties: { Handler: 'index.handler', Runtime: 'nodejs24.x', Environment: { Variables: environment }, ...extra },
});
const queue = { Type: 'AWS::SQS::Queue', Properties: {} };
const mapping = (queueId: string, functionRef: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Type: 'AWS::Lambda::EventSourceMapping',
  Properties: { EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] }, FunctionName: functionRef, ...extra },
});

/**
 * An app with what a pause finds: a Workflow-like flow (a starter naming its state machine,
 * fed by a queue), a durable function started through its alias, a flow-control consumer, a
 * schedule starting the state machine, a scheduled rule invoking a function, a pattern rule
 * (never a consumer) and a mapping the template disables.
 */
function app() {
  const dir = writeAssembly(tempAssemblyDir(), {
    Shop: {
      template: {
        Resources: {
          FulfilmentStateMachine1A2B3C4D: { Type: 'AWS::StepFunctions::StateMachine', Properties: { DefinitionString: '{}' } },
          FulfilmentStarterQueue5E6F7A8B: queue,
          FulfilmentStarterHandler9C0D1E2F: fn({ STATE_MACHINE_ARN: { Ref: 'FulfilmentStateMachine1A2B3C4D' } }),
          StarterMapping: mapping('FulfilmentStarterQueue5E6F7A8B', { Ref: 'FulfilmentStarterHandler9C0D1E2F' }),
          Nightly: {
            Type: 'AWS::Scheduler::Schedule',
            Properties: {
              ScheduleExpression: 'rate(1 day)',
              FlexibleTimeWindow: { Mode: 'OFF' },
              Target: { Arn: { Ref: 'FulfilmentStateMachine1A2B3C4D' }, RoleArn: 'arn:aws:iam::000000000000:role/r' },
            },
          },
          Saga: fn({}, { DurableConfig: { ExecutionTimeout: 900 } }),
          SagaVersion: { Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: 'Saga' } } },
          SagaAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Saga' }, FunctionVersion: 'x', Name: 'live' } },
          SagaStarterQueue: queue,
          SagaStarter: fn({ DURABLE_FUNCTION_ARN: { Ref: 'SagaAlias' } }),
          SagaStarterMapping: mapping('SagaStarterQueue', { Ref: 'SagaStarter' }),
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'shop-inbox' } },
          Billing: fn({ FLOW_CONTROL: JSON.stringify({ flow: 'billing' }) }, { FunctionName: 'shop-billing' }),
          BillingMapping: mapping('Inbox', { Ref: 'Billing' }),
          Sweeper: fn(),
          SweepRule: {
            Type: 'AWS::Events::Rule',
            Properties: { ScheduleExpression: 'rate(1 hour)', Targets: [{ Id: 's', Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] } }] },
          },
          Audit: fn(),
          AuditRule: {
            Type: 'AWS::Events::Rule',
            Properties: { EventPattern: { source: ['shop'] }, Targets: [{ Id: 'a', Arn: { 'Fn::GetAtt': ['Audit', 'Arn'] } }] },
          },
          Spare: queue,
          SpareMapping: mapping('Spare', { Ref: 'Audit' }, { Enabled: false }),
        },
      },
    },
  });
  return pauseTargets(readAssembly(dir));
}

const consumersOf = (targets: readonly PauseTarget[], name: string) =>
  selectPauseTargets(targets, name).flatMap((t) => t.consumers.map((c) => `${t.kind} ${t.name}: ${c.kind} ${c.label}`));

describe('pauseTargets', () => {
  const targets = app();

  it("pauses a state machine's flow through its starter's mapping and the schedule that starts it", () => {
    expect(consumersOf(targets, 'Fulfilment')).toEqual([
      'flow Fulfilment: mapping FulfilmentStarterQueue -> FulfilmentStarterHandler',
      'flow Fulfilment: schedule schedule Nightly',
    ]);
  });

  it('pauses a durable function through the starter that names its alias', () => {
    expect(consumersOf(targets, 'Saga')).toEqual(['function Saga: mapping SagaStarterQueue -> SagaStarter']);
  });

  it('pauses a flow of keyed flow control, a function by the name its template sets, and a queue, through the same mapping', () => {
    for (const name of ['billing', 'shop-billing', 'Billing', 'shop-inbox', 'Inbox']) {
      expect(consumersOf(targets, name).map((line) => line.split(': ')[1])).toContain('mapping Inbox -> Billing');
    }
    // Names are matched without case: the flow and its function are both named, and their one mapping is paused once.
    expect(consumersOf(targets, 'billing')).toEqual([
      'function Billing: mapping Inbox -> Billing',
      'flow billing: mapping Inbox -> Billing',
    ]);
  });

  it('pauses a function invoked by a scheduled rule through the rule, and never a rule that matches events', () => {
    expect(consumersOf(targets, 'Sweeper')).toEqual(['function Sweeper: rule scheduled rule SweepRule']);
    expect(targets.flatMap((t) => t.consumers).some((c) => c.label.includes('AuditRule'))).toBe(false);
  });

  it('marks a mapping the template disables, which no pause or resume changes', () => {
    const [spare] = selectPauseTargets(targets, 'Spare').flatMap((t) => t.consumers);
    expect(spare).toMatchObject({ kind: 'mapping', label: 'Spare -> Audit', enabledInTemplate: false });
  });

  it('fails if the name is not one of the app, listing what can be paused by kind', () => {
    expect(() => selectPauseTargets(targets, 'Nope')).toThrow(
      'no flow, function or queue "Nope" in the app (what can be paused: flows: Fulfilment, billing; ' +
        'functions: FulfilmentStarterHandler, Saga, SagaStarter, Billing, Sweeper, Audit; ' +
        'queues: FulfilmentStarterQueue, SagaStarterQueue, Inbox, Spare)',
    );
  });

  it('fails if nothing of the app delivers to what the name names', () => {
    expect(() => selectPauseTargets(targets, 'SagaVersion')).toThrow(/^no flow, function or queue "SagaVersion"/);
    expect(() => selectPauseTargets(targets, 'SagaAlias')).toThrow(/^no flow, function or queue "SagaAlias"/);
    const bare = [{ name: 'Lonely', kind: 'function' as const, aliases: [], consumers: [] }];
    expect(() => selectPauseTargets(bare, 'Lonely')).toThrow(
      'function Lonely has nothing to pause: no SQS event source mapping, schedule or scheduled rule of the app delivers to it (it has nothing to pause)',
    );
  });
});

describe('selectPauseTargets', () => {
  /**
   * Two QueueConsumers as CDK names their resources (`Shop/RecordOrder/Queue`,
   * `Shop/RecordOrder/Handler`, ...), and a construct holding two consumers of its own.
   */
  function consumersApp() {
    const dir = writeAssembly(tempAssemblyDir(), {
      Shop: {
        template: {
          Resources: {
            RecordOrderQueue32D08339: queue,
            RecordOrderDeadLetterQueue662AFDF1: queue,
            RecordOrderHandler56290BC6: fn(),
            RecordOrderHandlerSqsEventSourceShopRecordOrderQueue0A1B2C3D: mapping('RecordOrderQueue32D08339', {
              Ref: 'RecordOrderHandler56290BC6',
            }),
            ReportsDailyQueue11111111: queue,
            ReportsDailyHandler22222222: fn(),
            ReportsDailyMapping: mapping('ReportsDailyQueue11111111', { Ref: 'ReportsDailyHandler22222222' }),
            ReportsWeeklyQueue33333333: queue,
            ReportsWeeklyHandler44444444: fn(),
            ReportsWeeklyMapping: mapping('ReportsWeeklyQueue33333333', { Ref: 'ReportsWeeklyHandler44444444' }),
          },
        },
      },
    });
    return pauseTargets(readAssembly(dir));
  }

  it("pauses a QueueConsumer by its construct's name and path: its function and its queue, one mapping", () => {
    const targets = consumersApp();
    for (const name of ['RecordOrder', 'Shop/RecordOrder']) {
      expect(consumersOf(targets, name), name).toEqual([
        'function RecordOrderHandler: mapping RecordOrderQueue -> RecordOrderHandler',
        'queue RecordOrderQueue: mapping RecordOrderQueue -> RecordOrderHandler',
      ]);
    }
  });

  it('fails if the construct holds several consumers, naming each thing and how to name one', () => {
    expect(() => selectPauseTargets(consumersApp(), 'Reports')).toThrow(
      '"Reports" names 4 things of the app: function ReportsDailyHandler (Shop/ReportsDailyHandler22222222), ' +
        'function ReportsWeeklyHandler (Shop/ReportsWeeklyHandler44444444), queue ReportsDailyQueue (Shop/ReportsDailyQueue11111111), ' +
        'queue ReportsWeeklyQueue (Shop/ReportsWeeklyQueue33333333); name one of them (its name or logical id, as listed here)',
    );
  });
});
