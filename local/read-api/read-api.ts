import type { DatabaseSync } from 'node:sqlite';
import { type Lineage, mergeLineagePages, type StreamMessage } from '../../clients/read-api-contract.js';
import { LineageBuilder } from './lineage.js';
import { LiveFeed } from './live-feed.js';
import type { ReadNoteKind, ReadNotes, ReadRecording } from './read-notes.js';
import { ReadApiRecords, type Retention } from './records.js';
import { ReadApiRouter } from './router.js';
import { type LogReader, ReadApiRouteError, type ServiceReads } from './routes.js';

/** A note no module records, or a kind of note two modules record. */
export class ReadApiRecordError extends Error {
  override readonly name = 'ReadApiRecordError';
}

/**
 * What a module's `records` writes with: the read API's records (nodes, statuses, event
 * records) and its live feed. It names no service: each module knows what its notes mean.
 */
export interface ReadRecorder {
  readonly records: ReadApiRecords;
  /** Sends a message to the live feed's subscribers. */
  publish(message: StreamMessage): void;
  /** Whether anyone listens to the live feed (building a message only to drop it costs). */
  readonly listening: boolean;
  now(): number;
}

/** A module's `records`: given the read API's recorder once, the function for each kind of note it records. */
export type ReadRecords = (recorder: ReadRecorder) => ReadRecording;

export interface ReadApiOptions {
  /** `read-api.sqlite` in the data folder. */
  readonly db: DatabaseSync;
  /**
   * The events database the bus accepts events in: the records of accepted events live
   * there, written by the events module's `records` in the bus's own transaction.
   * @default db
   */
  readonly eventsDb?: DatabaseSync;
  readonly retention?: Retention;
  /** Every module's `records` (what the modules declare): how each kind of note is recorded, a kind by one module. */
  readonly records?: readonly ReadRecords[];
  readonly now?: () => number;
  /** @default 15 s */
  readonly heartbeatMs?: number;
}

/**
 * The runtime's read API (docs/read-api.md): what AWS has no API for. The services tell it
 * what happens (`record`), each kind of note recorded as its module's `records` declares; it keeps records in
 * its own database, feeds live subscribers, and answers GETs under the prefix: its own views
 * (the event records, lineage, the live stream) and what the services mount (`mount`).
 */
export class ReadApi {
  readonly feed: LiveFeed;
  readonly records: ReadApiRecords;
  readonly router: ReadApiRouter;
  readonly #lineage: LineageBuilder;
  /** How each kind of note is recorded: what the modules' `records` gave. */
  readonly #recording = new Map<string, (note: never) => void>();
  /** What the services add (mount): their routes, lineage nodes and invocations' log lines. */
  #services: readonly ServiceReads[] = [];
  #invocationLogs: LogReader | undefined;

  constructor(options: ReadApiOptions) {
    this.feed = new LiveFeed(options.heartbeatMs);
    this.records = new ReadApiRecords(options.db, options.retention, options.now, options.eventsDb);
    this.#lineage = new LineageBuilder(this.records, {
      logs: () => this.#invocationLogs,
      from: (segment) => this.#services.flatMap((reads) => reads.lineage?.(segment) ?? []),
    });
    this.router = new ReadApiRouter({
      feed: this.feed,
      events: (query) => this.records.eventsPage(query),
      lineage: (id, depth, page) => this.#lineage.build(id, depth, page),
      wholeLineage: (id) => this.lineage(id),
    });
    const feed = this.feed;
    const recorder: ReadRecorder = {
      records: this.records,
      publish: (message) => feed.publish(message),
      get listening() {
        return feed.subscribers > 0;
      },
      now: () => (options.now ?? Date.now)(),
    };
    for (const records of options.records ?? []) {
      for (const [kind, record] of Object.entries(records(recorder))) {
        if (this.#recording.has(kind)) throw new ReadApiRecordError(`two modules record the read API's notes of kind ${kind}`);
        this.#recording.set(kind, record as (note: never) => void);
      }
    }
  }

  /**
   * What the services add to the read API, each module's `mounts.reads` (the registry hands
   * them over once every service exists): their routes are served from now on, their lineage
   * nodes and invocations' log lines join the lineage.
   */
  mount(reads: readonly ServiceReads[]): void {
    const logs = reads.flatMap((read) => (read.invocationLogs ? [read.invocationLogs] : []));
    if (logs.length > 1) throw new ReadApiRouteError("two services give the invocations' log lines");
    this.router.mount(reads.flatMap((read) => read.routes ?? []));
    this.#services = reads;
    this.#invocationLogs = logs[0];
  }

  /** The whole lineage of `id`: every page of roots, each root once. */
  async lineage(id: string, depth = 50): Promise<Lineage> {
    const pages: Lineage[] = [];
    let after: number | undefined;
    do {
      const page = await this.#lineage.build(id, depth, after === undefined ? {} : { after });
      pages.push({ roots: page.roots });
      after = page.last;
    } while (after !== undefined);
    return mergeLineagePages(pages);
  }

  /**
   * A service tells what happened (its module's `records` declares the kind): the function its
   * module gave for the kind records the note.
   * @throws ReadApiRecordError when no module records notes of that kind
   */
  record<K extends ReadNoteKind>(kind: K, note: ReadNotes[K]): void {
    const record = this.#recording.get(kind) as ((note: ReadNotes[K]) => void) | undefined;
    if (record === undefined)
      throw new ReadApiRecordError(`no module records the read API's notes of kind ${kind} (a module's records declares each)`);
    record(note);
  }

  close(): void {
    this.feed.close();
    this.records.close();
  }
}
