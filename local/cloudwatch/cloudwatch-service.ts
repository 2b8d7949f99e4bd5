import { AwsError } from '../endpoint/aws-error.js';
import { loadModel } from '../endpoint/validation/model.js';
import type { NewEvent } from '../logs/logs-store.js';
import type { ServiceState } from '../store/service-state.js';
import { type DescribeAlarmsInput, describeAlarms, type MetricAlarm } from './alarms.js';
import { invalidValue } from './cloudwatch-errors.js';
import { embeddedMetrics } from './embedded-metrics.js';
import { metricEntries, type PutMetricDataInput, TAKEN_AGAIN_WITHIN_MS } from './metric-data.js';
import { type GetMetricDataInput, type GetMetricStatisticsInput, metricData, metricStatistics } from './metric-queries.js';
import { type Dimension, MetricStore } from './metric-store.js';

export interface CloudWatchServiceOptions extends ServiceState {
  /** The template's alarms, as DescribeAlarms lists them. @default none */
  readonly alarms?: readonly MetricAlarm[];
  /** Where a log event that is not valid EMF is reported. @default discarded */
  readonly log?: (line: string) => void;
}

export interface ListMetricsInput {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly { readonly Name: string; readonly Value?: string }[];
  readonly NextToken?: string;
  readonly RecentlyActive?: 'PT3H';
}

/** ListMetrics' page size, and how long a metric is listed after its last datum (two weeks; three hours with RecentlyActive). */
const PAGE_SIZE = 500;
const LISTED_MS = 14 * 86_400_000;
const RECENT_MS = 3 * 3_600_000;
/** How long the data are kept: CloudWatch keeps a metric's data 15 months. */
const RETAINED_MS = 455 * 86_400_000;

/** The units CloudWatch takes, from its model (read at the first use): an EMF document's are checked against them as the API's are by the model. */
let units: ReadonlySet<string> | undefined;
function isUnit(unit: string): boolean {
  units ??= new Set(loadModel('cloudwatch').shapes.StandardUnit?.enum ?? []);
  return units.has(unit);
}

/**
 * CloudWatch's metrics on the local endpoint: PutMetricData, ListMetrics, GetMetricStatistics
 * and GetMetricData (MetricStat queries) over the data in `cloudwatch.sqlite`, and the metrics
 * functions embed in their logs (EMF, `extractEmbedded`); DescribeAlarms lists the template's
 * alarms, never evaluated. The operations take the API's JSON shapes (times as epoch seconds or
 * ISO-8601 text) and answer times as Dates, which each protocol writes its way (`protocols.ts`).
 */
export class CloudWatchService {
  readonly #store: MetricStore;

  constructor(private readonly options: CloudWatchServiceOptions) {
    this.#store = new MetricStore(options.db);
  }

  /** How many alarms DescribeAlarms lists (the start-up report's count). */
  get alarmCount(): number {
    return this.options.alarms?.length ?? 0;
  }

  /**
   * Deletes data older than CloudWatch keeps, and the ids of requests stored too long ago to be
   * taken again (their data's timestamps would be refused as too old: nothing can be stored twice).
   */
  start(): void {
    const now = this.options.clock.now();
    this.#store.purge(now - RETAINED_MS, now - TAKEN_AGAIN_WITHIN_MS);
  }

  async PutMetricData(input: PutMetricDataInput): Promise<Record<string, never>> {
    const now = this.options.clock.now();
    this.#store.put(metricEntries(input, now), now);
    return {};
  }

  /**
   * PutMetricData for a publisher in the runtime that may send a request again after a crash
   * (metric filters' outbox): checked as the API's, and stored once per `requestId`.
   */
  async putMetricDataOnce(requestId: string, input: PutMetricDataInput): Promise<void> {
    const now = this.options.clock.now();
    this.#store.put(metricEntries(input, now), now, requestId);
  }

  async ListMetrics(input: ListMetricsInput) {
    const after = input.NextToken === undefined ? 0 : Number(input.NextToken);
    if (!Number.isSafeInteger(after) || after < 0) throw invalidValue(`The value ${input.NextToken} for parameter NextToken is invalid.`);
    const since = this.options.clock.now() - (input.RecentlyActive === 'PT3H' ? RECENT_MS : LISTED_MS);
    const filter = { namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions, since };
    const found = this.#store.metrics(filter, after, PAGE_SIZE + 1);
    const page = found.slice(0, PAGE_SIZE);
    return {
      Metrics: page.map(({ key }) => ({ Namespace: key.namespace, MetricName: key.name, Dimensions: key.dimensions as Dimension[] })),
      ...(found.length > PAGE_SIZE ? { NextToken: String(page.at(-1)?.id) } : {}),
    };
  }

  async GetMetricStatistics(input: GetMetricStatisticsInput) {
    return metricStatistics(this.#store, input);
  }

  async GetMetricData(input: GetMetricDataInput) {
    return metricData(this.#store, input);
  }

  async DescribeAlarms(input: DescribeAlarmsInput) {
    return describeAlarms(this.options.alarms ?? [], input);
  }

  /**
   * Publishes the metrics that log events in the embedded metric format carry, as CloudWatch
   * Logs extracts them from any log group: each directive's data checked and stored as
   * PutMetricData's are. An event that is EMF but not valid, or whose data PutMetricData would
   * refuse, publishes nothing and is reported (in AWS, it counts in AWS/Logs' EMFValidationErrors).
   */
  extractEmbedded(group: string, events: readonly NewEvent[]): void {
    for (const event of events) {
      const found = embeddedMetrics(event.message);
      if (found === undefined) continue;
      if ('invalid' in found) {
        this.#report(group, found.invalid);
        continue;
      }
      for (const request of found.requests) {
        const unit = request.MetricData?.find((datum) => datum.Unit !== undefined && !isUnit(datum.Unit))?.Unit;
        if (unit !== undefined) {
          this.#report(group, `the unit ${unit} is not one CloudWatch takes`);
          continue;
        }
        try {
          const now = this.options.clock.now();
          this.#store.put(metricEntries(request, now), now);
        } catch (error) {
          // PutMetricData's refusal of the data (an AWS/ namespace, a timestamp out of range) is the event's fault; a failed write is not.
          if (!(error instanceof AwsError)) throw error;
          this.#report(group, error.message);
        }
      }
    }
  }

  #report(group: string, reason: string): void {
    this.options.log?.(`an embedded metric format event in ${group} published no metric: ${reason}`);
  }
}
