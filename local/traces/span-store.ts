import { createHash } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { inTransaction } from '../store/transaction.js';
import {
  isValidId,
  type OtlpResource,
  type OtlpScope,
  type OtlpSpan,
  plainValue,
  type ResourceSpans,
  type TracesData,
  traceIdOf,
} from './otlp-model.js';
import { otlpSpan, RUNTIME_SCOPE, type RuntimeSpan, type RuntimeSpanBatch, resourceKeyOf, resourceOf, traceIds } from './span-writer.js';

/** How many spans the store keeps, and for how long: the oldest go first. */
export interface SpanRetention {
  /** @default 100000 */
  readonly maxSpans?: number;
  /** @default 24 */
  readonly maxHours?: number;
}

/**
 * The span attributes whose values name something the read API's lineage also names: an
 * invocation's request id, a message's id, an event's id, a journey's correlation id, an
 * idempotency key, an AWS request's id; and a user's id (`enduser.id`: a GraphQL request's
 * signed-in user's `sub`), so that what one user asked is found by who they are. A span holding
 * one is found by it (`tracesNamed`).
 */
export const TRACE_KEY_ATTRIBUTES: readonly string[] = [
  'faas.invocation_id',
  'messaging.message.id',
  'switchyard.event.id',
  'switchyard.correlation_id',
  'switchyard.idempotency.key',
  'aws.request_id',
  'enduser.id',
];

/** What the store made of one export request. */
export interface StoredOutcome {
  readonly accepted: number;
  /** Spans left out: no valid trace id or span id (the only spans OTLP's model cannot place). */
  readonly rejected: number;
}

const DEFAULT_MAX_SPANS = 100_000;
const DEFAULT_MAX_HOURS = 24;
const KEY_ATTRIBUTES = new Set(TRACE_KEY_ATTRIBUTES);

/**
 * JSON with doubles JSON has no number for written as proto3's JSON mapping writes them. A
 * replacer costs a call per key, so it is used only where JSON.stringify wrote such a double
 * as `null` (OTLP has no null member a decoded span could hold there).
 */
function toJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (!json.includes('Value":null')) return json;
  return JSON.stringify(value, (_key, field) =>
    typeof field === 'number' && !Number.isFinite(field) ? (Number.isNaN(field) ? 'NaN' : field > 0 ? 'Infinity' : '-Infinity') : field,
  );
}

/**
 * The spans, one row for each trace an export names: its spans as one JSON array of
 * `[resourceKey, scopeKey, span]`, the parts those keys name, and how many spans it holds. A
 * journey's spans reach the store together (the runtime keeps its own in batches), so a row
 * holds most of a trace: a row and an index entry per span cost four times as much
 * (bench:runtime). Rows are appended, so row ids are the order spans were received in; the
 * small columns come first, so that trimming reads them without the spans.
 */
const TRACE_SPANS_TABLE = `CREATE TABLE IF NOT EXISTS trace_spans (
  trace_id TEXT NOT NULL, received_at INTEGER NOT NULL, span_count INTEGER NOT NULL, parts TEXT NOT NULL, spans TEXT NOT NULL
);`;

/**
 * A data folder from before spans were kept by trace (a `spans` table with a row per span,
 * clustered or not): each of its spans becomes a row of its own, in the order received.
 */
function migrateSpanRows(db: DatabaseSync): void {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spans'").get();
  if (table === undefined) return;
  inTransaction(db, () => {
    db.exec(`
      ${TRACE_SPANS_TABLE}
      INSERT INTO trace_spans (trace_id, received_at, span_count, parts, spans)
        SELECT trace_id, received_at, 1, json_array(resource_key, scope_key), json_array(json_array(resource_key, scope_key, json(span)))
        FROM spans ORDER BY received_at;
      DROP TABLE spans;
    `);
  });
}

/** How often, at most, spans past their age are looked for. */
const AGE_CHECK_MS = 60_000;

type StoredSpan = [resourceKey: string, scopeKey: string, span: OtlpSpan];

