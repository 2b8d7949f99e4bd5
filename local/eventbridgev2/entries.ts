import { AwsError } from '../endpoint/aws-error.js';
import { isoSeconds } from '../events/time.js';
import type { CustomBusEvent } from '../targets/dispatcher.js';
import { invalidInput } from './checks.js';
import { PASSED_BUSES } from './delivery/bus-event.js';
import { type Accepted, dedupKeyOf, MAX_EVENT_BYTES } from './publishing.js';
import type { Fields } from './store.js';

/** An entry refused on its own (the batch goes on): the model's vocabulary, InvalidInputException, with why. */
type Refused = { readonly ErrorCode: string; readonly ErrorMessage: string };
const refused = (message: string): Refused => ({ ErrorCode: 'InvalidInputException', ErrorMessage: message });

/** Where an event lives: the bus, the account and region it was published in. */
export interface Place {
  readonly busArn: string;
  readonly accountId: string;
  readonly region: string;
  readonly now: number;
}

const tooLarge = (bytes: number) => refused(`The event is ${bytes} bytes, over the ${MAX_EVENT_BYTES}-byte (1 MB) event size limit.`);

/** PutEvents' entries as events to accept, or each its refusal: an `aws.` source, a detail that is not a JSON object, an event over 1 MB. */
export function putEventsEntries(input: Fields, place: Place): (Accepted | Refused)[] {
  const contentBased = (input.DeduplicationConfiguration as Fields | undefined)?.DeduplicationType === 'CONTENT_BASED';
  return (input.Entries as Fields[]).map((entry) => {
    const source = entry.Source as string;
    if (source.startsWith('aws.')) return refused(`Source ${source} is not allowed: the aws. prefix is reserved for AWS services.`);
    const text = (entry.Detail ?? '{}') as string;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_EVENT_BYTES) return tooLarge(bytes);
    let detail: unknown;
    try {
      detail = JSON.parse(text);
    } catch {
      return refused('Detail is malformed: it is not valid JSON.');
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return refused('Detail is malformed: it must be a JSON object.');
    const system = (entry.SystemMetadata ?? {}) as Fields;
    const content = { source, 'detail-type': entry.DetailType, detail, resources: entry.Resources ?? [] };
    return {
      event: {
        version: '0',
        ...content,
        account: place.accountId,
        region: place.region,
        // The classic envelope's time, to the second ("time": "2026-08-31T07:23:37Z" in eb-custom-bus-addressing's example).
        time: isoSeconds(typeof entry.Time === 'number' ? entry.Time * 1000 : place.now),
        'event-bus-arn': place.busArn,
        ...(system.EventGroupId === undefined ? {} : { 'event-group-id': system.EventGroupId }),
        // As supplied: a subscriber sees it in SystemMetadata.DeduplicationId (delivery/bus-event.ts).
        ...(system.DeduplicationId === undefined ? {} : { 'deduplication-id': system.DeduplicationId }),
      },
      dedupKey: dedupKeyOf(system.DeduplicationId, contentBased, content),
      ...(typeof system.EventGroupId === 'string' ? { groupId: system.EventGroupId } : {}),
    };
  });
}

/** Content types whose data is JSON (`application/json`, `application/cloudevents+json`): checked as JSON. */
const isJson = (contentType: string) => /^application\/([\w.-]+\+)?json$/i.test(contentType.split(';')[0]?.trim() ?? '');
/**
 * Opaque bytes: "Events with a content type of application/octet-stream need no registry, because
 * EventBridge does not decode them" (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-publish.html).
 */
const isOpaque = (contentType: string) => contentType.split(';')[0]?.trim().toLowerCase() === 'application/octet-stream';

/**
 * PutRawEvents' entries: JSON data must parse; open formats (Avro, Protobuf) need the request's
 * SchemaRegistryConfiguration, and with one the local runtime reaches no registry.
 * @throws AwsError InvalidInputException or SchemaRegistryUnavailableException for the whole request
 */
