import type { EventBridgeEvent, SQSRecord } from 'aws-lambda';
import { type AnyEventContract, idempotencyKeyOf as contractIdempotencyKey } from '../../contracts/index.js';
import { InvalidEventError, UnknownEventTypeError } from './errors.js';
import { fromTraceparent } from './tracing/trace-context.js';
import { unkeyableEventError } from './unkeyable.js';

/** An EventBridge event as delivered to an SQS target (the whole envelope is the message body). */
export type Envelope = EventBridgeEvent<string, Record<string, unknown>> & { readonly 'replay-name'?: string };

/** A record that passed parsing and its contract. */
export interface ValidatedEvent {
  readonly envelope: Envelope;
  readonly contract: AnyEventContract;
  /** The stable key of the business fact (see `idempotencyKeyOf`). */
  readonly idempotencyKey: string;
  /** Carried into every event this one causes. */
  readonly correlationId: string;
  /**
   * The W3C trace context of the span that emitted the event (`detail.metadata.traceparent`,
   * which `emit` writes when the emitting function's tracing is `opentelemetry`), if it holds a
   * valid one: a consumer's span links to it, and a workflow started from the event joins its trace.
   */
  readonly traceparent?: string;
}

/** Looks contracts up by detail-type; build it once at module load. */
export class ContractRegistry {
  readonly #byDetailType: ReadonlyMap<string, AnyEventContract>;

  constructor(contracts: readonly AnyEventContract[]) {
    const byDetailType = new Map<string, AnyEventContract>();
    for (const contract of contracts) {
      if (byDetailType.has(contract.detailType)) {
        throw new Error(`two contracts share the detail-type ${JSON.stringify(contract.detailType)}`);
      }
      byDetailType.set(contract.detailType, contract);
    }
    this.#byDetailType = byDetailType;
  }

  get detailTypes(): string[] {
    return [...this.#byDetailType.keys()];
  }

  /**
   * Parses an SQS record's body as an EventBridge event and validates its detail
   * against the contract for its detail-type.
   * @throws InvalidEventError, UnknownEventTypeError
   */
  parseRecord(record: Pick<SQSRecord, 'body' | 'messageId'>): ValidatedEvent {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (error) {
      throw new InvalidEventError(`message ${record.messageId} body is not JSON`, [], { cause: error });
    }
    return this.validateEnvelope(body);
  }

  /** Validates an already parsed EventBridge event. */
  validateEnvelope(value: unknown): ValidatedEvent {
    const problems = envelopeProblems(value);
    if (problems.length > 0) throw new InvalidEventError('not an EventBridge event', problems);
    const envelope = value as Envelope;
    const contract = this.#byDetailType.get(envelope['detail-type']);
    if (contract === undefined) {
      throw new UnknownEventTypeError(
        `no contract for detail-type ${JSON.stringify(envelope['detail-type'])}; known: ${this.detailTypes.join(', ')}`,
      );
    }
    const result = contract.validate(envelope.detail);
    if (!result.ok) throw new InvalidEventError(`${contract.detailType} ${envelope.id} breaks its contract`, result.errors);
    const metadata = envelope.detail.metadata as { correlationId?: string; traceparent?: string } | undefined;
    return {
      envelope,
      contract,
      idempotencyKey: idempotencyKeyOf(contract, envelope),
      correlationId: metadata?.correlationId ?? envelope.id,
      ...(fromTraceparent(metadata?.traceparent) ? { traceparent: metadata?.traceparent } : {}),
    };
  }
}

/**
 * The key under which a record's side effect is claimed: the contract's
 * idempotency fields if it names any (two webhook deliveries of one ticket are one
 * fact), else the EventBridge event id.
 * @throws InvalidEventError if the event has no value for one of the fields
 */
export function idempotencyKeyOf(contract: AnyEventContract, envelope: Envelope): string {
  const unkeyable = unkeyableEventError(`${contract.detailType} ${envelope.id} cannot be keyed`, contract, envelope.detail);
  if (unkeyable !== undefined) throw unkeyable;
  return contractIdempotencyKey(contract, envelope);
}

function envelopeProblems(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return ['body is not a JSON object'];
  const event = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const field of ['id', 'source', 'detail-type'] as const) {
    if (typeof event[field] !== 'string' || event[field] === '') problems.push(`${field} must be a non-empty string`);
  }
  const detail = event.detail;
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) problems.push('detail must be a JSON object');
  return problems;
}
