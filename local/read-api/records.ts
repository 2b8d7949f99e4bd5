import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { BusEventRecord, LineageNode } from '../../clients/read-api-contract.js';
import { BusEventTable, type EventsFilter, likeEscape, type SequencedRecord, type TargetOutcome } from './event-records.js';

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

const DEFAULT_RETENTION = { maxEvents: 10_000, maxAgeHours: 24 } as const;

/** Lineage nodes kept per event kept: an app whose events fan out wider loses the oldest nodes first. */
const NODES_PER_EVENT = 20;
/** Trimming runs after this many writes, not on each one. */
const TRIM_EVERY = 200;
/**
 * How long queued writes wait for others before they are committed together. A commit per
 * turn of the event loop was the read API's largest cost in a busy pipeline; reads commit
 * what is queued first, so they never miss a write, and a kill loses at most this much of
 * the lineage and outcomes (never an event's record: the bus writes it in its own transaction).
 */
const FLUSH_DELAY_MS = 50;

/**
 * Indexes older data folders have and this version drops. Each was keyed by a random value (a
 * node's id, its segment), so each node written dirtied a page of each, and a commit writes
 * every dirtied page whole to the WAL: the main thread's largest cost per event (issue 70).
 * No query read by segment; a lookup by id probes the unique `(kind, id)` index once per kind
 * ({@link NODE_KINDS}).
 */
const DROPPED_INDEXES = 'DROP INDEX IF EXISTS lineage_nodes_by_id; DROP INDEX IF EXISTS lineage_nodes_by_segment;';

