import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import { JsonTable } from '../store/json-table.js';
import type { ServiceState } from '../store/service-state.js';
import type { Clock } from '../time/clock.js';
import type { ArchiveDefinition, BusDefinition, EventEnvelope } from './definitions.js';
import { type CompiledPattern, compilePattern, matchesPattern } from './pattern.js';
import type { RuleStore } from './rule-store.js';
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

export interface ArchivesOptions extends ServiceState {
  readonly archives: readonly ArchiveDefinition[];
  readonly ruleStore: RuleStore;
  /** Routes a replayed event to the rules of `bus` (only those in `onlyRules` when given), inside the caller's transaction. */
  readonly route: (bus: BusDefinition, event: EventEnvelope, onlyRules?: ReadonlySet<string>) => void;
  /** Called after replayed deliveries are committed. */
  readonly routed: () => void;
  /** Called when a replay's deliveries were rolled back (nothing it routed happened). */
  readonly abandoned?: () => void;
}

type Archive = { definition: ArchiveDefinition; pattern?: CompiledPattern };

/**
 * Archives from the template and from the API (CreateArchive, kept in SQLite like the
 * events they keep), and replays of them. A template archive changed or deleted through
 * the API returns to the template's version at the next start, as a rule does.
 */
export class Archives {
  readonly #archives: Archive[];
  readonly #statements: Record<'archive' | 'archived' | 'archiveStats', StatementSync>;
  readonly #replays: JsonTable<Replay>;
  readonly #api: ArchiveStore;

