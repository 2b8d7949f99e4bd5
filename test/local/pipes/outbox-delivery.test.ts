import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OUTBOX_ATTRIBUTE } from '../../../contracts/index.js';
import { handler as outboxEnrichment } from '../../../lambdas/change-capture/outbox-handler.js';
import type { StoredRecord } from '../../../local/dynamodb/streams/stream-store.js';
import type { PipeDefinition } from '../../../local/pipes/definitions.js';
import { type PipeServices, PipesService, type StreamSource } from '../../../local/pipes/pipes-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import { ManualClock } from '../../../local/time/clock.js';
import { undeliveringBus } from '../events/undelivering-bus.js';
import { tempDataDir } from '../helpers.js';
import { pipeDefinition } from './pipe-definition.js';

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/ledger/stream/1970-01-01T00:00:00.000';
const BUS = 'arn:aws:events:us-east-1:000000000000:event-bus/default';

/** The pipe TableOutbox synthesizes: the outbox enrichment, the detail as the event, detail-type and source read from its answer. */
const OUTBOX_PIPE: PipeDefinition = pipeDefinition({
  name: 'outbox',
  arn: 'arn:aws:pipes:us-east-1:000000000000:pipe/outbox',
  sourceArn: STREAM,
  filters: [
    JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { [OUTBOX_ATTRIBUTE]: { M: { detail: { S: [{ exists: true }] } } } } } }),
  ],
  bisectOnFailure: true,
  enrichmentArn: 'arn:aws:lambda:us-east-1:000000000000:function:outbox-enrichment',
  targetArn: BUS,
  targetInputTemplate: '<$.detail>',
  eventBusParameters: { DetailType: '$.detailType', Source: '$.source' },
});

/** The events and pipes databases of one data folder: what survives a SIGKILL of the runtime. */
function dataFolder() {
  const dir = tempDataDir();
  return { events: path.join(dir, 'events.db'), pipes: path.join(dir, 'pipes.db') };
}

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((service) => service.stop()));
});

/** The runtime's EventsService on the folder's database, counting the events its bus accepts. */
function bus(file: string) {
  const accepted: { detailType: string; detail: string }[] = [];
  const service = undeliveringBus({
    db: openDatabase(file),
    clock: new ManualClock(),
    onAccepted: (note) => accepted.push({ detailType: note.event['detail-type'], detail: JSON.stringify(note.event.detail) }),
  });
  running.push(service);
  return { service, accepted };
}

/** A ledger stream holding one announcing write per job. */
function ledgerStream(jobs: readonly string[]): StreamSource {
  const records: StoredRecord[] = jobs.map((jobId, index) => {
    const detail = JSON.stringify({ jobId, title: 'Teapot', scenes: 2, metadata: { correlationId: `corr-${jobId}` } });
    return {
      position: index + 1,
      streamArn: STREAM,
      createdMs: 0,
      record: {
        eventID: `e${index + 1}`,
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'us-east-1',
        dynamodb: {
          ApproximateCreationDateTime: 0,
          Keys: { jobId: { S: jobId }, effect: { S: 'write-script' } },
          NewImage: {
            jobId: { S: jobId },
            effect: { S: 'write-script' },
            [OUTBOX_ATTRIBUTE]: { M: { source: { S: 'switchyard.pipeline' }, detailType: { S: 'ScriptWritten' }, detail: { S: detail } } },
          },
          SequenceNumber: String(index + 1).padStart(21, '0'),
          SizeBytes: 1,
          StreamViewType: 'NEW_IMAGE',
        },
      },
    };
  });
  return {
    readAfter: (_arn, after, limit) => records.filter((r) => r.position > after).slice(0, limit),
    latestPosition: () => records.length,
    onRecords: () => () => {},
  };
}

/** The pipes service on the folder's database, its enrichment the outbox's handler and its bus `putEvents`. */
function outboxPipe(file: string, source: StreamSource, putEvents: PipeServices['events']['PutEvents']) {
  const services: PipeServices = {
    lambda: { invoke: async (_fn, event) => ({ ok: true, payload: JSON.stringify(await outboxEnrichment(event as never)) }) },
    events: { PutEvents: putEvents },
    sqs: { queueUrlOf: (arn) => arn, SendMessage: async () => ({}) },
    states: { StartExecution: async () => ({}) },
  };
  return new PipesService({ db: openDatabase(file), clock: new ManualClock(), pipes: [OUTBOX_PIPE], source, services, retryBaseMs: 5 });
}

describe('PipesService to an event bus', () => {
  it('puts each announcement on the bus as the detail the writer stored, detail-type and source from the announcement', async () => {
    const files = dataFolder();
    const { service, accepted } = bus(files.events);
    const pipe = outboxPipe(files.pipes, ledgerStream(['JOB-1']), (input, keys) => service.PutEvents(input, keys));
    running.push(pipe);
    pipe.start();
    await pipe.idle();
    expect(accepted).toEqual([
      { detailType: 'ScriptWritten', detail: '{"jobId":"JOB-1","title":"Teapot","scenes":2,"metadata":{"correlationId":"corr-JOB-1"}}' },
    ]);
  });

  it('puts a batch once when its answer is lost after the bus accepted it, and the pipe sends it again', async () => {
    const files = dataFolder();
    const { service, accepted } = bus(files.events);
    let calls = 0;
    const pipe = outboxPipe(files.pipes, ledgerStream(['JOB-1', 'JOB-2']), async (input, keys) => {
      const answer = await service.PutEvents(input, keys);
      if (++calls === 1) throw new Error('socket hang up (the bus had accepted the batch)');
      return answer;
    });
    running.push(pipe);
    pipe.start();
    await pipe.idle();
    expect(calls).toBeGreaterThan(1);
    expect(accepted.map((a) => a.detail.slice(0, 16))).toEqual(['{"jobId":"JOB-1"', '{"jobId":"JOB-2"']);
  });

  it('puts a batch once when the runtime is killed between the bus accepting it and the pipe’s checkpoint', async () => {
    const files = dataFolder();
    const first = bus(files.events);
    let acceptedBeforeTheKill!: () => void;
    const killed = new Promise<void>((resolve) => {
      acceptedBeforeTheKill = resolve;
    });
    // The first runtime's pipe: the bus commits the batch, and the process dies before the pipe commits its position.
    const doomed = outboxPipe(files.pipes, ledgerStream(['JOB-1', 'JOB-2']), async (input, keys) => {
      await first.service.PutEvents(input, keys);
      acceptedBeforeTheKill();
      return new Promise(() => {});
    });
    doomed.start();
    await killed;
    expect(first.accepted).toHaveLength(2);

    // The next runtime opens the same data folder: the stream is read from the last checkpoint again.
    const second = bus(files.events);
    const restarted = outboxPipe(files.pipes, ledgerStream(['JOB-1', 'JOB-2', 'JOB-3']), (input, keys) =>
      second.service.PutEvents(input, keys),
    );
    running.push(restarted);
    restarted.start();
    await restarted.idle();
    expect(second.accepted.map((a) => a.detail.slice(0, 16))).toEqual(['{"jobId":"JOB-3"']);
  });
});
