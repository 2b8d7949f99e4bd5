import { randomUUID } from 'node:crypto';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import { childHeader, derivedTraceRoot, executionSegment, parseTraceHeader } from '../endpoint/trace-header.js';
import { type Arn, tryParseArn } from '../names/arn.js';

/**
 * Names of state machines and executions: 1 to 80 characters, none of them white space,
 * brackets, wildcards, the listed specials or control characters (CreateStateMachine,
 * StartExecution).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what AWS forbids.
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function assertValidName(name: string): void {
  if (name.length < 1 || name.length > 80 || FORBIDDEN.test(name)) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
}

/**
 * StartSyncExecution's name: 1 to 80 characters, and no character rule (its API reference gives
 * only the length, where StartExecution's lists the characters; AppSync's Step Functions sample
 * starts "My First Execution" so).
 */
export function assertValidSyncName(name: string): void {
  if (name.length < 1 || name.length > 80) throw new AwsError('InvalidName', `Invalid Name: '${name}'`);
}

/**
 * The name Step Functions gives an execution started without one: "a universally unique
 * identifier (UUID)" (StartExecution's `name`,
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 * A version 7 UUID (RFC 9562: the start's epoch milliseconds, then 74 random bits), so that
 * executions started one after another are next to each other in the store's ARN index: with
 * random (version 4) names each start wrote a leaf page of that index somewhere else, a fifth
 * of the log a Pass chain's execution wrote.
 */
