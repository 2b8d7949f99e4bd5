import { describe, expect, it } from 'vitest';
import { type AppThing, appBuses, constructPathId, namesThing, oneThingNamed, thingsNamed } from '../../clients/assembly/app-names.js';
import { type PauseTarget, selectPauseTargets } from '../../clients/assembly/consumers.js';
import { executionNameFor } from '../../contracts/identity.js';
import type { AnyEventContract } from '../../contracts/index.js';
import { selectSources } from '../../inspect/app-failures.js';
import { readAssembly } from '../../inspect/assembly.js';
import type { DeadLetterQueue } from '../../inspect/dead-letters.js';
import { candidateExecutionNames } from '../../inspect/execution-names.js';
import { type Flow, flowDefinitions, selectFlows } from '../../inspect/flows.js';
import { assemblyOf, tempAssemblyDir, writeAssembly } from '../local/assembly.js';
import { orderPlacedTrigger } from '../local/order-placed-trigger.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
/** A function as CDK names it from the construct path `Shop/OrderSaga/Steps/Function/Resource`. */
const steps: AppThing = {
  kind: 'function',
  shown: 'OrderSagaStepsFunction',
  stackName: 'Shop',
  logicalId: 'OrderSagaStepsFunction1A2B3C4D',
};
const queue: AppThing = { kind: 'queue', shown: 'OrderSagaStarterQueue', stackName: 'Shop', logicalId: 'OrderSagaStarterQueue5E6F7A8B' };
const flow: AppThing = { kind: 'flow', shown: 'OrderSagaWorkflow', stackName: 'Shop', logicalId: 'OrderSagaWorkflowStateMachine9C0D1E2F' };

describe('namesThing', () => {
  it('takes every name a command or tool shows a resource by, without case', () => {
    for (const name of [
      'OrderSagaStepsFunction',
      'ordersagastepsfunction',
      'OrderSagaStepsFunction1A2B3C4D',
      // Deployed: the local runtime's, CloudFormation's, and an ARN with and without a qualifier.
      'Shop-OrderSagaStepsFunction1A2B3C4D',
      'Shop-OrderSagaStepsFunction1A2B3C4D-Xy12Ab34Cd56',
      'OrderSagaStepsFunction1A2B3C4D-Xy12Ab34Cd56',
      `${ARN}:Shop-OrderSagaStepsFunction1A2B3C4D`,
      `${ARN}:Shop-OrderSagaStepsFunction1A2B3C4D:live`,
      // The construct path, with or without the stack and the last Resource.
      'Shop/OrderSaga/Steps/Function/Resource',
      'OrderSaga/Steps/Function',
    ]) {
      expect(namesThing(steps, name), name).toBe(true);
    }
  });

  it('takes the name the template sets, and an SQS URL or ARN ending in the deployed name', () => {
    const inbox = { ...queue, explicitName: 'shop-inbox' };
    expect(namesThing(inbox, 'shop-inbox')).toBe(true);
    expect(namesThing(inbox, 'http://localhost:4566/000000000000/shop-inbox')).toBe(true);
    expect(namesThing(queue, 'arn:aws:sqs:us-east-1:000000000000:Shop-OrderSagaStarterQueue5E6F7A8B')).toBe(true);
  });

  it('takes no other resource of the same construct, nor part of a name', () => {
    for (const name of ['OrderSaga', 'OrderSagaSteps', 'Shop-OrderSagaStarterQueue5E6F7A8B', 'OrderSaga/Steps/Queue', 'Steps']) {
      expect(namesThing(steps, name), name).toBe(false);
    }
  });

  it("takes a state machine's ARN, never the ARN of one of its executions, which names the execution", () => {
    const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:Shop-OrderSagaWorkflowStateMachine9C0D1E2F';
    expect(namesThing(flow, machine)).toBe(true);
    expect(namesThing(flow, `${machine.replace(':stateMachine:', ':execution:')}:order-1`)).toBe(false);
    expect(namesThing(flow, `${machine.replace(':stateMachine:', ':express:')}:order-1:0000`)).toBe(false);
  });
});

describe('appBuses', () => {
  it("lists the app's Custom Event Buses beside its classic buses, each named by its ARN too (event-busv2/<name>/<id>)", () => {
    const dir = tempAssemblyDir();
    writeAssembly(dir, {
      Shop: {
        template: {
          Resources: {
            Hub: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop-hub' } },
            Orders1A2B3C4D: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'orders-v2' } },
          },
        },
      },
    });
    const buses = appBuses(readAssembly(dir));
    expect(buses.map((b) => [b.shown, b.custom === true])).toEqual([
      ['shop-hub', false],
      ['orders-v2', true],
    ]);
    const orders = buses[1] as AppThing;
    expect(namesThing(orders, 'arn:aws:events:us-east-1:000000000000:event-busv2/orders-v2/abcdefghijklmnopqrstuvwxy')).toBe(true);
    expect(namesThing(orders, 'arn:aws:events:us-east-1:000000000000:event-busv2/other/abcdefghijklmnopqrstuvwxy')).toBe(false);
    expect(thingsNamed(buses, 'Orders', undefined, '--bus').map((b) => b.shown)).toEqual(['orders-v2']);
  });
});

