import { randomBytes } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { SwitchyardError } from '../errors.js';
import { escapeSegment, flowControlItemKey } from './item-keys.js';
import { versionedUpdate, waitForRoom, withinWindow } from './sliding-log.js';
import { epochSeconds, type Item, n, s } from './store.js';

/**
 * A token budget's window is full: the call was not made. It fits again once the window
 * has passed (`retryAfterMs`); a caller waits for it (a Step Functions Retry on the name,
 * a queue consumer's hold-back) rather than failing the work it was doing.
 */
export class TokenLimitReachedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.tokenLimitReached;
  constructor(
    message: string,
    /** How long until every refusing window has room for the call: enough of its log has left it. */
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A call asks for more tokens than a whole window of a budget holds: no wait lets it through. */
export class TokenRequestTooLargeError extends SwitchyardError {
  override readonly name = ERROR_NAMES.tokenRequestTooLarge;
  override get retryable(): boolean {
    return false;
  }
}

/** The tokens one key may use per minute and, optionally, per day (UTC days). */
export interface TokenLimits {
  readonly perMinute: number;
  readonly perDay?: number;
}

/** One budget a call draws on: a scope (`model`, `tenant`), the key within it (a model id, a tenant id) and its limits. */
export interface TokenBudgetKey {
  readonly scope: string;
  readonly key: string;
  readonly limits: TokenLimits;
}

/** One key's entry a reservation wrote: settle() rewrites it by `id` (and the hour bucket it was added to). */
export interface TokenReservationEntry {
  readonly pk: string;
  readonly id: string;
  /** The hour bucket (`YYYY-MM-DDTHH`) the estimate was added to, when the key has a day limit. */
  readonly hour?: string;
}

/** What reserve() took, for settle() to correct: the estimate, and its entry in each key's log. */
export interface TokenReservation {
  readonly estimate: number;
  readonly entries: readonly TokenReservationEntry[];
}

/** The flow control table and the clock (the same shape as the other controls' store). */
export interface TokenBudgetOptions {
  readonly client: DynamoDBClient;
  /** The flow control table: partition key `pk` (S), TTL on `expiresAt`. */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/** Settling kept colliding with other writers of the key's item: the usage is not recorded yet; settle again. */
export class TokenSettleContendedError extends SwitchyardError {
  override readonly name = 'TokenSettleContended';
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
/** How long a key's item outlives its last write (DynamoDB TTL), so the operator can still read the last minutes. */
const KEEP_MS = 15 * MINUTE_MS;
/**
 * The most calls one key's minute log holds. An entry `{id, at, tokens}` is about 39 bytes
 * in DynamoDB (a map of 3 + 3 elements of 1 byte each, names id/at/tokens 10 bytes, an
 * 8-character id 8, a 13-digit time 8, a token count up to 4; 1 more as a list element), so
 * 8,000 entries are about 312 KB, under the 400 KB item limit with room for the hour buckets.
 * That is 133 calls a second per key, far past what one item's read-then-conditional-write
 * sustains (and each write of the whole item costs a write unit per KB), so it is a safety
 * net: a key at it waits like a key at its token limit.
 *
 * The day is not a log for the same reason: one entry per call for 24 hours is 10,000 calls
 * a day at one call every 8.6 s. It is 25 hour buckets instead (about 18 bytes each): the
 * buckets that overlap the last 24 hours are summed, which covers every 24-hour window (the
 * limit holds over any of them) and, in a steady stream, admits up to 24/25 of the limit.
 */
const MAX_LOG_ENTRIES = 8_000;

interface Entry {
  readonly id: string;
  readonly at: number;
  readonly tokens: number;
}

/** One key's item as read: its minute log and (with a day limit) its hour buckets, both pruned to their windows. */
interface KeyState {
  readonly log: Entry[];
  readonly hours: Map<string, number>;
}

/** The answer for one key of a reservation: its entry, or how long until it has room. */
type KeyOutcome = { readonly reserved: TokenReservationEntry } | { readonly refused: { readonly waitMs: number; readonly what: string } };

/**
 * Tokens per minute (and per day) per key, kept as one item per scope and key in the flow
 * control table, `tokens#<scope>#<key>`: a sliding log of the last minute's calls, entries
 * `{id, at, tokens}` (./sliding-log.ts, as the rate limit's), and, with a day limit, tokens
 * per hour for the last 25 hours. So the limits hold over every window of a minute (a day),
 * not only over clock minutes: with fixed windows two adjacent half-minutes could see twice
 * the limit.
 *
 * reserve() adds an entry with the call's estimate when the log's tokens in the last minute
 * (and the hours') leave room for it: one PutItem conditional on the version it read, so
 * concurrent callers, in any number of functions, can never together reserve past a limit.
 * A call draws on several keys (a model's and a tenant's); their writes go out at once and,
 * when one is refused, the others are given back. Between the two a refused call holds
 * tokens it will not use: that can refuse another call which would have fitted, never admit
 * one that does not. A refused call waits until enough of the log leaves the window.
 *
 * settle() rewrites the entry's tokens (by id) to what the model reported, and the hour's by
 * the difference: the usage happened, so a window can go over its limit by the estimates'
 * error, and only by that. An entry that has already left the minute is not written back.
 */
export class TokenBudget {
  private readonly store: TokenBudgetOptions;

  constructor(options: TokenBudgetOptions) {
    this.store = options;
  }

  /**
   * Reserves `estimate` tokens in every budget, or none: throws TokenLimitReachedError
   * (retryable, with `retryAfterMs`) when a budget cannot hold them now,
   * TokenRequestTooLargeError when a whole window could not.
   */
  async reserve(budgets: readonly TokenBudgetKey[], estimate: number): Promise<TokenReservation> {
    if (!Number.isInteger(estimate) || estimate < 0) throw new RangeError(`a token estimate must be a whole number >= 0 (got ${estimate})`);
    for (const budget of budgets) {
      const tooSmall = estimate > budget.limits.perMinute ? 'minute' : estimate > (budget.limits.perDay ?? estimate) ? 'day' : undefined;
      if (tooSmall) throw new TokenRequestTooLargeError(`a call of ${estimate} tokens can never fit ${windowOf(budget, tooSmall)}`);
    }
    const id = randomBytes(6).toString('base64url');
    const outcomes = await Promise.allSettled(budgets.map((budget) => this.reserveIn(budget, id, estimate)));
    const reserved = outcomes.flatMap((o) => (o.status === 'fulfilled' && 'reserved' in o.value ? [o.value.reserved] : []));
    if (reserved.length === budgets.length) return { estimate, entries: reserved };

    // Give back what was reserved before anything is thrown. Should giving back fail, that
    // error is thrown: the tokens stay reserved until they leave the window, which refuses
    // calls that would have fitted, and the caller retries as after any DynamoDB error.
    await this.settle({ estimate, entries: reserved }, 0);
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    const refused = outcomes.flatMap((o) => (o.status === 'fulfilled' && 'refused' in o.value ? [o.value.refused] : []));
    const retryAfterMs = Math.max(0, ...refused.map((r) => r.waitMs));
    throw new TokenLimitReachedError(
      `${refused.map((r) => r.what).join(' and ')} cannot hold ${estimate} more tokens now; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
    );
  }

  /** Corrects a reservation to the tokens the call used (0 if it was never made: its entries are removed); never refused. */
  async settle(reservation: TokenReservation, usedTokens: number): Promise<void> {
    if (!Number.isInteger(usedTokens) || usedTokens < 0)
      throw new RangeError(`used tokens must be a whole number >= 0 (got ${usedTokens})`);
    const difference = usedTokens - reservation.estimate;
    await Promise.all(
      reservation.entries.map((entry) =>
        versionedUpdate(
          this.store,
          entry.pk,
          (item, now) => {
            const { log, hours } = stateOf(item, now);
            const at = log.findIndex((e) => e.id === entry.id);
            const hour = entry.hour === undefined ? undefined : hours.get(entry.hour);
            // Nothing left to correct: the entry left the minute, and the hour (if any) the day.
            if ((at < 0 && hour === undefined) || difference === 0) return { result: undefined };
            if (at >= 0) {
              if (usedTokens === 0) log.splice(at, 1);
              else log[at] = { ...(log[at] as Entry), tokens: usedTokens };
            }
            if (entry.hour !== undefined && hour !== undefined) hours.set(entry.hour, hour + difference);
            return { write: itemOf(item, { log, hours }, now), result: undefined };
          },
          () => {
            throw new TokenSettleContendedError(`settling ${usedTokens} tokens in ${entry.pk} kept colliding with other writers`);
          },
        ),
      ),
    );
  }

  /** One key's decision: one conditional write of its item with the new entry, or how long until it has room. */
  private reserveIn(budget: TokenBudgetKey, id: string, estimate: number): Promise<KeyOutcome> {
    const pk = flowControlItemKey('tokens', escapeSegment(budget.scope), budget.key);
    return versionedUpdate<KeyOutcome>(
      this.store,
      pk,
      (item, now) => {
        const state = stateOf(item, now);
        const minute = state.log.map((e) => ({ at: e.at, weight: e.tokens }));
        const calls = state.log.map((e) => ({ at: e.at, weight: 1 }));
        const perDay = budget.limits.perDay;
        // An hour's bucket weighs as at its end: it leaves every 24-hour window once its last instant has.
        const day = [...state.hours]
          .map(([hour, tokens]) => ({ at: Date.parse(`${hour}:00:00Z`) + HOUR_MS, weight: tokens }))
          .sort((a, b) => a.at - b.at);
        const waits = [
          { waitMs: waitForRoom(minute, now, MINUTE_MS, budget.limits.perMinute, estimate), what: windowOf(budget, 'minute') },
          {
            waitMs: waitForRoom(calls, now, MINUTE_MS, MAX_LOG_ENTRIES, 1),
            what: `the ${budget.scope} ${budget.key}'s calls per minute (${MAX_LOG_ENTRIES} calls, the most its log holds)`,
          },
          ...(perDay === undefined ? [] : [{ waitMs: waitForRoom(day, now, DAY_MS, perDay, estimate), what: windowOf(budget, 'day') }]),
        ];
        const refused = waits.filter((w) => w.waitMs > 0).sort((a, b) => b.waitMs - a.waitMs)[0];
        if (refused) return { result: { refused } };
        const hour = perDay === undefined ? undefined : new Date(now).toISOString().slice(0, 13);
        state.log.push({ id, at: now, tokens: estimate });
        if (hour !== undefined) state.hours.set(hour, (state.hours.get(hour) ?? 0) + estimate);
        else state.hours.clear();
        const limits: Record<string, AttributeValue> = {
          limit: n(budget.limits.perMinute),
          ...(perDay === undefined ? {} : { dayLimit: n(perDay) }),
        };
        const written = { ...itemOf(item, state, now), ...limits };
        // A day limit no longer declared is no longer shown against (its hours are cleared above).
        if (perDay === undefined) delete written.dayLimit;
        return {
          write: written,
          result: { reserved: { pk, id, ...(hour === undefined ? {} : { hour }) } },
        };
      },
      // Still contended: counts as full for now, so no limit can be exceeded.
      () => ({ refused: { waitMs: 1000, what: windowOf(budget, 'minute') } }),
    );
  }
}

