import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { FLOW_OUTCOMES } from '../../contracts/flow-control.js';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import type { ReplayPolicy } from '../../contracts/replay-policy.js';
import { ENV } from '../../contracts/wiring.js';
import { requireEnv, requireNumber } from './config.js';
import type { Emission, EventPublisher } from './emit.js';
import { ContractRegistry, type ValidatedEvent } from './envelope.js';
import { ConfigError, toError } from './errors.js';
import { type FailureQueues, FailureRouter } from './failures.js';
import { FlowGate } from './flow-control/gate.js';
import { PriorityLanes } from './flow-control/priority.js';
import { type FlowControlConfig, flowControlFromEnv } from './flow-control/settings.js';
import { logger as defaultLogger, metrics } from './observability.js';
import { RecordFailures } from './record-failures.js';
import { handledAsReplay } from './replay-handling.js';
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

/**
 * Powertools idempotency (with its JMESPath engine), loaded on the first batch of a consumer
 * that claims records with it: a consumer built with `idempotency: false` (its effect is
 * its own conditional write) never evaluates it at cold start.
 */
let idempotencyModule: Promise<typeof import('@aws-lambda-powertools/idempotency')> | undefined;
function loadIdempotency() {
  idempotencyModule ??= import('@aws-lambda-powertools/idempotency');
  return idempotencyModule;
}

/** What the idempotency store keeps for a processed fact: the handler's result, and when and from which message. */
interface ProcessedRecord {
  readonly processedAt: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly result: unknown;
}

