import { AwsError } from '../endpoint/aws-error.js';

/**
 * CloudWatch's errors by the codes its query protocol answers (what botocore and the AWS CLI
 * report in every protocol): the JSON and CBOR answers name their shapes instead
 * (`QueryCompatibleErrors`, with `ValidationError`'s, which the model lacks, in `protocols.ts`).
 */
export const invalidValue = (message: string) => new AwsError('InvalidParameterValue', message, 400);
export const invalidCombination = (message: string) => new AwsError('InvalidParameterCombination', message, 400);
export const missingParameter = (message: string) => new AwsError('MissingParameter', message, 400);

/** AWS's wording for two members given together that exclude each other. */
export const mutuallyExclusive = (first: string, second: string) =>
  invalidCombination(`The parameters ${first} and ${second} are mutually exclusive and you have specified both.`);

/** A time the API takes (StartTime, a datum's Timestamp): epoch seconds in JSON and CBOR, ISO-8601 (or epoch seconds) text in the query protocol. */
export function timeOf(value: unknown, parameter: string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1000);
  if (typeof value === 'string') {
    const seconds = /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) * 1000 : Date.parse(value);
    if (Number.isFinite(seconds)) return Math.round(seconds);
  }
  throw invalidValue(`The value ${String(value)} for parameter ${parameter} is invalid: it is not a time stamp.`);
}

/** StartTime and EndTime as GetMetricStatistics and GetMetricData check them. */
export function timeRange(input: { StartTime?: unknown; EndTime?: unknown }): { start: number; end: number } {
  if (input.StartTime === undefined) throw missingParameter('The parameter StartTime is required.');
  if (input.EndTime === undefined) throw missingParameter('The parameter EndTime is required.');
  const start = timeOf(input.StartTime, 'StartTime');
  const end = timeOf(input.EndTime, 'EndTime');
  if (start === end) throw invalidValue('The parameter StartTime must not equal parameter EndTime.');
  if (start > end) throw invalidValue('The parameter StartTime must be less than the parameter EndTime.');
  return { start, end };
}
