import { type ChatCodec, completionRequest, pieceChunks, requiredString, type Settled, textOf } from './shared.js';

/**
 * Meta Llama's body: `{prompt, max_gen_len, temperature, top_p}` answered by `{generation,
 * prompt_token_count, generation_token_count, stop_reason}`; streamed as the same fields per
 * piece, the counts and stop reason in the last.
 */
export const llamaCodec: ChatCodec = {
  request: (modelId, body) =>
    completionRequest(modelId, requiredString(body, 'prompt'), body, {
      maxTokens: 'max_gen_len',
      temperature: 'temperature',
      topP: 'top_p',
    }),
  response: (_modelId, settled) => ({
    generation: textOf(settled.content),
    prompt_token_count: settled.usage.inputTokens,
    generation_token_count: settled.usage.outputTokens,
    stop_reason: stopReason(settled),
  }),
  stream: (_modelId, settled) =>
    pieceChunks(
      settled,
      (generation, index) => ({
        generation,
        prompt_token_count: index === 0 ? settled.usage.inputTokens : null,
        generation_token_count: index + 1,
        stop_reason: null,
      }),
      { generation: '', prompt_token_count: null, generation_token_count: settled.usage.outputTokens, stop_reason: stopReason(settled) },
    ),
};

const stopReason = (settled: Settled) => (settled.stopReason === 'max_tokens' ? 'length' : 'stop');
