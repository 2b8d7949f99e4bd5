import { createHash, randomUUID } from 'node:crypto';
import type { AnyEventContract } from '../../contracts/index.js';
import { idempotencyKeyOf } from '../../contracts/index.js';
import { ENV } from '../../contracts/wiring.js';
import { requireEnv } from './config.js';
import { type Emission, type EmitCause, type PreparedEvent, prepareEvent } from './emit.js';
import { ConfigError, EmitError, InvalidEventError } from './errors.js';
import { EventBridgeV2Client, EventBridgeV2Error, type PutEventsV2Entry, type PutEventsV2ResultEntry } from './eventbridgev2-client.js';
import { inSpan } from './tracing/invocation.js';

/** PutEvents' most entries in one call (the model's `PutEventsRequestEntryList`: 1 to 100). */
const MAX_ENTRIES_PER_CALL = 100;
/** The longest `EventGroupId` and `DeduplicationId` the model allows. */
const MAX_SYSTEM_METADATA_LENGTH = 128;
/** A Custom Event Bus's ARN, as the model's `EventBusArn` pattern has it. */
const EVENT_BUS_ARN =
  /^arn:aws(-[a-z0-9]+)*:events:[a-z][a-z0-9]*(-[a-z0-9]+)*:[0-9]{12}:event-busv2\/[A-Za-z0-9][.\-_A-Za-z0-9]{0,255}\/[a-z0-9]{25}$/;
/** Entry errors another attempt may cure; any other (InvalidInputException, AccessDeniedException, ...) fails the same way again. */
const TRANSIENT_ENTRY_ERRORS = new Set(['ThrottlingException', 'InternalException']);

/** An event for a Custom Event Bus: an Emission and, to order it among its group on FIFO subscribers, its event group. */
export interface CustomBusEmission extends Emission {
  /**
   * The event's `SystemMetadata.EventGroupId` (1 to 128 characters).
   * @default - the value of the publisher's `eventGroupField` in the detail, if it has one; else no group
   */
  readonly eventGroupId?: string;
}

export interface CustomBusPublisherOptions {
  /** The bus's ARN (`arn:aws:events:<region>:<account>:event-busv2/<name>/<id>`), as `AWS::EventsV2::EventBus` returns it. */
  readonly eventBusArn: string;
  /** @default - a client of the function's region and environment (EventBridgeV2Client's defaults) */
  readonly client?: EventBridgeV2Client;
  /**
   * The detail field whose value is an event's group (`SystemMetadata.EventGroupId`), for an
   * emission that names none: an order id keeps each order's events in order on FIFO subscribers.
   * An event whose detail has no value for it is refused (InvalidEvent), never sent without a group.
   * @default - no group unless the emission names one
   */
  readonly eventGroupField?: string;
  /**
   * Attempts per entry, counting the first, for entries PutEvents reports throttled or failed inside the service.
   * @default 3
   */
  readonly maxAttempts?: number;
}

/**
 * Publishes contract-checked events to a Custom Event Bus (`eventbridgev2` PutEvents): the same
 * checks, refusals and `metadata` as EventPublisher (prepareEvent builds both), each entry with
 * its event group and, for a contract that names idempotency fields, its idempotency key as
 * `SystemMetadata.DeduplicationId`: a retried handler's emit is answered `DEDUPLICATED` by the
 * bus within 300 s instead of publishing the fact twice
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-ordering.html: "Treat
 * it as a success"). Every entry that is neither PUBLISHED nor DEDUPLICATED fails the emit
 * with an EmitError naming it.
 */
export class CustomBusPublisher {
  readonly eventBusArn: string;
  readonly #client: EventBridgeV2Client;
  readonly #groupField: string | undefined;
  readonly #maxAttempts: number;

  /** @throws ConfigError if `eventBusArn` is not a Custom Event Bus ARN */
  constructor(options: CustomBusPublisherOptions) {
    if (!EVENT_BUS_ARN.test(options.eventBusArn)) {
      throw new ConfigError(
        `${JSON.stringify(options.eventBusArn)} is not a Custom Event Bus ARN; expected arn:aws:events:<region>:<account>:event-busv2/<name>/<id> (AWS::EventsV2::EventBus's Ref)`,
      );
    }
    this.eventBusArn = options.eventBusArn;
    this.#client = options.client ?? new EventBridgeV2Client();
    this.#groupField = options.eventGroupField;
    this.#maxAttempts = options.maxAttempts ?? 3;
  }

  /**
   * Publishes `emissions`, each carrying the correlation id of `cause` (or a new one).
   * @throws InvalidEventError if an event breaks its contract, lacks a key or group value, or is too large (nothing is sent);
   *   EmitError if the call is refused (its cause the EventBridgeV2Error) or entries are still failing after the last attempt.
   */
  async emit(emissions: readonly CustomBusEmission[], cause?: EmitCause): Promise<void> {
    const attributes = {
      'messaging.operation.type': 'send',
      'messaging.destination.name': this.eventBusArn,
      'messaging.batch.message_count': emissions.length,
      'switchyard.event.detail_types': [...new Set(emissions.map((emission) => emission.contract.detailType))],
    };
    await inSpan(`publish ${this.eventBusArn}`, 'producer', attributes, async () => {
      const shared: EmitCause = { correlationId: cause?.correlationId ?? randomUUID(), envelope: cause?.envelope };
      const entries = emissions.map((emission) => this.#entryOf(emission, prepareEvent(emission, shared)));
      for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) {
        await this.#putWithRetries(entries.slice(start, start + MAX_ENTRIES_PER_CALL));
      }
    });
  }

