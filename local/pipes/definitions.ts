import type { LoadedApp, LoadedResource } from '../template/load.js';

/** The resource types this service runs. */
export const PIPES_RESOURCE_TYPES = ['AWS::Pipes::Pipe'];

/** A pipe with a DynamoDB stream source, as the template declares it (the API's defaults filled in). */
export interface PipeDefinition {
  readonly name: string;
  readonly arn: string;
  readonly sourceArn: string;
  readonly running: boolean;
  /** EventBridge patterns (JSON text); a record reaches the pipe's next step if it matches any, or if there are none. */
  readonly filters: readonly string[];
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
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
  readonly targetArn: string;
  readonly targetInputTemplate?: string;
  readonly eventBusParameters?: {
    readonly DetailType?: string;
    readonly Source?: string;
    readonly Time?: string;
    readonly Resources?: readonly string[];
  };
  readonly sqsParameters?: { readonly MessageGroupId?: string; readonly MessageDeduplicationId?: string };
}

type Props = Record<string, unknown>;

/** Target services the local pipes deliver to, by the ARN's service. */
const TARGETS = new Set(['events', 'sqs', 'lambda', 'states']);

/** The template's pipes that run locally, and a warning for each that does not (or runs differently). */
export function pipeDefinitions(app: LoadedApp): { pipes: PipeDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources).filter((r) => r.type === 'AWS::Pipes::Pipe');
  const warnings: string[] = [];
  const pipes: PipeDefinition[] = [];
  const where = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (AWS::Pipes::Pipe)`;
  for (const r of resources) {
    const p = r.properties as Props;
    const source = String(p.Source ?? '');
    const target = String(p.Target ?? '');
    if (!/^arn:[^:]+:dynamodb:[^:]*:[^:]*:table\/[^/]+\/stream\//.test(source)) {
      warnings.push(
        `${where(r)}: its source ${source} is not a DynamoDB stream; only DynamoDB stream sources run locally, so the pipe never runs`,
      );
      continue;
    }
    const service = target.split(':')[2] ?? '';
    if (!TARGETS.has(service)) {
      warnings.push(
        `${where(r)}: its target ${target} is not an event bus, SQS queue, Lambda function or state machine; the pipe does not run locally`,
      );
      continue;
    }
    const sourceParameters = (p.SourceParameters ?? {}) as Props;
    const stream = (sourceParameters.DynamoDBStreamParameters ?? {}) as Props;
    const filterCriteria = (sourceParameters.FilterCriteria ?? {}) as { Filters?: { Pattern?: string }[] };
    const targetParameters = (p.TargetParameters ?? {}) as Props;
    const enrichmentParameters = (p.EnrichmentParameters ?? {}) as Props;
    if (p.Enrichment !== undefined && !String(p.Enrichment).includes(':lambda:')) {
      warnings.push(`${where(r)}: its enrichment ${String(p.Enrichment)} is not a Lambda function; records go to the target without it`);
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
      startingPosition: stream.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
      batchSize: Number(stream.BatchSize ?? 1),
      maximumBatchingWindowSeconds: Number(stream.MaximumBatchingWindowInSeconds ?? 0),
      maximumRetryAttempts: Number(stream.MaximumRetryAttempts ?? -1),
      maximumRecordAgeSeconds: Number(stream.MaximumRecordAgeInSeconds ?? -1),
      bisectOnFailure: stream.OnPartialBatchItemFailure === 'AUTOMATIC_BISECT',
      deadLetterArn: (stream.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
      enrichmentArn: p.Enrichment !== undefined && String(p.Enrichment).includes(':lambda:') ? String(p.Enrichment) : undefined,
      enrichmentInputTemplate: enrichmentParameters.InputTemplate === undefined ? undefined : String(enrichmentParameters.InputTemplate),
      targetArn: target,
      targetInputTemplate: targetParameters.InputTemplate === undefined ? undefined : String(targetParameters.InputTemplate),
      eventBusParameters: targetParameters.EventBridgeEventBusParameters as PipeDefinition['eventBusParameters'],
      sqsParameters: targetParameters.SqsQueueParameters as PipeDefinition['sqsParameters'],
    });
  }
  return { pipes, warnings };
}
