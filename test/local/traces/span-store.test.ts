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
});
