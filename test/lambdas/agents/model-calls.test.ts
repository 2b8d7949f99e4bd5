import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callModel } from '../../../lambdas/agents/model-calls.js';
import type { ResearchModel } from '../../../lambdas/agents/research.js';
import { type DynaliteHandle, startDynalite } from '../../helpers/dynalite.js';

let dynamo: DynaliteHandle;
beforeAll(async () => {
  dynamo = await startDynalite();
  await dynamo.createTable('budget', 'budgetKey');
  await dynamo.createTable('ledger', 'requestId', 'call');
});
afterAll(async () => dynamo.close());

function countingModel() {
  const prompts: string[] = [];
  const model: ResearchModel = {
    complete: async ({ prompt }) => {
      prompts.push(prompt);
      return { text: `answer to ${prompt}`, inputTokens: 3, outputTokens: 4 };
    },
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

async function ledgerItem(requestId: string, call: string) {
  const { Item } = await dynamo.client.send(
    new GetItemCommand({ TableName: 'ledger', Key: { requestId: { S: requestId }, call: { S: call } }, ConsistentRead: true }),
  );
  return Item;
}

describe('callModel', () => {
  it('answers an attempt run a second time from the ledger, without calling the model or spending the budget again', async () => {
    const { model, prompts } = countingModel();
    const deps = { dynamodb: dynamo.client, model, budgetTable: 'budget', ledgerTable: 'ledger' };
    const first = await callModel(deps, request('R-1'));
    const again = await callModel(deps, request('R-1'));
    expect(again).toEqual(first);
    expect(prompts).toEqual(['tides']);
    expect((await ledgerItem('R-1', 't1#1'))?.calls?.N).toBe('1');
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: 'budget', Key: { budgetKey: { S: 'exec-R-1' } } }));
    expect(Item?.calls?.N).toBe('1');
  });

  it('fails an attempt run a second time with the error it failed with, without spending the budget again', async () => {
    const { model, prompts } = countingModel();
    const deps = { dynamodb: dynamo.client, model, budgetTable: 'budget', ledgerTable: 'ledger' };
    const failing = { ...request('R-3'), item: { ...request('R-3').item, simulate: { subTask: 't1', failure: 'transient' as const } } };
    await expect(callModel(deps, failing)).rejects.toMatchObject({ name: 'ModelUnavailable' });
    await expect(callModel(deps, failing)).rejects.toMatchObject({ name: 'ModelUnavailable', message: expect.stringContaining('ledger') });
    expect(prompts).toEqual([]);
    expect((await ledgerItem('R-3', 't1#1'))?.calls?.N).toBe('1');
    const { Item } = await dynamo.client.send(new GetItemCommand({ TableName: 'budget', Key: { budgetKey: { S: 'exec-R-3' } } }));
    expect(Item?.calls?.N).toBe('1');
  });

  it('calls the model again for the next attempt, which is a retry and not a repeat', async () => {
    const { model, prompts } = countingModel();
    const deps = { dynamodb: dynamo.client, model, budgetTable: 'budget', ledgerTable: 'ledger' };
    await callModel(deps, request('R-2', 1));
    await callModel(deps, request('R-2', 2));
    expect(prompts).toHaveLength(2);
  });
});
