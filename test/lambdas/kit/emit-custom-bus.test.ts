import * as Type from 'typebox';
import { beforeAll, describe, expect, it } from 'vitest';
import { defineContract } from '../../../contracts/index.js';
import { TicketRouted } from '../../../domain/index.js';
import { emission } from '../../../lambdas/kit/emit.js';
import { CustomBusPublisher, customBusPublisherFromEnv } from '../../../lambdas/kit/emit-custom-bus.js';
import { EventBridgeV2Client, type PutEventsV2Input, type PutEventsV2Output } from '../../../lambdas/kit/eventbridgev2-client.js';
import { assemblyOf } from '../../local/assembly.js';
import { restartableRuntime } from '../../local/restartable-runtime.js';

const routed = (ticketId: string) =>
  emission(TicketRouted, { ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'test' });
const cause = { correlationId: 'corr-1', envelope: { id: 'evt-cause' } };
const credentials = async () => ({ accessKeyId: 'test', secretAccessKey: 'test' });
/** A bus ARN of the shape the model's pattern takes, for the tests that never reach a bus. */
const SOME_BUS = 'arn:aws:events:us-east-1:000000000000:event-busv2/orders/abcdefghijklmnopqrstuvwxy';

/** A contract whose source the bus refuses per entry (`aws.` is reserved for AWS services). */
const Impostor = defineContract({
  detailType: 'Impostor',
  source: 'aws.impostor',
  description: 'Claims to come from AWS.',
  properties: { id: Type.String() },
  idempotencyFields: ['id'],
});

/** A client that records what it is asked to send and answers what `answer` says. */
function fakeClient(answer: (input: PutEventsV2Input) => PutEventsV2Output) {
  const calls: PutEventsV2Input[] = [];
  const client = {
    putEvents: async (input: PutEventsV2Input) => {
      calls.push(input);
      return answer(input);
    },
  } as unknown as EventBridgeV2Client;
  return { client, calls };
}

