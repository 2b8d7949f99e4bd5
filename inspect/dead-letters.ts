import { ListQueueTagsCommand, paginateListQueues } from '@aws-sdk/client-sqs';
import { physicalNameMatches, resourceName } from '../clients/resource-names.js';
import { type CloudAssembly, constructPathOf, referencedId, resourcesOfType, type TemplateResource } from './assembly.js';
import { type Clients, call, pages } from './aws.js';

/**
 * The dead-letter queues of an app, read from its templates: every queue named as some
 * queue's `RedrivePolicy.deadLetterTargetArn`, as a rule target's `DeadLetterConfig`, as a
 * function's `DeadLetterConfig`, as the on-failure destination of its asynchronous
 * invocations (`AWS::Lambda::EventInvokeConfig`), or as a Custom Event Bus subscriber's
 * `OnFailureConfiguration`. Each with what feeds it, so a failure can
 * be explained and sent back where it came from.
 */
export type DeadLetterSource =
  /** SQS moves a message here after `maxReceiveCount` receives; the kit's consumers send permanent failures here too. */
  | { readonly kind: 'queue'; readonly queueLogicalId: string; readonly maxReceiveCount?: number; readonly consumers: readonly string[] }
  /** EventBridge puts an event here when it could not deliver it to the target. */
  | {
      readonly kind: 'rule-target';
      readonly ruleLogicalId: string;
      readonly targetId: string;
      /** The target's logical id when it is a resource of the template. */
      readonly targetLogicalId?: string;
      readonly targetType?: string;
      /** Whether EventBridge delivers something other than the event itself (Input, InputPath, InputTransformer). */
      readonly transformsInput: boolean;
    }
  /** Lambda puts a failed asynchronous invocation here. */
  | { readonly kind: 'function'; readonly functionLogicalId: string; readonly how: 'DeadLetterConfig' | 'OnFailure' }
  /**
   * A Custom Event Bus subscriber (`AWS::EventsV2::Subscriber`) writes its dead-letter record
   * here (`OnFailureConfiguration.Arn`): a JSON document naming the events that failed, not the
   * events (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html).
   */
  | {
      readonly kind: 'subscriber';
      readonly subscriberLogicalId: string;
      /** Its Name, which its ARN and the record's `subscriberArn` carry. */
      readonly subscriberName: string;
      readonly targetLogicalId?: string;
      readonly targetType?: string;
    };

export interface DeadLetterQueueDefinition {
  /** The name commands show and `--source` takes: the logical id without its hash. */
  readonly name: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly explicitName?: string;
  readonly fifo: boolean;
  readonly sources: readonly DeadLetterSource[];
  /** Its construct path, when the template has path metadata. */
  readonly constructPath?: string;
}

/** A queue of the app found in the target. */
export interface DeployedQueue {
  readonly url: string;
  readonly arn: string;
  readonly queueName: string;
}

export interface DeadLetterQueue extends DeadLetterQueueDefinition, DeployedQueue {}

export function deadLetterQueueDefinitions(assembly: CloudAssembly): DeadLetterQueueDefinition[] {
  const queues = new Map(resourcesOfType(assembly, 'AWS::SQS::Queue').map((q) => [`${q.stackName}/${q.logicalId}`, q]));
  const byKey = new Map<string, { queue: TemplateResource; sources: DeadLetterSource[] }>();
  const add = (stackName: string, queueId: string | undefined, source: DeadLetterSource) => {
    const queue = queueId === undefined ? undefined : queues.get(`${stackName}/${queueId}`);
    if (queue === undefined) return;
    const entry = byKey.get(`${stackName}/${queueId}`) ?? { queue, sources: [] };
    byKey.set(`${stackName}/${queueId}`, entry);
    entry.sources.push(source);
  };
  const consumersOf = consumerIndex(assembly);
  for (const queue of queues.values()) {
    const policy = parsePolicy(queue.properties.RedrivePolicy);
    if (policy === undefined) continue;
    const maxReceiveCount = Number(policy.maxReceiveCount);
    add(queue.stackName, referencedId(policy.deadLetterTargetArn), {
      kind: 'queue',
      queueLogicalId: queue.logicalId,
      maxReceiveCount: Number.isFinite(maxReceiveCount) ? maxReceiveCount : undefined,
      consumers: consumersOf.get(`${queue.stackName}/${queue.logicalId}`) ?? [],
    });
  }
  const types = new Map(assembly.stacks.flatMap((s) => s.resources.map((r) => [`${s.stackName}/${r.logicalId}`, r.type] as const)));
  for (const rule of resourcesOfType(assembly, 'AWS::Events::Rule')) {
    for (const target of (rule.properties.Targets ?? []) as Record<string, unknown>[]) {
      const dlq = (target.DeadLetterConfig as { Arn?: unknown } | undefined)?.Arn;
      if (dlq === undefined) continue;
      const targetLogicalId = referencedId(target.Arn);
      add(rule.stackName, referencedId(dlq), {
        kind: 'rule-target',
        ruleLogicalId: rule.logicalId,
        targetId: String(target.Id ?? ''),
        targetLogicalId,
        targetType: targetLogicalId === undefined ? undefined : types.get(`${rule.stackName}/${targetLogicalId}`),
        transformsInput: target.Input !== undefined || target.InputPath !== undefined || target.InputTransformer !== undefined,
      });
    }
  }
  for (const subscriber of resourcesOfType(assembly, 'AWS::EventsV2::Subscriber')) {
    const dlq = (subscriber.properties.OnFailureConfiguration as { Arn?: unknown } | undefined)?.Arn;
    if (dlq === undefined) continue;
    const targetLogicalId = referencedId((subscriber.properties.InvokeConfiguration as { TargetArn?: unknown } | undefined)?.TargetArn);
    add(subscriber.stackName, referencedId(dlq), {
      kind: 'subscriber',
      subscriberLogicalId: subscriber.logicalId,
      subscriberName: typeof subscriber.properties.Name === 'string' ? subscriber.properties.Name : resourceName(subscriber.logicalId),
      targetLogicalId,
      targetType: targetLogicalId === undefined ? undefined : types.get(`${subscriber.stackName}/${targetLogicalId}`),
    });
  }
  for (const fn of resourcesOfType(assembly, 'AWS::Lambda::Function')) {
    const dlq = (fn.properties.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    add(fn.stackName, referencedId(dlq), { kind: 'function', functionLogicalId: fn.logicalId, how: 'DeadLetterConfig' });
  }
  for (const config of resourcesOfType(assembly, 'AWS::Lambda::EventInvokeConfig')) {
    const destination = (config.properties.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
      ?.Destination;
    const functionLogicalId = referencedId(config.properties.FunctionName);
    if (functionLogicalId !== undefined)
      add(config.stackName, referencedId(destination), { kind: 'function', functionLogicalId, how: 'OnFailure' });
  }
  return [...byKey.values()].map(({ queue, sources }) => ({
    name: resourceName(queue.logicalId),
    stackName: queue.stackName,
    logicalId: queue.logicalId,
    explicitName: typeof queue.properties.QueueName === 'string' ? queue.properties.QueueName : undefined,
    fifo: String(queue.properties.FifoQueue) === 'true',
    sources,
    ...constructPathOf(queue),
  }));
}

/** The functions an event source mapping feeds from each queue, by `<stack>/<queue logical id>`. */
function consumerIndex(assembly: CloudAssembly): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const mapping of resourcesOfType(assembly, 'AWS::Lambda::EventSourceMapping')) {
    const queueId = referencedId(mapping.properties.EventSourceArn);
    const functionId = referencedId(mapping.properties.FunctionName);
    if (queueId === undefined || functionId === undefined) continue;
    const key = `${mapping.stackName}/${queueId}`;
    index.set(key, [...(index.get(key) ?? []), functionId]);
  }
  return index;
}

