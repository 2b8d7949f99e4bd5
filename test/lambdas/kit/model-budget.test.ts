import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '../../../domain/index.js';
import { BudgetExhaustedError, reserveModelCall, settleModelCall, spendModelCall } from '../../../lambdas/kit/model-budget.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';

const tableName = 'budgets';
const dynamo = useDynamoDb((engine) => engine.createTable(tableName, 'budgetKey'));

async function calls(key: string): Promise<number | undefined> {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: tableName, Key: { budgetKey: { S: key } }, ConsistentRead: true }),
  );
  return Item ? unmarshall(Item).calls : undefined;
}

describe('spendModelCall', () => {
  it('counts each call and returns its number', async () => {
    const budget = { key: 'exec-1', maxModelCalls: 3 };
    expect(await spendModelCall(dynamo.client, tableName, budget)).toBe(1);
    expect(await spendModelCall(dynamo.client, tableName, budget)).toBe(2);
    expect(await calls('exec-1')).toBe(2);
  });

  it('fails if the budget is spent, with the stable name the state machine catches, and counts nothing more', async () => {
    const budget = { key: 'exec-2', maxModelCalls: 1 };
    await spendModelCall(dynamo.client, tableName, budget);
    const error = await spendModelCall(dynamo.client, tableName, budget).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    expect((error as Error).name).toBe(ERROR_NAMES.budgetExhausted);
    expect((error as Error).message).toBe('the budget of 1 model calls is spent (exec-2)');
    expect((error as BudgetExhaustedError).retryable).toBe(false);
    expect(await calls('exec-2')).toBe(1);
  });

  it('lets exactly the budget through when many calls race for it', async () => {
    const budget = { key: 'exec-3', maxModelCalls: 5 };
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => spendModelCall(dynamo.client, tableName, budget)));
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof BudgetExhaustedError)).toBe(true);
    expect(await calls('exec-3')).toBe(5);
  });

  it('keeps the budgets of two executions apart', async () => {
    await spendModelCall(dynamo.client, tableName, { key: 'exec-4', maxModelCalls: 1 });
    expect(await spendModelCall(dynamo.client, tableName, { key: 'exec-5', maxModelCalls: 1 })).toBe(1);
  });
});

describe('reserveModelCall', () => {
  const deps = () => ({ dynamodb: dynamo.client, budgetTable: tableName });

  it('fails if either limit of a budget in calls and tokens is spent, naming the one that is', async () => {
    const byCalls = { key: 'exec-6', maxModelCalls: 2, maxTokens: 1_000 };
    await reserveModelCall(deps(), { budget: byCalls, modelId: 'm' }, 10);
    await reserveModelCall(deps(), { budget: byCalls, modelId: 'm' }, 10);
    await expect(reserveModelCall(deps(), { budget: byCalls, modelId: 'm' }, 10)).rejects.toThrow(
      'the budget of 2 model calls is spent (exec-6)',
    );

    const byTokens = { key: 'exec-7', maxModelCalls: 20, maxTokens: 100 };
    const first = await reserveModelCall(deps(), { budget: byTokens, modelId: 'm' }, 60);
    await expect(reserveModelCall(deps(), { budget: byTokens, modelId: 'm' }, 60)).rejects.toThrow(
      'the budget of 100 tokens is spent (exec-7): 60 used or reserved, this call needs up to 60',
    );
    // Settled to 30, the same call fits.
    await settleModelCall(deps(), first, 30);
    expect((await reserveModelCall(deps(), { budget: byTokens, modelId: 'm' }, 60)).callNumber).toBe(2);
    expect(await calls('exec-7')).toBe(2);
  });
});
