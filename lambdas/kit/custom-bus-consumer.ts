import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AnyEventContract, Detail } from '../../contracts/index.js';
import { claimConfig, loadIdempotency } from './claims.js';
import type { Emission, EmitCause } from './emit.js';
import { ContractRegistry, type ValidatedEvent } from './envelope.js';
import { ConfigError, EventsFailedError, type FailedBatchEvent, InvalidEventError, isPermanent, toError } from './errors.js';
import { logger as defaultLogger, metrics } from './observability.js';
import { type RecordLoggers, recordLoggers } from './record-loggers.js';
import { KeyedSequence } from './record-processor.js';
import { inSpan, traceInvocation } from './tracing/invocation.js';

/** What a Custom Event Bus event handler gets besides the validated detail. */
export interface CustomBusEventContext {
  /** The validated event: its envelope (the published data), contract, idempotency key and correlation id. */
  readonly event: ValidatedEvent;
  /** The event's group (`SystemMetadata.EventGroupId`, or the consumer's `eventGroupField`), if it has one. */
  readonly eventGroupId?: string;
  /** A logger whose every line carries the event id, detail-type, correlation id and group. */
  readonly logger: Logger;
  /** The invocation's Lambda context. */
  readonly lambdaContext: Context;
  /** Publishes follow-up events that carry this event's correlation id. */
  emit(emissions: readonly Emission[]): Promise<void>;
}

export type CustomBusEventHandler<C extends readonly AnyEventContract[]> = (
  detail: Detail<C[number]>,
  context: CustomBusEventContext,
) => Promise<unknown>;

/** Where a handler's follow-up events go: an EventPublisher (the classic bus) or a CustomBusPublisher. */
export interface FollowUpPublisher {
  emit(emissions: readonly Emission[], cause?: EmitCause): Promise<void>;
}

/** What createCustomBusConsumer builds a subscriber's handler from. */
export interface CustomBusConsumerOptions<C extends readonly AnyEventContract[]> {
  /** The contracts this consumer accepts; an event of any other detail-type is rejected alone (UnknownEventType). */
  readonly contracts: C;
  /** The domain step for one valid event. Its return value is stored with the claim (keep it small JSON). */
  readonly handle: CustomBusEventHandler<C>;
  /**
   * Where side effects are claimed: each event's handler runs inside one conditional write keyed
   * on its idempotency key, so a batch delivered again skips what already succeeded. `false` only
   * for a handler whose one side effect is itself a conditional write keyed on the fact.
   */
  readonly idempotency:
    | {
        readonly persistenceStore: BasePersistenceLayer;
        /** How long a completed claim keeps a fact's later deliveries out. @default 86_400 (a day) */
        readonly expiresAfterSeconds?: number;
      }
    | false;
  /**
   * Keep each event group's order, for a FIFO subscriber (with `InvocationType` REQUEST_RESPONSE):
   * after an event of a group fails, the group's later events of the batch are not run and count
   * as failed; other groups go on.
   * @default false
   */
  readonly ordered?: boolean;
  /**
   * The detail field holding an event's group, for RAW delivery (which carries no system
   * metadata); a WITH_METADATA delivery's `SystemMetadata.EventGroupId` wins. An event whose
   * detail has no value for it is rejected (InvalidEvent), never run outside its group.
   * @default - the group WITH_METADATA delivery names, if any
   */
  readonly eventGroupField?: string;
  /**
   * Needed if the handler calls `emit`.
   * @default - `emit` throws ConfigError
   */
  readonly publisher?: FollowUpPublisher;
  /** @default - the kit's shared logger */
  readonly logger?: Logger;
}

/** What became of a batch whose events all succeeded or were rejected (EventBridge reads none of it: it is for logs and tests). */
export interface CustomBusBatchSummary {
  /** Ids of the events the handler ran for. */
  readonly processed: readonly string[];
  /** Ids of the events whose fact was already processed (their claim completed), skipped. */
  readonly duplicates: readonly string[];
  /** Events that fail however often they are delivered (InvalidEvent, UnknownEventType, a non-retryable error): logged, not retried. */
  readonly rejected: readonly FailedBatchEvent[];
}

/** One event of the batch as delivered: its id, group, and the validated event or why it is not one. */
interface BatchItem {
  readonly eventId: string;
  readonly eventGroupId?: string;
  readonly event?: ValidatedEvent;
  readonly error?: Error;
}

type Outcome =
  | { readonly kind: 'processed' | 'duplicate'; readonly item: BatchItem }
  | { readonly kind: 'rejected' | 'failed' | 'held'; readonly item: BatchItem; readonly error: Error };

type ClaimedStep = (claim: { readonly key: string }, item: BatchItem, run: { ran: boolean }) => Promise<unknown>;

