import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SQSClient } from '@aws-sdk/client-sqs';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import { REPLAY_LOG_FIELDS, REPLAY_LOG_MESSAGES, type ReplayPolicy, replayPolicyOf } from '../../contracts/replay-policy.js';
import { ENV } from '../../contracts/wiring.js';
import { requireEnv, requireNumber } from './config.js';
import type { Emission, EventPublisher } from './emit.js';
import { ContractRegistry, type ValidatedEvent } from './envelope.js';
import { ConfigError, InvalidEventError, isPermanent, toError } from './errors.js';
import { type FailureQueues, FailureRouter, receiveCountOf } from './failures.js';
import { type HoldBack, holdBackOf } from './hold-back.js';
import { logger as defaultLogger, metrics } from './observability.js';
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
  const router = new FailureRouter(options.failureQueues ?? failureQueuesFromEnv());

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
    const counts = { deadLettered: 0, duplicates: 0, replayedNotRun: 0, circuitOpen: 0, inProgress: 0 };

    const processEvent = async (record: SQSRecord, event: ValidatedEvent, recordLogger: Logger) => {
      const run = { ran: false };
      const processed = await process({ key: event.idempotencyKey }, event, record, recordLogger, lambdaContext, run);
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

    const routeFailure = async (record: SQSRecord, error: Error, recordLogger: Logger, idempotencyKey: string | undefined) => {
      const receiveCount = receiveCountOf(record);
      const hold = holdBackOf(error, lambdaContext.getRemainingTimeInMillis());
      if (hold !== undefined) {
        await holdBack(record, error, hold, recordLogger, idempotencyKey);
        return;
      }
      const permanent = isPermanent(error);
      if (permanent || router.isLastReceive(record)) {
        const why = permanent ? 'permanent failure' : 'retries exhausted';
        try {
          const deadLetterMessageId = await router.deadLetter(record, {
            error,
            functionName: lambdaContext.functionName,
            failedAt: new Date(),
          });
          counts.deadLettered++;
          recordLogger.error(`${why}: record sent to the dead-letter queue, not retried`, {
            reason: { errorName: error.name, errorMessage: error.message },
            receiveCount,
            idempotencyKey,
            deadLetterMessageId,
            error,
          });
          return;
        } catch (thrown) {
          recordLogger.error(`${why}, but sending the record to the dead-letter queue failed; it will be received again`, {
            reason: { errorName: error.name, errorMessage: error.message },
            receiveCount,
            idempotencyKey,
            sendError: toError(thrown),
          });
          throw error;
        }
      }
      let retryInSeconds: number | undefined;
      let backoffError: Error | undefined;
      try {
        retryInSeconds = await router.backOff(record);
      } catch (thrown) {
        // The record still comes back, after the queue's visibility timeout.
        backoffError = toError(thrown);
      }
      recordLogger.warn('record failed; it will be retried', { error, receiveCount, idempotencyKey, retryInSeconds, backoffError });
      throw error;
    };

    /**
     * An open circuit, or a twin delivery holding the claim on the same effect, is no fault
     * of the record: it comes back when the circuit may let a trial through or the claim
     * lapses, never to the dead-letter queue. Each such return is still a receive (SQS
     * counts receives, not failures), so on what would be the last receive the record is
     * sent to its queue again as a new message (receive count 1) and the original
     * acknowledged. Resolves when the record was requeued; throws to report it failed.
     */
    const holdBack = async (record: SQSRecord, error: Error, hold: HoldBack, recordLogger: Logger, idempotencyKey?: string) => {
      if (hold.reason === 'circuit-open') counts.circuitOpen++;
      else counts.inProgress++;
      const why = hold.reason === 'circuit-open' ? 'circuit open' : 'a twin delivery holds the claim on this effect';
      // A twin usually finishes in moments: look again after the usual backoff, or when its
      // claim lapses if that is sooner; either way the wait never counts towards the DLQ.
      const seconds = hold.reason === 'in-progress' ? Math.min(hold.ms / 1000, router.backoffDelay(record)) : hold.ms / 1000;
      const receiveCount = receiveCountOf(record);
      if (router.isLastReceive(record) && router.canRequeue) {
        try {
          const requeuedInSeconds = await router.requeue(record, seconds);
          recordLogger.warn(`${why} on the last receive: record sent to its queue again as a new message`, {
            receiveCount,
            idempotencyKey,
            requeuedInSeconds,
            error,
          });
          return;
        } catch (thrown) {
          recordLogger.error(`${why}, and requeueing the record failed; it will be received again`, {
            receiveCount,
            idempotencyKey,
            sendError: toError(thrown),
          });
          throw error;
        }
      }
      let retryInSeconds: number | undefined;
      let backoffError: Error | undefined;
      try {
        retryInSeconds = await router.holdBack(record, seconds);
      } catch (thrown) {
        backoffError = toError(thrown);
      }
      recordLogger.warn(`${why}: record returned to the queue until it may go through`, {
        receiveCount,
        idempotencyKey,
        retryInSeconds,
        backoffError,
        error,
      });
      throw error;
    };

    /**
     * A replayed event under the `skip` or `dry-run` policy is acknowledged without running
     * the handler, claiming its key or dead-lettering it: a replay that must not act leaves
     * nothing behind but one log line. Resolves false for any other record.
     */
    const honourReplayPolicy = (record: SQSRecord): boolean => {
      const replayName = replayNameOf(record.body);
      const policy = replayPolicyOf(replayName, options.replayPolicy);
      if (replayName === undefined || policy === 'reprocess') return false;
      counts.replayedNotRun++;
      const replayKeys = { [REPLAY_LOG_FIELDS.replayName]: replayName, [REPLAY_LOG_FIELDS.replayPolicy]: policy };
      const replayLogger = logger.createChild({ persistentKeys: { messageId: record.messageId, ...replayKeys } });
      if (policy === 'skip') {
        replayLogger.info(REPLAY_LOG_MESSAGES.skipped, envelopeKeys(record.body));
        return true;
      }
      try {
        const event = registry.parseRecord(record);
        const detail = event.envelope.detail as Detail<C[number]>;
        replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
          eventId: event.envelope.id,
          detailType: event.envelope['detail-type'],
          idempotencyKey: event.idempotencyKey,
          [REPLAY_LOG_FIELDS.valid]: true,
          [REPLAY_LOG_FIELDS.wouldRun]: options.describeDryRun?.(detail, event) ?? { handle: event.contract.detailType },
        });
      } catch (thrown) {
        const error = toError(thrown);
        replayLogger.info(REPLAY_LOG_MESSAGES.dryRun, {
          ...envelopeKeys(record.body),
          [REPLAY_LOG_FIELDS.valid]: false,
          [REPLAY_LOG_FIELDS.problems]: error instanceof InvalidEventError && error.problems.length > 0 ? error.problems : [error.message],
          [REPLAY_LOG_FIELDS.wouldRun]: { deadLetter: error.name },
        });
      }
      return true;
    };

    const recordHandler = async (record: SQSRecord) => {
      if (honourReplayPolicy(record)) return;
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
        await routeFailure(record, toError(thrown), recordLogger, idempotencyKey);
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
    metrics.addMetric('RecordsDeadLettered', MetricUnit.Count, counts.deadLettered);
    metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, counts.duplicates);
    metrics.addMetric('ReplayedEventsNotRun', MetricUnit.Count, counts.replayedNotRun);
    metrics.addMetric('RecordsHeldForOpenCircuit', MetricUnit.Count, counts.circuitOpen);
    metrics.addMetric('RecordsHeldForTwinInProgress', MetricUnit.Count, counts.inProgress);
    metrics.addMetric('RecordsSucceeded', MetricUnit.Count, sqsEvent.Records.length - failed - counts.deadLettered);
    return { batchItemFailures: [...response.batchItemFailures] };
  };

  return middy(handler).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** The `replay-name` of a record's event, without validating anything else; undefined for a live event. */
function replayNameOf(body: string): string | undefined {
  // Most records are live events: only a body that mentions the field is parsed here.
  if (!body.includes('"replay-name"')) return undefined;
  try {
    const name = (JSON.parse(body) as { 'replay-name'?: unknown })['replay-name'];
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The event id and detail-type of a body, when it has them, for log lines about records not validated. */
function envelopeKeys(body: string): { eventId?: unknown; detailType?: unknown } {
  try {
    const event = JSON.parse(body) as Record<string, unknown>;
    return { eventId: event.id, detailType: event['detail-type'] };
  } catch {
    return {};
  }
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
