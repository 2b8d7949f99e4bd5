import { type BedrockRuntimeClient, type ConverseCommandOutput, ThrottlingException } from '@aws-sdk/client-bedrock-runtime';
import { describe, expect, it } from 'vitest';
import { BedrockTicketClassifier, parseToolAnswer } from '../../../lambdas/triage/bedrock-classifier.js';

function answer(input: unknown): ConverseCommandOutput {
  return {
    $metadata: {},
    stopReason: 'tool_use',
    output: { message: { role: 'assistant', content: [{ toolUse: { toolUseId: '1', name: 'route_ticket', input: input as never } }] } },
    usage: undefined,
    metrics: undefined,
  };
}

function clientAnswering(respond: () => Promise<unknown>) {
  return { send: respond } as unknown as BedrockRuntimeClient;
}

describe('BedrockTicketClassifier', () => {
  it('returns the queue and confidence of the tool call', async () => {
    const classifier = new BedrockTicketClassifier(
      clientAnswering(async () => answer({ queue: 'billing', confidence: 0.82 })),
      'model-x',
    );
    await expect(classifier.classify({ subject: 'refund', body: 'please' })).resolves.toEqual({
      queue: 'billing',
      confidence: 0.82,
      model: 'bedrock:model-x',
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
});

describe('parseToolAnswer', () => {
  it('fails if the model picked a queue that does not exist', () => {
    expect(() => parseToolAnswer(answer({ queue: 'sales', confidence: 0.9 }))).toThrow(
      expect.objectContaining({ name: 'ModelOutputInvalid', message: expect.stringContaining('"sales"') }),
    );
  });
  it('fails if the confidence is not a probability', () => {
    expect(() => parseToolAnswer(answer({ queue: 'billing', confidence: 7 }))).toThrow(/confidence 7/);
  });
  it('fails if the model did not call the tool', () => {
    expect(() =>
      parseToolAnswer({
        $metadata: {},
        stopReason: 'end_turn',
        output: { message: { role: 'assistant', content: [{ text: 'billing' }] } },
      } as ConverseCommandOutput),
    ).toThrow(/did not call route_ticket/);
  });
});
