import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import type { ReplayClaimState, ReplayPolicy } from '../../contracts/replay-policy.js';
import { ENV } from '../../contracts/wiring.js';
import { claimConfig, loadIdempotency } from './claims.js';
import { requireEnv, requireNumber } from './config.js';
import type { Emission, EventPublisher } from './emit.js';
import { ContractRegistry, type ValidatedEvent } from './envelope.js';
import { ConfigError } from './errors.js';
import { type FailureCounts, FailurePolicy } from './failure-policy.js';
import { type FailureQueues, FailureRouter } from './failure-router.js';
import { FlowGate } from './flow-control/gate.js';
import { PriorityLanes } from './flow-control/priority.js';
import { type FlowControlConfig, flowControlFromEnv } from './flow-control/settings.js';
import { logger as defaultLogger, metrics } from './observability.js';
import { recordLoggers } from './record-loggers.js';
import { type DomainStep, type ProcessedCounts, RecordProcessor } from './record-processor.js';
import { instrumentClient } from './tracing/aws-calls.js';
import { inSpan, traceInvocation } from './tracing/invocation.js';
import { queueNameOf } from './tracing/record-spans.js';
/** What a record handler gets besides the validated detail. */
export interface RecordContext {
  /** The validated event: its envelope (id, source, time, `replay-name` on replays), contract, idempotency key and correlation id. */
  readonly event: ValidatedEvent;
  /** A logger whose every line carries the correlation id, event id and message id. */
  readonly logger: Logger;
  readonly lambdaContext: Context;
  /** Publishes follow-up events that carry this event's correlation id. */
  emit(emissions: readonly Emission[]): Promise<void>;
}

export type RecordHandler<C extends readonly AnyEventContract[]> = (detail: Detail<C[number]>, context: RecordContext) => Promise<unknown>;

/** Says what the handler would do with a valid event, without doing it (for replay dry runs): small JSON. */
export type DryRunDescriber<C extends readonly AnyEventContract[]> = (detail: Detail<C[number]>, event: ValidatedEvent) => unknown;

export interface SqsConsumerOptions<C extends readonly AnyEventContract[]> {
  /** The contracts this consumer accepts; a record of any other detail-type is dead-lettered. */
  readonly contracts: C;
  /** The domain step for one valid record. Its return value is stored as the idempotent result (keep it small JSON). */
  readonly handle: RecordHandler<C>;
  /**
   * Where side effects are claimed. Each record's handler runs inside one atomic
   * conditional write keyed on the contract's idempotency key, so a duplicate or
   * replayed event never runs it twice. Pass `false` only for handlers with no side
   * effects, or whose one side effect is itself a conditional write keyed on the fact.
   */
  readonly idempotency: { readonly persistenceStore: BasePersistenceLayer; readonly expiresAfterSeconds?: number } | false;
  /**
   * Needed if the handler calls `emit`.
   * @default - `emit` throws ConfigError
   */
  readonly publisher?: EventPublisher;
  /** @default - the kit's shared logger */
  readonly logger?: Logger;
  /**
   * The queue and dead-letter queue failed records are routed through: a permanent
   * failure (an invalid or unknown event, a non-retryable error) and a transient failure
   * on the last receive are sent to the dead-letter queue at once, with the reason; other
   * failures come back after an exponential backoff.
   * @default - the queues QueueConsumer names in the function's environment (read once, at module load)
   */
  readonly failureQueues?: FailureQueues;
  /**
   * What the handler would do with an event of a dry-run replay (`contracts/replay-policy.ts`),
   * logged in its place; the handler itself never runs on a dry run.
   * @default - the log line names the contract and idempotency key only
   */
  readonly describeDryRun?: DryRunDescriber<C>;
  /**
   * This consumer's policy for a replayed event whose replay name carries none (a replay
   * started from the console or the AWS CLI); a policy in the name always wins. `skip`
   * suits a consumer whose effect must happen once in the world (a payment, an e-mail).
   * @default 'reprocess'
   */
  readonly replayPolicy?: ReplayPolicy;
  /**
   * Keyed flow control (concurrency, rate limit, debounce, pause on throttling) around
   * each record's domain step; `false` for none.
   * @default - what QueueConsumer's `flowControl` configured in the environment (read once, at module load), if anything
   */
  readonly flowControl?: FlowControlConfig | false;
}

