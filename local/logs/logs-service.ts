import { AwsError } from '../endpoint/aws-error.js';
import { type Operation, operationTable } from '../service-registry/operation-table.js';
import type { ServiceState } from '../store/service-state.js';
import type { TargetDispatcher } from '../targets/dispatcher.js';
import { LogsAccountPolicies } from './account-policies.js';
import { describeGroup, describeStream } from './descriptions.js';
import { filterGroup, readStream } from './event-reads.js';
import { compileFilterPattern } from './filter-pattern.js';
import { appendedListeners, type EventsListener, type GroupRow, LogsStore, type NewEvent } from './logs-store.js';
import { type MetricFilterDefinition, MetricFilters } from './metric-filters.js';
import { type SubscriptionFilterDefinition, SubscriptionFilters } from './subscriptions.js';
import {
  checkRetention,
  decodeStreamToken,
  decodeToken,
  EVENT_OVERHEAD_BYTES,
  encodeStreamToken,
  encodeToken,
  groupNotFound,
  groupOf,
  invalidParameter,
  isEventPosition,
  isName,
  isOffset,
  streamNotFound,
} from './validation.js';

/** What the logs service is made with: its state, and how its subscription filters reach their destinations. */
export interface LogsServiceOptions extends ServiceState {
  /** The runtime's dispatcher (looked up at delivery: the services it sends to are created after this one). @default none: deliveries wait */
  readonly dispatcher?: () => Pick<TargetDispatcher, 'send'>;
  /** @default discarded */
  readonly log?: (line: string) => void;
}

/** A log group the template declares (`AWS::Logs::LogGroup`, or the retention `Custom::LogRetention` sets). */
export interface LogGroupDefinition {
  readonly name: string;
  readonly retentionInDays?: number;
  readonly logGroupClass?: string;
  readonly kmsKeyId?: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** `AWS::Logs::LogStream`s of the group. */
  readonly streams?: readonly string[];
}

const DAY_MS = 86_400_000;
/** PutLogEvents' limits (the model bounds the number of events): a batch's bytes (messages plus 26 per event), how far back and ahead and how long a span. */
const MAX_BATCH_BYTES = 1_048_576;
const MAX_AGE_MS = 14 * DAY_MS;
const MAX_AHEAD_MS = 2 * 3_600_000;
const MAX_SPAN_MS = DAY_MS;
/** How often expired events are deleted, besides before every read of a group with a retention policy. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * An operation's input as the endpoint hands it over: already checked against the API model
 * (`input-validation.ts`: required members, types, lengths, ranges, patterns, enums), so the
 * operations check only what the model cannot say.
 */
type Input = Record<string, unknown>;

/**
 * CloudWatch Logs on the local endpoint (`Logs_20140328`, JSON 1.1): log groups, streams
 * and events in SQLite, with CloudWatch's batch rules, paging tokens, filter patterns and
 * retention. Lambda and Step Functions write their own logs through `write` (the groups and
 * streams they name are created as those services create them); writes are batched per
 * event-loop turn into one transaction, and every read first commits what is pending.
 */
export class LogsService {
  readonly #store: LogsStore;
  readonly #policies: LogsAccountPolicies;
  /** Subscription filters, and the deliveries they owe (written as events are appended). */
  readonly subscriptions: SubscriptionFilters;
  /** Metric filters, and the publications they owe (written as events are appended) to CloudWatch (`metricFilters.publishTo`). */
  readonly metricFilters: MetricFilters;
  #pending: { group: string; stream: string; events: NewEvent[] }[] = [];
  readonly #listeners: EventsListener[] = [];
  #flushScheduled = false;
  #stopped = false;
  #purgeTimer?: NodeJS.Timeout;

