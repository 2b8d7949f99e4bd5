import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CRASH_POINT_VARIABLE, CrashPointError, CrashPoints } from '../../../local/store/crash-points.js';
import { startApp, type TestApp } from '../../../testing/index.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { arnOf, inlineFunction, sqsQueue } from '../template-resources.js';
import { BOTOCORE_SKIP_REASON, botocore, botocoreMissing, ok } from './botocore.js';

const ROLE = 'arn:aws:iam::000000000000:role/deliver';
const EVENTS = 30;
const GROUPS = 3;

const APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'crash-point-bus' } },
  Ordered: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'exactly.fifo', FifoQueue: true } },
  ToOrdered: {
    Type: 'AWS::EventsV2::Subscriber',
    Properties: {
      Name: 'to-ordered',
      EventBusArn: { Ref: 'Bus' },
      Type: 'FIFO',
      InvokeConfiguration: { RoleArn: ROLE, TargetArn: arnOf('Ordered') },
      FilterConfiguration: { Filters: [{ Pattern: '{"n": [{"exists": true}]}', Scope: 'DATA' }] },
    },
  },
});

/**
 * Records each invocation's events in `calls`, then waits for a message in `go` before it
 * answers: the test decides when the batch is taken, so more events are accepted meanwhile.
 */
const HELD = `const { SQSClient, SendMessageCommand, ReceiveMessageCommand, DeleteMessageCommand } = require('@aws-sdk/client-sqs');
const client = new SQSClient({});
exports.handler = async (event) => {
  await client.send(new SendMessageCommand({ QueueUrl: process.env.CALLS_URL, MessageBody: JSON.stringify(event) }));
  for (;;) {
    const { Messages = [] } = await client.send(new ReceiveMessageCommand({ QueueUrl: process.env.GO_URL, WaitTimeSeconds: 1 }));
    if (Messages[0]) {
      await client.send(new DeleteMessageCommand({ QueueUrl: process.env.GO_URL, ReceiptHandle: Messages[0].ReceiptHandle }));
      return;
    }
  }
};`;

const FUNCTION_APP = assemblyOf({
  Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'crash-point-lambda-bus' } },
  Calls: sqsQueue('calls'),
  Go: sqsQueue('go'),
  Held: inlineFunction(HELD, {
    FunctionName: 'held',
    Timeout: 120,
    Environment: { Variables: { CALLS_URL: { Ref: 'Calls' }, GO_URL: { Ref: 'Go' } } },
  }),
  ToFunction: {
    Type: 'AWS::EventsV2::Subscriber',
    Properties: {
      Name: 'to-function',
      EventBusArn: { Ref: 'Bus' },
      Type: 'FIFO',
      InvokeConfiguration: {
        RoleArn: ROLE,
        TargetArn: { 'Fn::GetAtt': ['Held', 'Arn'] },
        LambdaParameters: { InvocationType: 'REQUEST_RESPONSE' },
      },
      FilterConfiguration: { Filters: [{ Pattern: '{"n": [{"exists": true}]}', Scope: 'DATA' }] },
    },
  },
});

let app: TestApp | undefined;
afterAll(async () => {
  await app?.stop();
});

/** Starts the app in its own process with the crash point armed (the variable is the child's, not this process's). */
async function startArmed(cdkOut: string): Promise<TestApp> {
  process.env[CRASH_POINT_VARIABLE] = 'eventbridgev2-after-send';
  try {
    return await startApp({ cdkOut }, { ownProcess: true, iam: 'off' });
  } finally {
    delete process.env[CRASH_POINT_VARIABLE];
  }
}

const rawEntries = (numbers: readonly number[]) =>
  numbers.map((n) => ({
    Data: { $bytes: Buffer.from(JSON.stringify({ n })).toString('base64') },
    SystemMetadata: { ContentType: 'application/json', EventGroupId: `g${n % GROUPS}` },
  }));

/** Reads, beside the runtime, the one table of its data folder that answers `sql` (the folder's files are the runtime's own business). */
function readDataFolder<T>(dataDir: string, sql: string): T | undefined {
  for (const file of readdirSync(dataDir).filter((name) => name.endsWith('.sqlite'))) {
    const db = new DatabaseSync(path.join(dataDir, file), { readOnly: true });
    try {
      return db.prepare(sql).get() as T;
    } catch {
      // Not this file's table: the next file.
    } finally {
      db.close();
    }
  }
  return undefined;
}

async function listening(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint);
    return true;
  } catch {
    return false;
  }
}

describe('CrashPoints', () => {
  it('fails if SWITCHYARD_CRASH_AT names a point the runtime does not have, naming the ones it has', () => {
    const db = new DatabaseSync(':memory:');
    expect(() => new CrashPoints(db, 'eventbridgev2-after-sent')).toThrow(CrashPointError);
    expect(() => new CrashPoints(db, 'eventbridgev2-after-sent')).toThrow(/eventbridgev2-after-send/);
  });

  it('does nothing at a point not named', () => {
    const points = new CrashPoints(new DatabaseSync(':memory:'), '');
    expect(() => points.reached('eventbridgev2-after-send')).not.toThrow();
  });
});

