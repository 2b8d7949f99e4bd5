import {
  type Body,
  type ChatCodec,
  isObject,
  jsonType,
  malformed,
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
 * Amazon Titan Text's body: `{inputText, textGenerationConfig: {temperature, topP,
 * maxTokenCount, stopSequences}}` answered by `{inputTextTokenCount, results: [{tokenCount,
 * outputText, completionReason}]}`; streamed as `{outputText, index, totalOutputTextTokenCount,
 * completionReason, inputTextTokenCount}` pieces.
 */
export const titanTextCodec: ChatCodec = {
  request(modelId, body) {
    const inputText = requiredString(body, 'inputText');
    const config = body.textGenerationConfig ?? {};
    if (!isObject(config)) throw malformed(`expected type: JSONObject, found: ${jsonType(config)}`, '/textGenerationConfig');
    return promptRequest(modelId, inputText, {
      maxTokens: numberOf(config, 'maxTokenCount', '/textGenerationConfig'),
      temperature: numberOf(config, 'temperature', '/textGenerationConfig'),
      topP: numberOf(config, 'topP', '/textGenerationConfig'),
      stop: stringsOf(config, 'stopSequences'),
    });
  },
  response: (_modelId, settled) => ({
    inputTextTokenCount: settled.usage.inputTokens,
    results: [{ tokenCount: settled.usage.outputTokens, outputText: textOf(settled.content), completionReason: completionReason(settled) }],
  }),
  stream(_modelId, settled) {
    const parts = pieces(textOf(settled.content));
    const chunks: Body[] = parts.map((outputText, index) => ({
      outputText,
      index: 0,
      totalOutputTextTokenCount: index === parts.length - 1 ? settled.usage.outputTokens : null,
      completionReason: index === parts.length - 1 ? completionReason(settled) : null,
      inputTextTokenCount: index === 0 ? settled.usage.inputTokens : null,
    }));
    return withMetrics(chunks, settled);
  },
};

function completionReason(settled: Settled): string {
  if (settled.stopReason === 'max_tokens') return 'LENGTH';
  return settled.stopReason === 'stop_sequence' ? 'STOP_CRITERIA_MET' : 'FINISHED';
}