  constructor(private readonly options: LogsServiceOptions) {
    this.#store = new LogsStore(options.db, (name) => this.#groupArn(name));
    this.#policies = new LogsAccountPolicies(options.db);
    const { dispatcher } = options;
    this.subscriptions = new SubscriptionFilters({
      db: options.db,
      clock: options.clock,
      accountId: options.accountId,
      dispatcher: dispatcher ?? (() => ({ send: () => Promise.reject(new Error('no dispatcher: subscription filters deliver nowhere')) })),
      log: options.log ?? (() => {}),
      hasGroup: (name) => this.hasGroup(name),
    });
    this.metricFilters = new MetricFilters({
      db: options.db,
      clock: options.clock,
      log: options.log ?? (() => {}),
      hasGroup: (name) => this.hasGroup(name),
    });
  }

  /** The JSON-protocol operations the endpoint serves as `Logs_20140328.<name>`. */
  get operations(): Record<string, Operation> {
    // Subscription and metric filters' operations are theirs (their classes' PascalCase methods).
    return {
      ...operationTable(this, LogsService),
      ...operationTable(this.subscriptions, SubscriptionFilters),
      ...operationTable(this.metricFilters, MetricFilters),
    };
  }

  /**
   * Creates the template's groups and streams. A group that exists keeps what was set at
   * run time unless the template's settings changed since the last start (as a stack update
   * would change them).
   */
  declare(groups: readonly LogGroupDefinition[]): void {
    const now = this.options.clock.now();
    for (const group of groups) {
      const settings = JSON.stringify({ retention: group.retentionInDays ?? null, class: group.logGroupClass ?? 'STANDARD' });
      const created = this.#store.createGroup(
        {
          name: group.name,
          creation_time: now,
          retention_days: group.retentionInDays ?? null,
          group_class: group.logGroupClass ?? 'STANDARD',
          kms_key_id: group.kmsKeyId ?? null,
          deletion_protection: 0,
        },
        group.tags,
      );
      const existing = this.#store.group(group.name);
      if (!created && existing?.template_settings !== settings) this.#store.setRetention(group.name, group.retentionInDays ?? null);
      this.#store.setTemplateSettings(group.name, settings);
      for (const stream of group.streams ?? []) this.#store.createStream(group.name, stream, now);
    }
  }

  /**
   * Creates or updates the template's subscription filters (`AWS::Logs::SubscriptionFilter`) and,
   * with `removeOthers` (at a start, not at a reload), deletes those it no longer declares.
   * A filter on a group the template does not declare (a function's `/aws/lambda/<name>`)
   * creates the group, as the function's first log line would.
   */
  declareSubscriptionFilters(
    filters: readonly SubscriptionFilterDefinition[],
    options: { removeOthers: boolean } = { removeOthers: true },
  ): void {
    this.#createGroups(filters.map((filter) => filter.group));
    this.subscriptions.declare(filters, options);
  }

  /** Creates or updates the template's metric filters (`AWS::Logs::MetricFilter`), as `declareSubscriptionFilters` does subscription filters. */
  declareMetricFilters(filters: readonly MetricFilterDefinition[], options: { removeOthers: boolean } = { removeOthers: true }): void {
    this.#createGroups(filters.map((filter) => filter.group));
    this.metricFilters.declare(filters, options);
  }

  /** Creates the groups a template's filter names that do not exist (a function's `/aws/lambda/<name>`), as the function's first log line would. */
  #createGroups(names: readonly string[]): void {
    const now = this.options.clock.now();
    this.flush();
    for (const name of names) {
      const row = { name, creation_time: now, retention_days: null, group_class: 'STANDARD', kms_key_id: null, deletion_protection: 0 };
      this.#store.createGroup(row);
    }
  }

  /** Starts deleting expired events, and delivering what subscription and metric filters owe (a stop or a crash left included), in the background. */
  start(): void {
    this.#purgeTimer = setInterval(() => this.purgeExpired(), PURGE_INTERVAL_MS);
    this.#purgeTimer.unref();
    this.subscriptions.start();
    this.metricFilters.start();
  }

  /** Commits what is pending and stops the background purge and deliveries (what is owed is taken up at the next start). */
  async stop(): Promise<void> {
    clearInterval(this.#purgeTimer);
    this.flush();
    this.#stopped = true;
    await Promise.all([this.subscriptions.stop(), this.metricFilters.stop()]);
  }

  /**
   * Appends events a service writes to its own log (Lambda's, Step Functions'), creating the
   * group and stream if needed. Not validated as PutLogEvents is: those services write
   * whatever their executions print, as they happen.
   */
  write(group: string, stream: string, events: readonly NewEvent[]): void {
    const kept = events.filter((event) => event.message !== '');
    if (kept.length === 0) return;
    // Lines a torn-down execution prints after the runtime stopped have no store to go to
    // (its database closes right after): in AWS an environment frozen mid-print loses them too.
    if (this.#stopped) return;
    const last = this.#pending.at(-1);
    if (last && last.group === group && last.stream === stream) last.events.push(...kept);
    else this.#pending.push({ group, stream, events: [...kept] });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Hears of the events each append stored, once committed, whoever wrote them (CloudWatch reads the metrics EMF events carry). */
  onEvents(listener: EventsListener): void {
    this.#listeners.push(listener);
  }

  #told(batches: readonly { group: string; stream: string; events: readonly NewEvent[] }[]): void {
    for (const { group, stream, events } of batches) for (const listener of this.#listeners) listener(group, stream, events);
  }

  /** Whether a log group exists (Step Functions logs its executions only to one that does). */
  hasGroup(name: string): boolean {
    return this.#store.group(name) !== undefined;
  }

  /** Creates a stream of a group that exists, unless it has one by that name (Step Functions' delivery check). */
  openStream(group: string, stream: string): void {
    this.flush();
    if (this.hasGroup(group)) this.#store.createStream(group, stream, this.options.clock.now());
  }

  /** Commits every pending write. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const batches = this.#pending;
    this.#pending = [];
    this.#store.append(batches, this.options.clock.now(), { groupClass: 'STANDARD' }, this.#appended);
    this.#told(batches);
  }

  /** Subscription and metric filters hear of every append, in its transaction: what they owe is committed with the events. */
  readonly #appended = appendedListeners(
    (group) => this.subscriptions.listener(group),
    (group) => this.metricFilters.listener(group),
  );

  /** Deletes the events of every group that are older than its retention allows. */
  purgeExpired(): void {
    const now = this.options.clock.now();
    for (const group of this.#store.retainedGroups()) this.#store.purge(group.name, now - group.retention_days * DAY_MS);
  }

  // ---- groups ----

  async CreateLogGroup(input: Input) {
    const name = input.logGroupName as string;
    if (name.startsWith('aws/')) throw invalidParameter("Log group names can't start with 'aws/'.");
    const groupClass = (input.logGroupClass as string | undefined) ?? 'STANDARD';
    const tags = (input.tags ?? undefined) as Record<string, string> | undefined;
    this.flush();
    const created = this.#store.createGroup(
      {
        name,
        creation_time: this.options.clock.now(),
        retention_days: null,
        group_class: groupClass,
        kms_key_id: typeof input.kmsKeyId === 'string' ? input.kmsKeyId : null,
        deletion_protection: input.deletionProtectionEnabled === true ? 1 : 0,
      },
      tags,
    );
    if (!created) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    return {};
  }

  async DeleteLogGroup(input: Input) {
    const name = input.logGroupName as string;
    this.flush();
    const group = this.#group(name);
    if (group.deletion_protection) {
      throw new AwsError('OperationAbortedException', 'Log group deletion is blocked because deletion protection is enabled.');
    }
    this.#store.deleteGroup(name);
    this.subscriptions.changed();
    this.metricFilters.changed();
    return {};
  }

  async DescribeLogGroups(input: Input) {
    const limit = (input.limit as number | undefined) ?? 50;
    const prefix = (input.logGroupNamePrefix ?? undefined) as string | undefined;
    const pattern = (input.logGroupNamePattern ?? undefined) as string | undefined;
    if (prefix !== undefined && pattern !== undefined) {
      throw invalidParameter('LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    }
    const groupClass = (input.logGroupClass ?? undefined) as string | undefined;
    const names = (input.logGroupIdentifiers as string[] | undefined)?.map((id) => groupOf({ logGroupIdentifier: id }));
    this.flush();
    this.purgeExpired();
    const after = decodeToken(input.nextToken, 'groups', isName);
    const rows = this.#store.groups({ prefix, substring: pattern, groupClass, names, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      logGroups: page.map((row) => describeGroup(row, this.#groupArn(row.name), this.metricFilters.count(row.name))),
      ...(rows.length > limit && last ? { nextToken: encodeToken('groups', last.name) } : {}),
    };
  }

  async PutRetentionPolicy(input: Input) {
    const name = input.logGroupName as string;
    const days = checkRetention(input.retentionInDays as number);
    this.#group(name);
    this.#store.setRetention(name, days);
    this.flush();
    this.#store.purge(name, this.options.clock.now() - days * DAY_MS);
    return {};
  }

  async DeleteRetentionPolicy(input: Input) {
    const name = input.logGroupName as string;
    this.#group(name);
    this.#store.setRetention(name, null);
    return {};
  }

  // ---- the account's resource policies ----

  async PutResourcePolicy(input: Input) {
    return this.#policies.put(input.policyName as string | undefined, input.policyDocument as string, this.options.clock.now());
  }

  async DescribeResourcePolicies(_input: Input) {
    return this.#policies.describe();
  }

  async DeleteResourcePolicy(input: Input) {
    return this.#policies.delete(input.policyName as string | undefined);
  }

  async ListTagsForResource(input: Input) {
    const name = groupOf({ logGroupIdentifier: input.resourceArn }, 'resourceArn');
    this.#group(name);
    return { tags: this.#store.tags(name) };
  }

  async ListTagsLogGroup(input: Input) {
    const name = input.logGroupName as string;
    this.#group(name);
    return { tags: this.#store.tags(name) };
  }

  // ---- streams ----

  async CreateLogStream(input: Input) {
    const group = input.logGroupName as string;
    const stream = input.logStreamName as string;
    this.flush();
    this.#group(group);
    if (!this.#store.createStream(group, stream, this.options.clock.now())) {
      throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    }
    return {};
  }

  async DeleteLogStream(input: Input) {
    const group = input.logGroupName as string;
    const stream = input.logStreamName as string;
    this.flush();
    this.#group(group);
    if (!this.#store.deleteStream(group, stream)) throw streamNotFound();
    return {};
  }

  async DescribeLogStreams(input: Input) {
    const group = groupOf(input);
    const limit = (input.limit as number | undefined) ?? 50;
    const orderBy = (input.orderBy as string | undefined) ?? 'LogStreamName';
    const prefix = (input.logStreamNamePrefix ?? undefined) as string | undefined;
    if (orderBy === 'LastEventTime' && prefix !== undefined) {
      throw invalidParameter('Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    this.flush();
    this.#group(group);
    this.#purgeGroup(group);
    const streams = this.#store.streams(group, prefix);
    if (orderBy === 'LastEventTime') streams.sort((a, b) => (a.last_event ?? 0) - (b.last_event ?? 0) || cmp(a.name, b.name));
    if (input.descending === true) streams.reverse();
    const offset = decodeToken(input.nextToken, 'streams', isOffset) ?? 0;
    const page = streams.slice(offset, offset + limit);
    return {
      logStreams: page.map((row) => describeStream(row, this.#groupArn(group))),
      ...(offset + limit < streams.length ? { nextToken: encodeToken('streams', offset + limit) } : {}),
    };
  }

  // ---- events ----

  async PutLogEvents(input: Input) {
    const group = input.logGroupName as string;
    const stream = input.logStreamName as string;
    // The model bounds the batch to 1-10,000 events, each with a timestamp and a non-empty message.
    const events = input.logEvents as { timestamp: number; message: string }[];
    let bytes = 0;
    for (const event of events) bytes += Buffer.byteLength(event.message) + EVENT_OVERHEAD_BYTES;
    if (bytes > MAX_BATCH_BYTES) throw invalidParameter(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`);
    for (let i = 1; i < events.length; i++) {
      if ((events[i] as { timestamp: number }).timestamp < (events[i - 1] as { timestamp: number }).timestamp) {
        throw invalidParameter('Log events in a single PutLogEvents request must be in chronological order.');
      }
    }
    const groupRow = this.#group(group);
    if (!this.#store.stream(group, stream)) throw streamNotFound();

    const now = this.options.clock.now();
    const expiredBefore = groupRow.retention_days === null ? undefined : now - groupRow.retention_days * DAY_MS;
    const rejected: Record<string, number> = {};
    const accepted: NewEvent[] = [];
    events.forEach((event, i) => {
      const timestamp = event.timestamp;
      if (expiredBefore !== undefined && timestamp < expiredBefore) rejected.expiredLogEventEndIndex = i + 1;
      else if (timestamp < now - MAX_AGE_MS) rejected.tooOldLogEventEndIndex = i + 1;
      else if (timestamp > now + MAX_AHEAD_MS) rejected.tooNewLogEventStartIndex ??= i;
      else accepted.push({ timestamp, message: event.message });
    });
    const first = accepted[0];
    const last = accepted.at(-1);
    if (first && last && last.timestamp - first.timestamp > MAX_SPAN_MS) {
      throw invalidParameter('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    this.flush();
    this.#store.append([{ group, stream, events: accepted }], now, undefined, this.#appended);
    this.#told([{ group, stream, events: accepted }]);
    return {
      nextSequenceToken: encodeStreamToken('f', { timestamp: now, id: 0 }).slice(2),
      ...(Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {}),
    };
  }

  async GetLogEvents(input: Input) {
    const group = groupOf(input);
    const stream = input.logStreamName as string;
    const start = (input.startTime ?? undefined) as number | undefined;
    const end = (input.endTime ?? undefined) as number | undefined;
    const limit = (input.limit as number | undefined) ?? 10_000;
    const rawToken = (input.nextToken ?? undefined) as string | undefined;
    const token = rawToken === undefined ? undefined : decodeStreamToken(rawToken);
    this.flush();
    this.#group(group);
    if (!this.#store.stream(group, stream)) throw streamNotFound();
    this.#purgeGroup(group);

    return readStream(this.#store, group, stream, {
      token,
      rawToken,
      startFromHead: input.startFromHead === true,
      start,
      end,
      limit,
    });
  }

  async FilterLogEvents(input: Input) {
    const group = groupOf(input);
    const streams = (input.logStreamNames ?? undefined) as string[] | undefined;
    const prefix = (input.logStreamNamePrefix ?? undefined) as string | undefined;
    if (streams !== undefined && prefix !== undefined) {
      throw invalidParameter('Cannot specify both LogStreamNames and LogStreamNamePrefix.');
    }
    const start = (input.startTime ?? undefined) as number | undefined;
    const end = (input.endTime ?? undefined) as number | undefined;
    const limit = (input.limit as number | undefined) ?? 10_000;
    const matches = compileFilterPattern((input.filterPattern ?? undefined) as string | undefined);
    const after = decodeToken(input.nextToken, 'filter', isEventPosition);
    this.flush();
    this.#group(group);
    this.#purgeGroup(group);

    return filterGroup(this.#store, group, { matches, after, start, end, streams, prefix, limit });
  }

  // ---- helpers ----

  #group(name: string): GroupRow {
    const group = this.#store.group(name);
    if (!group) throw groupNotFound();
    return group;
  }

  #purgeGroup(name: string): void {
    const group = this.#store.group(name);
    if (group?.retention_days != null) this.#store.purge(name, this.options.clock.now() - group.retention_days * DAY_MS);
  }

  #groupArn(name: string): string {
    return `arn:aws:logs:${this.options.region}:${this.options.accountId}:log-group:${name}`;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
