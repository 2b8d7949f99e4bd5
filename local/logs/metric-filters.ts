import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import { loadModel } from '../endpoint/validation/model.js';
import { CrashPoints } from '../store/crash-points.js';
import { DurableOutbox, type OutboxOutcome, OutboxOwner } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import { compileFieldReader, compileFilterPattern, type FieldValues, type MessageMatcher, patternKind } from './filter-pattern.js';
import type { NewEvent } from './logs-store.js';
import { declareTemplateFilters, deleteFilter, type TemplateFilterStore } from './template-filters.js';
import { decodeToken, encodeToken, groupNotFound, invalidParameter, isOffset } from './validation.js';

/**
 * Metric filters, kept by their group (deleting the group deletes them): the events appended to
 * a group that match a filter's pattern publish its metric to CloudWatch, as the CloudWatch Logs
 * user guide's "Creating metrics from log events using filters" describes
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/MonitoringLogData.html). Each
 * publication owed is a row of `logs_metric_publication`, written in the transaction that
 * appends its events, with the id CloudWatch records it under (so that a row published and not
 * yet deleted when the process died is not stored twice when the restart publishes it again).
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS logs_metric_filter (
  group_name TEXT NOT NULL REFERENCES logs_group(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  pattern TEXT NOT NULL,
  transformation TEXT NOT NULL,
  creation_time INTEGER NOT NULL,
  from_template INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (group_name, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs_metric_publication (
  id INTEGER PRIMARY KEY,
  due_at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  filter TEXT NOT NULL,
  request TEXT NOT NULL
);
`;

/** A metric transformation as PutMetricFilter takes it (`metricTransformations[0]`). */
export interface MetricTransformation {
  readonly metricName: string;
  readonly metricNamespace: string;
  /** A number, or a field of the matched event: `$.a.b` (JSON) or `$name` (space-delimited). */
  readonly metricValue: string;
  readonly defaultValue?: number;
  /** Dimension name to the field (`$.a`, `$name`) whose value it takes. */
  readonly dimensions?: Readonly<Record<string, string>>;
  readonly unit?: string;
}

/** A metric filter as the template (`AWS::Logs::MetricFilter`) or PutMetricFilter gives it. */
export interface MetricFilterDefinition {
  readonly group: string;
  readonly name: string;
  readonly pattern: string;
  readonly transformation: MetricTransformation;
}

/**
 * What a metric filter publishes: a PutMetricData request of the CloudWatch service (its
 * `PutMetricData`, which checks and stores it as the API's): the datum's time is the event's.
 */
export interface MetricRequest {
  readonly Namespace: string;
  readonly MetricData: readonly {
    readonly MetricName: string;
    readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
    /** Epoch seconds. */
    readonly Timestamp: number;
    readonly Value: number;
    readonly Unit?: string;
  }[];
}
/**
 * Stores a request's data once: a second call with the same `requestId` stores nothing (the
 * restart's publication of a row whose first was committed just before the process died).
 */
export type MetricPublisher = (requestId: string, request: MetricRequest) => Promise<unknown>;

/** A publication owed, as the outbox hands it over. */
interface PublicationRow {
  readonly id: number;
  readonly request_id: string;
  /** `metric filter <name> of <group>`, for what is reported of it. */
  readonly filter: string;
  /** The MetricRequest, as JSON. */
  readonly request: string;
}

/** A row taken up with no CloudWatch service to publish to (`publishTo` not called): it stays, tried again later. */
export class NoMetricPublisherError extends Error {
  override readonly name = 'NoMetricPublisherError';
}

interface FilterRow {
  group_name: string;
  name: string;
  pattern: string;
  transformation: string;
  creation_time: number;
}

interface Compiled {
  readonly row: FilterRow;
  readonly transformation: MetricTransformation;
  readonly matches: MessageMatcher;
  readonly fields: (message: string) => FieldValues;
}

/** A log group has at most 100 metric filters. */
export const MAX_METRIC_FILTERS_PER_GROUP = 100;
/** A metric filter has at most three dimensions. */
const MAX_DIMENSIONS = 3;
/** PutMetricData takes at most 1000 data a request. */
const MAX_DATA_PER_REQUEST = 1000;

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const JSON_FIELD = /^\$(?:\.[A-Za-z0-9_@$-]+|\[\d+\])+$/;
const DELIMITED_FIELD = /^\$[A-Za-z_][\w.]*$/;

/** The units a transformation may name (the logs model's StandardUnit, read at the first use): the template's are checked as the API's are by the model. */
let units: ReadonlySet<string> | undefined;
function isUnit(unit: string): boolean {
  units ??= new Set(loadModel('logs').shapes.StandardUnit?.enum ?? []);
  return units.has(unit);
}

