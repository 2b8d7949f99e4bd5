import { converseRequest } from '../conversation.js';
import { type Body, type ChatCodec, invocationMetrics, isObject, malformed, type Settled } from './shared.js';

/** Amazon Nova's messages-v1 body: Converse's messages and system, its own `inferenceConfig` names. */
export const novaCodec: ChatCodec = {
  request(modelId, body) {
    if (!Array.isArray(body.messages)) throw malformed('required key [messages] not found');
    const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
    const maxTokens = inference.maxTokens ?? inference.max_new_tokens;
    const topP = inference.topP ?? inference.top_p;
    return converseRequest(modelId, {
      ...body,
      inferenceConfig: {
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(inference.temperature === undefined ? {} : { temperature: inference.temperature }),
        ...(topP === undefined ? {} : { topP }),
        ...(inference.stopSequences === undefined ? {} : { stopSequences: inference.stopSequences }),
      },
    });
  },
  response: novaResponse,
  stream(modelId, settled) {
    const final = novaResponse(modelId, settled);
    return [
      { messageStart: { role: 'assistant' } },
      ...settled.content.map((block, contentBlockIndex) => ({ contentBlockDelta: { delta: block, contentBlockIndex } })),
      { contentBlockStop: { contentBlockIndex: Math.max(0, settled.content.length - 1) } },
      { messageStop: { stopReason: settled.stopReason } },
      { metadata: { usage: final.usage, metrics: {}, trace: {} }, ...invocationMetrics(settled) },
    ];
  },
};

function novaResponse(_modelId: string, settled: Settled): Body {
  const { usage } = settled;
  return {
    output: { message: { role: 'assistant', content: settled.content } },
    stopReason: settled.stopReason,
    usage: {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens,
      cacheReadInputTokenCount: usage.cacheReadInputTokens,
      cacheWriteInputTokenCount: usage.cacheWriteInputTokens,
    },
  };
}
