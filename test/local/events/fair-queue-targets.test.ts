import { describe, expect, it } from 'vitest';
import type { TargetDefinition } from '../../../local/events/definitions.js';
import { envelope, targetDelivery } from './target-delivery.js';

const event = (customerId: unknown) =>
  envelope({
    id: `event-${String(customerId)}`,
    'detail-type': 'TicketCreated',
    source: 'app.tickets',
    detail: { ticketId: 't-1', customerId },
  });

const target = (arn: string, messageGroupId?: string): TargetDefinition => ({ id: 't', arn, messageGroupId });

describe('LocalTargetDelivery to SQS fair queues', () => {
  it('sends a standard queue the group id at the dynamic path, so each customer is a tenant of the fair queue', async () => {
    const sent: Record<string, unknown>[] = [];
    const to = target('arn:aws:sqs:us-east-1:000000000000:starter', '$.detail.customerId');
    await targetDelivery(sent).deliver(to, '{}', event('c-1'));
    await targetDelivery(sent).deliver(to, '{}', event('c-2'));
    expect(sent.map((m) => m.MessageGroupId)).toEqual(['c-1', 'c-2']);
    // A standard queue takes no deduplication id (SQS refuses one).
    expect(sent.every((m) => m.MessageDeduplicationId === undefined)).toBe(true);
  });

  it('sends a constant group id as it is, and none when the target names none', async () => {
    const sent: Record<string, unknown>[] = [];
    await targetDelivery(sent).deliver(target('arn:aws:sqs:us-east-1:000000000000:q', 'tenant-a'), '{}', event('c-1'));
    await targetDelivery(sent).deliver(target('arn:aws:sqs:us-east-1:000000000000:q'), '{}', event('c-1'));
    expect(sent.map((m) => m.MessageGroupId)).toEqual(['tenant-a', undefined]);
  });

  it('resolves the path for a FIFO queue too, with the event id as its deduplication id', async () => {
    const sent: Record<string, unknown>[] = [];
    await targetDelivery(sent).deliver(target('arn:aws:sqs:us-east-1:000000000000:q.fifo', '$.detail.customerId'), '{}', event(42));
    expect(sent[0]).toMatchObject({ MessageGroupId: '42', MessageDeduplicationId: 'event-42' });
  });

  it('sends no group id when the event has no value at the path', async () => {
    const sent: Record<string, unknown>[] = [];
    await targetDelivery(sent).deliver(target('arn:aws:sqs:us-east-1:000000000000:q', '$.detail.tenant'), '{}', event('c-1'));
    expect(sent[0]?.MessageGroupId).toBeUndefined();
  });
});
