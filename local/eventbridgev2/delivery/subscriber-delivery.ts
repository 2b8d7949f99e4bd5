import type { DatabaseSync } from 'node:sqlite';
import type { DeliveryNote } from '../../events/target-outbox.js';
import { CrashPoints } from '../../store/crash-points.js';
import { DurableOutbox, nextRetry, type OutboxOutcome, OutboxOwner } from '../../store/outbox.js';
import { inTransaction } from '../../store/transaction.js';
import type { TargetDispatcher } from '../../targets/dispatcher.js';
import type { Clock } from '../../time/clock.js';
import { sequenceOf } from '../publishing.js';
import type { BusRecord, EventBridgeV2Store, Fields, SubscriberRecord } from '../store.js';
import { nextBatch } from './batches.js';
import { type BusEvent, busEventOf, busesPassed } from './bus-event.js';
import { type CursorRow, NEVER, type PendingRow, SubscriberCursors } from './cursors.js';
import { deadLetterRecord, type FailedBatch } from './dead-letter.js';
import { TransformError } from './expressions.js';
import { compileSelection, payloadText, type Selection } from './selection.js';
import { type BatchItem, type HttpTargetCall, type ItemResult, sendBatch, targetLimits } from './targets.js';
import type { UniversalTargetCalls } from './universal-targets.js';

/**
 * How long a bus retains events when its StorageConfiguration sets none. The user guide and the
 * API reference give 1-365 days and no default; 1 day is assumed here (docs/local-runtime/eventbridgev2.md).
 */
export const DEFAULT_RETENTION_DAYS = 1;
const DAY_MS = 86_400_000;
/** Subscribers delivering at once (each delivers one batch at a time, in order). */
const CONCURRENCY = 16;
/** The longest the outbox sleeps, so a clock moved on is noticed within it. */
const MAX_SLEEP_MS = 5_000;
/** When even the dead-letter queue refuses a record, the events are tried again after this (AWS would drop them). */
const DEAD_LETTER_RETRY_MS = 60_000;

export interface SubscriberDeliveryOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly store: EventBridgeV2Store;
  readonly dispatcher: TargetDispatcher;
  /** How HTTP targets (API destinations, API Gateway methods) are called. @default none: their deliveries fail */
  readonly http?: HttpTargetCall;
  /** What universal targets (`arn:aws:events:::aws-sdk:...`) call through, looked up per call. @default none: their deliveries fail */
  readonly universal?: () => UniversalTargetCalls;
  readonly log: (line: string) => void;
  /** Told of each event's delivery: delivered, to be retried, dead-lettered or dropped (read API, traces). */
  readonly onDelivery?: (note: DeliveryNote) => void;
  /**
   * Told of the events a bus published, once committed, before any is delivered: the read API
   * records each (its subscribers in the place of a classic event's rules) for the notes above.
   * The service hands it to its EventAcceptance; delivery itself does not call it.
   */
  readonly onPublished?: (bus: BusRecord, events: readonly Fields[]) => void;
}

/** One event of a batch as prepared for its target: what it sends (and the event it is), or why it cannot be sent. */
type Prepared =
  | { readonly row: PendingRow; readonly event: BusEvent; readonly item: BatchItem; readonly error?: undefined }
  | { readonly row: PendingRow; readonly error: ItemResult };

/**
 * Delivery of a Custom Event Bus's events to its subscribers. Each subscriber reads the bus's
 * retained log from its own cursor (cursors.ts), in publish order, through the one
 * DurableOutbox whose rows are the cursors: a cursor is due when its bus accepts an event, its
 * subscriber is created, updated or resumed, a retry or a batch window ends, or the runtime
 * starts. A due cursor reads the events after its position through the subscriber's filters,
 * sends the next batch to its target, and records what became of each event.
 */
export class SubscriberDelivery extends OutboxOwner<CursorRow> {
  protected readonly outbox: DurableOutbox<CursorRow>;
  readonly cursors: SubscriberCursors;
  /** Each bus's count of accepted requests: a cursor that read before an accept must look again. */
  readonly #generations = new Map<string, number>();
  readonly #selections = new Map<string, { modified: number; selection: Selection }>();
  readonly #crashPoints: CrashPoints;

