import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { changeDetailType, changeId, defineChangeContract, idempotencyKeyOf, TicketCreated, validateChange } from '../../domain/index.js';
import { changeDetail, type StreamRecord, tableOf } from '../../lambdas/change-capture/change-events.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/Tickets/stream/2026-01-01T00:00:00.000';

function record(
  eventName: StreamRecord['eventName'],
  images: Partial<StreamRecord['dynamodb']>,
  extra: Partial<StreamRecord> = {},
): StreamRecord {
  return {
    eventID: 'c81e728d9d4c2f636f067f89cc14862c',
    eventName,
    eventSourceARN: STREAM,
    dynamodb: {
      Keys: { ticketId: { S: 'T-1' } },
      SequenceNumber: '000000000000000000042',
      ApproximateCreationDateTime: 1_767_225_600,
      ...images,
    },
    ...extra,
  };
}

const ticket = {
  ticketId: { S: 'T-1' },
  customerId: { S: 'C-1' },
  subject: { S: 'Charged twice' },
  body: { S: 'Refund one.' },
  votes: { N: '3' },
};

describe('change events', () => {
  it('makes an insert <Entity>Created with the new image on top and as change.newImage, in plain JSON', () => {
    const detail = changeDetail('Ticket', record('INSERT', { NewImage: ticket }), tableOf(STREAM));
    expect(detail).toEqual({
      ticketId: 'T-1',
      customerId: 'C-1',
      subject: 'Charged twice',
      body: 'Refund one.',
      votes: 3,
      changeId: 'Tickets#c81e728d9d4c2f636f067f89cc14862c',
      change: {
        detailType: 'TicketCreated',
        kind: 'INSERT',
        table: 'Tickets',
        sequenceNumber: '000000000000000000042',
        keys: { ticketId: 'T-1' },
        newImage: { ticketId: 'T-1', customerId: 'C-1', subject: 'Charged twice', body: 'Refund one.', votes: 3 },
        approximateCreationTime: '2026-01-01T00:00:00.000Z',
      },
    });
    expect(TicketCreated.validate(detail).ok).toBe(true);
    expect(validateChange(detail.change).ok).toBe(true);
  });

  it('makes an update <Entity>Updated with both images', () => {
    const detail = changeDetail('Ticket', record('MODIFY', { OldImage: ticket, NewImage: { ...ticket, votes: { N: '4' } } }), 'Tickets');
    expect(detail.votes).toBe(4);
    expect(detail.change).toMatchObject({ detailType: 'TicketUpdated', oldImage: { votes: 3 }, newImage: { votes: 4 } });
  });

  it('makes a delete <Entity>Deleted from the old image, and keeps who deleted it (TTL)', () => {
    const identity = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
    const detail = changeDetail('Ticket', record('REMOVE', { OldImage: ticket }, { userIdentity: identity }), 'Tickets');
    expect(detail).toMatchObject({
      ticketId: 'T-1',
      subject: 'Charged twice',
      change: { detailType: 'TicketDeleted', userIdentity: identity },
    });
    expect(detail.change.newImage).toBeUndefined();
  });

  it('falls back to the keys when the stream carries no image (KEYS_ONLY)', () => {
    const detail = changeDetail('Ticket', record('REMOVE', {}), 'Tickets');
    expect(detail).toMatchObject({ ticketId: 'T-1', change: { keys: { ticketId: 'T-1' } } });
  });

  it('gives every delivery of one stream record the same changeId, and different records different ones', () => {
    expect(changeId(STREAM, 'a')).toBe(changeId(STREAM, 'a'));
    expect(changeId(STREAM, 'a')).not.toBe(changeId(STREAM, 'b'));
    expect(changeId('arn:aws:dynamodb:us-east-1:1:table/Other/stream/x', 'a')).not.toBe(changeId(STREAM, 'a'));
    expect(changeDetailType('Order', 'MODIFY')).toBe('OrderUpdated');
  });

  it('keeps an integer beyond 2^53 as its decimal string, and sets and binaries as JSON can carry them', () => {
    const image = { ...ticket, big: { N: '12345678901234567890' }, tags: { SS: ['a', 'b'] }, raw: { B: new Uint8Array([1, 2]) } };
    const detail = changeDetail('Ticket', record('INSERT', { NewImage: image as never }), 'Tickets');
    expect(detail).toMatchObject({ big: '12345678901234567890', tags: ['a', 'b'], raw: 'AQI=' });
    expect(() => JSON.stringify(detail)).not.toThrow();
  });

  it('keys a change contract on changeId, so two deliveries of one change are one fact and two changes of one item are two', () => {
    const TicketUpdated = defineChangeContract({
      entity: 'Ticket',
      kind: 'MODIFY',
      source: 'switchyard.changes',
      description: 'A ticket row changed.',
      properties: { ticketId: Type.String() },
    });
    const first = changeDetail('Ticket', record('MODIFY', { OldImage: ticket, NewImage: ticket }), 'Tickets');
    const second = changeDetail('Ticket', record('MODIFY', { OldImage: ticket, NewImage: ticket }, { eventID: 'other' }), 'Tickets');
    expect(TicketUpdated.detailType).toBe('TicketUpdated');
    expect(TicketUpdated.validate(first).ok).toBe(true);
    expect(TicketUpdated.validate({ ...first, change: { ...first.change, kind: 'UPSERT' } }).ok).toBe(false);
    const key = (detail: object, id: string) => idempotencyKeyOf(TicketUpdated, { id, detail: detail as Record<string, unknown> });
    expect(key(first, 'event-1')).toBe(key(first, 'event-2'));
    expect(key(first, 'event-1')).not.toBe(key(second, 'event-1'));
  });
});