/**
 * A span of the runtime's own as the writer made it, kept so: its attributes a plain object,
 * its trace the X-Ray root. OTLP's form (KeyValue lists, nanosecond strings) is half again as
 * long, and making it for every span cost more than keeping it (bench:runtime); it is made
 * when the span is read (`otlpSpan`), which is rare.
 */
type KeptRuntimeSpan = Omit<RuntimeSpan, 'service' | 'resource'>;
/** What a row's array holds: a received span in OTLP's form, or a runtime span in the writer's (its third member null). */
type KeptSpan = StoredSpan | [resourceKey: string, scopeKey: string, otlp: null, span: KeptRuntimeSpan];

/** A kept span in OTLP's form. */
function storedSpan(kept: KeptSpan): StoredSpan {
  return kept[2] === null ? [kept[0], kept[1], otlpSpan(kept[3], traceIdOf)] : kept;
}

/** Whether JSON keeps every attribute of a runtime span and its links as it is (a double JSON has no number for is kept in OTLP's form). */
function keepsAsWritten(span: RuntimeSpan): boolean {
  return finite(span.attributes) && (span.links ?? []).every((link) => finite(link.attributes ?? {}));
}

function finite(attributes: Readonly<Record<string, unknown>>): boolean {
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'number' && !Number.isFinite(value)) return false;
  }
  return true;
}

/**
 * Orders spans by start time (nanoseconds as decimal text: shorter is earlier); spans that
 * start together keep the order they were received in (a stable sort), which is the order
 * they ended: Step Functions' history has milliseconds, so a Choice and the state it chose
 * often start in the same one, and the Choice's span is written first, at its exit.
 */
