import type { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { isPermanent, toError } from './errors.js';
import { type FailureRouter, receiveCountOf } from './failure-router.js';
import { HOLD_BACK_WHY, type HoldBack, holdBackOf } from './hold-back.js';

/**
 * How long before its retention ends a held-back record must be back: time for a backlogged
 * queue to receive it and for its consumer to requeue it.
 */
const RETENTION_MARGIN_MS = 5 * 60_000;

/** What happened to the failed records of one batch, for the batch's metrics. */
export interface FailureCounts {
  deadLettered: number;
  circuitOpen: number;
  inProgress: number;
  /** Held back by keyed flow control (a limit, a pause or debounce). */
  flowHeldBack: number;
}

/** One failed record: the error, and what to log it with. */
export interface FailedRecord {
  readonly record: SQSRecord;
  readonly error: Error;
  readonly logger: Logger;
  readonly idempotencyKey?: string;
}

/**
 * Decides what becomes of a record whose processing failed, for one invocation: the policy
 * (dead-letter a permanent failure or the last receive, wait out a failure that is not the
 * record's, back off anything else), where `FailureRouter` is the mechanism (the SQS calls).
 * `route` resolves when the record is settled (dead-lettered or requeued, to be acknowledged)
 * and throws the error when the record is to be received again (reported as failed).
 */
export class FailurePolicy {
  readonly counts: FailureCounts = { deadLettered: 0, circuitOpen: 0, inProgress: 0, flowHeldBack: 0 };

  constructor(
    private readonly router: FailureRouter,
    /** The function giving up on records (named on dead-lettered messages). */
    private readonly functionName: string,
    /** This invocation's remaining time: bounds how long a twin's Powertools lock can last. */
    private readonly remainingMs: () => number,
    /** The queue's retention, if known: a hold must end before SQS deletes the record. */
    private readonly retentionMs?: number,
  ) {}

  async route(failed: FailedRecord): Promise<void> {
    const hold = holdBackOf(failed.error, this.remainingMs());
    if (hold !== undefined) return this.#holdBack(failed, hold);
    const permanent = isPermanent(failed.error);
    if (permanent || this.router.isLastReceive(failed.record)) {
      return this.#deadLetter(failed, permanent ? 'permanent failure' : 'retries exhausted');
    }
    return this.#returnToQueue(failed, 'record failed; it will be retried', () => this.router.backOff(failed.record));
  }

  async #deadLetter(failed: FailedRecord, why: string): Promise<void> {
    const { record, error, logger, idempotencyKey } = failed;
    const fields = { reason: { errorName: error.name, errorMessage: error.message }, receiveCount: receiveCountOf(record), idempotencyKey };
    let deadLetterMessageId: string;
    try {
      deadLetterMessageId = await this.router.deadLetter(record, { error, functionName: this.functionName, failedAt: new Date() });
    } catch (thrown) {
      logger.error(`${why}, but sending the record to the dead-letter queue failed; it will be received again`, {
        ...fields,
        sendError: toError(thrown),
      });
      throw error;
    }
    this.counts.deadLettered++;
    logger.error(`${why}: record sent to the dead-letter queue, not retried`, { ...fields, deadLetterMessageId, error });
    await this.#acknowledge(failed, 'sent to the dead-letter queue');
  }

  /**
   * Deletes a settled record at once, so a batch that then times out cannot bring it back
   * to be settled twice. If the delete fails the batch's answer still acknowledges it.
   */
  async #acknowledge({ record, logger }: FailedRecord, settled: string): Promise<void> {
    try {
      await this.router.acknowledge(record);
    } catch (thrown) {
      logger.warn(`record ${settled}, but deleting it from its queue failed; the batch's answer acknowledges it`, {
        deleteError: toError(thrown),
      });
    }
  }

  /**
   * An open circuit, or a twin delivery holding the claim on the same effect, is no fault
   * of the record: it comes back when the circuit may let a trial through or the claim
   * lapses, never to the dead-letter queue. Each such return is still a receive (SQS
   * counts receives, not failures), so on what would be the last receive the record is
   * sent to its queue again as a new message (receive count 1) and the original
   * acknowledged. So is a record whose hold would end after the queue's retention: SQS
   * deletes a message that old whether or not it is visible, so holding it would lose it.
   */
  async #holdBack(failed: FailedRecord, hold: HoldBack): Promise<void> {
    const { record, error, logger, idempotencyKey } = failed;
    if (hold.reason === 'circuit-open') this.counts.circuitOpen++;
    else if (hold.reason === 'in-progress') this.counts.inProgress++;
    else this.counts.flowHeldBack++;
    const why = HOLD_BACK_WHY[hold.reason];
    // A twin usually finishes in moments, a concurrency slot frees when its holder is done:
    // look again after the usual backoff, or when the claim or lease lapses if that is
    // sooner; either way the wait never counts towards the DLQ.
    const seconds = hold.atMost ? Math.min(hold.ms / 1000, this.router.backoffDelay(record)) : hold.ms / 1000;
    const receiveCount = receiveCountOf(record);
    const requeue = this.router.isLastReceive(record) || this.#outlivesRetention(record, seconds);
    if (requeue && this.router.canRequeueRecord(record)) {
      let requeuedInSeconds: number;
      try {
        // The copy's retention runs from its send, delay included (as far as the docs say
        // nothing otherwise): on a short-retention queue it must come back well within it.
        const delay = this.retentionMs === undefined ? seconds : Math.min(seconds, this.retentionMs / 2000);
        requeuedInSeconds = await this.router.requeue(record, delay);
      } catch (thrown) {
        logger.error(`${why}, and requeueing the record failed; it will be received again`, {
          receiveCount,
          idempotencyKey,
          sendError: toError(thrown),
        });
        throw error;
      }
      logger.warn(`${why} on the last receive or near the queue's retention: record sent to its queue again as a new message`, {
        receiveCount,
        idempotencyKey,
        requeuedInSeconds,
        error,
      });
      await this.#acknowledge(failed, 'requeued');
      return;
    }
    return this.#returnToQueue(failed, `${why}: record returned to the queue until it may go through`, () =>
      this.router.holdBack(record, seconds),
    );
  }

  /**
   * Whether the record, held `seconds`, would come back too close to its deletion by the
   * queue's retention (counted from SentTimestamp) to be received and held again in time.
   */
  #outlivesRetention(record: SQSRecord, seconds: number): boolean {
    const sentAt = Number(record.attributes.SentTimestamp);
    if (this.retentionMs === undefined || !Number.isFinite(sentAt) || sentAt <= 0) return false;
    return Date.now() + seconds * 1000 + RETENTION_MARGIN_MS >= sentAt + this.retentionMs;
  }

  /** Sets when the record comes back, logs it, and throws so the batch reports it failed. */
  async #returnToQueue(
    { record, error, logger, idempotencyKey }: FailedRecord,
    message: string,
    delay: () => Promise<number>,
  ): Promise<never> {
    let retryInSeconds: number | undefined;
    let backoffError: Error | undefined;
    try {
      retryInSeconds = await delay();
    } catch (thrown) {
      // The record still comes back, after the queue's visibility timeout.
      backoffError = toError(thrown);
    }
    logger.warn(message, { error, receiveCount: receiveCountOf(record), idempotencyKey, retryInSeconds, backoffError });
    throw error;
  }
}
