import { get, type IncomingMessage } from 'node:http';
import { DescribeReplayCommand, EventBridgeClient, PutEventsCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEventsPage, READ_API_PATHS, READ_API_PREFIX, type StreamMessage } from '../../../clients/read-api-contract.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { ARCHIVED_RULE, DEAD_LETTER_QUEUES, RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';

const ACCOUNT = '000000000000';
const runtimes = new RuntimesWithData();
let cdkOut: string;
let runtime: LocalRuntime;
let sqs: SQSClient;
let events: EventBridgeClient;
const consoleLines: string[] = [];

beforeAll(async () => {
  cdkOut = assemblyOf({ ...DEAD_LETTER_QUEUES, ...ARCHIVED_RULE });
  runtime = await runtimes.start(cdkOut, { log: (line) => consoleLines.push(line) });
  sqs = new SQSClient({ endpoint: runtime.url, region, credentials });
  events = new EventBridgeClient({ endpoint: runtime.url, region, credentials });
});
afterAll(() => runtimes.stopAll());

function subscribe(url: string): Promise<{ messages: StreamMessage[]; close: () => void }> {
  return new Promise((resolve) => {
    const request = get(`${url}${READ_API_PREFIX}${READ_API_PATHS.stream}`, (response: IncomingMessage) => {
      const messages: StreamMessage[] = [];
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split('\n\n');
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data) messages.push(JSON.parse(data.slice(6)) as StreamMessage);
        }
      });
      response.on('error', () => {});
      resolve({ messages, close: () => request.destroy() });
    });
  });
}

describe('the read API on a running runtime', () => {
  it('feeds a message SQS moves to a dead-letter queue after maxReceiveCount, with the reason', async () => {
    const feed = await subscribe(runtime.url);
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'work' }));
      const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
      // Received once and not deleted: the next receive moves it.
      await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 0 }));
      await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
      const moved = await eventually(async () => feed.messages.find((m) => m.kind === 'dead-letter' && m.messageId === MessageId));
      expect(moved).toEqual({
        kind: 'dead-letter',
        queueArn: `arn:aws:sqs:${region}:${ACCOUNT}:work-dlq`,
        messageId: MessageId,
        reason: 'received 1 times from work (maxReceiveCount)',
      });
      const [root] = (await runtime.readApi.lineage(MessageId ?? '')).roots;
      expect(root).toMatchObject({ kind: 'message', children: [{ kind: 'dead-letter', status: 'dead-lettered' }] });
    } finally {
      feed.close();
    }
  });

  it('records and shows replayed events, with their replay name', async () => {
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'probe', DetailType: 'Probe', Detail: '{"n":"replayed-1"}' }] }));
    await events.send(
      new StartReplayCommand({
        ReplayName: 'again',
        EventSourceArn: `arn:aws:events:${region}:${ACCOUNT}:archive/all`,
        Destination: { Arn: `arn:aws:events:${region}:${ACCOUNT}:event-bus/default` },
        EventStartTime: new Date(Date.now() - 3_600_000),
        EventEndTime: new Date(Date.now() + 60_000),
      }),
    );
    await eventually(async () =>
      (await events.send(new DescribeReplayCommand({ ReplayName: 'again' }))).State === 'COMPLETED' ? true : undefined,
    );
    const response = await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.events}?replayName=again`);
    const page = (await response.json()) as BusEventsPage;
    expect(page.events).toHaveLength(1);
    expect(page.events[0]).toMatchObject({ replayName: 'again', detail: { n: 'replayed-1' }, matched: [{ rule: 'to-seen' }] });
    // The console shows every event a bus accepts, replays too.
    expect(consoleLines.filter((line) => line.includes('replayed-1'))).toEqual([
      expect.stringMatching(/^\[events\] default <- probe Probe \{/),
      expect.stringMatching(/^\[events\] default <- probe Probe \(replay again\) \{/),
    ]);
  });

  it('under --verify-signatures, answers unsigned reads from this machine and still refuses unsigned AWS calls', async () => {
    const signed = await runtimes.start(cdkOut, {
      verifySignatures: { credentials: [{ accessKeyId: 'AKIDLOCAL', secretAccessKey: 'secret' }] },
    });
    const read = await fetch(`${signed.url}${READ_API_PREFIX}${READ_API_PATHS.events}`);
    expect(read.status).toBe(200);
    const aws = await fetch(signed.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      body: '{}',
    });
    expect(aws.status).toBe(400);
    expect(await aws.text()).toContain('MissingAuthenticationToken');
  });
});
