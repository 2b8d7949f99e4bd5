import { Logger } from '@aws-lambda-powertools/logger';
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlowControlSettings } from '../../../contracts/flow-control.js';
import { ENV } from '../../../contracts/wiring.js';
import { TicketCreated } from '../../../domain/index.js';
import { createSqsConsumer, type RecordHandler } from '../../../lambdas/kit/consumer.js';
import { flowControlFromEnv } from '../../../lambdas/kit/flow-control/settings.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { FakeSqs } from '../../helpers/fake-sqs.js';
import { flowControlStore } from '../../helpers/flow-control.js';

const dynamo = useDynamoDb();
let sqs: FakeSqs;
beforeEach(() => {
  sqs = new FakeSqs();
});

type Store = Awaited<ReturnType<typeof flowControlStore>>;

function consumerWith(store: Store, settings: Omit<FlowControlSettings, 'flow' | 'key'>, handle: RecordHandler<[typeof TicketCreated]>) {
  return createSqsConsumer({
    contracts: [TicketCreated] as const,
    idempotency: false,
    handle,
    failureQueues: sqs.queues(5),
    flowControl: { store, settings: { flow: 'triage', key: { path: '$.detail.customerId' }, ...settings } },
  });
}

function ticket(id: string, customerId = 'cust-1', sentAtMs?: number): SQSRecord {
  const record = sqsRecord(ticketCreated(id, { customerId }), `msg-${id}`);
  return sentAtMs === undefined ? record : { ...record, attributes: { ...record.attributes, SentTimestamp: String(sentAtMs) } };
}

