import { randomUUID } from 'node:crypto';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AwsError, validationError } from '../aws-error.js';
import type { Clock } from '../clock.js';
import type { ArchiveDefinition, BusDefinition, EventEnvelope, RuleDefinition, TargetDefinition, TargetDelivery } from './definitions.js';
import { renderTargetInput } from './input-transform.js';
import { type CompiledPattern, compilePattern, matchesPattern } from './pattern.js';

/** PutEvents limits (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html). */
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;
/** EventBridge's default target retry policy. */
const DEFAULT_RETRY_ATTEMPTS = 185;
const DEFAULT_MAX_EVENT_AGE_SECONDS = 86_400;
/** Deliveries handled at once by the dispatcher. */
const DISPATCH_CONCURRENCY = 64;

interface PutEventsRequestEntry {
  Time?: number | string;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

interface CompiledRule {
  readonly definition: RuleDefinition;
  readonly pattern?: CompiledPattern;
  readonly targets: ReadonlyMap<string, TargetDefinition>;
}

interface DeliveryRow {
  id: number;
  event: string;
  rule_arn: string;
  target_id: string;
  attempts: number;
  first_at: number;
}

interface Replay {
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

export interface EventsServiceOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly accountId: string;
  readonly region: string;
  readonly buses: readonly BusDefinition[];
  readonly rules: readonly RuleDefinition[];
  readonly archives: readonly ArchiveDefinition[];
  readonly delivery: TargetDelivery;
  readonly log?: (line: string) => void;
  /** Called for every event a bus accepts (the console's live view of the buses). */
  readonly onEvent?: (bus: BusDefinition, event: EventEnvelope) => void;
}

/**
 * EventBridge: buses, rules and archives from the template. An accepted PutEvents entry
 * is written, with one delivery per matching rule target, to SQLite before the call
 * returns; a dispatcher then delivers each with the target's retry policy and, when
 * that is spent, sends it to the target's dead-letter queue. So an accepted event
 * survives a crash, and delivery is at least once, as in AWS.
 */
export class EventsService {
  readonly #buses = new Map<string, BusDefinition>();
  readonly #rulesByBus = new Map<string, CompiledRule[]>();
  readonly #rulesByArn = new Map<string, CompiledRule>();
  readonly #archives: { definition: ArchiveDefinition; pattern?: CompiledPattern }[];
  readonly #statements: Record<
    'insertDelivery' | 'deleteDelivery' | 'due' | 'retry' | 'nextDue' | 'archive' | 'archived' | 'archiveStats' | 'saveReplay' | 'replays',
    StatementSync
  >;
  readonly #inFlight = new Set<number>();
  #timer?: NodeJS.Timeout;
  #draining = false;
  #stopped = false;
  /** Resolves waiters of `idle()` (tests and benchmarks). */
  #idleWaiters: (() => void)[] = [];

