import { AssertionError } from 'node:assert';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FailedExecution } from '../cli/failed-executions.js';
import { type DeadLetterFailure, failures } from './failures.js';
import { known } from './poll.js';
import type { RunningApp } from './start.js';
import { uniqueMatch } from './waits.js';

/** The dead letters a test expects (its poison): by queue, error name and/or a test of the letter. */
export type DeadLetterExpectation =
  | { readonly queue?: string; readonly errorName?: string; readonly detail?: Record<string, unknown> }
  | ((letter: DeadLetterFailure) => boolean);

function fail(message: string): never {
  throw new AssertionError({ message });
}

/** Whether the letter's event detail has every field of `detail` with the same value. */
function detailMatches(letter: DeadLetterFailure, detail: Record<string, unknown>): boolean {
  let body: { detail?: Record<string, unknown> } | undefined;
  try {
    body = JSON.parse(letter.body) as { detail?: Record<string, unknown> };
  } catch {
    return false;
  }
  return Object.entries(detail).every(([field, value]) => JSON.stringify(body?.detail?.[field]) === JSON.stringify(value));
}

function expected(letter: DeadLetterFailure, expectation: DeadLetterExpectation): boolean {
  if (typeof expectation === 'function') return expectation(letter);
  const queue = expectation.queue?.toLowerCase();
  return (
    (queue === undefined || letter.queue.toLowerCase().includes(queue) || letter.queueName.toLowerCase().includes(queue)) &&
    (expectation.errorName === undefined || letter.errorName === expectation.errorName) &&
    (expectation.detail === undefined || detailMatches(letter, expectation.detail))
  );
}

function describeLetter(letter: DeadLetterFailure): string {
  const event = letter.event ? ` ${letter.event.detailType ?? ''} ${letter.event.summary ?? ''}`.trimEnd() : '';
  return `  - ${letter.queueName}: ${letter.errorName}: ${letter.reason}${event} (message ${letter.messageId})`;
}

/**
 * Fails unless the app's dead-letter queues are empty but for the letters `except`
 * describes (the poison the test sent), and unless each of those is there. The message lists
 * each unexpected letter with its queue, reason and event, and what to run next.
 */
export async function expectNoDeadLetters(app: RunningApp, options: { except?: readonly DeadLetterExpectation[] } = {}): Promise<void> {
  const except = options.except ?? [];
  const { deadLetters } = await failures(app);
  const unexpected = deadLetters.filter((letter) => !except.some((e) => expected(letter, e)));
  const missing = except.filter((e) => !deadLetters.some((letter) => expected(letter, e)));
  const lines: string[] = [];
  if (unexpected.length > 0) {
    lines.push(`${unexpected.length} unexpected dead letter${unexpected.length === 1 ? '' : 's'}:`, ...unexpected.map(describeLetter));
    lines.push(
      'The reason says which consumer gave up on each; switchyard failures lists them too, and switchyard redrive sends them back once fixed.',
    );
  }
  if (missing.length > 0) {
    lines.push(`${missing.length} expected dead letter${missing.length === 1 ? ' is' : 's are'} not there:`);
    lines.push(...missing.map((e) => `  - ${typeof e === 'function' ? 'a letter the predicate accepts' : JSON.stringify(e)}`));
    if (deadLetters.length > 0) lines.push('The dead letters there are:', ...deadLetters.map(describeLetter));
  }
  if (lines.length > 0) fail(lines.join('\n'));
}

function describeExecution(e: FailedExecution): string {
  const why = [e.error, e.cause].filter(Boolean).join(': ') || 'no error recorded';
  return `  - ${e.flow} ${e.name} ${e.status}: ${why.length > 300 ? `${why.slice(0, 300)}...` : why}`;
}

/** Fails if an execution of the app's flows (or durable functions) failed, timed out or was aborted, listing each with its error and cause. */
export async function expectNoFailedExecutions(
  app: RunningApp,
  options: { except?: (execution: FailedExecution) => boolean } = {},
): Promise<void> {
  const { executions } = await failures(app);
  const failed = executions.filter((e) => !options.except?.(e));
  if (failed.length === 0) return;
  fail(
    [
      `${failed.length} execution${failed.length === 1 ? '' : 's'} did not succeed:`,
      ...failed.map(describeExecution),
      "switchyard execution <name> shows one's history, state by state.",
    ].join('\n'),
  );
}

/** Where the effects are counted: a table whose items are effects, each with how many times it was applied. */
export interface EffectLedger {
  /** The table (its name, or a unique part of it). */
  readonly table: string;
  /** The attribute holding how many times the item's effect was applied. @default 'applied' */
  readonly count?: string;
  /** How to name an item in the message. @default its key attributes as JSON */
  readonly name?: (item: Record<string, unknown>) => string;
  /** Effects that must be there, by `name`: one missing fails (never applied). */
  readonly expected?: readonly string[];
}

/**
 * Fails unless every effect in the ledger table was applied exactly once (its count
 * attribute is 1) and every expected effect is there: the guarantee an idempotent flow
 * gives under duplicates, retries and restarts. The message names each effect applied twice
 * or more, or never.
 */
export async function expectEachEffectOnce(app: RunningApp, ledger: EffectLedger): Promise<void> {
  const names = app.runtime.definitions.tables.map((t) => t.name);
  const table = known('table', ledger.table, names, uniqueMatch(ledger.table, names));
  const countAttribute = ledger.count ?? 'applied';
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await app.clients.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (ExclusiveStartKey);
  const nameOf = ledger.name ?? ((item: Record<string, unknown>) => JSON.stringify(item));
  const wrong = items.filter((item) => item[countAttribute] !== 1);
  const present = new Set(items.map(nameOf));
  const missing = (ledger.expected ?? []).filter((name) => !present.has(name));
  const lines: string[] = [];
  if (wrong.length > 0) {
    lines.push(`${wrong.length} effect${wrong.length === 1 ? ' was' : 's were'} not applied exactly once (${countAttribute} in ${table}):`);
    lines.push(...wrong.map((item) => `  - ${nameOf(item)}: ${countAttribute} = ${JSON.stringify(item[countAttribute])}`));
    lines.push(
      "An effect applied twice is a duplicate the flow did not recognise: check the contract's idempotencyFields and that the effect is claimed before it is applied.",
    );
  }
  if (missing.length > 0)
    lines.push(`${missing.length} effect${missing.length === 1 ? ' was' : 's were'} never applied: ${missing.join(', ')}`);
  if (lines.length > 0) fail(lines.join('\n'));
}