  constructor(private readonly options: SubscriberDeliveryOptions) {
    super();
    this.#crashPoints = new CrashPoints(options.db);
    this.cursors = new SubscriberCursors(options.db);
    this.outbox = new DurableOutbox<CursorRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'eventbridgev2_cursors', id: 'id', dueAt: 'due_at' },
      handle: (row) => this.#run(row),
      concurrency: CONCURRENCY,
      maxSleepMs: MAX_SLEEP_MS,
      onError: (error) => options.log(error.stack ?? error.message),
    });
  }

  override start(): void {
    // An event accepted just before a crash made its cursors due in the same commit; a cursor
    // left mid-batch is due anyway. Looking at every cursor once costs one read each.
    this.cursors.allDue(this.options.clock.now());
    super.start();
  }

  /** Gives a new subscriber its cursor at its starting position (a subscriber that has one keeps it). */
  follow(subscriber: SubscriberRecord): void {
    if (this.cursors.has(subscriber.SubscriberArn)) return;
    this.outbox.enqueue({
      subscriber_arn: subscriber.SubscriberArn,
      bus_arn: subscriber.EventBusArn,
      position: this.cursors.startingPosition(subscriber),
    });
  }

  /** The bus took events (inside the accepting transaction): its subscribers look again. */
  accepted(busArn: string): void {
    this.#generations.set(busArn, (this.#generations.get(busArn) ?? 0) + 1);
    this.cursors.makeDue(this.options.clock.now(), { busArn });
    this.outbox.wake();
  }

  /** The subscriber changed (State RUNNING again, its filters, its batches): it looks again. */
  changed(subscriberArn: string): void {
    this.cursors.makeDue(this.options.clock.now(), { subscriberArn });
    this.outbox.wake();
  }

  /** What the start-up report counts. */
  counts(): { pending: number; dropped: number } {
    return { pending: this.cursors.pendingCount(), dropped: this.cursors.droppedCount() };
  }

  async #run(cursor: CursorRow): Promise<OutboxOutcome> {
    const { clock, store, db } = this.options;
    const subscriber = store.subscribers.get(cursor.subscriber_arn);
    if (subscriber === undefined) {
      // Deleted (through the API, or gone from the template): what it owed goes with it.
      this.cursors.forget(cursor.subscriber_arn);
      return { kind: 'done' };
    }
    const config = subscriber.configuration;
    // A STOPPED subscriber keeps its position; UpdateSubscriber to RUNNING makes it due again.
    if (config.State === 'STOPPED' || subscriber.Revoked) return { kind: 'retry', at: NEVER };
    const generation = this.#generations.get(cursor.bus_arn) ?? 0;
    const now = clock.now();
    const selection = this.#selection(subscriber);
    const bus = store.buses.get(cursor.bus_arn);
    const days = bus?.StorageConfiguration?.RetentionPeriodInDays ?? DEFAULT_RETENTION_DAYS;
    inTransaction(db, () => {
      this.cursors.purge(cursor.bus_arn, now - days * DAY_MS);
      this.#read(cursor, subscriber, selection);
    });
    const invoke = config.InvokeConfiguration as Fields;
    const batchConfig = (config.BatchConfiguration ?? {}) as Fields;
    const limits = targetLimits(String(invoke.TargetArn), invoke);
    const maxSize = Math.min(Number(batchConfig.MaxBatchSize ?? 10), limits.maxBatch);
    // A batch sent before a crash and not recorded goes again as it was: a function sees the same event ids.
    const inFlight = this.cursors.inFlight(subscriber.SubscriberArn);
    const due = inFlight.length > 0 ? inFlight : this.cursors.due(subscriber.SubscriberArn, now, config.Type === 'FIFO', maxSize);
    const prepared = new Map<number, Prepared>();
    for (const row of due) prepared.set(row.event_row, await prepareEvent(row, selection, deliveryType(subscriber)));
    const prepare = (row: PendingRow) => prepared.get(row.event_row) as Prepared;
    const next =
      inFlight.length > 0
        ? { batch: inFlight }
        : nextBatch(due, {
            now,
            maxSize,
            maxBytes: limits.maxBytes,
            windowMs: Number(batchConfig.MaxBatchWindowInSeconds ?? 0) * 1000,
            bytesOf: (row) => {
              const entry = prepare(row);
              return entry.error ? 0 : Buffer.byteLength(payloadText(entry.item.payload));
            },
          });
    if ('wait' in next) {
      // An event accepted while this looked is read at once.
      const moved = (this.#generations.get(cursor.bus_arn) ?? 0) !== generation;
      const retryAt = this.cursors.nextRetryAt(subscriber.SubscriberArn, now);
      const at = Math.min(next.wait ?? NEVER, retryAt ?? NEVER);
      return { kind: 'retry', at: moved ? clock.now() : at };
    }
    inTransaction(db, () => this.cursors.markInFlight(subscriber.SubscriberArn, next.batch));
    await this.#deliver(subscriber, next.batch.map(prepare), selection);
    return { kind: 'retry', at: clock.now() };
  }

  #selection(subscriber: SubscriberRecord): Selection {
    const cached = this.#selections.get(subscriber.SubscriberArn);
    if (cached?.modified === subscriber.LastModifiedTime) return cached.selection;
    const selection = compileSelection(subscriber.configuration);
    this.#selections.set(subscriber.SubscriberArn, { modified: subscriber.LastModifiedTime, selection });
    return selection;
  }

  /** Reads the events after the cursor through the subscriber's filters (up to its EndPoint). */
  #read(cursor: CursorRow, subscriber: SubscriberRecord, selection: Selection): void {
    const point = subscriber.configuration.PointInTimeConfiguration as Fields | undefined;
    const until = point?.EndPoint === undefined ? Number.MAX_SAFE_INTEGER : Number(point.EndPoint) * 1000;
    const events = this.cursors.after(cursor, until);
    const last = events.at(-1);
    if (last === undefined) return;
    const matched = events.filter((event) => selection.matches(busEventOf(storedEvent(event), deliveryType(subscriber))));
    this.cursors.advance(cursor, matched, last.id);
  }

  /** Sends the batch and records each event's outcome: delivered, retried, dead-lettered or dropped. */
  async #deliver(subscriber: SubscriberRecord, batch: readonly Prepared[], selection: Selection): Promise<void> {
    const { clock, dispatcher } = this.options;
    const config = subscriber.configuration;
    const targetArn = String((config.InvokeConfiguration as Fields).TargetArn);
    const sendable = batch.filter((entry): entry is Prepared & { event: BusEvent; item: BatchItem } => entry.error === undefined);
    const startedAt = clock.now();
    const sent = await sendBatch(
      dispatcher,
      targetArn,
      sendable.map((entry) => entry.item),
      {
        singleEvent: Number((config.BatchConfiguration as Fields | undefined)?.MaxBatchSize) === 1,
        ordered: config.Type === 'FIFO',
        // LambdaParameters, StepFunctionsParameters and UniversalTargetParameters, their expressions over the batch's events (`$events` the array).
        invocation: () => selection.invocationParameters(sendable.map((entry) => entry.event)),
        ...(this.options.http ? { http: this.options.http } : {}),
        ...(this.options.universal ? { universal: this.options.universal } : {}),
        subscriberArn: subscriber.SubscriberArn,
      },
    );
    // Between the target taking the batch and the record of it: a FIFO target sees the batch again after a crash here.
    if (sent.some((result) => result.ok)) this.#crashPoints.reached('eventbridgev2-after-send');
    const results = new Map<number, ItemResult>(sendable.map((entry, i) => [entry.row.event_row, sent[i] ?? { ok: true }]));
    const now = clock.now();
    const outcome = new BatchOutcome(subscriber, targetArn, this.cursors, startedAt, now);
    const exhausted: FailedBatch['events'][number][] = [];
    let failure: Omit<FailedBatch, 'events'> | undefined;
    for (const entry of batch) {
      const result = entry.error ?? results.get(entry.row.event_row) ?? { ok: true };
      if (result.ok) {
        outcome.delivered(entry.row);
        continue;
      }
      const reason = `${result.errorCode}: ${result.errorMessage}`;
      // A transform that fails is retried under the RetryPolicy as any failure (TransformError, eb-custom-bus-transform).
      // A loop (LOOP_DETECTED) is not retried: the same event would loop again.
      const next =
        result.retry === false
          ? { exhausted: 'None' as const }
          : nextRetry(retryPolicy(config), { failures: entry.row.attempts + 1, firstAt: entry.row.first_at, now });
      if ('at' in next) {
        outcome.retried(entry.row, next.at, reason);
        continue;
      }
      failure = { errorCode: result.errorCode, errorMessage: result.errorMessage, condition: next.exhausted };
      exhausted.push({ row: entry.row, reason });
    }
    if (failure !== undefined) {
      const deadLetterArn = (config.OnFailureConfiguration as Fields | undefined)?.Arn;
      const dlq = typeof deadLetterArn === 'string' ? deadLetterArn : undefined;
      const ended = await this.#giveUp(subscriber, targetArn, dlq, { ...failure, events: exhausted });
      for (const { row, reason } of exhausted) outcome.gaveUp(row, reason, ended, dlq, now + DEAD_LETTER_RETRY_MS);
    }
    inTransaction(this.options.db, () => outcome.write());
    for (const note of outcome.notes) {
      try {
        this.options.onDelivery?.(note);
      } catch (error) {
        // The delivery is recorded in the cursor already: a recorder's failure must not hold the subscriber back.
        this.options.log(`recording the delivery of event ${note.eventId} to ${note.targetArn} failed: ${(error as Error).stack ?? error}`);
      }
    }
  }

  /** Sends the dead-letter record of the events, or drops them (counted and logged) without an OnFailureConfiguration. */
  async #giveUp(
    subscriber: SubscriberRecord,
    targetArn: string,
    deadLetterArn: string | undefined,
    failed: FailedBatch,
  ): Promise<'dropped' | 'unreachable' | { messageId?: string }> {
    if (deadLetterArn === undefined) {
      this.options.log(
        `${failed.events.length} event(s) dropped for subscriber ${subscriber.Name} -> ${targetArn} (${failed.condition === 'None' ? 'not retried' : `${failed.condition} reached`}): ${failed.errorCode} ${failed.errorMessage} (no OnFailureConfiguration; EventsDropped counts them)`,
      );
      return 'dropped';
    }
    try {
      const record = deadLetterRecord(subscriber, targetArn, failed);
      const sent = await this.options.dispatcher.send(deadLetterArn, { body: JSON.stringify(record) });
      const answer = sent.service === 'sqs' ? (sent.answer as { MessageId?: string } | undefined) : undefined;
      return answer?.MessageId ? { messageId: answer.MessageId } : {};
    } catch (error) {
      this.options.log(
        `the dead-letter queue ${deadLetterArn} of subscriber ${subscriber.Name} refused a record: ${(error as Error).message}`,
      );
      return 'unreachable';
    }
  }
}

