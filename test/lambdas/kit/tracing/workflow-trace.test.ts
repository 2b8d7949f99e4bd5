import { afterEach, describe, expect, it } from 'vitest';
import { executionTraceHeader } from '../../../../lambdas/workflow-starter/start-workflow.js';

const saved = process.env.SWITCHYARD_TRACING;
afterEach(() => {
  if (saved === undefined) delete process.env.SWITCHYARD_TRACING;
  else process.env.SWITCHYARD_TRACING = saved;
});

describe('executionTraceHeader', () => {
  it('starts the execution in the trace of the span that emitted the event, as X-Ray’s header', () => {
    process.env.SWITCHYARD_TRACING = 'opentelemetry';
    expect(executionTraceHeader({ traceparent: '00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01' })).toBe(
      'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0123456789abcdef;Sampled=1',
    );
  });

  it('leaves the execution to the header the SDK sends when the starter is not traced with OpenTelemetry, or the event names no span', () => {
    process.env.SWITCHYARD_TRACING = 'active';
    expect(executionTraceHeader({ traceparent: '00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01' })).toBeUndefined();
    process.env.SWITCHYARD_TRACING = 'opentelemetry';
    expect(executionTraceHeader({})).toBeUndefined();
    expect(executionTraceHeader({ traceparent: 'not-a-traceparent' })).toBeUndefined();
  });
});
