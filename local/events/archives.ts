import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AwsError, validationError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import type { ArchiveDefinition, BusDefinition, EventEnvelope } from './definitions.js';
import { type CompiledPattern, compilePattern, matchesPattern } from './pattern.js';
import type { EventRegistry } from './registry.js';
import { toMillis } from './time.js';

export interface Replay {
  ReplayName: string;
  ReplayArn: string;
  Description?: string;
  State: 'STARTING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';
  StateReason?: string;
  EventSourceArn: string;
  Destination: { Arn: string; FilterArns?: string[] };
  EventStartTime: number;
  EventEndTime: number;
  EventLastReplayedTime?: number;
  ReplayStartTime: number;
  ReplayEndTime?: number;
}

export type StartReplayInput = Partial<Omit<Replay, 'State' | 'ReplayArn' | 'ReplayStartTime'>>;

export interface ArchivesOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  readonly archives: readonly ArchiveDefinition[];
  readonly registry: EventRegistry;
  /** Routes a replayed event to the rules of `bus` (only those in `onlyRules` when given), inside the caller's transaction. */
  readonly route: (bus: BusDefinition, event: EventEnvelope, onlyRules?: ReadonlySet<string>) => void;
  /** Called after replayed deliveries are committed. */
  readonly routed: () => void;
  /** Called when a replay's deliveries were rolled back (nothing it routed happened). */
  readonly abandoned?: () => void;
}

/** Archives from the template, the events they keep (in SQLite), and replays of them. */
export class Archives {
  readonly #archives: { definition: ArchiveDefinition; pattern?: CompiledPattern }[];
  readonly #statements: Record<'archive' | 'archived' | 'archiveStats' | 'saveReplay' | 'replays', StatementSync>;