/** The stored event as busEventOf reads it: the accepted event, its group's sequence number, when it was accepted. */
function storedEvent(event: { id: number; event: string; due_at: number; group_id: string | null }): Fields {
  return {
    ...(JSON.parse(event.event) as Fields),
    ...(event.group_id === null ? {} : { sequence: sequenceOf(event.id) }),
    ingestedAt: event.due_at,
  };
}

/** POINT_IN_TIME subscribers read retained history: their events are REPLAY deliveries. */
const deliveryType = (subscriber: SubscriberRecord): 'LIVE' | 'REPLAY' =>
  subscriber.configuration.StartingPosition === 'POINT_IN_TIME' ? 'REPLAY' : 'LIVE';

const eventIdOf = (row: PendingRow) => String((JSON.parse(row.event) as Fields).id);

/** What the target is sent for one pending event, or the transform error that fails it. */
async function prepareEvent(row: PendingRow, selection: Selection, type: 'LIVE' | 'REPLAY'): Promise<Prepared> {
  const stored = storedEvent({ id: row.event_row, event: row.event, due_at: row.first_at, group_id: row.group_id });
  const event = busEventOf(stored, type);
  try {
    return {
      row,
      event,
      item: {
        eventId: eventIdOf(row),
        ...(row.group_id === null ? {} : { groupId: row.group_id }),
        payload: await selection.payload(event),
        parameters: await selection.targetParameters(event),
        origin: { event, passedBuses: busesPassed(stored) },
      },
    };
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    return { row, error: { ok: false, errorCode: error.errorCode, errorMessage: error.message } };
  }
}