export function generatedExecutionName(now: number): string {
  const time = Math.max(0, Math.floor(now)).toString(16).padStart(12, '0').slice(-12);
  // randomUUID's cached entropy, its first 48 bits and its version nibble replaced.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>[:<version or alias>]` */
export function parseStateMachineArn(arn: string): { region: string; account: string; name: string; qualifier?: string } {
  const parsed = statesArn(arn, ['stateMachine']);
  return { region: parsed.region, account: parsed.account, name: parsed.resourceId, qualifier: parsed.qualifier };
}

/**
 * What a state machine ARN's qualifier names: a version is a number, anything else an alias
 * (alias names must hold a letter, `_`, `-` or `.`: CreateStateMachineAlias's pattern).
 */
export function qualifierKind(qualifier: string): 'version' | 'alias' {
  return /^\d+$/.test(qualifier) ? 'version' : 'alias';
}

/** The unqualified state machine ARN of a version or alias ARN (the ARN itself when it has no qualifier). */
export function baseStateMachineArn(arn: string): string {
  const { qualifier } = parseStateMachineArn(arn);
  return qualifier === undefined ? arn : arn.slice(0, arn.length - qualifier.length - 1);
}

/** `arn:aws:states:<region>:<account>:activity:<name>` */
export function parseActivityArn(arn: string): { name: string } {
  const parsed = statesArn(arn, ['activity']);
  if (parsed.qualifier !== undefined) throw invalidArn(arn);
  return { name: parsed.resourceId };
}

/** `...:execution:<machine>:<name>` (STANDARD) or `...:express:<machine>:<name>:<id>` (EXPRESS). */
export function parseExecutionArn(arn: string): { kind: 'execution' | 'express'; stateMachineName: string; name: string } {
  const parsed = statesArn(arn, ['execution', 'express']);
  if (parsed.parent === undefined) throw invalidArn(arn);
  return { kind: parsed.resourceType as 'execution' | 'express', stateMachineName: parsed.parent, name: parsed.resourceId };
}

/**
 * A Step Functions ARN of one of `types`, in the region and account shapes AWS gives them;
 * a qualifier (version, alias, Express run id) is one segment. Else Step Functions' InvalidArn.
 */
function statesArn(arn: string, types: readonly string[]): Arn {
  const parsed = tryParseArn(arn);
  const valid =
    parsed !== undefined &&
    /^aws[a-z-]*$/.test(parsed.partition) &&
    parsed.service === 'states' &&
    /^[a-z0-9-]+$/.test(parsed.region) &&
    /^\d{12}$/.test(parsed.account) &&
    types.includes(parsed.resourceType ?? '') &&
    parsed.resourceId !== '' &&
    parsed.parent !== '' &&
    (parsed.qualifier === undefined || /^[^:]+$/.test(parsed.qualifier));
  if (!valid) throw invalidArn(arn);
  return parsed;
}

/** AWS names what is wrong with a string that is not an ARN at all (its recorded answers: `Invalid ARN prefix: <text>`). */
const invalidArn = (arn: string) =>
  new AwsError('InvalidArn', arn.startsWith('arn:') ? `Invalid Arn: '${arn}'` : `Invalid Arn: 'Invalid ARN prefix: ${arn}'`);

export function required<T>(value: T | undefined | null, field: string): T {
  if (value === undefined || value === null) {
    throw validationError(`1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

/**
 * Orders by name as AWS lists state machines and activities: by code unit (`statemachine_10_x`
 * before `statemachine_1_x`, its recorded answers), the order a page's token continues from.
 */
export const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** maxResults: 0 or absent means the default (its range, 0 to 1000, is the model's, checked at the endpoint). */
export function pageSize(maxResults: number | undefined, fallback = 100): number {
  return maxResults === undefined || maxResults === 0 ? fallback : maxResults;
}

/** Opaque pagination tokens bound to the request they continue. */
export function encodeToken(scope: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ s: scope, p: position })).toString('base64url');
}

export function decodeToken<T>(token: string | undefined, scope: string): T | undefined {
  if (token === undefined) return undefined;
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: string; p?: T };
    if (value.s === scope && value.p !== undefined) return value.p;
  } catch {
    // fall through: not one of ours
  }
  // AWS's text whatever the token (its recorded answers to a made-up nextToken).
  throw new AwsError('InvalidToken', "Invalid Token: 'Invalid token'");
}

/** Where a list's page starts after the position a token holds, and the position of an item (at its index) to continue after it. */
export interface PageCursor<T, P> {
  readonly positionOf: (item: T, index: number) => P;
  readonly start: (items: readonly T[], position: P) => number;
}

/** By count, for lists that only grow (an execution's history, its map runs): the token holds the next page's offset. */
export const BY_OFFSET: PageCursor<unknown, number> = { positionOf: (_, index) => index + 1, start: (_, offset) => offset };

/** By a key the list is ordered on (a name, a version): an item deleted between two calls moves no other across a page. */
export const afterKey = <T, K>(keyOf: (item: T) => K, follows: (item: T, key: K) => boolean): PageCursor<T, K> => ({
  positionOf: keyOf,
  start: (items, key) => {
    const index = items.findIndex((item) => follows(item, key));
    return index === -1 ? items.length : index;
  },
});

/** By name, for the lists ordered {@link byName} (state machines, activities). */
export const BY_NAME = afterKey<{ readonly name: string }, string>(
  (item) => item.name,
  (item, name) => item.name > name,
);

/**
 * One page of `items`, in the order the API lists them, for a List operation's `maxResults` and
 * `nextToken`: the token, bound to `scope` (the request it continues), holds where the next page starts.
 */
export function pageOf<T, P>(
  items: readonly T[],
  input: { readonly maxResults?: number; readonly nextToken?: string },
  scope: string,
  cursor: PageCursor<T, P>,
): { readonly page: T[]; readonly nextToken?: string } {
  const limit = pageSize(input.maxResults);
  const position = decodeToken<P>(input.nextToken, scope);
  const from = position === undefined ? 0 : cursor.start(items, position);
  const page = items.slice(from, from + limit);
  const last = page.length - 1;
  return from + limit < items.length && last >= 0
    ? { page, nextToken: encodeToken(scope, cursor.positionOf(page[last] as T, from + last)) }
    : { page };
}

/** Epoch ms → the JSON protocol's epoch seconds. */
export const seconds = (ms: number) => ms / 1000;

/**
 * The header an execution's tasks carry: the trace it was started in (or, started without
 * one, a trace of its own that a restart derives again), the execution as parent.
 */
export function executionTraceHeader(record: { arn: string; traceHeader?: string; startDate: number }): string {
  const incoming = parseTraceHeader(record.traceHeader);
  const root = incoming?.root ?? derivedTraceRoot(record.startDate, record.arn);
  return childHeader({ root, ...(incoming?.sampled ? { sampled: incoming.sampled } : {}) }, executionSegment(record.arn));
}
