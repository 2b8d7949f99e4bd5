import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import type { Emission, EventPublisher } from './emit.js';
import { ContractRegistry, type ValidatedEvent } from './envelope.js';
import { ConfigError, toError } from './errors.js';
import { logger as defaultLogger, metrics, tracer } from './observability.js';

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

export interface SqsConsumerOptions<C extends readonly AnyEventContract[]> {
  /** The contracts this consumer accepts; a record of any other detail-type fails. */
  readonly contracts: C;
  /** The domain step for one valid record. Its return value is stored as the idempotent result (keep it small JSON). */
  readonly handle: RecordHandler<C>;
  /**
   * Where side effects are claimed. Each record's handler runs inside one atomic
   * conditional write keyed on the contract's idempotency key, so a duplicate or
   * replayed event never runs it twice. Pass `false` only for handlers with no side effects.
   */
  readonly idempotency: { readonly persistenceStore: BasePersistenceLayer; readonly expiresAfterSeconds?: number } | false;
  /**
   * Needed if the handler calls `emit`.
   * @default - `emit` throws ConfigError
   */
  readonly publisher?: EventPublisher;
  /** @default - the kit's shared logger */
  readonly logger?: Logger;
}

/**
 * Builds the Lambda handler for an SQS queue fed by an EventBridge rule: it parses and
 * validates each record, runs `handle` once per business fact, and reports exactly the
 * failed records (`ReportBatchItemFailures`), so one bad record never fails its batch.
 */
export function createSqsConsumer<const C extends readonly AnyEventContract[]>(options: SqsConsumerOptions<C>) {
  const registry = new ContractRegistry(options.contracts);
  const logger = options.logger ?? defaultLogger;
  const { publisher } = options;

  const runHandler = async (_claim: { readonly key: string }, event: ValidatedEvent, recordLogger: Logger, lambdaContext: Context) =>
    (await options.handle(event.envelope.detail as Detail<C[number]>, {
      event,
      logger: recordLogger,
      lambdaContext,
      emit: (emissions) => {
        if (publisher === undefined) throw new ConfigError('this consumer was built without a publisher, so it cannot emit');
        return publisher.emit(emissions, event);
      },
    })) ?? null;

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

    const recordHandler = async (record: SQSRecord) => {
      let recordLogger = logger.createChild({ persistentKeys: { messageId: record.messageId } });
      try {
        const event = registry.parseRecord(record);
        recordLogger = logger.createChild({
          persistentKeys: {
            messageId: record.messageId,
            eventId: event.envelope.id,
            detailType: event.envelope['detail-type'],
            correlationId: event.correlationId,
          },
        });
        return await process({ key: event.idempotencyKey }, event, recordLogger, lambdaContext);
      } catch (thrown) {
        const error = toError(thrown);
        recordLogger.error('record failed; it will be retried or go to the DLQ', {
          error,
          receiveCount: record.attributes.ApproximateReceiveCount,
        });
        throw error;
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
    metrics.addMetric('RecordsSucceeded', MetricUnit.Count, sqsEvent.Records.length - failed);
    return { batchItemFailures: [...response.batchItemFailures] };
  };

  return middy(handler).use(captureLambdaHandler(tracer)).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}
