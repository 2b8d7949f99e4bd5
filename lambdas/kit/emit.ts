import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { TProperties } from 'typebox';
import {
  type AnyEventContract,
  type Detail,
  type EventContract,
  PUT_EVENTS_MAX_BYTES,
  PUT_EVENTS_MAX_ENTRIES,
  putEventsEntrySize,
} from '../../contracts/index.js';
import type { ValidatedEvent } from './envelope.js';
import { EmitError, InvalidEventError } from './errors.js';
import { activeTraceContext, inSpan } from './tracing/invocation.js';
import { toTraceparent } from './tracing/trace-context.js';
import { unkeyableEventError } from './unkeyable.js';

const MAX_ENTRIES_PER_CALL = PUT_EVENTS_MAX_ENTRIES;
const MAX_BYTES_PER_CALL = PUT_EVENTS_MAX_BYTES;
/** Entry codes that will fail the same way however often they are sent. */
const PERMANENT_ENTRY_ERRORS = new Set(['MalformedDetail', 'InvalidArgument', 'ValidationException', 'AccessDeniedException']);

/** One event to publish; its detail is checked against the contract before anything is sent. */
export interface Emission {
  readonly contract: AnyEventContract;
  readonly detail: Readonly<Record<string, unknown>>;
  /** ARNs the event is about (EventBridge `resources`). */
  readonly resources?: readonly string[];
}

/** Builds an Emission whose detail TypeScript checks against the contract (`metadata` is filled in by `emit`). */
export function emission<P extends TProperties>(
  contract: EventContract<P>,
  detail: Omit<Detail<EventContract<P>>, 'metadata'>,
  resources?: readonly string[],
): Emission {
  return { contract, detail: detail as Record<string, unknown>, resources };
}

/**
 * What caused the events being emitted: a validated event (its correlation id travels on,
 * its id becomes the causation id), or only a correlation id (a webhook delivery, which is
 * no EventBridge event).
 */
export type EmitCause = Pick<ValidatedEvent, 'correlationId'> & { readonly envelope?: Pick<ValidatedEvent['envelope'], 'id'> };

export interface EventPublisherOptions {
  readonly client: EventBridgeClient;
  /** Name or ARN of the bus to publish to. */
  readonly eventBusName: string;
  /**
   * Attempts per entry, counting the first, for entries PutEvents reports as failed.
   * @default 4
   */
  readonly maxAttempts?: number;
  /**
   * First backoff delay; doubles per attempt, with full jitter.
   * @default 100
   */
  readonly baseDelayMs?: number;
}

/** One event as PutEvents takes it: its detail checked against its contract and serialized, `metadata` included. */
export interface PreparedEvent {
  /** The contract's source. */
  readonly source: string;
  /** The contract's detail-type. */
  readonly detailType: string;
  /** The detail as JSON text, exactly as it is sent. */
  readonly detail: string;
  /** The emission's resources (EventBridge `resources`), if any. */
  readonly resources?: readonly string[];
}

/**
 * The event `emit` sends for `emission` (`metadata` with the cause's correlation id and, if
 * it has one, its event id as causation id; when the function records OpenTelemetry spans, the
 * `traceparent` of the span running now), for a caller that hands it to EventBridge
 * another way: a transactional outbox stores it in the write that makes the fact true, and
 * a pipe sends it. One builder, so what the outbox sends is byte for byte what `emit` would.
 * @throws InvalidEventError if the detail breaks its contract, lacks a value for an idempotency field, or the entry is too large for PutEvents
 */
export function prepareEvent(emission: Emission, cause: EmitCause): PreparedEvent {
  const { contract } = emission;
  const { correlationId } = cause;
  const causationId = cause.envelope?.id;
  const trace = activeTraceContext();
  const metadata = {
    correlationId,
    ...(causationId === undefined ? {} : { causationId }),
    ...(trace === undefined ? {} : { traceparent: toTraceparent(trace) }),
  };
  const detail = { ...emission.detail, metadata };
  const result = contract.validate(detail);
  if (!result.ok) throw new InvalidEventError(`refusing to emit ${contract.detailType}: it breaks its contract`, result.errors);
  // A contract whose schema lets a key field be absent (or null, or empty) would pass the
  // check above: refused here, where the producer is, rather than dead-lettered by every consumer.
  const unkeyable = unkeyableEventError(`refusing to emit ${contract.detailType}: it cannot be keyed`, contract, detail);
  if (unkeyable !== undefined) throw unkeyable;
  const event: PreparedEvent = {
    source: contract.source,
    detailType: contract.detailType,
    detail: JSON.stringify(detail),
    ...(emission.resources ? { resources: [...emission.resources] } : {}),
  };
  const size = entrySize({ Source: event.source, DetailType: event.detailType, Detail: event.detail, Resources: event.resources });
  if (size > MAX_BYTES_PER_CALL) {
    throw new InvalidEventError(
      `refusing to emit ${contract.detailType}: entry is ${size} bytes; EventBridge allows ${MAX_BYTES_PER_CALL}`,
    );
  }
  return event;
}