export function putRawEventsEntries(input: Fields, place: Place): (Accepted | Refused)[] {
  const entries = input.Entries as Fields[];
  const openFormat = entries.some((entry) => {
    const contentType = String((entry.SystemMetadata as Fields).ContentType);
    return !isJson(contentType) && !isOpaque(contentType);
  });
  if (openFormat && input.SchemaRegistryConfiguration === undefined)
    throw invalidInput('SchemaRegistryConfiguration is required for open-format (Avro, Protobuf) entries: their ContentType is not JSON');
  if (openFormat)
    throw new AwsError(
      'SchemaRegistryUnavailableException',
      'The schema registry could not be reached: the local runtime reaches no Glue or Confluent schema registry, so open-format entries are not accepted here.',
      400,
    );
  const contentBased = (input.DeduplicationConfiguration as Fields | undefined)?.DeduplicationType === 'CONTENT_BASED';
  return entries.map((entry) => {
    const system = entry.SystemMetadata as Fields;
    const data = Buffer.from(String(entry.Data), 'base64');
    if (data.length > MAX_EVENT_BYTES) return tooLarge(data.length);
    let parsed: unknown;
    if (isOpaque(String(system.ContentType))) {
      // Kept as sent: its Base64 text is what a transformer sees as $events.Data (eb-custom-bus-transform).
      parsed = data.toString('base64');
    } else {
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        return refused(`Data is not valid JSON, as its ContentType ${String(system.ContentType)} says it is.`);
      }
    }
    const content = { data: parsed, metadata: entry.Metadata ?? {}, contentType: system.ContentType };
    return {
      event: {
        ...content,
        account: place.accountId,
        region: place.region,
        time: new Date(place.now).toISOString(),
        'event-bus-arn': place.busArn,
        // As supplied: a subscriber sees them in SystemMetadata (delivery/bus-event.ts).
        ...(system.EventGroupId === undefined ? {} : { eventGroupId: system.EventGroupId }),
        ...(system.DeduplicationId === undefined ? {} : { deduplicationId: system.DeduplicationId }),
      },
      dedupKey: dedupKeyOf(system.DeduplicationId, contentBased, content),
      ...(typeof system.EventGroupId === 'string' ? { groupId: system.EventGroupId } : {}),
    };
  });
}

/**
 * Events sent to a Custom Event Bus target (eb-custom-bus-target-bus), as events to accept: each
 * through PutEvents' or PutRawEvents' own entry checks, as the request of its action would be.
 * An event that has passed through this bus already is refused LOOP_DETECTED ("if an event, or
 * one derived from it, has already passed through the target Custom Event Bus, EventBridge does
 * not deliver it again"); one accepted keeps the buses it passed (PASSED_BUSES). An event's
 * `dedupKey` takes the place of a deduplication id, so a sender's repeat after a crash is DEDUPLICATED.
 */
export function forwardedEntries(events: readonly CustomBusEvent[], place: Place): (Accepted | Refused)[] {
  return events.map((forwarded) => {
    const passed = forwarded.passedBuses ?? [];
    if (passed.includes(place.busArn))
      return {
        ErrorCode: 'LOOP_DETECTED',
        ErrorMessage: `the event has passed through the Custom Event Bus ${place.busArn} already (${passed.join(' -> ')}): it is not put there again`,
      };
    let entry: Accepted | Refused;
    try {
      const input = { EventBusArn: place.busArn, Entries: [forwarded.entry] };
      // One entry in, one result out.
      entry = (forwarded.action === 'PutEvents' ? putEventsEntries(input, place) : putRawEventsEntries(input, place))[0] as
        | Accepted
        | Refused;
    } catch (error) {
      // PutRawEvents refuses an open format's whole request: here, this event's.
      if (!(error instanceof AwsError)) throw error;
      return { ErrorCode: error.code, ErrorMessage: error.message };
    }
    if ('ErrorCode' in entry) return entry;
    return {
      ...entry,
      event: { ...entry.event, ...(passed.length > 0 ? { [PASSED_BUSES]: passed } : {}) },
      ...(forwarded.dedupKey === undefined ? {} : { dedupKey: `forwarded:${forwarded.dedupKey}` }),
    };
  });
}
