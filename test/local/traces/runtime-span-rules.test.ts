import { describe, expect, it } from 'vitest';
import { executionSegment, traceHeaderFromTraceparent } from '../../../local/endpoint/trace-header.js';
import { RuntimeSpans } from '../../../local/traces/runtime-spans.js';
import { type SpanSink, SpanWriter } from '../../../local/traces/span-writer.js';
import { type DecodedSpan, spansOfOtlpJson } from '../../helpers/otlp-spans.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const HEADER = `Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=00f067aa0ba902b7;Sampled=1`;

/** Runtime spans written to a list instead of the store. */
function recorder(): { spans: RuntimeSpans; written: () => DecodedSpan[]; writer: SpanWriter } {
  const exports: unknown[] = [];
  const sink: SpanSink = (batch) => exports.push(batch.data());
  const writer = new SpanWriter(sink, 'eu-west-1', () => {});
  return {
    spans: new RuntimeSpans(writer),
    writer,
    written: () => {
      writer.flush();
      return spansOfOtlpJson(...exports);
    },
  };
}

describe('traceHeaderFromTraceparent', () => {
  it('reads a W3C traceparent as the X-Ray header of the same trace, parent and sampling decision', () => {
    expect(traceHeaderFromTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`)).toBe(HEADER);
    expect(traceHeaderFromTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`)).toBe(HEADER.replace('Sampled=1', 'Sampled=0'));
  });

  it('takes a later version with more fields, as the specification asks', () => {
    expect(traceHeaderFromTraceparent(`01-${TRACE}-00f067aa0ba902b7-01-whatever`)).toBe(HEADER);
  });

  it('ignores what the specification says to ignore: version ff, ids of zeros, upper case, other lengths, garbage', () => {
    for (const bad of [
      `ff-${TRACE}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE}-${'0'.repeat(16)}-01`,
      `00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`,
      `00-${TRACE}-00f067aa0ba902b7-01-extra`,
      '00-not-a-trace-01',
      '',
      undefined,
    ]) {
      expect(traceHeaderFromTraceparent(bad)).toBeUndefined();
    }
  });
});

describe('RuntimeSpans', () => {
  const execution = {
    arn: 'arn:aws:states:eu-west-1:000000000000:execution:Flow:run-1',
    stateMachineArn: 'arn:aws:states:eu-west-1:000000000000:stateMachine:Flow',
    stateMachineName: 'Flow',
    name: 'run-1',
    startDate: 1_000,
  };
  const own = `Root=1-4bf92f35-77b34da6a3ce929d0e0e4736;Parent=${executionSegment(execution.arn)};Sampled=1`;

  it('records nothing under a caller’s Sampled=0, as AWS records nothing of an unsampled request', () => {
    const { spans, written } = recorder();
    spans.message({
      kind: 'sent',
      queueArn: 'arn:aws:sqs:eu-west-1:000000000000:q',
      messageId: 'm-1',
      traceHeader: HEADER.replace('Sampled=1', 'Sampled=0'),
      time: 5,
    });
    spans.message({ kind: 'sent', queueArn: 'arn:aws:sqs:eu-west-1:000000000000:q', messageId: 'm-2', traceHeader: HEADER, time: 5 });
    expect(written().map((span) => span.attributes['messaging.message.id'])).toEqual(['m-2']);
  });

  it('makes a span of each state between its StateEntered and StateExited, under the execution, and of the execution at its end', () => {
    const { spans, written } = recorder();
    const step = (id: number, timestamp: number, type: string, details: Record<string, unknown> = {}) =>
      spans.executionStep({ execution, traceHeader: own, startedWith: HEADER, event: { id, timestamp, type, ...details } });
    step(1, 1_000, 'ExecutionStarted');
    step(2, 1_010, 'TaskStateEntered', { stateEnteredEventDetails: { name: 'Classify' } });
    step(5, 1_200, 'TaskStateExited', { stateExitedEventDetails: { name: 'Classify' } });
    step(6, 1_210, 'PassStateEntered', { stateEnteredEventDetails: { name: 'Route' } });
    step(7, 1_300, 'ExecutionFailed', { executionFailedEventDetails: { error: 'Boom', cause: 'it broke' } });
    const found = written();
    const run = found.find((span) => span.name === 'Flow run-1') as DecodedSpan;
    expect(run).toMatchObject({ traceId: TRACE, parentSpanId: '00f067aa0ba902b7', status: { code: 2, message: 'Boom: it broke' } });
    expect(found.find((span) => span.name === 'Classify')).toMatchObject({ parentSpanId: run.spanId, status: { code: 0 } });
    // A state the execution failed in has no StateExited: it ends with the execution, failed.
    expect(found.find((span) => span.name === 'Route')).toMatchObject({ parentSpanId: run.spanId, status: { code: 2 } });
  });

  it('gives a model call without a trace header a trace of its own', () => {
    const { spans, written } = recorder();
    spans.modelCall({
      at: new Date(10_000).toISOString(),
      modelId: 'amazon.nova-micro-v1:0',
      model: 'amazon.nova-micro-v1:0',
      backend: 'simulated',
      inputTokens: 10,
      outputTokens: 4,
      cacheReadInputTokens: 2,
      cacheWriteInputTokens: 0,
      latencyMs: 40,
      stopReason: 'end_turn',
    });
    const [call] = written();
    expect(call).toMatchObject({
      name: 'chat amazon.nova-micro-v1:0',
      attributes: { 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.cache_read.input_tokens': 2, 'gen_ai.usage.output_tokens': 4 },
    });
    expect(call?.parentSpanId).toBeUndefined();
    expect(call?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