/**
 * A transformation CloudWatch Logs would take for that pattern, or the InvalidParameterException
 * it answers: a value that is neither a number nor a field, a field of a kind of event the pattern
 * does not read, dimensions on a pattern that names no fields, more than three, or given with a
 * default value (a default is published for events that match nothing, which have no field to
 * take a dimension's value from).
 */
export function checkTransformation(pattern: string, t: MetricTransformation): void {
  const kind = patternKind(pattern);
  const field = (value: string) => (kind === 'json' ? JSON_FIELD.test(value) : kind === 'delimited' && DELIMITED_FIELD.test(value));
  if (!NUMBER.test(t.metricValue) && !field(t.metricValue)) {
    throw invalidParameter(
      `Invalid metric value: ${t.metricValue}. The metric value must be a number, or a field of the filter pattern ($.field for a JSON pattern, $field for a space-delimited one).`,
    );
  }
  if (t.unit !== undefined && !isUnit(t.unit)) throw invalidParameter(`Invalid unit: ${t.unit}.`);
  const dimensions = Object.entries(t.dimensions ?? {});
  if (dimensions.length === 0) return;
  if (kind === 'text') throw invalidParameter('The specified filter pattern does not support dimensions');
  if (t.defaultValue !== undefined)
    throw invalidParameter('Dimensions and a default value cannot both be specified in a metric transformation.');
  if (dimensions.length > MAX_DIMENSIONS) throw invalidParameter(`A metric filter can have at most ${MAX_DIMENSIONS} dimensions.`);
  for (const [name, value] of dimensions) {
    if (!field(value))
      throw invalidParameter(`Invalid dimension value for ${name}: ${value}. A dimension's value must be a field of the filter pattern.`);
  }
}

/**
 * CloudWatch Logs metric filters: each event appended to a group (PutLogEvents, and the lines
 * functions and state machines write) that matches a filter's pattern publishes one datum of its
 * metric, the transformation's value (a number, or the event's field) with its dimensions (the
 * event's fields), at the event's time; an event that does not match publishes the default
 * value, when the filter has one. The data are written to a DurableOutbox in the transaction
 * that appends the events (one commit: an accepted event's datum survives a SIGKILL), and go
 * through the CloudWatch service's PutMetricData checks (`publishTo`), the one way metrics are stored.
 */
export class MetricFilters extends OutboxOwner<PublicationRow> {
  protected readonly outbox: DurableOutbox<PublicationRow>;
  readonly #crashPoints: CrashPoints;
  #compiled?: Map<string, Compiled[]>;
  #publisher?: MetricPublisher;

  constructor(
    private readonly options: {
      readonly db: DatabaseSync;
      readonly clock: Clock;
      readonly log: (line: string) => void;
      /** Whether the log group exists (the operations answer ResourceNotFoundException when not). */
      readonly hasGroup: (name: string) => boolean;
    },
  ) {
    super();
    options.db.exec(SCHEMA);
    this.#crashPoints = new CrashPoints(options.db);
    this.outbox = new DurableOutbox<PublicationRow>({
      db: options.db,
      clock: options.clock,
      table: { name: 'logs_metric_publication', id: 'id', dueAt: 'due_at' },
      handle: (row) => this.#publish(row),
      concurrency: 8,
      maxSleepMs: 1000,
      onError: (error) => options.log(error.message),
    });
  }

  /** Where matched events' data go: the CloudWatch service's PutMetricData (set by its module, created after this service). */
  publishTo(publisher: MetricPublisher): void {
    this.#publisher = publisher;
  }

  /**
   * Creates or replaces a filter of a group that exists.
   * @throws AwsError InvalidParameterException for a pattern or transformation CloudWatch Logs refuses, LimitExceededException for a 101st filter
   */
  put(filter: MetricFilterDefinition, fromTemplate = false): void {
    compileFilterPattern(filter.pattern);
    checkTransformation(filter.pattern, filter.transformation);
    const count = this.list(filter.group).filter((row) => row.name !== filter.name).length;
    if (count >= MAX_METRIC_FILTERS_PER_GROUP) throw new AwsError('LimitExceededException', 'Resource limit exceeded.');
    this.options.db
      .prepare(
        `INSERT INTO logs_metric_filter (group_name, name, pattern, transformation, creation_time, from_template) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (group_name, name) DO UPDATE SET pattern = excluded.pattern, transformation = excluded.transformation,
             from_template = excluded.from_template`,
      )
      .run(
        filter.group,
        filter.name,
        filter.pattern,
        JSON.stringify(filter.transformation),
        this.options.clock.now(),
        fromTemplate ? 1 : 0,
      );
    this.#compiled = undefined;
  }

