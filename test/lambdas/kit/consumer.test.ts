import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { TicketCreated, TicketRouted } from '../../../contracts/index.js';
import { createSqsConsumer, type RecordHandler } from '../../../lambdas/kit/consumer.js';
import { EventPublisher, emission } from '../../../lambdas/kit/emit.js';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';
import { eventBridgeEvent, lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';

let dynamo: DynaliteHandle;
let tableName: string;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startDynalite();
});
afterAll(async () => {
  await dynamo.close();
});
beforeEach(async () => {
  tableName = `idempotency-${++tableCount}`;
  await dynamo.createIdempotencyTable(tableName);
});

/** A consumer whose side effect is counted per ticket. */
function consumerWith(handle: RecordHandler<[typeof TicketCreated]>, publisher?: EventPublisher) {
  return createSqsConsumer({
    contracts: [TicketCreated] as const,
    idempotency: { persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: dynamo.client }) },
    publisher,
    handle,
  });
}

function countingConsumer() {
  const effects = new Map<string, number>();
  const handler = consumerWith(async (detail) => {
    effects.set(detail.ticketId, (effects.get(detail.ticketId) ?? 0) + 1);
    return { handled: detail.ticketId };
  });
  return { handler, effects };
}

describe('createSqsConsumer', () => {
  it('runs the side effect once when the same ticket arrives twice', async () => {
    const { handler, effects } = countingConsumer();
    // A helpdesk retrying its webhook: two EventBridge events, two ids, one ticket.
    const first = await handler(sqsEvent(sqsRecord(ticketCreated('T-1'))), lambdaContext());
    const second = await handler(sqsEvent(sqsRecord(ticketCreated('T-1'))), lambdaContext());
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(effects.get('T-1')).toBe(1);
  });

  it('runs the side effect once when the same SQS message is redelivered', async () => {
    const { handler, effects } = countingConsumer();
    const record = sqsRecord(ticketCreated('T-2'));
    await handler(sqsEvent(record), lambdaContext());
    await handler(sqsEvent(record), lambdaContext());
    expect(effects.get('T-2')).toBe(1);
  });

  it('runs the side effect once for two concurrent duplicates, and the loser is retried, not dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let effects = 0;
    const handler = consumerWith(async () => {
      effects++;
      await gate; // hold the claim while the duplicate arrives
    });
    const a = sqsRecord(ticketCreated('T-3'), 'msg-a');
    const b = sqsRecord(ticketCreated('T-3'), 'msg-b');
    const first = handler(sqsEvent(a), lambdaContext());
    // Let the first claim land before the duplicate tries.
    await vi.waitFor(() => expect(effects).toBe(1));
    const second = await handler(sqsEvent(b), lambdaContext());
    release();
    expect((await first).batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'msg-b' }]);

    const redelivered = await handler(sqsEvent(b), lambdaContext());
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(effects).toBe(1);
  });

  it('runs the side effect once for duplicates inside one batch', async () => {
    const { handler, effects } = countingConsumer();
    const records = [sqsRecord(ticketCreated('T-4'), 'dup-1'), sqsRecord(ticketCreated('T-4'), 'dup-2')];
    const response = await handler(sqsEvent(...records), lambdaContext());
    // One claims; the other finds the claim in progress and is retried later.
    expect(response.batchItemFailures.length).toBeLessThanOrEqual(1);
    const retry = await handler(sqsEvent(...records), lambdaContext());
    expect(retry.batchItemFailures).toEqual([]);
    expect(effects.get('T-4')).toBe(1);
  });

  it('reports exactly the 2 failing records of a batch of 10', async () => {
    const handler = consumerWith(async (detail) => {
      if (detail.ticketId === 'B-3' || detail.ticketId === 'B-7') throw new Error(`downstream refused ${detail.ticketId}`);
    });
    const records = Array.from({ length: 10 }, (_, i) => sqsRecord(ticketCreated(`B-${i}`), `batch-${i}`));
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'batch-3' }, { itemIdentifier: 'batch-7' }]);
  });

  it('fails a schema-invalid record alone and logs why', async () => {
    const errorLog = vi.spyOn(Logger.prototype, 'error');
    const { handler, effects } = countingConsumer();
    const invalid = ticketCreated('T-5', { customerId: 42 });
    const response = await handler(
      sqsEvent(sqsRecord(ticketCreated('T-6'), 'ok-1'), sqsRecord(invalid, 'bad-1'), sqsRecord(ticketCreated('T-7'), 'ok-2')),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad-1' }]);
    expect([...effects.keys()].sort()).toEqual(['T-6', 'T-7']);
    const logged = errorLog.mock.calls.map(([, extra]) => (extra as { error: Error }).error);
    expect(logged.some((error) => error.name === 'InvalidEvent' && error.message.includes('/customerId: must be string'))).toBe(true);
    errorLog.mockRestore();
  });

  it('fails a record that is not JSON, or of an unknown detail-type, alone', async () => {
    const { handler } = countingConsumer();
    const response = await handler(
      sqsEvent(
        sqsRecord('not json', 'garbage'),
        sqsRecord(eventBridgeEvent('SomethingElse', { x: 1 }), 'unknown'),
        sqsRecord(ticketCreated('T-8'), 'fine'),
      ),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'garbage' }, { itemIdentifier: 'unknown' }]);
  });

  it.each([
    ['a string', 'boom'],
    ['undefined', undefined],
    ['null', null],
    ['a plain object', { code: 'E_NOPE' }],
  ])('reports every record when the handler throws %s, never an empty list', async (_name, thrown) => {
    const handler = consumerWith(async () => {
      throw thrown;
    });
    const records = [sqsRecord(ticketCreated('N-1'), 'n-1'), sqsRecord(ticketCreated('N-2'), 'n-2')];
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'n-1' }, { itemIdentifier: 'n-2' }]);
  });

  it('releases the claim of a failed record, so its redelivery runs the side effect', async () => {
    let attempts = 0;
    const handler = consumerWith(async () => {
      attempts++;
      if (attempts === 1) throw new Error('model timed out');
    });
    const record = sqsRecord(ticketCreated('T-9'));
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([]);
    expect(attempts).toBe(2);
  });

  it('stores each claim in one item with a TTL', async () => {
    const { handler } = countingConsumer();
    await handler(sqsEvent(sqsRecord(ticketCreated('T-10'))), lambdaContext());
    const { Items = [] } = await dynamo.client.send(new ScanCommand({ TableName: tableName }));
    expect(Items).toHaveLength(1);
    expect(Items[0]?.status?.S).toBe('COMPLETED');
    const expiration = Number(Items[0]?.expiration?.N);
    expect(expiration).toBeGreaterThan(Date.now() / 1000 + 3600);
  });

  it('emits follow-up events carrying the correlation id of the triggering event', async () => {
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    const handler = consumerWith(
      (detail, { emit }) =>
        emit([emission(TicketRouted, { ticketId: detail.ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'test' })]),
      publisher,
    );
    const trigger = ticketCreated('T-11', { metadata: { correlationId: 'corr-123' } });
    await handler(sqsEvent(sqsRecord(trigger)), lambdaContext());
    const [entry] = bus.published;
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toEqual({ correlationId: 'corr-123', causationId: trigger.id });
  });
});
