import type { ContentBlock, Message, ModelRequest, ToolSpec } from '../conversation.js';
import {
  answerId,
  type Body,
  type ChatCodec,
  type CompletionKeys,
  completionRequest,
  isObject,
  malformed,
  pieceChunks,
  pieces,
  requiredString,
  type Settled,
  textOf,
  withMetrics,
} from './shared.js';

/**
 * Cohere Command. Command R and R+ (`{message, chat_history, preamble, documents, tools,
 * max_tokens, temperature, p, k, stop_sequences}`) answer `{response_id, text, generation_id,
 * chat_history, finish_reason}` (and `tool_calls`), streamed as `stream-start`,
 * `text-generation` and `stream-end` events; the older Command (`{prompt, max_tokens, ...}`)
 * answers `{id, generations: [{id, text, finish_reason}], prompt}`. A body is read by the key
 * it carries.
 */
export const cohereCommandCodec: ChatCodec = {
  request(modelId, body) {
    if (body.message === undefined && typeof body.prompt === 'string') {
      return completionRequest(modelId, body.prompt, body, KEYS);
    }
    return commandRRequest(modelId, body);
  },
  response: (_modelId, settled, body) => (isChat(body) ? chatResponse(settled, body) : generationsResponse(settled, body)),
  stream(_modelId, settled, body) {
    if (!isChat(body)) {
      const last = { is_finished: true, finish_reason: finishReason(settled), response: generationsResponse(settled, body) };
      return pieceChunks(settled, (piece) => ({ text: piece, is_finished: false }), last);
    }
    const text = textOf(settled.content);
    const generation_id = generationId(settled);
    const chunks: Body[] = [
      { is_finished: false, event_type: 'stream-start', generation_id },
      ...(text === '' ? [] : pieces(text).map((piece) => ({ is_finished: false, event_type: 'text-generation', text: piece }))),
      { is_finished: true, event_type: 'stream-end', finish_reason: finishReason(settled), response: chatResponse(settled, body) },
    ];
    return withMetrics(chunks, settled);
  },
};

const isChat = (body: Body) => body.message !== undefined || body.prompt === undefined;

const KEYS: CompletionKeys = { maxTokens: 'max_tokens', temperature: 'temperature', topP: 'p', stop: 'stop_sequences' };

function commandRRequest(modelId: string, body: Body): ModelRequest {
  const message = requiredString(body, 'message');
  const history = Array.isArray(body.chat_history) ? body.chat_history : [];
  const system: ContentBlock[] = typeof body.preamble === 'string' ? [{ text: body.preamble }] : [];
  const messages: Message[] = [];
  history.forEach((turn, index) => {
    if (!isObject(turn)) throw malformed('expected type: JSONObject, found: String', `/chat_history/${index}`);
    const text = String(turn.message ?? '');
    if (turn.role === 'SYSTEM') system.push({ text });
    else pushTurn(messages, turn.role === 'CHATBOT' ? 'assistant' : 'user', text);
  });
  const documents = Array.isArray(body.documents) ? body.documents.filter(isObject) : [];
  const context = documents.map((document) => Object.values(document).map(String).join(' ')).join('\n');
  pushTurn(messages, 'user', context === '' ? message : `${message}\n${context}`);
  const tools: ToolSpec[] = (Array.isArray(body.tools) ? body.tools : []).filter(isObject).map((tool) => ({
    name: String(tool.name ?? ''),
    ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
    inputSchema: parameterSchema(tool.parameter_definitions),
  }));
  return {
    ...completionRequest(modelId, '', body, KEYS),
    system,
    messages,
    tools,
    ...(tools.length > 0 ? { toolChoice: { kind: 'auto' as const } } : {}),
  };
}

/** Cohere's `parameter_definitions` (`{name: {type, description, required}}`) as a JSON schema. */
function parameterSchema(definitions: unknown): Record<string, unknown> {
  const entries = isObject(definitions) ? Object.entries(definitions).filter(([, value]) => isObject(value)) : [];
  const typeOf = (type: unknown) => ({ str: 'string', int: 'integer', float: 'number', bool: 'boolean' })[String(type)] ?? 'string';
  return {
    type: 'object',
    properties: Object.fromEntries(entries.map(([name, value]) => [name, { type: typeOf((value as Body).type) }])),
    required: entries.filter(([, value]) => (value as Body).required === true).map(([name]) => name),
  };
}

function pushTurn(messages: Message[], role: Message['role'], text: string): void {
  const last = messages.at(-1);
  if (last?.role === role) messages[messages.length - 1] = { role, content: [...last.content, { text }] };
  else messages.push({ role, content: [{ text }] });
}

const generationId = (settled: Settled) => {
  const hex = answerId(settled.content, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

const finishReason = (settled: Settled) => (settled.stopReason === 'max_tokens' ? 'MAX_TOKENS' : 'COMPLETE');

function chatResponse(settled: Settled, body: Body): Body {
  const text = textOf(settled.content);
  const calls = settled.content.flatMap((block) =>
    'toolUse' in block ? [{ name: block.toolUse.name, parameters: block.toolUse.input }] : [],
  );
  const history = Array.isArray(body.chat_history) ? body.chat_history : [];
  return {
    response_id: answerId([settled.content, 'response'], 32),
    text,
    generation_id: generationId(settled),
    chat_history: [...history, { role: 'USER', message: String(body.message ?? '') }, { role: 'CHATBOT', message: text }],
    finish_reason: finishReason(settled),
    ...(calls.length > 0 ? { tool_calls: calls } : {}),
  };
}

function generationsResponse(settled: Settled, body: Body): Body {
  return {
    id: generationId(settled),
    generations: [
      { id: answerId([settled.content, 'generation'], 32), text: textOf(settled.content), finish_reason: finishReason(settled) },
    ],
    prompt: String(body.prompt ?? ''),
  };
}
