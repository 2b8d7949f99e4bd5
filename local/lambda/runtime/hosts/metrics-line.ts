/**
 * A function's metrics record, as the runtime's log shows it. Powertools' Metrics (and any
 * CloudWatch embedded metric format writer) prints one JSON record per invocation, about 700
 * characters of `_aws` metadata, dimensions and values, which buried the function's own lines
 * in a terminal. The log the runtime prints shows its metrics in one short line instead; the
 * record itself stays whole where logs are kept (the function's log group in the local
 * CloudWatch Logs, and the Invoke log tail), which is where CloudWatch reads it too.
 */

/** The parts of an embedded metric format record this reads. */
interface MetricsRecord {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace?: unknown;
      readonly Metrics?: readonly { readonly Name?: unknown; readonly Unit?: unknown }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** Units left unsaid: a count is what a bare number reads as. */
const UNSAID_UNITS = new Set(['Count', 'None', undefined]);

/**
 * The one short line a metrics record is shown as (`metrics Orders: OrderRecorded=1,
 * Latency=12 Milliseconds (the record in log group /aws/lambda/x)`), or undefined for any other
 * line. The record is found as the function wrote it: on its own (Powertools writes to stdout
 * past the console), or as the message of a console line in Lambda's text or JSON log format.
 */
export function metricsSummary(line: string, logGroupName: string): string | undefined {
  const record = metricsRecord(line);
  if (record === undefined) return undefined;
  const namespaces = new Set<string>();
  const values: string[] = [];
  for (const directive of record._aws.CloudWatchMetrics) {
    if (typeof directive.Namespace === 'string') namespaces.add(directive.Namespace);
    for (const metric of directive.Metrics ?? []) {
      if (typeof metric.Name !== 'string') continue;
      const value = record[metric.Name];
      const shown = Array.isArray(value) ? value.join('|') : String(value);
      const unit = typeof metric.Unit === 'string' ? metric.Unit : undefined;
      values.push(`${metric.Name}=${shown}${UNSAID_UNITS.has(unit) ? '' : ` ${unit}`}`);
    }
  }
  const where = namespaces.size > 0 ? ` ${[...namespaces].join(', ')}` : '';
  return `metrics${where}: ${values.join(', ') || 'none'} (the record in log group ${logGroupName})`;
}

/** The embedded metric format record a line is or carries, if it is one. */
function metricsRecord(line: string): MetricsRecord | undefined {
  // Lambda's text format: time, request id and level before the message.
  const message = /^\S+\t\S+\t[A-Z]+\t(\{.*)$/.exec(line)?.[1] ?? line;
  if (!message.startsWith('{') || !message.includes('_aws')) return undefined;
  const parsed = parseObject(message);
  if (isMetricsRecord(parsed)) return parsed;
  // Lambda's JSON log format: the console line's message is the record's JSON.
  const inner = typeof parsed?.message === 'string' ? parseObject(parsed.message) : undefined;
  return isMetricsRecord(inner) ? inner : undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch (error) {
    // Not JSON after all (a line that only looks like it): shown as it was written.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

function isMetricsRecord(value: Record<string, unknown> | undefined): value is MetricsRecord {
  const aws = value?._aws as { CloudWatchMetrics?: unknown } | undefined;
  return typeof aws === 'object' && aws !== null && Array.isArray(aws.CloudWatchMetrics);
}
