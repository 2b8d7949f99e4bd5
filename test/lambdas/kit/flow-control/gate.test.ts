import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { FlowControlSettings } from '../../../../contracts/flow-control.js';
import { FailureRouter } from '../../../../lambdas/kit/failure-router.js';
import { FlowGate } from '../../../../lambdas/kit/flow-control/gate.js';
import { flowControlItemKey } from '../../../../lambdas/kit/flow-control/item-keys.js';
import { readItem } from '../../../../lambdas/kit/flow-control/store.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { sqsRecord, ticketCreated } from '../../../helpers/events.js';
import { FakeSqs } from '../../../helpers/fake-sqs.js';
import { flowControlStore } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const settings: FlowControlSettings = {
  flow: 'triage',
  key: { constant: 'model-x' },
  concurrency: { limit: 1, leaseMarginSeconds: 10 },
  rateLimit: { limit: 1, periodSeconds: 60 },
};

/** A client that answers like the table, but fails the next call that `failing` picks out, as a DynamoDB outage would. */
function flakyClient(client: DynamoDBClient, failing: (command: unknown) => boolean): DynamoDBClient {
  let failed = false;
  return {
    send: (command: unknown) => {
      if (!failed && failing(command)) {
        failed = true;
        return Promise.reject(Object.assign(new Error('service unavailable'), { name: 'InternalServerError' }));
      }
      return client.send(command as never);
    },
  } as DynamoDBClient;
}

const logger = { warn: () => undefined, error: () => undefined } as never;
const inFlight = flowControlItemKey('concurrency', 'triage', 'model-x');
/** The write that gives a place back (releaseSlot). */
const release = (c: unknown) => c instanceof UpdateItemCommand && c.input.UpdateExpression?.startsWith('REMOVE') === true;

describe('FlowGate', () => {
  it('holds a record back for the rate limit even when giving its slot back fails', async () => {
    const base = await flowControlStore(dynamo);
    const first = await new FlowGate(base, settings).enter(sqsRecord(ticketCreated('T-1')), {}, 30_000, logger);
    if (first.kind === 'run') await first.leave(logger);
    const store = { ...base, client: flakyClient(base.client, release) };
    await expect(new FlowGate(store, settings).enter(sqsRecord(ticketCreated('T-2')), {}, 30_000, logger)).rejects.toMatchObject({
      name: 'FlowHeldBack',
      reason: 'rate',
    });
  });

  it('gives its slot back when checking the rate limit fails, so the slot does not stay taken until its lease ends', async () => {
    const base = await flowControlStore(dynamo);
    const rateItem = flowControlItemKey('rate', 'triage', 'model-x');
    const store = {
      ...base,
      client: flakyClient(base.client, (c) => c instanceof GetItemCommand && c.input.Key?.pk?.S === rateItem),
    };
    // Held back, not failed: a table outage must not count towards the DLQ.
    await expect(new FlowGate(store, settings).enter(sqsRecord(ticketCreated('T-1')), {}, 30_000, logger)).rejects.toMatchObject({
      name: 'FlowHeldBack',
      reason: 'unavailable',
      cause: { name: 'InternalServerError' },
    });
    expect((await readItem(base, inFlight))?.holders).toEqual({});
  });

  it('does not debounce records without a value at the key path: unrelated records would supersede each other', async () => {
    const store = await flowControlStore(dynamo);
    const gate = new FlowGate(store, {
      flow: 'triage',
      key: { path: '$.detail.documentId' },
      debounce: { periodSeconds: 10, maxWaitSeconds: 60, keepSeconds: 86_400 },
    });
    const a = await gate.enter(sqsRecord(ticketCreated('T-1')), { detail: { ticketId: 'T-1' } }, 30_000, logger);
    const b = await gate.enter(sqsRecord(ticketCreated('T-2')), { detail: { ticketId: 'T-2' } }, 30_000, logger);
    expect([a.kind, b.kind]).toEqual(['run', 'run']);
    expect(a.key).toBe('(missing)');
  });

  it('supersedes a requeued copy of an older record by a later one: the copy keeps its original order', async () => {
    const store = await flowControlStore(dynamo);
    const gate = new FlowGate(store, {
      flow: 'docs',
      key: { path: '$.detail.documentId' },
      debounce: { periodSeconds: 10, maxWaitSeconds: 60, keepSeconds: 86_400 },
    });
    const event = { detail: { documentId: 'D-1' } };
    const sentAt = (record: SQSRecord, ms: number) => Object.assign(record.attributes, { SentTimestamp: String(ms) });
    const older = sqsRecord('older', 'm-9');
    sentAt(older, store.clock.ms);
    const later = sqsRecord('later', 'm-1');
    sentAt(later, store.clock.ms + 1_000);
    await expect(gate.enter(older, event, 30_000, logger)).rejects.toMatchObject({ reason: 'debounce' });
    await expect(gate.enter(later, event, 30_000, logger)).rejects.toMatchObject({ reason: 'debounce' });
    // The older record's hold outlives the queue's retention: the consumer requeues it as a new message.
    const sqs = new FakeSqs();
    await new FailureRouter({ client: sqs.client, queueUrl: 'https://sqs.test/000000000000/queue', deadLetterQueueUrl: 'd' }).requeue(
      older,
      0,
    );
    const sent = sqs.sent[0];
    const copy = sqsRecord(sent?.MessageBody, 'm-copy');
    sentAt(copy, store.clock.ms + 5_000);
    copy.messageAttributes = Object.fromEntries(
      Object.entries(sent?.MessageAttributes ?? {}).map(([name, v]) => [
        name,
        { dataType: v.DataType ?? 'String', stringValue: v.StringValue, stringListValues: [], binaryListValues: [] },
      ]),
    );
    store.clock.advance(20_000);
    const decision = await gate.enter(copy, event, 30_000, logger);
    expect(decision).toMatchObject({ kind: 'superseded' });
    expect(await gate.enter(later, event, 30_000, logger)).toMatchObject({ kind: 'run' });
  });

  it("gives the half-open probe's claim back when taking a slot fails, so another record can probe at once", async () => {
    const base = await flowControlStore(dynamo);
    const probing: FlowControlSettings = {
      ...settings,
      rateLimit: undefined,
      circuitBreaker: { failureThreshold: 1, windowSeconds: 60, openSeconds: 30, maxOpenSeconds: 100 },
    };
    const first = await new FlowGate(base, probing).enter(sqsRecord(ticketCreated('T-1')), {}, 30_000, logger);
    if (first.kind === 'run')
      await first.leave(logger, Object.assign(new Error('upstream 503'), { name: 'ServiceUnavailableException', status: 503 }));
    base.clock.advance(31_000);
    const slot = (c: unknown) => c instanceof UpdateItemCommand && c.input.Key?.pk?.S === inFlight;
    const store = { ...base, client: flakyClient(base.client, slot) };
    await expect(new FlowGate(store, probing).enter(sqsRecord(ticketCreated('T-2')), {}, 30_000, logger)).rejects.toBeInstanceOf(Error);
    expect(await new FlowGate(base, probing).enter(sqsRecord(ticketCreated('T-3')), {}, 30_000, logger)).toMatchObject({ kind: 'run' });
  });
});
