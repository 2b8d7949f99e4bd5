import {
  type ChatCodec,
  completionRequest,
  isObject,
  jsonType,
  malformed,
  pieceChunks,
  requiredString,
  type Settled,
  textOf,
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
    const keys = { maxTokens: 'maxTokenCount', temperature: 'temperature', topP: 'topP', stop: 'stopSequences' };
    return completionRequest(modelId, inputText, config, keys, '/textGenerationConfig');
  },
  response: (_modelId, settled) => ({
    inputTextTokenCount: settled.usage.inputTokens,
    results: [{ tokenCount: settled.usage.outputTokens, outputText: textOf(settled.content), completionReason: completionReason(settled) }],
  }),
  stream: (_modelId, settled) =>
    pieceChunks(settled, (outputText, index, last) => ({
      outputText,
      index: 0,
      totalOutputTextTokenCount: last ? settled.usage.outputTokens : null,
      completionReason: last ? completionReason(settled) : null,
      inputTextTokenCount: index === 0 ? settled.usage.inputTokens : null,
    })),
};

function completionReason(settled: Settled): string {
  if (settled.stopReason === 'max_tokens') return 'LENGTH';
  return settled.stopReason === 'stop_sequence' ? 'STOP_CRITERIA_MET' : 'FINISHED';
}
