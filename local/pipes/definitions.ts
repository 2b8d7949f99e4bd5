import { apiDestinations } from '../events/api-destinations.js';
import { tryParseArn } from '../names/arn.js';
import { declaredResources, outsideApp, reachable, reachableKinds } from '../targets/reachable.js';
import type { LoadedApp, LoadedResource } from '../template/load.js';
import { templateTags } from '../template/tags.js';
import { httpEndpointOf, httpParametersOf, isHttpArn, type PipeHttpCall } from './pipe-http.js';
import { isStreamSourceArn } from './stream-arns.js';

/** A pipe with a DynamoDB stream, Kinesis stream or SQS source, as the template declares it (the API's defaults filled in). */
export interface PipeDefinition {
  readonly name: string;
  readonly arn: string;
  readonly sourceArn: string;
  readonly running: boolean;
  /** EventBridge patterns (JSON text); a record reaches the pipe's next step if it matches any, or if there are none. */
  readonly filters: readonly string[];
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** With AT_TIMESTAMP (Kinesis only): reading starts at the first record that arrived at or after it, epoch milliseconds. */
  readonly startingPositionTimestampMs?: number;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** -1: retried until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1: records never expire before the stream drops them. */
  readonly maximumRecordAgeSeconds: number;
  readonly bisectOnFailure: boolean;
  readonly deadLetterArn?: string;
  readonly enrichmentArn?: string;
  readonly enrichmentInputTemplate?: string;
  /** An API destination or API Gateway enrichment: where it is called, with its HttpParameters. */
  readonly enrichmentHttp?: PipeHttpCall;
  readonly targetArn: string;
  /** An API destination or API Gateway target: where it is called, with its HttpParameters. */
  readonly targetHttp?: PipeHttpCall;
  readonly targetInputTemplate?: string;
  readonly eventBusParameters?: {
    readonly DetailType?: string;
    readonly Source?: string;
    readonly Time?: string;
    readonly Resources?: readonly string[];
  };
  readonly sqsParameters?: { readonly MessageGroupId?: string; readonly MessageDeduplicationId?: string };
  /** A Kinesis stream target's partition key (a dynamic parameter). */
  readonly kinesisPartitionKey?: string;
  /** A log group target's stream name and event time (dynamic parameters). */
  readonly logsParameters?: { readonly LogStreamName?: string; readonly Timestamp?: string };
  /**
   * How a function or state machine target is invoked: REQUEST_RESPONSE waits for its answer
   * (a function's default; an Express state machine through StartSyncExecution), FIRE_AND_FORGET
   * does not (a state machine's default; a function's `Event` invocation).
   */
  readonly invocationType?: 'REQUEST_RESPONSE' | 'FIRE_AND_FORGET';
  /** The role it reads the stream and delivers as: a pipe's `RoleArn`, a mapping's function's execution role (IAM). */
  readonly roleArn?: string;
  /** Set for a Lambda event source mapping (run by the same reader): the target is the function, invoked with `{ Records }`. */
  readonly mapping?: StreamMappingSettings;
}

/** What a Lambda event source mapping of a stream has besides a pipe's settings (GetEventSourceMapping reports them). */
export interface StreamMappingSettings {
  readonly reportBatchItemFailures: boolean;
  /** As the template gives it (runs as 1). */
  readonly parallelizationFactor?: number;
  /** As the template gives it (not run). */
  readonly tumblingWindowSeconds?: number;
  /** The on-failure destination as given (`deadLetterArn` is set only for one sent to locally). */
  readonly onFailureDestination?: string;
  /** The template's Tags: not kept here, but handed to Lambda's TagStore at each start and synthesis, which ListTags answers from (as for a mapping the API made). */
  readonly tags?: Readonly<Record<string, string>>;
}

type Props = Record<string, unknown>;

/** The targets AWS documents that the local runtime does not run, by the ARN's service, as the start-up report names them. */
const TARGETS_NOT_RUN: Readonly<Record<string, string>> = {
  ecs: 'an ECS task',
  batch: 'a Batch job queue',
  sagemaker: 'a SageMaker AI pipeline',
  redshift: 'Redshift Data API queries',
  'redshift-serverless': 'Redshift Data API queries',
  timestream: 'a Timestream for LiveAnalytics table',
  inspector: 'an Inspector assessment template',
};