const published = (input: PutEventsV2Input): PutEventsV2Output => ({
  FailedEntryCount: 0,
  Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}`, SuccessCode: 'PUBLISHED' })),
});

describe('CustomBusPublisher', () => {
  it('sends each event with the classic envelope metadata, its event group and its idempotency key as DeduplicationId', async () => {
    const { client, calls } = fakeClient(published);
    await new CustomBusPublisher({ eventBusArn: SOME_BUS, client, eventGroupField: 'queue' }).emit(
      [routed('T-1'), { ...routed('T-2'), eventGroupId: 'vip' }],
      cause,
    );
    expect(calls).toHaveLength(1);
    const [first, second] = calls[0]?.Entries ?? [];
    expect(calls[0]?.EventBusArn).toBe(SOME_BUS);
    expect(first).toMatchObject({
      Source: TicketRouted.source,
      DetailType: 'TicketRouted',
      SystemMetadata: { EventGroupId: 'billing', DeduplicationId: 'TicketRouted#ticketId="T-1"' },
    });
    expect(JSON.parse(first?.Detail ?? '{}').metadata).toEqual({ correlationId: 'corr-1', causationId: 'evt-cause' });
    expect(second?.SystemMetadata).toEqual({ EventGroupId: 'vip', DeduplicationId: 'TicketRouted#ticketId="T-2"' });
  });

  it('sends 230 events in calls of 100, 100 and 30', async () => {
    const { client, calls } = fakeClient(published);
    await new CustomBusPublisher({ eventBusArn: SOME_BUS, client }).emit(Array.from({ length: 230 }, (_, i) => routed(`T-${i}`)));
    expect(calls.map((call) => call.Entries.length)).toEqual([100, 100, 30]);
  });

  it('sends a key longer than 128 characters as its digest, the same for the same key', async () => {
    const { client, calls } = fakeClient(published);
    const long = 'T'.repeat(120);
    await new CustomBusPublisher({ eventBusArn: SOME_BUS, client }).emit([routed(long), routed(long)]);
    const [a, b] = (calls[0]?.Entries ?? []).map((entry) => entry.SystemMetadata?.DeduplicationId);
    expect(a).toMatch(/^sha256:[\w-]{43}$/);
    expect(b).toBe(a);
  });

  it('fails if an event has no value for the eventGroupField, sending nothing', async () => {
    const { client, calls } = fakeClient(published);
    const publisher = new CustomBusPublisher({ eventBusArn: SOME_BUS, client, eventGroupField: 'orderId' });
    await expect(publisher.emit([routed('T-1')])).rejects.toMatchObject({
      name: 'InvalidEvent',
      message: expect.stringContaining("detail.orderId, the publisher's eventGroupField, has no string or number value"),
    });
    expect(calls).toEqual([]);
  });

  it('fails if an event breaks its contract, sending nothing', async () => {
    const { client, calls } = fakeClient(published);
    const broken = { ...routed('T-1'), detail: { ...routed('T-1').detail, confidence: 'high' } };
    await expect(new CustomBusPublisher({ eventBusArn: SOME_BUS, client }).emit([broken])).rejects.toMatchObject({ name: 'InvalidEvent' });
    expect(calls).toEqual([]);
  });

  it('sends again only the entries answered ThrottlingException, and succeeds when they are published', async () => {
    let call = 0;
    const { client, calls } = fakeClient((input) => {
      const throttled = call++ === 0;
      return {
        Entries: input.Entries.map((_, index) =>
          throttled && index === 1
            ? { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' }
            : { EventId: 'e', SuccessCode: 'PUBLISHED' },
        ),
      };
    });
    await new CustomBusPublisher({ eventBusArn: SOME_BUS, client }).emit([routed('T-1'), routed('T-2'), routed('T-3')]);
    expect(calls.map((c) => c.Entries.map((entry) => entry.SystemMetadata?.DeduplicationId))).toEqual([
      ['TicketRouted#ticketId="T-1"', 'TicketRouted#ticketId="T-2"', 'TicketRouted#ticketId="T-3"'],
      ['TicketRouted#ticketId="T-2"'],
    ]);
  });

  it('fails if an entry comes back without a result, never taking it for published', async () => {
    const { client } = fakeClient(() => ({ FailedEntryCount: 0, Entries: [] }));
    await expect(new CustomBusPublisher({ eventBusArn: SOME_BUS, client }).emit([routed('T-1')])).rejects.toMatchObject({
      name: 'EmitFailed',
      failures: ['entry 0 (TicketRouted, DeduplicationId TicketRouted#ticketId="T-1"): NoResult PutEvents answered no result for it'],
    });
  });

  it('fails if the bus ARN is not a Custom Event Bus ARN, naming what would be right', () => {
    expect(() => new CustomBusPublisher({ eventBusArn: 'arn:aws:events:us-east-1:000000000000:event-bus/hub' })).toThrow(
      /is not a Custom Event Bus ARN; expected arn:aws:events:<region>:<account>:event-busv2\/<name>\/<id>/,
    );
  });

  it('fails at module load if CUSTOM_EVENT_BUS_ARN is missing or malformed, naming the variable', () => {
    expect(() => customBusPublisherFromEnv({}, { AWS_REGION: 'us-east-1' })).toThrow(
      'environment variable CUSTOM_EVENT_BUS_ARN is required but not set',
    );
    expect(() => customBusPublisherFromEnv({}, { AWS_REGION: 'us-east-1', CUSTOM_EVENT_BUS_ARN: 'hub' })).toThrow(
      /^environment variable CUSTOM_EVENT_BUS_ARN: "hub" is not a Custom Event Bus ARN/,
    );
  });
});

/** The client and publisher against the local runtime's `eventbridgev2`, over Smithy RPC v2 CBOR and SigV4. */
describe('CustomBusPublisher on the local runtime', () => {
  const local = restartableRuntime({
    assembly: () => {
      const app = assemblyOf({
        Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'kit-bus' } },
        Refs: { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Name: 'bus', Value: { Ref: 'Bus' } } },
      });
      return app;
    },
  });
  let busArn: string;
  let client: EventBridgeV2Client;
  beforeAll(async () => {
    const { Parameter } = (await local.runtime.ssm.GetParameter({ Name: 'bus' })) as { Parameter: { Value: string } };
    busArn = Parameter.Value;
    client = new EventBridgeV2Client({ endpoint: local.runtime.url, region: 'us-east-1', credentials, env: {} });
  });

  it('publishes, and a retried emit of the same facts within 300 s is DEDUPLICATED with the first event ids', async () => {
    const answers: PutEventsV2Output[] = [];
    const recording = new (class extends EventBridgeV2Client {
      override async putEvents(input: PutEventsV2Input) {
        const output = await super.putEvents(input);
        answers.push(output);
        return output;
      }
    })({ endpoint: local.runtime.url, region: 'us-east-1', credentials, env: {} });
    const publisher = new CustomBusPublisher({ eventBusArn: busArn, client: recording });
    // The second emit is a retried handler's: the bus keeps the facts out, and the emit succeeds.
    await publisher.emit([routed('T-10'), routed('T-11')], cause);
    await publisher.emit([routed('T-10'), routed('T-11')], cause);
    const [first, second] = answers;
    expect(first?.Entries?.map((entry) => entry.SuccessCode)).toEqual(['PUBLISHED', 'PUBLISHED']);
    expect(second?.Entries?.map((entry) => entry.SuccessCode)).toEqual(['DEDUPLICATED', 'DEDUPLICATED']);
    expect(second?.Entries?.map((entry) => entry.EventId)).toEqual(first?.Entries?.map((entry) => entry.EventId));
  });

  it('fails if the bus refuses an entry, naming the entry and the code, while the other entries are published', async () => {
    const publisher = new CustomBusPublisher({ eventBusArn: busArn, client });
    const error = await publisher.emit([routed('T-20'), emission(Impostor, { id: 'i-1' })]).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({
      name: 'EmitFailed',
      failures: [
        expect.stringMatching(/^entry 1 \(Impostor, DeduplicationId Impostor#id="i-1"\): InvalidInputException Source aws\.impostor/),
      ],
    });
  });

  it('fails if the bus does not exist, with ResourceNotFoundException decoded from the CBOR error as the cause', async () => {
    const unknown = busArn.replace(/\/[a-z0-9]{25}$/, '/zzzzzzzzzzzzzzzzzzzzzzzzz');
    const error = await new CustomBusPublisher({ eventBusArn: unknown, client }).emit([routed('T-30')]).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ name: 'EmitFailed', cause: { name: 'ResourceNotFoundException', status: 404 } });
    expect((error as Error).message).toContain(`PutEvents to ${unknown} failed`);
  });
});