  #entryOf(emission: CustomBusEmission, event: PreparedEvent): PutEventsV2Entry {
    const eventGroupId = emission.eventGroupId ?? this.#groupOf(emission.contract, emission.detail);
    if (eventGroupId !== undefined && (eventGroupId === '' || eventGroupId.length > MAX_SYSTEM_METADATA_LENGTH)) {
      throw new InvalidEventError(
        `refusing to emit ${event.detailType}: its event group ${JSON.stringify(eventGroupId)} is not 1 to ${MAX_SYSTEM_METADATA_LENGTH} characters`,
      );
    }
    const deduplicationId = deduplicationIdOf(emission.contract, emission.detail);
    const systemMetadata = {
      ...(eventGroupId === undefined ? {} : { EventGroupId: eventGroupId }),
      ...(deduplicationId === undefined ? {} : { DeduplicationId: deduplicationId }),
    };
    return {
      Source: event.source,
      DetailType: event.detailType,
      Detail: event.detail,
      ...(event.resources ? { Resources: [...event.resources] } : {}),
      ...(Object.keys(systemMetadata).length > 0 ? { SystemMetadata: systemMetadata } : {}),
    };
  }

  /** The value of the publisher's group field in the detail; a missing value never becomes a group. */
  #groupOf(contract: AnyEventContract, detail: Readonly<Record<string, unknown>>): string | undefined {
    const field = this.#groupField;
    if (field === undefined) return undefined;
    const value = detail[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
    throw new InvalidEventError(
      `refusing to emit ${contract.detailType}: detail.${field}, the publisher's eventGroupField, has no string or number value (got ${JSON.stringify(value ?? null)})`,
    );
  }

  async #putWithRetries(batch: readonly PutEventsV2Entry[]): Promise<void> {
    let pending = batch;
    let failures: string[] = [];
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      let results: readonly PutEventsV2ResultEntry[];
      try {
        results = (await this.#client.putEvents({ EventBusArn: this.eventBusArn, Entries: pending })).Entries ?? [];
      } catch (error) {
        // The client has already retried throttling and server errors for the whole call.
        const reason = error instanceof EventBridgeV2Error ? error.message : String(error);
        throw new EmitError(`PutEvents to ${this.eventBusArn} failed`, [`${pending.length} entries: ${reason}`], { cause: error });
      }
      const retry: PutEventsV2Entry[] = [];
      failures = [];
      let permanent = false;
      pending.forEach((entry, index) => {
        const result = results[index];
        // DEDUPLICATED is a success: the bus already holds this fact from an earlier emit.
        if (result?.SuccessCode === 'PUBLISHED' || result?.SuccessCode === 'DEDUPLICATED') return;
        const code = result?.ErrorCode ?? 'NoResult';
        const message = result === undefined ? 'PutEvents answered no result for it' : (result.ErrorMessage ?? '');
        failures.push(`entry ${index} (${entry.DetailType}${dedupNote(entry)}): ${code} ${message}`.trim());
        retry.push(entry);
        if (!TRANSIENT_ENTRY_ERRORS.has(code)) permanent = true;
      });
      if (retry.length === 0) return;
      if (permanent || attempt === this.#maxAttempts) break;
      pending = retry;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** (attempt - 1)));
    }
    throw new EmitError(`PutEvents to ${this.eventBusArn} left ${failures.length} entries unpublished`, failures);
  }
}

function dedupNote(entry: PutEventsV2Entry): string {
  const id = entry.SystemMetadata?.DeduplicationId;
  return id === undefined ? '' : `, DeduplicationId ${id}`;
}

/**
 * The entry's `DeduplicationId`: its idempotency key (the contract's idempotency fields), as is
 * when it fits the model's 128 characters, else `sha256:` and the key's digest. Undefined for a
 * contract that names no idempotency fields: every such event is its own fact, known by the id
 * the bus gives it, so there is no key before it is published (and none is made up).
 */
function deduplicationIdOf(contract: AnyEventContract, detail: Readonly<Record<string, unknown>>): string | undefined {
  if (contract.idempotencyFields === undefined || contract.idempotencyFields.length === 0) return undefined;
  // The fields were checked by prepareEvent; the id is never read for a keyed contract.
  const key = idempotencyKeyOf(contract, { id: '', detail });
  if (key.length <= MAX_SYSTEM_METADATA_LENGTH) return key;
  return `sha256:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * The publisher of a function whose environment names its Custom Event Bus
 * (`CUSTOM_EVENT_BUS_ARN`). Call it at module load: a missing or malformed ARN fails the cold
 * start with a ConfigError naming the variable, not the first emit.
 */
export function customBusPublisherFromEnv(
  options: Omit<CustomBusPublisherOptions, 'eventBusArn'> = {},
  env: NodeJS.ProcessEnv = process.env,
): CustomBusPublisher {
  const eventBusArn = requireEnv(ENV.customEventBusArn, env);
  try {
    return new CustomBusPublisher({ ...options, eventBusArn, client: options.client ?? new EventBridgeV2Client({ env }) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(`environment variable ${ENV.customEventBusArn}: ${error.message}`, { cause: error });
  }
}
