import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type { SQSRecord } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TicketCreated, TicketRouted } from '../../../../domain/index.js';
import { createSqsConsumer, type RecordHandler } from '../../../../lambdas/kit/consumer.js';
import { EventPublisher, emission } from '../../../../lambdas/kit/emit.js';
import { tracer } from '../../../../lambdas/kit/observability.js';
import { useDynamoDb, useTablePerTest } from '../../../helpers/dynamodb-engine.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../../helpers/events.js';
import { FakeEventBridge } from '../../../helpers/fake-eventbridge.js';
import { FakeSqs } from '../../../helpers/fake-sqs.js';
import { flowControlStore } from '../../../helpers/flow-control.js';
import { useOtlpSink, useTracingEnv } from '../../../helpers/otlp.js';
import { only, spansOfOtlpJson } from '../../../helpers/otlp-spans.js';

const LAMBDA_TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const PRODUCER_TRACE = 'Root=1-6740a1b2-fedcba9876543210fedcba98;Parent=0123456789abcdef;Sampled=1';

const dynamo = useDynamoDb();
const table = useTablePerTest(dynamo, 'idempotency');
const sink = useOtlpSink();
useTracingEnv(sink, LAMBDA_TRACE, ['OTEL_TRACES_SAMPLER']);
afterEach(() => {
  vi.restoreAllMocks();
});

function consumerWith(handle: RecordHandler<[typeof TicketCreated]>, options: { publisher?: EventPublisher; logger?: Logger } = {}) {
  return createSqsConsumer({
    contracts: [TicketCreated] as const,
    // The store's client is captured too: the claim's own DynamoDB calls are spans under the claim.
    idempotency: {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: table.name, awsSdkV3Client: tracer.captureAWSv3Client(dynamo.client) }),
    },
    handle,
    failureQueues: new FakeSqs().queues(5),
    ...options,
  });
}

function sent(record: SQSRecord, traceHeader: string): SQSRecord {
  return { ...record, attributes: { ...record.attributes, AWSTraceHeader: traceHeader } };
}

const exported = () => spansOfOtlpJson(...sink.requests.map((request) => JSON.parse(request.body.toString('utf8'))));

