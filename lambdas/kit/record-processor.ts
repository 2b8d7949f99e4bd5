import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSRecord } from 'aws-lambda';
import { FLOW_OUTCOMES } from '../../contracts/flow-control.js';
import type { AnyEventContract } from '../../contracts/index.js';
import type { ReprocessOutcome } from '../../contracts/replay-policy.js';
import type { ValidatedEvent } from './envelope.js';
import { toError } from './errors.js';
import type { FailurePolicy } from './failure-policy.js';
import { FlowHeldBackError } from './flow-control/errors.js';
import type { FlowGate, FlowPass, FlowSuperseded } from './flow-control/gate.js';
import type { PriorityLanes } from './flow-control/priority.js';
import { handleNotRunReplay, logReprocessed, type ReplayHandling, replayOf } from './replay-handling.js';
import { inSpan } from './tracing/invocation.js';
import {
  eventAttributes,
  type FlowStepOutcome,
  flowControlSpan,
  producerLinks,
  queueNameOf,
  recordAttributes,
} from './tracing/record-spans.js';
import type { TraceSpan } from './tracing/spans.js';

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

/** How a record that was processed without failing ended. */
type ProcessedOutcome = Extract<ReprocessOutcome, 'ran' | 'duplicate' | 'superseded'>;

/** What happened to the records of one batch that completed without running the handler, for the batch's metrics. */
export interface ProcessedCounts {
  duplicates: number;
  replayedNotRun: number;
  superseded: number;
}

export interface RecordProcessorOptions<C extends readonly AnyEventContract[]> {
  /** The registry, record loggers and policy replayed events are handled with (the registry also parses every record). */
  readonly replay: ReplayHandling<C>;
  readonly lanes?: PriorityLanes;
  readonly gate?: FlowGate;
  readonly process: DomainStep;
  /** Whether `process` claims each record in an idempotency store (its span is then the claim's). */
  readonly claims: boolean;
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

  /** Processes one record, as a consumer span of the invocation's (linked to the trace that sent it). */
  async process(record: SQSRecord): Promise<void> {
    // Thrown past the span, which #process has already marked: a record held back is no failure of it.
    let toRetry: { error: unknown } | undefined;
    await inSpan(`process ${queueNameOf(record)}`, 'consumer', recordAttributes(record), async (span) => {
      if (span.recording) for (const link of producerLinks(record)) span.addLink(link);
      try {
        await this.#process(record, span);
      } catch (error) {
        toRetry = { error };
      }
    });
    if (toRetry) throw toRetry.error;
  }

