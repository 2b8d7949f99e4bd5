import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PrioritySettings } from '../../../../contracts/flow-control.js';
import { TicketCreated } from '../../../../domain/index.js';
import { createSqsConsumer } from '../../../../lambdas/kit/consumer.js';
import { PriorityLanes } from '../../../../lambdas/kit/flow-control/priority.js';
import { parseFlowControlSettings } from '../../../../lambdas/kit/flow-control/settings.js';
import { useDynamoDb } from '../../../helpers/dynamodb-engine.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../../helpers/events.js';
import { FakeSqs } from '../../../helpers/fake-sqs.js';
import { flowControlStore } from '../../../helpers/flow-control.js';

const dynamo = useDynamoDb();

const INTERACTIVE = 'https://sqs.test/000000000000/triage';
const BATCH = 'https://sqs.test/000000000000/triage-batch';
const priority: PrioritySettings = {
  lanes: [
    { name: 'interactive', queueUrl: INTERACTIVE },
    { name: 'batch', queueUrl: BATCH },
  ],
  guaranteedSlots: 2,
  leaseMarginSeconds: 10,
};

/** SQS answering GetQueueAttributes with the backlog the test sets per queue URL (and counting the calls). */
class Backlogs {
  readonly visible = new Map<string, number>();
  readonly inFlight = new Map<string, number>();
  readonly asked: string[] = [];
  fail = false;
  readonly client = {
    send: async (command: unknown) => {
      if (!(command instanceof GetQueueAttributesCommand)) throw new Error('Backlogs answers GetQueueAttributes only');
      const url = command.input.QueueUrl ?? '';
      this.asked.push(url);
      if (this.fail) throw Object.assign(new Error('SQS is unavailable'), { name: 'ServiceUnavailable' });
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(this.visible.get(url) ?? 0),
          ApproximateNumberOfMessagesNotVisible: String(this.inFlight.get(url) ?? 0),
        },
      };
    },
  } as unknown as SQSClient;
}

const warnings: unknown[] = [];
const logger = { warn: (...args: unknown[]) => warnings.push(args) } as never;

