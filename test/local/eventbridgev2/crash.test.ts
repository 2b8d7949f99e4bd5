import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../../../testing/index.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { arnOf } from '../template-resources.js';
import { BOTOCORE_SKIP_REASON, botocore, botocoreMissing, ok } from './botocore.js';

const ROLE = 'arn:aws:iam::000000000000:role/deliver';
/** Enough that the kill lands while the subscribers deliver (a few hundred of them are in the queues by then). */
const EVENTS = 1000;
const GROUPS = 4;

const subscriber = (name: string, queue: string, type: 'FIFO' | 'UNORDERED') => ({
  Type: 'AWS::EventsV2::Subscriber',
  Properties: {
    Name: name,
    EventBusArn: { Ref: 'Bus' },
    Type: type,
    InvokeConfiguration: { RoleArn: ROLE, TargetArn: arnOf(queue) },
    FilterConfiguration: { Filters: [{ Pattern: '{"n": [{"exists": true}]}', Scope: 'DATA' }] },
  },
});

const APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'crash-bus' } },
  Ordered: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'ordered.fifo', FifoQueue: true } },
  Plain: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'plain' } },
  ToOrdered: subscriber('to-ordered', 'Ordered', 'FIFO'),
  ToPlain: subscriber('to-plain', 'Plain', 'UNORDERED'),
});

let app: TestApp | undefined;
afterAll(async () => {
  await app?.stop();
});

/**
 * A Custom Event Bus's accepted events through a SIGKILL: the runtime is killed while its
 * subscribers deliver and started again on the same data folder; every event reaches each
 * subscriber's queue, and the FIFO subscriber's FIFO queue takes each event once, in the
 * order of its group (the event id is the message's deduplication id).
 */
describe.skipIf(botocoreMissing)('EventBridgeV2 durability', () => {
  it('delivers every accepted event after a SIGKILL mid-stream, each once and in group order to a FIFO queue', async () => {
    const running = await startApp({ cdkOut: APP }, { ownProcess: true, iam: 'off' });
    app = running;
    const [buses] = await botocore(running.endpoint, [{ operation: 'list_event_buses', params: { NamePrefix: 'crash-bus' } }]);
    const bus = (ok(buses).EventBuses as { EventBusArn: string }[])[0]?.EventBusArn;
    const entries = Array.from({ length: EVENTS }, (_, n) => ({
      Data: { $bytes: Buffer.from(JSON.stringify({ n, group: `g${n % GROUPS}` })).toString('base64') },
      SystemMetadata: { ContentType: 'application/json', EventGroupId: `g${n % GROUPS}` },
    }));
    const puts = await botocore(
      running.endpoint,
      Array.from({ length: EVENTS / 100 }, (_, i) => ({
        operation: 'put_raw_events',
        params: { EventBusArn: bus, Entries: entries.slice(i * 100, i * 100 + 100) },
      })),
    );
    expect(puts.map((put) => ok(put).FailedEntryCount)).toEqual(Array.from({ length: EVENTS / 100 }, () => 0));
    // Killed wherever delivery is: between a message sent and its event recorded as delivered, or anywhere else.
    await running.crash();

    const sqs = new SQSClient({ endpoint: running.endpoint, region, credentials, maxAttempts: 1 });
    const drain = async (queue: string, into: number[]) => {
      const QueueUrl = `${running.endpoint}/000000000000/${queue}`;
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (const message of Messages) {
        into.push((JSON.parse(message.Body ?? '{}') as { n: number }).n);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    };
    const ordered: number[] = [];
    const plain: number[] = [];
    await eventually(
      async () => {
        await drain('ordered.fifo', ordered);
        await drain('plain', plain);
        return new Set(ordered).size >= EVENTS && new Set(plain).size >= EVENTS ? true : undefined;
      },
      90_000,
      'every event in both queues',
    );
    // At least once to the standard queue; once, and in each group's order, to the FIFO queue.
    expect([...new Set(plain)].sort((a, b) => a - b)).toEqual(Array.from({ length: EVENTS }, (_, n) => n));
    expect(ordered).toHaveLength(EVENTS);
    for (let g = 0; g < GROUPS; g++) {
      const group = ordered.filter((n) => n % GROUPS === g);
      expect(group).toEqual([...group].sort((a, b) => a - b));
    }
    sqs.destroy();
  }, 180_000);
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
