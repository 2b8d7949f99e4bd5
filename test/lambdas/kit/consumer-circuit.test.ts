import { describe, expect, it, vi } from 'vitest';
import { CircuitBreaker, CircuitOpenError } from '../../../lambdas/kit/circuit-breaker.js';
import { EffectInProgressError } from '../../../lambdas/kit/errors.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { received, useConsumerBench } from '../../helpers/sqs-consumer.js';

const { dynamo, table, sqs, consumerWith, expectHeldBack, expectRequeued } = useConsumerBench('consumer-circuit');

const circuitOpen = async (): Promise<never> => {
  throw new CircuitOpenError('model', 42_300);
};

describe('createSqsConsumer with an open circuit', () => {
  it('returns the record to the queue for the remaining open time, not to the dead-letter queue', async () => {
    await expectHeldBack(consumerWith(circuitOpen), sqsRecord(ticketCreated('C-1'), 'msg-c1'), 43);
  });

  it('sends the record to its own queue again as a new message on what would be its last receive, and acknowledges it', async () => {
    const record = received(sqsRecord(ticketCreated('C-2'), 'msg-c2'), 5);
    await expectRequeued(consumerWith(circuitOpen), record, 43);
    expect(sqs.visibilityChanges).toEqual([]);
    // The original goes at once: a batch timing out later cannot bring it back beside its copy.
    expect(sqs.deleted).toEqual([{ QueueUrl: 'https://sqs.test/queue', ReceiptHandle: record.receiptHandle }]);
  });

  it('keeps the record on the queue if requeueing it fails, so nothing is lost', async () => {
    sqs.fail.send = true;
    const handler = consumerWith(circuitOpen);
    const response = await handler(sqsEvent(received(sqsRecord(ticketCreated('C-3'), 'msg-c3'), 5)), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-c3' }]);
  });

  it('holds a FIFO record back by visibility, since a FIFO queue takes no per-message delay', async () => {
    const handler = consumerWith(circuitOpen, {
      failureQueues: { ...sqs.queues(5), queueUrl: 'https://sqs.test/queue.fifo', deadLetterQueueUrl: 'https://sqs.test/dlq.fifo' },
    });
    // The record comes from the FIFO queue: the kit holds back and requeues against the record's own queue.
    const record = { ...sqsRecord(ticketCreated('C-4'), 'msg-c4'), eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:queue.fifo' };
    const response = await handler(sqsEvent(received(record, 5)), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-c4' }]);
    expect(sqs.sent).toEqual([]);
    expect(sqs.visibilityChanges).toHaveLength(1);
  });

  it('runs the handler once the circuit lets it through (the failed attempt claimed nothing)', async () => {
    await dynamo.createIdempotencyTable(`${table.name}-circuits`);
    const clock = { now: 0 };
    const breaker = new CircuitBreaker({
      client: dynamo.client,
      tableName: `${table.name}-circuits`,
      circuit: 'model',
      failureThreshold: 1,
      openMs: 10_000,
      now: () => clock.now,
    });
    await breaker.call(async () => Promise.reject(new Error('down'))).catch(() => undefined);
    let effects = 0;
    const handler = consumerWith(() => breaker.call(async () => ++effects));
    const record = sqsRecord(ticketCreated('C-5'), 'msg-c5');
    expect((await handler(sqsEvent(record), lambdaContext())).batchItemFailures).toHaveLength(1);
    expect(sqs.visibilityChanges[0]?.VisibilityTimeout).toBe(10);
    clock.now += 10_000;
    expect((await handler(sqsEvent(received(record, 2)), lambdaContext())).batchItemFailures).toEqual([]);
    expect(effects).toBe(1);
    expect(await breaker.state()).toBe('closed');
  });
});

describe('createSqsConsumer with a twin delivery in progress', () => {
  const twinHolds = async (): Promise<never> => {
    throw new EffectInProgressError('a twin holds the claim', 7_200);
  };

  it('returns the record to the queue after the usual backoff, or sooner if the twin’s claim lapses sooner', async () => {
    // The fourth receive's backoff is 20 to 40 s; the claim lapses in 7.2 s.
    await expectHeldBack(consumerWith(twinHolds), received(sqsRecord(ticketCreated('T-1'), 'msg-t1'), 4), 8);
  });

  it('requeues the record on what would be its last receive, since waiting for a twin is not a failure', async () => {
    await expectRequeued(consumerWith(twinHolds), received(sqsRecord(ticketCreated('T-2'), 'msg-t2'), 5), 8);
    expect(sqs.sent.filter((m) => m.QueueUrl !== 'https://sqs.test/queue')).toEqual([]);
  });

  it('requeues a copy of a fact whose first delivery is still running, on its last receive, for no longer than the lock can last', async () => {
    let finish!: () => void;
    let runs = 0;
    const handler = consumerWith(async () => {
      runs++;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
    });
    const first = handler(sqsEvent(sqsRecord(ticketCreated('T-3'), 'msg-t3a')), lambdaContext(20_000));
    await vi.waitFor(() => expect(runs).toBe(1));
    // Powertools finds the fact's record in progress: the copy is held, on any receive.
    const copy = await handler(sqsEvent(received(sqsRecord(ticketCreated('T-3'), 'msg-t3b'), 5)), lambdaContext());
    expect(copy.batchItemFailures).toEqual([]);
    expect(sqs.sent).toEqual([expect.objectContaining({ QueueUrl: 'https://sqs.test/queue', DelaySeconds: expect.any(Number) })]);
    // Powertools' lock lapses at the first delivery's deadline, which this invocation's own (30 s) bounds.
    expect(sqs.sent[0]?.DelaySeconds).toBe(30);
    finish();
    expect((await first).batchItemFailures).toEqual([]);
    expect(runs).toBe(1);
  });
});
