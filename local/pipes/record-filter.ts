import { compilePattern, matchesPattern } from '../events/pattern.js';

/**
 * The record as filters, input templates and dynamic parameters see it (Pipes' "implicit body
 * data parsing"): an SQS record's `body` parsed when it is JSON text (and Lambda's filtering of
 * an SQS mapping's `body`); a pipe's Kinesis record's base64 `data` decoded and parsed when it is
 * JSON, so `<$.data.key>` reads a key of what the producer put; else the record.
 */
export function parsedView(record: unknown): unknown {
  if (record === null || typeof record !== 'object') return record;
  const { eventSource } = record as { eventSource?: unknown };
  const field = eventSource === 'aws:sqs' ? 'body' : eventSource === 'aws:kinesis' ? 'data' : undefined;
  const text = field === undefined ? undefined : (record as Record<string, unknown>)[field];
  if (field === undefined || typeof text !== 'string') return record;
  try {
    const json = field === 'data' ? Buffer.from(text, 'base64').toString('utf8') : text;
    return { ...record, [field]: JSON.parse(json) as unknown };
  } catch {
    return record;
  }
}

/**
 * A FilterCriteria's patterns (a pipe's with an SQS source, a Lambda SQS mapping's) as one test
 * of an SQS record: it passes when any pattern matches it as parsedView shows it (a body that is
 * not JSON matches no pattern on `body`'s keys); with no patterns, every record passes.
 */
export function sqsRecordFilter(patterns: readonly string[]): (record: object) => boolean {
  const compiled = patterns.map((pattern) => compilePattern(pattern));
  return (record) => compiled.length === 0 || compiled.some((filter) => matchesPattern(filter, parsedView(record) as object));
}
