import { invalidCombination, invalidValue } from './cloudwatch-errors.js';
import type { Datum, Summary } from './metric-store.js';

/** The statistics GetMetricStatistics names in `Statistics`. */
export const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'] as const;
export type Statistic = (typeof STATISTICS)[number];

/** The most datapoints one GetMetricStatistics request may ask for. */
const MAX_DATAPOINTS = 1440;

/** A period's data of one unit, combined. */
export interface Aggregate extends Summary {
  /** Every value with its count, sorted by value; absent when some datum of the period was a statistic set. */
  readonly valueCounts?: readonly (readonly [number, number])[];
}

/**
 * A period as the API takes it: 1, 5, 10, 20 or 30 seconds (high-resolution metrics), or a
 * multiple of 60.
 */
export function checkPeriod(period: number, parameter: string): void {
  if ([1, 5, 10, 20, 30].includes(period) || (period >= 60 && period % 60 === 0)) return;
  throw invalidValue(`The parameter ${parameter} must be 1, 5, 10, 20, 30, or a multiple of 60.`);
}

/**
 * The periods of [start, end): CloudWatch rounds the start down to the minute (to the period's
 * division of a minute for a period under 60 seconds), and a period's datapoint is stamped with
 * its start. `limit`: the most datapoints the request may ask for (GetMetricStatistics').
 */
export function periodStart(start: number, period: number): number {
  const division = Math.min(period, 60) * 1000;
  return Math.floor(start / division) * division;
}

/** Refuses a GetMetricStatistics request for more datapoints than it answers. */
export function checkDatapointCount(start: number, end: number, period: number): void {
  const requested = Math.ceil((end - periodStart(start, period)) / (period * 1000));
  if (requested > MAX_DATAPOINTS) {
    throw invalidCombination(
      `You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    );
  }
}

/** The data combined by period (and by unit: data of different units are never combined), in time order. */
export function aggregate(data: readonly Datum[], start: number, period: number): Aggregate[] {
  const first = periodStart(start, period);
  const buckets = new Map<string, { timestamp: number; unit: string; data: Datum[] }>();
  for (const datum of data) {
    const timestamp = first + Math.floor((datum.timestamp - first) / (period * 1000)) * period * 1000;
    const key = `${timestamp}\u0000${datum.unit}`;
    const bucket = buckets.get(key) ?? { timestamp, unit: datum.unit, data: [] };
    bucket.data.push(datum);
    buckets.set(key, bucket);
  }
  return [...buckets.values()]
    .sort((a, b) => a.timestamp - b.timestamp)
    .map(({ timestamp, unit, data: periodData }) => combine(timestamp, unit, periodData));
}

function combine(timestamp: number, unit: string, data: readonly Datum[]): Aggregate {
  const counts = new Map<number, number>();
  let everyValue = true;
  for (const datum of data) {
    if (datum.valueCounts === undefined) everyValue = false;
    for (const [value, count] of datum.valueCounts ?? []) counts.set(value, (counts.get(value) ?? 0) + count);
  }
  return {
    timestamp,
    unit,
    sampleCount: data.reduce((total, d) => total + d.sampleCount, 0),
    sum: data.reduce((total, d) => total + d.sum, 0),
    minimum: Math.min(...data.map((d) => d.minimum)),
    maximum: Math.max(...data.map((d) => d.maximum)),
    ...(everyValue ? { valueCounts: [...counts.entries()].sort(([a], [b]) => a - b) } : {}),
  };
}

/** A statistic of an aggregate: one of STATISTICS, or a percentile `pNN` (undefined where the period has no values to read it from). */
export function statisticOf(aggregate: Aggregate, statistic: string): number | undefined {
  switch (statistic) {
    case 'SampleCount':
      return aggregate.sampleCount;
    case 'Sum':
      return aggregate.sum;
    case 'Average':
      return aggregate.sum / aggregate.sampleCount;
    case 'Minimum':
      return aggregate.minimum;
    case 'Maximum':
      return aggregate.maximum;
  }
  const percentile = percentileOf(statistic);
  if (percentile === undefined || aggregate.valueCounts === undefined) return undefined;
  return nearestRank(aggregate.valueCounts, percentile);
}

/** The percentile an extended statistic names (`p99`, `p99.9`, `p0.0` to `p100`), else undefined. */
export function percentileOf(statistic: string): number | undefined {
  const match = /^p(\d{1,3}(?:\.\d{1,10})?)$/.exec(statistic);
  const value = match === null ? Number.NaN : Number(match[1]);
  return value >= 0 && value <= 100 ? value : undefined;
}

/**
 * Checks a statistic the local service computes: the five of STATISTICS and percentiles. The
 * others AWS computes (trimmed means, IQM, percentile ranks, ...) are refused by name.
 */
export function checkStatistic(statistic: string, parameter: string): void {
  if ((STATISTICS as readonly string[]).includes(statistic) || percentileOf(statistic) !== undefined) return;
  throw invalidValue(
    `The value ${statistic} for parameter ${parameter} is invalid: the local CloudWatch computes SampleCount, Average, Sum, Minimum, Maximum and percentiles (p0.0 to p100), not trimmed means, IQM or percentile ranks.`,
  );
}

/** The value at a percentile of values with counts: the smallest value whose cumulative count reaches that share. */
function nearestRank(valueCounts: readonly (readonly [number, number])[], percentile: number): number | undefined {
  const total = valueCounts.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil((percentile / 100) * total));
  let seen = 0;
  for (const [value, count] of valueCounts) {
    seen += count;
    if (seen >= rank) return value;
  }
  return valueCounts.at(-1)?.[0];
}
