import { describe, expect, it } from 'vitest';
import { AwsError } from '../../../local/endpoint/aws-error.js';
import type { BusEvent } from '../../../local/eventbridgev2/delivery/bus-event.js';
import { TransformError } from '../../../local/eventbridgev2/delivery/expressions.js';
import { compileSelection, payloadText } from '../../../local/eventbridgev2/delivery/selection.js';
import { rejectionOf } from '../helpers.js';

const FILTERING = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-filtering.html';
const ADDRESSING = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-addressing.html';
const TRANSFORM = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-transform.html';

/** An event published with PutRawEvents: Data is the payload as sent. */
function raw(data: unknown, metadata: Record<string, string> = {}, contentType = 'application/json'): BusEvent {
  return {
    Data: data,
    Metadata: metadata,
    SystemMetadata: { ContentType: contentType, 'aws:EventId': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', 'aws:DeliveryType': 'LIVE' },
  };
}

/** An event published with PutEvents: Data is the envelope, the entry's Detail under `detail`. */
function put(source: string, detailType: string, detail: unknown): BusEvent {
  return {
    Data: {
      version: '0',
      id: 'e-1',
      'detail-type': detailType,
      source,
      account: '111122223333',
      time: '2026-09-23T18:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail,
    },
    SystemMetadata: {
      ContentType: 'application/eventbridge+json',
      'aws:EventId': 'e-1',
      'aws:DeliveryType': 'LIVE',
      'aws:Source': source,
      'aws:DetailType': detailType,
    },
  };
}

const filters = (...list: [string, object][]) => ({
  FilterConfiguration: { Filters: list.map(([Scope, pattern]) => ({ Scope, Pattern: JSON.stringify(pattern) })) },
});

function refusal(configuration: Record<string, unknown>): AwsError {
  try {
    compileSelection(configuration);
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('compileSelection accepted the configuration');
}

const transformFailure = (promise: Promise<unknown>) => rejectionOf(promise, TransformError);

describe('compileSelection filters', () => {
  it(`matches a PutRawEvents event only when its DATA, METADATA and SYSTEM_METADATA filters all match (${FILTERING}#eb-custom-bus-filtering-raw-example)`, () => {
    const selection = compileSelection(
      filters(
        ['DATA', { amount: [{ numeric: ['>', 500] }] }],
        ['METADATA', { region: ['EU'] }],
        ['SYSTEM_METADATA', { ContentType: ['application/json'] }],
      ),
    );
    expect(selection.matches(raw({ amount: 600 }, { region: 'EU' }))).toBe(true);
    expect(selection.matches(raw({ amount: 400 }, { region: 'EU' }))).toBe(false);
    expect(selection.matches(raw({ amount: 600 }, { region: 'US' }))).toBe(false);
    expect(selection.matches(raw({ amount: 600 }, { region: 'EU' }, 'application/cloudevents+json'))).toBe(false);
  });

  it(`matches a PutEvents event on its envelope's detail and its verified aws:Source (${FILTERING}#eb-custom-bus-filtering-putevents-example)`, () => {
    const selection = compileSelection(
      filters(['DATA', { detail: { amount: [{ numeric: ['>', 500] }] } }], ['SYSTEM_METADATA', { 'aws:Source': ['com.myapp.storage'] }]),
    );
    expect(selection.matches(put('com.myapp.storage', 'Stored', { amount: 501 }))).toBe(true);
    expect(selection.matches(put('com.myapp.other', 'Stored', { amount: 501 }))).toBe(false);
    expect(selection.matches(put('com.myapp.storage', 'Stored', { amount: 500 }))).toBe(false);
  });

  it(`matches an event source's events on aws:Source and the envelope (${FILTERING}#eb-custom-bus-filtering-event-source-example)`, () => {
    const selection = compileSelection(
      filters(
        ['SYSTEM_METADATA', { 'aws:Source': ['aws.s3'] }],
        ['DATA', { 'detail-type': ['Object Created'], detail: { bucket: { name: ['amzn-s3-demo-bucket'] } } }],
      ),
    );
    expect(selection.matches(put('aws.s3', 'Object Created', { bucket: { name: 'amzn-s3-demo-bucket' } }))).toBe(true);
    expect(selection.matches(put('aws.s3', 'Object Created', { bucket: { name: 'other-bucket' } }))).toBe(false);
  });

  it(`matches the same DATA pattern on one publish API and not the other, as the docs warn (${ADDRESSING})`, () => {
    const rawPattern = compileSelection(filters(['DATA', { total: [{ numeric: ['>', 500] }] }]));
    const putPattern = compileSelection(filters(['DATA', { detail: { total: [{ numeric: ['>', 500] }] } }]));
    const rawEvent = raw({ total: 501 });
    const putEvent = put('com.example.orders', 'OrderPlaced', { total: 501 });
    expect([rawPattern.matches(rawEvent), rawPattern.matches(putEvent)]).toEqual([true, false]);
    expect([putPattern.matches(rawEvent), putPattern.matches(putEvent)]).toEqual([false, true]);
  });

  it('never matches a METADATA filter to a PutEvents event, which has no publisher metadata', () => {
    const selection = compileSelection(filters(['METADATA', { tenant: ['acme'] }]));
    expect(selection.matches(raw({}, { tenant: 'acme' }))).toBe(true);
    expect(selection.matches(put('a.b', 'T', { tenant: 'acme' }))).toBe(false);
  });

  it('never matches a DATA filter to application/octet-stream data, while METADATA and SYSTEM_METADATA filters still work on it', () => {
    const binary = raw('eyJhIjoxfQ==', { kind: 'blob' }, 'application/octet-stream');
    expect(compileSelection(filters(['DATA', { a: [{ exists: false }] }])).matches(binary)).toBe(false);
    expect(compileSelection(filters(['METADATA', { kind: ['blob'] }])).matches(binary)).toBe(true);
    expect(compileSelection(filters(['SYSTEM_METADATA', { ContentType: ['application/octet-stream'] }])).matches(binary)).toBe(true);
  });

  it('matches every event without a FilterConfiguration, or with an empty one that cleared it', () => {
    expect(compileSelection({}).matches(raw('text'))).toBe(true);
    expect(compileSelection({ FilterConfiguration: {} }).matches(put('a.b', 'T', {}))).toBe(true);
  });

  it('compares SYSTEM_METADATA values as the strings they are: a numeric matcher matches none', () => {
    const event: BusEvent = { ...raw({}), SystemMetadata: { ...raw({}).SystemMetadata, 'aws:SequenceNumber': '10' } };
    expect(compileSelection(filters(['SYSTEM_METADATA', { 'aws:SequenceNumber': [{ numeric: ['>', 1] }] }])).matches(event)).toBe(false);
    expect(compileSelection(filters(['SYSTEM_METADATA', { 'aws:SequenceNumber': [{ prefix: '1' }] }])).matches(event)).toBe(true);
  });

  it('fails if two filters share a scope, naming it', () => {
    const error = refusal(filters(['DATA', { a: ['1'] }], ['DATA', { b: ['2'] }]));
    expect(error.code).toBe('InvalidInputException');
    expect(error.message).toContain('FilterConfiguration.Filters[1].Scope: Duplicate filter scope: DATA');
  });

  it('fails if a pattern holds a wildcard matcher, alone or under anything-but, with the message AWS documents', () => {
    for (const pattern of [
      { a: [{ wildcard: 'x*' }] },
      { a: [{ 'anything-but': { wildcard: 'x*' } }] },
      { $or: [{ a: ['1'] }, { b: [{ wildcard: '*' }] }] },
    ]) {
      expect(refusal(filters(['DATA', pattern])).message).toBe(
        'FilterConfiguration.Filters[0].Pattern: Filter pattern must not contain wildcard matchers (wildcard, anything-but wildcard)',
      );
    }
    // A field named "wildcard" is a field, not a matcher.
    expect(compileSelection(filters(['DATA', { wildcard: ['x'] }])).matches(raw({ wildcard: 'x' }))).toBe(true);
  });

  it('fails if a METADATA pattern uses an operator or $or, where it takes exact values only', () => {
    for (const pattern of [
      { region: [{ prefix: 'E' }] },
      { region: [{ exists: true }] },
      { $or: [{ a: ['1'] }, { b: ['2'] }] },
      { region: { nested: ['x'] } },
    ]) {
      expect(refusal(filters(['METADATA', pattern])).message).toMatch(
        /^FilterConfiguration\.Filters\[0\]\.Pattern: a METADATA filter matches exact values only/,
      );
    }
  });

  it('fails if the filters together exceed 4,096 bytes', () => {
    const big = { a: ['x'.repeat(2100)] };
    expect(refusal(filters(['DATA', big], ['SYSTEM_METADATA', big])).message).toContain('share one limit of 4096 bytes');
  });

  it('fails if a pattern is not a valid event pattern, naming the filter', () => {
    const error = refusal({ FilterConfiguration: { Filters: [{ Scope: 'DATA', Pattern: '{"a": "not a list"}' }] } });
    expect(error.message).toMatch(/^FilterConfiguration\.Filters\[0\]\.Pattern: Event pattern is not valid/);
  });
});

describe('compileSelection payload', () => {
  const order = raw({ orderId: '12345', priority: 'high', items: [1, 2] }, { tenant: 'acme' });

  it('delivers Data as published by default (RAW): the envelope for a PutEvents event', async () => {
    const event = put('com.example.orders', 'OrderPlaced', { orderId: '1001' });
    expect(await compileSelection({}).payload(event)).toEqual(event.Data);
    expect(await compileSelection({ Transformer: { Type: 'RAW' } }).payload(order)).toEqual(order.Data);
  });

  it('delivers Data, Metadata and SystemMetadata with WITH_METADATA', async () => {
    const event = put('com.example.orders', 'OrderPlaced', {});
    expect(await compileSelection({ Transformer: { Type: 'WITH_METADATA' } }).payload(event)).toEqual({
      Data: event.Data,
      Metadata: {},
      SystemMetadata: event.SystemMetadata,
    });
  });

  it(`delivers a JSONATA expression's result over $events (${TRANSFORM}#eb-custom-bus-transform-jsonata)`, async () => {
    const selection = compileSelection({
      Transformer: {
        Type: 'JSONATA',
        JsonataConfiguration: { Expression: '{% {"orderId": $events.Data.orderId, "priority": $events.Data.priority} %}' },
      },
    });
    expect(await selection.payload(order)).toEqual({ orderId: '12345', priority: 'high' });
  });

  it(`reads quoted SystemMetadata names and Base64 binary data (${TRANSFORM}#eb-custom-bus-transform-binary)`, async () => {
    const selection = compileSelection({
      Transformer: {
        Type: 'JSONATA',
        JsonataConfiguration: {
          Expression:
            '{% { "contentType": $events.SystemMetadata.ContentType, "base64Data": $events.Data, "id": $events.SystemMetadata."aws:EventId", "text": $base64decode($events.Data) } %}',
        },
      },
    });
    expect(await selection.payload(raw('aGVsbG8=', {}, 'application/octet-stream'))).toEqual({
      contentType: 'application/octet-stream',
      base64Data: 'aGVsbG8=',
      id: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      text: 'hello',
    });
  });

  it('delivers a string result without JSON quotation marks and other results as their JSON', async () => {
    const text = compileSelection({ Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data.orderId %}' } } });
    expect(payloadText(await text.payload(order))).toBe('12345');
    const list = compileSelection({ Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data.items %}' } } });
    expect(payloadText(await list.payload(order))).toBe('[1,2]');
  });

  it(`fails the event's delivery if the expression yields nothing, as one written for the other publish API does (${ADDRESSING})`, async () => {
    const selection = compileSelection({
      Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data.orderId %}' } },
    });
    const error = await transformFailure(selection.payload(put('com.example.orders', 'OrderPlaced', { orderId: '1' })));
    expect(error.member).toBe('Transformer.JsonataConfiguration.Expression');
    expect(error.errorCode).toBe('INPUT_TRANSFORMATION_FAILURE');
  });

  it('fails the delivery if the expression yields null or throws', async () => {
    const nulls = compileSelection({ Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% null %}' } } });
    expect((await transformFailure(nulls.payload(order))).message).toContain('produced null');
    const throws = compileSelection({
      Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $number($events.Data.priority) %}' } },
    });
    expect((await transformFailure(throws.payload(order))).cause).toBeInstanceOf(Error);
  });

  it('fails the delivery if the expression calls $eval, which the bus does not offer', async () => {
    const selection = compileSelection({ Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $eval("1 + 1") %}' } } });
    expect((await transformFailure(selection.payload(order))).message).toContain('$eval function is not available');
  });

  it('fails if a JSONATA expression does not compile, naming the member', () => {
    const error = refusal({ Transformer: { Type: 'JSONATA', JsonataConfiguration: { Expression: '{% $events.Data. %}' } } });
    expect(error.code).toBe('InvalidInputException');
    expect(error.message).toMatch(/^Transformer\.JsonataConfiguration\.Expression is not a valid JSONata expression/);
  });

  it('fails if a subscriber whose target is a Custom Event Bus - Classic sets a Transformer other than RAW', () => {
    const InvokeConfiguration = { TargetArn: 'arn:aws:events:us-east-1:111122223333:event-bus/default' };
    expect(refusal({ InvokeConfiguration, Transformer: { Type: 'WITH_METADATA' } }).message).toContain('supports only RAW');
    expect(() => compileSelection({ InvokeConfiguration, Transformer: { Type: 'RAW' } })).not.toThrow();
  });
});
