import { AwsError } from '../../endpoint/aws-error.js';
import { compilePattern } from '../../events/pattern.js';
import { type PipeDefinition, sentToLocally } from '../../pipes/definitions.js';
import { type SqsMappingDefinition, sqsProvisionedPollerConfig } from './sqs-event-source.js';

/**
 * The members of UpdateEventSourceMapping that belong to other event sources (streams, Kafka,
 * MQ, DocumentDB): Lambda refuses them for an SQS mapping. The code is Lambda's; the wording
 * is ours (AWS does not publish it), but for DestinationConfig's, which is recorded.
 */
const NOT_FOR_SQS = [
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'MaximumRetryAttempts',
  'ParallelizationFactor',
  'SourceAccessConfigurations',
  'TumblingWindowInSeconds',
  'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
] as const;

/** Members AWS takes for an SQS mapping that the local poller does not apply: refused rather than ignored. */
const NOT_RUN_LOCALLY = ['KMSKeyArn', 'MetricsConfig', 'LoggingConfig'] as const;

/** What the local runtime applies of UpdateEventSourceMapping, named in its refusals. */
const APPLIED =
  'Enabled, FunctionName, BatchSize, MaximumBatchingWindowInSeconds, FilterCriteria, ScalingConfig, ProvisionedPollerConfig and FunctionResponseTypes';

/** Lambda's largest batch from a FIFO queue, and from a standard queue without a batching window. */
const UNWINDOWED_BATCH = 10;

const invalid = (message: string) => new AwsError('InvalidParameterValueException', message);

/** Lambda's refusal of a DestinationConfig an SQS mapping never takes, or of an OnSuccess destination, which a stream's does not. */
const unsupportedDestination = () => invalid('Unsupported DestinationConfig parameter for given event source mapping type.');

/** The function a mapping's FunctionName names: the function's name and the reference as given. */
export type MappingFunctionResolver = (functionName: string) => Pick<SqsMappingDefinition, 'functionName' | 'functionReference'>;

/**
 * An SQS mapping as an UpdateEventSourceMapping request body (checked against Lambda's model
 * already) leaves it: the members it gives replace the mapping's, the others stay, and the
 * result is checked as Lambda checks an SQS mapping (a FIFO queue's batch of at most 10 and no
 * batching window; a standard queue's batch over 10 only with a window; ScalingConfig and
 * ProvisionedPollerConfig not both).
 * @throws AwsError InvalidParameterValueException for a member or a combination Lambda refuses, or one not run locally
 */
export function updatedMapping(
  current: SqsMappingDefinition,
  body: Readonly<Record<string, unknown>>,
  resolveFunction: MappingFunctionResolver,
): SqsMappingDefinition {
  const given = (member: string) => body[member] !== undefined && body[member] !== null;
  if (given('DestinationConfig')) throw unsupportedDestination();
  for (const member of NOT_FOR_SQS) {
    if (given(member)) throw invalid(`${member} does not apply to an Amazon SQS event source mapping (${current.queueArn}).`);
  }
  for (const member of NOT_RUN_LOCALLY) {
    if (given(member)) throw invalid(`${member} is not applied by the local runtime's SQS event source mappings: it takes ${APPLIED}.`);
  }
  const next: Record<string, unknown> = { ...current };
  if (given('FunctionName')) Object.assign(next, resolveFunction(String(body.FunctionName)));
  if (given('Enabled')) next.enabled = body.Enabled === true;
  if (given('BatchSize')) next.batchSize = Number(body.BatchSize);
  if (given('MaximumBatchingWindowInSeconds')) next.maximumBatchingWindowSeconds = Number(body.MaximumBatchingWindowInSeconds);
  if (given('FunctionResponseTypes')) {
    next.reportBatchItemFailures = (body.FunctionResponseTypes as unknown[]).includes('ReportBatchItemFailures');
  }
  if (given('FilterCriteria')) {
    // Filters replace the mapping's; none clear them.
    const filters = filterPatterns(body.FilterCriteria);
    if (filters.length === 0) delete next.filters;
    else next.filters = filters;
  }
  if (given('ScalingConfig')) next.maximumConcurrency = (body.ScalingConfig as { MaximumConcurrency?: number }).MaximumConcurrency;
  if (given('ProvisionedPollerConfig')) next.provisionedPollerConfig = body.ProvisionedPollerConfig;
  const mapping = next as unknown as SqsMappingDefinition;
  checkSqsBatching(mapping);
  const scaling = mapping.maximumConcurrency === undefined ? undefined : { MaximumConcurrency: mapping.maximumConcurrency };
  const provisioned = sqsProvisionedPollerConfig(mapping.provisionedPollerConfig, scaling);
  const { provisionedPollerConfig: _, ...rest } = mapping;
  return provisioned === undefined ? rest : { ...rest, provisionedPollerConfig: provisioned };
}

