import { type AppBus, appBuses } from '../clients/assembly/app-names.js';
import { flowName, resourceName } from '../clients/resource-names.js';
import { type CloudAssembly, referencedId, resourcesOfType, type TemplateResource } from './assembly.js';
import type { Clients } from './aws.js';
import { queueDepth } from './dead-letter-messages.js';
import { queueDefinition, resolveQueues } from './dead-letters.js';
import { flowDefinitions } from './flows.js';

/** A queue of the app: its dead-letter queue, and its depth in the target when it is deployed there. */
export interface QueueDescription {
  readonly name: string;
  readonly stack: string;
  readonly fifo: boolean;
  readonly deadLetterQueue?: { readonly name: string; readonly maxReceiveCount?: number };
  /** Messages waiting, in flight and delayed now; absent when the target has no such queue. */
  readonly depth?: { readonly visible: number; readonly inFlight: number; readonly delayed: number };
}

/** A Custom Event Bus of the app and its subscribers (rules and targets are one thing there). */
export interface CustomBusDescription {
  readonly name: string;
  readonly stack: string;
  readonly subscribers: readonly {
    name: string;
    /** What it delivers to, as the commands name it (a function, a queue, a flow). */
    target: string;
    targetType?: string;
    /** `FIFO` keeps each event group's order; `UNORDERED` is the default. */
    ordering: string;
    /** Where an event it cannot deliver goes, when it has one. */
    deadLetterQueue?: string;
  }[];
}

/** The app as its templates describe it, with what the target says now of its queues. */
export interface AppDescription {
  readonly stacks: readonly string[];
  /** The classic buses (`default` first), by the name send and send_event take. */
  readonly buses: readonly string[];
  /** The Custom Event Buses (`AWS::EventsV2::EventBus`), each with the subscribers the template gives it. */
  readonly customBuses: readonly CustomBusDescription[];
  readonly rules: readonly {
    name: string;
    bus: string;
    pattern?: unknown;
    schedule?: string;
    targets: { name: string; type?: string; deadLetterQueue?: string }[];
  }[];
  readonly queues: readonly QueueDescription[];
  readonly functions: readonly { name: string; stack: string; runtime?: string; durable: boolean }[];
  /** Each by its flow name (as the CLI names it) and, where the template sets one, the name it is deployed under. */
  readonly stateMachines: readonly { name: string; stack: string; type: string; deployedName?: string }[];
  readonly tables: readonly { name: string; stack: string; keys: { name: string; type: string }[]; indexes: string[] }[];
  readonly topics: readonly { name: string; stack: string }[];
}

const named = (resource: TemplateResource, property: string) =>
  typeof resource.properties[property] === 'string' ? (resource.properties[property] as string) : resourceName(resource.logicalId);

/**
 * The name of what `value` references (a resource of the template), as the commands take it: a
 * flow by its flow name, a bus by the name it is deployed under (what send_event and --bus
 * take), anything else by its logical id without the hash; else the value itself when it is a
 * plain string.
 */
function nameOf(assembly: CloudAssembly, value: unknown): { name: string; type?: string } | undefined {
  const id = referencedId(value);
  if (id === undefined) return typeof value === 'string' ? { name: value } : undefined;
  const resource = assembly.stacks.flatMap((s) => s.resources).find((r) => r.logicalId === id);
  if (resource?.type === 'AWS::Events::EventBus') return { name: named(resource, 'Name'), type: resource.type };
  return { name: resource?.type === 'AWS::StepFunctions::StateMachine' ? flowName(id) : resourceName(id), type: resource?.type };
}

/** A Custom Event Bus and the template's subscribers on it (their EventBusArn a Ref of it). */
function customBusOf(assembly: CloudAssembly, bus: AppBus): CustomBusDescription {
  const subscribers = resourcesOfType(assembly, 'AWS::EventsV2::Subscriber')
    .filter((s) => s.stackName === bus.stackName && referencedId(s.properties.EventBusArn) === bus.logicalId)
    .map((s) => {
      const invoke = (s.properties.InvokeConfiguration ?? {}) as { TargetArn?: unknown };
      const target = nameOf(assembly, invoke.TargetArn) ?? { name: '?' };
      const dlq = nameOf(assembly, (s.properties.OnFailureConfiguration as { Arn?: unknown } | undefined)?.Arn)?.name;
      return {
        name: named(s, 'Name'),
        target: target.name,
        ...(target.type === undefined ? {} : { targetType: target.type }),
        ordering: typeof s.properties.Type === 'string' ? s.properties.Type : 'UNORDERED',
        ...(dlq === undefined ? {} : { deadLetterQueue: dlq }),
      };
    });
  return { name: bus.shown, stack: bus.stackName, subscribers };
}