/**
 * Publishes contract-checked events. PutEvents can succeed as a call while failing
 * some entries (`FailedEntryCount`); those entries, and only those, are sent again.
 */
export class EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #eventBusName: string;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;

  constructor(options: EventPublisherOptions) {
    this.#client = options.client;
    this.#eventBusName = options.eventBusName;
    this.#maxAttempts = options.maxAttempts ?? 4;
    this.#baseDelayMs = options.baseDelayMs ?? 100;
  }

  /**
   * Publishes `emissions`, each carrying the correlation id of `cause` (or a new one).
   * @throws InvalidEventError if a detail breaks its contract (nothing is sent);
   *   EmitError if entries are still failing after the last attempt.
   */
  async emit(emissions: readonly Emission[], cause?: EmitCause): Promise<void> {
    const detailTypes = [...new Set(emissions.map((emission) => emission.contract.detailType))];
    // A producer span: the events it sends carry its context in their metadata, so what they start links back to it.
    const attributes = {
      'messaging.operation.type': 'send',
      'messaging.destination.name': this.#eventBusName,
      'messaging.batch.message_count': emissions.length,
      'switchyard.event.detail_types': detailTypes,
    };
    await inSpan(`publish ${this.#eventBusName}`, 'producer', attributes, () => this.#emit(emissions, cause));
  }

  async #emit(emissions: readonly Emission[], cause: EmitCause | undefined): Promise<void> {
    const shared: EmitCause = { correlationId: cause?.correlationId ?? randomUUID(), envelope: cause?.envelope };
    const entries = emissions.map((emission) => {
      const event = prepareEvent(emission, shared);
      return {
        EventBusName: this.#eventBusName,
        Source: event.source,
        DetailType: event.detailType,
        Detail: event.detail,
        Resources: event.resources ? [...event.resources] : undefined,
        // Lets X-Ray follow the event through EventBridge when tracing is active.
        TraceHeader: process.env._X_AMZN_TRACE_ID,
      };
    });
    for (const batch of batches(entries)) await this.#putWithRetries(batch);
  }

  async #putWithRetries(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let lastErrors: string[] = [];
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      if (attempt > 1) await sleep(Math.random() * this.#baseDelayMs * 2 ** (attempt - 2));
      let response: PutEventsCommandOutput;
      try {
        response = await this.#client.send(new PutEventsCommand({ Entries: pending }));
      } catch (error) {
        // The SDK has already retried throttling and 5xx for the whole call.
        throw new EmitError('PutEvents failed', [`${pending.length} entries: ${(error as Error).message}`], { cause: error });
      }
      if (!response.FailedEntryCount) return;
      const retry: PutEventsRequestEntry[] = [];
      lastErrors = [];
      let permanent = false;
      (response.Entries ?? []).forEach((result, index) => {
        if (result.ErrorCode === undefined) return;
        const entry = pending[index];
        if (entry === undefined) return;
        retry.push(entry);
        lastErrors.push(`${entry.DetailType}: ${result.ErrorCode} ${result.ErrorMessage ?? ''}`.trim());
        if (PERMANENT_ENTRY_ERRORS.has(result.ErrorCode)) permanent = true;
      });
      if (permanent || retry.length === 0) break;
      pending = retry;
    }
    throw new EmitError(`PutEvents left ${lastErrors.length} entries unpublished`, lastErrors);
  }
}

/** Splits entries into PutEvents calls of at most 10 entries and PUT_EVENTS_MAX_BYTES. */
function* batches(entries: readonly PutEventsRequestEntry[]): Generator<PutEventsRequestEntry[]> {
  let batch: PutEventsRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entrySize(entry);
    if (batch.length === MAX_ENTRIES_PER_CALL || bytes + size > MAX_BYTES_PER_CALL) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}

/** Entry size as EventBridge counts it (one rule, in contracts/put-events.ts). */
export const entrySize = putEventsEntrySize;
