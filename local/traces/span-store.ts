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
} from './otlp-model.js';

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
 * idempotency key, an AWS request's id. A span holding one is found by it (`tracesNamed`).
 */
export const TRACE_KEY_ATTRIBUTES: readonly string[] = [
  'faas.invocation_id',
  'messaging.message.id',
  'switchyard.event.id',
  'switchyard.correlation_id',
  'switchyard.idempotency.key',
  'aws.request_id',
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
 * The spans, in a table with row ids, not clustered on (trace_id, span_id): each span is
 * appended and only its small index entry lands at a random place; a clustered table moved the
 * whole span there, which cost twice as much per span (bench:runtime).
 */
const SPANS_TABLE = `CREATE TABLE IF NOT EXISTS spans (
  trace_id TEXT NOT NULL, span_id TEXT NOT NULL, start_ns TEXT NOT NULL,
  resource_key TEXT NOT NULL, scope_key TEXT NOT NULL, span TEXT NOT NULL, received_at INTEGER NOT NULL,
  UNIQUE (trace_id, span_id)
);`;

/** A data folder from before spans had row ids (a `WITHOUT ROWID` table): its spans are moved to the table as it is now. */
function migrateClusteredSpans(db: DatabaseSync): void {
  const table = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'spans'").get() as { sql: string } | undefined;
  if (!table?.sql.includes('WITHOUT ROWID')) return;
  inTransaction(db, () => {
    db.exec(`
      DROP INDEX IF EXISTS spans_received;
      ALTER TABLE spans RENAME TO spans_clustered;
      ${SPANS_TABLE}
      INSERT INTO spans SELECT trace_id, span_id, start_ns, resource_key, scope_key, span, received_at FROM spans_clustered ORDER BY received_at;
      DROP TABLE spans_clustered;
    `);
  });
}

/**
 * The received spans, in `traces.sqlite`: each span as its OTLP/JSON with its resource and
 * scope (kept once each, by their digest), the ids it names (TRACE_KEY_ATTRIBUTES) and the
 * traces it links to. A span sent again (an exporter's retry) replaces its first copy. Bounded
 * by SpanRetention, oldest first.
 */
export class SpanStore {
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #maxSpans: number;
  readonly #maxAgeMs: number;
  /**
   * How many spans the table holds, at most: counted once, then raised by each add (a span
   * sent again replaces its row but is counted again, so this only ever overestimates, and an
   * overestimate past the limit is counted again before anything is trimmed): the runtime keeps
   * a batch of its own spans on every turn of the event loop, and counting up to 100,000 rows
   * each time made every batch cost as much as the store is large.
   */
  #rows: number | undefined;
  readonly #statements: Record<
    'span' | 'part' | 'key' | 'link' | 'trace' | 'named' | 'linkedFrom' | 'linkedTo' | 'exists' | 'count' | 'anyOld',
    StatementSync
  >;

  constructor(db: DatabaseSync, options: { readonly now: () => number; readonly retention?: SpanRetention }) {
    this.#db = db;
    this.#now = options.now;
    this.#maxSpans = options.retention?.maxSpans ?? DEFAULT_MAX_SPANS;
    this.#maxAgeMs = (options.retention?.maxHours ?? DEFAULT_MAX_HOURS) * 3_600_000;
    migrateClusteredSpans(db);
    db.exec(`
      ${SPANS_TABLE}
      CREATE INDEX IF NOT EXISTS spans_received ON spans (received_at);
      CREATE TABLE IF NOT EXISTS span_parts (key TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS span_keys (key TEXT NOT NULL, trace_id TEXT NOT NULL, PRIMARY KEY (key, trace_id)) WITHOUT ROWID;
      DROP INDEX IF EXISTS span_keys_trace;
      CREATE TABLE IF NOT EXISTS span_links (trace_id TEXT NOT NULL, linked_trace_id TEXT NOT NULL, PRIMARY KEY (trace_id, linked_trace_id)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS span_links_linked ON span_links (linked_trace_id);
    `);
    this.#statements = {
      span: db.prepare(
        'INSERT OR REPLACE INTO spans (trace_id, span_id, start_ns, resource_key, scope_key, span, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      part: db.prepare('INSERT OR IGNORE INTO span_parts (key, json) VALUES (?, ?)'),
      key: db.prepare('INSERT OR IGNORE INTO span_keys (key, trace_id) VALUES (?, ?)'),
      link: db.prepare('INSERT OR IGNORE INTO span_links (trace_id, linked_trace_id) VALUES (?, ?)'),
      trace: db.prepare(
        'SELECT s.span, r.json AS resource, c.json AS scope, s.resource_key, s.scope_key FROM spans s JOIN span_parts r ON r.key = s.resource_key JOIN span_parts c ON c.key = s.scope_key WHERE s.trace_id = ? ORDER BY length(s.start_ns), s.start_ns, s.span_id',
      ),
      named: db.prepare('SELECT DISTINCT trace_id FROM span_keys WHERE key = ? LIMIT ?'),
      linkedFrom: db.prepare('SELECT linked_trace_id AS id FROM span_links WHERE trace_id = ?'),
      linkedTo: db.prepare('SELECT trace_id AS id FROM span_links WHERE linked_trace_id = ?'),
      exists: db.prepare('SELECT 1 FROM spans WHERE trace_id = ? LIMIT 1'),
      count: db.prepare('SELECT COUNT(*) AS n FROM spans'),
      anyOld: db.prepare('SELECT EXISTS (SELECT 1 FROM spans WHERE received_at < ?) AS any'),
    };
  }

  /** Keeps every span of a request that has a trace id and a span id; written before the receiver answers. */
  add(request: TracesData): StoredOutcome {
    const receivedAt = this.#now();
    let accepted = 0;
    let rejected = 0;
    // The (key, trace) pairs this export named already: a journey's spans name its ids again and again.
    const named = new Set<string>();
    inTransaction(this.#db, () => {
      for (const resourceSpans of request.resourceSpans) {
        const resourceKey = this.#part({ resource: resourceSpans.resource, schemaUrl: resourceSpans.schemaUrl });
        for (const scopeSpans of resourceSpans.scopeSpans) {
          const scopeKey = this.#part({ scope: scopeSpans.scope, schemaUrl: scopeSpans.schemaUrl });
          for (const span of scopeSpans.spans) {
            if (!isValidId(span.traceId, 16) || !isValidId(span.spanId, 8)) {
              rejected++;
              continue;
            }
            this.#addSpan(span, resourceKey, scopeKey, receivedAt, named);
            accepted++;
          }
        }
      }
      this.#trim(receivedAt, accepted);
    });
    return { accepted, rejected };
  }

  /** Keeps a span, the ids it names (each pair of an id and a trace once an export) and the traces it links to. */
  #addSpan(span: OtlpSpan, resourceKey: string, scopeKey: string, receivedAt: number, named: Set<string>): void {
    this.#statements.span.run(span.traceId, span.spanId, span.startTimeUnixNano, resourceKey, scopeKey, toJson(span), receivedAt);
    for (const { key, value } of span.attributes) {
      if (!KEY_ATTRIBUTES.has(key)) continue;
      const name = plainValue(value);
      if (typeof name !== 'string' || name === '') continue;
      const pair = `${name}\u0000${span.traceId}`;
      if (named.has(pair)) continue;
      named.add(pair);
      this.#statements.key.run(name, span.traceId);
    }
    for (const link of span.links) {
      if (isValidId(link.traceId, 16) && link.traceId !== span.traceId) this.#statements.link.run(span.traceId, link.traceId);
    }
  }

  #countRows(): number {
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
    this.#rows = (this.#rows ?? this.#countRows()) + added;
    const cutoff = now - this.#maxAgeMs;
    const old = this.#statements.anyOld.get(cutoff) as { any: number };
    if (this.#rows <= this.#maxSpans && old.any === 0) return;
    this.#rows = this.#countRows();
    const over = Math.max(0, this.#rows - this.#maxSpans);
    if (over === 0 && old.any === 0) return;
    this.#db.prepare('DELETE FROM spans WHERE received_at < ?').run(cutoff);
    // Past the count by a tenth more, so that trimming is not paid on every export at the limit.
    if (over > 0) {
      this.#db
        .prepare('DELETE FROM spans WHERE (trace_id, span_id) IN (SELECT trace_id, span_id FROM spans ORDER BY received_at LIMIT ?)')
        .run(over + Math.ceil(this.#maxSpans / 10));
    }
    this.#rows = this.#countRows();
    this.#db.exec(`
      DELETE FROM span_keys WHERE trace_id NOT IN (SELECT trace_id FROM spans);
      DELETE FROM span_links WHERE trace_id NOT IN (SELECT trace_id FROM spans);
      DELETE FROM span_parts WHERE key NOT IN (SELECT resource_key FROM spans UNION SELECT scope_key FROM spans);
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

  /** The spans of these traces as one OTLP/JSON `TracesData`, grouped by resource and scope, each trace's spans by start time. */
  traces(traceIds: readonly string[]): TracesData {
    const byResource = new Map<
      string,
      {
        resource: ResourceSpans['resource'];
        schemaUrl?: string;
        scopes: Map<string, { scope: OtlpScope; schemaUrl?: string; spans: OtlpSpan[] }>;
      }
    >();
    for (const traceId of traceIds) {
      const rows = this.#statements.trace.all(traceId) as {
        span: string;
        resource: string;
        scope: string;
        resource_key: string;
        scope_key: string;
      }[];
      for (const row of rows) {
        let resource = byResource.get(row.resource_key);
        if (!resource) {
          const part = JSON.parse(row.resource) as { resource: OtlpResource; schemaUrl?: string };
          resource = { resource: part.resource, ...(part.schemaUrl ? { schemaUrl: part.schemaUrl } : {}), scopes: new Map() };
          byResource.set(row.resource_key, resource);
        }
        let scope = resource.scopes.get(row.scope_key);
        if (!scope) {
          const part = JSON.parse(row.scope) as { scope: OtlpScope; schemaUrl?: string };
          scope = { scope: part.scope, ...(part.schemaUrl ? { schemaUrl: part.schemaUrl } : {}), spans: [] };
          resource.scopes.set(row.scope_key, scope);
        }
        scope.spans.push(JSON.parse(row.span) as OtlpSpan);
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