/**
 * Describes the app: its stacks, buses (classic, and Custom Event Buses with their subscribers), rules with their targets (and each target's dead-letter
 * queue), queues with their dead-letter queue and depth, functions (durable or not), state
 * machines, tables with their keys and indexes, topics. From the cloud assembly, and for the
 * depths GetQueueAttributes on the target's queues.
 */
export async function describeApp(clients: Clients, assembly: CloudAssembly): Promise<AppDescription> {
  const of = (type: string) => resourcesOfType(assembly, type);
  const appBusList = appBuses(assembly);
  const buses = ['default', ...appBusList.filter((b) => b.custom !== true).map((b) => b.shown)];
  const customBuses = appBusList.filter((b) => b.custom === true).map((bus) => customBusOf(assembly, bus));
  const rules = of('AWS::Events::Rule').map((rule) => {
    const p = rule.properties;
    const targets = ((p.Targets ?? []) as { Arn?: unknown; DeadLetterConfig?: { Arn?: unknown } }[]).map((t) => {
      const target = nameOf(assembly, t.Arn) ?? { name: '?' };
      const dlq = nameOf(assembly, t.DeadLetterConfig?.Arn)?.name;
      return { ...target, ...(dlq ? { deadLetterQueue: dlq } : {}) };
    });
    return {
      name: resourceName(rule.logicalId),
      bus: nameOf(assembly, p.EventBusName)?.name ?? 'default',
      ...(p.EventPattern ? { pattern: p.EventPattern } : {}),
      ...(typeof p.ScheduleExpression === 'string' ? { schedule: p.ScheduleExpression } : {}),
      targets,
    };
  });
  const queueResources = of('AWS::SQS::Queue');
  const definitions = queueResources.flatMap((q) => queueDefinition(assembly, q.stackName, q.logicalId) ?? []);
  const { found } = await resolveQueues(clients, definitions);
  const queues = await Promise.all(
    queueResources.map(async (q): Promise<QueueDescription> => {
      const policy = q.properties.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
      const dlq = nameOf(assembly, policy?.deadLetterTargetArn)?.name;
      const deployed = found.find((f) => f.stackName === q.stackName && f.logicalId === q.logicalId);
      const depth = deployed === undefined ? undefined : await queueDepth(clients, deployed.url);
      return {
        name: resourceName(q.logicalId),
        stack: q.stackName,
        fifo: String(q.properties.FifoQueue) === 'true',
        ...(dlq
          ? { deadLetterQueue: { name: dlq, ...(policy?.maxReceiveCount ? { maxReceiveCount: Number(policy.maxReceiveCount) } : {}) } }
          : {}),
        ...(depth ? { depth: { visible: depth.visible, inFlight: depth.inFlight, delayed: depth.delayed } } : {}),
      };
    }),
  );
  return {
    stacks: assembly.stacks.map((s) => s.stackName),
    buses,
    customBuses,
    rules,
    queues,
    functions: of('AWS::Lambda::Function').map((f) => ({
      name: resourceName(f.logicalId),
      stack: f.stackName,
      ...(typeof f.properties.Runtime === 'string' ? { runtime: f.properties.Runtime } : {}),
      durable: f.properties.DurableConfig !== undefined,
    })),
    stateMachines: flowDefinitions(assembly).map((f) => ({
      name: f.flow,
      stack: f.stackName,
      type: f.type,
      ...(f.explicitName === undefined ? {} : { deployedName: f.explicitName }),
    })),
    tables: [...of('AWS::DynamoDB::Table'), ...of('AWS::DynamoDB::GlobalTable')].map((t) => {
      const attributes = (t.properties.AttributeDefinitions ?? []) as { AttributeName?: string; AttributeType?: string }[];
      const keys = ((t.properties.KeySchema ?? []) as { AttributeName?: string; KeyType?: string }[]).map((k) => ({
        name: String(k.AttributeName),
        type: `${k.KeyType === 'RANGE' ? 'sort' : 'partition'} ${attributes.find((a) => a.AttributeName === k.AttributeName)?.AttributeType ?? ''}`.trim(),
      }));
      const indexes = [
        ...((t.properties.GlobalSecondaryIndexes ?? []) as { IndexName?: string }[]),
        ...((t.properties.LocalSecondaryIndexes ?? []) as { IndexName?: string }[]),
      ];
      return { name: named(t, 'TableName'), stack: t.stackName, keys, indexes: indexes.map((i) => String(i.IndexName)) };
    }),
    topics: of('AWS::SNS::Topic').map((t) => ({ name: named(t, 'TopicName'), stack: t.stackName })),
  };
}
