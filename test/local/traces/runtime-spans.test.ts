import { randomBytes } from 'node:crypto';
import { BedrockRuntimeClient, ConverseCommand } from '@aws-sdk/client-bedrock-runtime';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { waitForSpan } from '../../../testing/traces.js';
import { runCli } from '../../cli/run-cli.js';
import { ticketCreatedEntry } from '../../helpers/hub.js';
import { type DecodedSpan, spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { eventually } from '../helpers.js';
import { type SwitchyardAppRuntime, useSwitchyardApp } from '../switchyard-app.js';

let app: SwitchyardAppRuntime;

useSwitchyardApp((running) => {
  app = running;
});

/** A client that sends a W3C traceparent with every request, as an OpenTelemetry-instrumented caller does. */
function traced<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, traceparent: string): T {
  (client.middlewareStack as unknown as { add: (middleware: unknown, options: unknown) => void }).add(
    (next: (args: { request: { headers: Record<string, string> } }) => unknown) =>
      (args: { request: { headers: Record<string, string> } }) => {
        args.request.headers.traceparent = traceparent;
        return next(args);
      },
    { step: 'build', name: 'traceparent' },
  );
  return client;
}

async function traceSpans(traceId: string): Promise<DecodedSpan[] | undefined> {
  const response = await fetch(`${app.runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${traceId}`);
  if (response.status !== 200) return undefined;
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return spansOfOtlpJson(await response.json());
}

/** The span's ancestors' names, nearest first, within the spans given. */
function ancestry(spans: readonly DecodedSpan[], span: DecodedSpan): string[] {
  const names: string[] = [];
  let at: DecodedSpan | undefined = span;
  while (at?.parentSpanId) {
    const parentId: string = at.parentSpanId;
    at = spans.find((candidate) => candidate.spanId === parentId);
    if (at) names.push(at.name);
  }
  return names;
}

