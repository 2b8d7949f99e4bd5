import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { gzipSync } from 'node:zlib';
import { AwsError } from '../endpoint/aws-error.js';
import { DurableOutbox, nextRetry, type OutboxOutcome, OutboxOwner } from '../store/outbox.js';
import type { TargetDispatcher } from '../targets/dispatcher.js';
import { dispatchableService } from '../targets/reachable.js';
import type { Clock } from '../time/clock.js';
import { compileFilterPattern, type MessageMatcher } from './filter-pattern.js';
import type { StoredEvent } from './logs-store.js';
import { declareTemplateFilters, deleteFilter, type TemplateFilterStore } from './template-filters.js';
import { decodeToken, encodeToken, groupNotFound, isOffset } from './validation.js';

/**
 * Subscription filters and the deliveries they owe. A filter is kept by its group (deleting the
 * group deletes it); each delivery is a row of `logs_subscription_delivery` holding the JSON
 * CloudWatch Logs gzips, written in the transaction that appends the events it carries.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS logs_subscription_filter (
  group_name TEXT NOT NULL REFERENCES logs_group(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  pattern TEXT NOT NULL,
  destination_arn TEXT NOT NULL,
  role_arn TEXT,
  distribution TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  from_template INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_name, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs_subscription_delivery (
  id INTEGER PRIMARY KEY,
  next_at INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  destination TEXT NOT NULL,
  partition_key TEXT NOT NULL,
  payload TEXT NOT NULL
);
`;

/** A subscription filter as the template (`AWS::Logs::SubscriptionFilter`) or PutSubscriptionFilter gives it. */
export interface SubscriptionFilterDefinition {
  readonly group: string;
  readonly name: string;
  readonly pattern: string;
  readonly destinationArn: string;
  readonly roleArn?: string;
  /** `ByLogStream` or `Random` (the default). */
  readonly distribution?: string;
}

interface FilterRow {
  group_name: string;
  name: string;
  pattern: string;
  destination_arn: string;
  role_arn: string | null;
  distribution: string;
  creation_time: number;
}

interface DeliveryRow {
  readonly id: number;
  readonly first_at: number;
  readonly attempts: number;
  readonly destination: string;
  readonly partition_key: string;
  readonly payload: string;
}

/** A log group has at most two subscription filters. */
export const MAX_FILTERS_PER_GROUP = 2;
/**
 * A delivery's events are cut at about this many message bytes: under the 256 KB an asynchronous
 * Lambda event and a Kinesis record (1 MiB) take once gzipped and Base64-encoded.
 */
const MAX_DELIVERY_BYTES = 192 * 1024;
/** CloudWatch Logs retries a destination that fails for up to 24 hours. */
const RETRY = { maximumRetryAttempts: 185, maximumEventAgeMs: 24 * 3600_000 };

/**
 * The destinations a subscription filter may name (CloudWatch Logs user guide, "Subscription
 * filters": https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Subscriptions.html, a
 * Kinesis data stream, a Lambda function or a Firehose delivery stream), of those the runtime's
 * dispatcher reaches. A cross-account destination (`logs:...:destination:`) is not run locally.
 */
const SUBSCRIPTION_DESTINATIONS: ReadonlySet<string> = new Set(['lambda', 'kinesis', 'firehose']);

/** Whether a destination is one the runtime delivers to: a Lambda function, a Kinesis data stream or a Firehose delivery stream. */
export function deliversTo(destinationArn: string): boolean {
  return SUBSCRIPTION_DESTINATIONS.has(dispatchableService(destinationArn) ?? '');
}

/** A log event's id as CloudWatch Logs gives it to subscribers: 56 decimal digits, in ingestion order. */
export function subscriptionEventId(event: StoredEvent): string {
  return `${String(event.timestamp).padStart(20, '0')}${String(event.id).padStart(36, '0')}`;
}

/**
 * CloudWatch Logs subscription filters: the events that land in a group and match a filter's
 * pattern are delivered to its destination as AWS does, `{"awslogs": {"data": <Base64 of the
 * gzipped DATA_MESSAGE>}}` to a function (invoked asynchronously), the gzipped bytes as a record
 * of a Kinesis stream or a Firehose delivery stream. The events of one append (a PutLogEvents call, a function's lines of one
 * event-loop turn) that match go in one delivery; the delivery is written in the appending
 * transaction and sent by a DurableOutbox, so a matched event survives a restart.
 */
export class SubscriptionFilters extends OutboxOwner<DeliveryRow> {
  protected readonly outbox: DurableOutbox<DeliveryRow>;
  /** Each group's filters compiled, read again after any change. */
  #compiled?: Map<string, { row: FilterRow; matches: MessageMatcher }[]>;

