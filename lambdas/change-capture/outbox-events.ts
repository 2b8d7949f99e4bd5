import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { OUTBOX_ATTRIBUTE, type OutboxEvent } from '../../contracts/index.js';
import type { StreamRecord } from './change-events.js';

/**
 * A stream record whose new image carries no readable announcement: the pipe's filter lets
 * through only records that carry one, so this is a writer's bug; the batch fails, is
 * bisected down to the record and finally described in the outbox's dead-letter queue.
 */
export class MalformedAnnouncementError extends Error {
  override readonly name = 'MalformedAnnouncement';
}

/**
 * The event an outbox record announces: the announcement's source and detail-type (the
 * target's dynamic parameters `$.source`, `$.detailType`) and its detail parsed from the
 * stored JSON text (the target's input template `<$.detail>` sends it as the event's detail).
 * Parsing here, not in the template, because Pipes documents inserting a JSON object at a
 * path, not turning a string into one; and JSON.parse then JSON.stringify keeps the text the
 * writer stored, so the detail is byte for byte what the kit's `emit` would have sent.
 */
export function outboxEvent(record: StreamRecord): OutboxEvent {
  const where = `record ${record.eventID} (${record.eventName}, sequence number ${record.dynamodb.SequenceNumber})`;
  const stored = record.dynamodb.NewImage?.[OUTBOX_ATTRIBUTE]?.M as Record<string, AttributeValue> | undefined;
  const source = stored?.source?.S;
  const detailType = stored?.detailType?.S;
  const text = stored?.detail?.S;
  if (source === undefined || detailType === undefined || text === undefined) {
    throw new MalformedAnnouncementError(`${where}: its new image has no ${OUTBOX_ATTRIBUTE} with source, detailType and detail strings`);
  }
  let detail: unknown;
  try {
    detail = JSON.parse(text);
  } catch (error) {
    throw new MalformedAnnouncementError(`${where}: the ${detailType} announcement's detail is not JSON`, { cause: error });
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    throw new MalformedAnnouncementError(`${where}: the ${detailType} announcement's detail is not a JSON object`);
  }
  return { source, detailType, detail };
}
