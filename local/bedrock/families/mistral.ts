import { chatMessagesRequest, finishReason, RESPONSE_FORMAT_FIELD, toolCalls } from './chat-messages.js';
import { type Body, type ChatCodec, completionRequest, pieceChunks, requiredString, TEXT_COMPLETION_KEYS, textOf } from './shared.js';

/**
 * Mistral AI's two bodies. Text completion (`{prompt, max_tokens, stop, temperature, top_p,
 * top_k}`, the `[INST]` template in the prompt) answered by `{outputs: [{text, stop_reason}]}`;
 * chat completion (`{messages, tools, tool_choice, max_tokens, temperature, top_p,
 * response_format}`, Mistral Large 2407 and later) answered by `{choices: [{index, message,
 * stop_reason}]}`. A body is read by the key it carries, so either model takes either shape,
 * as Mistral's own API does.
 */
export const mistralCodec: ChatCodec = {
  request(modelId, body) {
    if (Array.isArray(body.messages)) return chatMessagesRequest(modelId, body);
    return completionRequest(modelId, requiredString(body, 'prompt'), body, TEXT_COMPLETION_KEYS);
  },
  outputField: () => RESPONSE_FORMAT_FIELD,
  response(_modelId, settled, body) {
    const stop_reason = finishReason(String(settled.stopReason));
    const text = textOf(settled.content);
    if (!isChat(body)) return { outputs: [{ text, stop_reason }] };
    return { choices: [{ index: 0, message: chatMessage(text, toolCalls(settled.content)), stop_reason }] };
  },
  stream(_modelId, settled, body) {
    const stop = (last: boolean) => (last ? finishReason(String(settled.stopReason)) : null);
    const calls = toolCalls(settled.content);
    return isChat(body)
      ? pieceChunks(settled, (text, _index, last) => ({
          choices: [{ index: 0, message: chatMessage(text, last ? calls : undefined), stop_reason: stop(last) }],
        }))
      : pieceChunks(settled, (text, _index, last) => ({ outputs: [{ text, stop_reason: stop(last) }] }));
  },
};

const isChat = (body: Body) => Array.isArray(body.messages);

const chatMessage = (text: string, calls: Body[] | undefined): Body => ({
  role: 'assistant',
  content: text,
  ...(calls ? { tool_calls: calls } : {}),
});
