import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { encodeTraceRequest, KIT_SCOPE, lambdaResource } from '../../../../lambdas/kit/tracing/otlp-json.js';
import { canonicalOtlp, finishedSpanOf } from '../../../helpers/otlp.js';

const RESOURCE = { 'service.name': 'orders', 'faas.max_memory': 536870912, 'aws.log.group.names': ['/aws/lambda/orders'] };

/** Spans made by the OpenTelemetry SDK: every kind, every attribute type, a link, an event, an error status, a remote parent. */
function sdkSpans() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    resource: resourceFromAttributes(RESOURCE),
  });
  const tracer = provider.getTracer(KIT_SCOPE.name);
  const remote = trace.setSpanContext(context.active(), {
    traceId: '5759e988bd862e3fe1be46a994272793',
    spanId: '53995c3f42cd8ad8',
    traceFlags: 1,
    isRemote: true,
  });
  const server = tracer.startSpan(
    'orders',
    { kind: SpanKind.SERVER, attributes: { 'faas.coldstart': true, 'faas.invocation_id': 'r-1' } },
    remote,
  );
  const inServer = trace.setSpan(context.active(), server);
  const record = tracer.startSpan(
    'process TicketCreated',
    {
      kind: SpanKind.CONSUMER,
      attributes: { count: 3, ratio: 0.25, names: ['a', 'b'], flags: [true, false], sizes: [1, 2] },
      links: [
        {
          context: { traceId: '6740a1b2fedcba9876543210fedcba98', spanId: '0123456789abcdef', traceFlags: 1, isRemote: true },
          attributes: { 'switchyard.link': 'AWSTraceHeader' },
        },
      ],
    },
    inServer,
  );
  const inRecord = trace.setSpan(context.active(), record);
  for (const kind of [SpanKind.INTERNAL, SpanKind.CLIENT, SpanKind.PRODUCER]) tracer.startSpan(`kind ${kind}`, { kind }, inRecord).end();
  record.addEvent('exception', { 'exception.type': 'Boom', 'exception.message': 'it broke' });
  record.setStatus({ code: SpanStatusCode.ERROR, message: 'Boom: it broke' });
  record.end();
  server.end();
  return exporter.getFinishedSpans();
}

describe('encodeTraceRequest', () => {
  it('writes what the OpenTelemetry JS exporter writes for the same spans (its OTLP/JSON encoder as the oracle)', () => {
    const spans = sdkSpans();
    const ours = JSON.parse(encodeTraceRequest(RESOURCE, spans.map(finishedSpanOf)));
    const oracle = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans)));
    expect(canonicalOtlp(ours)).toEqual(canonicalOtlp(oracle));
  });

  it('writes ids as hex, times as decimal strings and integers apart from doubles, as OTLP/JSON requires', () => {
    const [span] = sdkSpans().map(finishedSpanOf);
    const request = JSON.parse(encodeTraceRequest({}, span ? [span] : []));
    const encoded = request.resourceSpans[0].scopeSpans[0].spans[0];
    expect(encoded.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof encoded.startTimeUnixNano).toBe('string');
    expect(encoded.startTimeUnixNano).toMatch(/^\d{19}$/);
  });

  it('leaves out an attribute whose value is undefined', () => {
    const [span] = sdkSpans().map(finishedSpanOf);
    if (span === undefined) throw new Error('no span');
    const request = JSON.parse(encodeTraceRequest({ a: 'x', b: undefined as unknown as string }, [span]));
    expect(request.resourceSpans[0].resource.attributes).toEqual([{ key: 'a', value: { stringValue: 'x' } }]);
  });
});

describe('lambdaResource', () => {
  it('names the function as the semantic conventions for FaaS resources do, from what Lambda sets', () => {
    const resource = lambdaResource({
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'Orders',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/Orders',
      POWERTOOLS_SERVICE_NAME: 'orders',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,team=a%20b,broken=%zz',
    });
    expect(resource).toMatchObject({
      'service.name': 'orders',
      'cloud.provider': 'aws',
      'cloud.platform': 'aws_lambda',
      'cloud.region': 'eu-west-1',
      'faas.name': 'Orders',
      'faas.version': '$LATEST',
      'faas.max_memory': 512 * 1024 * 1024,
      'aws.log.group.names': ['/aws/lambda/Orders'],
      'deployment.environment.name': 'prod',
      team: 'a b',
    });
    expect(resource).not.toHaveProperty('broken');
    expect(lambdaResource({ OTEL_SERVICE_NAME: 'own', POWERTOOLS_SERVICE_NAME: 'orders' })['service.name']).toBe('own');
  });
});
