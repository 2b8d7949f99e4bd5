import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { FailedExecution } from '../inspect/failed-executions.js';
import { type DeadLetterFailure, failures } from './failures.js';
import { known, listed } from './poll.js';
import type { RunningApp } from './start.js';
import { uniqueMatch } from './waits.js';

/** The dead letters a test expects (its poison): by queue, error name and/or a test of the letter. */
export type DeadLetterExpectation =
  | {
      /** The dead-letter queue (a part of its name or URL). @default - any queue */
      readonly queue?: string;
      /** The error the consumer gave up with. @default - any error */
      readonly errorName?: string;
      /** Fields the letter's event detail has, each with the same value. @default - any detail */
      readonly detail?: Record<string, unknown>;
    }
  | ((letter: DeadLetterFailure) => boolean);

/**
 * What an assertion of the testing API throws: its message says what failed. Named
 * `AssertionError` as test runners name a failed expectation, but not node:assert's, whose
 * `actual`, `expected` and `diff` fields (`diff: 'simple'`) vitest prints as a diff the
 * assertion never had.
 */
class TestAppAssertionError extends Error {
  override readonly name = 'AssertionError';
}

function fail(message: string): never {
  throw new TestAppAssertionError(message);
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

/** The attribute a ledger item counts its effect's applications in, unless the ledger names another: the scaffold's and docs/testing.md's. */
const DEFAULT_EFFECT_COUNT = 'timesApplied';
/**
 * The default before `timesApplied` (docs/testing.md's ledgers counted `applied`). A ledger
 * that names no `count` and has no `timesApplied` but `applied` is still counted in it, with
 * a deprecation warning, for one minor release: changing the default alone broke suites
 * written from the earlier docs.
 */
const DEPRECATED_EFFECT_COUNT = 'applied';
/** The warning's code: `node --no-deprecation` or `process.noDeprecation` silence it, as they do Node's own. */
const EFFECT_COUNT_DEPRECATION = 'SWITCHYARD_DEP_EFFECT_COUNT';
/** The tables already warned about, so a suite's every assertion does not repeat it. */
const warnedDeprecatedCount = new Set<string>();

/** Where the effects are counted: a table whose items are effects, each with how many times it was applied. */
export interface EffectLedger {
  /** The table (its name, or a unique part of it). */
  readonly table: string;
  /**
   * The numeric attribute holding how many times the item's effect was applied (`ADD timesApplied :one`).
   * A ledger that names none and whose items have `applied` but no `timesApplied` (the default
   * before) is counted in `applied` with a deprecation warning until the next minor release:
   * pass `count: 'applied'` to keep counting it.
   * @default 'timesApplied'
   */
  readonly count?: string;
  /**
   * How to name an item in the message and in `expected`.
   * @default - its key's value for a table keyed on one attribute (`O-1`), else its key attributes as JSON
   */
  readonly name?: (item: Record<string, unknown>) => string;
  /** Effects that must be there, by `name`: one missing fails (never applied). @default - none: only the effects in the table are checked */
  readonly expected?: readonly string[];
}

/**
 * Fails unless every effect in the ledger table was applied exactly once (its count
 * attribute is 1) and every expected effect is there: the guarantee an idempotent flow
 * gives under duplicates, retries and restarts. The message names each effect applied twice
 * or more, or never; and when no item has the count attribute, the numeric attributes they
 * have instead.
 */
export async function expectEachEffectOnce(app: RunningApp, ledger: EffectLedger): Promise<void> {
  const tables = app.runtime.definitions.tables;
  const names = tables.map((t) => t.name);
  const table = known('table', ledger.table, names, uniqueMatch(ledger.table, names));
  const items = await scanAll(app, table);
  const countAttribute = ledger.count ?? defaultCountOf(table, items);
  const keys = keyAttributes(tables.find((t) => t.name === table)?.definition);
  const nameOf = ledger.name ?? ((item: Record<string, unknown>) => defaultEffectName(item, keys));
  const counted = items.filter((item) => item[countAttribute] !== undefined);
  if (items.length > 0 && counted.length === 0) fail(noCountAttribute(table, countAttribute, items, keys));
  const wrong = items.filter((item) => item[countAttribute] !== 1);
  const present = new Set(items.map(nameOf));
  const missing = (ledger.expected ?? []).filter((name) => !present.has(name));
  const lines: string[] = [];
  if (wrong.length > 0) {
    lines.push(`${wrong.length} effect${wrong.length === 1 ? ' was' : 's were'} not applied exactly once (${countAttribute} in ${table}):`);
    lines.push(
      ...wrong.map((item) =>
        item[countAttribute] === undefined
          ? `  - ${nameOf(item)}: no ${countAttribute}`
          : `  - ${nameOf(item)}: ${countAttribute} = ${JSON.stringify(item[countAttribute])}`,
      ),
    );
    lines.push(
      "An effect applied twice is a duplicate the flow did not recognise: check the contract's idempotencyFields and that the effect is claimed before it is applied.",
    );
  }
  if (missing.length > 0) {
    const there = items.length === 0 ? 'the table is empty' : `the table has ${listed(items.map(nameOf))}`;
    lines.push(`${missing.length} effect${missing.length === 1 ? ' was' : 's were'} never applied: ${missing.join(', ')} (${there})`);
  }
  if (lines.length > 0) fail(lines.join('\n'));
}

/**
 * `timesApplied`, unless no item has it and some have `applied`, the default before: then
 * `applied`, warning once per table that the default changed and what to pass instead.
 */
function defaultCountOf(table: string, items: readonly Record<string, unknown>[]): string {
  const has = (attribute: string) => items.some((item) => item[attribute] !== undefined);
  if (has(DEFAULT_EFFECT_COUNT) || !has(DEPRECATED_EFFECT_COUNT)) return DEFAULT_EFFECT_COUNT;
  if (!warnedDeprecatedCount.has(table)) {
    warnedDeprecatedCount.add(table);
    process.emitWarning(
      `expectEachEffectOnce counts ${DEFAULT_EFFECT_COUNT} by default now; ${table}'s items have ${DEPRECATED_EFFECT_COUNT} and no ${DEFAULT_EFFECT_COUNT}, so it counted ${DEPRECATED_EFFECT_COUNT} as before. ` +
        `Pass count: '${DEPRECATED_EFFECT_COUNT}' (expectEachEffectOnce({ table: '${table}', count: '${DEPRECATED_EFFECT_COUNT}' })) to keep counting it: the next minor release counts only ${DEFAULT_EFFECT_COUNT} unless told.`,
      { type: 'DeprecationWarning', code: EFFECT_COUNT_DEPRECATION },
    );
  }
  return DEPRECATED_EFFECT_COUNT;
}

async function scanAll(app: RunningApp, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await app.clients.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey, ConsistentRead: true }));
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    ExclusiveStartKey = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (ExclusiveStartKey);
  return items;
}