type Idempotency = Exclude<SqsConsumerOptions<readonly AnyEventContract[]>['idempotency'], false>;

/**
 * Reads the claim of a key as the consumer's claims are keyed and hashed, for a replay dry
 * run: one consistent GetItem, nothing written. A claim whose in-progress lock has lapsed, or
 * that has expired, lets the handler run again, so it counts as none.
 */
function claimReader(idempotency: Idempotency): (key: string) => Promise<ReplayClaimState> {
  return async (key) => {
    const store = idempotency.persistenceStore;
    // The same settings the batch configures it with (configuring twice alike changes nothing).
    store.configure({ config: await claimConfig(idempotency) });
    try {
      const record = await store.getRecord({ key });
      const status = record.getStatus();
      if (status === 'COMPLETED') return 'applied';
      const lockHeld = record.inProgressExpiryTimestamp === undefined || record.inProgressExpiryTimestamp > Date.now();
      return status === 'INPROGRESS' && lockHeld ? 'in-progress' : 'none';
    } catch (error) {
      if ((error as Error | undefined)?.name === 'IdempotencyItemNotFoundError') return 'none';
      throw error;
    }
  };
}

/** The failure queues QueueConsumer configures, from the environment; fails the cold start if they are missing. */
export function failureQueuesFromEnv(env: NodeJS.ProcessEnv = process.env): FailureQueues {
  return {
    client: instrumentClient(new SQSClient({})),
    queueUrl: requireEnv(ENV.queueUrl, env),
    deadLetterQueueUrl: requireEnv(ENV.deadLetterQueueUrl, env),
    maxReceiveCount: env[ENV.maxReceiveCount] === undefined ? undefined : requireNumber(ENV.maxReceiveCount, 1, 1000, env),
  };
}

/**
 * Builds the Lambda handler for an SQS queue fed by an EventBridge rule: it parses and
 * validates each record, runs `handle` once per business fact (records of one fact in
 * one batch run one after the other, so a copy completes as a duplicate in the same
 * invocation), and routes every failure: permanent ones to the dead-letter queue with
 * the reason, transient ones back to the queue after a backoff. Only records that are
 * to be received again are reported as failed (`ReportBatchItemFailures`).
 */
