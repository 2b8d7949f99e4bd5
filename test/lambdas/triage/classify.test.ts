import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP_ENV } from '../../../domain/wiring.js';
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
