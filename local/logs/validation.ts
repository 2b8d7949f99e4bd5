import { AwsError } from '../endpoint/aws-error.js';
import { tryParseArn } from '../names/arn.js';
import type { Position } from './logs-store.js';

/** CloudWatch Logs answers malformed input with InvalidParameterException, in the SDK's validation wording. */
export const invalidParameter = (message: string) => new AwsError('InvalidParameterException', message);

export const groupNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
export const streamNotFound = () => new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;

/** The retention periods PutRetentionPolicy and AWS::Logs::LogGroup accept, in days. */
export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];
/** What CloudWatch Logs counts for each event besides its message, in a batch's and a page's 1 MB. */
export const EVENT_OVERHEAD_BYTES = 26;

export const GROUP_CLASSES = ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'];

function constraint(value: unknown, field: string, rule: string): AwsError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return invalidParameter(`1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${rule}`);
}

/**
 * The group name a `logGroupIdentifier` names: the model checks the identifier's own pattern
 * (names and ARNs alike), not that what it names is a valid group name.
 */
function checkGroupName(name: string, field: string): string {
  if (name.length < 1 || name.length > 512) throw constraint(name, field, 'Member must have length between 1 and 512');
  if (!GROUP_NAME.test(name)) throw constraint(name, field, 'Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+');
  return name;
}

/** The model types retention as any integer: the periods CloudWatch Logs offers are the service's check. */
export function checkRetention(days: number): number {
  if (!RETENTION_DAYS.includes(days)) {
    throw constraint(days, 'retentionInDays', `Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`);
  }
  return days;
}

/**
 * The group a request names: `logGroupName`, or `logGroupIdentifier` (a name, or the group's
 * ARN; the model's pattern refuses the trailing `:*` at the endpoint); exactly one of them.
 */
export function groupOf(input: { logGroupName?: unknown; logGroupIdentifier?: unknown }, field = 'logGroupIdentifier'): string {
  // A JSON null is an absent member, as AWS reads it.
  const name = (input.logGroupName ?? undefined) as string | undefined;
  const identifier = (input.logGroupIdentifier ?? undefined) as string | undefined;
  if (name !== undefined && identifier !== undefined) {
    throw invalidParameter('LogGroup name and LogGroup identifier are mutually exclusive parameters.');
  }
  if (identifier !== undefined) {
    return checkGroupName(identifier.startsWith('arn:') ? groupNameIn(identifier) : identifier, field);
  }
  if (name === undefined) throw invalidParameter('Should provide either a logGroupName or a logGroupIdentifier.');
  return name;
}

/** The group a log group ARN names (`...:log-group:<name>[:*]`); empty, so refused, for any other ARN (a stream's). */
function groupNameIn(arn: string): string {
  const parsed = tryParseArn(arn);
  const isGroup = parsed?.service === 'logs' && parsed.resourceType === 'log-group' && (parsed.qualifier ?? '*') === '*';
  return isGroup ? parsed.resourceId : '';
}

/**
 * GetLogEvents' tokens: `f/` (read forward, after) or `b/` (backward, before) and 56 digits,
 * the position's timestamp and event id, as CloudWatch's own tokens look.
 */
export function encodeStreamToken(direction: 'f' | 'b', position: Position): string {
  return `${direction}/${eventId(position)}`;
}

export function decodeStreamToken(token: string): { direction: 'f' | 'b'; position: Position } {
  const m = /^([fb])\/(\d{20})(\d{36})$/.exec(token);
  const position = m && { timestamp: Number(m[2]), id: Number(m[3]) };
  // Digits beyond what a position can hold are not a token this service gave.
  if (!m || !position || !Number.isSafeInteger(position.timestamp) || !Number.isSafeInteger(position.id)) {
    throw invalidParameter('The specified nextToken is invalid.');
  }
  return { direction: m[1] as 'f' | 'b', position };
}

/** The values list tokens carry: a group name, a stream offset, an event position. */
export const isName = (value: unknown): value is string => typeof value === 'string';
export const isOffset = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
export const isEventPosition = (value: unknown): value is { t: number; i: number } =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as { t?: unknown }).t) &&
  Number.isSafeInteger((value as { i?: unknown }).i);

/** An event's id as FilterLogEvents reports it: its position, in CloudWatch's 56 digits. */
export function eventId(position: Position): string {
  return `${String(position.timestamp).padStart(20, '0')}${String(position.id).padStart(36, '0')}`;
}

/** An opaque token for list operations (the last name or offset seen). */
export function encodeToken(kind: string, value: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, v: value })).toString('base64url');
}

/**
 * The value a list token carries, if it is one this service gave for `kind`: a token is text
 * the caller can change, so its value must have the shape `isValue` expects.
 */
export function decodeToken<T>(token: unknown, kind: string, isValue: (value: unknown) => value is T): T | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { k?: unknown; v?: unknown } | null;
    if (parsed?.k === kind && isValue(parsed.v)) return parsed.v;
  } catch {
    // answered below
  }
  throw invalidParameter('The specified nextToken is invalid.');
}
