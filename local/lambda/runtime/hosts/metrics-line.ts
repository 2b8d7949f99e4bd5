/**
 * A function's metrics record, as the runtime's log shows it. Powertools' Metrics (and any
 * CloudWatch embedded metric format writer) prints one JSON record per invocation, about 700
 * characters of `_aws` metadata, dimensions and values, which buried the function's own lines
 * in a terminal. The log the runtime prints shows its metrics in one short line instead; the
 * record itself stays whole where logs are kept (the function's log group in the local
 * CloudWatch Logs, and the Invoke log tail), which is where CloudWatch reads it too.
 */

import { type EmfDocument, emfDocument, jsonObject } from '../../../cloudwatch/embedded-metrics.js';

/** The parts of a metric directive this reads. */
type Directive = { readonly Namespace?: unknown; readonly Metrics?: readonly { readonly Name?: unknown; readonly Unit?: unknown }[] };

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
  for (const directive of record._aws.CloudWatchMetrics as readonly Directive[]) {
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

/** The embedded metric format record (as CloudWatch recognises one) a line is or carries, if it is one with directives. */
function metricsRecord(line: string): EmfDocument | undefined {
  // Lambda's text format: time, request id and level before the message.
  const message = /^\S+\t\S+\t[A-Z]+\t(\{.*)$/.exec(line)?.[1] ?? line;
  // Lambda's JSON log format: the console line's message is the record's JSON.
  const record = emfDocument(message) ?? (message.includes('_aws') ? emfDocument(jsonObject(message)?.message) : undefined);
  return Array.isArray(record?._aws.CloudWatchMetrics) ? record : undefined;
}
