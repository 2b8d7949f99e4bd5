import { AwsError } from '../../endpoint/aws-error.js';
import { tryParseArn } from '../../names/arn.js';
import type { PipeDefinition } from '../../pipes/definitions.js';
import { isStreamSourceArn } from '../../pipes/stream-arns.js';
import { validateLambdaInput } from '../core/input-validation.js';
import { filterPatterns, updatedMapping, updatedStreamMapping } from './mapping-changes.js';
import type { SqsMappingDefinition } from './sqs-event-source.js';

/** A self-managed Apache Kafka mapping, which the local runtime keeps (and answers) but does not read: it connects to no Kafka cluster. */
export interface KafkaMappingDefinition {
  readonly uuid: string;
  readonly functionName: string;
  /** The function, version or alias as CreateEventSourceMapping named it. */
  readonly functionReference: string;
  readonly topics: readonly string[];
  readonly bootstrapServers: readonly string[];
  readonly sourceAccessConfigurations: readonly { readonly Type?: string; readonly URI?: string }[];
  readonly consumerGroupId: string;
  readonly batchSize: number;
  readonly startingPosition: string;
  readonly enabled: boolean;
  /** How its last batch ended, in Lambda's words: none is ever read locally. */
  readonly lastProcessingResult: string;
}

/** A mapping CreateEventSourceMapping made, by the kind of its source (each runs where the template's of that kind run). */
export type CreatedMapping =
  | { readonly kind: 'sqs'; readonly definition: SqsMappingDefinition }
  | { readonly kind: 'stream'; readonly definition: PipeDefinition }
  | { readonly kind: 'kafka'; readonly definition: KafkaMappingDefinition };

/** A mapping's UUID, whatever its kind (a stream mapping's pipe is named by it). */
export const uuidOf = (mapping: CreatedMapping): string => (mapping.kind === 'stream' ? mapping.definition.arn : mapping.definition.uuid);

/** What a new mapping is checked against: the function it names, its source, the mappings there are. */
export interface MappingWorld {
  /** The function a FunctionName names (a qualifier must name a version or alias it has): its name, ARN as mapped and role; undefined for none. */
  functionOf(reference: string): { readonly name: string; readonly arn: string; readonly roleArn?: string } | undefined;
  queueExists(queueArn: string): Promise<boolean>;
  streamExists(streamArn: string): boolean;
  /** AWS's refusal of a queue the function's role may not read (when IAM enforces), else undefined. */
  queueRefusal(roleArn: string, queueArn: string, functionName: string): Promise<string | undefined>;
  /** The mappings there are, by what a new one may not repeat: its source and the function (as mapped) it invokes. */
  existing(): readonly {
    readonly uuid: string;
    readonly source: string;
    readonly functionArn: string;
    readonly topics?: readonly string[];
  }[];
}

type Body = Readonly<Record<string, unknown>>;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message);
const conflict = (message: string) => new AwsError('ResourceConflictException', message, 409);

/** The services whose ARNs Lambda takes as event sources that the local runtime does not read, by the ARN's service. */
const NOT_READ_LOCALLY: Readonly<Record<string, string>> = {
  kafka: 'Amazon MSK clusters',
  mq: 'Amazon MQ brokers',
  rds: 'Amazon DocumentDB change streams',
};

/**
 * CreateEventSourceMapping's request as Lambda checks it, in its order as recorded: the model,
 * the source (`Unrecognized event source.`), a DestinationConfig the kind does not take, the
 * function, then the kind's own members (an SQS queue's batching, a stream's starting position,
 * a Kafka cluster's access configuration), the source's existence and a mapping that already
 * joins the source and the function. The defaults are Lambda's (a queue's batch of 10, a stream's
 * of 100 from its StartingPosition, MaximumRetryAttempts and MaximumRecordAgeInSeconds -1).
 * @throws AwsError as Lambda refuses the request, or for a member the local runtime does not apply
 */
export async function createdMapping(body: Body, uuid: string, world: MappingWorld): Promise<CreatedMapping> {
  validateLambdaInput('CreateEventSourceMapping', body);
  const source = typeof body.EventSourceArn === 'string' ? body.EventSourceArn : undefined;
  const service = source === undefined ? undefined : tryParseArn(source)?.service;
  const kafka = source === undefined && body.SelfManagedEventSource !== undefined;
  if (!kafka && service !== 'sqs' && !(source !== undefined && isStreamSourceArn(source))) {
    const notRead = NOT_READ_LOCALLY[service ?? ''];
    if (notRead === undefined) throw invalid('Unrecognized event source.');
    throw invalid(`The local runtime reads no ${notRead}: its event source mappings read SQS queues, DynamoDB and Kinesis streams.`);
  }
  const destination = body.DestinationConfig as { OnSuccess?: unknown } | undefined;
  if (destination !== undefined && (service === 'sqs' || destination.OnSuccess !== undefined)) {
    throw invalid('Unsupported DestinationConfig parameter for given event source mapping type.');
  }
  const reference = String(body.FunctionName);
  const fn = world.functionOf(reference);
  if (fn === undefined) throw invalid('Function does not exist');
  const filters = filterPatterns(body.FilterCriteria);
  if (kafka) return { kind: 'kafka', definition: kafkaMapping(body, uuid, fn, world) };
  if (service === 'sqs' && source !== undefined) {
    return { kind: 'sqs', definition: await sqsMapping(body, { uuid, source, reference, filters }, fn, world) };
  }
  return { kind: 'stream', definition: streamMapping(body, { uuid, source: String(source), reference, filters }, fn, world) };
}

