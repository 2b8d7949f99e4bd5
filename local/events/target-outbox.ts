import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { childHeader, derivedTraceRoot, parseTraceHeader, ruleMatchSegment, withTraceHeader } from '../endpoint/trace-header.js';
import { addMissingColumns } from '../store/added-columns.js';
import { DurableOutbox, nextRetry, type OutboxOutcome, OutboxOwner } from '../store/outbox.js';
import { UnsupportedTargetError } from '../targets/dispatcher.js';
import type { Clock } from '../time/clock.js';
import { ApiDestinationAnswerError } from './api-destination-target.js';
import type { EventEnvelope, RuleDefinition, TargetDefinition, TargetDelivery } from './definitions.js';
import { renderTargetInput, TargetInputError } from './input-transform.js';

/** EventBridge's default target retry policy. */
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Deliveries handled at once by the dispatcher. */
const DISPATCH_CONCURRENCY = 64;
/** The longest the outbox sleeps, so a clock that jumps (a laptop waking) is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;

interface DeliveryRow {
  id: number;
  event: string;
  trace_header: string | null;
  rule_arn: string;
  target_id: string;
  attempts: number;
  first_at: number;
}

export interface TargetDeliveryOutboxOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly delivery: TargetDelivery;
  /** The rule and target a delivery is owed to, as they are now. */
  readonly resolve: (ruleArn: string, targetId: string) => { rule: RuleDefinition; target: TargetDefinition } | undefined;
  readonly log?: (line: string) => void;
  /** Called when a delivery ends (delivered, dead-lettered, dropped) or is to be retried. */
  readonly onDelivery?: (note: DeliveryNote) => void;
}

/** What became of one delivery of an event to one rule target. */
export interface DeliveryNote {
  readonly eventId: string;
  readonly replayName?: string;
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  /** `pending`: it failed and will be retried; `failed`: given up without a dead-letter queue. */
  readonly outcome: 'delivered' | 'failed' | 'dead-lettered' | 'pending';
  readonly reason?: string;
  readonly deadLetterArn?: string;
  /** The message id in the dead-letter queue. */
  readonly deadLetterMessageId?: string;
  readonly attempts: number;
  /** The header the target was called with (the rule match as parent). */
  readonly traceHeader?: string;
  /** When this attempt started and ended (epoch ms). */
  readonly startedAt?: number;
  readonly endedAt?: number;
}

/**
 * The deliveries owed to rule targets, in SQLite (a `DurableOutbox` on the `deliveries`
 * table): written in the transaction that accepts the event, removed once the target took
 * it. Each is delivered with the target's retry policy and, when that is spent, sent to the
 * target's dead-letter queue. So an accepted event survives a crash, and delivery is at
 * least once, as in AWS.
 */
export class TargetDeliveryOutbox extends OutboxOwner<DeliveryRow> {
  protected readonly outbox: DurableOutbox<DeliveryRow>;

