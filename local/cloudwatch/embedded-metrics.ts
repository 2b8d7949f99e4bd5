import type { MetricDatumInput, PutMetricDataInput } from './metric-data.js';

/**
 * What one log event in CloudWatch's embedded metric format (EMF) asks to publish, as
 * PutMetricData requests (one per directive of `_aws.CloudWatchMetrics`), so that the data are
 * checked and stored as PutMetricData's are; or why the event is not a valid EMF document.
 */
export type EmbeddedMetrics = { readonly requests: readonly PutMetricDataInput[] } | { readonly invalid: string };

/** A directive's limits (the specification's): dimensions in a set, metrics in a directive, values of a metric. */
const MAX_DIMENSIONS = 30;
const MAX_METRICS = 100;
const MAX_VALUES = 100;

/** A log message in the embedded metric format: a JSON object whose `_aws` holds `CloudWatchMetrics` (checked no further). */
export interface EmfDocument {
  readonly _aws: { readonly Timestamp?: unknown; readonly CloudWatchMetrics: unknown };
  readonly [member: string]: unknown;
}

/**
 * The EMF document a message is: text of one JSON object (nothing before or after it) whose
 * `_aws` holds `CloudWatchMetrics`. The one recognition of EMF: CloudWatch's (`embeddedMetrics`)
 * and the function log's short metrics line's (lambda/runtime/hosts/metrics-line.ts).
 */
export function emfDocument(message: unknown): EmfDocument | undefined {
  const text = typeof message === 'string' ? message.trim() : '';
  // Most lines are not EMF: only a JSON object naming `_aws` is parsed.
  if (!text.startsWith('{') || !text.includes('"_aws"')) return undefined;
  const root = jsonObject(text);
  return isObject(root?._aws) && root._aws.CloudWatchMetrics !== undefined ? (root as EmfDocument) : undefined;
}

/** The JSON object a text is, or undefined when it is not JSON (a line that only looks like it) or not an object. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

/**
 * The metrics a log event's message embeds, as the specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
 * reads them: `_aws` holds a `Timestamp` (epoch ms) and `CloudWatchMetrics` directives; each
 * directive's `Metrics` name root members holding a number or an array of numbers, and each of
 * its `Dimensions` sets names root members holding text; each set makes a metric of its own.
 * Undefined: the event is not EMF (`emfDocument`), and stays a log line only.
 */
export function embeddedMetrics(message: string): EmbeddedMetrics | undefined {
  const root = emfDocument(message);
  if (root === undefined) return undefined;
  const { Timestamp: timestamp, CloudWatchMetrics: directives } = root._aws;
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp))
    return { invalid: '_aws.Timestamp must be a number of milliseconds since the epoch' };
  if (!Array.isArray(directives)) return { invalid: '_aws.CloudWatchMetrics must be an array of metric directives' };
  const requests: PutMetricDataInput[] = [];
  for (const [index, directive] of directives.entries()) {
    const read = directiveRequest(root, directive, timestamp);
    if (typeof read === 'string') return { invalid: `_aws.CloudWatchMetrics[${index}]: ${read}` };
    requests.push(read);
  }
  return { requests };
}

function directiveRequest(root: Record<string, unknown>, directive: unknown, timestamp: number): PutMetricDataInput | string {
  if (!isObject(directive)) return 'a metric directive must be an object';
  const { Namespace: namespace, Dimensions: dimensionSets, Metrics: metrics } = directive;
  if (typeof namespace !== 'string' || namespace.length === 0 || namespace.length > 255)
    return 'Namespace must be text of 1 to 255 characters';
  if (!Array.isArray(dimensionSets) || !dimensionSets.every((set) => Array.isArray(set)))
    return 'Dimensions must be an array of dimension sets (arrays of member names)';
  if (!Array.isArray(metrics) || metrics.length > MAX_METRICS)
    return `Metrics must be an array of at most ${MAX_METRICS} metric definitions`;
  const sets: { Name: string; Value: string }[][] = [];
  // A directive without dimension sets publishes its metrics without dimensions.
  for (const set of (dimensionSets.length === 0 ? [[]] : dimensionSets) as unknown[][]) {
    if (set.length > MAX_DIMENSIONS) return `a dimension set has more than ${MAX_DIMENSIONS} dimensions`;
    const dimensions: { Name: string; Value: string }[] = [];
    for (const name of set) {
      const value = typeof name === 'string' ? root[name] : undefined;
      if (typeof value !== 'string' || value === '')
        return `the dimension ${JSON.stringify(name)} has no text value in the document's root`;
      dimensions.push({ Name: name as string, Value: value });
    }
    sets.push(dimensions);
  }
  const data: MetricDatumInput[] = [];
  for (const metric of metrics) {
    if (!isObject(metric) || typeof metric.Name !== 'string') return 'a metric definition must have a Name';
    const values = valuesOf(root[metric.Name]);
    if (values === undefined)
      return `the metric ${metric.Name} has no number (or array of at most ${MAX_VALUES} numbers) in the document's root`;
    if (metric.Unit !== undefined && typeof metric.Unit !== 'string') return `the metric ${metric.Name}'s Unit must be text`;
    if (metric.StorageResolution !== undefined && typeof metric.StorageResolution !== 'number')
      return `the metric ${metric.Name}'s StorageResolution must be a number`;
    for (const dimensions of sets) {
      data.push({
        MetricName: metric.Name,
        Dimensions: dimensions,
        Timestamp: timestamp / 1000,
        Values: values,
        ...(metric.Unit === undefined ? {} : { Unit: metric.Unit as string }),
        ...(metric.StorageResolution === undefined ? {} : { StorageResolution: metric.StorageResolution as number }),
      });
    }
  }
  return { Namespace: namespace, MetricData: data };
}

/** A metric member's values: a number, or an array of 1 to 100 numbers. */
function valuesOf(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.length > 0 && value.length <= MAX_VALUES && value.every((v) => typeof v === 'number')) return value;
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
