/**
 * The event as a Custom Event Bus subscriber's filters, transformer and target parameter
 * expressions see it: `Data`, `Metadata` and `SystemMetadata` (`$events` in a JSONata
 * expression). AWS: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-addressing.html
 * ("EventBridge delivers every event under three top-level names").
 */

/** The event as filters, transforms and target parameter expressions see it ("$events" in the docs). */
export interface BusEvent {
  readonly Data: unknown;
  readonly Metadata?: Readonly<Record<string, string>>;
  readonly SystemMetadata: Readonly<Record<string, string>>;
}

/** PutEvents' content type: "stores that envelope as a JSON payload with a content type of application/eventbridge+json" (eb-custom-bus-publish). */
export const EVENTBRIDGE_CONTENT_TYPE = 'application/eventbridge+json';
/** Opaque bytes: kept as sent, seen by expressions as a Base64 string, never matched by a DATA filter (eb-custom-bus-open-formats). */
export const OCTET_STREAM = 'application/octet-stream';

/** The envelope PutEvents builds ("version, id, detail-type, source, account, time, region, resources, and detail"): the whole of its Data. */
const ENVELOPE = ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail'] as const;

/**
 * Where a stored event keeps the Custom Event Buses its forwarded-from events passed through
 * before its own (eb-custom-bus-target-bus, "Loop detection"): beside the envelope, so neither
 * Data (envelopeOf) nor SystemMetadata shows it.
 */
export const PASSED_BUSES = 'passed-buses';

/** The Custom Event Buses a stored event has passed through: those before its own, then its own. */
export function busesPassed(stored: Readonly<Record<string, unknown>>): string[] {
  const before = Array.isArray(stored[PASSED_BUSES]) ? (stored[PASSED_BUSES] as unknown[]).map(String) : [];
  return typeof stored['event-bus-arn'] === 'string' ? [...before, stored['event-bus-arn']] : before;
}

/** A stored event that is not one entries.ts wrote: a bug in the engine's reading of the outbox, never an event to deliver half-formed. */
export class StoredEventError extends Error {
  override readonly name = 'StoredEventError';
}

/**
 * The bus event from the JSON the outbox keeps for an accepted event: `{ id, ...entry.event }`
 * as entries.ts builds it, plus the engine's `sequence` (the SequenceNumber string) and
 * `ingestedAt` (epoch ms). A raw event (PutRawEvents) is the one with a `contentType`.
 * SystemMetadata holds strings only and omits a field with no value: "EventBridge omits a field
 * that has no value ...; only aws:DeliveryType is always present" (eb-custom-bus-addressing).
 * @throws StoredEventError when the stored event has no id
 */
export function busEventOf(stored: Readonly<Record<string, unknown>>, deliveryType: 'LIVE' | 'REPLAY'): BusEvent {
  if (typeof stored.id !== 'string') throw new StoredEventError(`A stored event has no id: ${JSON.stringify(stored).slice(0, 200)}`);
  const raw = typeof stored.contentType === 'string';
  const system: Record<string, string> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'string' && value !== '') system[key] = value;
  };
  put('ContentType', raw ? stored.contentType : EVENTBRIDGE_CONTENT_TYPE);
  put('DeduplicationId', raw ? stored.deduplicationId : stored['deduplication-id']);
  put('EventGroupId', raw ? stored.eventGroupId : stored['event-group-id']);
  put('aws:EventId', stored.id);
  if (typeof stored.ingestedAt === 'number') put('aws:IngestionTime', new Date(stored.ingestedAt).toISOString());
  put('aws:SequenceNumber', stored.sequence);
  put('aws:DeliveryType', deliveryType);
  if (!raw) {
    // "aws:Source, aws:DetailType: The entry's Source and DetailType for PutEvents" (eb-custom-bus-addressing).
    put('aws:Source', stored.source);
    put('aws:DetailType', stored['detail-type']);
    return { Data: envelopeOf(stored), SystemMetadata: system };
  }
  return { Data: stored.data, Metadata: (stored.metadata ?? {}) as Record<string, string>, SystemMetadata: system };
}

/** PutEvents' Data: exactly the envelope's fields, without what the outbox keeps beside them (the bus ARN, the group). */
function envelopeOf(stored: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const envelope: Record<string, unknown> = {};
  for (const key of ENVELOPE) if (stored[key] !== undefined) envelope[key] = stored[key];
  return envelope;
}

/** WITH_METADATA's payload: "A JSON envelope with Data, Metadata, and SystemMetadata"; "PutEvents takes no metadata, so for its events the map is empty" (eb-custom-bus-transform). */
export function withMetadata(event: BusEvent): {
  Data: unknown;
  Metadata: Readonly<Record<string, string>>;
  SystemMetadata: Readonly<Record<string, string>>;
} {
  return { Data: event.Data, Metadata: event.Metadata ?? {}, SystemMetadata: event.SystemMetadata };
}
