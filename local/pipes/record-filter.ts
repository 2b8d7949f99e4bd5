import { compilePattern, matchesPattern } from '../events/pattern.js';

/**
 * The record as filters, input templates and dynamic parameters see it: an SQS record's
 * `body` parsed when it is JSON text (Pipes' "implicit body data parsing", and Lambda's
 * filtering of an SQS mapping's `body`), else the record.
 */
export function parsedView(record: unknown): unknown {
  if (record === null || typeof record !== 'object' || (record as { eventSource?: unknown }).eventSource !== 'aws:sqs') return record;
  const body = (record as { body?: unknown }).body;
  if (typeof body !== 'string') return record;
  try {
    return { ...record, body: JSON.parse(body) as unknown };
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
