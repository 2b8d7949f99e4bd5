import type { DeadLetter, LedgerRow, StockRecords } from './inventory.js';
import type { Observed } from './observer.js';
import { COMPLETION_EVENTS, type Item } from './workload.js';

/** Which life of the runtime a moment falls in (ChaosRuntime.lifeAt). */
export type LifeAt = (time: number) => number;

/**
 * Whether copies of one thing were each made in a different life of the runtime: what a
 * SIGKILL between doing a thing and recording it leaves (at least once across a crash),
 * told apart from two copies made side by side in one life, which no crash explains (a race).
 */
function eachInItsOwnLife(lives: readonly number[]): boolean {
  return new Set(lives).size === lives.length;
}

/** What the dead-letter queues held once the run was quiet, against the poison sent. */
export interface PoisonAccount {
  /** Poison items dead-lettered as they must be: once by each consumer that validates them, each with InvalidEvent. */
  readonly deadLettered: number;
  readonly poison: number;
  /** Problems: a poison item missing or dead-lettered twice, a wrong reason, a message nobody expected. */
  readonly problems: readonly string[];
  /** Dead-letter messages that are not a poison item's (false positives of the failure routing). */
  readonly falseDeadLetters: number;
  /** One delivery dead-lettered again after a kill cut it off between the dead-letter send and its delete. */
  readonly crashRepeats: readonly string[];
}

export function accountPoison(items: readonly Item[], letters: readonly DeadLetter[], lifeAt: LifeAt): PoisonAccount {
  const byKey = new Map(items.map((item) => [item.id, item]));
  const problems: string[] = [];
  let falseDeadLetters = 0;
  const perPoison = new Map<string, DeadLetter[]>();
  for (const letter of letters) {
    const item = letter.key === undefined ? undefined : byKey.get(letter.key);
    if (!item?.poison) {
      falseDeadLetters++;
      problems.push(
        `false dead letter: ${letter.detailType ?? '?'} ${letter.key ?? '?'} in ${queueName(letter.queue)} (${letter.errorName ?? 'no reason'})`,
      );
      continue;
    }
    perPoison.set(item.id, [...(perPoison.get(item.id) ?? []), letter]);
  }
  let deadLettered = 0;
  const crashRepeats: string[] = [];
  const poison = items.filter((item) => item.poison);
  for (const item of poison) {
    const found = perPoison.get(item.id) ?? [];
    const byQueue = new Map<string, DeadLetter[]>();
    for (const letter of found) byQueue.set(letter.queue, [...(byQueue.get(letter.queue) ?? []), letter]);
    const itemProblems: string[] = [];
    for (const [queue, copies] of byQueue) {
      if (copies.length === 1) continue;
      const sameMessage = new Set(copies.map((l) => l.originalMessageId)).size === 1;
      const lives = copies.map((l) => lifeAt(l.failedAt));
      const what =
        `poison ${item.id} dead-lettered ${copies.length} times in ${queueName(queue)} ` +
        `(lives ${lives.join(',')}; ${sameMessage ? `one message, ${copies[0]?.originalMessageId}` : 'different messages'}; ` +
        `failed at ${copies.map((l) => new Date(l.failedAt).toISOString().slice(11, 23)).join(', ')})`;
      if (sameMessage && eachInItsOwnLife(lives)) crashRepeats.push(what);
      else itemProblems.push(what);
    }
    if (byQueue.size !== item.deadLetters) {
      itemProblems.push(`poison ${item.id}: dead-lettered by ${byQueue.size} consumer(s), expected ${item.deadLetters}`);
    }
    const reasons = found.filter((l) => l.errorName !== 'InvalidEvent');
    if (reasons.length > 0)
      itemProblems.push(`poison ${item.id}: dead-lettered with ${reasons.map((l) => l.errorName ?? 'no reason').join(', ')}`);
    if (itemProblems.length === 0) deadLettered++;
    problems.push(...itemProblems);
  }
  return { deadLettered, poison: poison.length, problems, falseDeadLetters, crashRepeats };
}

/** Whether every item finished once, from the observer's events and the ledgers. */
export interface FinishAccount {
  readonly items: number;
  /** Items with their terminal event once, no completion event twice, every effect applied once. */
  readonly finished: number;
  /** Completion events sent twice in one life of the runtime, and effects applied twice, one line each. */
  readonly duplicates: readonly string[];
  /** Completion events sent again after a kill, each copy in its own life of the runtime. */
  readonly crashRepeats: readonly string[];
  /** Items without their terminal event or with an effect missing, one line each. */
  readonly lost: readonly string[];
  /** Items that ended otherwise than their workload says (another terminal event, an effect they should not have). */
  readonly wrong: readonly string[];
}