/** A window as the errors name it: `the model m's tokens per minute (20000 tokens)`. */
function windowOf(budget: TokenBudgetKey, window: 'minute' | 'day'): string {
  const limit = window === 'minute' ? budget.limits.perMinute : budget.limits.perDay;
  return `the ${budget.scope} ${budget.key}'s tokens per ${window} (${limit} tokens)`;
}

/** A key's item read back, pruned: the minute's entries, and the hour buckets that overlap the last 24 hours. */
function stateOf(item: Item | undefined, now: number): KeyState {
  const entries = Array.isArray(item?.log) ? (item.log as Entry[]) : [];
  const hours = new Map<string, number>();
  for (const [hour, tokens] of Object.entries((item?.hours as Record<string, number> | undefined) ?? {})) {
    if (Date.parse(`${hour}:00:00Z`) + HOUR_MS > now - DAY_MS) hours.set(hour, tokens);
  }
  return { log: withinWindow(entries, now, MINUTE_MS), hours };
}

/** The attributes a key's item is written with: its log and hours, the limits it was held to (kept), its TTL. */
function itemOf(item: Item | undefined, state: KeyState, now: number): Record<string, AttributeValue> {
  const kept: Record<string, AttributeValue> = {};
  if (typeof item?.limit === 'number') kept.limit = n(item.limit);
  if (typeof item?.dayLimit === 'number') kept.dayLimit = n(item.dayLimit);
  return {
    ...kept,
    log: { L: state.log.map((e) => ({ M: { id: s(e.id), at: n(e.at), tokens: n(e.tokens) } })) },
    ...(state.hours.size > 0 ? { hours: { M: Object.fromEntries([...state.hours].map(([hour, tokens]) => [hour, n(tokens)])) } } : {}),
    expiresAt: n(epochSeconds(now + (state.hours.size > 0 ? DAY_MS + HOUR_MS : MINUTE_MS) + KEEP_MS)),
  };
}