/** Lambda's batching rules for an SQS mapping. */
function checkSqsBatching({ queueArn, batchSize, maximumBatchingWindowSeconds }: SqsMappingDefinition): void {
  if (queueArn.endsWith('.fifo')) {
    if (batchSize > UNWINDOWED_BATCH) {
      throw invalid(`BatchSize must be between 1 and ${UNWINDOWED_BATCH} for an Amazon SQS FIFO queue, not ${batchSize}.`);
    }
    if (maximumBatchingWindowSeconds > 0) {
      throw invalid('MaximumBatchingWindowInSeconds is not supported for an Amazon SQS FIFO queue: leave it out or set it to 0.');
    }
    return;
  }
  if (batchSize > UNWINDOWED_BATCH && maximumBatchingWindowSeconds === 0) {
    // Lambda's own words for this one.
    throw invalid('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
}

/**
 * A FilterCriteria's patterns, each checked as Lambda checks them (an EventBridge pattern: a
 * JSON object of rules), in Lambda's words when one is not.
 */
export function filterPatterns(criteria: unknown): string[] {
  const filters = (criteria as { Filters?: { Pattern?: unknown }[] } | undefined)?.Filters ?? [];
  return filters.map(({ Pattern }) => {
    try {
      compilePattern(Pattern);
    } catch (error) {
      throw new AwsError('InvalidParameterValueException', 'Invalid filter pattern definition.', 400, { cause: error });
    }
    return String(Pattern);
  });
}

/** Members of UpdateEventSourceMapping only an SQS mapping takes: Lambda refuses them for a stream's. */
const SQS_ONLY = ['ScalingConfig', 'ProvisionedPollerConfig'] as const;

/** Members AWS takes for a stream mapping that the local stream reader does not apply: refused rather than ignored. */
const NOT_RUN_FOR_STREAMS = [
  'FunctionName',
  'TumblingWindowInSeconds',
  'SourceAccessConfigurations',
  'KMSKeyArn',
  'MetricsConfig',
  'LoggingConfig',
  'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig',
  'DocumentDBEventSourceConfig',
] as const;

const APPLIED_TO_STREAMS =
  'Enabled, BatchSize, MaximumBatchingWindowInSeconds, FilterCriteria, MaximumRetryAttempts, MaximumRecordAgeInSeconds, BisectBatchOnFunctionError, FunctionResponseTypes, DestinationConfig (an SQS queue, SNS topic or S3 bucket) and ParallelizationFactor 1';

/**
 * A stream (Kinesis, DynamoDB) mapping, run as a pipe, as an UpdateEventSourceMapping request
 * body (checked against Lambda's model already) leaves it: the members it gives replace the
 * mapping's, the others stay.
 * @throws AwsError InvalidParameterValueException for a member Lambda refuses for a stream, or one not run locally
 */
export function updatedStreamMapping(current: PipeDefinition, body: Readonly<Record<string, unknown>>): PipeDefinition {
  const given = (member: string) => body[member] !== undefined && body[member] !== null;
  for (const member of SQS_ONLY) {
    if (given(member)) throw invalid(`${member} applies only to an Amazon SQS event source mapping, not to ${current.sourceArn}.`);
  }
  const notRun = [
    ...NOT_RUN_FOR_STREAMS.filter(given),
    ...(given('ParallelizationFactor') && body.ParallelizationFactor !== 1 ? ['ParallelizationFactor'] : []),
  ];
  if (notRun.length > 0) {
    throw invalid(
      `${notRun.join(', ')} is not applied by the local runtime's stream event source mappings: it takes ${APPLIED_TO_STREAMS}.`,
    );
  }
  const recordAge = body.MaximumRecordAgeInSeconds;
  if (given('MaximumRecordAgeInSeconds') && recordAge !== -1 && Number(recordAge) < MIN_RECORD_AGE_SECONDS) {
    throw invalid(
      `MaximumRecordAgeInSeconds must be -1 (records never expire) or between ${MIN_RECORD_AGE_SECONDS} and 604800, not ${recordAge}.`,
    );
  }
  const mapping = current.mapping ?? { reportBatchItemFailures: false };
  const next: Record<string, unknown> = { ...current };
  const nextMapping: Record<string, unknown> = { ...mapping };
  if (given('Enabled')) next.running = body.Enabled === true;
  if (given('BatchSize')) next.batchSize = Number(body.BatchSize);
  if (given('MaximumBatchingWindowInSeconds')) next.maximumBatchingWindowSeconds = Number(body.MaximumBatchingWindowInSeconds);
  if (given('MaximumRetryAttempts')) next.maximumRetryAttempts = Number(body.MaximumRetryAttempts);
  if (given('MaximumRecordAgeInSeconds')) next.maximumRecordAgeSeconds = Number(recordAge);
  if (given('BisectBatchOnFunctionError')) next.bisectOnFailure = body.BisectBatchOnFunctionError === true;
  // Filters replace the mapping's (the pipe's, which its reader applies); none clear them.
  if (given('FilterCriteria')) next.filters = filterPatterns(body.FilterCriteria);
  if (given('FunctionResponseTypes')) {
    nextMapping.reportBatchItemFailures = (body.FunctionResponseTypes as unknown[]).includes('ReportBatchItemFailures');
  }
  if (given('DestinationConfig')) {
    const config = body.DestinationConfig as { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } };
    if (config.OnSuccess?.Destination !== undefined) throw unsupportedDestination();
    const destination = config.OnFailure?.Destination;
    if (destination !== undefined && !sentToLocally(destination)) {
      throw invalid(`The on-failure destination ${destination} is not sent to locally: give an SQS queue, SNS topic or S3 bucket ARN.`);
    }
    next.deadLetterArn = destination;
    nextMapping.onFailureDestination = destination;
  }
  return { ...next, mapping: nextMapping } as unknown as PipeDefinition;
}

/** Lambda's least MaximumRecordAgeInSeconds (besides -1). */
const MIN_RECORD_AGE_SECONDS = 60;
