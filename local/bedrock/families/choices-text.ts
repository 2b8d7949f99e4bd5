import {
  type Body,
  type ChatCodec,
  numberOf,
  pieces,
  promptRequest,
  requiredString,
  type Settled,
  stringsOf,
  textOf,
  withMetrics,
} from './shared.js';

/**
 * The text completion DeepSeek (R1, V3.1) and Writer Palmyra speak in InvokeModel: `{prompt,
 * temperature, top_p, max_tokens, stop}` answered by `{choices: [{text, stop_reason}]}`
 * (`stop` or `length`), streamed as the same shape piece by piece.
 */
export const choicesTextCodec: ChatCodec = {
  request: (modelId, body) =>
    promptRequest(modelId, requiredString(body, 'prompt'), {
      maxTokens: numberOf(body, 'max_tokens'),
      temperature: numberOf(body, 'temperature'),
      topP: numberOf(body, 'top_p'),
      stop: stringsOf(body, 'stop'),
    }),
  response: (_modelId, settled) => ({ choices: [{ text: textOf(settled.content), stop_reason: stopReason(settled) }] }),
  stream(_modelId, settled) {
    const parts = pieces(textOf(settled.content));
    const chunks: Body[] = parts.map((text, index) => ({
      choices: [{ text, stop_reason: index === parts.length - 1 ? stopReason(settled) : null }],
    }));
    return withMetrics(chunks, settled);
  },
};

const stopReason = (settled: Settled) => (settled.stopReason === 'max_tokens' ? 'length' : 'stop');