  /** Makes the template's filters the ones it declares (template-filters.ts). */
  declare(filters: readonly MetricFilterDefinition[], options: { removeOthers: boolean }): void {
    declareTemplateFilters(this.#templateStore, filters, options);
  }

  /** Deletes a filter; false when the group has none by that name. */
  delete(group: string, name: string): boolean {
    this.#compiled = undefined;
    return deleteFilter(this.#templateStore, group, name);
  }

  /** What template-filters.ts reads and writes this kind of filter with. */
  get #templateStore(): TemplateFilterStore<MetricFilterDefinition> {
    return {
      db: this.options.db,
      table: 'logs_metric_filter',
      kind: 'metric filter',
      put: (filter, fromTemplate) => this.put(filter, fromTemplate),
      delete: (group, name) => this.delete(group, name),
      log: (line) => this.options.log(line),
    };
  }

  /** A group's filters by name (every group's, by group, without one). */
  list(group?: string): FilterRow[] {
    const rows =
      group === undefined
        ? this.options.db.prepare('SELECT * FROM logs_metric_filter ORDER BY group_name, name').all()
        : this.options.db.prepare('SELECT * FROM logs_metric_filter WHERE group_name = ? ORDER BY name').all(group);
    return rows as unknown as FilterRow[];
  }

  /** How many filters a group has (DescribeLogGroups' `metricFilterCount`). */
  count(group: string): number {
    return this.#filters().get(group)?.length ?? 0;
  }

  /** Forgets the compiled filters (their group was deleted, its filters with it). */
  changed(): void {
    this.#compiled = undefined;
  }

  // ---- the API ----

  async PutMetricFilter(input: Record<string, unknown>) {
    const group = input.logGroupName as string;
    this.#group(group);
    // The model bounds the list to one transformation.
    const [transformation] = input.metricTransformations as [MetricTransformation];
    this.put({
      group,
      name: input.filterName as string,
      pattern: input.filterPattern as string,
      transformation: transformationOf(transformation),
    });
    return {};
  }

  async DescribeMetricFilters(input: Record<string, unknown>) {
    const group = (input.logGroupName ?? undefined) as string | undefined;
    const metricName = (input.metricName ?? undefined) as string | undefined;
    const namespace = (input.metricNamespace ?? undefined) as string | undefined;
    if ((metricName === undefined) !== (namespace === undefined)) {
      throw invalidParameter('metricName and metricNamespace must be specified together.');
    }
    if (group !== undefined) this.#group(group);
    const limit = (input.limit as number | undefined) ?? 50;
    // The name prefix is used only with a group, as AWS documents.
    const prefix = group === undefined ? undefined : ((input.filterNamePrefix ?? undefined) as string | undefined);
    const filters = this.list(group)
      .filter((row) => prefix === undefined || row.name.startsWith(prefix))
      .filter((row) => {
        if (metricName === undefined) return true;
        const t = JSON.parse(row.transformation) as MetricTransformation;
        return t.metricName === metricName && t.metricNamespace === namespace;
      });
    const offset = decodeToken(input.nextToken, 'metric-filters', isOffset) ?? 0;
    return {
      metricFilters: filters.slice(offset, offset + limit).map((row) => ({
        filterName: row.name,
        filterPattern: row.pattern,
        metricTransformations: [JSON.parse(row.transformation) as MetricTransformation],
        creationTime: row.creation_time,
        logGroupName: row.group_name,
        applyOnTransformedLogs: false,
      })),
      ...(offset + limit < filters.length ? { nextToken: encodeToken('metric-filters', offset + limit) } : {}),
    };
  }

  async DeleteMetricFilter(input: Record<string, unknown>) {
    const group = input.logGroupName as string;
    this.#group(group);
    if (!this.delete(group, input.filterName as string)) {
      throw new AwsError('ResourceNotFoundException', 'The specified metric filter does not exist.');
    }
    return {};
  }

  async TestMetricFilter(input: Record<string, unknown>) {
    const pattern = input.filterPattern as string;
    const matches = compileFilterPattern(pattern);
    const fields = compileFieldReader(pattern);
    const messages = input.logEventMessages as string[];
    return {
      matches: messages.flatMap((message, i) =>
        matches(message) ? [{ eventNumber: i + 1, eventMessage: message, extractedValues: fields(message) }] : [],
      ),
    };
  }

  #group(name: string): void {
    if (!this.options.hasGroup(name)) throw groupNotFound();
  }