function parsePolicy(value: unknown): { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined {
  if (typeof value === 'string') {
    try {
      return JSON.parse(value) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

// The one matcher of deployed names, pure so that the resolver of names (inspect/app-names.ts) loads no SQS client.
export { physicalNameMatches };

/** Every queue of the target, by name. */
export async function listQueues(clients: Clients): Promise<DeployedQueue[]> {
  const urls: string[] = [];
  for await (const page of pages(clients.target, paginateListQueues({ client: clients.sqs, pageSize: 1000 }, {}))) {
    urls.push(...(page.QueueUrls ?? []));
  }
  return urls.map((url) => {
    const name = url.split('/').at(-1) ?? url;
    const account = url.split('/').at(-2) ?? '';
    const region = regionOf(url, clients);
    return { url, queueName: name, arn: `arn:aws:sqs:${region}:${account}:${name}` };
  });
}

function regionOf(url: string, clients: Clients): string {
  const fromHost = /sqs\.([a-z0-9-]+)\.amazonaws\.com/.exec(url)?.[1];
  return fromHost ?? (clients.target.kind === 'local' ? clients.target.region : (clients.target.region ?? 'us-east-1'));
}

/**
 * Finds each queue of the template among the target's. A name CloudFormation cut to fit
 * is not matched by name: then the `aws:cloudformation:logical-id` tag decides.
 */
export async function resolveQueues<D extends { stackName: string; logicalId: string; explicitName?: string; fifo?: boolean }>(
  clients: Clients,
  definitions: readonly D[],
  deployed?: readonly DeployedQueue[],
): Promise<{ found: (D & DeployedQueue)[]; missing: D[] }> {
  const queues = deployed ?? (await listQueues(clients));
  const found: (D & DeployedQueue)[] = [];
  const missing: D[] = [];
  for (const definition of definitions) {
    const queue = queues.find((q) => physicalNameMatches(definition, q.queueName));
    if (queue) found.push({ ...definition, ...queue });
    else missing.push(definition);
  }
  if (missing.length === 0 || clients.target.kind === 'local') return { found, missing };
  const stillMissing: D[] = [];
  for (const definition of missing) {
    const prefix = definition.stackName.slice(0, 10);
    let match: DeployedQueue | undefined;
    for (const queue of queues.filter((q) => q.queueName.startsWith(prefix))) {
      const { Tags = {} } = await call(clients.target, () => clients.sqs.send(new ListQueueTagsCommand({ QueueUrl: queue.url })));
      if (
        Tags['aws:cloudformation:logical-id'] === definition.logicalId &&
        Tags['aws:cloudformation:stack-name'] === definition.stackName
      ) {
        match = queue;
        break;
      }
    }
    if (match) found.push({ ...definition, ...match });
    else stillMissing.push(definition);
  }
  return { found, missing: stillMissing };
}

/** The queue a source logical id names, when the template has it. */
export function queueDefinition(assembly: CloudAssembly, stackName: string, logicalId: string) {
  const queue = resourcesOfType(assembly, 'AWS::SQS::Queue').find((q) => q.stackName === stackName && q.logicalId === logicalId);
  if (queue === undefined) return undefined;
  return {
    stackName,
    logicalId,
    name: resourceName(logicalId),
    explicitName: typeof queue.properties.QueueName === 'string' ? queue.properties.QueueName : undefined,
    fifo: String(queue.properties.FifoQueue) === 'true',
  };
}