export function createSqsConsumer<const C extends readonly AnyEventContract[]>(options: SqsConsumerOptions<C>) {
  const registry = new ContractRegistry(options.contracts);
  const logger = options.logger ?? defaultLogger;
  const { publisher } = options;
  const queues = options.failureQueues ?? failureQueuesFromEnv();
  const router = new FailureRouter(queues);
  const flowControl = options.flowControl === undefined ? flowControlFromEnv() : options.flowControl || undefined;
  const gate = flowControl === undefined ? undefined : new FlowGate(flowControl.store, flowControl.settings);
  const priority = flowControl?.settings.priority;
  // Beside the gate, not in it: a record's lane is its queue, not its key, and it yields to
  // the other lanes before any of its key's controls is asked.
  const lanes = priority && new PriorityLanes(flowControl.store, flowControl.settings.flow, priority, queues.client);
  const retentionSeconds = flowControl?.settings.retentionSeconds;
  const retentionMs = retentionSeconds === undefined ? undefined : retentionSeconds * 1000;

  const runHandler = domainStep(options.handle, publisher);
  const claimOf = options.idempotency === false ? undefined : claimReader(options.idempotency);
  // The module's first invocation is its environment's cold start, as Powertools counts it.
  let coldStart = true;

  const batch = async (sqsEvent: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> => {
    // Per invocation, not per module: the processor and the idempotency config hold
    // per-batch state (records, the remaining-time clock).
    const processor = new BatchProcessor(EventType.SQS);
    let process = runHandler;
    if (options.idempotency !== false) {
      const { makeIdempotent } = await loadIdempotency();
      const config = await claimConfig(options.idempotency);
      // Ties the in-progress lock to this invocation's deadline: if the function
      // dies mid-record, a redelivery may claim the record once the lock lapses.
      config.registerLambdaContext(lambdaContext);
      process = makeIdempotent(runHandler, { persistenceStore: options.idempotency.persistenceStore, config });
    }
    const loggers = recordLoggers(logger, lambdaContext, coldStart);
    coldStart = false;
    const failures = new FailurePolicy(router, lambdaContext.functionName, () => lambdaContext.getRemainingTimeInMillis(), retentionMs);
    const records = new RecordProcessor<C>({
      replay: { registry, loggers, policy: options.replayPolicy, describeDryRun: options.describeDryRun, claimOf },
      lanes,
      gate,
      process,
      claims: options.idempotency !== false,
      failures,
      lambdaContext,
    });

    const response = await processPartialResponse(sqsEvent, (record: SQSRecord) => records.process(record), processor, {
      context: lambdaContext,
      // Report every failed id, even when all failed, instead of throwing: the outcome
      // is the same for SQS, and the response always names what failed.
      throwOnFullBatchFailure: false,
    });
    publishBatchMetrics({
      records: sqsEvent.Records.length,
      failed: response.batchItemFailures.length,
      failures: failures.counts,
      processed: records.counts,
      flowControl: gate !== undefined,
    });
    return { batchItemFailures: [...response.batchItemFailures] };
  };

  return middy(tracedBatch(batch, logger)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** A batch in the invocation's span (a FaaS server span triggered by the queue), exported before it answers. */
function tracedBatch(batch: (sqsEvent: SQSEvent, lambdaContext: Context) => Promise<SQSBatchResponse>, logger: Logger) {
  return (sqsEvent: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> => {
    const first = sqsEvent.Records[0];
    const attributes = {
      'faas.trigger': 'pubsub',
      'messaging.system': 'aws_sqs',
      'messaging.operation.type': 'process',
      'messaging.destination.name': first && queueNameOf(first),
      'messaging.batch.message_count': sqsEvent.Records.length,
    };
    const name = lambdaContext.functionName ?? 'consumer';
    return traceInvocation({ name, kind: 'server', attributes }, lambdaContext, logger, async (span) => {
      const response = await batch(sqsEvent, lambdaContext);
      span.setAttribute('switchyard.batch.failed', response.batchItemFailures.length);
      return response;
    });
  };
}

/** The consumer's domain step for one valid record: runs the handler and keeps what the idempotency store stores. */
function domainStep<C extends readonly AnyEventContract[]>(handle: RecordHandler<C>, publisher: EventPublisher | undefined): DomainStep {
  // `run` is DomainStep's: Powertools returns a processed fact's stored record without calling this.
  return async (_claim, event, record, recordLogger, lambdaContext, run) => {
    run.ran = true;
    const context: RecordContext = {
      event,
      logger: recordLogger,
      lambdaContext,
      emit: (emissions) => {
        if (publisher === undefined) throw new ConfigError('this consumer was built without a publisher, so it cannot emit');
        return publisher.emit(emissions, event);
      },
    };
    const detail = event.envelope.detail as Detail<C[number]>;
    const result = await inSpan(`handle ${event.envelope['detail-type']}`, 'internal', {}, () => handle(detail, context));
    return { processedAt: new Date().toISOString(), messageId: record.messageId, eventId: event.envelope.id, result: result ?? null };
  };
}

/** One batch's outcome, as the consumer's metrics. */
function publishBatchMetrics(batch: {
  readonly records: number;
  readonly failed: number;
  readonly failures: FailureCounts;
  readonly processed: ProcessedCounts;
  /** Whether the consumer has keyed flow control: only then are its metrics published. */
  readonly flowControl: boolean;
}): void {
  const { failed, failures, processed } = batch;
  metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
  metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, failures.deadLettered);
  metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, processed.duplicates);
  metrics.addMetric('ReplayedEventsNotRun', MetricUnit.Count, processed.replayedNotRun);
  metrics.addMetric('RecordsHeldForOpenCircuit', MetricUnit.Count, failures.circuitOpen);
  metrics.addMetric('RecordsHeldForTwinInProgress', MetricUnit.Count, failures.inProgress);
  if (batch.flowControl) {
    metrics.addMetric('RecordsHeldByFlowControl', MetricUnit.Count, failures.flowHeldBack);
    metrics.addMetric('RecordsSuperseded', MetricUnit.Count, processed.superseded);
  }
  metrics.addMetric('RecordsSucceeded', MetricUnit.Count, batch.records - failed - failures.deadLettered);
}