  constructor(
    private readonly options: {
      readonly db: DatabaseSync;
      readonly clock: Clock;
      readonly accountId: string;
      /** Sends to a function or a stream; the runtime's one dispatcher. */
      readonly dispatcher: () => Pick<TargetDispatcher, 'send'>;
      readonly log: (line: string) => void;
      /** Whether the log group exists (its filters' operations answer ResourceNotFoundException when not). */
      readonly hasGroup: (name: string) => boolean;
    },
  ) {
    super();
    options.db.exec(SCHEMA);
    this.outbox = new DurableOutbox<DeliveryRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'logs_subscription_delivery', id: 'id', dueAt: 'next_at' },
      handle: (row) => this.#deliver(row),
      concurrency: 8,
      maxSleepMs: 1000,
      onError: (error) => options.log(error.message),
    });
  }

  /**
   * Creates or replaces a filter of a group that exists.
   * @throws AwsError InvalidParameterException for a pattern that does not compile, LimitExceededException for a third filter
   */
  put(filter: SubscriptionFilterDefinition, fromTemplate = false): void {
    compileFilterPattern(filter.pattern);
    const existing = this.list(filter.group);
    if (!existing.some((row) => row.name === filter.name) && existing.length >= MAX_FILTERS_PER_GROUP) {
      throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
    }
    this.options.db
      .prepare(
        `INSERT INTO logs_subscription_filter (group_name, name, pattern, destination_arn, role_arn, distribution, creation_time, from_template)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (group_name, name) DO UPDATE SET pattern = excluded.pattern, destination_arn = excluded.destination_arn,
             role_arn = excluded.role_arn, distribution = excluded.distribution, from_template = excluded.from_template`,
      )
      .run(
        filter.group,
        filter.name,
        filter.pattern,
        filter.destinationArn,
        filter.roleArn ?? null,
        filter.distribution ?? 'Random',
        this.options.clock.now(),
        fromTemplate ? 1 : 0,
      );
    this.#compiled = undefined;
  }

  /** Makes the template's filters the ones it declares (template-filters.ts). */
  declare(filters: readonly SubscriptionFilterDefinition[], options: { removeOthers: boolean }): void {
    declareTemplateFilters(this.#templateStore, filters, options);
  }

  /** Deletes a filter; false when the group has none by that name. */
  delete(group: string, name: string): boolean {
    this.#compiled = undefined;
    return deleteFilter(this.#templateStore, group, name);
  }

  /** What template-filters.ts reads and writes this kind of filter with. */
  get #templateStore(): TemplateFilterStore<SubscriptionFilterDefinition> {
    return {
      db: this.options.db,
      table: 'logs_subscription_filter',
      kind: 'subscription filter',
      put: (filter, fromTemplate) => this.put(filter, fromTemplate),
      delete: (group, name) => this.delete(group, name),
      log: (line) => this.options.log(line),
    };
  }

  /** A group's filters by name, as DescribeSubscriptionFilters answers them. */
  list(group: string, prefix?: string): FilterRow[] {
    const rows = this.options.db
      .prepare('SELECT * FROM logs_subscription_filter WHERE group_name = ? ORDER BY name')
      .all(group) as unknown as FilterRow[];
    return prefix === undefined ? rows : rows.filter((row) => row.name.startsWith(prefix));
  }

  // ---- the API ----

  async PutSubscriptionFilter(input: Record<string, unknown>) {
    const group = input.logGroupName as string;
    this.#group(group);
    this.put({
      group,
      name: input.filterName as string,
      pattern: input.filterPattern as string,
      destinationArn: input.destinationArn as string,
      ...(typeof input.roleArn === 'string' ? { roleArn: input.roleArn } : {}),
      ...(typeof input.distribution === 'string' ? { distribution: input.distribution } : {}),
    });
    if (!deliversTo(input.destinationArn as string)) {
      this.options.log(
        `subscription filter ${input.filterName as string} of ${group}: ${input.destinationArn as string} is not a Lambda function, Kinesis stream or Firehose delivery stream, which are all that is run locally; its events are not delivered`,
      );
    }
    return {};
  }

  async DescribeSubscriptionFilters(input: Record<string, unknown>) {
    const group = input.logGroupName as string;
    const limit = (input.limit as number | undefined) ?? 50;
    this.#group(group);
    const filters = this.list(group, (input.filterNamePrefix ?? undefined) as string | undefined);
    const offset = decodeToken(input.nextToken, 'subscriptions', isOffset) ?? 0;
    return {
      subscriptionFilters: filters.slice(offset, offset + limit).map((row) => this.describe(row)),
      ...(offset + limit < filters.length ? { nextToken: encodeToken('subscriptions', offset + limit) } : {}),
    };
  }

  async DeleteSubscriptionFilter(input: Record<string, unknown>) {
    const group = input.logGroupName as string;
    this.#group(group);
    if (!this.delete(group, input.filterName as string)) {
      throw new AwsError('ResourceNotFoundException', 'The specified subscription filter does not exist.');
    }
    return {};
  }

  #group(name: string): void {
    if (!this.options.hasGroup(name)) throw groupNotFound();
  }

  /** Forgets the compiled filters (their group was deleted, its filters with it). */
  changed(): void {
    this.#compiled = undefined;
  }

  /** A filter as DescribeSubscriptionFilters answers it. */
  describe(row: FilterRow) {
    return {
      filterName: row.name,
      logGroupName: row.group_name,
      filterPattern: row.pattern,
      destinationArn: row.destination_arn,
      ...(row.role_arn === null ? {} : { roleArn: row.role_arn }),
      distribution: row.distribution,
      creationTime: row.creation_time,
    };
  }

  /**
   * Writes a delivery per filter of the group that some of the events match (more than one when
   * they are many); call it inside the transaction that appends them (LogsStore's `appended` listener), for a group that has filters.
   */
  listener(group: string): ((stream: string, events: readonly StoredEvent[]) => void) | undefined {
    const filters = this.#filters().get(group);
    return filters === undefined ? undefined : (stream, events) => this.#appended(group, filters, stream, events);
  }

  #appended(
    group: string,
    filters: readonly { row: FilterRow; matches: MessageMatcher }[],
    stream: string,
    events: readonly StoredEvent[],
  ) {
    for (const { row, matches } of filters) {
      if (!deliversTo(row.destination_arn)) continue;
      const matched = events.filter((event) => matches(event.message));
      for (const chunk of chunks(matched)) {
        const payload = {
          messageType: 'DATA_MESSAGE',
          owner: this.options.accountId,
          logGroup: group,
          logStream: stream,
          subscriptionFilters: [row.name],
          logEvents: chunk.map((event) => ({ id: subscriptionEventId(event), timestamp: event.timestamp, message: event.message })),
        };
        const now = this.options.clock.now();
        this.outbox.enqueue({
          next_at: now,
          first_at: now,
          attempts: 0,
          destination: row.destination_arn,
          // ByLogStream keeps a stream's events on one shard; Random spreads them.
          partition_key: row.distribution === 'ByLogStream' ? stream : randomUUID(),
          payload: JSON.stringify(payload),
        });
      }
    }
  }

  #filters(): Map<string, { row: FilterRow; matches: MessageMatcher }[]> {
    if (this.#compiled) return this.#compiled;
    const compiled = new Map<string, { row: FilterRow; matches: MessageMatcher }[]>();
    for (const row of this.options.db.prepare('SELECT * FROM logs_subscription_filter ORDER BY name').all() as unknown as FilterRow[]) {
      const list = compiled.get(row.group_name) ?? [];
      list.push({ row, matches: compileFilterPattern(row.pattern) });
      compiled.set(row.group_name, list);
    }
    this.#compiled = compiled;
    return compiled;
  }

  async #deliver(row: DeliveryRow): Promise<OutboxOutcome> {
    const gzipped = gzipSync(row.payload);
    try {
      const service = dispatchableService(row.destination);
      if (service === 'kinesis') {
        // The record's data is the gzipped JSON itself (the stream's consumers gunzip it).
        await this.options.dispatcher().send(row.destination, { body: '', kinesis: { partitionKey: row.partition_key, data: gzipped } });
      } else if (service === 'firehose') {
        // As to a Kinesis stream: one record of the gzipped JSON (a Firehose processor or the S3 object's reader gunzips it).
        await this.options.dispatcher().send(row.destination, { body: '', firehose: { data: gzipped } });
      } else {
        const event = { awslogs: { data: gzipped.toString('base64') } };
        await this.options.dispatcher().send(row.destination, { body: '', lambda: { invocationType: 'Event', event } });
      }
      return { kind: 'done' };
    } catch (error) {
      const now = this.options.clock.now();
      const next = nextRetry(RETRY, { failures: row.attempts + 1, firstAt: row.first_at, now });
      const reason = (error as Error).message;
      if ('exhausted' in next) {
        this.options.log(
          `subscription delivery to ${row.destination} dropped after ${row.attempts + 1} attempts (${next.exhausted}): ${reason}`,
        );
        return { kind: 'done' };
      }
      this.options.log(`subscription delivery to ${row.destination} not delivered yet (${reason}); retrying`);
      return { kind: 'retry', at: next.at, set: { attempts: row.attempts + 1 } };
    }
  }
}

/** Matched events cut into deliveries of at most MAX_DELIVERY_BYTES of messages (one event at least each). */
function chunks(events: readonly StoredEvent[]): StoredEvent[][] {
  const out: StoredEvent[][] = [];
  let current: StoredEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(event.message) + 100;
    if (current.length > 0 && bytes + size > MAX_DELIVERY_BYTES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length > 0) out.push(current);
  return out;
}