export function accountFinished(
  items: readonly Item[],
  observed: ReadonlyMap<string, ReadonlyMap<string, readonly Observed[]>>,
  ledger: readonly LedgerRow[],
): FinishAccount {
  const duplicates: string[] = [];
  const crashRepeats: string[] = [];
  const lost: string[] = [];
  const wrong: string[] = [];
  let finished = 0;
  const rowsByKey = new Map<string, LedgerRow[]>();
  for (const row of ledger) rowsByKey.set(row.key, [...(rowsByKey.get(row.key) ?? []), row]);
  for (const item of items) {
    const events = observed.get(item.id) ?? new Map<string, readonly Observed[]>();
    const rows = rowsByKey.get(item.id) ?? [];
    const before = { duplicates: duplicates.length, crashRepeats: crashRepeats.length, lost: lost.length, wrong: wrong.length };
    for (const type of COMPLETION_EVENTS[item.flow]) {
      const sent = events.get(type) ?? [];
      if (sent.length > 1) {
        const lives = sent.map((e) => e.life);
        const what = `${item.id} ${type} sent ${sent.length} times (lives ${lives.join(',')}; ${sent.map((e) => e.says).join(' / ')})`;
        (eachInItsOwnLife(lives) ? crashRepeats : duplicates).push(what);
      }
      if (sent.length > 0 && type !== item.terminal && !(item.flow === 'pipeline' && type === 'ApprovalRequested')) {
        wrong.push(`${item.id} ended with ${type} (${sent.map((e) => e.says).join(' / ')}), expected ${item.terminal}`);
      }
    }
    if ((events.get(item.terminal) ?? []).length === 0) lost.push(`${item.id} never sent ${item.terminal}`);
    for (const row of rows) {
      if (row.applied > 1) duplicates.push(`${item.id} ${row.effect} applied ${row.applied} times`);
      if (item.effects.length > 0 && !item.effects.includes(row.effect))
        wrong.push(`${item.id} applied ${row.effect}, not one of its effects`);
    }
    for (const effect of item.effects) {
      if (!rows.some((row) => row.effect === effect && row.applied >= 1)) lost.push(`${item.id} effect ${effect} never applied`);
    }
    if (item.flow === 'triage' && rows.length === 0) lost.push(`${item.id} never assigned`);
    const clean =
      duplicates.length === before.duplicates &&
      crashRepeats.length === before.crashRepeats &&
      lost.length === before.lost &&
      wrong.length === before.wrong;
    if (clean) finished++;
  }
  return { items: items.length, finished, duplicates, crashRepeats, lost, wrong };
}

/** Whether each SKU's stock is what the saga's ledger says it moved. */
export interface StockAccount {
  /** SKUs the ledger or the inventory names. */
  readonly skus: number;
  /** SKUs whose `reserved` equals the ledger's applied reserves minus its applied releases. */
  readonly balanced: number;
  /** A SKU off its ledger, or a move that names no stock or not its order's, one line each. */
  readonly problems: readonly string[];
}

/**
 * The invariant only a transaction keeps: for each SKU, `reserved` in the inventory equals
 * the sum over the ledger's applied reserves of their quantity minus that of its applied
 * releases. A reserve recorded without its stock movement, or a movement without its record
 * (a crash between two writes, a retry that moved the stock again), leaves them apart.
 * `orders` is each order's sku and quantity as the workload sent it.
 */
export function accountStock(stock: StockRecords, orders: ReadonlyMap<string, { sku: string; quantity: number }>): StockAccount {
  const problems: string[] = [];
  const moved = new Map<string, { reserves: number; releases: number }>();
  for (const move of stock.moves) {
    if (move.applied < 1) continue;
    if (move.sku === undefined || move.quantity === undefined) {
      problems.push(`stock: ${move.orderId} ${move.effect} recorded without the SKU and quantity its transaction moved`);
      continue;
    }
    const order = orders.get(move.orderId);
    if (order && (order.sku !== move.sku || order.quantity !== move.quantity)) {
      problems.push(
        `stock: ${move.orderId} ${move.effect} moved ${move.quantity} ${move.sku}, the order is for ${order.quantity} ${order.sku}`,
      );
    }
    const sums = moved.get(move.sku) ?? { reserves: 0, releases: 0 };
    // `applied` above 1 is a duplicate the finish account reports; each one moved the stock with it.
    if (move.effect === 'reserve') sums.reserves += move.applied * move.quantity;
    else sums.releases += move.applied * move.quantity;
    moved.set(move.sku, sums);
  }
  const skus = [...new Set([...moved.keys(), ...stock.reserved.keys()])].sort();
  let balanced = 0;
  for (const sku of skus) {
    const { reserves, releases } = moved.get(sku) ?? { reserves: 0, releases: 0 };
    const reserved = stock.reserved.get(sku) ?? 0;
    if (reserved === reserves - releases) balanced++;
    else
      problems.push(
        `stock: ${sku} reserved=${reserved}, the ledger's reserves minus releases ${reserves - releases} (${reserves} - ${releases})`,
      );
  }
  return { skus: skus.length, balanced, problems };
}

export interface RunFacts {
  readonly seed: number;
  readonly n: number;
  readonly flows: number;
  readonly kills: number;
  readonly sent: number;
  readonly seconds: number;
}

/** The one line a run prints. */
export function summaryLine(
  facts: RunFacts,
  run: FinishAccount,
  poison: PoisonAccount,
  redrive: { readonly finished: number; readonly of: number; readonly falseDeadLetters: number },
  stock: StockAccount,
): string {
  return (
    `chaos seed=${facts.seed} n=${facts.n} flows=${facts.flows} kills=${facts.kills}: sent=${facts.sent} ` +
    `finished=${run.finished}/${run.items} duplicates=${run.duplicates.length} lost=${run.lost.length} wrong=${run.wrong.length} ` +
    `stock=${stock.balanced}/${stock.skus} ` +
    `crashRepeats=${run.crashRepeats.length + poison.crashRepeats.length} ` +
    `poison=${poison.deadLettered}/${poison.poison} falseDLQ=${poison.falseDeadLetters + redrive.falseDeadLetters} ` +
    `redriven=${redrive.finished}/${redrive.of} (${facts.seconds.toFixed(0)}s)`
  );
}

function queueName(url: string): string {
  return url.split('/').at(-1) ?? url;
}
