import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../../domain/index.js';
import { APP_ENV } from '../../../domain/wiring.js';
import { isPermanent } from '../../../lambdas/kit/errors.js';
import type { TicketClassifier } from '../../../lambdas/triage/classifier.js';
import { createClassifyHandler } from '../../../lambdas/triage/classify.js';

const context = { functionName: 'classify', awsRequestId: 'req-1' } as Context;
const ticket = { ticketId: 't-1', subject: 'Refund for a double charge', body: 'I was charged twice for my invoice.' };

describe('createClassifyHandler', () => {
  it("returns the classifier's answer for a ticket", async () => {
    const classifier: TicketClassifier = { classify: async () => ({ queue: 'billing', confidence: 0.9, model: 'fake' }) };
    await expect(createClassifyHandler(classifier)(ticket, context)).resolves.toEqual({ queue: 'billing', confidence: 0.9, model: 'fake' });
  });

  it('fails if the input is not a ticket, with the permanent InvalidTicket', async () => {
    const classify = vi.fn();
    const handler = createClassifyHandler({ classify });
    await expect(handler({ ticketId: '', subject: 'x' }, context)).rejects.toMatchObject({ name: 'InvalidTicket' });
    expect(classify).not.toHaveBeenCalled();
  });
});

describe('createClassifyHandler with simulated model failures', () => {
  afterEach(() => vi.unstubAllEnvs());
  const fake: TicketClassifier = { classify: async () => ({ queue: 'billing', confidence: 0.9, model: 'fake' }) };
  const simulate = (failure: string, times?: number) => [{ step: 'classify', failure, ...(times ? { times } : {}) }];

  it('fails the first attempts with the model error asked for, then classifies', async () => {
    vi.stubEnv(ENV.allowSimulatedFailures, 'true');
    const handler = createClassifyHandler(fake);
    const unavailable = { ...ticket, simulate: simulate('unavailable', 1) };
    await expect(handler({ ...unavailable, retryCount: 0 }, context)).rejects.toMatchObject({ name: 'ModelUnavailable' });
    await expect(handler({ ...unavailable, retryCount: 1 }, context)).resolves.toMatchObject({ queue: 'billing' });
    await expect(handler({ ...ticket, simulate: simulate('throttled'), retryCount: 7 }, context)).rejects.toMatchObject({
      name: 'ModelThrottled',
    });
    await expect(handler({ ...ticket, simulate: simulate('invalid-output'), retryCount: 0 }, context)).rejects.toMatchObject({
      name: 'ModelOutputInvalid',
    });
  });

  it('classifies a ticket whose simulate list is empty, as the flow passes it when the ticket asks for nothing', async () => {
    await expect(createClassifyHandler(fake)({ ...ticket, simulate: [], retryCount: 0 }, context)).resolves.toMatchObject({
      queue: 'billing',
    });
  });

  it('fails if a ticket asks for simulated failures where they are not allowed, before the model is called', async () => {
    const classify = vi.fn();
    const error = await createClassifyHandler({ classify })({ ...ticket, simulate: simulate('unavailable') }, context).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({ name: 'SimulationRefused' });
    expect(isPermanent(error as Error)).toBe(true);
    expect(classify).not.toHaveBeenCalled();
  });
});

describe('the classify entries', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('classifies with the local model read from the file beside the code', async () => {
    const { handler } = await import('../../../lambdas/triage/classify-local.js');
    const result = await handler(ticket, context);
    expect(result.queue).toBe('billing');
    expect(result.model).toMatch(/^local-logreg@[0-9a-f]{12}$/);
  });

  it('starts on Bedrock with the configured model id', async () => {
    vi.stubEnv(APP_ENV.bedrockModelId, 'eu.anthropic.claude-haiku-4-5-20251001-v1:0');
    const { handler } = await import('../../../lambdas/triage/classify-bedrock.js');
    expect(handler).toBeTypeOf('function');
  });

  it('fails to start on Bedrock if no model id is set', async () => {
    vi.stubEnv(APP_ENV.bedrockModelId, '');
    await expect(import('../../../lambdas/triage/classify-bedrock.js')).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringContaining(APP_ENV.bedrockModelId),
    });
  });
});
