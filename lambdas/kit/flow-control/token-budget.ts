import { type AttributeValue, ConditionalCheckFailedException, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import { SwitchyardError } from '../errors.js';
import { flowControlItemKey } from './item-keys.js';

/**
 * A token budget's window is full: the call was not made. It fits again once the window
 * has passed (`retryAfterMs`); a caller waits for it (a Step Functions Retry on the name,
 * a queue consumer's hold-back) rather than failing the work it was doing.
 */
export class TokenLimitReachedError extends SwitchyardError {
  override readonly name = ERROR_NAMES.tokenLimitReached;
  constructor(
    message: string,
    /** How long until the fullest refusing window ends. */
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

/** The window items a reservation added its estimate to; settle() corrects the same items. */
export interface TokenReservation {
  readonly estimate: number;
  readonly windows: readonly { readonly pk: string; readonly expiresAt: number }[];
}

/** The flow control table and the clock (the same shape as the other controls' store). */
export interface TokenBudgetOptions {
  readonly client: DynamoDBClient;
  /** The flow control table: partition key `pk` (S), TTL on `expiresAt`. */
  readonly tableName: string;
  /** @default Date.now */
  readonly now?: () => number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 3600_000;
/**
 * How long a window item outlives its window (DynamoDB TTL). Long enough that a call settling
 * after its window ended still finds the item, and the operator can read the last windows.
 */
const KEEP_AFTER_WINDOW_MS = { minute: 15 * MINUTE_MS, day: 2 * DAY_MS } as const;

interface Window {
  readonly pk: string;
  readonly limit: number;
  readonly endsAt: number;
  readonly expiresAt: number;
  readonly label: string;
}

/**
 * Tokens per minute (and per day) per key, kept as fixed windows in the flow control table:
 * one item per scope, key and window, `tokens#<scope>#<key>#<window-start>`, whose `tokens`
 * is what the window's calls reserved and then settled.
 *
 * reserve() adds the call's estimate to each of its windows with one conditional write
 * each (ADD on the condition that the window stays at or under its limit), so concurrent
 * callers, in any number of functions, can never together reserve past a limit. A call
 * draws on several windows (a model's and a tenant's, a minute's and a day's); the writes go
 * out at once and, when one is refused, the others are given back. Between the two a
 * refused call holds tokens it will not use: that can refuse another call which would have
 * fitted, never admit one that does not.
 *
 * settle() adds the difference between what the model reported and the estimate, to the
 * windows the estimate was reserved in, unconditionally: the usage happened, so a window
 * can go over its limit by the estimates' error, and only by that.
 *
 * Fixed windows: within one window the limit holds exactly; two adjacent half-windows can
 * together see up to twice it, as with any per-minute counter.
 */
export class TokenBudget {
  private readonly client: DynamoDBClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: TokenBudgetOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  /**
   * Reserves `estimate` tokens in every window of every budget, or none: throws
   * TokenLimitReachedError (retryable, with `retryAfterMs`) when a window cannot hold them
   * now, TokenRequestTooLargeError when a whole window could not.
   */
  async reserve(budgets: readonly TokenBudgetKey[], estimate: number): Promise<TokenReservation> {
    if (!Number.isInteger(estimate) || estimate < 0) throw new RangeError(`a token estimate must be a whole number >= 0 (got ${estimate})`);
    const windows = budgets.flatMap((budget) => this.windowsOf(budget));
    const tooSmall = windows.find((window) => estimate > window.limit);
    if (tooSmall) {
      throw new TokenRequestTooLargeError(`a call of ${estimate} tokens can never fit ${tooSmall.label} (${tooSmall.limit} tokens)`);
    }
    const outcomes = await Promise.allSettled(windows.map((window) => this.add(window, estimate, window.limit - estimate)));
    const reserved = windows.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    if (reserved.length === windows.length) return { estimate, windows: reserved.map(({ pk, expiresAt }) => ({ pk, expiresAt })) };

    // Give back what was reserved before anything is thrown. Should giving back fail, that
    // error is thrown: the tokens stay reserved until their window ends, which refuses
    // calls that would have fitted, and the caller retries as after any DynamoDB error.
    await Promise.all(reserved.map((window) => this.add(window, -estimate)));
    const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
    const other = failures.find((reason) => !(reason instanceof ConditionalCheckFailedException));
    if (other !== undefined) throw other;
    const full = windows.filter((_, i) => outcomes[i]?.status === 'rejected');
    const retryAfterMs = Math.max(0, ...full.map((window) => window.endsAt - this.now()));
    throw new TokenLimitReachedError(
      `${full.map((window) => `${window.label} (${window.limit} tokens)`).join(' and ')} cannot hold ${estimate} more tokens now; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      retryAfterMs,
      { cause: failures[0] },
    );
  }

  /** Corrects a reservation to the tokens the call used (0 if it was never made); never refused. */
  async settle(reservation: TokenReservation, usedTokens: number): Promise<void> {
    if (!Number.isInteger(usedTokens) || usedTokens < 0)
      throw new RangeError(`used tokens must be a whole number >= 0 (got ${usedTokens})`);
    const difference = usedTokens - reservation.estimate;
    if (difference === 0) return;
    await Promise.all(reservation.windows.map((window) => this.add(window, difference)));
  }

  private windowsOf(budget: TokenBudgetKey): Window[] {
    const now = this.now();
    const prefix = flowControlItemKey('tokens', escapeKey(budget.scope), escapeKey(budget.key));
    const minuteStart = now - (now % MINUTE_MS);
    const windows: Window[] = [
      {
        pk: `${prefix}#${new Date(minuteStart).toISOString().slice(0, 16)}Z`,
        limit: budget.limits.perMinute,
        endsAt: minuteStart + MINUTE_MS,
        expiresAt: Math.ceil((minuteStart + MINUTE_MS + KEEP_AFTER_WINDOW_MS.minute) / 1000),
        label: `the ${budget.scope} ${budget.key}'s tokens per minute`,
      },
    ];
    if (budget.limits.perDay !== undefined) {
      const dayStart = now - (now % DAY_MS);
      windows.push({
        pk: `${prefix}#${new Date(dayStart).toISOString().slice(0, 10)}`,
        limit: budget.limits.perDay,
        endsAt: dayStart + DAY_MS,
        expiresAt: Math.ceil((dayStart + DAY_MS + KEEP_AFTER_WINDOW_MS.day) / 1000),
        label: `the ${budget.scope} ${budget.key}'s tokens per day`,
      });
    }
    return windows;
  }

  private async add(window: { pk: string; expiresAt: number; limit?: number }, tokens: number, atMost?: number): Promise<void> {
    await addTokens(this.client, {
      tableName: this.tableName,
      key: { pk: { S: window.pk } },
      tokens,
      atMost,
      // The limit rides along when known (a reservation's write), so the operator reads usage against it (switchyard flow).
      set: { expiresAt: { N: String(window.expiresAt) }, ...(window.limit === undefined ? {} : { limit: { N: String(window.limit) } }) },
    });
  }
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

/** A scope or key as one segment of an item key: `#` separates segments, so it (and `%`, the escape) are percent-encoded. */
function escapeKey(part: string): string {
  return part.replaceAll('%', '%25').replaceAll('#', '%23');
}