function byStart(a: StoredSpan, b: StoredSpan): number {
  const [x, y] = [a[2].startTimeUnixNano, b[2].startTimeUnixNano];
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The received spans, in `traces.sqlite`: each span as its OTLP/JSON with its resource and
 * scope (kept once each, by their digest), the ids it names (TRACE_KEY_ATTRIBUTES) and the
 * traces it links to. A span sent again (an exporter's retry) replaces its first copy when
 * read. Bounded by SpanRetention, oldest first.
 */
export class SpanStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #maxSpans: number;
  readonly #maxAgeMs: number;
  /**
   * How many spans the table holds, at most: counted once, then raised by each add (a span
   * sent again is counted again, so this only ever overestimates, and an overestimate past the
   * limit is counted again before anything is trimmed): counting the whole table on every
   * export made each cost as much as the store is large.
   */
  #spans: number | undefined;
  /** When spans past their age are next looked for: at most every AGE_CHECK_MS, not on every export. */
  #nextAgeCheck = Number.NEGATIVE_INFINITY;
  readonly #statements: Record<
    'spans' | 'part' | 'partOf' | 'key' | 'link' | 'trace' | 'named' | 'linkedFrom' | 'linkedTo' | 'exists' | 'count',
    StatementSync
  >;

  constructor(db: DatabaseSync, options: { readonly now: () => number; readonly retention?: SpanRetention }) {
    this.#db = db;
    this.#now = options.now;
    this.#maxSpans = options.retention?.maxSpans ?? DEFAULT_MAX_SPANS;
    this.#maxAgeMs = (options.retention?.maxHours ?? DEFAULT_MAX_HOURS) * 3_600_000;
    migrateSpanRows(db);
    db.exec(`
      ${TRACE_SPANS_TABLE}
      CREATE INDEX IF NOT EXISTS trace_spans_trace ON trace_spans (trace_id);
      CREATE TABLE IF NOT EXISTS span_parts (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS span_keys (key TEXT NOT NULL, trace_id TEXT NOT NULL, PRIMARY KEY (key, trace_id)) WITHOUT ROWID;
      DROP INDEX IF EXISTS span_keys_trace;
      CREATE TABLE IF NOT EXISTS span_links (trace_id TEXT NOT NULL, linked_trace_id TEXT NOT NULL, PRIMARY KEY (trace_id, linked_trace_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS span_links_linked ON span_links (linked_trace_id);
    `);
    this.#statements = {
      spans: db.prepare('INSERT INTO trace_spans (trace_id, received_at, span_count, parts, spans) VALUES (?, ?, ?, ?, ?)'),
      part: db.prepare('INSERT OR IGNORE INTO span_parts (key, json) VALUES (?, ?)'),
      partOf: db.prepare('SELECT json FROM span_parts WHERE key = ?'),
      key: db.prepare('INSERT OR IGNORE INTO span_keys (key, trace_id) VALUES (?, ?)'),
      link: db.prepare('INSERT OR IGNORE INTO span_links (trace_id, linked_trace_id) VALUES (?, ?)'),
      trace: db.prepare('SELECT spans FROM trace_spans WHERE trace_id = ? ORDER BY rowid'),
      named: db.prepare('SELECT DISTINCT trace_id FROM span_keys WHERE key = ? LIMIT ?'),
      linkedFrom: db.prepare('SELECT linked_trace_id AS id FROM span_links WHERE trace_id = ?'),
      linkedTo: db.prepare('SELECT trace_id AS id FROM span_links WHERE linked_trace_id = ?'),
      exists: db.prepare('SELECT 1 FROM trace_spans WHERE trace_id = ? LIMIT 1'),
      count: db.prepare('SELECT COALESCE(SUM(span_count), 0) AS n FROM trace_spans'),
    };
  }

  /** Keeps every span of a request that has a trace id and a span id; written before the receiver answers. */
  add(request: TracesData): StoredOutcome {
    const receivedAt = this.#now();
    let accepted = 0;
    let rejected = 0;
    inTransaction(this.#db, () => {
      const byTrace = new Map<string, { spans: StoredSpan[]; parts: Set<string> }>();
      for (const resourceSpans of request.resourceSpans) {
        const resourceKey = this.#part({ resource: resourceSpans.resource, schemaUrl: resourceSpans.schemaUrl });
        for (const scopeSpans of resourceSpans.scopeSpans) {
          const scopeKey = this.#part({ scope: scopeSpans.scope, schemaUrl: scopeSpans.schemaUrl });
          for (const span of scopeSpans.spans) {
            if (!isValidId(span.traceId, 16) || !isValidId(span.spanId, 8)) {
              rejected++;
              continue;
            }
            let trace = byTrace.get(span.traceId);
            if (trace === undefined) {
              trace = { spans: [], parts: new Set() };
              byTrace.set(span.traceId, trace);
            }
            trace.spans.push([resourceKey, scopeKey, span]);
            trace.parts.add(resourceKey).add(scopeKey);
            accepted++;
          }
        }
      }
      for (const [traceId, { spans, parts }] of byTrace) this.#addTrace(traceId, spans, parts, receivedAt);
      this.#trim(receivedAt, accepted);
    });
    return { accepted, rejected };
  }

  /**
   * Keeps a batch of the runtime's own spans (span-writer.ts) as they were written, each
   * trace's as one row, as `add` keeps an export's: read back, they are the spans `add` would
   * have kept of the batch's OTLP export.
   */
  addRuntime(batch: RuntimeSpanBatch): StoredOutcome {
    const receivedAt = this.#now();
    let accepted = 0;
    let rejected = 0;
    inTransaction(this.#db, () => {
      const scopeKey = this.#part({ scope: RUNTIME_SCOPE });
      const resourceKeys = new Map<string, string>();
      const idOf = traceIds();
      const byTrace = new Map<string, { spans: KeptSpan[]; parts: Set<string> }>();
      for (const span of batch.spans) {
        const traceId = idOf(span.root);
        if (!isValidId(traceId, 16) || !isValidId(span.segment, 8)) {
          rejected++;
          continue;
        }
        const resource = resourceKeyOf(span);
        let resourceKey = resourceKeys.get(resource);
        if (resourceKey === undefined) {
          resourceKey = this.#part({ resource: resourceOf(span, batch.region) });
          resourceKeys.set(resource, resourceKey);
        }
        let trace = byTrace.get(traceId);
        if (trace === undefined) {
          trace = { spans: [], parts: new Set() };
          byTrace.set(traceId, trace);
        }
        const { service: _service, resource: _resource, ...kept } = span;
        trace.spans.push(keepsAsWritten(span) ? [resourceKey, scopeKey, null, kept] : [resourceKey, scopeKey, otlpSpan(span, idOf)]);
        trace.parts.add(resourceKey).add(scopeKey);
        accepted++;
      }
      for (const [traceId, { spans, parts }] of byTrace) this.#addTrace(traceId, spans, parts, receivedAt);
      this.#trim(receivedAt, accepted);
    });
    return { accepted, rejected };
  }

  /** Keeps a trace's spans of one export, the ids they name (each once) and the traces they link to. */
  #addTrace(traceId: string, spans: KeptSpan[], parts: Set<string>, receivedAt: number): void {
    this.#statements.spans.run(traceId, receivedAt, spans.length, JSON.stringify([...parts]), toJson(spans));
    const named = new Set<string>();
    const linked = new Set<string>();
    const name = (value: unknown) => {
      if (typeof value !== 'string' || value === '' || named.has(value)) return;
      named.add(value);
      this.#statements.key.run(value, traceId);
    };
    const link = (linkedTraceId: string) => {
      if (!isValidId(linkedTraceId, 16) || linkedTraceId === traceId || linked.has(linkedTraceId)) return;
      linked.add(linkedTraceId);
      this.#statements.link.run(traceId, linkedTraceId);
    };
    for (const kept of spans) {
      if (kept[2] === null) {
        const span = kept[3];
        for (const key of TRACE_KEY_ATTRIBUTES) name(span.attributes[key]);
        for (const { root } of span.links ?? []) link(traceIdOf(root));
        continue;
      }
      for (const { key, value } of kept[2].attributes) if (KEY_ATTRIBUTES.has(key)) name(plainValue(value));
      for (const { traceId: linkedTraceId } of kept[2].links) link(linkedTraceId);
    }
  }

  #countSpans(): number {
    return (this.#statements.count.get() as { n: number }).n;
  }

  #part(part: unknown): string {
    const json = toJson(part);
    const key = createHash('sha256').update(json).digest('hex').slice(0, 32);
    this.#statements.part.run(key, json);
    return key;
  }

  /** Drops spans past the retention, and what only they named. */
  #trim(now: number, added: number): void {
    this.#spans = (this.#spans ?? this.#countSpans()) + added;
    let trimmed = false;
    if (now >= this.#nextAgeCheck) {
      this.#nextAgeCheck = now + AGE_CHECK_MS;
      // Rows are in the order received: the old ones are the first.
      trimmed =
        this.#db
          .prepare(
            'DELETE FROM trace_spans WHERE rowid <= (SELECT MAX(rowid) FROM (SELECT rowid, received_at FROM trace_spans ORDER BY rowid LIMIT 10000) WHERE received_at < ?)',
          )
          .run(now - this.#maxAgeMs).changes > 0;
      if (trimmed) this.#spans = this.#countSpans();
    }
    if (this.#spans > this.#maxSpans) {
      this.#spans = this.#countSpans();
      const over = this.#spans - this.#maxSpans;
      if (over > 0) {
        // Past the count by a tenth more, so that trimming is not paid on every export at the limit.
        this.#db
          .prepare(
            `DELETE FROM trace_spans WHERE rowid <= COALESCE(
              (SELECT rowid FROM (SELECT rowid, SUM(span_count) OVER (ORDER BY rowid) AS total FROM trace_spans) WHERE total >= ? ORDER BY rowid LIMIT 1),
              (SELECT MAX(rowid) FROM trace_spans))`,
          )
          .run(over + Math.ceil(this.#maxSpans / 10));
        this.#spans = this.#countSpans();
        trimmed = true;
      }
    }
    if (!trimmed) return;
    this.#db.exec(`
      DELETE FROM span_keys WHERE trace_id NOT IN (SELECT trace_id FROM trace_spans);
      DELETE FROM span_links WHERE trace_id NOT IN (SELECT trace_id FROM trace_spans);
      DELETE FROM span_parts WHERE key NOT IN (SELECT DISTINCT part.value FROM trace_spans, json_each(trace_spans.parts) AS part);
    `);
  }

  /** Whether any span of the trace is kept. */
  has(traceId: string): boolean {
    return this.#statements.exists.get(traceId) !== undefined;
  }

  /** The traces whose spans name `key` (TRACE_KEY_ATTRIBUTES), at most `limit`. */
  tracesNamed(key: string, limit: number): string[] {
    return (this.#statements.named.all(key, limit) as { trace_id: string }[]).map((row) => row.trace_id);
  }

  /** `traceIds` and every trace linked to them or from them (a consumer's trace and its producers'), transitively, at most `limit`. */
  withLinked(traceIds: readonly string[], limit: number): string[] {
    const found = new Set<string>();
    const queue = [...traceIds];
    while (queue.length > 0 && found.size < limit) {
      const id = queue.shift() as string;
      if (found.has(id)) continue;
      found.add(id);
      for (const statement of [this.#statements.linkedFrom, this.#statements.linkedTo]) {
        for (const { id: linked } of statement.all(id) as { id: string }[]) if (!found.has(linked)) queue.push(linked);
      }
    }
    return [...found];
  }

  /**
   * The spans of these traces as one OTLP/JSON `TracesData`, grouped by resource and scope,
   * each trace's spans by start time; of a span received more than once, its last copy.
   */
  traces(traceIds: readonly string[]): TracesData {
    const parts = new Map<string, { resource?: OtlpResource; scope?: OtlpScope; schemaUrl?: string }>();
    const partOf = (key: string) => {
      let part = parts.get(key);
      if (part === undefined) {
        const row = this.#statements.partOf.get(key) as { json: string } | undefined;
        part = row ? (JSON.parse(row.json) as { resource?: OtlpResource; scope?: OtlpScope; schemaUrl?: string }) : {};
        parts.set(key, part);
      }
      return part;
    };
    const byResource = new Map<
      string,
      {
        resource: ResourceSpans['resource'];
        schemaUrl?: string;
        scopes: Map<string, { scope: OtlpScope; schemaUrl?: string; spans: OtlpSpan[] }>;
      }
    >();
    for (const traceId of traceIds) {
      const latest = new Map<string, StoredSpan>();
      for (const row of this.#statements.trace.all(traceId) as { spans: string }[]) {
        for (const kept of JSON.parse(row.spans) as KeptSpan[]) {
          const stored = storedSpan(kept);
          latest.set(stored[2].spanId, stored);
        }
      }
      for (const [resourceKey, scopeKey, span] of [...latest.values()].sort(byStart)) {
        let resource = byResource.get(resourceKey);
        if (!resource) {
          const part = partOf(resourceKey);
          resource = {
            resource: part.resource ?? { attributes: [] },
            ...(part.schemaUrl ? { schemaUrl: part.schemaUrl } : {}),
            scopes: new Map(),
          };
          byResource.set(resourceKey, resource);
        }
        let scope = resource.scopes.get(scopeKey);
        if (!scope) {
          const part = partOf(scopeKey);
          scope = { scope: part.scope ?? { name: '' }, ...(part.schemaUrl ? { schemaUrl: part.schemaUrl } : {}), spans: [] };
          resource.scopes.set(scopeKey, scope);
        }
        scope.spans.push(span);
      }
    }
    return {
      resourceSpans: [...byResource.values()].map(({ resource, schemaUrl, scopes }) => ({
        resource,
        ...(schemaUrl ? { schemaUrl } : {}),
        scopeSpans: [...scopes.values()].map(({ scope, schemaUrl: url, spans }) => ({ scope, spans, ...(url ? { schemaUrl: url } : {}) })),
      })),
    };
  }
}
