import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TicketCreated } from '../../../domain/index.js';
import { type CustomBusEventHandler, createCustomBusConsumer } from '../../../lambdas/kit/custom-bus-consumer.js';
import { SwitchyardError } from '../../../lambdas/kit/errors.js';
import { useDynamoDb, useTablePerTest } from '../../helpers/dynamodb-engine.js';
import { lambdaContext, ticketCreated } from '../../helpers/events.js';

type Tickets = [typeof TicketCreated];

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'custom-bus');
afterEach(() => {
  vi.restoreAllMocks();
});

/** A consumer idempotent on the test's table, counting how often each ticket's effect ran. */
function consumer(handle: CustomBusEventHandler<Tickets> = async () => undefined, ordered = false) {
  const runs: string[] = [];
  const handler = createCustomBusConsumer({
    contracts: [TicketCreated] as const,
    idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName: table.name, awsSdkV3Client: dynamo.client }) },
    ordered,
    handle: async (detail, context) => {
      runs.push(detail.ticketId);
      return handle(detail, context);
    },
  });
  return { handler, runs };
}

/** A PutEvents event as a WITH_METADATA subscriber delivers it: its id and group in the system metadata, none in the data. */
function withMetadata(ticketId: string, eventGroupId: string, eventId = `evt-${ticketId}`) {
  const { id: _id, ...data } = ticketCreated(ticketId);
  return { Data: data, Metadata: {}, SystemMetadata: { 'aws:EventId': eventId, 'aws:DeliveryType': 'LIVE', EventGroupId: eventGroupId } };
}

/** An error a retry may cure (a dependency down). */
class DownstreamDownError extends SwitchyardError {
  override readonly name = 'DownstreamDown';
}

describe('createCustomBusConsumer', () => {
  it('runs the handler once for each event of a RAW batch and answers which ran', async () => {
    const { handler, runs } = consumer();
    const batch = [ticketCreated('T-1'), ticketCreated('T-2')];
    const summary = await handler(batch, lambdaContext());
    expect(runs.sort()).toEqual(['T-1', 'T-2']);
    expect(summary).toEqual({ processed: batch.map((event) => event.id), duplicates: [], rejected: [] });
  });

  it('takes the one event object a subscriber with MaxBatchSize 1 sends', async () => {
    const { handler, runs } = consumer();
    await handler(withMetadata('T-3', 'g'), lambdaContext());
    expect(runs).toEqual(['T-3']);
  });

  it('skips a fact whose claim already completed, as a duplicate, when the batch comes again', async () => {
    const { handler, runs } = consumer();
    const batch = [withMetadata('T-4', 'g'), withMetadata('T-5', 'g')];
    await handler(batch, lambdaContext());
    const again = await handler(batch, lambdaContext());
    expect(runs).toEqual(['T-4', 'T-5']);
    expect(again).toEqual({ processed: [], duplicates: ['evt-T-4', 'evt-T-5'], rejected: [] });
  });

  it('runs two deliveries of one fact in a batch once, the second completing as a duplicate', async () => {
    const { handler, runs } = consumer();
    const first = ticketCreated('T-16');
    const copy = ticketCreated('T-16');
    const summary = await handler([first, copy], lambdaContext());
    expect(runs).toEqual(['T-16']);
    expect(summary).toEqual({ processed: [first.id], duplicates: [copy.id], rejected: [] });
  });

  it('fails the invocation naming the failed event when one fails, and the batch delivered again runs only that one', async () => {
    let down = true;
    const { handler, runs } = consumer(async (detail) => {
      if (down && detail.ticketId === 'T-7') throw new DownstreamDownError('the CRM did not answer');
    });
    const batch = [withMetadata('T-6', 'a'), withMetadata('T-7', 'b'), withMetadata('T-8', 'c')];
    await expect(handler(batch, lambdaContext())).rejects.toMatchObject({
      name: 'EventsFailed',
      events: [{ eventId: 'evt-T-7', eventGroupId: 'b', errorName: 'DownstreamDown', message: 'the CRM did not answer' }],
      cause: { name: 'DownstreamDown' },
    });
    down = false;
    const retried = await handler(batch, lambdaContext());
    expect(retried).toEqual({ processed: ['evt-T-7'], duplicates: ['evt-T-6', 'evt-T-8'], rejected: [] });
    expect(runs.sort()).toEqual(['T-6', 'T-7', 'T-7', 'T-8']);
  });

  it('rejects an event that breaks its contract alone, with InvalidEvent, and runs the rest of the batch', async () => {
    const error = vi.spyOn(Logger.prototype, 'error');
    const { handler, runs } = consumer();
    const broken = ticketCreated('T-9', { customerId: 42 });
    const summary = await handler([ticketCreated('T-10'), broken], lambdaContext());
    expect(runs).toEqual(['T-10']);
    expect(summary.rejected).toEqual([
      { eventId: broken.id, errorName: 'InvalidEvent', message: expect.stringContaining('breaks its contract') },
    ]);
    expect(error).toHaveBeenCalledWith(
      'event rejected: it fails however often it is delivered, so it is not retried',
      expect.objectContaining({ errorName: 'InvalidEvent' }),
    );
  });

  it('keeps each group in order on a FIFO subscriber: after a failure the group’s later events are held, not run, and other groups go on', async () => {
    const { handler, runs } = consumer(async (detail) => {
      if (detail.ticketId === 'T-11') throw new DownstreamDownError('not yet');
    }, true);
    const batch = [withMetadata('T-11', 'order-1'), withMetadata('T-12', 'order-2'), withMetadata('T-13', 'order-1')];
    await expect(handler(batch, lambdaContext())).rejects.toMatchObject({
      name: 'EventsFailed',
      events: [
        { eventId: 'evt-T-11', eventGroupId: 'order-1', errorName: 'DownstreamDown' },
        {
          eventId: 'evt-T-13',
          eventGroupId: 'order-1',
          errorName: 'EventsFailed',
          message: 'held behind evt-T-11, which failed earlier in group order-1',
        },
      ],
    });
    expect(runs.sort()).toEqual(['T-11', 'T-12']);
  });

  it('runs a failed event’s group-mates when the subscriber is not FIFO', async () => {
    const { handler, runs } = consumer(async (detail) => {
      if (detail.ticketId === 'T-14') throw new DownstreamDownError('not yet');
    });
    await expect(handler([withMetadata('T-14', 'order-3'), withMetadata('T-15', 'order-3')], lambdaContext())).rejects.toMatchObject({
      events: [{ eventId: 'evt-T-14' }],
    });
    expect(runs.sort()).toEqual(['T-14', 'T-15']);
  });

  it('fails if the invocation is not a Custom Event Bus delivery, saying what it expected', async () => {
    const { handler } = consumer();
    await expect(handler('hello' as never, lambdaContext())).rejects.toThrow(
      'the invocation is not a Custom Event Bus delivery: expected an array of events (or one event object), got string',
    );
  });
});
