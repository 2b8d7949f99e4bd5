import { invalidCombination, invalidValue, missingParameter, mutuallyExclusive, timeOf } from './cloudwatch-errors.js';
import { type Datum, type Dimension, type MetricKey, sortedDimensions } from './metric-store.js';

/** A datum as PutMetricData takes it (the API's JSON shape; the model has checked types, lengths and the unit's enum). */
export interface MetricDatumInput {
  readonly MetricName: string;
  readonly Dimensions?: readonly Dimension[];
  readonly Timestamp?: unknown;
  readonly Value?: number;
  readonly StatisticValues?: { readonly SampleCount: number; readonly Sum: number; readonly Minimum: number; readonly Maximum: number };
  readonly Values?: readonly number[];
  readonly Counts?: readonly number[];
  readonly Unit?: string;
  readonly StorageResolution?: number;
}

export interface PutMetricDataInput {
  readonly Namespace: string;
  readonly MetricData?: readonly MetricDatumInput[];
  readonly EntityMetricData?: readonly { readonly MetricData?: readonly MetricDatumInput[] }[];
}

/** PutMetricData's limits: metrics per request, distinct values per datum, and how far back and ahead a timestamp may be. */
const MAX_METRICS = 1000;
const MAX_VALUES = 150;
const MAX_AGE_MS = 14 * 86_400_000;
const MAX_AHEAD_MS = 2 * 3_600_000;
/** How long after it is received a datum could be put again and still be taken: past this, its timestamp is refused as too old. */
export const TAKEN_AGAIN_WITHIN_MS = MAX_AGE_MS + MAX_AHEAD_MS;
/** CloudWatch takes values between -2^360 and 2^360. */
const MAX_MAGNITUDE = 2 ** 360;

/**
 * A PutMetricData request's data as the store keeps it, checked as CloudWatch checks it (the
 * members are named as the query protocol names them, `MetricData.member.1.Value`, in every
 * protocol, as AWS words them). The whole request is refused at its first fault: nothing of it is stored.
 */
export function metricEntries(input: PutMetricDataInput, now: number): { key: MetricKey; datum: Datum }[] {
  const namespace = input.Namespace;
  if (namespace.startsWith('AWS/')) throw invalidValue(`The value ${namespace} for parameter Namespace is invalid.`);
  const data = [...(input.MetricData ?? []), ...(input.EntityMetricData ?? []).flatMap((entity) => entity.MetricData ?? [])];
  if (input.MetricData === undefined && input.EntityMetricData === undefined)
    throw missingParameter('The parameter MetricData is required.');
  if (data.length > MAX_METRICS) throw invalidValue(`The collection MetricData must not have a size greater than ${MAX_METRICS}.`);
  return data.map((datum, index) => {
    const where = `MetricData.member.${index + 1}`;
    return {
      key: { namespace, name: datum.MetricName, dimensions: checkedDimensions(datum.Dimensions ?? [], where) },
      datum: checkedDatum(datum, where, now),
    };
  });
}

function checkedDimensions(dimensions: readonly Dimension[], where: string): Dimension[] {
  const names = new Set<string>();
  for (const { Name } of dimensions) {
    if (names.has(Name)) throw invalidValue(`The dimension name ${Name} is given more than once in ${where}.Dimensions.`);
    names.add(Name);
  }
  return sortedDimensions(dimensions);
}

function checkedDatum(datum: MetricDatumInput, where: string, now: number): Datum {
  const { Value, Values, StatisticValues: set } = datum;
  if (Value !== undefined && Values !== undefined) throw mutuallyExclusive(`${where}.Value`, `${where}.Values`);
  if (Value !== undefined && set !== undefined) throw mutuallyExclusive(`${where}.Value`, `${where}.StatisticValues`);
  if (Values !== undefined && set !== undefined) throw mutuallyExclusive(`${where}.Values`, `${where}.StatisticValues`);
  const resolution = datum.StorageResolution ?? 60;
  if (resolution !== 1 && resolution !== 60)
    throw invalidValue(`The parameter ${where}.StorageResolution must be a value in the set [ 1, 60 ].`);
  const timestamp = datum.Timestamp === undefined ? now : timeOf(datum.Timestamp, `${where}.Timestamp`);
  if (timestamp < now - MAX_AGE_MS) throw invalidValue(`The parameter ${where}.Timestamp must specify a time within the past two weeks.`);
  if (timestamp > now + MAX_AHEAD_MS)
    throw invalidValue(`The parameter ${where}.Timestamp must specify a time no more than two hours in the future.`);
  // A regular-resolution metric is kept at one-minute granularity, a high-resolution one at one second.
  const stored = { timestamp: Math.floor(timestamp / (resolution * 1000)) * resolution * 1000, unit: datum.Unit ?? 'None', resolution };
  if (set !== undefined) {
    for (const [member, value] of Object.entries(set)) checkedValue(value, `${where}.StatisticValues.${member}`);
    if (set.SampleCount <= 0) throw invalidValue(`The parameter ${where}.StatisticValues.SampleCount must be greater than 0.`);
    if (set.Minimum > set.Maximum)
      throw invalidValue(
        `The parameter ${where}.StatisticValues.Maximum must be greater than or equal to ${where}.StatisticValues.Minimum.`,
      );
    return { ...stored, sampleCount: set.SampleCount, sum: set.Sum, minimum: set.Minimum, maximum: set.Maximum };
  }
  if (Values !== undefined) return { ...stored, ...valuesDatum(Values, datum.Counts, where) };
  if (datum.Counts !== undefined) throw missingParameter(`The parameter ${where}.Values is required when ${where}.Counts is given.`);
  if (Value === undefined) throw missingParameter(`The parameter ${where} must contain a Value, Values or StatisticValues.`);
  const value = checkedValue(Value, `${where}.Value`);
  return { ...stored, sampleCount: 1, sum: value, minimum: value, maximum: value, valueCounts: [[value, 1]] };
}

function valuesDatum(values: readonly number[], counts: readonly number[] | undefined, where: string) {
  if (values.length === 0) throw missingParameter(`The parameter ${where}.Values must contain at least one value.`);
  if (values.length > MAX_VALUES) throw invalidValue(`The collection ${where}.Values must not have a size greater than ${MAX_VALUES}.`);
  if (counts !== undefined && counts.length !== values.length)
    throw invalidValue(`The parameters ${where}.Values and ${where}.Counts must be of the same size.`);
  const valueCounts = values.map((value, i) => {
    const count = counts === undefined ? 1 : checkedValue(counts[i], `${where}.Counts.member.${i + 1}`);
    if (count < 0) throw invalidValue(`The value ${count} for parameter ${where}.Counts.member.${i + 1} is invalid.`);
    return [checkedValue(value, `${where}.Values.member.${i + 1}`), count] as const;
  });
  const counted = valueCounts.filter(([, count]) => count > 0);
  if (counted.length === 0) throw invalidCombination(`The parameter ${where}.Counts must count at least one value.`);
  return {
    sampleCount: counted.reduce((total, [, count]) => total + count, 0),
    sum: counted.reduce((total, [value, count]) => total + value * count, 0),
    minimum: Math.min(...counted.map(([value]) => value)),
    maximum: Math.max(...counted.map(([value]) => value)),
    valueCounts: counted,
  };
}

/** A value CloudWatch takes: a finite number between -2^360 and 2^360 (NaN and infinities are refused). */
function checkedValue(value: unknown, parameter: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE)
    throw invalidValue(`The value ${String(value)} for parameter ${parameter} is invalid.`);
  return value;
}
