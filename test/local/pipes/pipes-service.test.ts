import { describe, expect, it, vi } from 'vitest';
import type { StoredRecord } from '../../../local/dynamodb/streams/stream-store.js';
import type { PipeDefinition } from '../../../local/pipes/definitions.js';
import { type PipeServices, PipesService, type StreamSource } from '../../../local/pipes/pipes-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { pipeDefinition } from './pipe-definition.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/1970-01-01T00:00:00.000';

function pipe(overrides: Partial<PipeDefinition> = {}): PipeDefinition {
  return pipeDefinition({
    sourceArn: STREAM,
    deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    targetArn: 'arn:aws:sqs:us-east-1:000000000000:out',
    ...overrides,
  });
}

function harness(definition: PipeDefinition, clock = new ManualClock(), retryBaseMs = 5, lambda?: PipeServices['lambda']) {
  const records: StoredRecord[] = [];
  const sent: { queue: string; body: string }[] = [];
  const source: StreamSource = {
    readAfter: (_arn, after, limit) => records.filter((r) => r.position > after).slice(0, limit),
    latestPosition: () => records.at(-1)?.position ?? 0,
    onRecords: () => () => {},
  };
  let failTarget = false;
  let refused = 0;
  const services: PipeServices = {
    lambda: lambda ?? { invoke: async () => ({ ok: true, payload: '[]' }) },
    events: { PutEvents: async () => ({ FailedEntryCount: 0 }) },
    sqs: {
      queueUrlOf: (arn) => arn.split(':').at(-1) as string,
      SendMessage: async (input) => {
        if (failTarget && input.QueueUrl === 'out') {
          refused++;
          throw new Error('queue unavailable');
        }
        sent.push({ queue: input.QueueUrl, body: input.MessageBody });
        return {};
      },
    },
    states: { StartExecution: async () => ({}) },
  };
  const service = new PipesService({ db: openDatabase(':memory:'), clock, pipes: [definition], source, services, retryBaseMs });
  const add = (pk: string) => {
    const position = records.length + 1;
    records.push({
      position,
      streamArn: STREAM,
      createdMs: clock.now(),
      record: {
        eventID: `e${position}`,
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          ApproximateCreationDateTime: clock.now() / 1000,
          Keys: { pk: { S: pk } },
          SequenceNumber: String(position),
          SizeBytes: 1,
          StreamViewType: 'KEYS_ONLY',
        },
      },
    });
  };
  return { service, add, sent, clock, failTarget: (fail: boolean) => (failTarget = fail), refused: () => refused };
}

describe('PipesService', () => {
  it('sends records older than MaximumRecordAgeInSeconds to the dead-letter queue instead of the target', async () => {
    const h = harness(pipe({ maximumRecordAgeSeconds: 60 }));
    h.add('old');
    h.clock.advance(61_000);
    h.service.start();
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => s.queue)).toEqual(['dlq']);
    expect(JSON.parse(h.sent[0]?.body as string)).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded' },
      DDBStreamBatchInfo: { batchSize: 1, startSequenceNumber: '1', endSequenceNumber: '1', streamArn: STREAM },
    });
  });

  it('sets the expired records of a batch apart, as a batch of their own, and delivers the rest', async () => {
    const h = harness(pipe({ maximumRecordAgeSeconds: 60 }));
    h.add('old');
    h.clock.advance(61_000);
    h.add('new-1');
    h.add('new-2');
    h.service.start();
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => s.queue)).toEqual(['dlq', 'out', 'out']);
    expect(JSON.parse(h.sent[0]?.body as string)).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 1 },
      DDBStreamBatchInfo: { batchSize: 1, startSequenceNumber: '1', endSequenceNumber: '1' },
    });
  });

  it("records what a mapped function last answered in its failure record, as Lambda's on-failure destination gets it", async () => {
    const failing: PipeServices['lambda'] = {
      invoke: async () => ({ ok: false, error: { errorType: 'Error', errorMessage: 'boom' } }),
    };
    const mapping = pipe({
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      mapping: { reportBatchItemFailures: false },
      maximumRetryAttempts: 1,
    });
    const h = harness(mapping, new ManualClock(), 1, failing);
    h.add('bad');
    h.service.start();
    await h.service.idle();
    await h.service.stop();
    const record = JSON.parse(h.sent[0]?.body as string);
    expect(record).toMatchObject({
      requestContext: { functionArn: mapping.targetArn, condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
      DDBStreamBatchInfo: { batchSize: 1 },
    });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
  });

  it('fails the whole batch when a mapped function answers a malformed partial batch response, as Lambda reads it', async () => {
    const malformed: PipeServices['lambda'] = { invoke: async () => ({ ok: true, payload: '{"batchItemFailures": [' }) };
    const mapping = pipe({
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      mapping: { reportBatchItemFailures: true },
      maximumRetryAttempts: 1,
    });
    const h = harness(mapping, new ManualClock(), 1, malformed);
    h.add('a');
    h.add('b');
    h.service.start();
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => s.queue)).toEqual(['dlq']);
    expect(JSON.parse(h.sent[0]?.body as string)).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted' },
      DDBStreamBatchInfo: { batchSize: 2, startSequenceNumber: '1' },
    });
  });

  it('retries a failing target until it accepts, without skipping or repeating a record', async () => {
    const h = harness(pipe({ batchSize: 2 }));
    h.failTarget(true);
    for (const pk of ['a', 'b', 'c']) h.add(pk);
    h.service.start();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(h.sent).toEqual([]);
    h.failTarget(false);
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => JSON.parse(s.body).dynamodb.Keys.pk.S)).toEqual(['a', 'b', 'c']);
  });

  it('stops without waiting out a retry backoff, leaving the batch to be read again', async () => {
    // A backoff of ten minutes of real time (a ManualClock does not sleep): a stop that waited it
    // out would be far past any bound here, however busy the machine.
    const h = harness(pipe(), new ManualClock(), 600_000);
    h.failTarget(true);
    h.add('a');
    h.service.start();
    // In its backoff once the target has refused the batch (not after a guessed pause).
    await vi.waitFor(() => expect(h.refused()).toBe(1), { timeout: 30_000, interval: 5 });
    const started = Date.now();
    await h.service.stop();
    expect(Date.now() - started).toBeLessThan(30_000);
    h.failTarget(false);
    h.service.start();
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => JSON.parse(s.body).dynamodb.Keys.pk.S)).toEqual(['a']);
  });

  it('starts a new pipe with LATEST after the records already in the stream', async () => {
    const h = harness(pipe({ startingPosition: 'LATEST' }));
    h.add('before');
    h.service.start();
    h.add('after');
    await h.service.idle();
    await h.service.stop();
    expect(h.sent.map((s) => JSON.parse(s.body).dynamodb.Keys.pk.S)).toEqual(['after']);
  });

  it('describes a pipe with a batching window with its batch size and window', () => {
    const h = harness(pipe({ batchSize: 5, maximumBatchingWindowSeconds: 120 }));
    expect(h.service.describe()).toEqual([
      { kind: 'pipe', name: 'p', table: 't', target: 'arn:aws:sqs:us-east-1:000000000000:out', batching: { size: 5, windowSeconds: 120 } },
    ]);
  });

  it('describes the running pipes for the start-up report', () => {
    const h = harness(pipe());
    expect(h.service.describe()).toEqual([{ kind: 'pipe', name: 'p', table: 't', target: 'arn:aws:sqs:us-east-1:000000000000:out' }]);
  });
});