/** The failure queues QueueConsumer configures, from the environment; fails the cold start if they are missing. */
export function failureQueuesFromEnv(env: NodeJS.ProcessEnv = process.env): FailureQueues {
  return {
    client: new SQSClient({}),
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

  const runHandler = async (
    _claim: { readonly key: string },
    event: ValidatedEvent,
    record: SQSRecord,
    recordLogger: Logger,
    lambdaContext: Context,
    // For a fact already processed, Powertools returns the stored ProcessedRecord without
    // calling this function; `run` tells the caller which of the two happened.
    run: { ran: boolean },
  ): Promise<ProcessedRecord> => {
    run.ran = true;
    const result = await options.handle(event.envelope.detail as Detail<C[number]>, {
      event,
      logger: recordLogger,
      lambdaContext,
      emit: (emissions) => {
        if (publisher === undefined) throw new ConfigError('this consumer was built without a publisher, so it cannot emit');
        return publisher.emit(emissions, event);
      },
    });
    return { processedAt: new Date().toISOString(), messageId: record.messageId, eventId: event.envelope.id, result: result ?? null };
  };

  const handler = async (sqsEvent: SQSEvent, lambdaContext: Context): Promise<SQSBatchResponse> => {
    // Per invocation, not per module: the processor and the idempotency config hold
    // per-batch state (records, the remaining-time clock).
    const processor = new BatchProcessor(EventType.SQS);
    let process = runHandler;
    if (options.idempotency !== false) {
      const { IdempotencyConfig, makeIdempotent } = await loadIdempotency();
      const config = new IdempotencyConfig({
        eventKeyJmesPath: 'key',
        expiresAfterSeconds: options.idempotency.expiresAfterSeconds ?? 24 * 60 * 60,
      });
      // Ties the in-progress lock to this invocation's deadline: if the function
      // dies mid-record, a redelivery may claim the record once the lock lapses.
      config.registerLambdaContext(lambdaContext);
      process = makeIdempotent(runHandler, { persistenceStore: options.idempotency.persistenceStore, config });
    }
    const inOrder = new KeyedSequence();
    const counts = { duplicates: 0, replayedNotRun: 0, superseded: 0 };
    const failures = new RecordFailures(router, lambdaContext.functionName, () => lambdaContext.getRemainingTimeInMillis(), retentionMs);

    const processEvent = async (record: SQSRecord, event: ValidatedEvent, recordLogger: Logger) => {
      // Priority lanes first: a lower-lane record may have to yield to a higher lane's
      // backlog (throws FlowHeldBackError), or holds one of its lane's guaranteed slots.
      const lane = await lanes?.enter(record, lambdaContext.getRemainingTimeInMillis(), recordLogger);
      try {
        await processGated(record, event, recordLogger);
      } finally {
        await lane?.leave(recordLogger);
      }
    };

    const processGated = async (record: SQSRecord, event: ValidatedEvent, recordLogger: Logger) => {
      // Flow control's step before the domain step: it may hold the record back (throws
      // FlowHeldBackError) or find it superseded by a later record of its key (debounce).
      const pass = await gate?.enter(record, event.envelope, lambdaContext.getRemainingTimeInMillis(), recordLogger);
      if (pass?.kind === 'superseded') {
        counts.superseded++;
        recordLogger.info('superseded: a later record of its key runs instead (debounce); completed without running', {
          flowControl: { outcome: FLOW_OUTCOMES.superseded, key: pass.key, supersededBy: pass.by },
          idempotencyKey: event.idempotencyKey,
        });
        return;
      }
      const run = { ran: false };
      let processed: ProcessedRecord;
      try {
        processed = await process({ key: event.idempotencyKey }, event, record, recordLogger, lambdaContext, run);
      } catch (thrown) {
        // Flow control's step after a failure: frees the slot, pauses a throttled key.
        throw (await pass?.leave(recordLogger, toError(thrown))) ?? thrown;
      }
      await pass?.leave(recordLogger);
      if (!run.ran) {
        counts.duplicates++;
        const first = (processed ?? {}) as Partial<ProcessedRecord>;
        recordLogger.info('duplicate skipped: this fact was already processed', {
          idempotencyKey: event.idempotencyKey,
          firstProcessedAt: first.processedAt,
          firstMessageId: first.messageId,
          firstEventId: first.eventId,
        });
      }
    };

    const recordHandler = async (record: SQSRecord) => {
      if (handledAsReplay(record, { registry, logger, policy: options.replayPolicy, describeDryRun: options.describeDryRun })) {
        counts.replayedNotRun++;
        return;
      }
      let recordLogger = logger.createChild({ persistentKeys: { messageId: record.messageId } });
      let idempotencyKey: string | undefined;
      try {
        const event = registry.parseRecord(record);
        idempotencyKey = event.idempotencyKey;
        recordLogger = logger.createChild({
          persistentKeys: {
            messageId: record.messageId,
            eventId: event.envelope.id,
            detailType: event.envelope['detail-type'],
            correlationId: event.correlationId,
          },
        });
        const eventLogger = recordLogger;
        await inOrder.run(event.idempotencyKey, () => processEvent(record, event, eventLogger));
      } catch (thrown) {
        await failures.route({ record, error: toError(thrown), logger: recordLogger, idempotencyKey });
      }
    };

    const response = await processPartialResponse(sqsEvent, recordHandler, processor, {
      context: lambdaContext,
      // Report every failed id, even when all failed, instead of throwing: the outcome
      // is the same for SQS, and the response always names what failed.
      throwOnFullBatchFailure: false,
    });
    const failed = response.batchItemFailures.length;
    metrics.addMetric('RecordsFailed', MetricUnit.Count, failed);
    metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, failures.counts.deadLettered);
    metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, counts.duplicates);
    metrics.addMetric('ReplayedEventsNotRun', MetricUnit.Count, counts.replayedNotRun);
    metrics.addMetric('RecordsHeldForOpenCircuit', MetricUnit.Count, failures.counts.circuitOpen);
    metrics.addMetric('RecordsHeldForTwinInProgress', MetricUnit.Count, failures.counts.inProgress);
    if (gate !== undefined) {
      metrics.addMetric('RecordsHeldByFlowControl', MetricUnit.Count, failures.counts.flowHeldBack);
      metrics.addMetric('RecordsSuperseded', MetricUnit.Count, counts.superseded);
    }
    metrics.addMetric('RecordsSucceeded', MetricUnit.Count, sqsEvent.Records.length - failed - failures.counts.deadLettered);
    return { batchItemFailures: [...response.batchItemFailures] };
  };

  return middy(handler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/**
 * Runs tasks with the same key one after another and tasks with different keys side by
 * side. A task runs after the previous one of its key has settled, whatever its outcome.
 */
class KeyedSequence {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    this.#tails.set(
      key,
      current.catch(() => undefined),
    );
    return current;
  }
}
