import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { CRASH_POINT_VARIABLE, CrashPointError, CrashPoints } from '../../../local/store/crash-points.js';
import { startApp, type TestApp } from '../../../testing/index.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { arnOf } from '../template-resources.js';
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

let app: TestApp | undefined;
afterAll(async () => {
  await app?.stop();
});

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
    process.env[CRASH_POINT_VARIABLE] = 'eventbridgev2-after-send';
    let running: TestApp;
    try {
      running = await startApp({ cdkOut: APP }, { ownProcess: true, iam: 'off' });
    } finally {
      delete process.env[CRASH_POINT_VARIABLE];
    }
    app = running;
    const [buses] = await botocore(running.endpoint, [{ operation: 'list_event_buses', params: { NamePrefix: 'crash-point-bus' } }]);
    const bus = (ok(buses).EventBuses as { EventBusArn: string }[])[0]?.EventBusArn;
    const entries = Array.from({ length: EVENTS }, (_, n) => ({
      Data: { $bytes: Buffer.from(JSON.stringify({ n })).toString('base64') },
      SystemMetadata: { ContentType: 'application/json', EventGroupId: `g${n % GROUPS}` },
    }));
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
  }, 180_000);
});

if (botocoreMissing) console.info(BOTOCORE_SKIP_REASON);