describe('constructPathId', () => {
  it("makes of a construct path the logical id CDK makes of it, without the hash: no stack, Default or Resource, no repeated part's end", () => {
    expect(constructPathId('Shop/OrderSaga/Workflow/StateMachine/Resource', 'Shop')).toBe('OrderSagaWorkflowStateMachine');
    expect(constructPathId('Hub/Bus/Default', 'Shop')).toBe('HubBus');
    expect(constructPathId('Recorder/Queue/Queue', 'Shop')).toBe('RecorderQueue');
    expect(constructPathId('OrderSaga', 'Shop')).toBeUndefined();
  });
});

describe('thingsNamed', () => {
  it("takes a construct's name for what is inside it, its flow first", () => {
    expect(thingsNamed([steps, queue, flow], 'OrderSaga', (t) => t.kind === 'flow')).toEqual([flow]);
    expect(thingsNamed([steps, queue], 'OrderSaga/Starter')).toEqual([queue]);
  });

  it('fails if the name names nothing, listing what the app has and what names one', () => {
    expect(() => oneThingNamed([steps, queue], 'Nope', '--bus')).toThrow(
      '--bus: no function or queue "Nope" in the app (its functions: OrderSagaStepsFunction; queues: OrderSagaStarterQueue); name one as the commands list it, or by its logical id, deployed name, ARN or construct path',
    );
  });

  it('fails if the name names several things, listing each and how to name one', () => {
    expect(() => oneThingNamed([steps, queue], 'OrderSaga', 'function')).toThrow(
      'function: "OrderSaga" names 2 things of the app: function OrderSagaStepsFunction (Shop/OrderSagaStepsFunction1A2B3C4D), queue OrderSagaStarterQueue (Shop/OrderSagaStarterQueue5E6F7A8B); name one of them (its name or logical id, as listed here)',
    );
  });
});

describe('selectFlows and selectPauseTargets', () => {
  const deployed: Flow = {
    flow: 'OrderSagaWorkflow',
    stackName: 'Shop',
    logicalId: 'OrderSagaWorkflowStateMachine9C0D1E2F',
    type: 'STANDARD',
    logs: false,
    name: 'Shop-OrderSagaWorkflowStateMachine9C0D1E2F',
    arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Shop-OrderSagaWorkflowStateMachine9C0D1E2F',
  };

  it("select a flow by its construct's name and path as --flow", () => {
    expect(selectFlows([deployed], 'OrderSaga')).toEqual([deployed]);
    expect(selectFlows([deployed], 'Shop/OrderSaga/Workflow/StateMachine')).toEqual([deployed]);
  });

  it('pause a function by its deployed name and ARN, and refuse a construct with several things to pause', () => {
    const target = (t: AppThing): PauseTarget => ({
      name: t.shown,
      kind: t.kind as PauseTarget['kind'],
      aliases: [t.logicalId],
      resource: { stackName: t.stackName, logicalId: t.logicalId },
      // Each its own consumer: two things to pause, which a construct's name cannot choose between.
      consumers: [{ kind: 'rule', resource: { stackName: 'Shop', logicalId: `${t.shown}Rule` }, label: 'rule', enabledInTemplate: true }],
    });
    const targets = [target(steps), target(queue)];
    expect(selectPauseTargets(targets, `${ARN}:Shop-OrderSagaStepsFunction1A2B3C4D`).map((t) => t.name)).toEqual([
      'OrderSagaStepsFunction',
    ]);
    expect(selectPauseTargets(targets, 'Shop-OrderSagaStarterQueue5E6F7A8B').map((t) => t.name)).toEqual(['OrderSagaStarterQueue']);
    expect(() => selectPauseTargets(targets, 'OrderSaga')).toThrow(
      /^"OrderSaga" names 2 things of the app: function OrderSagaStepsFunction/,
    );
  });

  it("pause a durable flow by its construct's name: its durable function, not its starter's queue", () => {
    const rule = { kind: 'rule' as const, resource: { stackName: 'Shop', logicalId: 'Rule' }, label: 'rule', enabledInTemplate: true };
    const of = (kind: PauseTarget['kind'], name: string, durable = false): PauseTarget => ({
      name,
      kind,
      aliases: [],
      resource: { stackName: 'Shop', logicalId: `${name}1A2B3C4D` },
      ...(durable ? { durable } : {}),
      consumers: [rule],
    });
    const targets = [of('queue', 'DurableSagaFlowStarterQueue'), of('function', 'DurableSagaFlowFunction', true)];
    expect(selectPauseTargets(targets, 'DurableSaga').map((t) => t.name)).toEqual(['DurableSagaFlowFunction']);
  });
});

