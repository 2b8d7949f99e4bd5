import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { ConverseModel } from '../../../../lambdas/kit/model/index.js';
import { tracer } from '../../../../lambdas/kit/observability.js';
import { instrumentClient } from '../../../../lambdas/kit/tracing/aws-calls.js';
import { BEDROCK_PROVIDER, GEN_AI } from '../../../../lambdas/kit/tracing/genai.js';
import { traceInvocation } from '../../../../lambdas/kit/tracing/invocation.js';
import { lambdaContext } from '../../../helpers/events.js';
import { type OtlpRequest, startOtlpSink, useOtlpSink, useTracingEnv } from '../../../helpers/otlp.js';
import { only, spansOfOtlpJson } from '../../../helpers/otlp-spans.js';

const CONVERSE_ANSWER = {
  output: { message: { role: 'assistant', content: [{ text: 'Billing.' }] } },
  stopReason: 'end_turn',
  usage: { inputTokens: 12, outputTokens: 3, totalTokens: 35, cacheReadInputTokens: 20, cacheWriteInputTokens: 0 },
  metrics: { latencyMs: 42 },
};

/** Bedrock Runtime and an OTLP receiver on one port: model calls by path, everything else is spans. */
function answer(request: OtlpRequest) {
  if (request.path.endsWith('/converse')) return { status: 200, body: JSON.stringify(CONVERSE_ANSWER) };
  return { status: 200, body: '{}' };
}

const server = useOtlpSink(answer);
const invokeServer = useOtlpSink(() => ({
  status: 200,
  body: JSON.stringify({ content: [{ type: 'text', text: 'ok' }], stop_reason: 'max_tokens' }),
}));
useTracingEnv(server, 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1', [
  'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
]);

/** A client of the stand-in (HTTP/1.1: the Bedrock client speaks HTTP/2 by default). */
function bedrock(url: string, maxAttempts = 3) {
  return new BedrockRuntimeClient({
    endpoint: url,
    region: 'us-east-1',
    maxAttempts,
    requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
}

async function traced(run: () => Promise<unknown>) {
  await traceInvocation({ name: 'model-caller', kind: 'server' }, lambdaContext(), console, async () => {
    await run();
  });
  const traces = server.requests.filter((request) => request.path === '/v1/traces');
  return spansOfOtlpJson(...traces.map((request) => JSON.parse(request.body.toString('utf8'))));
}

describe('model calls as GenAI spans', () => {
  it('names its attributes as the semantic conventions registry does (@opentelemetry/semantic-conventions)', () => {
    const registry = semconv as unknown as Record<string, string>;
    const byValue = new Set(
      Object.entries(registry)
        .filter(([name]) => name.startsWith('ATTR_GEN_AI_'))
        .map(([, value]) => value),
    );
    for (const name of Object.values(GEN_AI)) expect(byValue.has(name), name).toBe(true);
    expect(BEDROCK_PROVIDER).toBe(registry.GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK);
  });

  it('records a Converse call of the kit model with its model, tokens (cache reads counted in) and stop reason, and no prompt', async () => {
    const model = new ConverseModel({
      client: bedrock(server.url),
      modelId: 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      maxTokens: 200,
      temperature: 0.2,
    });
    const spans = await traced(() => model.generate({ system: 'Route tickets.', prompt: 'My card was charged twice.' }));
    const call = only(spans, 'chat eu.anthropic.claude-haiku-4-5-20251001-v1:0');
    expect(call.kind).toBe(3);
    expect(call.parentSpanId).toBe(only(spans, 'model-caller').spanId);
    expect(call.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': 'eu.anthropic.claude-haiku-4-5-20251001-v1:0',
      'gen_ai.request.max_tokens': 200,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.usage.input_tokens': 32,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 20,
      'gen_ai.usage.cache_creation.input_tokens': 0,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'rpc.service': 'Bedrock Runtime',
      'rpc.method': 'Converse',
    });
    expect(Object.keys(call.attributes).filter((name) => /messages|instructions/.test(name))).toEqual([]);
  });

  it('records prompts and answers only when OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT is true', async () => {
    process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
    const client = tracer.captureAWSv3Client(bedrock(server.url));
    const spans = await traced(() =>
      client.send(
        new ConverseCommand({
          modelId: 'm',
          system: [{ text: 'Route tickets.' }],
          messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
        }),
      ),
    );
    const call = only(spans, 'chat m');
    expect(JSON.parse(String(call.attributes['gen_ai.input.messages']))).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hello' }] },
    ]);
    expect(JSON.parse(String(call.attributes['gen_ai.system_instructions']))).toEqual([{ type: 'text', content: 'Route tickets.' }]);
    expect(JSON.parse(String(call.attributes['gen_ai.output.messages']))).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Billing.' }], finish_reason: 'end_turn' },
    ]);
  });

  it('reads an InvokeModel call’s tokens from the headers Bedrock sends and its stop reason from the native body', async () => {
    invokeServer.requests.length = 0;
    const headers = { 'x-amzn-bedrock-input-token-count': '17', 'x-amzn-bedrock-output-token-count': '5' };
    const stub = await startOtlpSink(() => ({ status: 200, body: JSON.stringify({ stop_reason: 'max_tokens' }) }));
    const client = tracer.captureAWSv3Client(bedrock(stub.url));
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        Object.assign((result.response as { headers: Record<string, string> }).headers, headers);
        return result;
      },
      { step: 'deserialize', priority: 'low', name: 'testTokenHeaders' },
    );
    const body = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 64, temperature: 0.5, messages: [] });
    const spans = await traced(() =>
      client.send(new InvokeModelCommand({ modelId: 'anthropic.claude-3-haiku', body, contentType: 'application/json' })),
    );
    await stub.close();
    expect(only(spans, 'chat anthropic.claude-3-haiku').attributes).toMatchObject({
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.usage.input_tokens': 17,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.finish_reasons': ['max_tokens'],
    });
  });

  it('makes a plain AWS call span of a client captured without a model describer (the kit’s own), a GenAI one once tracer captures it', async () => {
    const client = instrumentClient(bedrock(server.url));
    const send = () => client.send(new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] }));
    const plain = await traced(send);
    expect(only(plain, 'Bedrock Runtime.Converse').attributes['gen_ai.provider.name']).toBeUndefined();
    server.requests.length = 0;
    tracer.captureAWSv3Client(client);
    expect(only(await traced(send), 'chat m').attributes['gen_ai.provider.name']).toBe('aws.bedrock');
  });

  it('fails the span of a model call the service refused, with the request id and status', async () => {
    const refusing = await startOtlpSink(() => ({ status: 429, body: JSON.stringify({ message: 'Too many requests' }) }));
    const client = tracer.captureAWSv3Client(bedrock(refusing.url, 1));
    const spans = await traced(() =>
      client.send(new ConverseCommand({ modelId: 'm', messages: [{ role: 'user', content: [{ text: 'Hi' }] }] })).catch(() => undefined),
    );
    await refusing.close();
    const call = only(spans, 'chat m');
    expect(call.status.code).toBe(2);
    expect(call.attributes['http.response.status_code']).toBe(429);
  });
});
