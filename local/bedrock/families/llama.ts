import { type Body, type ChatCodec, numberOf, pieces, promptRequest, requiredString, type Settled, textOf, withMetrics } from './shared.js';

/**
 * Meta Llama's body: `{prompt, max_gen_len, temperature, top_p}` answered by `{generation,
 * prompt_token_count, generation_token_count, stop_reason}`; streamed as the same fields per
 * piece, the counts and stop reason in the last.
 */
export const llamaCodec: ChatCodec = {
  request: (modelId, body) =>
    promptRequest(modelId, requiredString(body, 'prompt'), {
      maxTokens: numberOf(body, 'max_gen_len'),
      temperature: numberOf(body, 'temperature'),
      topP: numberOf(body, 'top_p'),
    }),
  response: (_modelId, settled) => ({
    generation: textOf(settled.content),
    prompt_token_count: settled.usage.inputTokens,
    generation_token_count: settled.usage.outputTokens,
    stop_reason: stopReason(settled),
  }),
  stream(_modelId, settled) {
    const parts = pieces(textOf(settled.content));
    const chunks: Body[] = parts.map((generation, index) => ({
      generation,
      prompt_token_count: index === 0 ? settled.usage.inputTokens : null,
      generation_token_count: index + 1,
      stop_reason: null,
    }));
    chunks.push({
      generation: '',
      prompt_token_count: null,
      generation_token_count: settled.usage.outputTokens,
      stop_reason: stopReason(settled),
    });
    return withMetrics(chunks, settled);
  },
};

const stopReason = (settled: Settled) => (settled.stopReason === 'max_tokens' ? 'length' : 'stop');
