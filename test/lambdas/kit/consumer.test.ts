import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES, TicketRouted } from '../../../domain/index.js';
import { failureQueuesFromEnv } from '../../../lambdas/kit/consumer.js';
import { EventPublisher, emission } from '../../../lambdas/kit/emit.js';
import { SwitchyardError } from '../../../lambdas/kit/errors.js';
import { eventBridgeEvent, lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { FakeEventBridge } from '../../helpers/fake-eventbridge.js';
import { received, useConsumerBench } from '../../helpers/sqs-consumer.js';

const { dynamo, table, sqs, consumerWith } = useConsumerBench('idempotency');
afterEach(() => {
  vi.restoreAllMocks();
});

function countingConsumer() {
  const effects = new Map<string, number>();
  const handler = consumerWith(async (detail) => {
    effects.set(detail.ticketId, (effects.get(detail.ticketId) ?? 0) + 1);
    return { handled: detail.ticketId };
  });
  return { handler, effects };
}

/** A domain error that says retrying cannot help. */
class CustomerClosedError extends SwitchyardError {
  override readonly name = 'CustomerClosed';
  override get retryable() {
    return false;
  }
}

/** The string value of a dead-lettered message's attribute. */
function attribute(index: number, name: string): string | undefined {
  return sqs.sent[index]?.MessageAttributes?.[name]?.StringValue;
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

  it('completes a duplicate inside one batch as a duplicate in the same invocation, and logs it with the first copy', async () => {
    const info = vi.spyOn(Logger.prototype, 'info');
    const effects = new Map<string, number>();
    const handler = consumerWith(async (detail) => {
      effects.set(detail.ticketId, (effects.get(detail.ticketId) ?? 0) + 1);
      // Slow enough that a copy processed side by side would find the claim still in progress.
      await new Promise((resolve) => setTimeout(resolve, 200));
    });
    const records = [sqsRecord(ticketCreated('T-4'), 'dup-1'), sqsRecord(ticketCreated('T-4'), 'dup-2'), sqsRecord(ticketCreated('T-5'))];
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(effects.get('T-4')).toBe(1);
    expect(sqs.visibilityChanges).toEqual([]);
    const skipped = info.mock.calls.filter(([message]) => String(message).startsWith('duplicate skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.[1]).toMatchObject({
      idempotencyKey: 'TicketCreated#ticketId="T-4"',
      firstMessageId: 'dup-1',
      firstProcessedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
  });

  it('runs the side effect once for two concurrent duplicates; the loser comes back after a short backoff, not dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let effects = 0;
    const handler = consumerWith(async () => {
      effects++;
      await gate; // hold the claim while the duplicate arrives in another invocation
    });
    const a = sqsRecord(ticketCreated('T-3'), 'msg-a');
    const b = sqsRecord(ticketCreated('T-3'), 'msg-b');
    const first = handler(sqsEvent(a), lambdaContext());
    await vi.waitFor(() => expect(effects).toBe(1));
    const second = await handler(sqsEvent(b), lambdaContext());
    release();
    expect((await first).batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'msg-b' }]);
    // Back in seconds, not after the queue's whole visibility timeout.
    expect(sqs.visibilityChanges).toEqual([
      { QueueUrl: 'https://sqs.test/queue', ReceiptHandle: 'rh-msg-b', VisibilityTimeout: expect.any(Number) },
    ]);
    expect(sqs.visibilityChanges[0]?.VisibilityTimeout).toBeLessThanOrEqual(5);

    const redelivered = await handler(sqsEvent(received(b, 2)), lambdaContext());
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(effects).toBe(1);
  });

  it('reports exactly the 2 transiently failing records of a batch of 10, and backs each off', async () => {
    const handler = consumerWith(async (detail) => {
      if (detail.ticketId === 'B-3' || detail.ticketId === 'B-7') throw new Error(`downstream refused ${detail.ticketId}`);
    });
    const records = Array.from({ length: 10 }, (_, i) => sqsRecord(ticketCreated(`B-${i}`), `batch-${i}`));
    const response = await handler(sqsEvent(...records), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'batch-3' }, { itemIdentifier: 'batch-7' }]);
    expect(sqs.visibilityChanges.map((c) => c.ReceiptHandle).sort()).toEqual(['rh-batch-3', 'rh-batch-7']);
    expect(sqs.sent).toEqual([]);
  });

  it('backs a transient failure off exponentially with the receive count, within the jitter range', async () => {
    const handler = consumerWith(async () => {
      throw new Error('model timed out');
    });
    await handler(sqsEvent(received(sqsRecord(ticketCreated('R-1')), 1)), lambdaContext());
    await handler(sqsEvent(received(sqsRecord(ticketCreated('R-2')), 3)), lambdaContext());
    const [first, third] = sqs.visibilityChanges.map((c) => c.VisibilityTimeout ?? -1);
    expect(first).toBeGreaterThanOrEqual(3);
    expect(first).toBeLessThanOrEqual(5);
    expect(third).toBeGreaterThanOrEqual(10);
    expect(third).toBeLessThanOrEqual(20);
  });

  it('sends a schema-invalid record to the DLQ at once with its reason, reports it processed and logs one line', async () => {
    const errorLog = vi.spyOn(Logger.prototype, 'error');
    const { handler, effects } = countingConsumer();
    const invalid = sqsRecord(ticketCreated('T-5', { body: undefined, customerId: 42 }), 'bad-1');
    invalid.messageAttributes = { origin: { dataType: 'String', stringValue: 'helpdesk', stringListValues: [], binaryListValues: [] } };
    const response = await handler(
      sqsEvent(sqsRecord(ticketCreated('T-6'), 'ok-1'), invalid, sqsRecord(ticketCreated('T-7'), 'ok-2')),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect([...effects.keys()].sort()).toEqual(['T-6', 'T-7']);

    expect(sqs.sent).toHaveLength(1);
    expect(sqs.sent[0]).toMatchObject({ QueueUrl: 'https://sqs.test/dlq', MessageBody: invalid.body });
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorName)).toBe('InvalidEvent');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorMessage)).toContain("must have required property 'body'");
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorMessage)).toContain('/customerId: must be string');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.functionName)).toBe('test-consumer');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.receiveCount)).toBe('1');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.originalMessageId)).toBe('bad-1');
    expect(Date.parse(attribute(0, DEAD_LETTER_ATTRIBUTES.failedAt) ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(attribute(0, 'origin')).toBe('helpdesk');
    expect(sqs.visibilityChanges).toEqual([]);

    expect(errorLog).toHaveBeenCalledTimes(1);
    expect(errorLog.mock.calls[0]?.[0]).toMatch(/^permanent failure: record sent to the dead-letter queue/);
    expect(errorLog.mock.calls[0]?.[1]).toMatchObject({ reason: { errorName: 'InvalidEvent' }, receiveCount: 1 });
  });

  it('sends a record that is not JSON, or of an unknown detail-type, to the DLQ at once', async () => {
    const { handler } = countingConsumer();
    const response = await handler(
      sqsEvent(
        sqsRecord('not json', 'garbage'),
        sqsRecord(eventBridgeEvent('SomethingElse', { x: 1 }), 'unknown'),
        sqsRecord(ticketCreated('T-8'), 'fine'),
      ),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.sent.map((m) => m.MessageAttributes?.[DEAD_LETTER_ATTRIBUTES.errorName]?.StringValue).sort()).toEqual([
      'InvalidEvent',
      'UnknownEventType',
    ]);
  });

  it('sends a record whose handler throws an error marked non-retryable to the DLQ, and releases its claim', async () => {
    let attempts = 0;
    const handler = consumerWith(async () => {
      attempts++;
      throw new CustomerClosedError('customer account is closed');
    });
    const record = sqsRecord(ticketCreated('P-1'));
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toEqual([]);
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorName)).toBe('CustomerClosed');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorMessage)).toBe('customer account is closed');
    // Redriven from the DLQ later (say, the account was reopened), it runs again.
    await handler(sqsEvent(record), lambdaContext());
    expect(attempts).toBe(2);
  });

  it('dead-letters a transient failure itself on the last receive, so that it too carries its reason', async () => {
    const handler = consumerWith(async () => {
      throw new Error('model still down');
    });
    const response = await handler(sqsEvent(received(sqsRecord(ticketCreated('L-1'), 'last'), 5)), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.errorName)).toBe('Error');
    expect(attribute(0, DEAD_LETTER_ATTRIBUTES.receiveCount)).toBe('5');
  });

  it('deletes a dead-lettered record from its queue at once, so a batch that then times out cannot dead-letter it again', async () => {
    const { handler } = countingConsumer();
    const poison = sqsRecord(ticketCreated('T-10', { body: 5 }), 'bad-3');
    const response = await handler(sqsEvent(poison, sqsRecord(ticketCreated('T-11'), 'ok-3')), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.deleted).toEqual([{ QueueUrl: 'https://sqs.test/queue', ReceiptHandle: poison.receiptHandle }]);
  });

  it('still acknowledges a dead-lettered record through the batch when deleting it at once fails', async () => {
    sqs.fail.delete = true;
    const { handler } = countingConsumer();
    const response = await handler(sqsEvent(sqsRecord(ticketCreated('T-12', { body: 5 }), 'bad-4')), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.sent).toHaveLength(1);
  });

  it('reports a permanent failure as failed when the DLQ does not take it, so it is never lost', async () => {
    sqs.fail.send = true;
    const { handler } = countingConsumer();
    const response = await handler(sqsEvent(sqsRecord(ticketCreated('T-9', { body: 5 }), 'bad-2')), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'bad-2' }]);
    expect(sqs.deleted).toEqual([]);
  });

  it('still reports a transient failure when its visibility cannot be changed', async () => {
    sqs.fail.changeVisibility = true;
    const handler = consumerWith(async () => {
      throw new Error('model timed out');
    });
    const response = await handler(sqsEvent(sqsRecord(ticketCreated('V-1'), 'v-1')), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'v-1' }]);
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
    expect((await handler(sqsEvent(received(record, 2)), lambdaContext())).batchItemFailures).toEqual([]);
    expect(attempts).toBe(2);
  });

  it('stores each claim in one item with a TTL and the time the fact was processed', async () => {
    const { handler } = countingConsumer();
    await handler(sqsEvent(sqsRecord(ticketCreated('T-10'), 'm-10')), lambdaContext());
    const items = await dynamo.items(table.name);
    expect(items).toHaveLength(1);
    expect(items[0]?.status).toBe('COMPLETED');
    expect(items[0]?.data).toMatchObject({
      messageId: 'm-10',
      processedAt: expect.any(String),
      result: { handled: 'T-10' },
    });
    const expiration = Number(items[0]?.expiration);
    expect(expiration).toBeGreaterThan(Date.now() / 1000 + 3600);
  });

  it('emits follow-up events carrying the correlation id of the triggering event', async () => {
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    const handler = consumerWith(
      (detail, { emit }) =>
        emit([emission(TicketRouted, { ticketId: detail.ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'test' })]),
      { publisher },
    );
    const trigger = ticketCreated('T-11', { metadata: { correlationId: 'corr-123' } });
    await handler(sqsEvent(sqsRecord(trigger)), lambdaContext());
    const [entry] = bus.published;
    expect(JSON.parse(entry?.Detail ?? '{}').metadata).toEqual({ correlationId: 'corr-123', causationId: trigger.id });
  });
});

describe('failureQueuesFromEnv', () => {
  it('reads the queues QueueConsumer sets', () => {
    const queues = failureQueuesFromEnv({ SOURCE_QUEUE_URL: 'q', DEAD_LETTER_QUEUE_URL: 'd', MAX_RECEIVE_COUNT: '3' });
    expect(queues).toMatchObject({ queueUrl: 'q', deadLetterQueueUrl: 'd', maxReceiveCount: 3 });
  });

  it('fails if the dead-letter queue is not configured, naming the variable', () => {
    expect(() => failureQueuesFromEnv({ SOURCE_QUEUE_URL: 'q' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('DEAD_LETTER_QUEUE_URL') }),
    );
  });
});