/** A subscriber's RetryPolicy, with the defaults eb-custom-bus-retry documents (5 attempts, 300 s). */
function retryPolicy(config: Fields): { maximumRetryAttempts: number; maximumEventAgeMs: number } {
  const policy = (config.RetryPolicy ?? {}) as Fields;
  return {
    maximumRetryAttempts: Number(policy.MaxRetryAttempts ?? 5),
    maximumEventAgeMs: Number(policy.MaxEventAgeInSeconds ?? 300) * 1000,
  };
}

/** What became of a batch's events: the cursor changes to write in one transaction, and the notes to tell once written. */
class BatchOutcome {
  readonly notes: DeliveryNote[] = [];
  readonly #writes: (() => void)[] = [];

  constructor(
    private readonly subscriber: SubscriberRecord,
    private readonly targetArn: string,
    private readonly cursors: SubscriberCursors,
    private readonly startedAt: number,
    private readonly now: number,
  ) {}

  delivered(row: PendingRow): void {
    this.#writes.push(() => {
      this.cursors.settle(this.subscriber.SubscriberArn, row.event_row);
      this.cursors.settled(this.subscriber.SubscriberArn, 'delivered');
    });
    this.#note(row, 'delivered');
  }

  retried(row: PendingRow, at: number, reason: string): void {
    this.#writes.push(() => this.cursors.retry(this.subscriber.SubscriberArn, row.event_row, row.attempts + 1, at, reason));
    this.#note(row, 'pending', { reason });
  }

  /** Its retries are spent: dead-lettered, dropped, or (the dead-letter queue refusing the record) tried again at `later`. */
  gaveUp(
    row: PendingRow,
    reason: string,
    ended: 'dropped' | 'unreachable' | { messageId?: string },
    dlq: string | undefined,
    later: number,
  ): void {
    if (ended === 'unreachable') {
      this.retried(row, later, `${reason} (the dead-letter queue refused the record: tried again later)`);
      return;
    }
    this.#writes.push(() => {
      this.cursors.settle(this.subscriber.SubscriberArn, row.event_row);
      if (ended === 'dropped') this.cursors.dropped(this.subscriber.SubscriberArn);
      else this.cursors.settled(this.subscriber.SubscriberArn, 'dead-lettered');
    });
    if (ended === 'dropped' || dlq === undefined) this.#note(row, 'failed', { reason });
    else
      this.#note(row, 'dead-lettered', {
        reason,
        deadLetterArn: dlq,
        ...(ended.messageId ? { deadLetterMessageId: ended.messageId } : {}),
      });
  }

  write(): void {
    for (const write of this.#writes) write();
  }

  #note(row: PendingRow, outcome: DeliveryNote['outcome'], extra: Partial<DeliveryNote> = {}): void {
    this.notes.push({
      eventId: eventIdOf(row),
      ruleArn: this.subscriber.SubscriberArn,
      targetId: this.subscriber.Name,
      targetArn: this.targetArn,
      outcome,
      attempts: row.attempts + 1,
      startedAt: this.startedAt,
      endedAt: this.now,
      ...extra,
    });
  }
}
