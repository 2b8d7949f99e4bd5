import { busEventOf } from './delivery/bus-event.js';
import { compileSelection } from './delivery/selection.js';
import type { BusRecord, EventBridgeV2Store, Fields, SubscriberRecord } from './store.js';

/** An event PutEvents published onto a bus, and the subscribers that select it. */
export interface PublishedEvent {
  readonly bus: BusRecord;
  /** As the bus keeps it: `id`, `source`, `detail-type`, `detail`, `time`, ... */
  readonly event: Fields;
  readonly subscribers: readonly SubscriberRecord[];
  readonly acceptedAt: number;
}

/**
 * The events a bus published (its EventAcceptance's `onPublished`), each with the subscribers of
 * the bus whose filters select it, as a classic bus's records name the rules an event matched:
 * what the read API records for trace and lineage (local/eventbridgev2/module.ts), on which the
 * deliveries' notes then record their outcomes. PutRawEvents' events (no detail-type) are left out.
 */
export function publishedEvents(
  store: EventBridgeV2Store,
  bus: BusRecord,
  events: readonly Fields[],
  acceptedAt: number,
): PublishedEvent[] {
  const subscribers = store.subscribers.all().filter((s) => s.EventBusArn === bus.EventBusArn && s.Revoked !== true);
  return events.flatMap((event) => {
    if (typeof event['detail-type'] !== 'string') return [];
    const live = busEventOf({ ...event, ingestedAt: acceptedAt }, 'LIVE');
    return [{ bus, event, subscribers: subscribers.filter((s) => compileSelection(s.configuration).matches(live)), acceptedAt }];
  });
}
