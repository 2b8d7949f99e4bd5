import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import {
  TokenBudget,
  type TokenBudgetKey,
  TokenLimitReachedError,
  TokenRequestTooLargeError,
} from '../../../lambdas/kit/flow-control/token-budget.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';

const tableName = 'flow-control';
const dynamo = useDynamoDb((engine) => engine.createTable(tableName, 'pk'));

/** 2026-11-23 05:50:30 UTC: half a minute into a clock minute. */
const T0 = Date.UTC(2026, 10, 23, 5, 50, 30);

function budgetAt(time: { now: number }): TokenBudget {
  return new TokenBudget({ client: dynamo.client, tableName, now: () => time.now });
}

interface KeyItem {
  log?: { id: string; at: number; tokens: number }[];
  hours?: Record<string, number>;
  limit?: number;
  dayLimit?: number;
  expiresAt?: number;
}

async function itemOf(pk: string): Promise<KeyItem> {
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return Item ? (unmarshall(Item) as KeyItem) : {};
}

const logged = (item: KeyItem) => (item.log ?? []).reduce((sum, entry) => sum + entry.tokens, 0);

const model = (key: string, perMinute: number, perDay?: number): TokenBudgetKey => ({ scope: 'model', key, limits: { perMinute, perDay } });

/** The most tokens any window of `periodMs` holds, of reservations made at the given times. */
function worstWindow(reserved: readonly { at: number; tokens: number }[], periodMs: number): number {
  return Math.max(
    ...reserved.map(({ at }) => reserved.filter((r) => r.at >= at && r.at < at + periodMs).reduce((sum, r) => sum + r.tokens, 0)),
  );
}

