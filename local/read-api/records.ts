import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BusEventRecord, LineageNode, RuleMatch } from './contract.js';

/**
 * How much the read API keeps: the newest `maxEvents` events, none older than `maxAgeHours`;
 * lineage nodes (messages, invocations, executions) up to 20 per event kept, none older than the oldest event.
 */
export interface Retention {
  /** @default 10_000 */
  readonly maxEvents?: number;
  /** @default 24 */
  readonly maxAgeHours?: number;
}

export const DEFAULT_RETENTION = { maxEvents: 10_000, maxAgeHours: 24 } as const;

/** Lineage nodes kept per event kept: an app whose events fan out wider loses the oldest nodes first. */
const NODES_PER_EVENT = 20;
/** Trimming runs after this many writes, not on each one. */
const TRIM_EVERY = 200;

/** A node as stored, before its children are found: `parents` are the segments it hangs under. */
export interface StoredNode {
  readonly kind: LineageNode['kind'];
  readonly id: string;
  /** The segment calls made by this node carry as their parent (children are found by it). */
  readonly segment: string;
  readonly label: string;
  readonly time: number;
  readonly status?: string;
  readonly reason?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

interface EventRow {
  id: string;
  replay_name: string;
  bus: string;
  source: string;
  detail_type: string;
  time: string;
  accepted_at: number;
  detail: string;
  trace_header: string | null;
  matched: string;
}

interface NodeRow {
  kind: string;
  id: string;
  segment: string;
  label: string;
  time: number;
  status: string | null;
  reason: string | null;
  attributes: string | null;
}

/**
 * The read API's own records, in SQLite in the data folder (`read-api.sqlite`): the events
 * the buses accepted with their rule matches and target outcomes, and the lineage nodes
 * (messages, invocations, executions, dead-letters) linked by trace segment. Bounded by
 * {@link Retention}: events and nodes past it are deleted, so the file never grows without limit.
 */
export class ReadApiRecords {
  readonly #retention: Required<Retention>;
  readonly #s: ReturnType<typeof prepareStatements>;
  #writes = 0;
  /** Writes not yet committed: grouped into one transaction per turn of the event loop (a commit per message would cost more than the send). */
  #pending: (() => void)[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(
    private readonly db: DatabaseSync,
    retention: Retention = {},
    private readonly now: () => number = Date.now,
  ) {
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    if (!(this.#retention.maxEvents >= 1) || !(this.#retention.maxAgeHours > 0)) {
      throw new Error('read API retention must keep at least one event for some time (maxEvents >= 1, maxAgeHours > 0)');
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS bus_events (
        seq INTEGER PRIMARY KEY, id TEXT NOT NULL, replay_name TEXT NOT NULL DEFAULT '', bus TEXT NOT NULL,
        source TEXT NOT NULL, detail_type TEXT NOT NULL, time TEXT NOT NULL, accepted_at INTEGER NOT NULL,
        detail TEXT NOT NULL, trace_header TEXT, matched TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS bus_events_by_id ON bus_events (id, replay_name);
      CREATE INDEX IF NOT EXISTS bus_events_by_time ON bus_events (accepted_at);
      CREATE TABLE IF NOT EXISTS lineage_nodes (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, segment TEXT NOT NULL, label TEXT NOT NULL,
        time INTEGER NOT NULL, status TEXT, reason TEXT, attributes TEXT, UNIQUE (kind, id));
      CREATE INDEX IF NOT EXISTS lineage_nodes_by_id ON lineage_nodes (id);
      CREATE INDEX IF NOT EXISTS lineage_nodes_by_segment ON lineage_nodes (segment);
      CREATE INDEX IF NOT EXISTS lineage_nodes_by_time ON lineage_nodes (time);
      CREATE TABLE IF NOT EXISTS lineage_edges (
        parent TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (parent, kind, id));
      CREATE INDEX IF NOT EXISTS lineage_edges_by_time ON lineage_edges (time);
    `);
    this.#s = prepareStatements(db);
    this.trim();
  }

  addEvent(record: BusEventRecord): void {
    this.#write(() =>
      this.#s.insertEvent.run(
        record.id,
        record.replayName ?? '',
        record.bus,
        record.source,
        record.detailType,
        record.time,
        Date.parse(record.acceptedAt),
        JSON.stringify(record.detail),
        record.traceHeader ?? null,
        JSON.stringify(record.matched),
      ),
    );
  }

  /** Sets one target's outcome on the newest record of the event; returns the record as it is now. */
  setOutcome(
    eventId: string,
    replayName: string | undefined,
    ruleArn: string,
    targetId: string,
    outcome: RuleMatch['targets'][number]['outcome'],
    reason?: string,
  ): void {
    this.#write(() => this.#setOutcome(eventId, replayName, ruleArn, targetId, outcome, reason));
  }

  #setOutcome(
    eventId: string,
    replayName: string | undefined,
    ruleArn: string,
    targetId: string,
    outcome: RuleMatch['targets'][number]['outcome'],
    reason?: string,
  ): void {
    const row = this.#s.eventFor.get(eventId, replayName ?? '') as { seq: number; matched: string } | undefined;
    if (!row) return;
    const matched = JSON.parse(row.matched) as RuleMatch[];
    const next = matched.map((match) =>
      match.ruleArn !== ruleArn
        ? match
        : {
            ...match,
            targets: match.targets.map((target) =>
              target.id === targetId ? { id: target.id, arn: target.arn, outcome, ...(reason ? { reason } : {}) } : target,
            ),
          },
    );
    this.#s.setMatched.run(JSON.stringify(next), row.seq);
  }

  /** Every record of an event id (a replayed event has one per replay). */
  eventsById(id: string): BusEventRecord[] {
    this.flush();
    return (this.#s.eventById.all(id) as unknown as EventRow[]).map(toRecord);
  }

  /** Events whose detail holds `value` as a string value anywhere, oldest first. */
  eventsWithDetailValue(value: string, limit: number): BusEventRecord[] {
    this.flush();
    const pattern = `%${likeEscape(JSON.stringify(value))}%`;
    return (this.#s.eventsByDetail.all(pattern, limit) as unknown as EventRow[]).map(toRecord);
  }

  /** Events sent by whatever has `segment` (their trace header's parent). */
  eventsFromSegment(segment: string): BusEventRecord[] {
    this.flush();
    return (this.#s.eventsBySegment.all(`%Parent=${segment}%`) as unknown as EventRow[]).map(toRecord);
  }

  /** Newest first, filtered. */
  events(query: { bus?: string; detailType?: string; replayName?: string; since?: number; limit: number }): BusEventRecord[] {
    this.flush();
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.bus !== undefined) {
      where.push('bus = ?');
      params.push(query.bus);
    }
    if (query.detailType !== undefined) {
      where.push('detail_type = ?');
      params.push(query.detailType);
    }
    if (query.replayName !== undefined) {
      where.push('replay_name = ?');
      params.push(query.replayName);
    }
    if (query.since !== undefined) {
      where.push('accepted_at >= ?');
      params.push(query.since);
    }
    const sql = `SELECT * FROM bus_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, query.limit) as unknown as EventRow[]).map(toRecord);
  }

  /** Records a node (or updates the status, reason and attributes of one recorded before) under each parent segment. */
  putNode(node: StoredNode, parents: readonly string[]): void {
    this.#write(() => this.#putNode(node, parents));
  }

  #putNode(node: StoredNode, parents: readonly string[]): void {
    this.#s.upsertNode.run(
      node.kind,
      node.id,
      node.segment,
      node.label,
      node.time,
      node.status ?? null,
      node.reason ?? null,
      node.attributes ? JSON.stringify(node.attributes) : null,
    );
    for (const parent of parents) this.#s.insertEdge.run(parent, node.kind, node.id, node.time);
  }

  /** Sets one attribute of a node recorded before (queued like every write: no read, no commit of its own). */
  setAttribute(kind: StoredNode['kind'], id: string, name: string, value: string): void {
    this.#write(() => this.#s.setAttribute.run(JSON.stringify(name), value, kind, id));
  }

  setStatus(kind: StoredNode['kind'], id: string, status: string, reason?: string): void {
    this.#write(() => this.#s.updateNode.run(status, reason ?? null, kind, id));
  }

  node(kind: StoredNode['kind'], id: string): StoredNode | undefined {
    this.flush();
    const row = this.#s.node.get(kind, id) as NodeRow | undefined;
    return row && toNode(row);
  }

  nodesById(id: string): StoredNode[] {
    this.flush();
    return (this.#s.nodesById.all(id) as unknown as NodeRow[]).map(toNode);
  }

  /** Execution nodes whose ARN ends in `:<name>` (STANDARD) or holds `:<name>:` (EXPRESS). */
  executionsNamed(name: string): StoredNode[] {
    this.flush();
    const rows = this.#s.nodesByName.all(`%:${likeEscape(name)}%`) as unknown as NodeRow[];
    return rows.map(toNode).filter((node) => node.id.endsWith(`:${name}`) || node.id.includes(`:${name}:`));
  }

  children(segment: string): StoredNode[] {
    this.flush();
    return (this.#s.children.all(segment) as unknown as NodeRow[]).map(toNode);
  }

  /** Deletes what is past the retention: events by count and age, nodes and links older than the oldest event kept. */
  trim(): void {
    this.flush();
    const cutoff = this.now() - this.#retention.maxAgeHours * 3_600_000;
    this.#s.trimEventsByAge.run(cutoff);
    this.#s.trimEventsByCount.run(this.#retention.maxEvents);
    const oldest = (this.#s.oldestEvent.get() as { at: number | null }).at;
    // Nodes go with the events they descend from: nothing older than the oldest event kept (or the age cutoff).
    const nodeCutoff = Math.max(cutoff, oldest ?? cutoff);
    this.#s.trimNodes.run(nodeCutoff);
    this.#s.trimNodesByCount.run(this.#retention.maxEvents * NODES_PER_EVENT);
    this.#s.trimEdges.run(nodeCutoff);
    this.#s.trimOrphanEdges.run();
  }

  /** Commits what is queued; later writes are dropped (the runtime is stopping and closes the database next). */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Commits the writes queued so far (reads do first, so they see every write made before them). */
  flush(): void {
    if (this.#closed || this.#pending.length === 0) return;
    const writes = this.#pending;
    this.#pending = [];
    this.db.exec('BEGIN');
    try {
      for (const write of writes) write();
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
    this.#writes += writes.length;
    if (this.#writes >= TRIM_EVERY) {
      this.#writes = 0;
      this.trim();
    }
  }

  #write(write: () => unknown): void {
    if (this.#closed) return;
    this.#pending.push(() => void write());
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.flush();
    });
  }
}

function toRecord(row: EventRow): BusEventRecord {
  return {
    id: row.id,
    bus: row.bus,
    source: row.source,
    detailType: row.detail_type,
    time: row.time,
    acceptedAt: new Date(row.accepted_at).toISOString(),
    ...(row.replay_name ? { replayName: row.replay_name } : {}),
    detail: JSON.parse(row.detail) as unknown,
    matched: JSON.parse(row.matched) as RuleMatch[],
    ...(row.trace_header ? { traceHeader: row.trace_header } : {}),
  };
}

function toNode(row: NodeRow): StoredNode {
  return {
    kind: row.kind as StoredNode['kind'],
    id: row.id,
    segment: row.segment,
    label: row.label,
    time: row.time,
    ...(row.status === null ? {} : { status: row.status }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    ...(row.attributes === null ? {} : { attributes: JSON.parse(row.attributes) as Record<string, string> }),
  };
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    insertEvent: p(
      `INSERT INTO bus_events (id, replay_name, bus, source, detail_type, time, accepted_at, detail, trace_header, matched)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    eventById: p('SELECT * FROM bus_events WHERE id = ? ORDER BY seq'),
    eventFor: p('SELECT seq, matched FROM bus_events WHERE id = ? AND replay_name = ? ORDER BY seq DESC LIMIT 1'),
    setMatched: p('UPDATE bus_events SET matched = ? WHERE seq = ?'),
    eventsByDetail: p(`SELECT * FROM bus_events WHERE detail LIKE ? ESCAPE '\\' ORDER BY seq LIMIT ?`),
    eventsBySegment: p('SELECT * FROM bus_events WHERE trace_header LIKE ? ORDER BY seq'),
    upsertNode: p(
      `INSERT INTO lineage_nodes (kind, id, segment, label, time, status, reason, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET status = coalesce(excluded.status, status), reason = coalesce(excluded.reason, reason),
         attributes = coalesce(excluded.attributes, attributes)`,
    ),
    updateNode: p('UPDATE lineage_nodes SET status = ?, reason = coalesce(?, reason) WHERE kind = ? AND id = ?'),
    setAttribute: p(`UPDATE lineage_nodes SET attributes = json_set(coalesce(attributes, '{}'), '$.' || ?, ?) WHERE kind = ? AND id = ?`),
    nodesById: p('SELECT * FROM lineage_nodes WHERE id = ? ORDER BY seq'),
    node: p('SELECT * FROM lineage_nodes WHERE kind = ? AND id = ?'),
    nodesByName: p(`SELECT * FROM lineage_nodes WHERE kind = 'execution' AND id LIKE ? ESCAPE '\\' ORDER BY seq`),
    insertEdge: p('INSERT OR IGNORE INTO lineage_edges (parent, kind, id, time) VALUES (?, ?, ?, ?)'),
    children: p(
      `SELECT n.* FROM lineage_edges e JOIN lineage_nodes n ON n.kind = e.kind AND n.id = e.id WHERE e.parent = ? ORDER BY n.time, n.seq`,
    ),
    trimEventsByAge: p('DELETE FROM bus_events WHERE accepted_at < ?'),
    trimEventsByCount: p('DELETE FROM bus_events WHERE seq <= (SELECT seq FROM bus_events ORDER BY seq DESC LIMIT 1 OFFSET ?)'),
    trimNodes: p('DELETE FROM lineage_nodes WHERE time < ?'),
    trimNodesByCount: p('DELETE FROM lineage_nodes WHERE seq <= (SELECT seq FROM lineage_nodes ORDER BY seq DESC LIMIT 1 OFFSET ?)'),
    trimEdges: p('DELETE FROM lineage_edges WHERE time < ?'),
    trimOrphanEdges: p('DELETE FROM lineage_edges WHERE time < (SELECT min(time) FROM lineage_nodes)'),
    oldestEvent: p('SELECT min(accepted_at) AS at FROM bus_events'),
  };
}
