import { PieceTally, type RelayContext, type StreamPiece } from '../stream-relay.js';
import { chatMessagesRequest, finishReason, RESPONSE_FORMAT_FIELD, toolCalls } from './chat-messages.js';
import { answerId, type Body, type ChatCodec, pieces, type Settled, textOf, withMetrics } from './shared.js';

const message = (settled: Settled): Body => {
  const calls = toolCalls(settled.content);
  const text = textOf(settled.content);
  return { role: 'assistant', content: text === '' && calls ? null : text, ...(calls ? { tool_calls: calls } : {}) };
};

/** A settled answer's usage as chat completions report it. */
export const completionUsage = (settled: Pick<Settled, 'usage'>) => ({
  prompt_tokens: settled.usage.inputTokens,
  completion_tokens: settled.usage.outputTokens,
  total_tokens: settled.usage.inputTokens + settled.usage.outputTokens,
});

/** The deltas of a streamed chat completion: the role, the text piece by piece, then each tool call whole. */
function deltas(settled: Settled): Body[] {
  const text = textOf(settled.content);
  const calls = toolCalls(settled.content) ?? [];
  return [
    { role: 'assistant', content: '' },
    ...(text === '' ? [] : pieces(text).map((content) => ({ content }))),
    ...calls.map((call, index) => ({ tool_calls: [{ index, ...call }] })),
  ];
}

/**
 * OpenAI's chat completions, the InvokeModel body of gpt-oss and of the open-weight models
 * Bedrock serves with it (Qwen, Gemma, MiniMax, Kimi, Nemotron, GLM, ...): `{messages,
 * max_completion_tokens | max_tokens, temperature, top_p, stop, tools, tool_choice,
 * response_format}` answered
 * by `{id, object: 'chat.completion', created, model, choices, usage}`, streamed as
 * `chat.completion.chunk`s.
 */
export const chatCompletionsCodec: ChatCodec = {
  request: chatMessagesRequest,
  outputField: () => RESPONSE_FORMAT_FIELD,
  response: (modelId, settled) => ({
    id: `chatcmpl-${answerId(settled.content)}`,
    object: 'chat.completion',
    created: Math.floor((settled.at ?? 0) / 1000),
    model: modelId,
    choices: [{ index: 0, message: message(settled), finish_reason: finishReason(String(settled.stopReason)) }],
    usage: completionUsage(settled),
  }),
  stream(modelId, settled) {
    const chunks = completionChunks(modelId, settled);
    const last = chunks.length - 1;
    return withMetrics(
      chunks.map((chunk, index) => (index === last ? { ...chunk, usage: completionUsage(settled) } : chunk)),
      settled,
    );
  },
};

/**
 * A settled answer as the `chat.completion.chunk`s of a streamed chat completion: the role,
 * the text piece by piece, each tool call whole, then a chunk with the finish reason. What
 * InvokeModelWithResponseStream and the OpenAI-compatible Chat Completions API both send.
 */
export function completionChunks(modelId: string, settled: Settled): Body[] {
  const head = {
    id: `chatcmpl-${answerId(settled.content)}`,
    object: 'chat.completion.chunk',
    created: Math.floor((settled.at ?? 0) / 1000),
    model: modelId,
  };
  return [
    ...deltas(settled).map((delta) => ({ ...head, choices: [{ index: 0, delta, finish_reason: null }] })),
    { ...head, choices: [{ index: 0, delta: {}, finish_reason: finishReason(String(settled.stopReason)) }] },
  ];
}

/**
 * AI21's Jamba: the chat-completions request, answered by `{id, choices, usage, meta, model}`
 * and streamed as `{id, choices: [{index, delta, finish_reason}], usage}` chunks.
 */
export const ai21ChatCodec: ChatCodec = {
  request: chatMessagesRequest,
  outputField: () => RESPONSE_FORMAT_FIELD,
  response: (modelId, settled) => ({
    id: `chatcmpl-${answerId(settled.content)}`,
    choices: [{ index: 0, message: message(settled), finish_reason: finishReason(String(settled.stopReason)) }],
    usage: completionUsage(settled),
    meta: { requestDurationMillis: settled.latencyMs },
    model: modelId.replace(/^ai21\./, '').replace(/-v\d+:\d+$/, ''),
  }),
  stream(_modelId, settled) {
    const id = `chatcmpl-${answerId(settled.content)}`;
    const chunks: Body[] = deltas(settled).map((delta) => ({ id, choices: [{ index: 0, delta, finish_reason: null }], usage: null }));
    chunks.push({
      id,
      choices: [{ index: 0, delta: {}, finish_reason: finishReason(String(settled.stopReason)) }],
      usage: completionUsage(settled),
    });
    return withMetrics(chunks, settled);
  },
};

/**
 * A streamed answer's pieces as `chat.completion.chunk`s as they come (the OpenAI-compatible
 * API's stream from a backend that streams): the role, the text deltas, each tool call started
 * with its id and name then its argument fragments, then the finish reason, and with
 * `includeUsage` every chunk's `usage: null` and a last chunk with the usage. `head` is every
 * chunk's id, object, created and model. A failure midway is told to `context.failed` and thrown.
 */
export async function* relayChunks(
  pieces: AsyncIterable<StreamPiece>,
  context: RelayContext,
  head: Body,
  includeUsage: boolean,
): AsyncGenerator<Body> {
  const chunk = (delta: Body, finish: string | null = null): Body => ({
    ...head,
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  yield chunk({ role: 'assistant', content: '' });
  const calls = new Map<number, number>();
  const tally = new PieceTally();
  try {
    for await (const piece of pieces) {
      if (!tally.count(piece)) continue;
      if ('text' in piece) yield chunk({ content: piece.text });
      else if ('toolUse' in piece) {
        const index = calls.size;
        calls.set(piece.index, index);
        const { toolUseId: id, name } = piece.toolUse;
        yield chunk({ tool_calls: [{ index, id, type: 'function', function: { name, arguments: '' } }] });
      } else yield chunk({ tool_calls: [{ index: calls.get(piece.index) ?? 0, function: { arguments: piece.toolInput } }] });
    }
  } catch (error) {
    context.failed(error as Error);
    throw error;
  }
  const settled = tally.settle(context);
  yield chunk({}, finishReason(tally.stop));
  if (includeUsage) yield { ...head, choices: [], usage: completionUsage(settled) };
}