/** Every kind a node can have (a Record, so that a kind added to the contract must be added here too). */
const NODE_KINDS = Object.keys({
  event: true,
  rule: true,
  message: true,
  invocation: true,
  execution: true,
  'dead-letter': true,
  'flow-control': true,
  'model-call': true,
  notification: true,
  delivery: true,
} satisfies Record<LineageNode['kind'], true>);

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
 * The read API's own records, in SQLite: the lineage nodes (messages, invocations,
 * executions, dead-letters) linked by trace segment in the data folder's `read-api.sqlite`,
 * and the events the buses accepted, with their rule matches and target outcomes, in the
 * events database (see {@link BusEventTable}: written in the bus's own transaction).
 * Bounded by {@link Retention}: events and nodes past it are deleted, so neither file grows
 * without limit.
 */
export class ReadApiRecords {
  readonly #retention: Required<Retention>;
  readonly #s: ReturnType<typeof prepareStatements>;
  readonly #events: BusEventTable;
  #writes = 0;
  /**
   * Writes not yet committed, per database: grouped into one transaction every
   * FLUSH_DELAY_MS (a commit per message would cost more than the send). Lineage nodes only,
   * and target outcomes: an event's own record is written when the bus accepts it.
   */
  #pendingNodes: (() => void)[] = [];
  #pendingEvents: (() => void)[] = [];
  #flushScheduled = false;
  #closed = false;

  /** `eventsDb`: the events database the bus accepts events in (the same as `db` when there is one database). */
  constructor(
    private readonly db: DatabaseSync,
    retention: Retention = {},
    private readonly now: () => number = Date.now,
    eventsDb: DatabaseSync = db,
  ) {
    this.#retention = { ...DEFAULT_RETENTION, ...retention };
    if (!(this.#retention.maxEvents >= 1) || !(this.#retention.maxAgeHours > 0)) {
      throw new Error('read API retention must keep at least one event for some time (maxEvents >= 1, maxAgeHours > 0)');
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS lineage_nodes (
        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT NOT NULL, segment TEXT NOT NULL, label TEXT NOT NULL,
        time INTEGER NOT NULL, status TEXT, reason TEXT, attributes TEXT, UNIQUE (kind, id));
      CREATE INDEX IF NOT EXISTS lineage_nodes_by_time ON lineage_nodes (time);
      ${DROPPED_INDEXES}
      CREATE TABLE IF NOT EXISTS lineage_edges (
        parent TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (parent, kind, id));
      CREATE INDEX IF NOT EXISTS lineage_edges_by_time ON lineage_edges (time);
      CREATE TABLE IF NOT EXISTS lineage_inner_segments (
        segment TEXT PRIMARY KEY, outer_segment TEXT NOT NULL, time INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS lineage_inner_segments_by_outer ON lineage_inner_segments (outer_segment);
      CREATE INDEX IF NOT EXISTS lineage_inner_segments_by_time ON lineage_inner_segments (time);
    `);
    this.#events = new BusEventTable(eventsDb, db);
    this.#s = prepareStatements(db);
    this.trim();
  }

  /**
   * Records an event a bus accepted, at once: the bus calls this inside the transaction
   * that accepts the event, so that the record commits with the acceptance.
   */
  addEvent(record: BusEventRecord): void {
    if (this.#closed) return;
    this.#events.insert(record);
    this.#counted(1);
  }

  /** Sets one target's outcome on the newest record of the event (queued: committed within FLUSH_DELAY_MS). */
  setOutcome(update: TargetOutcome): void {
    this.#write(this.#pendingEvents, () => this.#events.setOutcome(update));
  }

  /** Every record of an event id (a replayed event has one per replay). */
  eventsById(id: string): BusEventRecord[] {
    this.flush();
    return this.#events.byId(id);
  }

  /** Events whose detail holds `value` as a string value anywhere, oldest first, after `afterSeq` (a page's last). */
  eventsWithDetailValue(value: string, limit: number, afterSeq?: number): SequencedRecord[] {
    this.flush();
    return this.#events.withDetailValue(value, limit, afterSeq);
  }

  /** Events sent by whatever has `segment` (their trace header's parent). */
  eventsFromSegment(segment: string): BusEventRecord[] {
    this.flush();
    return this.#events.fromSegment(segment);
  }

  /** Newest first, filtered. */
  events(query: EventsFilter & { limit: number }): BusEventRecord[] {
    return this.eventsPage(query).events;
  }

  /** A page, newest first, of the events older than `before` (the `last` of the page before); `last` is set when more follow. */
  eventsPage(query: EventsFilter & { limit: number; before?: number }): { events: BusEventRecord[]; last?: number } {
    this.flush();
    const rows = this.#events.list(query, query.limit + 1, query.before);
    const shown = rows.slice(0, query.limit);
    const last = rows.length > query.limit ? shown.at(-1)?.seq : undefined;
    return { events: shown.map((row) => row.record), ...(last === undefined ? {} : { last }) };
  }

  /** Records a node (or updates the status, reason and attributes of one recorded before) under each parent segment. */
  putNode(node: StoredNode, parents: readonly string[]): void {
    this.#write(this.#pendingNodes, () => this.#putNode(node, parents));
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
    this.#write(this.#pendingNodes, () => this.#s.setAttribute.run(JSON.stringify(name), value, kind, id));
  }

  /** Hangs a node recorded before (or later) under one more segment (queued like every write). */
  link(parent: string, kind: StoredNode['kind'], id: string, time: number): void {
    this.#write(this.#pendingNodes, () => this.#s.insertEdge.run(parent, kind, id, time));
  }

  setStatus(kind: StoredNode['kind'], id: string, status: string, reason?: string): void {
    this.#write(this.#pendingNodes, () => this.#s.updateNode.run(status, reason ?? null, kind, id));
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

  /**
   * Records that calls made by `segment` are made for the node whose segment is `outer` (a
   * state's calls are its execution's: lineage has no node of its own for a state).
   */
  putInnerSegment(segment: string, outer: string, time: number): void {
    this.#write(this.#pendingNodes, () => this.#s.insertInnerSegment.run(segment, outer, time));
  }

  /** The segments whose calls are made for the node of `segment` (its execution's states). */
  innerSegments(segment: string): string[] {
    this.flush();
    return (this.#s.innerSegments.all(segment) as unknown as { segment: string }[]).map((row) => row.segment);
  }

  children(segment: string): StoredNode[] {
    this.flush();
    return (this.#s.children.all(segment) as unknown as NodeRow[]).map(toNode);
  }

  /** Deletes what is past the retention: events by count and age, nodes and links older than the oldest event kept. */
  trim(): void {
    this.flush();
    if (this.#closed || this.#inTransaction()) return;
    const cutoff = this.now() - this.#retention.maxAgeHours * 3_600_000;
    const oldest = this.#events.trim(cutoff, this.#retention.maxEvents);
    // Nodes go with the events they descend from: nothing older than the oldest event kept (or the age cutoff).
    const nodeCutoff = Math.max(cutoff, oldest ?? cutoff);
    this.#s.trimNodes.run(nodeCutoff);
    this.#s.trimNodesByCount.run(this.#retention.maxEvents * NODES_PER_EVENT);
    this.#s.trimEdges.run(nodeCutoff);
    this.#s.trimInnerSegments.run(nodeCutoff);
    this.#s.trimOrphanEdges.run();
  }

  /** Commits what is queued; later writes are dropped (the runtime is stopping and closes the database next). */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  /** Commits the writes queued so far (reads do first, so they see every write made before them). */
  flush(): void {
    // Inside the bus's transaction (a read from an observer it calls) there is nothing to begin: the scheduled flush commits.
    if (this.#closed || this.#inTransaction()) return;
    const events = this.#pendingEvents;
    const nodes = this.#pendingNodes;
    this.#pendingEvents = [];
    this.#pendingNodes = [];
    if (this.#events.db === this.db) commit(this.db, [...events, ...nodes]);
    else {
      commit(this.#events.db, events);
      commit(this.db, nodes);
    }
    this.#counted(events.length + nodes.length);
  }

  #inTransaction(): boolean {
    return this.db.isTransaction || this.#events.db.isTransaction;
  }

  /** Counts writes; every TRIM_EVERY of them, a trim (never inside the caller's transaction: it runs after). */
  #counted(writes: number): void {
    this.#writes += writes;
    if (this.#writes < TRIM_EVERY) return;
    if (this.#inTransaction()) {
      this.#schedule();
      return;
    }
    this.#writes = 0;
    this.trim();
  }

  #write(queue: (() => void)[], write: () => unknown): void {
    if (this.#closed) return;
    queue.push(() => void write());
    this.#schedule();
  }

  #schedule(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setTimeout(() => {
      this.#flushScheduled = false;
      // Closed since (the runtime stopping): close() committed what was queued, and the database may be gone.
      if (this.#closed) return;
      if (this.#inTransaction()) this.#schedule();
      else this.flush();
    }, FLUSH_DELAY_MS);
  }
}

/** Runs queued writes in one transaction. */
function commit(db: DatabaseSync, writes: readonly (() => void)[]): void {
  if (writes.length === 0) return;
  db.exec('BEGIN');
  try {
    for (const write of writes) write();
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
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

function prepareStatements(db: DatabaseSync) {
  const p = (sql: string): StatementSync => db.prepare(sql);
  return {
    upsertNode: p(
      `INSERT INTO lineage_nodes (kind, id, segment, label, time, status, reason, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (kind, id) DO UPDATE SET status = coalesce(excluded.status, status), reason = coalesce(excluded.reason, reason),
         attributes = coalesce(excluded.attributes, attributes)`,
    ),
    updateNode: p('UPDATE lineage_nodes SET status = ?, reason = coalesce(?, reason) WHERE kind = ? AND id = ?'),
    setAttribute: p(`UPDATE lineage_nodes SET attributes = json_set(coalesce(attributes, '{}'), '$.' || ?, ?) WHERE kind = ? AND id = ?`),
    // The kinds listed so that SQLite looks the id up in the unique (kind, id) index, one probe a kind.
    nodesById: p(`SELECT * FROM lineage_nodes WHERE kind IN (${NODE_KINDS.map((kind) => `'${kind}'`).join(', ')}) AND id = ? ORDER BY seq`),
    node: p('SELECT * FROM lineage_nodes WHERE kind = ? AND id = ?'),
    nodesByName: p(`SELECT * FROM lineage_nodes WHERE kind = 'execution' AND id LIKE ? ESCAPE '\\' ORDER BY seq`),
    insertEdge: p('INSERT OR IGNORE INTO lineage_edges (parent, kind, id, time) VALUES (?, ?, ?, ?)'),
    children: p(
      `SELECT n.* FROM lineage_edges e JOIN lineage_nodes n ON n.kind = e.kind AND n.id = e.id WHERE e.parent = ? ORDER BY n.time, n.seq`,
    ),
    trimNodes: p('DELETE FROM lineage_nodes WHERE time < ?'),
    // As the events' trim (event-records.ts): an upsert keeps a node's seq, so the newest seqs have no gap.
    trimNodesByCount: p('DELETE FROM lineage_nodes WHERE seq <= (SELECT max(seq) FROM lineage_nodes) - ?'),
    trimEdges: p('DELETE FROM lineage_edges WHERE time < ?'),
    insertInnerSegment: p('INSERT OR IGNORE INTO lineage_inner_segments (segment, outer_segment, time) VALUES (?, ?, ?)'),
    innerSegments: p('SELECT segment FROM lineage_inner_segments WHERE outer_segment = ? ORDER BY time'),
    trimInnerSegments: p('DELETE FROM lineage_inner_segments WHERE time < ?'),
    trimOrphanEdges: p('DELETE FROM lineage_edges WHERE time < (SELECT min(time) FROM lineage_nodes)'),
  };
}
