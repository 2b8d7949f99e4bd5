import type { ModelRequest } from './conversation.js';
import { anthropicCodec } from './families/anthropic.js';
import { ai21ChatCodec, chatCompletionsCodec } from './families/chat-completions.js';
import { choicesTextCodec } from './families/choices-text.js';
import { cohereCommandCodec } from './families/cohere-command.js';
import { llamaCodec } from './families/llama.js';
import { mistralCodec } from './families/mistral.js';
import { novaCodec } from './families/nova.js';
import type { Body, ChatCodec, Settled } from './families/shared.js';
import { titanTextCodec } from './families/titan-text.js';
import type { FoundationModel } from './model-ids.js';

export { embeddingResponse } from './families/embeddings.js';
export { imageResponse } from './families/images.js';
export { malformed, type Settled, textOf } from './families/shared.js';

/** Each chat codec's reader and writer (one file per family under families/). */
const CHAT_CODECS: Readonly<Record<string, ChatCodec>> = {
  anthropic: anthropicCodec,
  nova: novaCodec,
  llama: llamaCodec,
  'titan-text': titanTextCodec,
  mistral: mistralCodec,
  'cohere-command': cohereCommandCodec,
  'chat-completions': chatCompletionsCodec,
  'ai21-chat': ai21ChatCodec,
  'choices-text': choicesTextCodec,
};

function codecOf(model: FoundationModel): ChatCodec {
  const codec = CHAT_CODECS[model.codec];
  if (!codec) throw new TypeError(`${model.id} has no chat codec (${model.codec})`);
  return codec;
}

/** Reads a chat model's native InvokeModel body into a ModelRequest (the conversation form every backend answers). */
export const nativeRequest = (model: FoundationModel, body: Body): ModelRequest => codecOf(model).request(model.id, body);

/**
 * The field of a chat model's native body its structured output's schema came in, as the
 * model's refusals name it: the family's own, else Converse's (Nova's body is Converse's).
 */
export const nativeOutputField = (model: FoundationModel, body: Body): string =>
  codecOf(model).outputField?.(body) ?? 'outputConfig.textFormat';

/** The native answer body of a chat model. */
export const nativeResponse = (model: FoundationModel, settled: Settled, body: Body): Body =>
  codecOf(model).response(model.id, settled, body);

/** The chunks InvokeModelWithResponseStream sends for a chat model, in its native streaming format. */
export const nativeStreamChunks = (model: FoundationModel, settled: Settled, body: Body): Body[] =>
  codecOf(model).stream(model.id, settled, body);
