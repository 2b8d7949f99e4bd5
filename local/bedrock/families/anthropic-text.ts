import type { ModelRequest } from '../conversation.js';
import { type Body, completionRequest, malformed, pieceChunks, requiredString, type Settled, textOf } from './shared.js';

/**
 * Anthropic's Text Completions API, which Claude v2, v2.1 and Instant v1.2 take on InvokeModel
 * beside the Messages API: `{prompt: "\n\nHuman:...\n\nAssistant:", max_tokens_to_sample,
 * temperature, top_p, top_k, stop_sequences}` (no `anthropic_version`), answered by
 * `{completion, stop_reason, stop}` and streamed as such pieces, the stop reason on the last.
 * https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-text-completion.html
 */
export const TEXT_COMPLETION_MODELS = /^anthropic\.claude-(v2|instant-v1)\b/;

/** Whether a body for `modelId` is a Text Completions one: a `prompt` and no `messages`, to a model that takes them. */
export const isTextCompletion = (modelId: string, body: Body) =>
  TEXT_COMPLETION_MODELS.test(modelId) && body.prompt !== undefined && body.messages === undefined;

/** The built-in stop sequence Claude ends a turn at. */
const HUMAN_TURN = '\n\nHuman:';

export function textCompletionRequest(modelId: string, body: Body): ModelRequest {
  const prompt = requiredString(body, 'prompt');
  if (body.max_tokens_to_sample === undefined) throw malformed('required key [max_tokens_to_sample] not found');
  // The conversation's user turn is the prompt without its Human/Assistant framing.
  const text = prompt.replace(/^\s*Human:\s*/, '').replace(/\s*Assistant:\s*$/, '');
  const keys = { maxTokens: 'max_tokens_to_sample', temperature: 'temperature', topP: 'top_p', stop: 'stop_sequences' };
  return completionRequest(modelId, text, body, keys);
}

export function textCompletionResponse(settled: Settled): Body {
  return { type: 'completion', completion: textOf(settled.content), ...stopOf(settled) };
}

export function textCompletionStream(settled: Settled): Body[] {
  return pieceChunks(settled, (completion, _index, last) => ({
    type: 'completion',
    completion,
    ...(last ? stopOf(settled) : { stop_reason: null, stop: null }),
  }));
}

/** `stop_sequence` with the sequence met (Claude's own `\n\nHuman:` at the end of its turn), or `max_tokens`. */
function stopOf(settled: Settled): { stop_reason: string; stop: string | null } {
  if (settled.stopReason === 'max_tokens') return { stop_reason: 'max_tokens', stop: null };
  return { stop_reason: 'stop_sequence', stop: HUMAN_TURN };
}
