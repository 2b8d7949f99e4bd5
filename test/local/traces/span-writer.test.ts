import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TracesData } from '../../../local/traces/otlp-model.js';
import { SPAN_BATCH_MS, SPAN_BATCH_SIZE, SPAN_KIND, type SpanSink, SpanWriter } from '../../../local/traces/span-writer.js';

function span(n: number) {
  return {
    service: 'SQS',
    name: `send q${n}`,
    kind: SPAN_KIND.producer,
    root: '1-4bf92f35-77b34da6a3ce929d0e0e4736',
    segment: n.toString(16).padStart(16, '0'),
    start: 1_700_000_000_000.5,
    end: 1_700_000_000_001,
    attributes: { 'messaging.system': 'aws_sqs' },
  };
}

describe('SpanWriter', () => {
  let exports: TracesData[];
  let writer: SpanWriter;
  beforeEach(() => {
    vi.useFakeTimers();
    exports = [];
    const sink: SpanSink = (batch) => exports.push(batch.data());
    writer = new SpanWriter(sink, 'eu-west-1', () => {});
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const count = () => exports.flatMap((data) => data.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans))).length;

  it('keeps the spans written within a batch window in one export, when the window ends', () => {
    for (let n = 1; n <= 3; n++) writer.write(span(n));
    vi.advanceTimersByTime(SPAN_BATCH_MS - 1);
    expect(exports).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(exports).toHaveLength(1);
    expect(count()).toBe(3);
  });

  it('keeps every span written so far at once when flushed, as a reader asks before it reads', () => {
    writer.write(span(1));
    writer.flush();
    expect(count()).toBe(1);
    vi.advanceTimersByTime(SPAN_BATCH_MS);
    expect(exports).toHaveLength(1);
  });

  it('keeps a full batch without waiting for its window', () => {
    for (let n = 1; n < SPAN_BATCH_SIZE; n++) writer.write(span(n));
    expect(count()).toBe(0);
    writer.write(span(SPAN_BATCH_SIZE));
    expect(count()).toBe(SPAN_BATCH_SIZE);
  });

  it('writes times as OTLP nanoseconds, to the microsecond', () => {
    writer.write(span(1));
    writer.flush();
    const written = exports[0]?.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect([written?.startTimeUnixNano, written?.endTimeUnixNano]).toEqual(['1700000000000500000', '1700000000001000000']);
  });
});
