import type { DatabaseSync } from 'node:sqlite';

/** A dimension as the API names it. */
export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

/** A metric: its namespace, name and dimensions (a set: CloudWatch sees no order in them, so they are kept sorted by name). */
export interface MetricKey {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: readonly Dimension[];
}

/** The statistics of some values of one unit at a time: a datum's, or a period's (statistics.ts's Aggregate). */
export interface Summary {
  /** Epoch ms: a datum's at its storage resolution (a regular-resolution datum is kept at its minute), a period's start. */
  readonly timestamp: number;
  readonly unit: string;
  readonly sampleCount: number;
  readonly sum: number;
  readonly minimum: number;
  readonly maximum: number;
}

/**
 * One datum as it was put: its statistics, and for values put one by one or as Values and
 * Counts, each distinct value with its count (percentiles are read from them; a statistic set
 * has none, as in AWS, where percentiles need the values).
 */
export interface Datum extends Summary {
  /** 1 (high resolution) or 60 seconds. */
  readonly resolution: number;
  readonly valueCounts?: readonly (readonly [value: number, count: number])[];
}

/** What ListMetrics filters by: a dimension filter without a value matches any value of that name. */
export interface MetricFilter {
  readonly namespace?: string;
  readonly name?: string;
  readonly dimensions?: readonly { readonly Name: string; readonly Value?: string }[];
  /** Only metrics that received a datum at or after this time (epoch ms). */
  readonly since: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cloudwatch_metric (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  dimensions TEXT NOT NULL,
  last_received INTEGER NOT NULL,
  UNIQUE (namespace, name, dimensions)
);
CREATE TABLE IF NOT EXISTS cloudwatch_datum (
  metric_id INTEGER NOT NULL REFERENCES cloudwatch_metric (id),
  timestamp INTEGER NOT NULL,
  unit TEXT NOT NULL,
  sample_count REAL NOT NULL,
  sum REAL NOT NULL,
  minimum REAL NOT NULL,
  maximum REAL NOT NULL,
  resolution INTEGER NOT NULL,
  value_counts TEXT
);
CREATE INDEX IF NOT EXISTS cloudwatch_datum_by_metric ON cloudwatch_datum (metric_id, timestamp);
CREATE TABLE IF NOT EXISTS cloudwatch_request_stored (
  request_id TEXT PRIMARY KEY,
  received INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface MetricRow {
  id: number;
  namespace: string;
  name: string;
  dimensions: string;
}

interface DatumRow {
  timestamp: number;
  unit: string;
  sample_count: number;
  sum: number;
  minimum: number;
  maximum: number;
  resolution: number;
  value_counts: string | null;
}

/** The metrics and their data, in the data folder's `cloudwatch.sqlite`: a put commits before it is answered. */
export class MetricStore {
  constructor(private readonly db: DatabaseSync) {
    db.exec(SCHEMA);
  }

  /**
   * Stores the data of one request in one transaction, creating the metrics it names. With a
   * `requestId`, the request is recorded in the same transaction and stored at most once:
   * false when it already was (nothing is written).
   */
  put(entries: readonly { readonly key: MetricKey; readonly datum: Datum }[], received: number, requestId?: string): boolean {
    const upsert = this.db.prepare(
      `INSERT INTO cloudwatch_metric (namespace, name, dimensions, last_received) VALUES (?, ?, ?, ?)
       ON CONFLICT (namespace, name, dimensions) DO UPDATE SET last_received = excluded.last_received RETURNING id`,
    );
    const insert = this.db.prepare(
      `INSERT INTO cloudwatch_datum (metric_id, timestamp, unit, sample_count, sum, minimum, maximum, resolution, value_counts)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.exec('BEGIN IMMEDIATE');
    try {
      if (requestId !== undefined && !this.#recordRequest(requestId, received)) {
        this.db.exec('ROLLBACK');
        return false;
      }
      for (const { key, datum } of entries) {
        const { id } = upsert.get(key.namespace, key.name, dimensionsText(key.dimensions), received) as { id: number };
        insert.run(
          id,
          datum.timestamp,
          datum.unit,
          datum.sampleCount,
          datum.sum,
          datum.minimum,
          datum.maximum,
          datum.resolution,
          datum.valueCounts === undefined ? null : JSON.stringify(datum.valueCounts),
        );
      }
      this.db.exec('COMMIT');
      return true;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  #recordRequest(requestId: string, received: number): boolean {
    const insert = this.db.prepare('INSERT INTO cloudwatch_request_stored (request_id, received) VALUES (?, ?) ON CONFLICT DO NOTHING');
    return insert.run(requestId, received).changes === 1;
  }

  /** The metrics a filter matches, in the order they were first put, from after `afterId`, at most `limit`. */
  metrics(filter: MetricFilter, afterId: number, limit: number): { id: number; key: MetricKey }[] {
    const rows = this.db
      .prepare(
        `SELECT id, namespace, name, dimensions FROM cloudwatch_metric
         WHERE id > ? AND last_received >= ? AND (? IS NULL OR namespace = ?) AND (? IS NULL OR name = ?) ORDER BY id`,
      )
      .all(
        afterId,
        filter.since,
        filter.namespace ?? null,
        filter.namespace ?? null,
        filter.name ?? null,
        filter.name ?? null,
      ) as unknown as MetricRow[];
    const found: { id: number; key: MetricKey }[] = [];
    for (const row of rows) {
      const key = keyOf(row);
      const matches = (filter.dimensions ?? []).every((wanted) =>
        key.dimensions.some((d) => d.Name === wanted.Name && (wanted.Value === undefined || d.Value === wanted.Value)),
      );
      if (!matches) continue;
      found.push({ id: row.id, key });
      if (found.length === limit) break;
    }
    return found;
  }

  /** The data of one metric (its exact dimensions) with timestamps in [from, to), of one unit or all. */
  data(key: MetricKey, from: number, to: number, unit?: string): Datum[] {
    const metric = this.db
      .prepare('SELECT id FROM cloudwatch_metric WHERE namespace = ? AND name = ? AND dimensions = ?')
      .get(key.namespace, key.name, dimensionsText(key.dimensions)) as { id: number } | undefined;
    if (metric === undefined) return [];
    const rows = this.db
      .prepare(
        `SELECT timestamp, unit, sample_count, sum, minimum, maximum, resolution, value_counts FROM cloudwatch_datum
         WHERE metric_id = ? AND timestamp >= ? AND timestamp < ? AND (? IS NULL OR unit = ?) ORDER BY timestamp`,
      )
      .all(metric.id, from, to, unit ?? null, unit ?? null) as unknown as DatumRow[];
    return rows.map((row) => ({
      timestamp: row.timestamp,
      unit: row.unit,
      sampleCount: row.sample_count,
      sum: row.sum,
      minimum: row.minimum,
      maximum: row.maximum,
      resolution: row.resolution,
      ...(row.value_counts === null ? {} : { valueCounts: JSON.parse(row.value_counts) as [number, number][] }),
    }));
  }

  /** Deletes the data older than `before` (CloudWatch keeps a metric's data 15 months), and the request ids recorded before `requestsBefore`. */
  purge(before: number, requestsBefore: number): void {
    this.db.prepare('DELETE FROM cloudwatch_datum WHERE timestamp < ?').run(before);
    this.db.prepare('DELETE FROM cloudwatch_request_stored WHERE received < ?').run(requestsBefore);
  }
}

/** A metric's dimensions sorted by name, as the one text that identifies them. */
export function sortedDimensions(dimensions: readonly Dimension[]): Dimension[] {
  return [...dimensions].map(({ Name, Value }) => ({ Name, Value })).sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
}

function dimensionsText(dimensions: readonly Dimension[]): string {
  return JSON.stringify(sortedDimensions(dimensions).map((d) => [d.Name, d.Value]));
}

function keyOf(row: MetricRow): MetricKey {
  const pairs = JSON.parse(row.dimensions) as [string, string][];
  return { namespace: row.namespace, name: row.name, dimensions: pairs.map(([Name, Value]) => ({ Name, Value })) };
}
