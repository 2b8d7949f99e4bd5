import { createHash, randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';

/**
 * A bucket's queue, topic and function notification configurations
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-how-to-event-types-and-destinations.html):
 * read from a template (the bucket's own `NotificationConfiguration`, or the
 * `Custom::S3BucketNotifications` resource CDK deploys) or from PutBucketNotificationConfiguration's
 * XML, checked as S3 checks them, and matched against each object event.
 */
export type DestinationKind = 'queue' | 'topic' | 'function';

export interface DestinationConfiguration {
  /** S3's `configurationId` in each event: the configuration's `Id`, or one S3 made up when it had none. */
  readonly id: string;
  readonly kind: DestinationKind;
  readonly arn: string;
  /** As written: `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ... */
  readonly events: readonly string[];
  /** Compared with the URL-encoded key, as in the event (a space in a filter is written `+`). */
  readonly prefix?: string;
  readonly suffix?: string;
}

/** The event types S3 takes in a queue, topic or function configuration; the object events this S3 sends are a subset. */
const EVENT_TYPES = new Set([
  's3:ObjectCreated:*',
  's3:ObjectCreated:Put',
  's3:ObjectCreated:Post',
  's3:ObjectCreated:Copy',
  's3:ObjectCreated:CompleteMultipartUpload',
  's3:ObjectRemoved:*',
  's3:ObjectRemoved:Delete',
  's3:ObjectRemoved:DeleteMarkerCreated',
  's3:ObjectRestore:*',
  's3:ObjectRestore:Post',
  's3:ObjectRestore:Completed',
  's3:ObjectRestore:Delete',
  's3:ReducedRedundancyLostObject',
  's3:Replication:*',
  's3:Replication:OperationFailedReplication',
  's3:Replication:OperationMissedThreshold',
  's3:Replication:OperationReplicatedAfterThreshold',
  's3:Replication:OperationNotTracked',
  's3:LifecycleExpiration:*',
  's3:LifecycleExpiration:Delete',
  's3:LifecycleExpiration:DeleteMarkerCreated',
  's3:LifecycleTransition',
  's3:IntelligentTiering',
  's3:ObjectTagging:*',
  's3:ObjectTagging:Put',
  's3:ObjectTagging:Delete',
  's3:ObjectAcl:Put',
]);

/**
 * S3's InvalidArgument with the elements its error document names the argument by
 * (`<ArgumentName>Queue</ArgumentName><ArgumentValue>invalid-queue</ArgumentValue>`, or numbered
 * `ArgumentName1`, `ArgumentValue1`, ... for each destination it could not validate), in order.
 */
export class S3ArgumentError extends AwsError {
  override readonly name = 'S3ArgumentError';
  constructor(
    message: string,
    readonly details: readonly (readonly [string, string])[],
  ) {
    super('InvalidArgument', message);
  }
}

/** How S3's errors name a destination of each kind (the notification XML's older element names). */
const ARGUMENT_NAME: Record<DestinationKind, string> = { queue: 'Queue', topic: 'Topic', function: 'CloudFunction' };

/** The ARN service each kind of destination must name. */
const SERVICE: Record<DestinationKind, string> = { queue: 'sqs', topic: 'sns', function: 'lambda' };

/** Whether a configuration asks for the event `eventName` (`ObjectCreated:Put`, as the record names it) on the URL-encoded key. */
export function matches(configuration: DestinationConfiguration, eventName: string, encodedKey: string): boolean {
  const type = `s3:${eventName}`;
  return (
    configuration.events.some((event) => event === type || (event.endsWith(':*') && type.startsWith(event.slice(0, -1)))) &&
    encodedKey.startsWith(configuration.prefix ?? '') &&
    encodedKey.endsWith(configuration.suffix ?? '')
  );
}

/**
 * Refuses what S3 refuses (InvalidArgument): an unknown event type, a destination that is not an
 * ARN of its kind's service, a FIFO queue or topic (S3 sends only to standard ones), two prefix
 * or two suffix rules in one filter, and two configurations
 * that could both match one event of one key ("Configurations overlap"): a shared event type
 * (a wildcard shares all of its kind), and prefixes of which one starts the other, and suffixes
 * of which one ends the other (an absent rule overlaps every rule).
 */
export function validateConfigurations(configurations: readonly DestinationConfiguration[]): void {
  const ids = new Set<string>();
  for (const configuration of configurations) {
    if (ids.has(configuration.id)) throw invalid('Configuration Ids must be unique.');
    ids.add(configuration.id);
    if (configuration.events.length === 0) throw invalid('Each configuration must name at least one event.');
    for (const event of configuration.events) {
      if (!EVENT_TYPES.has(event)) throw invalid(`The event is not supported for notifications: ${event}`);
    }
    const arn = tryParseArn(configuration.arn);
    if (arn === undefined) {
      throw new S3ArgumentError('The ARN could not be parsed', [
        ['ArgumentName', ARGUMENT_NAME[configuration.kind]],
        ['ArgumentValue', configuration.arn],
      ]);
    }
    if (arn.service !== SERVICE[configuration.kind]) {
      throw invalid(`The ${configuration.kind} destination is not a valid ${SERVICE[configuration.kind]} ARN: ${configuration.arn}`);
    }
    // AWS documents FIFO queues and topics as not supported destinations; its validation at Put refuses them.
    if (configuration.kind !== 'function' && configuration.arn.endsWith('.fifo')) {
      throw invalid(`Unable to validate the following destination configurations: ${configuration.arn} (a FIFO ${configuration.kind})`);
    }
  }
  for (const [index, a] of configurations.entries()) {
    for (const b of configurations.slice(index + 1)) {
      if (eventsOverlap(a.events, b.events) && prefixesOverlap(a.prefix, b.prefix) && suffixesOverlap(a.suffix, b.suffix)) {
        throw invalid('Configurations overlap. Configurations on the same bucket cannot share a common event type.');
      }
    }
  }
}

/**
 * Checks each destination once with `problemOf` (why S3 could not validate it, else undefined)
 * and names every one that failed, numbered (`ArgumentName1`: the ARN, `ArgumentValue1`: why), as
 * AWS's recorded answers show (test/conformance/aws-recorded/s3/).
 * @throws S3ArgumentError InvalidArgument `Unable to validate the following destination configurations`.
 */
export async function validateDestinations(
  configurations: readonly DestinationConfiguration[],
  problemOf: (configuration: DestinationConfiguration) => Promise<string | undefined>,
): Promise<void> {
  const unique = [...new Map(configurations.map((configuration) => [configuration.arn, configuration])).values()];
  const problems = await Promise.all(unique.map(async (configuration) => [configuration.arn, await problemOf(configuration)] as const));
  const found = problems.filter((problem): problem is readonly [string, string] => problem[1] !== undefined);
  if (found.length === 0) return;
  throw new S3ArgumentError(
    'Unable to validate the following destination configurations',
    found.flatMap(([arn, problem], index) => [[`ArgumentName${index + 1}`, arn] as const, [`ArgumentValue${index + 1}`, problem] as const]),
  );
}

function eventsOverlap(a: readonly string[], b: readonly string[]): boolean {
  const covers = (wide: string, narrow: string) => wide === narrow || (wide.endsWith(':*') && narrow.startsWith(wide.slice(0, -1)));
  return a.some((x) => b.some((y) => covers(x, y) || covers(y, x)));
}

function prefixesOverlap(a = '', b = ''): boolean {
  return a.startsWith(b) || b.startsWith(a);
}

function suffixesOverlap(a = '', b = ''): boolean {
  return a.endsWith(b) || b.endsWith(a);
}

function invalid(message: string): AwsError {
  return new AwsError('InvalidArgument', message);
}

/** The rules of one filter: at most one prefix and one suffix (S3 refuses more, and names other than those two). */
function filterOf(rules: readonly { name: unknown; value: unknown }[]): Pick<DestinationConfiguration, 'prefix' | 'suffix'> {
  const filter: { prefix?: string; suffix?: string } = {};
  for (const rule of rules) {
    const name = String(rule.name).toLowerCase();
    if (name !== 'prefix' && name !== 'suffix') throw invalid(`filter rule name must be either prefix or suffix: ${String(rule.name)}`);
    if (filter[name] !== undefined) throw invalid(`Cannot specify more than one ${name} rule in a filter.`);
    filter[name] = String(rule.value ?? '');
  }
  return filter;
}

/** The Id S3 makes up for a configuration sent without one; from the configuration itself when `stable`, so a template's stays the same across starts. */
function madeUpId(stable?: string): string {
  const uuid = stable === undefined ? randomUUID() : createHash('sha256').update(stable).digest('hex').slice(0, 32);
  return Buffer.from(uuid).toString('base64');
}

type Props = Record<string, unknown>;
const list = (value: unknown): Props[] => (Array.isArray(value) ? (value as Props[]) : []);

/**
 * The configurations of a template's `NotificationConfiguration`: the bucket's own
 * (CloudFormation's shape: `QueueConfigurations[].Queue`, `Event`, `Filter.S3Key.Rules`) or a
 * `Custom::S3BucketNotifications` resource's (the S3 API's JSON shape, which CDK v1 and v2
 * pass to PutBucketNotificationConfiguration: `QueueArn`, `Events`, `Filter.Key.FilterRules`),
 * their made-up Ids stable across starts.
 * @throws AwsError InvalidArgument as S3 would refuse it.
 */
export function templateConfigurations(bucket: string, configuration: Props): DestinationConfiguration[] {
  return configurationsOf(configuration, (seed) => madeUpId(`${bucket}/${seed}`));
}

/**
 * The configurations of a PutBucketNotificationConfiguration document (the API's shape, read
 * from its XML by the model-driven codec); S3 makes up the Id of one sent without.
 * @throws AwsError InvalidArgument as S3 would refuse it.
 */
export function configurationsOfModel(configuration: NotificationConfiguration): DestinationConfiguration[] {
  // In the document's order, which S3 keeps: topics, queues, then functions (their test events go out so).
  const order: readonly DestinationKind[] = ['topic', 'queue', 'function'];
  return configurationsOf(configuration as Props, () => madeUpId()).sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

function configurationsOf(configuration: Props, idOf: (seed: string) => string): DestinationConfiguration[] {
  const found: DestinationConfiguration[] = [];
  const add = (kind: DestinationKind, entry: Props, arn: unknown, events: unknown, rules: unknown) => {
    if (typeof arn !== 'string') throw invalid(`the ${kind} destination did not resolve to an ARN: ${JSON.stringify(arn)}`);
    const eventList = (Array.isArray(events) ? events : [events]).map(String);
    const ruleList = list(rules).map((rule) => ({ name: rule.Name, value: rule.Value }));
    const id = typeof entry.Id === 'string' ? entry.Id : idOf(`${found.length}/${kind}/${arn}/${eventList.join(',')}`);
    found.push({ id, kind, arn, events: eventList, ...filterOf(ruleList) });
  };
  const s3KeyRules = (entry: Props) => ((entry.Filter as Props | undefined)?.S3Key as Props | undefined)?.Rules;
  const apiRules = (entry: Props) => ((entry.Filter as Props | undefined)?.Key as Props | undefined)?.FilterRules;
  for (const entry of list(configuration.QueueConfigurations)) {
    if ('QueueArn' in entry) add('queue', entry, entry.QueueArn, entry.Events, apiRules(entry));
    else add('queue', entry, entry.Queue, entry.Event, s3KeyRules(entry));
  }
  for (const entry of list(configuration.TopicConfigurations)) {
    if ('TopicArn' in entry) add('topic', entry, entry.TopicArn, entry.Events, apiRules(entry));
    else add('topic', entry, entry.Topic, entry.Event, s3KeyRules(entry));
  }
  for (const entry of list(configuration.LambdaFunctionConfigurations)) {
    add('function', entry, entry.LambdaFunctionArn, entry.Events, apiRules(entry));
  }
  for (const entry of list(configuration.LambdaConfigurations)) add('function', entry, entry.Function, entry.Event, s3KeyRules(entry));
  validateConfigurations(found);
  return found;
}

/** PutBucketNotificationConfiguration's and GetBucketNotificationConfiguration's document, in the API's shape. */
export interface NotificationConfiguration {
  readonly TopicConfigurations?: readonly Props[];
  readonly QueueConfigurations?: readonly Props[];
  readonly LambdaFunctionConfigurations?: readonly Props[];
  readonly EventBridgeConfiguration?: Props;
}

/** GetBucketNotificationConfiguration's document for the configurations, in the order S3 writes them. */
export function modelOfConfigurations(configurations: readonly DestinationConfiguration[]): NotificationConfiguration {
  const ofKind = (kind: DestinationKind, arnMember: string) => {
    const entries = configurations
      .filter((configuration) => configuration.kind === kind)
      .map((configuration) => {
        const rules = [
          ...(configuration.prefix === undefined ? [] : [{ Name: 'Prefix', Value: configuration.prefix }]),
          ...(configuration.suffix === undefined ? [] : [{ Name: 'Suffix', Value: configuration.suffix }]),
        ];
        return {
          Id: configuration.id,
          [arnMember]: configuration.arn,
          Events: [...configuration.events],
          ...(rules.length === 0 ? {} : { Filter: { Key: { FilterRules: rules } } }),
        };
      });
    return entries.length === 0 ? undefined : entries;
  };
  return {
    TopicConfigurations: ofKind('topic', 'TopicArn'),
    QueueConfigurations: ofKind('queue', 'QueueArn'),
    LambdaFunctionConfigurations: ofKind('function', 'LambdaFunctionArn'),
  };
}
