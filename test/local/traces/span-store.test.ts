import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../local/store/data-folder.js';
import type { TracesData } from '../../../local/traces/otlp-model.js';
import { SpanStore } from '../../../local/traces/span-store.js';
import { type RuntimeSpan, type RuntimeSpanBatch, SPAN_KIND, SpanWriter } from '../../../local/traces/span-writer.js';

/** One export of `count` spans, each its own trace, numbered from `first`. */
function exportOf(first: number, count: number): TracesData {
  const spans = Array.from({ length: count }, (_, i) => {
    // All zeros is no trace id (OTLP): numbers start at 1.
    const n = (first + i + 1).toString(16).padStart(16, '0');
    return {
      traceId: `${n}${n}`,
      spanId: n,
      name: `span ${first + i}`,
      kind: 1,
      startTimeUnixNano: String(first + i),
      endTimeUnixNano: String(first + i + 1),
      attributes: [],
      events: [],
      links: [],
      status: { code: 0 },
    };
  });
  return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
}

const traceOf = (n: number) => (n + 1).toString(16).padStart(16, '0').repeat(2);

describe('SpanStore', () => {
  it('keeps at most maxSpans, dropping the oldest first, however the exports come', () => {
    let now = 1_000;
    const store = new SpanStore(openDatabase(':memory:'), { now: () => now, retention: { maxSpans: 10 } });
    for (let first = 0; first < 40; first += 4) {
      now += 1;
      store.add(exportOf(first, 4));
    }
    const kept = Array.from({ length: 40 }, (_, n) => n).filter((n) => store.has(traceOf(n)));
    expect(kept.length).toBeLessThanOrEqual(10);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept).toContain(39);
    expect(kept).not.toContain(0);
  });

  it('never trims the spans an export sends again: their last copies are kept', () => {
    let now = 1_000;
    const store = new SpanStore(openDatabase(':memory:'), { now: () => now, retention: { maxSpans: 10 } });
    for (let round = 0; round < 20; round++) {
      now += 1;
      store.add(exportOf(0, 8));
      expect(Array.from({ length: 8 }, (_, n) => store.has(traceOf(n)))).toEqual(Array(8).fill(true));
    }
  });

  it('serves the last copy of a span sent again, in a later export or in the same one', () => {
    let now = 1_000;
    const store = new SpanStore(openDatabase(':memory:'), { now: () => now });
    const first = exportOf(0, 1);
    store.add(first);
    now += 1;
    const again = exportOf(0, 1);
    const spans = again.resourceSpans[0]?.scopeSpans[0]?.spans as unknown as { name: string }[];
    (spans[0] as { name: string }).name = 'retried';
    store.add(again);
    const twice = exportOf(0, 1);
    const both = twice.resourceSpans[0]?.scopeSpans[0]?.spans as unknown as { name: string }[];
    both.push({ ...(both[0] as { name: string }), name: 'last of two' });
    now += 1;
    store.add(twice);
    const kept = store.traces([traceOf(0)]).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(kept.map((span) => span.name)).toEqual(['last of two']);
  });

  it('orders the spans of a trace by start time across exports, as numbers, those that start together in the order received', () => {
    const store = new SpanStore(openDatabase(':memory:'), { now: () => 1 });
    const traceId = traceOf(0);
    const span = (spanId: string, start: string) => ({
      traceId,
      spanId,
      name: spanId,
      kind: 1,
      startTimeUnixNano: start,
      endTimeUnixNano: start,
      attributes: [],
      events: [],
      links: [],
      status: { code: 0 },
    });
    const data = (spans: ReturnType<typeof span>[]): TracesData => ({
      resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }],
    });
    store.add(data([span('000000000000000c', '100'), span('000000000000000a', '9')]));
    store.add(data([span('000000000000000b', '100'), span('000000000000000d', '1000')]));
    const kept = store.traces([traceId]).resourceSpans[0]?.scopeSpans[0]?.spans.map((s) => s.spanId);
    // c and b start together: c was received first (a Choice's span, written at its exit, before the state it chose).
    expect(kept).toEqual(['000000000000000a', '000000000000000c', '000000000000000b', '000000000000000d']);
  });

  it('drops spans past maxHours, and the ids only they named', () => {
    let now = 1_000;
    const store = new SpanStore(openDatabase(':memory:'), { now: () => now, retention: { maxHours: 1 } });
    const named = exportOf(0, 1);
    const span = named.resourceSpans[0]?.scopeSpans[0]?.spans[0] as unknown as { attributes: unknown[] };
    span.attributes = [{ key: 'switchyard.event.id', value: { stringValue: 'event-1' } }];
    store.add(named);
    now += 3_600_000 - 1;
    store.add(exportOf(1, 1));
    expect([store.has(traceOf(0)), store.tracesNamed('event-1', 10)]).toEqual([true, [traceOf(0)]]);
    now += 120_000;
    store.add(exportOf(2, 1));
    expect([store.has(traceOf(0)), store.has(traceOf(1)), store.has(traceOf(2))]).toEqual([false, true, true]);
    expect(store.tracesNamed('event-1', 10)).toEqual([]);
  });

  it('writes a double JSON has no number for as proto3 JSON does, and reads it back', () => {
    const store = new SpanStore(openDatabase(':memory:'), { now: () => 1 });
    const data = exportOf(0, 1);
    const span = data.resourceSpans[0]?.scopeSpans[0]?.spans[0] as unknown as { attributes: unknown[] };
    span.attributes = [
      { key: 'nan', value: { doubleValue: Number.NaN } },
      { key: 'inf', value: { doubleValue: Number.NEGATIVE_INFINITY } },
      { key: 'pi', value: { doubleValue: 3.5 } },
    ];
    store.add(data);
    const kept = store.traces([traceOf(0)]).resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(kept?.attributes).toEqual([
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: '-Infinity' } },
      { key: 'pi', value: { doubleValue: 3.5 } },
    ]);
  });

  it('keeps the spans of a data folder written before spans were kept by trace, and adds to them', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'switchyard-spans-'));
    try {
      const file = path.join(folder, 'traces.sqlite');
      const old = openDatabase(file);
      // The table as the store made it before (clustered on its key), with one span in it.
      old.exec(`
        CREATE TABLE spans (
          trace_id TEXT NOT NULL, span_id TEXT NOT NULL, start_ns TEXT NOT NULL,
          resource_key TEXT NOT NULL, scope_key TEXT NOT NULL, span TEXT NOT NULL, received_at INTEGER NOT NULL,
          PRIMARY KEY (trace_id, span_id)
        ) WITHOUT ROWID;
        CREATE INDEX spans_received ON spans (received_at);
        CREATE TABLE span_parts (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO span_parts VALUES ('r', '{"resource":{"attributes":[]}}'), ('s', '{"scope":{"name":"old"}}');
      `);
      const span = exportOf(0, 1).resourceSpans[0]?.scopeSpans[0]?.spans[0];
      old
        .prepare('INSERT INTO spans VALUES (?, ?, ?, ?, ?, ?, ?)')
        .run(traceOf(0), span?.spanId ?? '', '0', 'r', 's', JSON.stringify(span), 1);
      old.close();
      const db = openDatabase(file);
      const store = new SpanStore(db, { now: () => 2 });
      store.add(exportOf(1, 1));
      expect([store.has(traceOf(0)), store.has(traceOf(1))]).toEqual([true, true]);
      expect(store.traces([traceOf(0)]).resourceSpans[0]?.scopeSpans[0]?.spans.map((s) => s.name)).toEqual(['span 0']);
      expect(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'spans'").get()).toBeUndefined();
      db.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('SpanStore.addRuntime', () => {
  const region = 'eu-west-1';
  const root = '1-4bf92f35-77b34da6a3ce929d0e0e4736';
  const other = '1-4bf92f35-000000000000000000000abc';
  const spans: RuntimeSpan[] = [
    {
      service: 'EventBridge',
      name: 'PutEvents fixture-bus',
      kind: SPAN_KIND.server,
      root,
      segment: '00000000000000a1',
      start: 1_700_000_000_000.25,
      end: 1_700_000_000_000.25,
      attributes: {
        'switchyard.event.id': 'event-1',
        'switchyard.event.replay_name': undefined,
        'switchyard.event.rules_matched': ['r1', 'r2'],
      },
    },
    {
      service: 'Fixture-Recorder',
      resource: { 'cloud.platform': 'aws_lambda', 'faas.name': 'Fixture-Recorder' },
      name: 'Fixture-Recorder',
      kind: SPAN_KIND.consumer,
      root,
      segment: '00000000000000a2',
      parent: '00000000000000a1',
      start: 1_700_000_000_001,
      end: 1_700_000_000_004,
      attributes: { 'faas.invocation_id': 'request-1', 'messaging.batch.message_count': 2, ratio: 0.5, cold: true },
      links: [{ root: other, segment: '00000000000000b1', attributes: { 'messaging.message.id': 'message-1' } }],
      error: { type: 'Handler.Error', message: 'it failed' },
    },
    // A double JSON has no number for: kept in OTLP's form, read back the same.
    {
      service: 'SQS',
      name: 'send q',
      kind: SPAN_KIND.producer,
      root,
      segment: '00000000000000a3',
      start: 1,
      end: 2,
      attributes: { odd: Number.NaN },
    },
    // The same in a link's attributes.
    {
      service: 'SQS',
      name: 'receive q',
      kind: SPAN_KIND.consumer,
      root,
      segment: '00000000000000a4',
      start: 1,
      end: 2,
      attributes: {},
      links: [{ root: other, segment: '00000000000000b2', attributes: { odd: Number.POSITIVE_INFINITY } as never }],
    },
    // No span id OTLP can place: refused, as add() refuses it.
    { service: 'SQS', name: 'bad', kind: SPAN_KIND.producer, root, segment: '0000000000000000', start: 1, end: 2, attributes: {} },
  ];
  /** The batch the writer hands its sink for these spans. */
  function batchOf(written: readonly RuntimeSpan[]): RuntimeSpanBatch {
    let batch: RuntimeSpanBatch | undefined;
    const writer = new SpanWriter(
      (made) => {
        batch = made;
      },
      region,
      () => {},
    );
    for (const span of written) writer.write(span);
    writer.flush();
    return batch as RuntimeSpanBatch;
  }

  it("reads back what add() keeps of the batch's OTLP export: the spans, the ids they name, the traces they link", () => {
    const asExport = new SpanStore(openDatabase(':memory:'), { now: () => 1 });
    const asWritten = new SpanStore(openDatabase(':memory:'), { now: () => 1 });
    const batch = batchOf(spans);
    expect(asExport.add(batch.data())).toEqual({ accepted: 4, rejected: 1 });
    expect(asWritten.addRuntime(batch)).toEqual({ accepted: 4, rejected: 1 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    expect(asWritten.traces([traceId])).toEqual(asExport.traces([traceId]));
    for (const name of ['event-1', 'request-1']) expect(asWritten.tracesNamed(name, 10)).toEqual([traceId]);
    expect(asWritten.withLinked([traceId], 10)).toEqual(asExport.withLinked([traceId], 10));
    expect(asWritten.withLinked([traceId], 10)).toHaveLength(2);
  });

  it("keeps a runtime span as it was written, not in OTLP's longer form", () => {
    const db = openDatabase(':memory:');
    new SpanStore(db, { now: () => 1 }).addRuntime(batchOf(spans.slice(0, 1)));
    const row = db.prepare('SELECT spans FROM trace_spans').get() as { spans: string };
    expect(row.spans).toContain('"switchyard.event.id":"event-1"');
    expect(row.spans).not.toContain('stringValue');
  });
});
