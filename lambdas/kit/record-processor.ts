import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import { FLOW_OUTCOMES } from '../../contracts/flow-control.js';
import type { AnyEventContract } from '../../contracts/index.js';
import type { ValidatedEvent } from './envelope.js';
import { toError } from './errors.js';
import type { FailurePolicy } from './failure-policy.js';
import type { FlowGate } from './flow-control/gate.js';
import type { PriorityLanes } from './flow-control/priority.js';
import { handledAsReplay, type ReplayHandling } from './replay-handling.js';

/** What the idempotency store keeps for a processed fact: the handler's result, and when and from which message. */
export interface ProcessedRecord {
  readonly processedAt: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly result: unknown;
}

/**
 * The domain step for one valid record, as the consumer runs it (through Powertools
 * idempotency when it claims records). For a fact already processed, Powertools returns the
 * stored ProcessedRecord without calling the handler; `run` tells the caller which of the two happened.
 */
export type DomainStep = (
  claim: { readonly key: string },
  event: ValidatedEvent,
  record: SQSRecord,
  recordLogger: Logger,
  lambdaContext: Context,
  run: { ran: boolean },
) => Promise<ProcessedRecord>;

/** What happened to the records of one batch that completed without running the handler, for the batch's metrics. */
export interface ProcessedCounts {
  duplicates: number;
  replayedNotRun: number;
  superseded: number;
}

export interface RecordProcessorOptions<C extends readonly AnyEventContract[]> {
  /** The registry, logger and policy replayed events are handled with (the registry also parses every record). */
  readonly replay: ReplayHandling<C>;
  readonly lanes?: PriorityLanes;
  readonly gate?: FlowGate;
  readonly process: DomainStep;
  readonly failures: FailurePolicy;
  readonly lambdaContext: Context;
}

/**
 * Processes the records of one batch (one invocation): parses each record, lets a replay
 * policy, the priority lanes and the flow gate have their say, runs the domain step once per
 * fact (records of one fact one after the other) and routes every failure. `process` resolves
 * when the record is settled and throws when it is to be received again.
 */
export class RecordProcessor<C extends readonly AnyEventContract[]> {
  readonly counts: ProcessedCounts = { duplicates: 0, replayedNotRun: 0, superseded: 0 };
  readonly #inOrder = new KeyedSequence();
  readonly #options: RecordProcessorOptions<C>;

  constructor(options: RecordProcessorOptions<C>) {
    this.#options = options;
  }

  async process(record: SQSRecord): Promise<void> {
    const { replay, failures } = this.#options;
    const { registry, logger } = replay;
    if (handledAsReplay(record, replay)) {
      this.counts.replayedNotRun++;
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
      await this.#inOrder.run(event.idempotencyKey, () => this.#processEvent(record, event, eventLogger));
    } catch (thrown) {
      await failures.route({ record, error: toError(thrown), logger: recordLogger, idempotencyKey });
    }
  }

  async #processEvent(record: SQSRecord, event: ValidatedEvent, recordLogger: Logger): Promise<void> {
    const { lanes, lambdaContext } = this.#options;
    // Priority lanes first: a lower-lane record may have to yield to a higher lane's
    // backlog (throws FlowHeldBackError), or holds one of its lane's guaranteed slots.
    const lane = await lanes?.enter(record, lambdaContext.getRemainingTimeInMillis(), recordLogger);
    try {
      await this.#processGated(record, event, recordLogger);
    } finally {
      await lane?.leave(recordLogger);
    }
  }

  async #processGated(record: SQSRecord, event: ValidatedEvent, recordLogger: Logger): Promise<void> {
    const { gate, process, lambdaContext } = this.#options;
    // Flow control's step before the domain step: it may hold the record back (throws
    // FlowHeldBackError) or find it superseded by a later record of its key (debounce).
    const pass = await gate?.enter(record, event.envelope, lambdaContext.getRemainingTimeInMillis(), recordLogger);
    if (pass?.kind === 'superseded') {
      this.counts.superseded++;
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
      this.counts.duplicates++;
      const first = (processed ?? {}) as Partial<ProcessedRecord>;
      recordLogger.info('duplicate skipped: this fact was already processed', {
        idempotencyKey: event.idempotencyKey,
        firstProcessedAt: first.processedAt,
        firstMessageId: first.messageId,
        firstEventId: first.eventId,
      });
    }
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