describe('the runtime’s own spans of a journey of the reference app', () => {
  it('records an event put with a traceparent as one trace through bus, queue, function and execution, served as OTLP JSON', async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const events = traced(new EventBridgeClient(app.config), `00-${traceId}-${caller}-01`);
    await events.send(
      new PutEventsCommand({
        Entries: [ticketCreatedEntry({ ticketId: 'OTEL-1', customerId: 'C-1', subject: 'Charged twice', body: 'Please refund one.' })],
      }),
    );

    const spans = await eventually(
      async () => {
        const found = await traceSpans(traceId);
        const execution = found?.find((span) => span.attributes['aws.step_functions.state_machine.arn'] !== undefined);
        // The starter's invocation ends after the execution it started synchronously.
        const starter = found?.some((span) => span.attributes['faas.trigger'] === 'pubsub');
        return execution && starter && found?.some((span) => span.name.startsWith('Classify')) ? found : undefined;
      },
      30_000,
      'the journey’s spans in one trace',
    );

    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([traceId]));
    const put = spans.find((span) => span.name === 'PutEvents Switchyard-hub') as DecodedSpan;
    expect(put).toMatchObject({ kind: 2, parentSpanId: caller, resource: { 'service.name': 'EventBridge' } });
    const send = spans.find((span) => span.attributes['messaging.operation.type'] === 'send') as DecodedSpan;
    expect(send.attributes).toMatchObject({ 'messaging.system': 'aws_sqs' });
    expect(ancestry(spans, send)).toEqual([expect.stringMatching(/^match /), 'PutEvents Switchyard-hub']);
    const receive = spans.find((span) => span.attributes['messaging.operation.type'] === 'receive') as DecodedSpan;
    expect(receive).toMatchObject({ kind: 5, parentSpanId: send.spanId, attributes: { 'messaging.system': 'aws_sqs' } });
    expect(receive.links.map((link) => link.spanId)).toContain(send.spanId);
    const starter = spans.find((span) => span.parentSpanId === receive.spanId) as DecodedSpan;
    expect(starter.attributes).toMatchObject({ 'faas.trigger': 'pubsub', 'faas.invocation_id': expect.any(String) });
    expect(starter.resource).toMatchObject({ 'cloud.platform': 'aws_lambda' });
    const execution = spans.find((span) => span.attributes['aws.step_functions.state_machine.arn'] !== undefined) as DecodedSpan;
    expect(execution.attributes['switchyard.execution.status']).toBe('SUCCEEDED');
    // The starter's StartSyncExecution carried its invocation's header: the execution is its child.
    expect(ancestry(spans, execution)).toContain(starter.name);
    const state = spans.find((span) => span.name.startsWith('Classify')) as DecodedSpan;
    expect(state.parentSpanId).toBe(execution.spanId);
    // The task's invocation runs under its state, in the execution: Step Functions calls the Lambda task as the state.
    const task = spans.find((span) => span !== starter && span.attributes['faas.invocation_id'] !== undefined) as DecodedSpan;
    expect(ancestry(spans, task).slice(0, 2)).toEqual([state.name, execution.name]);

    // A model call made in the same trace (the caller's traceparent) joins it as a GenAI span with its tokens.
    const bedrock = traced(new BedrockRuntimeClient(app.config), `00-${traceId}-${caller}-01`);
    const answer = await bedrock.send(
      new ConverseCommand({ modelId: 'amazon.nova-micro-v1:0', messages: [{ role: 'user', content: [{ text: 'Summarise OTEL-1' }] }] }),
    );
    const call = await waitForSpan({ endpoint: app.runtime.url }, traceId, { attributes: { 'gen_ai.operation.name': 'chat' } });
    expect(call.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': answer.usage?.inputTokens,
      'gen_ai.usage.output_tokens': answer.usage?.outputTokens,
    });

    // The CLI prints the same trace as a tree of spans: the execution nested under the bus's span.
    const printed = await runCli(['trace', traceId, '--spans', '--endpoint', app.runtime.url, '--cdk-out', app.cdkOut]);
    expect(printed.code).toBe(0);
    const lines = printed.stdout.split('\n');
    const depth = (name: string) => {
      const line = lines.find((l) => l.includes(`  ${name}  [`)) ?? '';
      return line.search(/[├└]/);
    };
    expect(lines[0]).toMatch(new RegExp(`^trace ${traceId}  \\d{4}-\\d{2}-\\d{2}T`));
    expect(depth('PutEvents Switchyard-hub')).toBeGreaterThanOrEqual(0);
    expect(depth(execution.name)).toBeGreaterThan(depth(starter.name));
    expect(depth(starter.name)).toBeGreaterThan(depth('PutEvents Switchyard-hub'));
  }, 60_000);

  it('records a Bedrock call made with a traceparent as a GenAI span with its token usage in that trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const caller = randomBytes(8).toString('hex');
    const bedrock = traced(new BedrockRuntimeClient(app.config), `00-${traceId}-${caller}-01`);
    const answer = await bedrock.send(
      new ConverseCommand({
        modelId: 'amazon.nova-micro-v1:0',
        messages: [{ role: 'user', content: [{ text: 'Classify: charged twice' }] }],
      }),
    );
    const spans = await eventually(async () => traceSpans(traceId), 10_000, 'the model call’s trace');
    const call = spans.find((span) => span.attributes['gen_ai.operation.name'] === 'chat') as DecodedSpan;
    expect(call).toMatchObject({
      traceId,
      parentSpanId: caller,
      name: 'chat amazon.nova-micro-v1:0',
      attributes: {
        'gen_ai.provider.name': 'aws.bedrock',
        'gen_ai.request.model': 'amazon.nova-micro-v1:0',
        'gen_ai.usage.input_tokens': answer.usage?.inputTokens,
        'gen_ai.usage.output_tokens': answer.usage?.outputTokens,
        'gen_ai.response.finish_reasons': [answer.stopReason],
      },
    });
    expect(answer.usage?.outputTokens).toBeGreaterThan(0);
    // Priced as switchyard cost --local prices it, from the dated table (Nova Micro: $0.035 in, $0.14 out per million tokens).
    const input = answer.usage?.inputTokens ?? 0;
    const output = answer.usage?.outputTokens ?? 0;
    expect(call.attributes['switchyard.cost.usd']).toBeCloseTo((input * 0.035 + output * 0.14) / 1_000_000, 12);

    // The testing API waits for it by name and attributes.
    const waited = await waitForSpan({ endpoint: app.runtime.url }, traceId, {
      name: /^chat /,
      attributes: { 'gen_ai.request.model': 'amazon.nova-micro-v1:0', 'gen_ai.usage.output_tokens': answer.usage?.outputTokens },
    });
    expect(waited.parentSpanId).toBe(caller);
    const printed = await runCli(['trace', traceId, '--spans', '--endpoint', app.runtime.url]);
    expect(printed.stdout).toContain(`tokens ${input} in / ${output} out  $0.0000`);
  }, 30_000);

  it('fails waitForSpan with the spans there are when none matches', async () => {
    const events = new EventBridgeClient(app.config);
    const put = await events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'Switchyard-hub', Source: 'test.otel', DetailType: 'Other', Detail: '{}' }] }),
    );
    const eventId = put.Entries?.[0]?.EventId ?? '';
    await expect(waitForSpan({ endpoint: app.runtime.url }, eventId, { name: 'no such span' }, { timeoutMs: 500 })).rejects.toThrow(
      /no such span.*seen instead: PutEvents Switchyard-hub/,
    );
  }, 30_000);

  it('starts a new trace for a malformed traceparent, and answers the call', async () => {
    const events = traced(new EventBridgeClient(app.config), '00-not-a-trace-01');
    const put = await events.send(
      new PutEventsCommand({ Entries: [{ EventBusName: 'Switchyard-hub', Source: 'test.otel', DetailType: 'Nothing', Detail: '{}' }] }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const eventId = put.Entries?.[0]?.EventId ?? '';
    const spans = await eventually(async () => traceSpans(eventId), 10_000, 'the event’s trace');
    const accepted = spans.find((span) => span.attributes['switchyard.event.id'] === eventId) as DecodedSpan;
    expect(accepted.parentSpanId).toBeUndefined();
  }, 30_000);
});
