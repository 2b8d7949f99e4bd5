import { type BedrockRuntimeClient, type ConverseCommandOutput, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { BedrockTicketClassifier } from '../../../lambdas/triage/bedrock-classifier.js';

function answer(input: unknown): ConverseCommandOutput {
  return {
    $metadata: {},
    stopReason: 'tool_use',
    output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: '1', name: 'route_ticket', input: input as never } }] } },
    usage: { inputTokens: 180, outputTokens: 20, totalTokens: 200 },
    metrics: { latencyMs: 300 },
  };
}

function clientAnswering(respond: () => Promise<unknown>) {
  return { send: respond } as unknown as BedrockRuntimeClient;
}

const classify = (input: unknown) =>
  new BedrockTicketClassifier(
    clientAnswering(async () => answer(input)),
    'model-x',
  ).classify({ subject: 'refund', body: 'please' });

describe('BedrockTicketClassifier', () => {
  it('returns the queue and confidence of the tool call, with the tokens the model reported', async () => {
    await expect(classify({ queue: 'billing', confidence: 0.82 })).resolves.toEqual({
      queue: 'billing',
      confidence: 0.82,
      model: 'bedrock:model-x',
      usedTokens: 200,
    });
  });

  it('fails with ModelThrottled when Bedrock throttles, so the flow retries', async () => {
    const classifier = new BedrockTicketClassifier(
      clientAnswering(async () => {
        throw new ThrottlingException({ message: 'slow down', $metadata: {} });
      }),
      'model-x',
    );
    await expect(classifier.classify({ subject: '', body: '' })).rejects.toMatchObject({ name: 'ModelThrottled' });
  });

  it('fails if the model picked a queue that does not exist', async () => {
    await expect(classify({ queue: 'sales', confidence: 0.9 })).rejects.toMatchObject({
      name: 'ModelOutputInvalid',
      message: expect.stringContaining('queue'),
    });
  });

  it('fails if the confidence is not a probability', async () => {
    await expect(classify({ queue: 'billing', confidence: 7 })).rejects.toMatchObject({
      name: 'ModelOutputInvalid',
      message: expect.stringContaining('confidence'),
    });
  });

  it('fails if the model did not call the tool', async () => {
    const classifier = new BedrockTicketClassifier(
      clientAnswering(async () => ({
        $metadata: {},
        stopReason: 'end_turn',
        output: { message: { role: 'assistant', content: [{ text: 'billing' }] } },
      })),
      'model-x',
    );
    await expect(classifier.classify({ subject: '', body: '' })).rejects.toThrow(/did not call route_ticket/);
  });
});
