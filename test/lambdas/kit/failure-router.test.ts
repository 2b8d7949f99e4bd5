import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_ATTRIBUTES } from '../../../domain/index.js';
import { backoffSeconds, deadLetterAttributes, FailureRouter, sourceQueueUrl } from '../../../lambdas/kit/failure-router.js';
import { ORIGINAL_ORDER_ATTRIBUTE } from '../../../lambdas/kit/record-order.js';
import { sqsRecord, ticketCreated } from '../../helpers/events.js';
import { FakeSqs } from '../../helpers/fake-sqs.js';

const reason = { error: new Error('boom'), functionName: 'fn', failedAt: new Date('2026-01-01T00:00:00Z') };

describe('backoffSeconds', () => {
  it('doubles with every receive, between half and all of the exponential delay', () => {
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, {}, () => 0))).toEqual([3, 5, 10, 20]);
    expect([1, 2, 3, 4].map((n) => backoffSeconds(n, {}, () => 0.999999))).toEqual([5, 10, 20, 40]);
  });

  it('never exceeds the cap, however often the record was received', () => {
    expect(backoffSeconds(50, { maxSeconds: 60 }, () => 0.999999)).toBe(60);
    expect(backoffSeconds(1000, { maxSeconds: 100_000 }, () => 1)).toBe(43_200);
  });

  it('treats a missing or odd receive count as the first receive', () => {
    expect(backoffSeconds(Number.NaN, { baseSeconds: 4 }, () => 1)).toBe(4);
    expect(backoffSeconds(0, { baseSeconds: 4 }, () => 1)).toBe(4);
  });
});

describe('deadLetterAttributes', () => {
  it('keeps the reason and as many of the record attributes as SQS allows (10 in all)', () => {
    const record = sqsRecord(ticketCreated('T-1'));
    record.messageAttributes = Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [
        `own${i}`,
        { dataType: 'String', stringValue: `v${i}`, stringListValues: [], binaryListValues: [] },
      ]),
    );
    const attributes = deadLetterAttributes(record, reason);
    expect(Object.keys(attributes)).toHaveLength(10);
    for (const name of Object.values(DEAD_LETTER_ATTRIBUTES)) expect(attributes[name]).toBeDefined();
    expect(attributes.own0).toEqual({ DataType: 'String', StringValue: 'v0' });
  });

  it('shortens a long error message to 1,024 characters', () => {
    const attributes = deadLetterAttributes(sqsRecord('x'), { ...reason, error: new Error('e'.repeat(5000)) });
    expect(attributes[DEAD_LETTER_ATTRIBUTES.errorMessage]?.StringValue).toHaveLength(1024);
  });
});

