import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRoutingConsumer } from '../../../lambdas/routing/routing-consumer.js';
import { useDynamoDb, useTablePerTest } from '../../helpers/dynamodb-engine.js';
import { eventBridgeEvent, lambdaContext, sqsEvent, sqsRecord } from '../../helpers/events.js';
import { FakeSqs } from '../../helpers/fake-sqs.js';

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'assignments', (name) => dynamo.createTable(name, 'ticketId'));
const sqs = new FakeSqs();
beforeEach(() => sqs.reset());
afterEach(() => {
  vi.restoreAllMocks();
});

function routed(ticketId: string, queue = 'billing', decision: { decidedBy?: string; sequence?: number; reviewer?: string } = {}) {
  return eventBridgeEvent(
    'TicketRouted',
    { ticketId, queue, decidedBy: 'model', confidence: 0.9, model: 'm', ...decision, metadata: { correlationId: `corr-${ticketId}` } },
    { source: 'switchyard.triage' },
  );
}

async function assignments() {
  return (await dynamo.items(table.name)).filter((item) => item.kind !== 'ignored');
}

async function ignoredEvents() {
  return (await dynamo.items(table.name)).filter((item) => item.kind === 'ignored');
}

const consumer = () => createRoutingConsumer({ dynamodb: dynamo.client, tableName: table.name, failureQueues: sqs.queues(5) });

describe('createRoutingConsumer', () => {
  it("writes the ticket's assignment with the event that made it", async () => {
    const event = routed('T-1');
    const response = await consumer()(sqsEvent(sqsRecord(event)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(await assignments()).toEqual([
      expect.objectContaining({
        ticketId: 'T-1',
        queue: 'billing',
        decidedBy: 'model',
        routedEventId: event.id,
        correlationId: 'corr-T-1',
      }),
    ]);
  });

  it('leaves the assignment unchanged for a second TicketRouted of the ticket, and logs it as a duplicate', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const handler = consumer();
    const first = routed('T-2');
    await handler(sqsEvent(sqsRecord(first)), lambdaContext());
    const [before] = await assignments();
    // A crash after the state machine published and before it completed: published again, new event id.
    const response = await handler(sqsEvent(sqsRecord(routed('T-2'))), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(await assignments()).toEqual([before]);
    const duplicate = info.mock.calls.find(([message]) => String(message).startsWith('duplicate skipped'));
    expect(duplicate?.[1]).toMatchObject({ ticketId: 'T-2', firstEventId: first.id, firstProcessedAt: before?.assignedAt });
    expect(await ignoredEvents()).toEqual([expect.objectContaining({ entityKey: 'T-2', reason: 'duplicate', currentVersion: 1000 })]);
  });

  it('keeps the first assignment when copies race in one batch, and warns about one that names another queue', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    const records = [sqsRecord(routed('T-3', 'billing')), sqsRecord(routed('T-3', 'billing')), sqsRecord(routed('T-3', 'security'))];
    const response = await consumer()(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect((await assignments()).map((a) => [a.ticketId, a.queue])).toEqual([['T-3', 'billing']]);
    expect(warn.mock.calls.filter(([message]) => String(message).includes('names another queue'))).toHaveLength(1);
  });

  it("lets a person's re-route replace the model's routing", async () => {
    const handler = consumer();
    await handler(sqsEvent(sqsRecord(routed('T-5', 'billing'))), lambdaContext());
    const reroute = routed('T-5', 'security', { decidedBy: 'human', reviewer: 'sam' });
    await handler(sqsEvent(sqsRecord(reroute)), lambdaContext());
    expect(await assignments()).toEqual([
      expect.objectContaining({ ticketId: 'T-5', queue: 'security', decidedBy: 'human', version: 3000, routedEventId: reroute.id }),
    ]);
    expect(await ignoredEvents()).toEqual([]);
  });

  it("ignores the model's routing arriving after a person's, and records and logs it with the reason", async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const handler = consumer();
    const human = routed('T-6', 'security', { decidedBy: 'human', reviewer: 'sam' });
    await handler(sqsEvent(sqsRecord(human)), lambdaContext());
    const late = routed('T-6', 'billing');
    const response = await handler(sqsEvent(sqsRecord(late)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(await assignments()).toEqual([expect.objectContaining({ queue: 'security', routedEventId: human.id })]);
    expect(await ignoredEvents()).toEqual([
      expect.objectContaining({ entityKey: 'T-6', eventId: late.id, eventVersion: 1000, currentVersion: 3000, reason: 'stale' }),
    ]);
    const logged = info.mock.calls.find(([message]) => String(message).startsWith('late TicketRouted ignored'));
    expect(logged?.[1]).toMatchObject({ ticketId: 'T-6', standingEventId: human.id, staleEventId: late.id, staleQueue: 'billing' });
  });

  it("applies a person's second decision (a higher sequence) and ignores the first one redelivered late", async () => {
    const handler = consumer();
    const first = routed('T-7', 'account', { decidedBy: 'human', reviewer: 'sam' });
    const second = routed('T-7', 'security', { decidedBy: 'human', reviewer: 'sam', sequence: 1 });
    await handler(sqsEvent(sqsRecord(second)), lambdaContext());
    await handler(sqsEvent(sqsRecord(first)), lambdaContext());
    expect(await assignments()).toEqual([expect.objectContaining({ queue: 'security', version: 3001 })]);
    expect(await ignoredEvents()).toEqual([expect.objectContaining({ eventId: first.id, reason: 'stale' })]);
  });

  it('sends a TicketRouted that breaks its contract to the DLQ with the reason, and writes nothing', async () => {
    const bad = eventBridgeEvent('TicketRouted', { ticketId: 'T-4', queue: 'nowhere', decidedBy: 'model', confidence: 2, model: 'm' });
    const response = await consumer()(sqsEvent(sqsRecord(bad)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.sent[0]?.MessageAttributes?.['Switchyard.ErrorName']?.StringValue).toBe('InvalidEvent');
    expect(await assignments()).toEqual([]);
  });
});
