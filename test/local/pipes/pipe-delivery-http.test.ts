import { describe, expect, it } from 'vitest';
import type { PipeDefinition } from '../../../local/pipes/definitions.js';
import { PipeDelivery, type PipeServices } from '../../../local/pipes/pipe-delivery.js';
import { ManualClock } from '../../../local/time/clock.js';
import { pipeDefinition } from './pipe-definition.js';

const DESTINATION = 'arn:aws:events:us-east-1:000000000000:api-destination/hook/00000000-0000-0000-0000-000000000000';

const pipe: PipeDefinition = pipeDefinition({
  sourceArn: 'arn:aws:sqs:us-east-1:000000000000:in',
  batchSize: 1,
  enrichmentArn: 'arn:aws:lambda:us-east-1:000000000000:function:split',
  targetArn: DESTINATION,
  targetHttp: {
    endpoint: {
      kind: 'api-destination',
      destination: {
        arn: DESTINATION,
        name: 'hook',
        endpoint: 'http://127.0.0.1:1/hook',
        method: 'POST',
        connection: {
          arn: 'arn:aws:events:us-east-1:000000000000:connection/c/00000000-0000-0000-0000-000000000000',
          name: 'c',
          authorization: { type: 'API_KEY', name: 'x-api-key', value: 'k' },
          invocation: { headers: [], query: [], body: [] },
        },
      },
    },
    parameters: {},
  },
});

/** A delivery whose enrichment answers `enriched` and whose API destination answers `status`; `calls` are the requests sent to it. */
function delivery(enriched: unknown, status: number) {
  const calls: string[] = [];
  const services: PipeServices = {
    lambda: { invoke: async () => ({ ok: true, payload: JSON.stringify(enriched) }) },
    events: { PutEvents: async () => ({}) },
    sqs: { queueUrlOf: (arn) => arn, SendMessage: async () => ({}) },
    states: { StartExecution: async () => ({}) },
    http: {
      apiGatewayUrl: 'http://127.0.0.1:1/_aws/execute-api/',
      apiDestinations: {
        call: async (_destination, request) => {
          calls.push(request.body);
          return { status, body: '{"message":"refused"}' };
        },
      },
    },
  };
  return { calls, delivery: new PipeDelivery(pipe, { clock: new ManualClock(), services }) };
}

describe('PipeDelivery', () => {
  it('sends the enrichment answer to an API destination target as the request body', async () => {
    const { calls, delivery: d } = delivery({ id: 'one' }, 202);
    await d.deliver([{ event: { body: 'x' }, id: 'm-1' }]);
    expect(calls).toEqual(['{"id":"one"}']);
  });

  it('fails if the enrichment answers more events than an API destination target takes at once (one), without calling it', async () => {
    const { calls, delivery: d } = delivery([{ id: 'a' }, { id: 'b' }], 200);
    await expect(d.deliver([{ event: { body: 'x' }, id: 'm-1' }])).rejects.toThrow(
      'the batch has 2 events, more than the 1 its target takes at once',
    );
    expect(calls).toEqual([]);
  });

  it('fails if an API destination target answers other than 2xx', async () => {
    const { delivery: d } = delivery({ id: 'one' }, 404);
    await expect(d.deliver([{ event: { body: 'x' }, id: 'm-1' }])).rejects.toThrow(
      `the target ${DESTINATION} answered 404: {"message":"refused"}`,
    );
  });
});
