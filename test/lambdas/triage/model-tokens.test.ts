import { describe, expect, it, vi } from 'vitest';
import { TokenBudget } from '../../../lambdas/kit/flow-control/token-budget.js';
import { estimateClassifyTokens, ModelTokenBudget, modelTokenBudgetFromEnv } from '../../../lambdas/triage/model-tokens.js';
import { useDynamoDb } from '../../helpers/dynamodb-engine.js';
import { flowControlStore, TestClock } from '../../helpers/flow-control.js';

const ticket = { subject: 'Refund', body: 'I was charged twice.' };
const estimate = estimateClassifyTokens(ticket);

describe('ModelTokenBudget', () => {
  const dynamo = useDynamoDb();

  async function budget(perMinute: number) {
    const clock = new TestClock(Date.UTC(2026, 0, 1, 0, 0, 5));
    const store = await flowControlStore(dynamo, clock);
    const tokens = new ModelTokenBudget(new TokenBudget(store), { model: 'haiku', limits: { perMinute } });
    return { tokens, clock };
  }
  const answer = (usedTokens?: number) => async () => ({ queue: 'billing' as const, confidence: 0.9, model: 'fake', usedTokens });

  it('calls the model while the minute window has room, settling each call to the tokens the model reported', async () => {
    // Two estimates fit, but the first call settles to 50 tokens, which leaves room for a third.
    const { tokens } = await budget(estimate * 2 + 60);
    await tokens.call(ticket, answer(50));
    await tokens.call(ticket, answer(50));
    await expect(tokens.call(ticket, answer(50))).resolves.toMatchObject({ queue: 'billing' });
  });

  it('fails with TokenLimitReached before the model is called when the window is full, and has room in the next minute', async () => {
    const { tokens, clock } = await budget(estimate);
    await tokens.call(ticket, answer());
    const model = vi.fn(answer());
    await expect(tokens.call(ticket, model)).rejects.toMatchObject({
      name: 'TokenLimitReached',
      message: expect.stringMatching(/retry in \d+ s/),
    });
    expect(model).not.toHaveBeenCalled();
    clock.advance(60_000);
    await expect(tokens.call(ticket, model)).resolves.toMatchObject({ queue: 'billing' });
  });

  it('gives the reservation back when the model call fails, so the failed call costs the window nothing', async () => {
    const { tokens } = await budget(estimate);
    await expect(
      tokens.call(ticket, async () => {
        throw new Error('model down');
      }),
    ).rejects.toThrow('model down');
    await expect(tokens.call(ticket, answer())).resolves.toMatchObject({ queue: 'billing' });
  });
});

describe('modelTokenBudgetFromEnv', () => {
  const client = {} as never;

  it('is undefined when TicketTriage set no budget', () => {
    expect(modelTokenBudgetFromEnv(client, {})).toBeUndefined();
  });

  it('fails if the limits are malformed or the flow control table is missing', () => {
    expect(() =>
      modelTokenBudgetFromEnv(client, { MODEL_TOKEN_LIMITS: '{"model":"m","limits":{"perMinute":0}}', FLOW_CONTROL_TABLE_NAME: 't' }),
    ).toThrow(expect.objectContaining({ name: 'ConfigError' }));
    expect(() => modelTokenBudgetFromEnv(client, { MODEL_TOKEN_LIMITS: '{"model":"m","limits":{"perMinute":10}}' })).toThrow(
      'FLOW_CONTROL_TABLE_NAME',
    );
  });
});
