// STUB: replaced by fix/v2-select at merge

/** An event as a subscriber sees it: its payload, the producer's metadata, and the bus's system metadata. */
export interface BusEvent {
  readonly Data: unknown;
  readonly Metadata?: Readonly<Record<string, string>>;
  readonly SystemMetadata: Readonly<Record<string, string>>;
}

/** The event an outbox row holds, as a subscriber sees it (stub: the stored event is the Data). */
export function busEventOf(stored: Readonly<Record<string, unknown>>, deliveryType: 'LIVE' | 'REPLAY'): BusEvent {
  const { id, sequence, ingestedAt, ...data } = stored;
  const system: Record<string, string> = { 'aws:EventId': String(id), 'aws:DeliveryType': deliveryType };
  if (typeof sequence === 'string') system['aws:SequenceNumber'] = sequence;
  if (typeof stored['event-group-id'] === 'string') system['aws:EventGroupId'] = stored['event-group-id'] as string;
  if (typeof ingestedAt === 'number') system['aws:IngestionTime'] = new Date(ingestedAt).toISOString();
  return { Data: 'data' in data && 'contentType' in data ? data.data : data, SystemMetadata: system };
}
