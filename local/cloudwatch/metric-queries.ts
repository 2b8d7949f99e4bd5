import { invalidCombination, invalidValue, missingParameter, mutuallyExclusive, timeRange } from './cloudwatch-errors.js';
import { type Dimension, type MetricKey, type MetricStore, sortedDimensions } from './metric-store.js';
import { aggregate, checkDatapointCount, checkPeriod, checkStatistic, periodStart, STATISTICS, statisticOf } from './statistics.js';

export interface GetMetricStatisticsInput {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions?: readonly Dimension[];
  readonly StartTime: unknown;
  readonly EndTime: unknown;
  readonly Period: number;
  readonly Statistics?: readonly string[];
  readonly ExtendedStatistics?: readonly string[];
  readonly Unit?: string;
}

interface MetricStatInput {
  readonly Metric?: { readonly Namespace?: string; readonly MetricName?: string; readonly Dimensions?: readonly Dimension[] };
  readonly Period: number;
  readonly Stat: string;
  readonly Unit?: string;
}

export interface GetMetricDataInput {
  readonly MetricDataQueries: readonly {
    readonly Id: string;
    readonly MetricStat?: MetricStatInput;
    readonly Expression?: string;
    readonly Label?: string;
    readonly ReturnData?: boolean;
    readonly Period?: number;
  }[];
  readonly StartTime: unknown;
  readonly EndTime: unknown;
  readonly ScanBy?: 'TimestampDescending' | 'TimestampAscending';
}

/** A query's id: a lowercase letter first, then letters, digits and underscores. */
const METRIC_ID = /^[a-z][A-Za-z0-9_]*$/;

/** GetMetricStatistics: the metric's data in [StartTime, EndTime) by period, each unit's apart, with the statistics asked for. */
export function metricStatistics(store: MetricStore, input: GetMetricStatisticsInput) {
  const { start, end } = timeRange(input);
  checkPeriod(input.Period, 'Period');
  const statistics = input.Statistics ?? [];
  const extended = input.ExtendedStatistics ?? [];
  if (input.Statistics !== undefined && input.ExtendedStatistics !== undefined) throw mutuallyExclusive('Statistics', 'ExtendedStatistics');
  if (statistics.length === 0 && extended.length === 0)
    throw missingParameter('The parameter Statistics or ExtendedStatistics must be specified.');
  statistics.forEach((statistic, i) => {
    if (!(STATISTICS as readonly string[]).includes(statistic))
      throw invalidValue(`The value ${statistic} for parameter Statistics.member.${i + 1} is invalid.`);
  });
  for (const [i, statistic] of extended.entries()) checkStatistic(statistic, `ExtendedStatistics.member.${i + 1}`);
  checkDatapointCount(start, end, input.Period);
  const key: MetricKey = { namespace: input.Namespace, name: input.MetricName, dimensions: sortedDimensions(input.Dimensions ?? []) };
  const periods = aggregate(store.data(key, periodStart(start, input.Period), end, input.Unit), start, input.Period);
  return {
    Label: input.MetricName,
    Datapoints: periods.map((period) => {
      const values = Object.fromEntries(
        extended.flatMap((s) => (statisticOf(period, s) === undefined ? [] : [[s, statisticOf(period, s)]])),
      );
      return {
        Timestamp: new Date(period.timestamp),
        ...Object.fromEntries(statistics.map((s) => [s, statisticOf(period, s)])),
        Unit: period.unit,
        ...(extended.length > 0 ? { ExtendedStatistics: values } : {}),
      };
    }),
  };
}

/**
 * GetMetricData over MetricStat queries: each query's statistic by period, newest first unless
 * ScanBy says otherwise. Metric math and Metrics Insights (`Expression`) are not evaluated
 * locally: such a request is refused by name rather than answered without the expression.
 */
export function metricData(store: MetricStore, input: GetMetricDataInput) {
  const { start, end } = timeRange(input);
  const seen = new Set<string>();
  input.MetricDataQueries.forEach((query, i) => {
    const where = `MetricDataQueries.member.${i + 1}`;
    if (!METRIC_ID.test(query.Id))
      throw invalidValue(
        `The value ${query.Id} for parameter ${where}.Id is invalid: it must start with a lowercase letter and hold only letters, digits and underscores.`,
      );
    if (seen.has(query.Id)) throw invalidValue(`The value ${query.Id} for parameter ${where}.Id is not unique.`);
    seen.add(query.Id);
    if (query.MetricStat !== undefined && query.Expression !== undefined)
      throw mutuallyExclusive(`${where}.MetricStat`, `${where}.Expression`);
    if (query.Expression !== undefined)
      throw invalidValue(
        `${where}.Expression: metric math and Metrics Insights queries are not evaluated by the local CloudWatch; ask for each metric with a MetricStat query.`,
      );
    if (query.MetricStat === undefined)
      throw invalidCombination(`The parameter ${where} must contain either a MetricStat or an Expression.`);
    const { Metric: metric, Period, Stat } = query.MetricStat;
    if (metric?.Namespace === undefined || metric.MetricName === undefined)
      throw missingParameter(`The parameter ${where}.MetricStat.Metric must name a Namespace and a MetricName.`);
    checkPeriod(Period, `${where}.MetricStat.Period`);
    checkStatistic(Stat, `${where}.MetricStat.Stat`);
  });
  const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
  const results = input.MetricDataQueries.filter((query) => query.ReturnData !== false).map((query) => {
    const stat = query.MetricStat as MetricStatInput & { Metric: { Namespace: string; MetricName: string } };
    const key: MetricKey = {
      namespace: stat.Metric.Namespace,
      name: stat.Metric.MetricName,
      dimensions: sortedDimensions(stat.Metric.Dimensions ?? []),
    };
    // Data of several units in one period are one datapoint in GetMetricData.
    const data = store.data(key, periodStart(start, stat.Period), end, stat.Unit).map((datum) => ({ ...datum, unit: '' }));
    const points = new Map<number, number>();
    for (const period of aggregate(data, start, stat.Period)) {
      const value = statisticOf(period, stat.Stat);
      if (value !== undefined) points.set(period.timestamp, value);
    }
    const times = [...points.keys()].sort((a, b) => (descending ? b - a : a - b));
    return {
      Id: query.Id,
      Label: query.Label ?? stat.Metric.MetricName,
      Timestamps: times.map((time) => new Date(time)),
      Values: times.map((time) => points.get(time) as number),
      // AWS's answer has no Messages of a result that has none (LocalStack's recorded answers).
      StatusCode: 'Complete',
    };
  });
  return { MetricDataResults: results, Messages: [] };
}
