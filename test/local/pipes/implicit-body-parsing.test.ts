import { describe, expect, it } from 'vitest';
import { PipeDelivery, type PipeServices } from '../../../local/pipes/pipe-delivery.js';
import { ManualClock } from '../../../local/time/clock.js';
import { pipeDefinition } from './pipe-definition.js';

const STREAM = 'arn:aws:kinesis:us-east-1:000000000000:stream/in';

/** A pipe from a Kinesis stream to a queue through `template`; `sent` are the message bodies the queue got. */
function kinesisToQueue(template: string) {
  const sent: string[] = [];
  const services: PipeServices = {
    lambda: { invoke: async () => ({ ok: true, payload: '{}' }) },
    events: { PutEvents: async () => ({}) },
    sqs: {
      queueUrlOf: (arn) => arn,
      SendMessage: async (input) => {
        sent.push(String((input as { MessageBody?: unknown }).MessageBody));
        return {};
      },
    },
    states: { StartExecution: async () => ({}) },
  };
  const pipe = pipeDefinition({
    sourceArn: STREAM,
    batchSize: 1,
    targetArn: 'arn:aws:sqs:us-east-1:000000000000:out',
    targetInputTemplate: template,
  });
  return { sent, delivery: new PipeDelivery(pipe, { clock: new ManualClock(), services }) };
}

/** A record as a pipe with a Kinesis source gives it (Pipes' flattened shape), its data in base64. */
const kinesisRecord = (data: string) => ({
  eventSource: 'aws:kinesis',
  eventSourceARN: STREAM,
  partitionKey: 'k',
  sequenceNumber: '1',
  data: Buffer.from(data).toString('base64'),
});

describe('PipeDelivery implicit body data parsing', () => {
  it("reads a Kinesis record's JSON data decoded in an input template (<$.data.key>)", async () => {
    const { sent, delivery } = kinesisToQueue('{"event_type": <$.data.event_type>, "sum": <$.data.sum>}');
    await delivery.deliver([{ event: kinesisRecord('{"event_type":"ORDER","sum":45.99}'), id: 'r-1' }]);
    expect(JSON.parse(sent[0] ?? '')).toEqual({ event_type: 'ORDER', sum: 45.99 });
  });

  it('leaves data that is not JSON in base64, as the record carries it', async () => {
    const { sent, delivery } = kinesisToQueue('{"raw": <$.data>}');
    await delivery.deliver([{ event: kinesisRecord('plain text'), id: 'r-1' }]);
    expect(JSON.parse(sent[0] ?? '')).toEqual({ raw: Buffer.from('plain text').toString('base64') });
  });
});
