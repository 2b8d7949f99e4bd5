import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { busEventOf, busesPassed } from '../../../local/eventbridgev2/delivery/bus-event.js';
import { type BatchItem, sendBatch, targetLimits } from '../../../local/eventbridgev2/delivery/targets.js';
import { EventBridgeV2Service } from '../../../local/eventbridgev2/eventbridgev2-service.js';
import { TargetDispatcher } from '../../../local/targets/dispatcher.js';
import { ManualClock } from '../../../local/time/clock.js';

const ACCOUNT = '000000000000';
const SUBSCRIBER = `arn:aws:events:us-east-1:${ACCOUNT}:subscriber/onward/aaaaaaaaaaaaaaaaaaaaaaaaa`;
const OTHER_SUBSCRIBER = `arn:aws:events:us-east-1:${ACCOUNT}:subscriber/also-onward/bbbbbbbbbbbbbbbbbbbbbbbbb`;

/** A service with two buses, and a dispatcher whose Custom Event Bus targets are its buses (as the runtime wires them). */
async function twoBuses() {
  const service = new EventBridgeV2Service(new DatabaseSync(':memory:'), {
    region: 'us-east-1',
    accountId: ACCOUNT,
    clock: new ManualClock(Date.UTC(2026, 9, 1)),
  });
  const dispatcher = new TargetDispatcher({ customBuses: { forward: (bus, events) => service.forward(bus, events) } });
  const from = String((await service.CreateEventBus({ Name: 'from' })).EventBusArn);
  const to = String((await service.CreateEventBus({ Name: 'to' })).EventBusArn);
  return { service, dispatcher, from, to };
}

/** The batch a subscriber of `from` sends for the events published there (RAW payloads). */
function batchOf(service: EventBridgeV2Service, bus: string): BatchItem[] {
  return service.events.retainedEvents(bus).map((stored) => {
    const event = busEventOf(stored, 'LIVE');
    return { eventId: String(stored.id), payload: event.Data, parameters: {}, origin: { event, passedBuses: busesPassed(stored) } };
  });
}

const options = (subscriberArn: string) => ({ singleEvent: false, ordered: false, invocation: async () => ({}), subscriberArn });

describe('Custom Event Bus target (bus to bus)', () => {
  it('puts each event of a batch sent again (a crash before its outcome was recorded) once, and each subscriber its own copy', async () => {
    const { service, dispatcher, from, to } = await twoBuses();
    await service.PutEvents({ EventBusArn: from, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{"id":1}' }] });
    await service.PutRawEvents({
      EventBusArn: from,
      Entries: [{ Data: Buffer.from('{"n":2}').toString('base64'), SystemMetadata: { ContentType: 'application/json' } }],
    });
    const batch = batchOf(service, from);
    expect(await sendBatch(dispatcher, to, batch, options(SUBSCRIBER))).toEqual([{ ok: true }, { ok: true }]);
    expect(await sendBatch(dispatcher, to, batch, options(SUBSCRIBER))).toEqual([{ ok: true }, { ok: true }]);
    expect(service.events.retained(to)).toBe(2);
    await sendBatch(dispatcher, to, batch, options(OTHER_SUBSCRIBER));
    expect(service.events.retained(to)).toBe(4);
    // Each new event remembers the bus it came through, and is what it was: a PutEvents event, a raw event.
    const [put, raw] = service.events.retainedEvents(to);
    expect(busesPassed(put ?? {})).toEqual([from, to]);
    expect(put).toMatchObject({ source: 'shop', 'detail-type': 'OrderPlaced', detail: { id: 1 }, 'event-bus-arn': to });
    expect(raw).toMatchObject({ data: { n: 2 }, contentType: 'application/json', 'event-bus-arn': to });
  });

  it("puts a Classic rule's delivery sent again after a crash once, and another rule's delivery of the same event as its own", async () => {
    const { service, dispatcher, to } = await twoBuses();
    const event = {
      version: '0' as const,
      id: 'e-1',
      'detail-type': 'OrderPlaced',
      source: 'shop',
      account: ACCOUNT,
      time: '2026-10-01T00:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { id: 1 },
    };
    const deliver = (forwardKey: string) => dispatcher.send(to, { body: '', events: { forward: event, forwardKey } });
    await deliver('rule:arn:aws:events:us-east-1:000000000000:rule/a/t1/e-1');
    await deliver('rule:arn:aws:events:us-east-1:000000000000:rule/a/t1/e-1');
    expect(service.events.retained(to)).toBe(1);
    await deliver('rule:arn:aws:events:us-east-1:000000000000:rule/b/t1/e-1');
    expect(service.events.retained(to)).toBe(2);
  });

  it("fails an event back to a bus it passed through LOOP_DETECTED, not to be retried, and an unknown bus's events with ResourceNotFoundException", async () => {
    const { service, dispatcher, from, to } = await twoBuses();
    await service.PutEvents({ EventBusArn: from, Entries: [{ Source: 'shop', DetailType: 'OrderPlaced', Detail: '{}' }] });
    await sendBatch(dispatcher, to, batchOf(service, from), options(SUBSCRIBER));
    const [back] = await sendBatch(dispatcher, from, batchOf(service, to), options(SUBSCRIBER));
    expect(back).toMatchObject({ ok: false, errorCode: 'LOOP_DETECTED', retry: false });
    expect(service.events.retained(from)).toBe(1);
    const gone = `arn:aws:events:us-east-1:${ACCOUNT}:event-busv2/gone/ccccccccccccccccccccccccc`;
    const [missing] = await sendBatch(dispatcher, gone, batchOf(service, from), options(SUBSCRIBER));
    expect(missing).toMatchObject({ ok: false, errorCode: 'ResourceNotFoundException' });
    expect(missing).not.toHaveProperty('retry');
  });

  it('takes up to 100 events a call (the AWS::EventsV2::EventBus MaxBatchSize)', () => {
    expect(targetLimits(`arn:aws:events:us-east-1:${ACCOUNT}:event-busv2/to/ddddddddddddddddddddddddd`, {}).maxBatch).toBe(100);
  });
});
