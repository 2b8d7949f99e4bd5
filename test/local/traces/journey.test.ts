import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { type DecodedSpan, only, spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { consumerFixture } from '../consumer-fixture.js';
import { credentials, dynamoDbClient, eventually, region, ticketEntry } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';

// IAM enforced: the function's role must be granted what the kit's export needs (xray:PutSpans), as on AWS.
const app = restartableRuntime({
  assembly: () => consumerFixture({ tracing: 'opentelemetry' }),
  options: { iam: 'enforce' },
  timeoutMs: 120_000,
});

/** A producer span of the test's own OpenTelemetry SDK, exported to the runtime; its X-Ray header is what the event is put with. */
async function producer(): Promise<{ traceId: string; spanId: string }> {
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${app.runtime.url}/v1/traces` }))],
    resource: resourceFromAttributes({ 'service.name': 'helpdesk' }),
  });
  const span = provider.getTracer('helpdesk').startSpan('publish TicketCreated', { kind: SpanKind.PRODUCER });
  span.end();
  await provider.forceFlush();
  await provider.shutdown();
  return span.spanContext();
}

describe('one journey as traces on the local runtime', () => {
  it('serves the producer’s trace and the kit consumer’s spans of an event, linked, as OTLP JSON at /traces/<event id>', async () => {
    const sent = await producer();
    const events = new EventBridgeClient({ endpoint: app.runtime.url, region, credentials });
    const header = `Root=1-${sent.traceId.slice(0, 8)}-${sent.traceId.slice(8)};Parent=${sent.spanId};Sampled=1`;
    const put = await events.send(new PutEventsCommand({ Entries: [{ ...ticketEntry('T-TRACE'), TraceHeader: header }] }));
    const eventId = put.Entries?.[0]?.EventId ?? '';
    const dynamodb = dynamoDbClient(app.runtime.url);
    await eventually(
      async () => (await dynamodb.send(new GetItemCommand({ TableName: 'fixture-effects', Key: { ticketId: { S: 'T-TRACE' } } }))).Item,
    );

    const spans = await eventually(
      async () => {
        const response = await fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${eventId}`);
        if (response.status !== 200) return undefined;
        const found = spansOfOtlpJson(await response.json());
        // The runtime's span of the invocation is written when the invocation ends, after the kit's export: wait for both.
        const record = found.find((span) => span.name === 'process TicketCreated');
        const kitInvocation = found.find((span) => span.spanId === record?.parentSpanId);
        const ended = found.some((span) => span.spanId === kitInvocation?.parentSpanId);
        return ended && found.some((span) => span.name === 'publish TicketCreated') ? found : undefined;
      },
      20_000,
      'the journey’s spans',
    );

    const record = only(spans, 'process TicketCreated');
    // The consumer's record links to the trace the event was put in (the message's AWSTraceHeader), as X-Ray links them.
    expect(record.links.map((link) => link.traceId)).toContain(sent.traceId);
    expect(record.attributes).toMatchObject({
      'switchyard.event.id': eventId,
      'messaging.system': 'aws_sqs',
      'switchyard.record.outcome': 'processed',
    });
    const invocation = spans.find((span) => span.spanId === record.parentSpanId) as DecodedSpan;
    expect(invocation).toMatchObject({ kind: 2, attributes: { 'faas.trigger': 'pubsub' } });
    expect(invocation.resource).toMatchObject({ 'cloud.platform': 'aws_lambda', 'faas.name': expect.stringMatching(/Recorder/) });
    // The kit's invocation span is under the runtime's span of the same invocation: _X_AMZN_TRACE_ID names it as parent, as Lambda's segment.
    const lambda = spans.find((span) => span.spanId === invocation.parentSpanId) as DecodedSpan;
    expect(lambda).toMatchObject({
      resource: { 'faas.name': expect.stringMatching(/Recorder/) },
      attributes: { 'faas.invocation_id': invocation.attributes['faas.invocation_id'], 'messaging.system': 'aws_sqs' },
    });
    expect(spans.find((span) => span.spanId === lambda.parentSpanId)?.name).toMatch(/^receive /);
    const claim = only(spans, 'idempotency claim');
    expect(claim.attributes['switchyard.idempotency.outcome']).toBe('claimed');
    const update = only(spans, 'DynamoDB.UpdateItem');
    expect(update.attributes).toMatchObject({ 'aws.dynamodb.table_names': ['fixture-effects'], 'http.response.status_code': 200 });
    expect(only(spans, 'publish TicketCreated').resource['service.name']).toBe('helpdesk');
  }, 60_000);
});
