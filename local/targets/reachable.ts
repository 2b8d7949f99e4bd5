import { tryParseArn } from '../names/arn.js';

/**
 * What `send` reaches, by the ARN's service: the resource type of the ARNs it sends to
 * (undefined: the resource is the name itself, a queue's or a topic's). The one list of what
 * the runtime delivers to: EventBridge rules, Pipes, Scheduler and the start-up report ask
 * {@link reachable} and keep only the restrictions their own AWS service documents. A service
 * added here needs its case in TargetDispatcher's `send` (dispatcher.ts; the switch is checked
 * to cover this table). Apart from the dispatcher so that what it reaches can be asked by those
 * it imports (events/definitions.ts).
 */
export const DISPATCHABLE = {
  sqs: { resourceType: undefined, is: 'an SQS queue' },
  sns: { resourceType: undefined, is: 'an SNS topic' },
  lambda: { resourceType: 'function', is: 'a Lambda function' },
  states: { resourceType: 'stateMachine', is: 'a state machine' },
  events: { resourceType: 'event-bus', is: 'an event bus' },
  kinesis: { resourceType: 'stream', is: 'a Kinesis stream' },
  logs: { resourceType: 'log-group', is: 'a log group' },
  firehose: { resourceType: 'deliverystream', is: 'a Firehose delivery stream' },
} as const satisfies Readonly<Record<string, { readonly resourceType: string | undefined; readonly is: string }>>;

/** A service `send` reaches. */
export type DispatchableService = keyof typeof DISPATCHABLE;

/** The service of an ARN `send` reaches (a queue, topic, function, state machine, bus, stream, log group or delivery stream), else undefined. */
export function dispatchableService(arn: string): DispatchableService | undefined {
  const parsed = tryParseArn(arn);
  if (parsed === undefined || !Object.hasOwn(DISPATCHABLE, parsed.service)) return undefined;
  const service = parsed.service as DispatchableService;
  return DISPATCHABLE[service].resourceType === parsed.resourceType ? service : undefined;
}

/**
 * Whether an ARN names a Custom Event Bus (AWS::EventsV2, `arn:aws:events:...:event-busv2/<name>/<id>`):
 * `send` reaches it when given `customBuses`. Apart from DISPATCHABLE, whose `events` are the
 * classic buses: only EventBridge (rules, Custom Event Bus subscribers) documents it as a target.
 */
export function isCustomBusArn(arn: string): boolean {
  const parsed = tryParseArn(arn);
  return parsed?.service === 'events' && parsed.resourceType === 'event-busv2';
}

/** Whether `send` reaches the resource an ARN names (when given that service's operations). */
export const reachable = (arn: string): boolean => dispatchableService(arn) !== undefined;

/** What `send` reaches, for a message naming it: `an SQS queue, an SNS topic, ... or a Firehose delivery stream`, and any the caller adds first. */
export function reachableKinds(...others: readonly string[]): string {
  const kinds = [...others, ...Object.values(DISPATCHABLE).map((d) => d.is)];
  return `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}`;
}

/** What a target's ARN names, without a version or alias: `service:region:account:type:id`, the key the app's resources are found by. */
function resourceKey(arn: string): string | undefined {
  const parsed = tryParseArn(arn);
  return parsed === undefined ? undefined : keyOf(parsed, parsed.region, parsed.account);
}

/** {@link resourceKey} of a parsed ARN, in the region and account given. */
function keyOf(parsed: NonNullable<ReturnType<typeof tryParseArn>>, region: string, account: string): string {
  return [parsed.service, region, account, parsed.resourceType ?? '', parsed.resourceId].join(':');
}

/**
 * What an app's resources are, by what a target names them with: every resource's `Ref` and
 * attribute that is an ARN (a queue's Arn, a function's Arn, a topic's Ref), keyed as {@link resourceKey}.
 * A stack synthesized for an account or region (`env: { account, region }`) spells its own
 * resources' ARNs out in them (CDK writes `arn:aws:logs:us-east-1:111111111111:log-group:...`
 * for an events target, not `AWS::AccountId`): on AWS those are the stack's own resources, so
 * they are keyed under the stack's account and region too, while the runtime names them in its own.
 * Structural (the loader's `LoadedResource` fits), so that the targets' modules need not import the template.
 */
export function declaredResources(
  resources: readonly {
    readonly ref: string;
    readonly attributes: Readonly<Record<string, string>>;
    readonly stackAccount?: string;
    readonly stackRegion?: string;
  }[],
): ReadonlySet<string> {
  const keys = new Set<string>();
  for (const { ref, attributes, stackAccount, stackRegion } of resources) {
    for (const value of [ref, ...Object.values(attributes)]) {
      const parsed = value.startsWith('arn:') ? tryParseArn(value) : undefined;
      if (parsed === undefined) continue;
      for (const account of new Set([parsed.account, stackAccount ?? parsed.account])) {
        for (const region of new Set([parsed.region, stackRegion ?? parsed.region])) {
          keys.add(keyOf(parsed, region, account));
        }
      }
    }
  }
  return keys;
}

/**
 * Whether a target's ARN names a resource outside the app (imported by name or ARN:
 * `EventBus.fromEventBusName`, `Queue.fromQueueArn`): on AWS it exists in the account, locally
 * only once it is created through the API. Every account's default event bus exists.
 */
export function outsideApp(arn: string, declared: ReadonlySet<string>): boolean {
  const parsed = tryParseArn(arn);
  if (parsed === undefined || dispatchableService(arn) === undefined) return false;
  if (parsed.service === 'events' && parsed.resourceId === 'default') return false;
  return !declared.has(resourceKey(arn) ?? '');
}