  constructor(private readonly options: ArchivesOptions) {
    this.#archives = options.archives.map((definition) => ({
      definition,
      pattern: definition.eventPattern === undefined ? undefined : compilePattern(definition.eventPattern),
    }));
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS archived_events (
        seq INTEGER PRIMARY KEY, archive TEXT NOT NULL, time INTEGER NOT NULL, size INTEGER NOT NULL, event TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS archived_by_time ON archived_events (archive, time);
      CREATE TABLE IF NOT EXISTS replays (name TEXT PRIMARY KEY, json TEXT NOT NULL);
    `);
    this.#statements = {
      archive: db.prepare('INSERT INTO archived_events (archive, time, size, event) VALUES (?, ?, ?, ?)'),
      archived: db.prepare('SELECT event FROM archived_events WHERE archive = ? AND time >= ? AND time < ? ORDER BY seq'),
      archiveStats: db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS size FROM archived_events WHERE archive = ?'),
      saveReplay: db.prepare('INSERT OR REPLACE INTO replays (name, json) VALUES (?, ?)'),
      replays: db.prepare('SELECT json FROM replays ORDER BY name'),
    };
  }

  /** Expires old archived events; a replay that was running when the process died is reported as failed, not silently resumed. */
  start(): void {
    for (const { definition } of this.#archives) {
      if (definition.retentionDays <= 0) continue;
      const cutoff = this.options.clock.now() - definition.retentionDays * 86_400_000;
      this.options.db.prepare('DELETE FROM archived_events WHERE archive = ? AND time < ?').run(definition.arn, cutoff);
    }
    for (const replay of this.#loadReplays()) {
      if (replay.State === 'STARTING' || replay.State === 'RUNNING') {
        this.#saveReplay({ ...replay, State: 'FAILED', StateReason: 'the local runtime stopped during the replay' });
      }
    }
  }

  /** Keeps an accepted event in the bus's archives (inside the caller's transaction). */
  archiveEvent(bus: BusDefinition, event: EventEnvelope): void {
    // Replayed events are not archived again, or every replay would grow the archive.
    if (event['replay-name']) return;
    for (const archive of this.#archives) {
      if (archive.definition.sourceArn !== bus.arn) continue;
      if (archive.pattern && !matchesPattern(archive.pattern, event)) continue;
      const text = JSON.stringify(event);
      this.#statements.archive.run(archive.definition.arn, Date.parse(event.time), Buffer.byteLength(text), text);
    }
  }

  async ListArchives(input: { NamePrefix?: string; EventSourceArn?: string }) {
    return {
      Archives: this.#archives
        .filter(({ definition }) => definition.name.startsWith(input.NamePrefix ?? ''))
        .filter(({ definition }) => input.EventSourceArn === undefined || definition.sourceArn === input.EventSourceArn)
        .map(({ definition }) => this.#archiveSummary(definition)),
    };
  }

  async DescribeArchive(input: { ArchiveName?: string }) {
    const { definition } = this.#archive(input.ArchiveName);
    return {
      ...this.#archiveSummary(definition),
      ArchiveArn: definition.arn,
      Description: definition.description,
      EventPattern: definition.eventPattern === undefined ? undefined : JSON.stringify(definition.eventPattern),
    };
  }

  async StartReplay(input: StartReplayInput) {
    const name = input.ReplayName;
    if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
      throw validationError('ReplayName must be 1-64 characters of letters, digits, . - and _');
    if (this.#loadReplays().some((r) => r.ReplayName === name))
      throw new AwsError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = this.#archives.find((a) => a.definition.arn === input.EventSourceArn);
    if (!archive) throw new AwsError('ResourceNotFoundException', `Archive ${input.EventSourceArn} does not exist.`);
    const destination = input.Destination;
    if (typeof destination?.Arn !== 'string') throw validationError('Destination.Arn is required');
    if (destination.Arn !== archive.definition.sourceArn) {
      throw validationError('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    }
    const start = toMillis(input.EventStartTime);
    const end = toMillis(input.EventEndTime);
    if (start === undefined || end === undefined || start >= end) throw validationError('EventStartTime must be before EventEndTime');
    if (destination.FilterArns !== undefined && !Array.isArray(destination.FilterArns))
      throw validationError('Destination.FilterArns must be a list of rule ARNs');
    for (const arn of destination.FilterArns ?? []) {
      if (!this.options.registry.ruleByArn(arn)) throw new AwsError('ResourceNotFoundException', `Rule ${arn} does not exist.`);
    }
    const now = this.options.clock.now();
    const replay: Replay = {
      ReplayName: name,
      ReplayArn: `arn:aws:events:${this.options.region}:${this.options.accountId}:replay/${name}`,
      Description: input.Description,
      State: 'STARTING',
      EventSourceArn: archive.definition.arn,
      Destination: { Arn: destination.Arn, FilterArns: destination.FilterArns },
      EventStartTime: start / 1000,
      EventEndTime: end / 1000,
      ReplayStartTime: now / 1000,
    };
    this.#saveReplay(replay);
    setImmediate(() => this.#runReplay(replay, archive.definition, start, end));
    return { ReplayArn: replay.ReplayArn, State: replay.State, ReplayStartTime: replay.ReplayStartTime };
  }

  async DescribeReplay(input: { ReplayName?: string }) {
    const replay = this.#loadReplays().find((r) => r.ReplayName === input.ReplayName);
    if (!replay) throw new AwsError('ResourceNotFoundException', `Replay ${input.ReplayName} does not exist.`);
    return replay;
  }

  async ListReplays(input: { NamePrefix?: string }) {
    return { Replays: this.#loadReplays().filter((r) => r.ReplayName.startsWith(input.NamePrefix ?? '')) };
  }

  #runReplay(replay: Replay, archive: ArchiveDefinition, start: number, end: number): void {
    try {
      this.#saveReplay({ ...replay, State: 'RUNNING' });
      const bus = this.options.registry.buses().find((b) => b.arn === archive.sourceArn);
      if (!bus) throw new Error(`bus ${archive.sourceArn} no longer exists`);
      const filter = replay.Destination.FilterArns?.length ? new Set(replay.Destination.FilterArns) : undefined;
      let last: number | undefined;
      const rows = this.#statements.archived.all(archive.arn, start, end) as { event: string }[];
      this.options.db.exec('BEGIN');
      try {
        for (const row of rows) {
          const event = { ...(JSON.parse(row.event) as EventEnvelope), 'replay-name': replay.ReplayName };
          this.options.route(bus, event, filter);
          last = Date.parse(event.time);
        }
        this.options.db.exec('COMMIT');
      } catch (error) {
        this.options.db.exec('ROLLBACK');
        this.options.abandoned?.();
        throw error;
      }
      this.#saveReplay({
        ...replay,
        State: 'COMPLETED',
        EventLastReplayedTime: last === undefined ? undefined : last / 1000,
        ReplayEndTime: this.options.clock.now() / 1000,
      });
      this.options.routed();
    } catch (error) {
      this.#saveReplay({ ...replay, State: 'FAILED', StateReason: (error as Error).message });
    }
  }

  #archiveSummary(definition: ArchiveDefinition) {
    const stats = this.#statements.archiveStats.get(definition.arn) as { count: number; size: number };
    return {
      ArchiveName: definition.name,
      EventSourceArn: definition.sourceArn,
      State: 'ENABLED',
      RetentionDays: definition.retentionDays,
      EventCount: stats.count,
      SizeBytes: stats.size,
    };
  }

  #archive(name: string | undefined) {
    const archive = this.#archives.find((a) => a.definition.name === name);
    if (!archive) throw new AwsError('ResourceNotFoundException', `Archive ${name} does not exist.`);
    return archive;
  }

  #loadReplays(): Replay[] {
    return (this.#statements.replays.all() as { json: string }[]).map((row) => JSON.parse(row.json) as Replay);
  }

  #saveReplay(replay: Replay): void {
    this.#statements.saveReplay.run(replay.ReplayName, JSON.stringify(replay));
  }
}