describe('TokenBudget', () => {
  it('lets 20 concurrent reservations against one limit reserve only what fits', async () => {
    const budget = budgetAt({ now: T0 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => budget.reserve([model('race', 1_000)], 120)));
    // 8 x 120 = 960 fits under 1,000; a ninth would make 1,080.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(8);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(refused.every((reason) => reason instanceof TokenLimitReachedError)).toBe(true);
    const item = await itemOf('tokens#model#race');
    expect(item.log).toHaveLength(8);
    expect(logged(item)).toBe(960);
    expect(item.limit).toBe(1_000);
    // Kept 15 minutes after the minute its last entry leaves.
    expect(item.expiresAt).toBe((T0 + 60_000 + 15 * 60_000) / 1000);
  });

  it('never lets concurrent reservations exceed the limit over any 60-second window, across minute boundaries', async () => {
    const time = { now: Date.UTC(2026, 10, 23, 5, 0, 0) };
    const budget = budgetAt(time);
    const reserved: { at: number; tokens: number }[] = [];
    // Bursts of 6 concurrent calls of 100-400 tokens every 7 s for 4 minutes, against 2,000 a minute.
    for (let step = 0; step < 35; step++) {
      const sizes = Array.from({ length: 6 }, (_, i) => 100 + ((step * 7 + i * 13) % 4) * 100);
      const outcomes = await Promise.allSettled(sizes.map((size) => budget.reserve([model('any-window', 2_000)], size)));
      outcomes.forEach((o, i) => {
        if (o.status === 'fulfilled') reserved.push({ at: time.now, tokens: sizes[i] as number });
      });
      time.now += 7_000;
    }
    expect(worstWindow(reserved, 60_000)).toBeLessThanOrEqual(2_000);
    // And the limit is used, not only respected: 4 minutes at 2,000, less a window's rounding.
    expect(reserved.reduce((sum, r) => sum + r.tokens, 0)).toBeGreaterThanOrEqual(7_000);
  });

  it('fails if the last 60 seconds are full, even when they began in the previous clock minute', async () => {
    const time = { now: Date.UTC(2026, 10, 23, 5, 50, 50) };
    const budget = budgetAt(time);
    await budget.reserve([model('straddle', 100)], 80);
    time.now = Date.UTC(2026, 10, 23, 5, 51, 10);
    const error = (await budget.reserve([model('straddle', 100)], 50).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    // The 80 reserved at 05:50:50 leave the window at 05:51:50.
    expect(error.retryAfterMs).toBe(40_000);
  });

  it('fails if the window is full, with the stable name Step Functions retries and the time until enough of the log leaves it', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    await budget.reserve([model('full', 100)], 60);
    time.now += 10_000;
    await budget.reserve([model('full', 100)], 40);
    time.now += 5_000;
    const error = (await budget.reserve([model('full', 100)], 50).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    expect(error.name).toBe(ERROR_NAMES.tokenLimitReached);
    expect(error.retryable).toBe(true);
    // 50 fit once the 60 reserved at T0 leave, 45 s from now; the 40 need not.
    expect(error.retryAfterMs).toBe(45_000);
    expect(error.message).toBe("the model full's tokens per minute (100 tokens) cannot hold 50 more tokens now; retry in 45 s");
  });

  it('admits again once the reservations it waited for have left the window', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    await budget.reserve([model('next', 100)], 100);
    time.now = T0 + 59_999;
    await expect(budget.reserve([model('next', 100)], 50)).rejects.toBeInstanceOf(TokenLimitReachedError);
    time.now = T0 + 60_000;
    await budget.reserve([model('next', 100)], 50);
    expect((await itemOf('tokens#model#next')).log).toEqual([expect.objectContaining({ at: T0 + 60_000, tokens: 50 })]);
  });

  it('settles a reservation to the usage reported, more or less than the estimate, in its entry and its hour', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    const more = await budget.reserve([model('settle', 1_000, 5_000)], 100);
    const less = await budget.reserve([model('settle', 1_000, 5_000)], 100);
    time.now = T0 + 20_000;
    await budget.settle(more, 130);
    await budget.settle(less, 40);
    const item = await itemOf('tokens#model#settle');
    expect(item.log?.map((entry) => entry.tokens).sort()).toEqual([130, 40]);
    expect(item.hours).toEqual({ '2026-11-23T05': 170 });
    expect(item.dayLimit).toBe(5_000);
    // What settling gave back is free at once: 170 used, so 830 fit.
    await budget.reserve([model('settle', 1_000, 5_000)], 830);
  });

  it('settles past the limit when the model used more than reserved: the usage happened', async () => {
    const budget = budgetAt({ now: T0 });
    const reservation = await budget.reserve([model('over', 100)], 90);
    await budget.settle(reservation, 120);
    expect(logged(await itemOf('tokens#model#over'))).toBe(120);
  });

  it('settles only the hour when the entry has already left the minute', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    const reservation = await budget.reserve([model('late', 1_000, 5_000)], 100);
    time.now = T0 + 90_000;
    await budget.settle(reservation, 70);
    expect(await itemOf('tokens#model#late')).toMatchObject({ log: [], hours: { '2026-11-23T05': 70 } });
  });

  it('holds the day limit over any 24 hours, not only over UTC days', async () => {
    const time = { now: Date.UTC(2026, 10, 23, 23, 30) };
    const budget = budgetAt(time);
    await budget.reserve([model('day', 1_000, 150)], 100);
    time.now = Date.UTC(2026, 10, 24, 0, 30);
    const error = (await budget.reserve([model('day', 1_000, 150)], 100).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    expect(error.message).toContain("the model day's tokens per day (150 tokens)");
    // The 23:00 hour leaves every 24-hour window at 00:00 two days on.
    expect(error.retryAfterMs).toBe(Date.UTC(2026, 10, 25, 0, 0) - time.now);
    time.now = Date.UTC(2026, 10, 25, 0, 0);
    await budget.reserve([model('day', 1_000, 150)], 100);
  });

  it('reserves in none of the budgets when one of them is full: the model and the tenant', async () => {
    const budget = budgetAt({ now: T0 });
    const tenant: TokenBudgetKey = { scope: 'tenant', key: 'acme#1', limits: { perMinute: 1_000, perDay: 150 } };
    await budget.reserve([tenant], 100);
    const error = (await budget.reserve([model('both', 1_000, 10_000), tenant], 100).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    expect(error.message).toContain("the tenant acme#1's tokens per day (150 tokens)");
    // The 05:00 hour leaves every 24-hour window at 06:00 the next day.
    expect(error.retryAfterMs).toBe(Date.UTC(2026, 10, 24, 6) - T0);
    expect(await itemOf('tokens#model#both')).toMatchObject({ log: [], hours: { '2026-11-23T05': 0 } });
    expect(logged(await itemOf('tokens#tenant#acme%231'))).toBe(100);
  });

  it('fails if one call asks for more than a whole window holds, before writing anything', async () => {
    const budget = budgetAt({ now: T0 });
    const error = (await budget.reserve([model('huge', 100, 1_000)], 101).catch((e: unknown) => e)) as TokenRequestTooLargeError;
    expect(error).toBeInstanceOf(TokenRequestTooLargeError);
    expect(error.name).toBe(ERROR_NAMES.tokenRequestTooLarge);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("a call of 101 tokens can never fit the model huge's tokens per minute (100 tokens)");
    expect(await itemOf('tokens#model#huge')).toEqual({});
  });
});