interface Named {
  readonly uuid: string;
  readonly source: string;
  readonly reference: string;
  readonly filters: readonly string[];
}

/** An SQS mapping: the update's checks applied to Lambda's defaults; its queue must exist and be readable by the function's role. */
async function sqsMapping(body: Body, named: Named, fn: { name: string; arn: string; roleArn?: string }, world: MappingWorld) {
  const { uuid, source, reference } = named;
  const initial: SqsMappingDefinition = {
    uuid,
    queueArn: source,
    functionName: fn.name,
    functionReference: reference,
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: false,
    enabled: true,
  };
  const { FunctionName: _f, EventSourceArn: _e, Tags: _t, ...settings } = body;
  const definition = updatedMapping(initial, settings, () => ({
    functionName: fn.name,
    functionReference: reference,
  }));
  if (!(await world.queueExists(source))) {
    throw invalid(
      'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.',
    );
  }
  const refusal = fn.roleArn === undefined ? undefined : await world.queueRefusal(fn.roleArn, source, fn.name);
  if (refusal !== undefined) throw invalid(refusal.replace(/^InvalidParameterValueException: /, ''));
  const same = world.existing().find((m) => m.source === source && m.functionArn === fn.arn);
  if (same !== undefined) {
    throw conflict(
      `An event source mapping with SQS arn (" ${source} ") and function (" ${reference} ") already exists. Please update or delete the existing mapping with UUID ${same.uuid}`,
    );
  }
  return definition;
}

/** A DynamoDB or Kinesis stream mapping, run as a pipe whose target is the function. */
function streamMapping(body: Body, named: Named, fn: { name: string; arn: string; roleArn?: string }, world: MappingWorld): PipeDefinition {
  const { uuid, source, reference, filters } = named;
  const position = body.StartingPosition;
  if (position === undefined) {
    throw invalid("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
  }
  const kinesis = tryParseArn(source)?.service === 'kinesis';
  if (position === 'AT_TIMESTAMP' && !kinesis) throw invalid(`Unsupported starting position for arn type: ${source}`);
  const timestamp = Number(body.StartingPositionTimestamp);
  if (position === 'AT_TIMESTAMP' && !Number.isFinite(timestamp)) {
    throw invalid('StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.');
  }
  if (!world.streamExists(source)) throw invalid(`Stream not found: ${source}`);
  const same = world.existing().find((m) => m.source === source && m.functionArn === fn.arn);
  if (same !== undefined) {
    throw conflict(
      `The event source arn (" ${source} ") and function (" ${reference} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${same.uuid}`,
    );
  }
  const initial: PipeDefinition = {
    name: `esm-${uuid}`,
    arn: uuid,
    sourceArn: source,
    running: true,
    filters,
    startingPosition: position as PipeDefinition['startingPosition'],
    ...(position === 'AT_TIMESTAMP' ? { startingPositionTimestampMs: timestamp * 1000 } : {}),
    batchSize: 100,
    maximumBatchingWindowSeconds: 0,
    maximumRetryAttempts: -1,
    maximumRecordAgeSeconds: -1,
    bisectOnFailure: false,
    targetArn: fn.arn,
    ...(fn.roleArn === undefined ? {} : { roleArn: fn.roleArn }),
    mapping: { reportBatchItemFailures: false },
  };
  const {
    FunctionName: _f,
    EventSourceArn: _e,
    Tags: _t,
    StartingPosition: _p,
    StartingPositionTimestamp: _s,
    FilterCriteria: _c,
    ...settings
  } = body;
  return updatedStreamMapping(initial, settings);
}

/** A self-managed Kafka mapping: kept and answered, never read (the local runtime connects to no Kafka cluster). */
function kafkaMapping(body: Body, uuid: string, fn: { name: string; arn: string }, world: MappingWorld): KafkaMappingDefinition {
  const access = body.SourceAccessConfigurations as KafkaMappingDefinition['sourceAccessConfigurations'] | undefined;
  if (access === undefined || access.length === 0) throw invalid("Required 'sourceAccessConfigurations' parameter is missing.");
  const servers =
    (body.SelfManagedEventSource as { Endpoints?: { KAFKA_BOOTSTRAP_SERVERS?: string[] } }).Endpoints?.KAFKA_BOOTSTRAP_SERVERS ?? [];
  const topics = (body.Topics as string[] | undefined) ?? [];
  const same = world
    .existing()
    .find(
      (m) => m.functionArn === fn.arn && servers.some((s) => m.source.split(',').includes(s)) && topics.some((t) => m.topics?.includes(t)),
    );
  if (same !== undefined) {
    throw conflict(
      `An event source mapping with event source ("${servers.join(',')}"), function ("${fn.arn}"), topics ("${topics.join(',')}") already exists. Please update or delete the existing mapping with UUID ${same.uuid}`,
    );
  }
  const config = body.SelfManagedKafkaEventSourceConfig as { ConsumerGroupId?: string } | undefined;
  return {
    uuid,
    functionName: fn.name,
    functionReference: String(body.FunctionName),
    topics,
    bootstrapServers: servers,
    sourceAccessConfigurations: access,
    consumerGroupId: config?.ConsumerGroupId ?? uuid,
    batchSize: Number(body.BatchSize ?? 100),
    startingPosition: String(body.StartingPosition ?? 'TRIM_HORIZON'),
    enabled: body.Enabled !== false,
    lastProcessingResult: 'No records processed',
  };
}