function fromLane(queue: 'triage' | 'triage-batch', id: string): SQSRecord {
  return { ...sqsRecord(ticketCreated(id), `msg-${id}`), eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queue}` };
}

let sqs: Backlogs;
beforeEach(() => {
  sqs = new Backlogs();
  warnings.length = 0;
});

describe('PriorityLanes', () => {
  it('runs a top-lane record without asking SQS or writing a slot', async () => {
    const store = await flowControlStore(dynamo);
    sqs.visible.set(INTERACTIVE, 50);
    const lanes = new PriorityLanes(store, 'triage', priority, sqs.client);
    expect(await lanes.enter(fromLane('triage', 'T-1'), 30_000, logger)).toBeUndefined();
    expect(sqs.asked).toEqual([]);
  });

  it('runs a lower-lane record without a slot while the higher lane has no visible backlog', async () => {
    const store = await flowControlStore(dynamo);
    const lanes = new PriorityLanes(store, 'triage', priority, sqs.client);
    const passes = await Promise.all(['B-1', 'B-2', 'B-3'].map((id) => lanes.enter(fromLane('triage-batch', id), 30_000, logger)));
    expect(passes).toEqual([undefined, undefined, undefined]);
  });

  it('lets lower-lane records run up to their guaranteed share while the higher lane has a backlog, and holds the rest back', async () => {
    const store = await flowControlStore(dynamo);
    sqs.visible.set(INTERACTIVE, 50);
    const lanes = new PriorityLanes(store, 'triage', priority, sqs.client);
    const outcomes = await Promise.allSettled(
      ['B-1', 'B-2', 'B-3', 'B-4'].map((id) => lanes.enter(fromLane('triage-batch', id), 30_000, logger)),
    );
    const ran = outcomes.filter((o) => o.status === 'fulfilled');
    const held = outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason);
    // The share is the guarantee: exactly guaranteedSlots records of the lane make progress.
    expect(ran).toHaveLength(2);
    expect(held).toEqual([
      expect.objectContaining({ name: 'FlowHeldBack', reason: 'priority', flowKey: 'lane#batch' }),
      expect.objectContaining({ name: 'FlowHeldBack', reason: 'priority', flowKey: 'lane#batch' }),
    ]);
    // A record that is done gives its slot to the next one.
    await (ran[0] as PromiseFulfilledResult<{ leave: (l: never) => Promise<void> }>).value.leave(logger);
    expect(await lanes.enter(fromLane('triage-batch', 'B-5'), 30_000, logger)).toMatchObject({ lane: 'batch' });
  });

  it("counts a higher lane's messages in flight as its work: Lambda's throttled pollers hold them invisible", async () => {
    const store = await flowControlStore(dynamo);
    sqs.inFlight.set(INTERACTIVE, 2);
    const lanes = new PriorityLanes(store, 'triage', { ...priority, guaranteedSlots: 1 }, sqs.client);
    await lanes.enter(fromLane('triage-batch', 'B-1'), 30_000, logger);
    await expect(lanes.enter(fromLane('triage-batch', 'B-2'), 30_000, logger)).rejects.toMatchObject({ reason: 'priority' });
  });

  it('looks at the higher lane at most once a second, however many records ask', async () => {
    const store = await flowControlStore(dynamo);
    const lanes = new PriorityLanes(store, 'triage', priority, sqs.client);
    await Promise.all(['B-1', 'B-2', 'B-3'].map((id) => lanes.enter(fromLane('triage-batch', id), 30_000, logger)));
    await lanes.enter(fromLane('triage-batch', 'B-4'), 30_000, logger);
    expect(sqs.asked).toEqual([INTERACTIVE]);
    store.clock.advance(1_000);
    sqs.visible.set(INTERACTIVE, 3);
    await lanes.enter(fromLane('triage-batch', 'B-5'), 30_000, logger);
    expect(sqs.asked).toEqual([INTERACTIVE, INTERACTIVE]);
  });

  it('yields to any higher lane, not only the top one', async () => {
    const store = await flowControlStore(dynamo);
    const three: PrioritySettings = {
      ...priority,
      guaranteedSlots: 1,
      lanes: [...priority.lanes, { name: 'bulk', queueUrl: 'https://sqs.test/000000000000/triage-bulk' }],
    };
    sqs.visible.set(BATCH, 7);
    const lanes = new PriorityLanes(store, 'triage', three, sqs.client);
    const bulk = (id: string) => ({ ...fromLane('triage', id), eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:triage-bulk' });
    await lanes.enter(bulk('K-1'), 30_000, logger);
    await expect(lanes.enter(bulk('K-2'), 30_000, logger)).rejects.toMatchObject({ reason: 'priority', flowKey: 'lane#bulk' });
    expect(await lanes.enter(fromLane('triage-batch', 'B-1'), 30_000, logger)).toBeUndefined();
  });

  it('lets records run, and says so, when the backlog cannot be read', async () => {
    const store = await flowControlStore(dynamo);
    sqs.fail = true;
    const lanes = new PriorityLanes(store, 'triage', { ...priority, guaranteedSlots: 1 }, sqs.client);
    expect(await lanes.enter(fromLane('triage-batch', 'B-1'), 30_000, logger)).toBeUndefined();
    expect(await lanes.enter(fromLane('triage-batch', 'B-2'), 30_000, logger)).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('reading a higher lane backlog failed');
  });

  it('runs a record of a queue that is no lane', async () => {
    const store = await flowControlStore(dynamo);
    sqs.visible.set(INTERACTIVE, 50);
    const lanes = new PriorityLanes(store, 'triage', priority, sqs.client);
    const other = { ...fromLane('triage', 'X-1'), eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:elsewhere' };
    expect(await lanes.enter(other, 30_000, logger)).toBeUndefined();
  });
});

describe('createSqsConsumer with priority lanes', () => {
  /** FakeSqs for the failure calls, Backlogs for GetQueueAttributes: one client, as the consumer has. */
  function clients(fake: FakeSqs): SQSClient {
    return {
      send: (command: unknown) =>
        command instanceof GetQueueAttributesCommand ? sqs.client.send(command as never) : fake.send(command as never),
    } as unknown as SQSClient;
  }

  it("holds back a batch record beyond its share against the batch lane's own queue, and requeues it there on its last receive, never dead-lettering it", async () => {
    const store = await flowControlStore(dynamo);
    const fake = new FakeSqs();
    sqs.visible.set(INTERACTIVE, 20);
    const ran: string[] = [];
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const handler = createSqsConsumer({
      contracts: [TicketCreated] as const,
      idempotency: false,
      failureQueues: {
        client: clients(fake),
        queueUrl: INTERACTIVE,
        deadLetterQueueUrl: 'https://sqs.test/000000000000/dlq',
        maxReceiveCount: 3,
      },
      flowControl: { store, settings: { flow: 'triage', key: { constant: 'all' }, priority: { ...priority, guaranteedSlots: 1 } } },
      handle: async (detail) => {
        ran.push(detail.ticketId);
        // Keep the first batch record's slot until the others have been turned away.
        if (detail.ticketId === 'B-1') await blocked;
      },
    });
    const last = (r: SQSRecord) => ({ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: '3' } });
    const invocation = handler(
      sqsEvent(
        fromLane('triage', 'I-1'),
        fromLane('triage-batch', 'B-1'),
        fromLane('triage-batch', 'B-2'),
        last(fromLane('triage-batch', 'B-3')),
      ),
      lambdaContext(),
    );
    for (let waited = 0; fake.sent.length + fake.visibilityChanges.length < 2 && waited < 5_000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    const response = await invocation;
    expect(ran.sort()).toEqual(['B-1', 'I-1']);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-B-2' }]);
    expect(fake.visibilityChanges).toEqual([expect.objectContaining({ QueueUrl: BATCH, ReceiptHandle: 'rh-msg-B-2' })]);
    expect(fake.sent).toEqual([expect.objectContaining({ QueueUrl: BATCH })]);
    expect(fake.deleted).toEqual([expect.objectContaining({ QueueUrl: BATCH, ReceiptHandle: 'rh-msg-B-3' })]);
  });
});

describe('parseFlowControlSettings priority', () => {
  const raw = (p: unknown) => JSON.stringify({ flow: 'f', key: { constant: 'k' }, priority: p });

  it('reads the lanes, the guaranteed slots and the lease margin', () => {
    expect(parseFlowControlSettings(raw(priority)).priority).toEqual(priority);
  });

  it('fails if there is only one lane', () => {
    expect(() => parseFlowControlSettings(raw({ ...priority, lanes: priority.lanes.slice(0, 1) }))).toThrow(/at least two lanes/);
  });

  it('fails if the guaranteed slots are not a positive integer', () => {
    expect(() => parseFlowControlSettings(raw({ ...priority, guaranteedSlots: 0.5 }))).toThrow(
      /guaranteedSlots must be a positive integer/,
    );
  });
});