  constructor(private readonly options: TargetDeliveryOutboxOptions) {
    super();
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY, event TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at, id);
    `);
    // Added with trace propagation: data folders from before get the column, their deliveries none.
    addMissingColumns(db, [{ table: 'deliveries', column: 'trace_header', definition: 'TEXT' }]);
    this.outbox = new DurableOutbox<DeliveryRow>({
      db,
      clock: options.clock,
      table: { name: 'deliveries', id: 'id', dueAt: 'next_at' },
      handle: (row) => this.#deliver(row),
      concurrency: DISPATCH_CONCURRENCY,
      maxSleepMs: MAX_SLEEP_MS,
      onError: (error) => (this.options.log ?? console.error)(error.stack ?? error.message),
    });
  }

  /** Records a delivery (inside the caller's transaction); it goes out once that has committed. */
  add(eventText: string, ruleArn: string, targetId: string, traceHeader?: string): void {
    const now = this.options.clock.now();
    this.outbox.enqueue({
      event: eventText,
      rule_arn: ruleArn,
      target_id: targetId,
      first_at: now,
      next_at: now,
      trace_header: traceHeader ?? null,
    });
  }

  async #deliver(row: DeliveryRow): Promise<OutboxOutcome> {
    const resolved = this.options.resolve(row.rule_arn, row.target_id);
    if (!resolved) {
      // As in AWS, a target removed (or a rule deleted) after the event matched gets nothing more.
      this.options.log?.(`dropping a delivery to ${row.rule_arn} target ${row.target_id}: the rule or target no longer exists`);
      return { kind: 'done' };
    }
    const { rule, target } = resolved;
    const event = JSON.parse(row.event) as EventEnvelope;
    // EventBridge passes the event's trace header on to the target; the rule match is the caller.
    const traceHeader = deliveryTraceHeader(row, event, rule.arn);
    const startedAt = this.options.clock.now();
    const note =
      (outcome: DeliveryNote['outcome'], extra: Partial<DeliveryNote> = {}) =>
      () =>
        this.options.onDelivery?.({
          eventId: event.id,
          ...(event['replay-name'] ? { replayName: event['replay-name'] } : {}),
          ruleArn: rule.arn,
          targetId: target.id,
          targetArn: target.arn,
          outcome,
          attempts: row.attempts + 1,
          traceHeader,
          startedAt,
          endedAt: this.options.clock.now(),
          ...extra,
        });
    try {
      // row.event is JSON.stringify's text of the event, which is what a target without an input setting gets.
      const input = renderTargetInput(event, target, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime: event.time }, row.event);
      await withTraceHeader(traceHeader, () => this.options.delivery.deliver(target, input, event, rule.arn));
      return { kind: 'done', settled: note('delivered') };
    } catch (error) {
      const errorCode = error instanceof AwsError ? error.code : 'InternalFailure';
      const errorMessage = (error as Error).message;
      const reason = `${errorCode}: ${errorMessage}`;
      const next = retriable(error)
        ? nextRetry(
            {
              maximumRetryAttempts: target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS,
              maximumEventAgeMs: (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000,
            },
            { failures: row.attempts + 1, firstAt: row.first_at, now: this.options.clock.now() },
          )
        : { exhausted: undefined };
      if ('at' in next) {
        return {
          kind: 'retry',
          at: next.at,
          set: { attempts: row.attempts + 1, last_error: reason },
          settled: note('pending', { reason }),
        };
      }
      const ended = await withTraceHeader(traceHeader, () =>
        this.#giveUp(row, rule, target, event, errorCode, errorMessage, next.exhausted),
      );
      if ('unreachable' in ended) {
        // AWS drops the event when even the DLQ is unreachable; we keep retrying instead of losing it.
        const at = this.options.clock.now() + 60_000;
        return { kind: 'retry', at, set: { attempts: row.attempts + 1, last_error: `DLQ: ${ended.unreachable}` } };
      }
      return {
        kind: 'done',
        settled: note(target.deadLetterArn ? 'dead-lettered' : 'failed', {
          reason,
          ...(target.deadLetterArn ? { deadLetterArn: target.deadLetterArn } : {}),
          ...(ended.deadLetterMessageId ? { deadLetterMessageId: ended.deadLetterMessageId } : {}),
        }),
      };
    }
  }

  /** Sends the event to the target's dead-letter queue, if it has one, or says why the queue could not take it. */
  async #giveUp(
    row: DeliveryRow,
    rule: RuleDefinition,
    target: TargetDefinition,
    event: EventEnvelope,
    errorCode: string,
    errorMessage: string,
    /** Undefined for an error EventBridge does not retry. */
    exhaustedRetryCondition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds' | undefined,
  ): Promise<{ deadLetterMessageId?: string } | { unreachable: string }> {
    if (!target.deadLetterArn) {
      this.options.log?.(
        `event ${event.id} dropped for ${rule.name} -> ${target.arn} after ${row.attempts + 1} attempts: ${errorCode} ${errorMessage} (the target has no dead-letter queue)`,
      );
      return {};
    }
    let sent: { messageId?: string } | undefined;
    try {
      sent =
        (await this.options.delivery.deadLetter(target.deadLetterArn, event, {
          ruleArn: rule.arn,
          targetArn: target.arn,
          errorCode,
          errorMessage,
          retryAttempts: row.attempts,
          ...(exhaustedRetryCondition ? { exhaustedRetryCondition } : {}),
        })) ?? undefined;
    } catch (error) {
      return { unreachable: (error as Error).message };
    }
    return sent?.messageId === undefined ? {} : { deadLetterMessageId: sent.messageId };
  }
}

/**
 * Whether EventBridge tries a failed delivery again. It does for throttling and the
 * target's own faults (5xx); an event whose target is gone or refuses it for the request
 * itself (any other 4xx: a deleted state machine or queue, a missing permission) goes to the
 * dead-letter queue, or is dropped, at once (eb-rule-dlq: "sent to a DLQ without any retry
 * attempts"). A target the runtime does not run keeps its retries (the start-up report
 * names it), as does any error that is not a service's answer.
 */
function retriable(error: unknown): boolean {
  if (error instanceof TargetInputError) return false;
  if (error instanceof ApiDestinationAnswerError) return error.retryable;
  if (!(error instanceof AwsError) || error instanceof UnsupportedTargetError) return true;
  if (/Throttl|TooManyRequests|LimitExceeded/i.test(error.code)) return true;
  return error.status === 429 || error.status >= 500;
}

/**
 * The header a delivery carries: the event's trace (or, for an event sent without one, a
 * trace of its own, so that what the target does can still be traced back to it) with the
 * rule match as parent.
 */
function deliveryTraceHeader(row: DeliveryRow, event: EventEnvelope, ruleArn: string): string {
  const incoming = parseTraceHeader(row.trace_header ?? undefined);
  const root = incoming?.root ?? derivedTraceRoot(Date.parse(event.time), event.id, event['replay-name'] ?? '');
  return childHeader(
    { root, ...(incoming?.sampled ? { sampled: incoming.sampled } : {}) },
    ruleMatchSegment(event.id, event['replay-name'], ruleArn),
  );
}