/**
 * The moment a random SIGKILL (crash.test.ts) almost never hits: a FIFO queue took a batch of
 * a FIFO subscriber's events, and the runtime dies before it records them as delivered. The
 * restart sends the batch again; the queue must take each event once (the event id is the
 * message's deduplication id), in each group's order.
 */
describe.skipIf(botocoreMissing)('EventBridgeV2 delivery across a crash after the target took a batch', () => {
  it('delivers each event once, in group order, to a FIFO queue when the runtime dies before recording a sent batch', async () => {
    const running = await startArmed(APP);
    app = running;
    const [buses] = await botocore(running.endpoint, [{ operation: 'list_event_buses', params: { NamePrefix: 'crash-point-bus' } }]);
    const bus = (ok(buses).EventBuses as { EventBusArn: string }[])[0]?.EventBusArn;
    const entries = rawEntries(Array.from({ length: EVENTS }, (_, n) => n));
    const [put] = await botocore(running.endpoint, [{ operation: 'put_raw_events', params: { EventBusArn: bus, Entries: entries } }]);
    expect(ok(put).FailedEntryCount).toBe(0);

    // The first batch the queue takes kills the runtime; it is started again on the same data folder.
    await eventually(async () => ((await listening(running.endpoint)) ? undefined : true), 60_000, 'the runtime to die at its crash point');
    expect(readDataFolder<{ point: string }>(running.dataDir, 'SELECT point FROM crash_points_fired')?.point).toBe(
      'eventbridgev2-after-send',
    );
    await running.crash();

    const sqs = new SQSClient({ endpoint: running.endpoint, region, credentials, maxAttempts: 1 });
    const QueueUrl = `${running.endpoint}/000000000000/exactly.fifo`;
    const received: number[] = [];
    const drain = async () => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
      for (const message of Messages) {
        received.push((JSON.parse(message.Body ?? '{}') as { n: number }).n);
        await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    };
    const owed = () => readDataFolder<{ n: number }>(running.dataDir, 'SELECT COUNT(*) AS n FROM eventbridgev2_pending')?.n;
    await eventually(
      async () => {
        await drain();
        return new Set(received).size >= EVENTS && owed() === 0 ? true : undefined;
      },
      60_000,
      'every event in the queue and none owed',
    );
    await drain();
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: EVENTS }, (_, n) => n));
    for (let g = 0; g < GROUPS; g++) {
      const group = received.filter((n) => n % GROUPS === g);
      expect(group).toEqual([...group].sort((a, b) => a - b));
    }
    sqs.destroy();
    await running.stop();
    app = undefined;
  }, 180_000);

  it("invokes a FIFO subscriber's function again with the same batch, nothing added, when the runtime died before recording it", async () => {
    const running = await startArmed(FUNCTION_APP);
    app = running;
    const sqs = new SQSClient({ endpoint: running.endpoint, region, credentials, maxAttempts: 1 });
    const url = (queue: string) => `${running.endpoint}/000000000000/${queue}`;
    const invocations: number[][] = [];
    /** Reads the recorded invocations; true once `until` holds of them. */
    const readCalls = async (until: (seen: number[][]) => boolean) => {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url('calls'), MaxNumberOfMessages: 10 }));
      for (const message of Messages) {
        invocations.push((JSON.parse(message.Body ?? '[]') as { n: number }[]).map((event) => event.n));
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url('calls'), ReceiptHandle: message.ReceiptHandle }));
      }
      return until(invocations) ? true : undefined;
    };
    const [buses] = await botocore(running.endpoint, [{ operation: 'list_event_buses', params: { NamePrefix: 'crash-point-lambda-bus' } }]);
    const bus = (ok(buses).EventBuses as { EventBusArn: string }[])[0]?.EventBusArn;
    const put = async (numbers: number[]) => {
      const [answer] = await botocore(running.endpoint, [
        { operation: 'put_raw_events', params: { EventBusArn: bus, Entries: rawEntries(numbers) } },
      ]);
      expect(ok(answer).FailedEntryCount).toBe(0);
    };
    await put([1, 2, 3]);
    // The function holds the first batch while three more events are accepted behind it.
    await eventually(() => readCalls((seen) => seen.length > 0), 60_000, 'the first invocation');
    await put([4, 5, 6]);
    await sqs.send(new SendMessageCommand({ QueueUrl: url('go'), MessageBody: 'go' }));
    await eventually(async () => ((await listening(running.endpoint)) ? undefined : true), 60_000, 'the runtime to die at its crash point');
    await running.crash();
    // The same port after the restart: the same client reaches it.
    for (let i = 0; i < 4; i++) await sqs.send(new SendMessageCommand({ QueueUrl: url('go'), MessageBody: 'go' }));
    await eventually(() => readCalls((seen) => seen.flat().includes(6)), 60_000, 'every event invoked');
    // At least once, as Lambda is: the batch the crash cut off comes again as it was, then the rest.
    expect(invocations).toEqual([
      [1, 2, 3],
      [1, 2, 3],
      [4, 5, 6],
    ]);
    sqs.destroy();
  }, 240_000);
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