/**
 * Builds the Lambda handler of a Custom Event Bus subscriber (`AWS::EventsV2::Subscriber` with
 * a Lambda target), which receives an ARRAY of events per invocation (a single object when
 * `MaxBatchSize` is 1), each RAW (the published data: for PutEvents, the EventBridge envelope)
 * or WITH_METADATA (`{ Data, Metadata, SystemMetadata }`). It validates each against its
 * contract, claims each idempotency key with one conditional write and runs `handle` once per
 * fact. AWS defines no per-event failure report for this target: a function error is a failed
 * delivery of the whole batch
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-target-lambda.html).
 * So an event a retry may cure fails the invocation (EventsFailedError naming each failed and
 * held event) and EventBridge delivers the batch again, its succeeded events skipped by their
 * claims; an event that can never succeed (it breaks its contract) is rejected alone, logged
 * with its reason, and never fails the batch, which would block it until the retries ran out.
 */
export function createCustomBusConsumer<const C extends readonly AnyEventContract[]>(options: CustomBusConsumerOptions<C>) {
  const registry = new ContractRegistry(options.contracts);
  const logger = options.logger ?? defaultLogger;
  const runHandler = domainStep(options);
  let coldStart = true;

  const batch = async (delivery: unknown, lambdaContext: Context): Promise<CustomBusBatchSummary> => {
    const items = eventsOf(delivery).map((raw, index) => itemOf(raw, index, registry, options.eventGroupField));
    const loggers = recordLoggers(logger, lambdaContext, coldStart);
    coldStart = false;
    let step: ClaimedStep = runHandler(lambdaContext, loggers);
    if (options.idempotency !== false) {
      const { makeIdempotent } = await loadIdempotency();
      const config = await claimConfig(options.idempotency);
      // Ties the in-progress lock to this invocation's deadline: a delivery after a crash may claim again once it lapses.
      config.registerLambdaContext(lambdaContext);
      step = makeIdempotent(step, { persistenceStore: options.idempotency.persistenceStore, config });
    }
    const outcomes = await runBatch(items, step, options.ordered ?? false, loggers);
    return settle(outcomes, loggers);
  };

  const traced = (delivery: unknown, lambdaContext: Context) => {
    const attributes = {
      'faas.trigger': 'pubsub',
      'messaging.system': 'aws_eventbridge',
      'messaging.operation.type': 'process',
      'messaging.batch.message_count': Array.isArray(delivery) ? delivery.length : 1,
    };
    return traceInvocation({ name: lambdaContext.functionName ?? 'consumer', kind: 'server', attributes }, lambdaContext, logger, () =>
      batch(delivery, lambdaContext),
    );
  };
  return middy(traced).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** The events of one invocation: an array, or the one object a subscriber with `MaxBatchSize` 1 sends. */
function eventsOf(delivery: unknown): readonly unknown[] {
  if (Array.isArray(delivery)) return delivery;
  if (isObject(delivery)) return [delivery];
  throw new InvalidEventError(
    `the invocation is not a Custom Event Bus delivery: expected an array of events (or one event object), got ${delivery === null ? 'null' : typeof delivery}`,
  );
}

/**
 * One delivered event as the consumer handles it. WITH_METADATA: the id is
 * `SystemMetadata['aws:EventId']` (given to the envelope if its data has none) and the group
 * `SystemMetadata.EventGroupId`, the names Powertools' WITH_METADATA schema reads
 * (https://docs.aws.amazon.com/powertools/typescript/latest/api/variables/_aws-lambda-powertools_parser.schemas.EventBridgeWithMetadataSystemMetadataSchema.html);
 * RAW: the envelope's `id`, the group from `eventGroupField`.
 */
function itemOf(raw: unknown, index: number, registry: ContractRegistry, groupField: string | undefined): BatchItem {
  const withMetadata = isObject(raw) && isObject(raw.Data) && isObject(raw.SystemMetadata);
  const system = withMetadata ? (raw.SystemMetadata as Record<string, unknown>) : {};
  const data = withMetadata ? (raw.Data as Record<string, unknown>) : raw;
  const systemId = nonEmpty(system['aws:EventId']);
  const eventId = systemId ?? (isObject(data) ? nonEmpty(data.id) : undefined) ?? `#${index}`;
  const systemGroup = nonEmpty(system.EventGroupId);
  try {
    const envelope = isObject(data) && data.id === undefined && systemId !== undefined ? { ...data, id: systemId } : data;
    const event = registry.validateEnvelope(envelope);
    const eventGroupId = systemGroup ?? groupOf(event, groupField);
    return { eventId, ...(eventGroupId === undefined ? {} : { eventGroupId }), event };
  } catch (error) {
    return { eventId, ...(systemGroup === undefined ? {} : { eventGroupId: systemGroup }), error: toError(error) };
  }
}

function groupOf(event: ValidatedEvent, field: string | undefined): string | undefined {
  if (field === undefined) return undefined;
  const value = event.envelope.detail[field];
  if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  throw new InvalidEventError(
    `${event.contract.detailType} ${event.envelope.id} has no event group: detail.${field}, the consumer's eventGroupField, has no string or number value`,
  );
}

/**
 * Runs the batch's events: one after another within a group when `ordered` (else within an
 * idempotency key, so a copy completes as a duplicate), side by side otherwise. A group whose
 * event failed (retryably) holds its later events unrun.
 */
async function runBatch(items: readonly BatchItem[], step: ClaimedStep, ordered: boolean, loggers: RecordLoggers): Promise<Outcome[]> {
  const lanes = new KeyedSequence();
  const failedIn = new Map<string, string>();
  return Promise.all(
    items.map((item): Promise<Outcome> => {
      const { event, error } = item;
      if (event === undefined) return Promise.resolve({ kind: 'rejected', item, error: error ?? new Error('unreadable event') });
      const group = ordered ? item.eventGroupId : undefined;
      const lane = group === undefined ? `key:${event.idempotencyKey}` : `group:${group}`;
      return lanes.run(lane, async (): Promise<Outcome> => {
        const blockedBy = group === undefined ? undefined : failedIn.get(group);
        if (blockedBy !== undefined) {
          const held = new EventsFailedError(`held behind ${blockedBy}, which failed earlier in group ${group}`, []);
          return { kind: 'held', item, error: held };
        }
        const run = { ran: false };
        try {
          await inSpan(`process ${event.envelope['detail-type']}`, 'consumer', {}, () => step({ key: event.idempotencyKey }, item, run));
          return { kind: run.ran ? 'processed' : 'duplicate', item };
        } catch (thrown) {
          const failure = toError(thrown);
          if (isPermanent(failure)) return { kind: 'rejected', item, error: failure };
          if (group !== undefined) failedIn.set(group, item.eventId);
          loggers({ eventId: item.eventId }).warn('event failed; the batch is delivered again', { error: failure });
          return { kind: 'failed', item, error: failure };
        }
      });
    }),
  );
}

/** The consumer's domain step for one valid event: runs the handler; what it returns is what the claim stores. */
function domainStep<C extends readonly AnyEventContract[]>(options: CustomBusConsumerOptions<C>) {
  const { handle, publisher } = options;
  return (lambdaContext: Context, loggers: RecordLoggers): ClaimedStep =>
    async (_claim, item, run) => {
      // Powertools returns a processed fact's stored result without calling this: `run` says which happened.
      run.ran = true;
      const event = item.event as ValidatedEvent;
      const context: CustomBusEventContext = {
        event,
        ...(item.eventGroupId === undefined ? {} : { eventGroupId: item.eventGroupId }),
        logger: loggers({
          eventId: item.eventId,
          detailType: event.envelope['detail-type'],
          correlationId: event.correlationId,
          ...(item.eventGroupId === undefined ? {} : { eventGroupId: item.eventGroupId }),
        }),
        lambdaContext,
        emit: (emissions) => {
          if (publisher === undefined) throw new ConfigError('this consumer was built without a publisher, so it cannot emit');
          return publisher.emit(emissions, event);
        },
      };
      const result = await handle(event.envelope.detail as Detail<C[number]>, context);
      return { processedAt: new Date().toISOString(), eventId: item.eventId, result: result ?? null };
    };
}

/** The batch's answer: its summary, or EventsFailedError when an event failed retryably; metrics and a log line per rejected event either way. */
function settle(outcomes: readonly Outcome[], loggers: RecordLoggers): CustomBusBatchSummary {
  const failedOf = (outcome: Outcome): FailedBatchEvent => ({
    eventId: outcome.item.eventId,
    ...(outcome.item.eventGroupId === undefined ? {} : { eventGroupId: outcome.item.eventGroupId }),
    errorName: 'error' in outcome ? outcome.error.name : '',
    message: 'error' in outcome ? outcome.error.message : '',
  });
  const of = (kind: Outcome['kind']) => outcomes.filter((outcome) => outcome.kind === kind);
  const rejected = of('rejected');
  for (const outcome of rejected) {
    const { eventId, errorName, message } = failedOf(outcome);
    loggers({ eventId }).error('event rejected: it fails however often it is delivered, so it is not retried', {
      errorName,
      reason: message,
    });
  }
  const failed = outcomes.filter((outcome) => outcome.kind === 'failed' || outcome.kind === 'held');
  metrics.addMetric('EventsSucceeded', MetricUnit.Count, of('processed').length + of('duplicate').length);
  metrics.addMetric('DuplicatesSkipped', MetricUnit.Count, of('duplicate').length);
  metrics.addMetric('EventsRejected', MetricUnit.Count, rejected.length);
  metrics.addMetric('EventsFailed', MetricUnit.Count, failed.length);
  const first = outcomes.find((outcome) => outcome.kind === 'failed');
  if (first !== undefined && 'error' in first) {
    throw new EventsFailedError(
      `${failed.length} of ${outcomes.length} events failed; the batch is to be delivered again`,
      failed.map(failedOf),
      {
        cause: first.error,
      },
    );
  }
  return {
    processed: of('processed').map((outcome) => outcome.item.eventId),
    duplicates: of('duplicate').map((outcome) => outcome.item.eventId),
    rejected: rejected.map(failedOf),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