/** One ADD of tokens to an item, conditional when `atMost` is given. */
export interface AddTokens {
  readonly tableName: string;
  readonly key: Record<string, AttributeValue>;
  /** May be negative (a settlement below the estimate, a reservation given back). */
  readonly tokens: number;
  /**
   * The most `tokens` the item may hold before this write for it to be applied: the limit
   * minus the amount. Without it the write always applies.
   */
  readonly atMost?: number;
  /** Attributes set by the same write (the item's TTL, the limit it was held to). */
  readonly set?: Record<string, AttributeValue>;
  /** An attribute the same write adds 1 to (an execution's `calls`). */
  readonly count?: string;
  /** The most `count` may hold before this write for it to be applied (both conditions must hold). */
  readonly countAtMost?: number;
}

/**
 * The one conditional write token budgets are made of (a window's, an execution's): ADD to
 * `tokens` (and 1 to `count`), on the condition that the item held at most `atMost` tokens
 * (and `countAtMost`) before. Throws DynamoDB's
 * ConditionalCheckFailedException when it did not; returns the item's new totals.
 */
export async function addTokens(client: DynamoDBClient, write: AddTokens): Promise<{ tokens: number; count: number }> {
  const set = Object.entries(write.set ?? {});
  const names = Object.fromEntries(set.map(([name], i) => [`#s${i}`, name]));
  if (write.count !== undefined) names['#count'] = write.count;
  const conditions: string[] = [];
  if (write.atMost !== undefined) conditions.push('(attribute_not_exists(tokens) OR tokens <= :atMost)');
  if (write.count !== undefined && write.countAtMost !== undefined)
    conditions.push('(attribute_not_exists(#count) OR #count <= :countAtMost)');
  const { Attributes } = await client.send(
    new UpdateItemCommand({
      TableName: write.tableName,
      Key: write.key,
      UpdateExpression: `ADD tokens :tokens${write.count === undefined ? '' : ', #count :one'}${set.length > 0 ? ` SET ${set.map((_, i) => `#s${i} = :s${i}`).join(', ')}` : ''}`,
      ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: {
        ':tokens': { N: String(write.tokens) },
        ...(write.count === undefined ? {} : { ':one': { N: '1' } }),
        ...(write.atMost === undefined ? {} : { ':atMost': { N: String(write.atMost) } }),
        ...(write.countAtMost === undefined ? {} : { ':countAtMost': { N: String(write.countAtMost) } }),
        ...Object.fromEntries(set.map(([, value], i) => [`:s${i}`, value])),
      },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return { tokens: Number(Attributes?.tokens?.N ?? '0'), count: Number((write.count && Attributes?.[write.count]?.N) ?? '0') };
}