  constructor(private readonly options: EventsServiceOptions) {
    for (const bus of options.buses) this.#buses.set(bus.name, bus);
    if (!this.#buses.has('default')) {
      this.#buses.set('default', { name: 'default', arn: `arn:aws:events:${options.region}:${options.accountId}:event-bus/default` });
    }
    for (const rule of options.rules) {
      const compiled: CompiledRule = {
        definition: rule,
        pattern: rule.eventPattern === undefined ? undefined : compilePattern(rule.eventPattern),
        targets: new Map(rule.targets.map((target) => [target.id, target])),
      };
      const list = this.#rulesByBus.get(rule.busName) ?? [];
      list.push(compiled);
      this.#rulesByBus.set(rule.busName, list);
      this.#rulesByArn.set(rule.arn, compiled);
    }
    this.#archives = options.archives.map((definition) => ({
      definition,
      pattern: definition.eventPattern === undefined ? undefined : compilePattern(definition.eventPattern),
    }));

    const { db } = options;
    db.exec(`
      CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY, event TEXT NOT NULL, rule_arn TEXT NOT NULL, target_id TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, first_at INTEGER NOT NULL, next_at INTEGER NOT NULL, last_error TEXT);
      CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_at, id);
      CREATE TABLE IF NOT EXISTS archived_events (
        seq INTEGER PRIMARY KEY, archive TEXT NOT NULL, time INTEGER NOT NULL, size INTEGER NOT NULL, event TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS archived_by_time ON archived_events (archive, time);
      CREATE TABLE IF NOT EXISTS replays (name TEXT PRIMARY KEY, json TEXT NOT NULL);
    `);
    this.#statements = {
      insertDelivery: db.prepare('INSERT INTO deliveries (event, rule_arn, target_id, first_at, next_at) VALUES (?, ?, ?, ?, ?)'),
      deleteDelivery: db.prepare('DELETE FROM deliveries WHERE id = ?'),
      due: db.prepare(
        'SELECT id, event, rule_arn, target_id, attempts, first_at FROM deliveries WHERE next_at <= ? ORDER BY next_at, id LIMIT ?',
      ),
      retry: db.prepare('UPDATE deliveries SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?'),
      nextDue: db.prepare('SELECT MIN(next_at) AS next FROM deliveries'),
      archive: db.prepare('INSERT INTO archived_events (archive, time, size, event) VALUES (?, ?, ?, ?)'),
      archived: db.prepare('SELECT event FROM archived_events WHERE archive = ? AND time >= ? AND time < ? ORDER BY seq'),
      archiveStats: db.prepare('SELECT COUNT(*) AS count, COALESCE(SUM(size), 0) AS size FROM archived_events WHERE archive = ?'),
      saveReplay: db.prepare('INSERT OR REPLACE INTO replays (name, json) VALUES (?, ?)'),
      replays: db.prepare('SELECT json FROM replays ORDER BY name'),
    };
  }

  /** Starts delivering, including deliveries left over from before a restart. */
  start(): void {
    this.#stopped = false;
    this.#expireArchives();
    // A replay that was running when the process died is reported as failed, not silently resumed.
    for (const replay of this.#loadReplays()) {
      if (replay.State === 'STARTING' || replay.State === 'RUNNING') {
        this.#saveReplay({ ...replay, State: 'FAILED', StateReason: 'the local runtime stopped during the replay' });
      }
    }
    this.#wake();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** Resolves once no delivery is due or in flight (for tests and benchmarks). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** The JSON-protocol operations the endpoint serves as `AWSEvents.<name>`. */
  get operations() {
    return {
      PutEvents: (input: { Entries?: PutEventsRequestEntry[]; EndpointId?: string }) => this.PutEvents(input),
      TestEventPattern: (input: { EventPattern?: string; Event?: string }) => this.TestEventPattern(input),
      ListRules: (input: { EventBusName?: string; NamePrefix?: string }) => this.ListRules(input),
      DescribeRule: (input: { Name?: string; EventBusName?: string }) => this.DescribeRule(input),
      ListTargetsByRule: (input: { Rule?: string; EventBusName?: string }) => this.ListTargetsByRule(input),
      ListEventBuses: (input: { NamePrefix?: string }) => this.ListEventBuses(input),
      DescribeEventBus: (input: { Name?: string }) => this.DescribeEventBus(input),
      ListArchives: (input: { NamePrefix?: string; EventSourceArn?: string }) => this.ListArchives(input),
      DescribeArchive: (input: { ArchiveName?: string }) => this.DescribeArchive(input),
      StartReplay: (input: Partial<Omit<Replay, 'State' | 'ReplayArn' | 'ReplayStartTime'>>) => this.StartReplay(input),
      DescribeReplay: (input: { ReplayName?: string }) => this.DescribeReplay(input),
      ListReplays: (input: { NamePrefix?: string }) => this.ListReplays(input),
    };
  }

  async PutEvents(input: { Entries?: PutEventsRequestEntry[] }) {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw validationError(
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${
          !Array.isArray(entries) || entries.length === 0 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`
        }`,
      );
    }
    const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (size > MAX_REQUEST_BYTES) throw validationError('Total size of the entries in the request is over the limit.');
    const results = this.#accept(entries.map((entry) => this.#validateEntry(entry)));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  /**
   * Publishes an event from a local AWS service (Step Functions status changes):
   * `aws.*` sources are refused from callers but allowed here.
   */
  putServiceEvent(busName: string, event: Omit<EventEnvelope, 'version' | 'id' | 'account' | 'region' | 'time'> & { time?: string }): void {
    this.#accept([
      {
        bus: this.#bus(busName),
        event: {
          version: '0',
          id: randomUUID(),
          account: this.options.accountId,
          region: this.options.region,
          time: event.time ?? isoSeconds(this.options.clock.now()),
          'detail-type': event['detail-type'],
          source: event.source,
          resources: event.resources,
          detail: event.detail,
        },
      },
    ]);
  }

  /** Sends an event on to another bus unchanged (a rule target that is an event bus). */
  forward(busArn: string, event: EventEnvelope): void {
    const { 'replay-name': _replay, ...rest } = event;
    this.#accept([{ bus: this.#bus(busArn), event: rest as EventEnvelope }]);
  }

  async TestEventPattern(input: { EventPattern?: string; Event?: string }) {
    if (typeof input.EventPattern !== 'string') throw validationError('EventPattern is required');
    if (typeof input.Event !== 'string') throw validationError('Event is required');
    const pattern = compilePattern(input.EventPattern);
    let event: unknown;
    try {
      event = JSON.parse(input.Event);
    } catch {
      throw new AwsError('InvalidEventPatternException', 'Parameter Event is not valid.');
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      throw new AwsError('InvalidEventPatternException', 'Parameter Event is not valid.');
    }
    for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
      if (!(field in event))
        throw new AwsError(
          'InvalidEventPatternException',
          `Parameter Event is not valid. Reason: Provided Event must have field '${field}'.`,
        );
    }
    return { Result: matchesPattern(pattern, event) };
  }

  async ListRules(input: { EventBusName?: string; NamePrefix?: string }) {
    const bus = this.#bus(input.EventBusName ?? 'default');
    const rules = (this.#rulesByBus.get(bus.name) ?? []).filter((r) => r.definition.name.startsWith(input.NamePrefix ?? ''));
    return { Rules: rules.map((r) => describeRule(r.definition)) };
  }

  async DescribeRule(input: { Name?: string; EventBusName?: string }) {
    return { ...describeRule(this.#rule(input.Name, input.EventBusName).definition), CreatedBy: this.options.accountId };
  }

  async ListTargetsByRule(input: { Rule?: string; EventBusName?: string }) {
    const rule = this.#rule(input.Rule, input.EventBusName);
    return {
      Targets: rule.definition.targets.map((t) => ({
        Id: t.id,
        Arn: t.arn,
        Input: t.input,
        InputPath: t.inputPath,
        InputTransformer: t.inputTransformer,
        RetryPolicy: t.retryPolicy && {
          MaximumRetryAttempts: t.retryPolicy.maximumRetryAttempts,
          MaximumEventAgeInSeconds: t.retryPolicy.maximumEventAgeInSeconds,
        },
        DeadLetterConfig: t.deadLetterArn ? { Arn: t.deadLetterArn } : undefined,
        SqsParameters: t.messageGroupId ? { MessageGroupId: t.messageGroupId } : undefined,
      })),
    };
  }

  async ListEventBuses(input: { NamePrefix?: string }) {
    return {
      EventBuses: [...this.#buses.values()]
        .filter((b) => b.name.startsWith(input.NamePrefix ?? ''))
        .map((b) => ({ Name: b.name, Arn: b.arn })),
    };
  }

  async DescribeEventBus(input: { Name?: string }) {
    const bus = this.#bus(input.Name ?? 'default');
    return { Name: bus.name, Arn: bus.arn };
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

  async StartReplay(input: Partial<Omit<Replay, 'State' | 'ReplayArn' | 'ReplayStartTime'>>) {
    const name = input.ReplayName;
    if (!name || !/^[.\-_A-Za-z0-9]{1,64}$/.test(name))
      throw validationError('ReplayName must be 1-64 characters of letters, digits, . - and _');
    if (this.#loadReplays().some((r) => r.ReplayName === name))
      throw new AwsError('ResourceAlreadyExistsException', `Replay ${name} already exists.`);
    const archive = this.#archives.find((a) => a.definition.arn === input.EventSourceArn);
    if (!archive) throw new AwsError('ResourceNotFoundException', `Archive ${input.EventSourceArn} does not exist.`);
    const destination = input.Destination;
    if (!destination?.Arn) throw validationError('Destination.Arn is required');
    if (destination.Arn !== archive.definition.sourceArn) {
      throw validationError('Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.');
    }
    const start = toMillis(input.EventStartTime);
    const end = toMillis(input.EventEndTime);
    if (start === undefined || end === undefined || start >= end) throw validationError('EventStartTime must be before EventEndTime');
    for (const arn of destination.FilterArns ?? []) {
      if (!this.#rulesByArn.has(arn)) throw new AwsError('ResourceNotFoundException', `Rule ${arn} does not exist.`);
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
      const bus = [...this.#buses.values()].find((b) => b.arn === archive.sourceArn);
      if (!bus) throw new Error(`bus ${archive.sourceArn} no longer exists`);
      const filter = replay.Destination.FilterArns?.length ? new Set(replay.Destination.FilterArns) : undefined;
      let last: number | undefined;
      const rows = this.#statements.archived.all(archive.arn, start, end) as { event: string }[];
      this.options.db.exec('BEGIN');
      try {
        for (const row of rows) {
          const event = { ...(JSON.parse(row.event) as EventEnvelope), 'replay-name': replay.ReplayName };
          this.#route(bus, event, filter);
          last = Date.parse(event.time);
        }
        this.options.db.exec('COMMIT');
      } catch (error) {
        this.options.db.exec('ROLLBACK');
        throw error;
      }
      this.#saveReplay({
        ...replay,
        State: 'COMPLETED',
        EventLastReplayedTime: last === undefined ? undefined : last / 1000,
        ReplayEndTime: this.options.clock.now() / 1000,
      });
      this.#wake();
    } catch (error) {
      this.#saveReplay({ ...replay, State: 'FAILED', StateReason: (error as Error).message });
    }
  }

  /** Validates one entry; returns the event to accept or the entry's error. */
  #validateEntry(entry: PutEventsRequestEntry): { bus: BusDefinition; event: EventEnvelope } | { ErrorCode: string; ErrorMessage: string } {
    const invalid = (field: string, reason: string) => ({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
    });
    if (!entry.Source) return invalid('Source', 'Source is a required argument.');
    if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
    if (entry.Detail === undefined || entry.Detail === '') return invalid('Detail', 'Detail is a required argument.');
    if (entry.Source.startsWith('aws.'))
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    let bus: BusDefinition;
    try {
      bus = this.#bus(entry.EventBusName ?? 'default');
    } catch (error) {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: (error as Error).message };
    }
    const time = entry.Time === undefined ? this.options.clock.now() : toMillis(entry.Time);
    if (time === undefined) return invalid('Time', 'Time is not a valid timestamp.');
    return {
      bus,
      event: {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.options.accountId,
        time: isoSeconds(time),
        region: this.options.region,
        resources: entry.Resources ?? [],
        detail,
      },
    };
  }

  /** Archives and routes accepted events in one transaction; returns PutEvents result entries. */
  #accept(validated: ({ bus: BusDefinition; event: EventEnvelope } | { ErrorCode: string; ErrorMessage: string })[]) {
    const { db } = this.options;
    db.exec('BEGIN');
    try {
      const results = validated.map((item) => {
        if ('ErrorCode' in item) return item;
        this.#archiveEvent(item.bus, item.event);
        this.#route(item.bus, item.event);
        return { EventId: item.event.id };
      });
      db.exec('COMMIT');
      this.#wake();
      if (this.options.onEvent) {
        for (const item of validated) if (!('ErrorCode' in item)) this.options.onEvent(item.bus, item.event);
      }
      return results;
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }

  #archiveEvent(bus: BusDefinition, event: EventEnvelope): void {
    // Replayed events are not archived again, or every replay would grow the archive.
    if (event['replay-name']) return;
    for (const archive of this.#archives) {
      if (archive.definition.sourceArn !== bus.arn) continue;
      if (archive.pattern && !matchesPattern(archive.pattern, event)) continue;
      const text = JSON.stringify(event);
      this.#statements.archive.run(archive.definition.arn, Date.parse(event.time), Buffer.byteLength(text), text);
    }
  }

  /** Writes one delivery per target of every enabled rule on `bus` that matches. */
  #route(bus: BusDefinition, event: EventEnvelope, onlyRules?: ReadonlySet<string>): void {
    const now = this.options.clock.now();
    let text: string | undefined;
    for (const rule of this.#rulesByBus.get(bus.name) ?? []) {
      if (rule.definition.state !== 'ENABLED') continue;
      if (onlyRules && !onlyRules.has(rule.definition.arn)) continue;
      if (rule.pattern && !matchesPattern(rule.pattern, event)) continue;
      text ??= JSON.stringify(event);
      for (const target of rule.definition.targets) {
        this.#statements.insertDelivery.run(text, rule.definition.arn, target.id, now, now);
      }
    }
  }

  #wake(): void {
    if (this.#stopped || this.#draining) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#draining = true;
    setImmediate(() => void this.#drain());
  }

  async #drain(): Promise<void> {
    try {
      while (!this.#stopped) {
        const now = this.options.clock.now();
        const room = DISPATCH_CONCURRENCY - this.#inFlight.size;
        if (room <= 0) return;
        const rows = (this.#statements.due.all(now, room + this.#inFlight.size) as unknown as DeliveryRow[]).filter(
          (r) => !this.#inFlight.has(r.id),
        );
        if (rows.length === 0) break;
        for (const row of rows.slice(0, room)) {
          this.#inFlight.add(row.id);
          void this.#deliver(row).finally(() => {
            this.#inFlight.delete(row.id);
            this.#wake();
          });
        }
        return;
      }
    } finally {
      this.#draining = false;
    }
    this.#scheduleNext();
  }

  #scheduleNext(): void {
    if (this.#stopped) return;
    const next = (this.#statements.nextDue.get() as { next: number | null }).next;
    if (next === null) {
      if (this.#inFlight.size === 0) this.#notifyIdle();
      return;
    }
    const delay = Math.max(0, next - this.options.clock.now());
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#wake(), Math.min(delay, 60_000));
    this.#timer.unref();
    if (this.#inFlight.size === 0 && delay > 0) this.#notifyIdle();
  }

  #isIdle(): boolean {
    const next = (this.#statements.nextDue.get() as { next: number | null }).next;
    return this.#inFlight.size === 0 && (next === null || next > this.options.clock.now());
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  async #deliver(row: DeliveryRow): Promise<void> {
    const rule = this.#rulesByArn.get(row.rule_arn);
    const target = rule?.targets.get(row.target_id);
    if (!rule || !target) {
      this.options.log?.(`dropping a delivery to ${row.rule_arn} target ${row.target_id}: the rule or target is no longer in the template`);
      this.#statements.deleteDelivery.run(row.id);
      return;
    }
    const event = JSON.parse(row.event) as EventEnvelope;
    try {
      const input = renderTargetInput(event, target, {
        ruleArn: rule.definition.arn,
        ruleName: rule.definition.name,
        ingestionTime: event.time,
      });
      await this.options.delivery.deliver(target, input, event);
      this.#statements.deleteDelivery.run(row.id);
    } catch (error) {
      const errorCode = error instanceof AwsError ? error.code : 'InternalFailure';
      const errorMessage = (error as Error).message;
      const attempts = row.attempts + 1;
      const maxAttempts = target.retryPolicy?.maximumRetryAttempts ?? DEFAULT_RETRY_ATTEMPTS;
      const maxAgeMs = (target.retryPolicy?.maximumEventAgeInSeconds ?? DEFAULT_MAX_EVENT_AGE_SECONDS) * 1000;
      const now = this.options.clock.now();
      // Exponential backoff with jitter, as EventBridge retries: 1 s, 2 s, 4 s ... up to 5 minutes.
      const backoff = Math.min(300_000, 1000 * 2 ** Math.min(attempts - 1, 16)) * (0.5 + Math.random() / 2);
      if (attempts > maxAttempts || now + backoff - row.first_at > maxAgeMs) {
        await this.#giveUp(row, rule.definition, target, event, errorCode, errorMessage);
      } else {
        this.#statements.retry.run(attempts, now + backoff, `${errorCode}: ${errorMessage}`, row.id);
      }
    }
  }

  async #giveUp(
    row: DeliveryRow,
    rule: RuleDefinition,
    target: TargetDefinition,
    event: EventEnvelope,
    errorCode: string,
    errorMessage: string,
  ) {
    if (target.deadLetterArn) {
      try {
        await this.options.delivery.deadLetter(target.deadLetterArn, event, {
          ruleArn: rule.arn,
          targetArn: target.arn,
          errorCode,
          errorMessage,
        });
      } catch (error) {
        // AWS drops the event when even the DLQ is unreachable; we keep retrying instead of losing it.
        this.#statements.retry.run(row.attempts + 1, this.options.clock.now() + 60_000, `DLQ: ${(error as Error).message}`, row.id);
        return;
      }
    } else {
      this.options.log?.(
        `event ${event.id} dropped for ${rule.name} -> ${target.arn} after ${row.attempts + 1} attempts: ${errorCode} ${errorMessage} (the target has no dead-letter queue)`,
      );
    }
    this.#statements.deleteDelivery.run(row.id);
  }

  #expireArchives(): void {
    for (const { definition } of this.#archives) {
      if (definition.retentionDays <= 0) continue;
      const cutoff = this.options.clock.now() - definition.retentionDays * 86_400_000;
      this.options.db.prepare('DELETE FROM archived_events WHERE archive = ? AND time < ?').run(definition.arn, cutoff);
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

  #bus(nameOrArn: string): BusDefinition {
    const name = nameOrArn.startsWith('arn:') ? (nameOrArn.split('event-bus/')[1] ?? '') : nameOrArn;
    const bus = this.#buses.get(name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }

  #rule(name: string | undefined, busName: string | undefined): CompiledRule {
    const bus = this.#bus(busName ?? 'default');
    const rule = (this.#rulesByBus.get(bus.name) ?? []).find((r) => r.definition.name === name);
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
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

function describeRule(rule: RuleDefinition) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern === undefined ? undefined : JSON.stringify(rule.eventPattern),
    State: rule.state,
    Description: rule.description,
    EventBusName: rule.busName,
  };
}

/** Entry size as EventBridge counts it. */
function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : 14;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (typeof text === 'string') size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

/** EventBridge event times have second precision: `2026-11-21T12:00:00Z`. */
function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON-protocol timestamps are epoch seconds; the CLI may send ISO strings. */
function toMillis(value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = typeof value === 'number' ? value * 1000 : Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
