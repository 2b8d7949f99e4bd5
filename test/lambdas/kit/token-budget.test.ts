import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../contracts/wiring.js';
import {
  TokenBudget,
  type TokenBudgetKey,
  TokenLimitReachedError,
  TokenRequestTooLargeError,
} from '../../../lambdas/kit/flow-control/token-budget.js';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';

let dynamo: DynaliteHandle;
const tableName = 'flow-control';

beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable(tableName, 'pk');
});
afterAll(async () => dynamo.close());

/** 2026-11-23 05:50:30 UTC: half a minute into its minute window. */
const T0 = Date.UTC(2026, 10, 23, 5, 50, 30);

function budgetAt(time: { now: number }): TokenBudget {
  return new TokenBudget({ client: dynamo.client, tableName, now: () => time.now });
}

async function tokensIn(pk: string): Promise<{ tokens?: number; expiresAt?: number }> {
  const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk } }, ConsistentRead: true }));
  return { tokens: Item?.tokens ? Number(Item.tokens.N) : undefined, expiresAt: Item?.expiresAt ? Number(Item.expiresAt.N) : undefined };
}

const model = (key: string, perMinute: number, perDay?: number): TokenBudgetKey => ({ scope: 'model', key, limits: { perMinute, perDay } });

describe('TokenBudget', () => {
  it('lets 20 concurrent reservations against one limit reserve only what fits', async () => {
    const budget = budgetAt({ now: T0 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => budget.reserve([model('race', 1_000)], 120)));
    // 8 x 120 = 960 fits under 1,000; a ninth would make 1,080.
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(8);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
    expect(refused.every((reason) => reason instanceof TokenLimitReachedError)).toBe(true);
    expect(await tokensIn('tokens#model#race#2026-11-23T05:50Z')).toEqual({
      tokens: 960,
      expiresAt: Date.UTC(2026, 10, 23, 6, 6) / 1000,
    });
  });

  it('fails if the window is full, with the stable name Step Functions retries and the time until the next window', async () => {
    const budget = budgetAt({ now: T0 });
    await budget.reserve([model('full', 100)], 100);
    const error = (await budget.reserve([model('full', 100)], 1).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    expect(error.name).toBe(ERROR_NAMES.tokenLimitReached);
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(30_000);
    expect(error.message).toBe("the model full's tokens per minute (100 tokens) cannot hold 1 more tokens now; retry in 30 s");
  });

  it('admits again in a new minute window', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    await budget.reserve([model('next', 100)], 100);
    await expect(budget.reserve([model('next', 100)], 50)).rejects.toBeInstanceOf(TokenLimitReachedError);
    time.now = Date.UTC(2026, 10, 23, 5, 51, 0);
    await budget.reserve([model('next', 100)], 50);
    expect((await tokensIn('tokens#model#next#2026-11-23T05:51Z')).tokens).toBe(50);
  });

  it('settles a reservation to the usage reported, more or less than the estimate, in the windows it was reserved in', async () => {
    const time = { now: T0 };
    const budget = budgetAt(time);
    const more = await budget.reserve([model('settle', 1_000, 5_000)], 100);
    const less = await budget.reserve([model('settle', 1_000, 5_000)], 100);
    time.now = Date.UTC(2026, 10, 23, 5, 51, 10);
    await budget.settle(more, 130);
    await budget.settle(less, 40);
    expect((await tokensIn('tokens#model#settle#2026-11-23T05:50Z')).tokens).toBe(170);
    expect((await tokensIn('tokens#model#settle#2026-11-23')).tokens).toBe(170);
    expect((await tokensIn('tokens#model#settle#2026-11-23T05:51Z')).tokens).toBeUndefined();
  });

  it('settles past the limit when the model used more than reserved: the usage happened', async () => {
    const budget = budgetAt({ now: T0 });
    const reservation = await budget.reserve([model('over', 100)], 90);
    await budget.settle(reservation, 120);
    expect((await tokensIn('tokens#model#over#2026-11-23T05:50Z')).tokens).toBe(120);
  });

  it('reserves in none of the windows when one of them is full: the model and the tenant, the minute and the day', async () => {
    const budget = budgetAt({ now: T0 });
    const tenant: TokenBudgetKey = { scope: 'tenant', key: 'acme#1', limits: { perMinute: 1_000, perDay: 150 } };
    await budget.reserve([tenant], 100);
    const error = (await budget.reserve([model('both', 1_000, 10_000), tenant], 100).catch((e: unknown) => e)) as TokenLimitReachedError;
    expect(error).toBeInstanceOf(TokenLimitReachedError);
    expect(error.message).toContain("the tenant acme#1's tokens per day (150 tokens)");
    expect(error.retryAfterMs).toBe(Date.UTC(2026, 10, 24) - T0);
    expect((await tokensIn('tokens#model#both#2026-11-23T05:50Z')).tokens).toBe(0);
    expect((await tokensIn('tokens#model#both#2026-11-23')).tokens).toBe(0);
    expect((await tokensIn('tokens#tenant#acme%231#2026-11-23T05:50Z')).tokens).toBe(100);
  });

  it('fails if one call asks for more than a whole window holds, before writing anything', async () => {
    const budget = budgetAt({ now: T0 });
    const error = (await budget.reserve([model('huge', 100, 1_000)], 101).catch((e: unknown) => e)) as TokenRequestTooLargeError;
    expect(error).toBeInstanceOf(TokenRequestTooLargeError);
    expect(error.name).toBe(ERROR_NAMES.tokenRequestTooLarge);
    expect(error.retryable).toBe(false);
    expect(error.message).toBe("a call of 101 tokens can never fit the model huge's tokens per minute (100 tokens)");
    expect((await tokensIn('tokens#model#huge#2026-11-23T05:50Z')).tokens).toBeUndefined();
  });
});