describe('createSqsConsumer with flow control', () => {
  it('runs at most the concurrency limit of one key at once and holds the rest back, never dead-lettering them', async () => {
    const store = await flowControlStore(dynamo);
    let inFlight = 0;
    let most = 0;
    const handler = consumerWith(store, { concurrency: { limit: 2, leaseMarginSeconds: 10 } }, async (detail) => {
      if (detail.customerId !== 'cust-1') return;
      most = Math.max(most, ++inFlight);
      // Hold the slot until every other record of the key has been turned away: it must not get one.
      for (let waited = 0; sqs.sent.length < 3 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      inFlight--;
    });
    const records = ['1', '2', '3', '4', '5'].map((id) => ({
      ...ticket(`T-${id}`),
      attributes: { ...ticket(`T-${id}`).attributes, ApproximateReceiveCount: '5' },
    }));
    const other = ticket('T-9', 'cust-2');
    const response = await handler(sqsEvent(...records, other), lambdaContext());
    expect(most).toBe(2);
    expect(response.batchItemFailures).toHaveLength(0);
    // On what would be their last receive, the three held back go back as new messages, not to the DLQ.
    expect(sqs.sent.map((m) => m.QueueUrl)).toEqual(['https://sqs.test/queue', 'https://sqs.test/queue', 'https://sqs.test/queue']);
  });

  it('releases the slot when a record is done, so the next record of the key runs', async () => {
    const store = await flowControlStore(dynamo);
    const ran: string[] = [];
    const handler = consumerWith(store, { concurrency: { limit: 1, leaseMarginSeconds: 10 } }, async (detail) => {
      ran.push(detail.ticketId);
    });
    await handler(sqsEvent(ticket('T-1')), lambdaContext());
    await handler(sqsEvent(ticket('T-2')), lambdaContext());
    expect(ran).toEqual(['T-1', 'T-2']);
  });

  it('holds a record back for the time the rate limit says, not counted as a failure', async () => {
    const store = await flowControlStore(dynamo);
    const handler = consumerWith(store, { rateLimit: { limit: 1, periodSeconds: 60 } }, async () => undefined);
    await handler(sqsEvent(ticket('T-1')), lambdaContext());
    store.clock.advance(15_000);
    const response = await handler(sqsEvent(ticket('T-2')), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-2' }]);
    expect(sqs.visibilityChanges).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-msg-T-2', VisibilityTimeout: 45 })]);
  });

  it("requeues a held-back record as a new message when the hold would outlast the queue's retention, so SQS never deletes it unrun", async () => {
    const store = await flowControlStore(dynamo);
    const handler = consumerWith(store, { rateLimit: { limit: 1, periodSeconds: 60 }, retentionSeconds: 3_600 }, async () => undefined);
    await handler(sqsEvent(ticket('T-1')), lambdaContext());
    store.clock.advance(15_000);
    // T-2 reached the queue almost an hour ago: a 45 s hold would end after SQS deleted it.
    const old = ticket('T-2', 'cust-1', Date.now() - 3_570_000);
    const fresh = ticket('T-3', 'cust-1', Date.now());
    const response = await handler(sqsEvent(old, fresh), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-3' }]);
    expect(sqs.sent).toEqual([expect.objectContaining({ QueueUrl: 'https://sqs.test/queue', DelaySeconds: 45 })]);
    expect(sqs.deleted).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-msg-T-2' })]);
    expect(sqs.visibilityChanges).toEqual([expect.objectContaining({ ReceiptHandle: 'rh-msg-T-3', VisibilityTimeout: 45 })]);
  });

  it("pauses a throttled key for every record until the provider's retry-after", async () => {
    const store = await flowControlStore(dynamo);
    const calls: string[] = [];
    const handler = consumerWith(store, { pauseOnThrottle: { defaultSeconds: 10, maxSeconds: 900 } }, async (detail) => {
      calls.push(detail.ticketId);
      if (detail.ticketId === 'T-1') throw Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException', retryAfterMs: 30_000 });
    });
    const first = await handler(sqsEvent(ticket('T-1')), lambdaContext());
    // The throttled record waits out the pause too, instead of retrying on its own backoff.
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-1' }]);
    store.clock.advance(5_000);
    const second = await handler(sqsEvent(ticket('T-2'), ticket('T-3', 'cust-2')), lambdaContext());
    expect(calls).toEqual(['T-1', 'T-3']);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: 'msg-T-2' }]);
    expect(sqs.visibilityChanges).toEqual([
      expect.objectContaining({ ReceiptHandle: 'rh-msg-T-1', VisibilityTimeout: 30 }),
      expect.objectContaining({ ReceiptHandle: 'rh-msg-T-2', VisibilityTimeout: 25 }),
    ]);
    store.clock.advance(25_001);
    await handler(sqsEvent(ticket('T-2')), lambdaContext());
    expect(calls).toEqual(['T-1', 'T-3', 'T-2']);
    expect(sqs.sent).toEqual([]);
  });

  it('completes the earlier updates of a key as superseded and runs the last one once its quiet period has passed', async () => {
    const store = await flowControlStore(dynamo);
    const ran: string[] = [];
    const handler = consumerWith(store, { debounce: { periodSeconds: 10, maxWaitSeconds: 60, keepSeconds: 86_400 } }, async (detail) => {
      ran.push(detail.ticketId);
    });
    const t0 = store.clock.ms;
    const updates = Array.from({ length: 10 }, (_, i) => ticket(`T-${i}`, 'cust-1', t0 + i));
    const first = await handler(sqsEvent(...updates), lambdaContext());
    expect(ran).toEqual([]);
    const waiting = first.batchItemFailures.map((f) => f.itemIdentifier);
    expect(sqs.sent).toEqual([]);
    store.clock.advance(10_009);
    const second = await handler(sqsEvent(...updates.filter((u) => waiting.includes(u.messageId))), lambdaContext());
    expect(ran).toEqual(['T-9']);
    expect(second.batchItemFailures).toEqual([]);
  });

  it('holds a record back, never dead-letters it, when the flow control table does not answer, and logs the outage as an error', async () => {
    const base = await flowControlStore(dynamo);
    const outage = Object.assign(new Error('Throughput exceeds the current capacity of your table'), {
      name: 'ProvisionedThroughputExceededException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const store = { ...base, client: { send: () => Promise.reject(outage) } as never };
    const ran: string[] = [];
    const handler = consumerWith(store, { concurrency: { limit: 1, leaseMarginSeconds: 10 } }, async (detail) => {
      ran.push(detail.ticketId);
    });
    const errorLog = vi.spyOn(Logger.prototype, 'error');
    const last = ticket('T-1');
    const response = await handler(
      sqsEvent({ ...last, attributes: { ...last.attributes, ApproximateReceiveCount: '5' } }),
      lambdaContext(),
    );
    expect(ran).toEqual([]);
    expect(response.batchItemFailures).toEqual([]);
    // On its last receive it goes back to its queue as a new message, not to the DLQ.
    expect(sqs.sent.map((m) => m.QueueUrl)).toEqual(['https://sqs.test/queue']);
    expect(errorLog).toHaveBeenCalledWith(
      expect.stringContaining('flow control table did not answer'),
      expect.objectContaining({ flowControl: { key: 'cust-1', outcome: 'unavailable' }, error: outage }),
    );
    errorLog.mockRestore();
  });

  it('fails if the flow control table is misconfigured (no such table): that is no outage to wait out', async () => {
    const base = await flowControlStore(dynamo);
    const handler = consumerWith(
      { ...base, tableName: 'no-such-table' },
      { concurrency: { limit: 1, leaseMarginSeconds: 10 } },
      async () => undefined,
    );
    const last = ticket('T-1');
    await handler(sqsEvent({ ...last, attributes: { ...last.attributes, ApproximateReceiveCount: '5' } }), lambdaContext());
    expect(sqs.sent.map((m) => m.QueueUrl)).toEqual(['https://sqs.test/dlq']);
  });
});

describe('flowControlFromEnv', () => {
  const env = (settings: unknown) => ({ [ENV.flowControl]: JSON.stringify(settings), [ENV.flowControlTable]: 'flow' });

  it('is undefined when the consumer declared no flow control', () => {
    expect(flowControlFromEnv({})).toBeUndefined();
  });

  it('reads the settings and the table QueueConsumer configured', () => {
    const settings = { flow: 'f', key: { constant: 'model-x' }, rateLimit: { limit: 10, periodSeconds: 60 } };
    expect(flowControlFromEnv(env(settings))?.settings).toEqual(settings);
  });

  it('fails if the settings are not JSON', () => {
    expect(() => flowControlFromEnv({ [ENV.flowControl]: '{', [ENV.flowControlTable]: 'flow' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', message: expect.stringContaining('FLOW_CONTROL is not JSON') }),
    );
  });

  it('fails if a limit is 0', () => {
    expect(() => flowControlFromEnv(env({ flow: 'f', key: { constant: 'k' }, concurrency: { limit: 0, leaseMarginSeconds: 10 } }))).toThrow(
      /concurrency\.limit must be a positive integer/,
    );
  });

  it('fails if the retention is not a positive number', () => {
    expect(() => flowControlFromEnv(env({ flow: 'f', key: { constant: 'k' }, retentionSeconds: '14 days' }))).toThrow(
      /retentionSeconds must be a positive number/,
    );
  });

  it('fails if the key path is not a path', () => {
    expect(() => flowControlFromEnv(env({ flow: 'f', key: { path: 'detail.tenantId' } }))).toThrow(
      /key\.path "detail\.tenantId" is not a path/,
    );
  });

  it('fails if the table is not named', () => {
    expect(() => flowControlFromEnv({ [ENV.flowControl]: JSON.stringify({ flow: 'f', key: { constant: 'k' } }) })).toThrow(
      /FLOW_CONTROL_TABLE_NAME/,
    );
  });
});
