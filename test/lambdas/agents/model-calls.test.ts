import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { callModel } from '../../../lambdas/agents/model-calls.js';
import type { ResearchModel } from '../../../lambdas/agents/research.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';

const dynamo = useDynamoDb(async (engine) => {
  await engine.createTable('budget', 'budgetKey');
  await engine.createTable('ledger', 'requestId', 'call');
  await engine.createTable('flow', 'pk');
});

function countingModel() {
  const prompts: string[] = [];
  const model: ResearchModel = {
    complete: async ({ prompt }) => {
      prompts.push(prompt);
      return { text: `answer to ${prompt}`, inputTokens: 3, outputTokens: 4 };
    },
    estimateTokens: () => 50,
  };
  return { model, prompts };
}

const request = (requestId: string, attempt = 1) => ({
  item: { id: 't1', type: 'search' as const, prompt: 'tides' },
  model: 'Fast',
  modelId: 'local.fast',
  attempt,
  budget: { key: `exec-${requestId}`, maxModelCalls: 10 },
  input: { detail: { requestId } },
});

async function budgetItem(key: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: 'budget', Key: { budgetKey: { S: key } }, ConsistentRead: true }),
  );
  return Item ? unmarshall(Item) : undefined;
}

/** A fixed time, so that no test straddles two minute windows. */
const NOW = Date.UTC(2026, 10, 23, 6, 0, 30);

/** A model's tokens as its flow control item holds them: its minute log's, and its hours' (the day's). */
async function windowTokens(modelId: string): Promise<number[]> {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: 'flow', Key: { pk: { S: `tokens#model#${modelId}` } }, ConsistentRead: true }),
  );
  const item = unmarshall(Item ?? {}) as { log?: { tokens: number }[]; hours?: Record<string, number> };
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  return [sum((item.log ?? []).map((entry) => entry.tokens)), sum(Object.values(item.hours ?? {}))];
}

/** What callModel needs, with `model`: the tables of the local engine, and `more`. */
const depsOf = (model: ResearchModel, more: { flowControlTable?: string; now?: () => number } = {}) => ({
  dynamodb: dynamo.client,
  model,
  budgetTable: 'budget',
  ledgerTable: 'ledger',
  ...more,
});

async function ledgerItem(requestId: string, call: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: 'ledger', Key: { requestId: { S: requestId }, call: { S: call } }, ConsistentRead: true }),
  );
  return Item;
}

describe('callModel', () => {
  it('answers an attempt run a second time from the ledger, without calling the model or spending the budget again', async () => {
    const { model, prompts } = countingModel();
    const deps = depsOf(model);
    const first = await callModel(deps, request('R-1'));
    const again = await callModel(deps, request('R-1'));
    expect(again).toEqual(first);
    expect(prompts).toEqual(['tides']);
    expect((await ledgerItem('R-1', 't1#1'))?.calls?.N).toBe('1');
    expect((await budgetItem('exec-R-1'))?.calls).toBe(1);
  });

  it('fails an attempt run a second time with the error it failed with, without spending the budget again', async () => {
    const { model, prompts } = countingModel();
    const deps = depsOf(model);
    const failing = { ...request('R-3'), item: { ...request('R-3').item, simulate: { subTask: 't1', failure: 'transient' as const } } };
    await expect(callModel(deps, failing)).rejects.toMatchObject({ name: 'ModelUnavailable' });
    await expect(callModel(deps, failing)).rejects.toMatchObject({ name: 'ModelUnavailable', message: expect.stringContaining('ledger') });
    expect(prompts).toEqual([]);
    expect((await ledgerItem('R-3', 't1#1'))?.calls?.N).toBe('1');
    expect((await budgetItem('exec-R-3'))?.calls).toBe(1);
  });

  it('calls the model again for the next attempt, which is a retry and not a repeat', async () => {
    const { model, prompts } = countingModel();
    const deps = depsOf(model);
    await callModel(deps, request('R-2', 1));
    await callModel(deps, request('R-2', 2));
    expect(prompts).toHaveLength(2);
  });

  it('reserves the estimate in the execution budget and the model windows, and settles both to the tokens the model reported', async () => {
    const { model } = countingModel();
    const deps = depsOf(model, { flowControlTable: 'flow', now: () => NOW });
    const modelId = 'settled';
    const answer = await callModel(deps, {
      ...request('R-4'),
      modelId,
      budget: { key: 'exec-R-4', maxTokens: 500, modelTokens: { perMinute: 1_000, perDay: 10_000 } },
    });
    expect(answer.tokens).toBe(7);
    expect(await budgetItem('exec-R-4')).toMatchObject({ calls: 1, tokens: 7, maxTokens: 500 });
    expect(await windowTokens(modelId)).toEqual([7, 7]);
  });

  it('fails if the model window is full, with TokenLimitReached, before calling the model or spending the execution budget', async () => {
    const { model, prompts } = countingModel();
    const deps = depsOf(model, { flowControlTable: 'flow', now: () => NOW });
    const modelId = 'full';
    const call = (requestId: string) =>
      callModel(deps, {
        ...request(requestId),
        modelId,
        budget: { key: `exec-${requestId}`, maxTokens: 500, modelTokens: { perMinute: 55 } },
      });
    await call('R-5');
    await expect(call('R-6')).rejects.toMatchObject({ name: 'TokenLimitReached' });
    expect(prompts).toEqual(['tides']);
    expect(await budgetItem('exec-R-6')).toBeUndefined();
    expect(await ledgerItem('R-6', 't1#1')).toBeUndefined();
  });

  it('fails if the execution has spent its tokens, with BudgetExhausted, and gives the model window back', async () => {
    const { model, prompts } = countingModel();
    const deps = depsOf(model, { flowControlTable: 'flow', now: () => NOW });
    const modelId = 'spent';
    const call = (attempt: number) =>
      callModel(deps, {
        ...request('R-7', attempt),
        modelId,
        budget: { key: 'exec-R-7', maxTokens: 60, modelTokens: { perMinute: 1_000 } },
      });
    await call(1);
    // 7 used; the next call's estimate of 50 makes 57, within 60; the third's would make 64.
    await call(2);
    await expect(call(3)).rejects.toMatchObject({
      name: 'BudgetExhausted',
      message: 'the budget of 60 tokens is spent (exec-R-7): 14 used or reserved, this call needs up to 50',
    });
    expect(prompts).toHaveLength(2);
    expect((await windowTokens(modelId))[0]).toBe(14);
  });
});