  async #process(record: SQSRecord, span: TraceSpan): Promise<void> {
    const { replay, failures } = this.#options;
    const { registry, loggers } = replay;
    const replayed = replayOf(record, replay.policy);
    if (replayed !== undefined && replayed.policy !== 'reprocess') {
      await handleNotRunReplay(record, replayed, replay);
      this.counts.replayedNotRun++;
      span.setAttribute('switchyard.record.outcome', 'replay-not-run');
      return;
    }
    let recordLogger = loggers({ messageId: record.messageId });
    let idempotencyKey: string | undefined;
    let outcome: ReprocessOutcome = 'failed';
    try {
      const event = registry.parseRecord(record);
      idempotencyKey = event.idempotencyKey;
      if (span.recording) {
        span.updateName(`process ${event.envelope['detail-type']}`);
        span.setAttributes(eventAttributes(event));
        for (const link of producerLinks(record, event)) span.addLink(link);
      }
      recordLogger = loggers({
        messageId: record.messageId,
        eventId: event.envelope.id,
        detailType: event.envelope['detail-type'],
        correlationId: event.correlationId,
      });
      const eventLogger = recordLogger;
      outcome = await this.#inOrder.run(event.idempotencyKey, () => this.#processEvent(record, event, eventLogger, span));
    } catch (thrown) {
      const error = toError(thrown);
      // Held back by flow control is a decision, not a failure: its span says so (flowControlSpan).
      if (!(error instanceof FlowHeldBackError)) span.recordError(error);
      outcome = error instanceof FlowHeldBackError ? 'held-back' : 'failed';
      span.setAttribute('switchyard.record.outcome', outcome);
      await failures.route({ record, error, logger: recordLogger, idempotencyKey });
    } finally {
      // A replay's events say what became of each, for `switchyard replay` to count.
      if (replayed !== undefined) logReprocessed(recordLogger, replayed, outcome, idempotencyKey);
    }
  }

  async #processEvent(record: SQSRecord, event: ValidatedEvent, recordLogger: Logger, span: TraceSpan): Promise<ProcessedOutcome> {
    const { lanes, lambdaContext } = this.#options;
    // Priority lanes first: a lower-lane record may have to yield to a higher lane's
    // backlog (throws FlowHeldBackError), or holds one of its lane's guaranteed slots.
    const lane =
      lanes &&
      (await flowControlSpan(
        'flow control: priority lanes',
        () => lanes.enter(record, lambdaContext.getRemainingTimeInMillis(), recordLogger),
        ({ error }) => flowOutcome(error, undefined),
      ));
    try {
      return await this.#processGated(record, event, recordLogger, span);
    } finally {
      await lane?.leave(recordLogger);
    }
  }

  async #processGated(record: SQSRecord, event: ValidatedEvent, recordLogger: Logger, span: TraceSpan): Promise<ProcessedOutcome> {
    const { gate, lambdaContext } = this.#options;
    // Flow control's step before the domain step: it may hold the record back (throws
    // FlowHeldBackError) or find it superseded by a later record of its key (debounce).
    const pass =
      gate &&
      (await flowControlSpan(
        `flow control: ${gate.settings.flow}`,
        () => gate.enter(record, event.envelope, lambdaContext.getRemainingTimeInMillis(), recordLogger),
        ({ value, error }) => flowOutcome(error, value),
      ));
    if (pass?.kind === 'superseded') {
      this.counts.superseded++;
      span.setAttribute('switchyard.record.outcome', 'superseded');
      recordLogger.info('superseded: a later record of its key runs instead (debounce); completed without running', {
        flowControl: { outcome: FLOW_OUTCOMES.superseded, key: pass.key, supersededBy: pass.by },
        idempotencyKey: event.idempotencyKey,
      });
      return 'superseded';
    }
    const run = { ran: false };
    let processed: ProcessedRecord;
    try {
      processed = await this.#claim(event, record, recordLogger, run);
    } catch (thrown) {
      // Flow control's step after a failure: frees the slot, pauses a throttled key.
      throw (await pass?.leave(recordLogger, toError(thrown))) ?? thrown;
    }
    await pass?.leave(recordLogger);
    span.setAttribute('switchyard.record.outcome', run.ran ? 'processed' : 'duplicate');
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
    return run.ran ? 'ran' : 'duplicate';
  }
  /**
   * The domain step, through the idempotency claim when the consumer claims records: a span
   * saying whether the claim ran the handler, found the fact already processed (a duplicate) or
   * in progress elsewhere.
   */
  async #claim(event: ValidatedEvent, record: SQSRecord, recordLogger: Logger, run: { ran: boolean }): Promise<ProcessedRecord> {
    const { process, claims, lambdaContext } = this.#options;
    const step = () => process({ key: event.idempotencyKey }, event, record, recordLogger, lambdaContext, run);
    if (!claims) return step();
    return inSpan('idempotency claim', 'internal', { 'switchyard.idempotency.key': event.idempotencyKey }, async (span) => {
      try {
        const processed = await step();
        span.setAttribute('switchyard.idempotency.outcome', run.ran ? 'claimed' : 'duplicate');
        return processed;
      } catch (error) {
        const inProgress = (error as Error | undefined)?.name === 'IdempotencyAlreadyInProgressError';
        span.setAttribute('switchyard.idempotency.outcome', inProgress ? 'in-progress' : run.ran ? 'claimed' : 'failed');
        throw error;
      }
    });
  }
}

/** What a flow control step decided, for its span: the record runs, is superseded, or is held back (and why). */
function flowOutcome(error: unknown, pass: FlowPass | FlowSuperseded | undefined): FlowStepOutcome {
  if (error instanceof FlowHeldBackError) {
    return {
      outcome: 'held-back',
      attributes: {
        'switchyard.flow_control.reason': error.reason,
        'switchyard.flow_control.key': error.flowKey,
        'switchyard.flow_control.retry_after_ms': Math.round(error.retryAfterMs),
      },
    };
  }
  if (error !== undefined) return { outcome: 'failed' };
  if (pass?.kind === 'superseded') {
    return {
      outcome: 'superseded',
      attributes: { 'switchyard.flow_control.key': pass.key, 'switchyard.flow_control.superseded_by': pass.by },
    };
  }
  return { outcome: 'run', attributes: { 'switchyard.flow_control.key': pass?.key } };
}

/**
 * Runs tasks with the same key one after another and tasks with different keys side by
 * side. A task runs after the previous one of its key has settled, whatever its outcome.
 * The Custom Event Bus consumer runs an event group's events in it too.
 */
export class KeyedSequence {
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