  // ---- publishing ----

  /**
   * Writes the publications a group's filters make of events being appended; call it inside the
   * transaction that appends them (LogsStore's `appended` listener), for a group that has filters.
   */
  listener(group: string): ((stream: string, events: readonly NewEvent[]) => void) | undefined {
    const filters = this.#filters().get(group);
    return filters === undefined ? undefined : (_stream, events) => this.#appended(filters, events);
  }

  #appended(filters: readonly Compiled[], events: readonly NewEvent[]): void {
    for (const filter of filters) {
      const data = events.flatMap((event) => this.#datum(filter, event));
      if (data.length === 0) continue;
      const where = `metric filter ${filter.row.name} of ${filter.row.group_name}`;
      if (this.#publisher === undefined) {
        this.options.log(`${where} published nothing: no CloudWatch service runs to take its metric`);
        continue;
      }
      for (let i = 0; i < data.length; i += MAX_DATA_PER_REQUEST) {
        const request: MetricRequest = {
          Namespace: filter.transformation.metricNamespace,
          MetricData: data.slice(i, i + MAX_DATA_PER_REQUEST),
        };
        this.outbox.enqueue({ request_id: randomUUID(), filter: where, request: JSON.stringify(request) });
      }
    }
  }

  #datum(filter: Compiled, event: NewEvent): MetricRequest['MetricData'][number][] {
    const t = filter.transformation;
    const at = { MetricName: t.metricName, Timestamp: event.timestamp / 1000, ...(t.unit === undefined ? {} : { Unit: t.unit }) };
    if (!filter.matches(event.message)) return t.defaultValue === undefined ? [] : [{ ...at, Dimensions: [], Value: t.defaultValue }];
    const fields = filter.fields(event.message);
    const value = NUMBER.test(t.metricValue) ? Number(t.metricValue) : Number(fields[t.metricValue] ?? Number.NaN);
    if (!Number.isFinite(value)) {
      this.#skipped(filter, `the event's ${t.metricValue} is not a number`);
      return [];
    }
    const dimensions: { Name: string; Value: string }[] = [];
    for (const [name, ref] of Object.entries(t.dimensions ?? {})) {
      const text = fields[ref];
      if (text === undefined || text === '') {
        this.#skipped(filter, `the event has no ${ref} for the dimension ${name}`);
        return [];
      }
      dimensions.push({ Name: name, Value: text });
    }
    return [{ ...at, Dimensions: dimensions, Value: value }];
  }

  /** Publishes one row; PutMetricData's refusal (a namespace under AWS/, a time out of range) is final and printed, any other failure is the outbox's to retry. */
  async #publish(row: PublicationRow): Promise<OutboxOutcome> {
    if (this.#publisher === undefined) throw new NoMetricPublisherError(`${row.filter}: no CloudWatch service runs to take its metric`);
    this.#crashPoints.reached('logs-metric-filter-before-publish');
    try {
      await this.#publisher(row.request_id, JSON.parse(row.request) as MetricRequest);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      this.options.log(`${row.filter} published nothing: ${error.message}`);
    }
    this.#crashPoints.reached('logs-metric-filter-after-publish');
    return { kind: 'done' };
  }

  #skipped(filter: Compiled, reason: string): void {
    this.options.log(`metric filter ${filter.row.name} of ${filter.row.group_name}: a matching event published no datum: ${reason}`);
  }

  #filters(): Map<string, Compiled[]> {
    if (this.#compiled) return this.#compiled;
    const compiled = new Map<string, Compiled[]>();
    for (const row of this.list()) {
      const transformation = JSON.parse(row.transformation) as MetricTransformation;
      const wanted = [transformation.metricValue, ...Object.values(transformation.dimensions ?? {})];
      const list = compiled.get(row.group_name) ?? [];
      list.push({ row, transformation, matches: compileFilterPattern(row.pattern), fields: compileFieldReader(row.pattern, wanted) });
      compiled.set(row.group_name, list);
    }
    this.#compiled = compiled;
    return compiled;
  }
}

/** A transformation as stored and described: only the members given (a JSON null is an absent member). */
function transformationOf(t: MetricTransformation): MetricTransformation {
  return {
    metricName: t.metricName,
    metricNamespace: t.metricNamespace,
    metricValue: t.metricValue,
    ...(typeof t.defaultValue === 'number' ? { defaultValue: t.defaultValue } : {}),
    ...(t.dimensions != null && Object.keys(t.dimensions).length > 0 ? { dimensions: t.dimensions } : {}),
    ...(typeof t.unit === 'string' ? { unit: t.unit } : {}),
  };
}
