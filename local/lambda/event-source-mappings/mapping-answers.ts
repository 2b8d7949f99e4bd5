import type { StreamMapping } from '../../pipes/mapping-states.js';
import { parseFunctionName } from '../core/function-reference.js';
import { mappingArn } from '../core/resource-tags.js';
import type { KafkaMappingDefinition } from './mapping-create.js';
import type { SqsMappingDefinition } from './sqs-event-source.js';
import type { MappingStatus } from './sqs-mappings.js';

/** Where mappings are: the region and account of their ARNs, and a function's unqualified ARN by its name. */
export interface MappingPlace {
  readonly region: string;
  readonly accountId: string;
  arnOf(functionName: string): string;
}

/** A function, version or alias named in any of Lambda's forms, as the ARN Lambda compares and answers them by. */
export function mappedArn(place: MappingPlace, nameOrArn: string): string {
  const { name, qualifier } = parseFunctionName(nameOrArn);
  return `${place.arnOf(name)}${qualifier === undefined ? '' : `:${qualifier}`}`;
}

/** An SQS mapping as GetEventSourceMapping answers it (and Create, Update and Delete, with their transitions). */
export function sqsMappingConfiguration(place: MappingPlace, m: SqsMappingDefinition, { state, lastModified }: MappingStatus) {
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowSeconds,
    EventSourceArn: m.queueArn,
    ...(m.filters === undefined ? {} : { FilterCriteria: { Filters: m.filters.map((Pattern) => ({ Pattern })) } }),
    FunctionArn: mappedArn(place, m.functionReference ?? m.functionName),
    // A Date: the REST-JSON codec carries it as epoch seconds.
    LastModified: new Date(lastModified),
    State: state,
    StateTransitionReason: 'USER_INITIATED',
    FunctionResponseTypes: m.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    ...(m.maximumConcurrency ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}),
    ...(m.provisionedPollerConfig ? { ProvisionedPollerConfig: m.provisionedPollerConfig } : {}),
    EventSourceMappingArn: mappingArn(place, m.uuid),
  };
}

/** A stream mapping as GetEventSourceMapping answers it (the members Lambda answers for a Kinesis or DynamoDB stream). */
export function streamMappingConfiguration(
  place: MappingPlace,
  { definition: pipe, state, lastModified, lastProcessingResult }: StreamMapping,
) {
  const mapping = pipe.mapping;
  return {
    UUID: pipe.arn,
    StartingPosition: pipe.startingPosition,
    ...(pipe.startingPositionTimestampMs === undefined ? {} : { StartingPositionTimestamp: new Date(pipe.startingPositionTimestampMs) }),
    BatchSize: pipe.batchSize,
    MaximumBatchingWindowInSeconds: pipe.maximumBatchingWindowSeconds,
    ParallelizationFactor: mapping?.parallelizationFactor ?? 1,
    EventSourceArn: pipe.sourceArn,
    ...(pipe.filters.length === 0 ? {} : { FilterCriteria: { Filters: pipe.filters.map((Pattern) => ({ Pattern })) } }),
    FunctionArn: mappedArn(place, pipe.targetArn),
    LastModified: new Date(lastModified),
    LastProcessingResult: lastProcessingResult,
    State: state,
    StateTransitionReason: 'User action',
    DestinationConfig: {
      OnFailure: mapping?.onFailureDestination === undefined ? {} : { Destination: mapping.onFailureDestination },
    },
    MaximumRecordAgeInSeconds: pipe.maximumRecordAgeSeconds,
    BisectBatchOnFunctionError: pipe.bisectOnFailure,
    MaximumRetryAttempts: pipe.maximumRetryAttempts,
    TumblingWindowInSeconds: mapping?.tumblingWindowSeconds ?? 0,
    FunctionResponseTypes: mapping?.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
    EventSourceMappingArn: mappingArn(place, pipe.arn),
  };
}

/**
 * A self-managed Apache Kafka mapping as Lambda answers it: no EventSourceArn (its brokers are
 * its SelfManagedEventSource) and, as recorded, no EventSourceMappingArn either.
 */
export function kafkaMappingConfiguration(place: MappingPlace, k: KafkaMappingDefinition, { state, lastModified }: MappingStatus) {
  return {
    UUID: k.uuid,
    StartingPosition: k.startingPosition,
    BatchSize: k.batchSize,
    FunctionArn: mappedArn(place, k.functionReference),
    LastModified: new Date(lastModified),
    LastProcessingResult: k.lastProcessingResult,
    State: state,
    StateTransitionReason: 'USER_INITIATED',
    Topics: k.topics,
    SourceAccessConfigurations: k.sourceAccessConfigurations,
    SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: k.bootstrapServers } },
    SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: k.consumerGroupId },
  };
}