describe('selectFlows by construct path metadata', () => {
  /** An app with two flows, OrderSaga's and Order's, whose templates carry (or not) each resource's `aws:cdk:path`. */
  const flowsOf = (withPaths: boolean): Flow[] => {
    const machine = (constructPath: string) => ({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: {},
      ...(withPaths ? { Metadata: { 'aws:cdk:path': constructPath } } : {}),
    });
    const dir = assemblyOf(
      {
        OrderSagaWorkflowStateMachine9C0D1E2F: machine('Shop/OrderSaga/Workflow/StateMachine/Resource'),
        OrdersAuditStateMachine3A4B5C6D: machine('Shop/OrdersAudit/StateMachine/Resource'),
      },
      'Shop',
    );
    return flowDefinitions(readAssembly(dir)).map((definition) => ({
      ...definition,
      name: `Shop-${definition.logicalId}`,
      arn: `arn:aws:states:us-east-1:000000000000:stateMachine:Shop-${definition.logicalId}`,
    }));
  };
  const selected = (flows: readonly Flow[], name: string) => selectFlows(flows, name).map((f) => f.flow);

  it("takes a construct's name by the parts of its path: Order is not OrderSaga", () => {
    const flows = flowsOf(true);
    expect(() => selectFlows(flows, 'Order')).toThrow('--flow: no flow "Order" (the app\'s flows: OrderSagaWorkflow, OrdersAudit)');
    expect(selected(flows, 'OrderSaga')).toEqual(['OrderSagaWorkflow']);
    expect(selected(flows, 'ordersaga/workflow')).toEqual(['OrderSagaWorkflow']);
    expect(selected(flows, 'Shop/OrderSaga/Workflow')).toEqual(['OrderSagaWorkflow']);
    expect(selected(flows, 'OrdersAudit')).toEqual(['OrdersAudit']);
  });

  it('guesses by the logical id only where the template has no path metadata', () => {
    expect(selected(flowsOf(false), 'OrderSaga')).toEqual(['OrderSagaWorkflow']);
    expect(selected(flowsOf(false), 'Order')).toEqual(['OrderSagaWorkflow']);
  });
});

describe('candidateExecutionNames', () => {
  it("names a durable flow's executions about an id as its starter names them, as a workflow's", () => {
    const dir = assemblyOf(
      {
        Saga: { Type: 'AWS::Lambda::Function', Properties: { DurableConfig: { ExecutionTimeout: 900 } } },
        SagaAlias: { Type: 'AWS::Lambda::Alias', Properties: { FunctionName: { Ref: 'Saga' }, FunctionVersion: '1', Name: 'live' } },
        ...orderPlacedTrigger('Saga', {
          Type: 'AWS::Lambda::Function',
          Properties: { Environment: { Variables: { DURABLE_FUNCTION_ARN: { Ref: 'SagaAlias' } } } },
        }),
      },
      'Shop',
    );
    const name = executionNameFor({ detailType: 'OrderPlaced' } as AnyEventContract, 'OrderPlaced#orderId="O-1"');
    expect(candidateExecutionNames(readAssembly(dir), 'O-1')).toEqual([
      { name, detailType: 'OrderPlaced', field: 'orderId', flows: ['SagaAlias'] },
    ]);
  });
});

describe('selectSources', () => {
  const dlq = (logicalId: string): DeadLetterQueue => ({
    name: logicalId.slice(0, -8),
    stackName: 'Shop',
    logicalId,
    fifo: false,
    sources: [],
    queueName: `Shop-${logicalId}`,
    url: `http://localhost:4566/000000000000/Shop-${logicalId}`,
    arn: `arn:aws:sqs:us-east-1:000000000000:Shop-${logicalId}`,
  });
  const sources = {
    assembly: { dir: '', stacks: [] },
    queues: [dlq('TriageStarterDeadLetterQueue1A2B3C4D'), dlq('TriageStarterTargetDeadLetterQueue5E6F7A8B')],
    flows: [],
  };

  it('takes a dead-letter queue by its URL, its deployed name and its construct path', () => {
    for (const name of [
      sources.queues[1]?.url,
      'Shop-TriageStarterTargetDeadLetterQueue5E6F7A8B',
      'Triage/Starter/TargetDeadLetterQueue',
    ]) {
      expect(
        selectSources(sources, name).queues.map((q) => q.name),
        name,
      ).toEqual(['TriageStarterTargetDeadLetterQueue']);
    }
  });

  it('fails if a construct holds several dead-letter queues, rather than redriving them all', () => {
    expect(() => selectSources(sources, 'TriageStarter')).toThrow(
      '--source: "TriageStarter" names 2 things of the app: queue TriageStarterDeadLetterQueue (Shop/TriageStarterDeadLetterQueue1A2B3C4D), queue TriageStarterTargetDeadLetterQueue (Shop/TriageStarterTargetDeadLetterQueue5E6F7A8B)',
    );
  });
});