  constructor(private readonly options: ArchivesOptions) {
    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS archived_events (
        seq INTEGER PRIMARY KEY, archive TEXT NOT NULL, time INTEGER NOT NULL, size INTEGER NOT NULL, event TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS archived_by_time ON archived_events (archive, time);
    `);
    this.#replays = new JsonTable(db, 'replays', 'name');
    this.#api = new ArchiveStore(db, options.clock);
    const template = new Set(options.archives.map((a) => a.name));
    const definitions = [
      ...options.archives.map((a) => ({ ...a, creationTime: this.#api.firstSeen(a.name) })),
      ...this.#api.load().filter((a) => !template.has(a.name)),
    ];
    this.#archives = definitions.map((definition) => compiled(definition));
    this.#statements = {
      archive: db.prepare('INSERT INTO archived_events (archive, time, size, event) VALUES (?, ?, ?, ?)'),
      archived: db.prepare('SELECT event FROM archived_events WHERE archive = ? AND time >= ? AND time < ? ORDER BY seq'),
      archiveStats: db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS size FROM archived_events WHERE archive = ?'),
    };
  }

  async CreateArchive(input: Record<string, unknown>) {
    const name = String(input.ArchiveName ?? '');
    if (this.#archives.some((a) => a.definition.name === name))
      throw new AwsError('ResourceAlreadyExistsException', `Archive ${name} already exists.`);
    const bus = this.options.ruleStore.bus(String(input.EventSourceArn ?? ''));
    const definition: ArchiveDefinition = {
      name,
      arn: `arn:aws:events:${this.options.region}:${this.options.accountId}:archive/${name}`,
      sourceArn: bus.arn,
      eventPattern: optionalString(input.EventPattern),
      retentionDays: typeof input.RetentionDays === 'number' ? input.RetentionDays : 0,
      description: optionalString(input.Description),
      creationTime: this.options.clock.now(),
    };
    // Compiled before anything is kept: a bad pattern fails with InvalidEventPatternException.
    const archive = compiled(definition);
    this.#api.save(definition);
    this.#archives.push(archive);
    return { ArchiveArn: definition.arn, State: 'ENABLED', CreationTime: (definition.creationTime ?? 0) / 1000 };
  }

  async UpdateArchive(input: Record<string, unknown>) {
    if (input.EventPattern === undefined && input.RetentionDays === undefined && input.Description === undefined)
      throw validationError('At least one of EventPattern, RetentionDays or Description must be provided.');
    const archive = this.#archive(optionalString(input.ArchiveName));
    const definition: ArchiveDefinition = {
      ...archive.definition,
      ...(input.EventPattern === undefined ? {} : { eventPattern: optionalString(input.EventPattern) || undefined }),
      ...(typeof input.RetentionDays === 'number' ? { retentionDays: input.RetentionDays } : {}),
      ...(input.Description === undefined ? {} : { description: optionalString(input.Description) }),
    };
    const updated = compiled(definition);
    if (!this.options.archives.some((a) => a.name === definition.name)) this.#api.save(definition);
    this.#archives.splice(this.#archives.indexOf(archive), 1, updated);
    return { ArchiveArn: definition.arn, State: 'ENABLED', CreationTime: (definition.creationTime ?? 0) / 1000 };
  }

  /** DeleteArchive: the archive and the events it kept. */
  async DeleteArchive(input: Record<string, unknown>) {
    const archive = this.#archive(optionalString(input.ArchiveName));
    this.#archives.splice(this.#archives.indexOf(archive), 1);
    this.#api.delete(archive.definition.name);
    this.options.db.prepare('DELETE FROM archived_events WHERE archive = ?').run(archive.definition.arn);
    return {};
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
  archiveEvent(bus: BusDefinition, event: EventEnvelope, eventText: () => string = () => JSON.stringify(event)): void {
    // Replayed events are not archived again, or every replay would grow the archive.
    if (event['replay-name']) return;
    for (const archive of this.#archives) {
      if (archive.definition.sourceArn !== bus.arn) continue;
      if (archive.pattern && !matchesPattern(archive.pattern, event)) continue;
      const text = eventText();
      this.#statements.archive.run(archive.definition.arn, Date.parse(event.time), Buffer.byteLength(text), text);
    }
  }

  async ListArchives(input: Record<string, unknown>) {
    const prefix = optionalString(input.NamePrefix) ?? '';
    const source = input.EventSourceArn === undefined ? undefined : this.options.ruleStore.bus(String(input.EventSourceArn)).arn;
    // Every archive here is ENABLED: the states AWS passes through while it creates or changes one last no time locally.
    const state = optionalString(input.State);
    return {
      Archives: this.#archives
        .filter(({ definition }) => definition.name.startsWith(prefix))
        .filter(({ definition }) => source === undefined || definition.sourceArn === source)
        .filter(() => state === undefined || state === 'ENABLED')
        .map(({ definition }) => this.#archiveSummary(definition)),
    };
  }

  async DescribeArchive(input: { ArchiveName?: string }) {
    const { definition } = this.#archive(input.ArchiveName);
    return {
      ...this.#archiveSummary(definition),
      ArchiveArn: definition.arn,
      Description: definition.description,
      EventPattern: patternText(definition.eventPattern),
    };
  }

  async StartReplay(input: StartReplayInput) {
    const name = input.ReplayName;
    if (typeof name !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
      throw validationError('ReplayName must be 1-64 characters of letters, digits, . - and _');
    if (this.#loadReplays().some((r) => r.ReplayName === name))
      throw new AwsError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    // Checked in the order AWS answers them (recorded answers): the archive, the window, the destination bus.
    const archive = this.#archives.find((a) => a.definition.arn === input.EventSourceArn);
    if (!archive) {
      const archiveName = tryParseArn(String(input.EventSourceArn))?.resourceId ?? String(input.EventSourceArn);
      throw validationError(`Parameter EventSourceArn is not valid. Reason: Archive ${archiveName} does not exist.`);
    }
    const start = toMillis(input.EventStartTime);
    const end = toMillis(input.EventEndTime);
    if (start === undefined || end === undefined || start >= end)
      throw validationError('Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.');
    const destination = input.Destination;
    if (typeof destination?.Arn !== 'string') throw validationError('Destination.Arn is required');
    if (this.options.ruleStore.bus(destination.Arn).arn !== archive.definition.sourceArn) {
      throw validationError('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    }
    if (destination.FilterArns !== undefined && !Array.isArray(destination.FilterArns))
      throw validationError('Destination.FilterArns must be a list of rule ARNs');
    for (const arn of destination.FilterArns ?? []) {
      if (!this.options.ruleStore.ruleByArn(arn)) throw new AwsError('ResourceNotFoundException', `Rule ${arn} does not exist.`);
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
      const bus = this.options.ruleStore.buses().find((b) => b.arn === archive.sourceArn);
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
      CreationTime: (definition.creationTime ?? 0) / 1000,
    };
  }

  #archive(name: string | undefined) {
    const archive = this.#archives.find((a) => a.definition.name === name);
    if (!archive) throw new AwsError('ResourceNotFoundException', `Archive ${name} does not exist.`);
    return archive;
  }

  #loadReplays(): Replay[] {
    return this.#replays.all();
  }

  #saveReplay(replay: Replay): void {
    this.#replays.put(replay.ReplayName, replay);
  }
}

function compiled(definition: ArchiveDefinition): Archive {
  return { definition, pattern: definition.eventPattern === undefined ? undefined : compilePattern(definition.eventPattern) };
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A pattern as the API gives it back: the text it was given, or a template's object as JSON. */
function patternText(pattern: unknown): string | undefined {
  if (pattern === undefined) return undefined;
  return typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
}

/** The archives CreateArchive made, and when each archive (a template's too) was first seen. */
class ArchiveStore {
  readonly #archives: JsonTable<ArchiveDefinition>;
  readonly #statements: Record<'seen' | 'firstSeen' | 'forget', StatementSync>;

  constructor(
    db: DatabaseSync,
    private readonly clock: Clock,
  ) {
    this.#archives = new JsonTable(db, 'api_archives', 'name');
    db.exec('CREATE TABLE IF NOT EXISTS archive_created (name TEXT PRIMARY KEY, time INTEGER NOT NULL)');
    this.#statements = {
      seen: db.prepare('INSERT OR IGNORE INTO archive_created (name, time) VALUES (?, ?)'),
      firstSeen: db.prepare('SELECT time FROM archive_created WHERE name = ?'),
      forget: db.prepare('DELETE FROM archive_created WHERE name = ?'),
    };
  }

  load(): ArchiveDefinition[] {
    return this.#archives.all();
  }

  /** When the archive was first seen, recording now the first time. */
  firstSeen(name: string): number {
    this.#statements.seen.run(name, this.clock.now());
    return (this.#statements.firstSeen.get(name) as { time: number }).time;
  }

  save(definition: ArchiveDefinition): void {
    this.#archives.put(definition.name, definition);
    this.#statements.seen.run(definition.name, definition.creationTime ?? this.clock.now());
  }

  delete(name: string): void {
    this.#archives.delete(name);
    this.#statements.forget.run(name);
  }
}
