import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../local/store/data-folder.js';
import type { TracesData } from '../../../local/traces/otlp-model.js';
import { SpanStore } from '../../../local/traces/span-store.js';

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

  it('counts a span sent again once: exports of the same spans never trim what they replace', () => {
    let now = 1_000;
    const store = new SpanStore(openDatabase(':memory:'), { now: () => now, retention: { maxSpans: 10 } });
    for (let round = 0; round < 20; round++) {
      now += 1;
      store.add(exportOf(0, 8));
      expect(Array.from({ length: 8 }, (_, n) => store.has(traceOf(n)))).toEqual(Array(8).fill(true));
    }
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

  it('keeps the spans of a data folder written before spans had row ids, and adds to them', () => {
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
      const table = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'spans'").get() as { sql: string };
      expect(table.sql).not.toContain('WITHOUT ROWID');
      db.close();
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