/** The key attributes of a table's CreateTable input, partition key first. */
function keyAttributes(definition: Record<string, unknown> | undefined): string[] {
  const schema = Array.isArray(definition?.KeySchema) ? (definition.KeySchema as { AttributeName?: unknown; KeyType?: unknown }[]) : [];
  return [...schema]
    .sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0))
    .flatMap((k) => (typeof k.AttributeName === 'string' ? [k.AttributeName] : []));
}

function defaultEffectName(item: Record<string, unknown>, keys: readonly string[]): string {
  const [only] = keys;
  if (keys.length === 1 && only !== undefined) return String(item[only]);
  return JSON.stringify(Object.fromEntries((keys.length > 0 ? keys : Object.keys(item)).map((k) => [k, item[k]])));
}

/** Why a ledger whose items all lack the count attribute cannot be checked, naming the attributes that could count. */
function noCountAttribute(
  table: string,
  countAttribute: string,
  items: readonly Record<string, unknown>[],
  keys: readonly string[],
): string {
  const numeric = [...new Set(items.flatMap((item) => Object.keys(item).filter((k) => !keys.includes(k) && typeof item[k] === 'number')))];
  const hint =
    numeric.length > 0
      ? `its items' numeric attributes are ${numeric.join(', ')}: pass the one that counts as count (count: '${numeric[0]}')`
      : 'its items have no numeric attribute: the effect must count its applications (ADD <attribute> :one) for this check';
  return `no item of ${table} has the attribute ${countAttribute} that counts how often its effect was applied; ${hint}`;
}
