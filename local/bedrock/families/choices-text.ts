import { type ChatCodec, completionRequest, pieceChunks, requiredString, type Settled, TEXT_COMPLETION_KEYS, textOf } from './shared.js';

/**
 * The text completion DeepSeek (R1, V3.1) and Writer Palmyra speak in InvokeModel: `{prompt,
 * temperature, top_p, max_tokens, stop}` answered by `{choices: [{text, stop_reason}]}`
 * (`stop` or `length`), streamed as the same shape piece by piece.
 */
export const choicesTextCodec: ChatCodec = {
  request: (modelId, body) => completionRequest(modelId, requiredString(body, 'prompt'), body, TEXT_COMPLETION_KEYS),
  response: (_modelId, settled) => ({ choices: [{ text: textOf(settled.content), stop_reason: stopReason(settled) }] }),
  stream: (_modelId, settled) =>
    pieceChunks(settled, (text, _index, last) => ({ choices: [{ text, stop_reason: last ? stopReason(settled) : null }] })),
};

const stopReason = (settled: Settled) => (settled.stopReason === 'max_tokens' ? 'length' : 'stop');
