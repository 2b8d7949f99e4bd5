import { describe, expect, it } from 'vitest';
import { busEventOf, StoredEventError, withMetadata } from '../../../local/eventbridgev2/delivery/bus-event.js';
import { type Place, putEventsEntries, putRawEventsEntries } from '../../../local/eventbridgev2/entries.js';
import type { Accepted } from '../../../local/eventbridgev2/publishing.js';

const BUS = 'arn:aws:events:us-east-1:111122223333:event-busv2/orders/EXAMPLE1234567890abcdef';
const place: Place = { busArn: BUS, accountId: '111122223333', region: 'us-east-1', now: Date.parse('2026-08-31T07:23:37Z') };
const INGESTED = Date.parse('2026-08-31T07:23:37.890Z');

/** What the outbox keeps for the first entry, as publishing.ts writes it (`{ id, ...entry.event }`) plus the engine's sequence and ingestedAt. */
function stored(results: ReturnType<typeof putEventsEntries>, extra: Record<string, unknown> = {}) {
  const accepted = results[0] as Accepted;
  expect(accepted.event, JSON.stringify(results[0])).toBeDefined();
  return JSON.parse(JSON.stringify({ id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666', ...accepted.event, ingestedAt: INGESTED, ...extra }));
}

const base64 = (text: string) => Buffer.from(text).toString('base64');

describe('busEventOf', () => {
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-addressing.html: PutEvents' Data
  // is the envelope, ContentType application/eventbridge+json, aws:Source and aws:DetailType from the entry.
  it('gives a PutEvents event the whole envelope as Data and its source and detail type in SystemMetadata', () => {
    const entries = putEventsEntries(
      {
        Entries: [
          {
            Source: 'com.example.orders',
            DetailType: 'MyType',
            Detail: '{"m":"PE","n":7}',
            Resources: ['arn:aws:s3:::example'],
            SystemMetadata: { EventGroupId: 'orders-1001', DeduplicationId: 'dedup-1' },
          },
        ],
      },
      place,
    );
    const event = busEventOf(stored(entries, { sequence: '00000000000000000007' }), 'LIVE');
    expect(event).toEqual({
      Data: {
        version: '0',
        id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666',
        source: 'com.example.orders',
        'detail-type': 'MyType',
        account: '111122223333',
        region: 'us-east-1',
        time: '2026-08-31T07:23:37Z',
        resources: ['arn:aws:s3:::example'],
        detail: { m: 'PE', n: 7 },
      },
      SystemMetadata: {
        ContentType: 'application/eventbridge+json',
        DeduplicationId: 'dedup-1',
        EventGroupId: 'orders-1001',
        'aws:EventId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666',
        'aws:IngestionTime': '2026-08-31T07:23:37.890Z',
        'aws:SequenceNumber': '00000000000000000007',
        'aws:DeliveryType': 'LIVE',
        'aws:Source': 'com.example.orders',
        'aws:DetailType': 'MyType',
      },
    });
    expect(event.Metadata).toBeUndefined();
  });

  it('gives a PutRawEvents event its payload as sent, its metadata, and its content type, and no source or detail type', () => {
    const entries = putRawEventsEntries(
      {
        Entries: [
          {
            Data: base64('{"m":"RAW","n":7}'),
            Metadata: { mykey: 'myval' },
            SystemMetadata: { ContentType: 'application/json', EventGroupId: 'orders-1001', DeduplicationId: 'dedup-2' },
          },
        ],
      },
      place,
    );
    const event = busEventOf(stored(entries), 'REPLAY');
    expect(event).toEqual({
      Data: { m: 'RAW', n: 7 },
      Metadata: { mykey: 'myval' },
      SystemMetadata: {
        ContentType: 'application/json',
        DeduplicationId: 'dedup-2',
        EventGroupId: 'orders-1001',
        'aws:EventId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666',
        'aws:IngestionTime': '2026-08-31T07:23:37.890Z',
        'aws:DeliveryType': 'REPLAY',
      },
    });
  });

  it('omits every SystemMetadata field that has no value but aws:DeliveryType and the ids', () => {
    const entries = putRawEventsEntries(
      { Entries: [{ Data: base64('[1,2]'), SystemMetadata: { ContentType: 'application/json' } }] },
      place,
    );
    const { ingestedAt: _, ...withoutIngestion } = stored(entries);
    expect(busEventOf(withoutIngestion, 'LIVE')).toEqual({
      Data: [1, 2],
      Metadata: {},
      SystemMetadata: {
        ContentType: 'application/json',
        'aws:EventId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE66666',
        'aws:DeliveryType': 'LIVE',
      },
    });
  });

  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html#eb-custom-bus-transform-binary:
  // "The bytes of hello arrive as $events.Data = "aGVsbG8="".
  it('accepts application/octet-stream without a schema registry and gives its bytes as a Base64 string', () => {
    const entries = putRawEventsEntries(
      { Entries: [{ Data: base64('hello'), SystemMetadata: { ContentType: 'application/octet-stream' } }] },
      place,
    );
    const event = busEventOf(stored(entries), 'LIVE');
    expect(event.Data).toBe('aGVsbG8=');
    expect(event.SystemMetadata.ContentType).toBe('application/octet-stream');
  });

  it('gives WITH_METADATA an empty Metadata map for a PutEvents event', () => {
    const entries = putEventsEntries({ Entries: [{ Source: 'a.b', DetailType: 'T', Detail: '{}' }] }, place);
    expect(withMetadata(busEventOf(stored(entries), 'LIVE')).Metadata).toEqual({});
  });

  it('fails if the stored event has no id', () => {
    expect(() => busEventOf({ source: 'a.b' }, 'LIVE')).toThrow(StoredEventError);
  });
});