/** The template's pipes that run locally, and a warning for each that does not (or runs differently). */
export function pipeDefinitions(app: LoadedApp): { pipes: PipeDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => r.type === 'AWS::Pipes::Pipe');
  const warnings: string[] = [];
  const pipes: PipeDefinition[] = [];
  const where = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (AWS::Pipes::Pipe)`;
  const machineTypes = stateMachineTypes(app);
  const destinations = apiDestinations(app);
  const declared = declaredResources(app.stacks.flatMap((stack) => stack.resources));
  for (const r of resources) {
    const p = r.properties as Props;
    const source = String(p.Source ?? '');
    const target = String(p.Target ?? '');
    const fromQueue = isServiceArn(source, 'sqs');
    if (!isStreamSourceArn(source) && !fromQueue) {
      warnings.push(
        `${where(r)}: its source ${source} is not a DynamoDB stream, a Kinesis stream or an SQS queue; only those sources run locally, so the pipe never runs`,
      );
      continue;
    }
    const notRun = targetNotRun(target);
    if (notRun !== undefined) {
      warnings.push(`${where(r)}: ${notRun}; the pipe does not run locally`);
      continue;
    }
    warnings.push(...outsideAppWarnings(where(r), source, target, declared));
    const sourceParameters = (p.SourceParameters ?? {}) as Props;
    const targetParameters = (p.TargetParameters ?? {}) as Props;
    const stream = (sourceParameters.DynamoDBStreamParameters ?? sourceParameters.KinesisStreamParameters ?? {}) as Props;
    // An SQS source's batch: 10 messages by default, no window; failures go back to the queue (its redrive policy), so no retry settings.
    const queue = fromQueue ? ((sourceParameters.SqsQueueParameters ?? {}) as Props) : undefined;
    const filterCriteria = (sourceParameters.FilterCriteria ?? {}) as { Filters?: { Pattern?: string }[] };
    const enrichmentParameters = (p.EnrichmentParameters ?? {}) as Props;
    const enrichment = enrichmentOf(p.Enrichment, machineTypes, where(r), warnings);
    const invocationType = invocationTypeOf(target, targetParameters, machineTypes, where(r), warnings);
    const http = httpCalls(p, destinations, where(r), warnings);
    if (enrichment === null || invocationType === null || http === null) continue;
    const batchSize = batchSizeOf(queue ?? stream, queue ? 10 : 100, Object.keys(http).length > 0);
    if (typeof batchSize === 'string') {
      warnings.push(`${where(r)}: ${batchSize}; the pipe does not run locally`);
      continue;
    }
    const start = startingPosition(source, stream.StartingPosition, stream.StartingPositionTimestamp);
    if (typeof start === 'string') {
      warnings.push(`${where(r)}: ${start}; the pipe does not run locally`);
      continue;
    }
    if (Number(stream.ParallelizationFactor ?? 1) > 1) {
      warnings.push(
        `${where(r)}: ParallelizationFactor ${String(stream.ParallelizationFactor)} is run as 1 locally (one batch at a time, in order)`,
      );
    }
    if (p.LogConfiguration !== undefined) warnings.push(`${where(r)}: its LogConfiguration is not written locally`);
    pipes.push({
      name: r.physicalName,
      arn: r.attributes.Arn ?? r.ref,
      sourceArn: source,
      running: p.DesiredState !== 'STOPPED',
      filters: (filterCriteria.Filters ?? []).map((f) => String(f.Pattern ?? '{}')),
      ...start,
      batchSize,
      maximumBatchingWindowSeconds: Number((queue ?? stream).MaximumBatchingWindowInSeconds ?? 0),
      maximumRetryAttempts: Number(stream.MaximumRetryAttempts ?? -1),
      maximumRecordAgeSeconds: Number(stream.MaximumRecordAgeInSeconds ?? -1),
      bisectOnFailure: stream.OnPartialBatchItemFailure === 'AUTOMATIC_BISECT',
      deadLetterArn: (stream.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
      enrichmentArn: enrichment,
      enrichmentInputTemplate: enrichmentParameters.InputTemplate === undefined ? undefined : String(enrichmentParameters.InputTemplate),
      ...http,
      targetArn: target,
      targetInputTemplate: targetParameters.InputTemplate === undefined ? undefined : String(targetParameters.InputTemplate),
      eventBusParameters: targetParameters.EventBridgeEventBusParameters as PipeDefinition['eventBusParameters'],
      sqsParameters: targetParameters.SqsQueueParameters as PipeDefinition['sqsParameters'],
      ...targetSettings(targetParameters, invocationType),
      ...(typeof p.RoleArn === 'string' ? { roleArn: p.RoleArn } : {}),
    });
  }
  pipes.push(...streamMappings(app, warnings));
  return { pipes, warnings };
}

/**
 * A source queue or target the app does not declare (imported by name or ARN): on AWS it is in the
 * account, here only once created through the API.
 */
function outsideAppWarnings(where: string, source: string, target: string, declared: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  if (isServiceArn(source, 'sqs') && outsideApp(source, declared)) {
    warnings.push(
      `${where}: its source ${source} is not in the app (imported by name or ARN): the queue does not exist here when the pipe starts, so the pipe does not run locally`,
    );
  }
  if (outsideApp(target, declared)) {
    warnings.push(
      `${where}: its target ${target} is not in the app (imported by name or ARN): its deliveries fail (the resource does not exist) and are retried as its source retries a failed batch, until it is created here through the API`,
    );
  }
  return warnings;
}

/** Why the local runtime does not run a pipe's target, or undefined when it does. */
export function targetNotRun(target: string): string | undefined {
  // What the target dispatcher reaches, and what a pipe calls over HTTP itself (pipe-http.ts).
  if (reachable(target) || isHttpArn(target)) return undefined;
  const kind = TARGETS_NOT_RUN[tryParseArn(target)?.service ?? ''];
  return kind === undefined
    ? `its target ${target} is not ${reachableKinds('an API destination', 'an API Gateway REST API')}`
    : `its target ${target} is ${kind}, which the local runtime does not run`;
}

/**
 * The source's batch size (its default when not given), or why the pipe cannot run: an API
 * destination or API Gateway enrichment or target takes one event at a time, and AWS does not
 * let the source batch for one (so without a BatchSize such a pipe reads one record at a time).
 */
function batchSizeOf(source: Props, byDefault: number, http: boolean): number | string {
  if (!http) return Number(source.BatchSize ?? byDefault);
  if (source.BatchSize === undefined || Number(source.BatchSize) <= 1) return 1;
  return `BatchSize ${String(source.BatchSize)} with an API destination or API Gateway enrichment or target, which take one event at a time (AWS does not let the source batch)`;
}

/**
 * Lambda event source mappings from DynamoDB and Kinesis streams, read like a pipe whose
 * target is the function: batches of `{ Records }` in order per shard, retries, bisection,
 * record age, an on-failure destination (SQS or SNS), filters and ReportBatchItemFailures.
 * (local/lambda/definitions.ts leaves these to this service; it runs the SQS mappings.)
 */
function streamMappings(app: LoadedApp, warnings: string[]): PipeDefinition[] {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const functionArns = new Map(
    resources
      .filter((r) => r.type === 'AWS::Lambda::Function')
      .flatMap((r) => [
        [r.physicalName, r.attributes.Arn ?? r.ref],
        [r.attributes.Arn ?? r.ref, r.attributes.Arn ?? r.ref],
      ]),
  );
  // A mapping reads the stream as its function's execution role.
  const roleArns = new Map(
    resources
      .filter((r) => r.type === 'AWS::Lambda::Function' && typeof r.properties.Role === 'string')
      .map((r) => [r.attributes.Arn ?? r.ref, String(r.properties.Role)]),
  );
  const mappings: PipeDefinition[] = [];
  for (const r of resources.filter((m) => m.type === 'AWS::Lambda::EventSourceMapping')) {
    const p = r.properties as Props;
    const source = String(p.EventSourceArn ?? '');
    if (!isStreamSourceArn(source)) continue;
    const where = `${r.stackName}/${r.logicalId} (AWS::Lambda::EventSourceMapping)`;
    const start = startingPosition(source, p.StartingPosition, p.StartingPositionTimestamp);
    if (typeof start === 'string') {
      warnings.push(`${where}: ${start}; the mapping does not run locally`);
      continue;
    }
    const fn = String(p.FunctionName ?? '');
    const functionArn = functionArns.get(fn) ?? fn;
    const onFailure = (p.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)?.OnFailure?.Destination;
    const destination = onFailure !== undefined && sentToLocally(onFailure) ? onFailure : undefined;
    if (onFailure !== undefined && destination === undefined)
      warnings.push(
        `${where}: its on-failure destination ${onFailure} is not an SQS queue, SNS topic or S3 bucket; it is not sent to locally`,
      );
    if (Number(p.ParallelizationFactor ?? 1) > 1) {
      warnings.push(
        `${where}: ParallelizationFactor ${String(p.ParallelizationFactor)} is run as 1 locally (one batch at a time per shard, in order)`,
      );
    }
    if (p.TumblingWindowInSeconds !== undefined)
      warnings.push(`${where}: TumblingWindowInSeconds is not run locally (no window state is passed)`);
    const filters = ((p.FilterCriteria as { Filters?: { Pattern?: string }[] } | undefined)?.Filters ?? []).map((f) =>
      String(f.Pattern ?? '{}'),
    );
    mappings.push({
      name: `esm-${r.ref}`,
      arn: r.ref,
      sourceArn: source,
      running: p.Enabled !== false,
      filters,
      ...start,
      batchSize: Number(p.BatchSize ?? 100),
      maximumBatchingWindowSeconds: Number(p.MaximumBatchingWindowInSeconds ?? 0),
      maximumRetryAttempts: Number(p.MaximumRetryAttempts ?? -1),
      maximumRecordAgeSeconds: Number(p.MaximumRecordAgeInSeconds ?? -1),
      bisectOnFailure: p.BisectBatchOnFunctionError === true || p.BisectBatchOnFunctionError === 'true',
      deadLetterArn: destination,
      targetArn: functionArn,
      ...(roleArns.has(functionArn) ? { roleArn: roleArns.get(functionArn) } : {}),
      mapping: {
        reportBatchItemFailures: ((p.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
        ...(p.ParallelizationFactor === undefined ? {} : { parallelizationFactor: Number(p.ParallelizationFactor) }),
        ...(p.TumblingWindowInSeconds === undefined ? {} : { tumblingWindowSeconds: Number(p.TumblingWindowInSeconds) }),
        ...(onFailure === undefined ? {} : { onFailureDestination: onFailure }),
        ...templateTags(p.Tags),
      },
    });
  }
  return mappings;
}

/** Where a stream mapping's batches given up on can go locally (AWS also takes Kafka topics, for Kafka sources). */
const ON_FAILURE = new Set(['sqs', 'sns', 's3']);

/** Whether an on-failure destination is one the local runtime sends to (an SQS queue, SNS topic or S3 bucket). */
export const sentToLocally = (destination: string): boolean => ON_FAILURE.has(tryParseArn(destination)?.service ?? '');

/**
 * Where a new pipe or mapping starts reading. AT_TIMESTAMP takes its StartingPositionTimestamp
 * (a mapping's: epoch seconds; a pipe's: an ISO 8601 date or epoch seconds) and only a Kinesis
 * source: AWS refuses the pipe or mapping otherwise, and so the reason (text) is answered.
 */
function startingPosition(
  sourceArn: string,
  value: unknown,
  timestamp: unknown,
): Pick<PipeDefinition, 'startingPosition' | 'startingPositionTimestampMs'> | string {
  if (value === 'LATEST') return { startingPosition: 'LATEST' };
  if (value !== 'AT_TIMESTAMP') return { startingPosition: 'TRIM_HORIZON' };
  if (!isServiceArn(sourceArn, 'kinesis')) return 'StartingPosition AT_TIMESTAMP is only valid for a Kinesis stream source';
  const ms = timestampMs(timestamp);
  if (ms === undefined)
    return `StartingPosition AT_TIMESTAMP needs a StartingPositionTimestamp (epoch seconds or an ISO 8601 date), not ${JSON.stringify(timestamp)}`;
  return { startingPosition: 'AT_TIMESTAMP', startingPositionTimestampMs: ms };
}

function timestampMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Each state machine of the app by its ARN, with its type (STANDARD unless it says EXPRESS). */
function stateMachineTypes(app: LoadedApp): Map<string, 'STANDARD' | 'EXPRESS'> {
  return new Map(
    app.stacks
      .flatMap((stack) => stack.resources)
      .filter((r) => r.type === 'AWS::StepFunctions::StateMachine')
      .map((r) => [r.attributes.Arn ?? r.ref, r.properties.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD'] as const),
  );
}

/**
 * The enrichment a pipe runs locally: a Lambda function, an Express state machine, an API
 * destination or an API Gateway REST API (httpCalls resolves those two). AWS takes no Standard
 * workflow as an enrichment (CreatePipe refuses it), nor anything else: said, and the pipe is
 * not run (`null`).
 */
function enrichmentOf(
  value: unknown,
  machineTypes: ReadonlyMap<string, 'STANDARD' | 'EXPRESS'>,
  where: string,
  warnings: string[],
): string | undefined | null {
  if (value === undefined) return undefined;
  const arn = String(value);
  const service = tryParseArn(arn)?.service;
  if (service === 'lambda' || isHttpArn(arn)) return arn;
  if (service === 'states') {
    if (machineTypes.get(arn) !== 'STANDARD') return arn;
    warnings.push(
      `${where}: its enrichment ${arn} is a STANDARD state machine; EventBridge Pipes takes only Express workflows as enrichments (AWS refuses the pipe), so it does not run locally`,
    );
    return null;
  }
  warnings.push(
    `${where}: its enrichment ${arn} is not a Lambda function, an Express state machine, an API destination or an API Gateway REST API; the pipe does not run locally`,
  );
  return null;
}

/**
 * The pipe's API destination or API Gateway enrichment and target, with their HttpParameters;
 * `null` (and a warning) when one cannot be called locally: an API destination the app does
 * not declare, whose connection's secrets the template does not give, or whose endpoint is
 * not on this machine.
 */
function httpCalls(
  p: Props,
  destinations: Parameters<typeof httpEndpointOf>[1],
  where: string,
  warnings: string[],
): Pick<PipeDefinition, 'enrichmentHttp' | 'targetHttp'> | null {
  const calls: { enrichmentHttp?: PipeHttpCall; targetHttp?: PipeHttpCall } = {};
  const steps = [
    ['enrichment', 'enrichmentHttp', p.Enrichment, p.EnrichmentParameters],
    ['target', 'targetHttp', p.Target, p.TargetParameters],
  ] as const;
  for (const [step, key, arn, parameters] of steps) {
    if (typeof arn !== 'string' || !isHttpArn(arn)) continue;
    const endpoint = httpEndpointOf(arn, destinations);
    if (typeof endpoint === 'string') {
      warnings.push(`${where}: its ${step} cannot be called locally: ${endpoint}; the pipe does not run locally`);
      return null;
    }
    calls[key] = { endpoint, parameters: httpParametersOf((parameters as Props | undefined)?.HttpParameters) };
  }
  return calls;
}

/**
 * How a function or state machine target is invoked (Pipes' InvocationType): a function
 * REQUEST_RESPONSE unless FIRE_AND_FORGET, a state machine FIRE_AND_FORGET unless
 * REQUEST_RESPONSE, which only an Express workflow takes (AWS refuses the pipe otherwise, `null`).
 */
function invocationTypeOf(
  target: string,
  parameters: Props,
  machineTypes: ReadonlyMap<string, 'STANDARD' | 'EXPRESS'>,
  where: string,
  warnings: string[],
): PipeDefinition['invocationType'] | null {
  const service = tryParseArn(target)?.service;
  if (service === 'lambda') {
    const type = (parameters.LambdaFunctionParameters as Props | undefined)?.InvocationType;
    return type === 'FIRE_AND_FORGET' ? 'FIRE_AND_FORGET' : 'REQUEST_RESPONSE';
  }
  if (service !== 'states') return undefined;
  const type = (parameters.StepFunctionStateMachineParameters as Props | undefined)?.InvocationType;
  if (type !== 'REQUEST_RESPONSE') return 'FIRE_AND_FORGET';
  if (machineTypes.get(target) !== 'STANDARD') return 'REQUEST_RESPONSE';
  warnings.push(
    `${where}: its target ${target} is a STANDARD state machine invoked REQUEST_RESPONSE; Pipes runs only Express workflows synchronously (AWS refuses the pipe), so it does not run locally`,
  );
  return null;
}

/** The target's own parameters, for the targets that have some. */
function targetSettings(parameters: Props, invocationType: PipeDefinition['invocationType']): Partial<PipeDefinition> {
  const kinesis = parameters.KinesisStreamParameters as Props | undefined;
  const logs = parameters.CloudWatchLogsParameters as PipeDefinition['logsParameters'];
  return {
    ...(invocationType === undefined ? {} : { invocationType }),
    ...(kinesis?.PartitionKey === undefined ? {} : { kinesisPartitionKey: String(kinesis.PartitionKey) }),
    ...(logs === undefined ? {} : { logsParameters: logs }),
  };
}

function isServiceArn(arn: string, service: string): boolean {
  return tryParseArn(arn)?.service === service;
}