describe('createSqsConsumer with OpenTelemetry tracing', () => {
  it('records the invocation under the trace Lambda started, each record linked to the trace that sent it', async () => {
    const bus = new FakeEventBridge();
    const publisher = new EventPublisher({ client: bus.client, eventBusName: 'hub' });
    const handler = consumerWith(
      async (detail, { emit }) => {
        await dynamo.client.send(new DescribeTableCommand({ TableName: table.name }));
        await emit([
          emission(TicketRouted, { ticketId: detail.ticketId, queue: 'billing', decidedBy: 'model', confidence: 0.9, model: 'm' }),
        ]);
        return { ok: true };
      },
      { publisher },
    );
    const result = await handler(sqsEvent(sent(sqsRecord(ticketCreated('T-1')), PRODUCER_TRACE)), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);

    const spans = exported();
    const invocation = only(spans, 'test-consumer');
    expect(invocation).toMatchObject({ traceId: '5759e988bd862e3fe1be46a994272793', parentSpanId: '53995c3f42cd8ad8', kind: 2 });
    expect(invocation.attributes).toMatchObject({
      'faas.trigger': 'pubsub',
      'faas.coldstart': expect.any(Boolean),
      'messaging.batch.message_count': 1,
    });
    expect(invocation.resource).toMatchObject({ 'cloud.provider': 'aws', 'cloud.platform': 'aws_lambda' });

    const record = only(spans, 'process TicketCreated');
    expect(record).toMatchObject({ parentSpanId: invocation.spanId, kind: 5 });
    expect(record.attributes).toMatchObject({
      'messaging.system': 'aws_sqs',
      'switchyard.idempotency.key': 'TicketCreated#ticketId="T-1"',
      'switchyard.record.outcome': 'processed',
    });
    expect(record.links).toEqual([
      { traceId: '6740a1b2fedcba9876543210fedcba98', spanId: '0123456789abcdef', attributes: { 'switchyard.link': 'AWSTraceHeader' } },
    ]);

    const claim = only(spans, 'idempotency claim');
    expect(claim).toMatchObject({ parentSpanId: record.spanId, attributes: { 'switchyard.idempotency.outcome': 'claimed' } });
    const handle = only(spans, 'handle TicketCreated');
    expect(handle.parentSpanId).toBe(claim.spanId);
    // The claim's own writes, and the handler's call, as client spans of the AWS SDK.
    expect(spans.filter((span) => span.name.startsWith('DynamoDB.') && span.parentSpanId === claim.spanId).length).toBeGreaterThan(0);
    const describe = only(spans, 'DynamoDB.DescribeTable');
    expect(describe).toMatchObject({ parentSpanId: handle.spanId, kind: 3 });
    expect(describe.attributes).toMatchObject({
      'rpc.system': 'aws-api',
      'rpc.service': 'DynamoDB',
      'rpc.method': 'DescribeTable',
      'aws.dynamodb.table_names': [table.name],
      'http.response.status_code': 200,
    });

    const publish = only(spans, 'publish hub');
    expect(publish).toMatchObject({ parentSpanId: handle.spanId, kind: 4 });
    // The event carries the producer span's context: what it starts links back to it.
    const metadata = JSON.parse(bus.published[0]?.Detail ?? '{}').metadata;
    expect(metadata.traceparent).toBe(`00-${publish.traceId}-${publish.spanId}-01`);
  });

  it('links a record to the span that emitted its event when its metadata names one (an outbox event has no trace header)', async () => {
    const handler = consumerWith(async () => ({}));
    const emitted = '00-11112222333344445555666677778888-aaaabbbbccccdddd-01';
    await handler(sqsEvent(sqsRecord(ticketCreated('T-2', { metadata: { correlationId: 'c-1', traceparent: emitted } }))), lambdaContext());
    expect(only(exported(), 'process TicketCreated').links).toEqual([
      {
        traceId: '11112222333344445555666677778888',
        spanId: 'aaaabbbbccccdddd',
        attributes: { 'switchyard.link': 'detail.metadata.traceparent' },
      },
    ]);
  });

  it('says when its claim found the fact already processed', async () => {
    const handler = consumerWith(async () => ({}));
    await handler(sqsEvent(sqsRecord(ticketCreated('T-3'))), lambdaContext());
    sink.requests.length = 0;
    await handler(sqsEvent(sqsRecord(ticketCreated('T-3'))), lambdaContext());
    const spans = exported();
    expect(only(spans, 'idempotency claim').attributes['switchyard.idempotency.outcome']).toBe('duplicate');
    expect(only(spans, 'process TicketCreated').attributes['switchyard.record.outcome']).toBe('duplicate');
    expect(spans.some((span) => span.name === 'handle TicketCreated')).toBe(false);
  });

  it('fails the span of a record whose handler throws, with the error as an exception event', async () => {
    const handler = consumerWith(async () => {
      throw new Error('the downstream said no');
    });
    const result = await handler(sqsEvent(sqsRecord(ticketCreated('T-4'))), lambdaContext());
    expect(result.batchItemFailures).toHaveLength(1);
    const record = only(exported(), 'process TicketCreated');
    expect(record.status).toEqual({ code: 2, message: 'Error: the downstream said no' });
    expect(record.events).toContainEqual({
      name: 'exception',
      attributes: { 'exception.type': 'Error', 'exception.message': 'the downstream said no' },
    });
    expect(record.attributes['switchyard.record.outcome']).toBe('failed');
  });

  it('says what flow control decided for each record: run, or held back with the reason and the wait', async () => {
    const store = await flowControlStore(dynamo);
    const handler = createSqsConsumer({
      contracts: [TicketCreated] as const,
      idempotency: false,
      handle: async () => undefined,
      failureQueues: new FakeSqs().queues(5),
      flowControl: {
        store,
        settings: { flow: 'triage', key: { path: '$.detail.customerId' }, rateLimit: { limit: 1, periodSeconds: 60 } },
      },
    });
    // The second record of the key comes back after the wait (reported to SQS to be received again).
    await handler(sqsEvent(sqsRecord(ticketCreated('T-10')), sqsRecord(ticketCreated('T-11'))), lambdaContext());
    const decisions = exported().filter((span) => span.name === 'flow control: triage');
    expect(decisions.map((span) => span.attributes['switchyard.flow_control.outcome']).sort()).toEqual(['held-back', 'run']);
    const held = decisions.find((span) => span.attributes['switchyard.flow_control.outcome'] === 'held-back');
    expect(held?.attributes).toMatchObject({ 'switchyard.flow_control.reason': 'rate', 'switchyard.flow_control.key': 'cust-1' });
    expect(held?.attributes['switchyard.flow_control.retry_after_ms']).toBeGreaterThan(0);
    // Held back is flow control's decision, not a failure of the record.
    expect(held?.status.code ?? 0).toBe(0);
    const records = exported().filter((span) => span.name === 'process TicketCreated');
    expect(records.map((span) => span.attributes['switchyard.record.outcome']).sort()).toEqual(['held-back', 'processed']);
    expect(records.every((span) => (span.status.code ?? 0) === 0)).toBe(true);
    // Without idempotency claims there is no claim span.
    expect(exported().some((span) => span.name === 'idempotency claim')).toBe(false);
  });

  it('records nothing when X-Ray did not sample the invocation, unless OTEL_TRACES_SAMPLER is always_on', async () => {
    process.env._X_AMZN_TRACE_ID = LAMBDA_TRACE.replace('Sampled=1', 'Sampled=0');
    const handler = consumerWith(async () => ({}));
    await handler(sqsEvent(sqsRecord(ticketCreated('T-5'))), lambdaContext());
    expect(sink.requests).toHaveLength(0);
    process.env.OTEL_TRACES_SAMPLER = 'always_on';
    await handler(sqsEvent(sqsRecord(ticketCreated('T-6'))), lambdaContext());
    expect(only(exported(), 'test-consumer').traceId).toBe('5759e988bd862e3fe1be46a994272793');
  });

  it('records and sends nothing when the function is not traced with OpenTelemetry', async () => {
    process.env.SWITCHYARD_TRACING = 'active';
    const handler = consumerWith(async () => ({}));
    await handler(sqsEvent(sqsRecord(ticketCreated('T-7'))), lambdaContext());
    expect(sink.requests).toHaveLength(0);
  });

  it('fails no invocation when the receiver refuses the spans or cannot be reached, and logs how many were lost', async () => {
    const logger = new Logger({ serviceName: 'test' });
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const handler = consumerWith(async () => ({}), { logger });
    process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:1/v1/traces';
    const result = await handler(sqsEvent(sqsRecord(ticketCreated('T-8'))), lambdaContext());
    expect(result.batchItemFailures).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^tracing: \d+ span\(s\) not exported: http:\/\/127\.0\.0\.1:1\/v1\/traces/),
      expect.anything(),
    );
  });
});