describe('FailureRouter', () => {
  it('sends a record to a FIFO dead-letter queue with a group and a deduplication id', async () => {
    const sqs = new FakeSqs();
    const router = new FailureRouter({ client: sqs.client, queueUrl: 'q', deadLetterQueueUrl: 'https://sqs.test/dlq.fifo' });
    await router.deadLetter(sqsRecord('body', 'm-1'), reason);
    expect(sqs.sent[0]).toMatchObject({ MessageBody: 'body', MessageGroupId: 'dead-letters', MessageDeduplicationId: 'm-1' });
  });

  it('knows the last receive from maxReceiveCount, and has none without it', () => {
    const record = sqsRecord('x');
    record.attributes.ApproximateReceiveCount = '3';
    const sqs = new FakeSqs();
    expect(new FailureRouter(sqs.queues(3)).isLastReceive(record)).toBe(true);
    expect(new FailureRouter(sqs.queues(4)).isLastReceive(record)).toBe(false);
    expect(new FailureRouter(sqs.queues()).isLastReceive(record)).toBe(false);
  });

  it('holds back, requeues and acknowledges a record of a second queue against that queue, and dead-letters it to the shared DLQ', async () => {
    const sqs = new FakeSqs();
    const router = new FailureRouter({
      client: sqs.client,
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/interactive',
      deadLetterQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/dlq',
    });
    const batch = { ...sqsRecord('body', 'm-2'), eventSourceARN: 'arn:aws:sqs:eu-west-1:111111111111:batch' };
    await router.holdBack(batch, 30);
    await router.requeue(batch, 10);
    await router.acknowledge(batch);
    await router.deadLetter(batch, reason);
    const batchUrl = 'https://sqs.eu-west-1.amazonaws.com/111111111111/batch';
    expect(sqs.visibilityChanges.map((c) => c.QueueUrl)).toEqual([batchUrl]);
    expect(sqs.sent.map((m) => m.QueueUrl)).toEqual([batchUrl, 'https://sqs.eu-west-1.amazonaws.com/111111111111/dlq']);
    expect(sqs.deleted.map((d) => d.QueueUrl)).toEqual([batchUrl]);
  });

  it("requeues a fair queue's record with its tenant (MessageGroupId), and a record without one without it", async () => {
    const sqs = new FakeSqs();
    const router = new FailureRouter({ client: sqs.client, queueUrl: 'https://sqs.test/000000000000/q', deadLetterQueueUrl: 'd' });
    const tenant = sqsRecord('body', 'm-3');
    tenant.attributes.MessageGroupId = 'customer-7';
    await router.requeue(tenant, 5);
    await router.requeue(sqsRecord('body', 'm-4'), 5);
    expect(sqs.sent.map((m) => m.MessageGroupId)).toEqual(['customer-7', undefined]);
  });

  it("requeues a copy that carries its original's SentTimestamp and message id, kept across requeues and within SQS's 10 attributes", async () => {
    const sqs = new FakeSqs();
    const router = new FailureRouter({ client: sqs.client, queueUrl: 'https://sqs.test/000000000000/q', deadLetterQueueUrl: 'd' });
    const original = sqsRecord('body', 'm-5');
    original.attributes.SentTimestamp = '1700000000000';
    await router.requeue(original, 5);
    const order = sqs.sent[0]?.MessageAttributes?.[ORIGINAL_ORDER_ATTRIBUTE];
    expect(order).toEqual({ DataType: 'String', StringValue: '1700000000000#m-5' });
    const copy = sqsRecord('body', 'm-6');
    copy.messageAttributes = {
      [ORIGINAL_ORDER_ATTRIBUTE]: { dataType: 'String', stringValue: order?.StringValue, stringListValues: [], binaryListValues: [] },
    };
    await router.requeue(copy, 5);
    expect(sqs.sent[1]?.MessageAttributes?.[ORIGINAL_ORDER_ATTRIBUTE]?.StringValue).toBe('1700000000000#m-5');
    const full = sqsRecord('body', 'm-7');
    full.messageAttributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [
        `own${i}`,
        { dataType: 'String', stringValue: `v${i}`, stringListValues: [], binaryListValues: [] },
      ]),
    );
    await router.requeue(full, 5);
    expect(Object.keys(sqs.sent[2]?.MessageAttributes ?? {})).toHaveLength(10);
  });

  it('requeues nothing to a FIFO source queue, whichever queue the consumer was configured with', () => {
    const router = new FailureRouter({
      client: new FakeSqs().client,
      queueUrl: 'https://sqs.test/000000000000/q',
      deadLetterQueueUrl: 'd',
    });
    expect(router.canRequeueRecord({ eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q' })).toBe(true);
    expect(router.canRequeueRecord({ eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:lane.fifo' })).toBe(false);
  });
});

describe('sourceQueueUrl', () => {
  const arn = (name: string, region = 'us-east-1', account = '000000000000') => ({
    eventSourceARN: `arn:aws:sqs:${region}:${account}:${name}`,
  });

  it('is the configured URL for a record of the configured queue, in whatever form it is written', () => {
    expect(sourceQueueUrl(arn('orders'), 'http://localhost:4566/000000000000/orders')).toBe('http://localhost:4566/000000000000/orders');
    expect(sourceQueueUrl(arn('orders'), 'https://sqs.test/orders')).toBe('https://sqs.test/orders');
  });

  it("takes a local runtime's origin for another queue, so the SDK sends there and not to AWS", () => {
    expect(sourceQueueUrl(arn('orders-batch'), 'http://127.0.0.1:4566/000000000000/orders')).toBe(
      'http://127.0.0.1:4566/000000000000/orders-batch',
    );
  });

  it("builds the region's SQS endpoint URL for another queue on AWS", () => {
    expect(sourceQueueUrl(arn('b', 'eu-west-1', '123456789012'), 'https://sqs.us-east-1.amazonaws.com/123456789012/a')).toBe(
      'https://sqs.eu-west-1.amazonaws.com/123456789012/b',
    );
    expect(
      sourceQueueUrl(
        { eventSourceARN: 'arn:aws-cn:sqs:cn-north-1:123456789012:b' },
        'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/a',
      ),
    ).toBe('https://sqs.cn-north-1.amazonaws.com.cn/123456789012/b');
  });

  it('is the configured URL for a record without a queue ARN', () => {
    expect(sourceQueueUrl({ eventSourceARN: '' }, 'https://sqs.test/q')).toBe('https://sqs.test/q');
    expect(sourceQueueUrl({ eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' }, 'https://sqs.test/q')).toBe(
      'https://sqs.test/q',
    );
  });
});
