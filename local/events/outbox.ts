import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AwsError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import { childHeader, derivedTraceRoot, parseTraceHeader, ruleMatchSegment, withTraceHeader } from '../trace-header.js';
import type { EventEnvelope, RuleDefinition, TargetDefinition, TargetDelivery } from './definitions.js';
import { renderTargetInput } from './input-transform.js';

/** EventBridge's default target retry policy. */
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Deliveries handled at once by the dispatcher. */
const DISPATCH_CONCURRENCY = 64;

interface DeliveryRow {
  id: number;
  event: string;
  trace_header: string | null;
  rule_arn: string;
  target_id: string;
  attempts: number;
  first_at: number;
}

export interface DeliveryOutboxOptions {
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
}

/**
 * The deliveries owed to rule targets, in SQLite: written in the transaction that accepts
 * the event, removed once the target took it. A dispatcher delivers each with the
 * target's retry policy and, when that is spent, sends it to the target's dead-letter
 * queue. So an accepted event survives a crash, and delivery is at least once, as in AWS.
 */
export class DeliveryOutbox {
  readonly #statements: Record<'insert' | 'delete' | 'due' | 'retry' | 'nextDue', StatementSync>;
  readonly #inFlight = new Set<number>();
  #timer?: NodeJS.Timeout;
  #draining = false;
  #stopped = false;
  /** Resolves waiters of `idle()` (tests and benchmarks). */
  #idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DeliveryOutboxOptions) {
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY, event TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at, id);
    `);
    // Added with trace propagation: data folders from before get the column, their deliveries none.
    const columns = db.prepare('PRAGMA table_info(deliveries)').all() as { name: string }[];
    if (!columns.some((column) => column.name === 'trace_header')) db.exec('ALTER TABLE deliveries ADD COLUMN trace_header TEXT');
    this.#statements = {
      insert: db.prepare('INSERT INTO deliveries (event, rule_arn, target_id, first_at, next_at, trace_header) VALUES (?, ?, ?, ?, ?, ?)'),
      delete: db.prepare('DELETE FROM deliveries WHERE id = ?'),
      due: db.prepare(
        'SELECT id, event, rule_arn, target_id, attempts, first_at, trace_header FROM deliveries WHERE next_at <= ? ORDER BY next_at, id LIMIT ?',
      ),
      retry: db.prepare('UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?'),
      nextDue: db.prepare('SELECT MIN(next_at) AS next FROM deliveries'),
    };
  }

  /** Records a delivery (inside the caller's transaction); `wake()` after committing. */
  add(eventText: string, ruleArn: string, targetId: string, traceHeader?: string): void {
    const now = this.options.clock.now();
    this.#statements.insert.run(eventText, ruleArn, targetId, now, now, traceHeader ?? null);
  }

  start(): void {
    this.#stopped = false;
    this.wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Resolves once no delivery is due or in flight. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  wake(): void {
    if (this.#stopped || this.#draining) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = true;
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopped) {
        const now = this.options.clock.now();
        const room = DISPATCH_CONCURRENCY - this.#inFlight.size;
        if (room <= 0) return;
        const rows = (this.#statements.due.all(now, room + this.#inFlight.size) as unknown as DeliveryRow[]).filter(
          (r) => !this.#inFlight.has(r.id),
        );
        if (rows.length === 0) break;
        for (const row of rows.slice(0, room)) {
          this.#inFlight.add(row.id);
          void this.#deliver(row).finally(() => {
            this.#inFlight.delete(row.id);
            this.wake();
          });
        }
        return;
      }
    } finally {
      this.#draining = false;
    }
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const next = (this.#statements.nextDue.get() as { next: number | null }).next;
    if (next === null) {
      if (this.#inFlight.size === 0) this.#notifyIdle();
      return;
    }
    const delay = Math.max(0, next - this.options.clock.now());
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.wake(), Math.min(delay, 60_000));
    this.#timer.unref();
    if (this.#inFlight.size === 0 && delay > 0) this.#notifyIdle();
  }

  #isIdle(): boolean {
    const next = (this.#statements.nextDue.get() as { next: number | null }).next;
    return this.#inFlight.size === 0 && (next === null || next > this.options.clock.now());
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #deliver(row: DeliveryRow): Promise<void> {
    const resolved = this.options.resolve(row.rule_arn, row.target_id);
    if (!resolved) {
      // As in AWS, a target removed (or a rule deleted) after the event matched gets nothing more.
      this.options.log?.(`dropping a delivery to ${row.rule_arn} target ${row.target_id}: the rule or target no longer exists`);
      this.#statements.delete.run(row.id);
      return;
    }
    const { rule, target } = resolved;
    const event = JSON.parse(row.event) as EventEnvelope;
    // EventBridge passes the event's trace header on to the target; the rule match is the caller.
    const traceHeader = deliveryTraceHeader(row, event, rule.arn);
    const note = (outcome: DeliveryNote['outcome'], extra: Partial<DeliveryNote> = {}) =>
      this.options.onDelivery?.({
        eventId: event.id,
        ...(event['replay-name'] ? { replayName: event['replay-name'] } : {}),
        ruleArn: rule.arn,
        targetId: target.id,
        targetArn: target.arn,
        outcome,
        attempts: row.attempts + 1,
        ...extra,
      });
    try {
      const input = renderTargetInput(event, target, { ruleArn: rule.arn, ruleName: rule.name, ingestionTime: event.time });
      await withTraceHeader(traceHeader, () => this.options.delivery.deliver(target, input, event));
      this.#statements.delete.run(row.id);
      note('delivered');
    } catch (error) {
      const errorCode = error instanceof AwsError ? error.code : 'InternalFailure';
      const errorMessage = (error as Error).message;
      const attempts = row.attempts + 1;
      const maxAttempts = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
      const maxAgeMs = (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
      const now = this.options.clock.now();
      // Exponential backoff with jitter, as EventBridge retries: 1 s, 2 s, 4 s ... up to 5 minutes.
      const backoff = Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 16)) * (0.5 + Math.random() / 2);
      if (attempts > maxAttempts || now + backoff - row.first_at > maxAgeMs) {
        const exhausted = attempts > maxAttempts ? 'MaximumRetryAttempts' : 'MaximumEventAgeInSeconds';
        const ended = await withTraceHeader(traceHeader, () => this.#giveUp(row, rule, target, event, errorCode, errorMessage, exhausted));
        if (ended)
          note(ended.deadLetterMessageId === undefined && !target.deadLetterArn ? 'failed' : 'dead-lettered', {
            reason: `${errorCode}: ${errorMessage}`,
            ...(target.deadLetterArn ? { deadLetterArn: target.deadLetterArn } : {}),
            ...(ended.deadLetterMessageId ? { deadLetterMessageId: ended.deadLetterMessageId } : {}),
          });
      } else {
        this.#statements.retry.run(attempts, now + backoff, `${errorCode}: ${errorMessage}`, row.id);
        note('pending', { reason: `${errorCode}: ${errorMessage}` });
      }
    }
  }

  async #giveUp(
    row: DeliveryRow,
    rule: RuleDefinition,
    target: TargetDefinition,
    event: EventEnvelope,
    errorCode: string,
    errorMessage: string,
    exhaustedRetryCondition: 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds',
  ): Promise<{ deadLetterMessageId?: string } | undefined> {
    let sent: { messageId?: string } | undefined;
    if (target.deadLetterArn) {
      try {
        sent =
          (await this.options.delivery.deadLetter(target.deadLetterArn, event, {
            ruleArn: rule.arn,
            targetArn: target.arn,
            errorCode,
            errorMessage,
            retryAttempts: row.attempts,
            exhaustedRetryCondition,
          })) ?? undefined;
      } catch (error) {
        // AWS drops the event when even the DLQ is unreachable; we keep retrying instead of losing it.
        this.#statements.retry.run(row.attempts + 1, this.options.clock.now() + 60_000, `DLQ: ${(error as Error).message}`, row.id);
        return undefined;
      }
    } else {
      this.options.log?.(
        `event ${event.id} dropped for ${rule.name} -> ${target.arn} after ${row.attempts + 1} attempts: ${errorCode} ${errorMessage} (the target has no dead-letter queue)`,
      );
    }
    this.#statements.delete.run(row.id);
    return sent?.messageId === undefined ? {} : { deadLetterMessageId: sent.messageId };
  }
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
