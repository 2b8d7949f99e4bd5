import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, expect } from 'vitest';
import { TicketCreated } from '../../domain/index.js';
import { createSqsConsumer, type RecordHandler, type SqsConsumerOptions } from '../../lambdas/kit/consumer.js';
import { useDynamoDb, useTablePerTest } from './dynamodb-engine.js';
import { lambdaContext, sqsEvent } from './events.js';
import { FakeSqs } from './fake-sqs.js';

type Tickets = [typeof TicketCreated];

/**
 * What a file of createSqsConsumer's tests runs on: the DynamoDB engine, an idempotency table
 * of its own for each test (`${prefix}-N`), and the fake SQS, emptied before each test.
 */
export function useConsumerBench(prefix: string) {
  const dynamo = useDynamoDb();
  const table = useTablePerTest(dynamo, prefix);
  const sqs = new FakeSqs();
  beforeEach(() => sqs.reset());
  type Consumer = ReturnType<typeof createSqsConsumer<Tickets>>;
  const persistenceStore = () => new DynamoDBPersistenceLayer({ tableName: table.name, awsSdkV3Client: dynamo.client });
  return {
    dynamo,
    table,
    sqs,
    persistenceStore,
    /** A TicketCreated consumer idempotent on the test's table, its failures going to the fake SQS (maxReceiveCount 5, as QueueConsumer's default). */
    consumerWith(handle: RecordHandler<Tickets>, options: Partial<SqsConsumerOptions<Tickets>> = {}) {
      return createSqsConsumer({
        contracts: [TicketCreated] as const,
        idempotency: { persistenceStore: persistenceStore() },
        handle,
        failureQueues: sqs.queues(5),
        ...options,
      });
    },
    /** `handler` holds `record` back: returned to its queue for `seconds` (its visibility), not sent on, not to the dead-letter queue. */
    async expectHeldBack(handler: Consumer, record: SQSRecord, seconds: number): Promise<void> {
      const response = await handler(sqsEvent(record), lambdaContext());
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: record.messageId }]);
      expect(sqs.visibilityChanges).toEqual([
        { QueueUrl: 'https://sqs.test/queue', ReceiptHandle: record.receiptHandle, VisibilityTimeout: seconds },
      ]);
      expect(sqs.sent).toEqual([]);
    },
    /** `handler` acknowledges `record` and sends it to its queue again as a new message `seconds` later. */
    async expectRequeued(handler: Consumer, record: SQSRecord, seconds: number): Promise<void> {
      const response = await handler(sqsEvent(record), lambdaContext());
      expect(response.batchItemFailures).toEqual([]);
      expect(sqs.sent).toEqual([
        expect.objectContaining({ QueueUrl: 'https://sqs.test/queue', MessageBody: record.body, DelaySeconds: seconds }),
      ]);
    },
  };
}

/** The record as SQS delivers it on its `times`-th receive. */
export function received(record: SQSRecord, times: number): SQSRecord {
  return { ...record, attributes: { ...record.attributes, ApproximateReceiveCount: String(times) } };
}
