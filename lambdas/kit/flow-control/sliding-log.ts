import { setTimeout as sleep } from 'node:timers/promises';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { conditionalPut, type FlowControlStore, type Item, n, nowOf, readItem, s } from './store.js';

/**
 * Sliding logs: what a key used within the last `periodMs`, kept in one item of the flow
 * control table, so a limit holds over every window of that length rather than only over
 * aligned ones (a per-minute counter lets two adjacent half-minutes see twice its limit).
 * The rate limit's log weighs each start 1; the token budget's weighs each call its tokens.
 */

/** One use of a key: when it happened, and how much of the limit it takes. */
export interface LogEntry {
  readonly at: number;
  readonly weight: number;
}

/** The entries still within the window that ends now (`at` after `now - periodMs`), oldest first. */
export function withinWindow<T extends { readonly at: number }>(log: readonly T[], now: number, periodMs: number): T[] {
  return log.filter((entry) => entry.at > now - periodMs).sort((a, b) => a.at - b.at);
}

/**
 * How long until `need` more fits under `limit` in the window (0 when it fits now): the time
 * the oldest entries, enough of them to make room, leave it. The log is the window's
 * (withinWindow); `need` must be at most `limit`, or no wait makes room.
 */
export function waitForRoom(log: readonly LogEntry[], now: number, periodMs: number, limit: number, need: number): number {
  let excess = log.reduce((sum, entry) => sum + entry.weight, 0) + need - limit;
  if (excess <= 0) return 0;
  for (const entry of log) {
    excess -= entry.weight;
    if (excess <= 0) return Math.max(1, entry.at + periodMs - now);
  }
  throw new RangeError(`${need} can never fit a limit of ${limit}`);
}

/** What one look at a log item decided: the whole item to write in its place (if anything), and the answer. */
export interface LogDecision<R> {
  /** The item's attributes but `pk` and `version`, which versionedUpdate sets. */
  readonly write?: Record<string, AttributeValue>;
  readonly result: R;
}

/** Writers racing for one key's log retry this often before giving up for a moment. */
const MAX_ATTEMPTS = 25;

/**
 * Reads a log item, decides from it (`decide`, pure) and writes the item it decided on with
 * one PutItem conditional on the version it read (or on its absence), so of two writers that
 * read the same log only one writes; the other reads again and decides again. Never a write
 * without that condition: a decision is only ever made on the log as it stands. One read and
 * one write per decision; `contended` answers when writers kept colliding.
 */
export async function versionedUpdate<R>(
  store: FlowControlStore,
  pk: string,
  decide: (item: Item | undefined, now: number) => LogDecision<R>,
  contended: () => R,
): Promise<R> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = nowOf(store);
    const item = await readItem(store, pk);
    const decision = decide(item, now);
    if (decision.write === undefined) return decision.result;
    const version = typeof item?.version === 'number' ? item.version : undefined;
    const written = await conditionalPut(
      store,
      { ...decision.write, pk: s(pk), version: n((version ?? 0) + 1) },
      version === undefined
        ? { condition: 'attribute_not_exists(pk)' }
        : { condition: 'version = :version', values: { ':version': n(version) } },
    );
    if (written.ok) return decision.result;
    // Another writer got in between: spread the retries so racing writers do not collide again.
    await sleep(randomBetween(1, 5 + attempt * 5));
  }
  return contended();
}

function randomBetween(min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min));
}
