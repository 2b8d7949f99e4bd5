import { AwsError } from '../endpoint/aws-error.js';
import { BackendCall } from './backend-http.js';
import { type AnswerBlock, blocksText, type ContentBlock, type Message, type ModelAnswer, type ModelRequest } from './conversation.js';
import { parseArguments } from './families/chat-messages.js';
import { ModelErrorError } from './model-settings-errors.js';
import type { ModelBackend } from './simulated.js';
import type { StreamPiece } from './stream-relay.js';
import { responseFormat } from './structured-output.js';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * `openai:<base url>`: any OpenAI-compatible chat-completions server (Ollama, llama.cpp's
 * server, vLLM, LM Studio). Messages, system prompts, tools and tool choice, tool results,
 * stop sequences, inference settings and structured outputs (an output schema as
 * `response_format`, strict tools as strict functions) are translated to
 * `POST <base>/chat/completions`; its choice and usage back. `model` names the server's model (default: the Bedrock model id).
 * An unreachable server is ServiceUnavailableException, its 429 ThrottlingException, another
 * error status ModelErrorException, no answer within `timeoutMs` ModelTimeoutException.
 */
export class OpenAiBackend implements ModelBackend {
  readonly name: string;
  constructor(
    private readonly baseUrl: string,
    private readonly model: string | undefined,
    private readonly timeoutMs = 120_000,
  ) {
    this.name = `openai:${baseUrl}`;
  }

  async answer(request: ModelRequest): Promise<ModelAnswer> {
    const call = await this.#post(request, false);
    try {
      return chatAnswer(parseAnswer(await timed(call.text()), request.modelId));
    } finally {
      call.close();
    }
  }

  /** The answer streamed: `stream: true` with usage in the last chunk, its server-sent events read as they come. */
  async stream(request: ModelRequest): Promise<AsyncIterable<StreamPiece>> {
    const call = await this.#post(request, true);
    return streamPieces(serverSentData(call.chunks()));
  }

  /** Posts the chat request; a status other than 2xx is the error AWS would answer (the body read for its reason). */
  async #post(request: ModelRequest, stream: boolean): Promise<BackendCall> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    const body = {
      ...chatRequest(request, this.model ?? request.modelId),
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
    let call: BackendCall;
    try {
      call = await BackendCall.post(url, JSON.stringify(body), this.timeoutMs);
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw modelTimeout(error);
      throw new AwsError(
        'ServiceUnavailableException',
        `Bedrock is unable to process your request. (${this.name}: ${(error as Error).message})`,
        503,
        { cause: error },
      );
    }
    if (call.ok) return call;
    const text = await timed(call.text()).finally(() => call.close());
    if (call.status === 429) throw new AwsError('ThrottlingException', 'Too many requests, please wait before trying again.', 429);
    throw new ModelErrorError(`The model returned an error: ${call.status} ${text.slice(0, 500)}`, call.status, request.modelId);
  }
}

const modelTimeout = (cause: unknown) =>
  new AwsError('ModelTimeoutException', 'Model has timed out in processing the request. Try your request again.', 408, { cause });

/** A read of the answer's body: past the deadline, the error Bedrock answers for a model that took too long. */
async function timed<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    throw (error as Error).name === 'TimeoutError' ? modelTimeout(error) : error;
  }
}

function parseAnswer(text: string, modelId: string): Json {
  try {
    const value = JSON.parse(text) as unknown;
    if (isObject(value)) return value;
  } catch {
    // Answered below.
  }
  throw new ModelErrorError(`The model returned an answer that is not JSON: ${text.slice(0, 200)}`, 200, modelId);
}

/** A ModelRequest as a chat-completions request body. */
export function chatRequest(request: ModelRequest, model: string): Json {
  const system = blocksText(request.system);
  const choice = request.toolChoice;
  return {
    model,
    messages: [...(system === '' ? [] : [{ role: 'system', content: system }]), ...request.messages.flatMap(chatMessages)],
    ...(request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: 'function',
            function: {
              name: tool.name,
              ...(tool.description ? { description: tool.description } : {}),
              parameters: tool.inputSchema,
              ...(tool.strict ? { strict: true } : {}),
            },
          })),
          tool_choice:
            choice?.kind === 'any' ? 'required' : choice?.kind === 'tool' ? { type: 'function', function: { name: choice.name } } : 'auto',
        }),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    ...(request.stopSequences.length === 0 ? {} : { stop: request.stopSequences }),
    ...responseFormat(request),
  };
}

/** A Converse message as chat messages: a user's tool results become `tool` messages, an assistant's tool uses its `tool_calls`. */
function chatMessages(message: Message): Json[] {
  const text = blocksText(message.content.filter((block) => typeof block.text === 'string'));
  if (message.role === 'assistant') {
    const calls = message.content.flatMap((block) => (isObject(block.toolUse) ? [block.toolUse] : []));
    return [
      {
        role: 'assistant',
        content: text === '' ? null : text,
        ...(calls.length === 0
          ? {}
          : {
              tool_calls: calls.map((use) => ({
                id: use.toolUseId,
                type: 'function',
                function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) },
              })),
            }),
      },
    ];
  }
  const results = message.content.flatMap((block) => (isObject(block.toolResult) ? [block.toolResult] : []));
  return [
    ...results.map((result) => ({ role: 'tool', tool_call_id: result.toolUseId, content: toolResultText(result.content) })),
    ...(text === '' ? [] : [{ role: 'user', content: text }]),
  ];
}

function toolResultText(content: unknown): string {
  const blocks = Array.isArray(content) ? (content as ContentBlock[]) : [];
  return blocks.map((block) => (typeof block.text === 'string' ? block.text : JSON.stringify(block.json ?? block))).join('\n');
}

const STOP_REASONS: Readonly<Record<string, ModelAnswer['stopReason']>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
};

/** A chat-completions answer as a ModelAnswer. */
export function chatAnswer(body: Json): ModelAnswer {
  const choice = Array.isArray(body.choices) && isObject(body.choices[0]) ? body.choices[0] : {};
  const message = isObject(choice.message) ? choice.message : {};
  const content: AnswerBlock[] = [];
  if (typeof message.content === 'string' && message.content !== '') content.push({ text: message.content });
  for (const call of Array.isArray(message.tool_calls) ? message.tool_calls.filter(isObject) : []) {
    const fn = isObject(call.function) ? call.function : {};
    content.push({ toolUse: { toolUseId: String(call.id ?? ''), name: String(fn.name ?? ''), input: parseArguments(fn.arguments) } });
  }
  if (content.length === 0) content.push({ text: '' });
  const usage = isObject(body.usage) ? body.usage : undefined;
  return {
    content,
    stopReason: STOP_REASONS[String(choice.finish_reason)] ?? 'end_turn',
    ...(usage && typeof usage.prompt_tokens === 'number' && typeof usage.completion_tokens === 'number'
      ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
      : {}),
  };
}

/** The `data:` payloads of a server-sent event stream, parsed as JSON, up to `[DONE]`. */
async function* serverSentData(body: AsyncIterable<Uint8Array>): AsyncGenerator<Json> {
  const decoder = new TextDecoder();
  let buffered = '';
  let done = false;
  // Read to the end, past [DONE]: an answer left unread closes its connection instead of keeping it for the next call.
  for await (const bytes of body) {
    if (done) continue;
    buffered += decoder.decode(bytes, { stream: true });
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const data = /^data:\s?(.*)$/.exec(line.trim())?.[1];
      if (data === undefined || data === '') continue;
      done ||= data === '[DONE]';
      if (done) break;
      const value = JSON.parse(data) as unknown;
      if (isObject(value)) yield value;
    }
  }
}

/**
 * Chat-completions chunks as stream pieces: text deltas in one block, each tool call in a
 * block of its own (started by its id and name, then its argument fragments), the finish
 * reason and usage at the end.
 */
async function* streamPieces(chunks: AsyncIterable<Json>): AsyncGenerator<StreamPiece> {
  let next = 0;
  let textIndex: number | undefined;
  const toolIndex = new Map<number, number>();
  let stop: ModelAnswer['stopReason'] = 'end_turn';
  let usage: { inputTokens: number; outputTokens: number } | undefined;
  for await (const chunk of chunks) {
    const choice = Array.isArray(chunk.choices) && isObject(chunk.choices[0]) ? chunk.choices[0] : undefined;
    const delta = choice && isObject(choice.delta) ? choice.delta : {};
    if (typeof delta.content === 'string' && delta.content !== '') {
      textIndex ??= next++;
      yield { index: textIndex, text: delta.content };
    }
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isObject) : []) {
      const fn = isObject(call.function) ? call.function : {};
      const key = typeof call.index === 'number' ? call.index : 0;
      let index = toolIndex.get(key);
      if (index === undefined) {
        index = next++;
        toolIndex.set(key, index);
        yield { index, toolUse: { toolUseId: String(call.id ?? `call_${key}`), name: String(fn.name ?? '') } };
      }
      if (typeof fn.arguments === 'string' && fn.arguments !== '') yield { index, toolInput: fn.arguments };
    }
    if (choice && typeof choice.finish_reason === 'string') stop = STOP_REASONS[choice.finish_reason] ?? 'end_turn';
    const reported = isObject(chunk.usage) ? chunk.usage : undefined;
    if (reported && typeof reported.prompt_tokens === 'number' && typeof reported.completion_tokens === 'number') {
      usage = { inputTokens: reported.prompt_tokens, outputTokens: reported.completion_tokens };
    }
  }
  yield { stop, ...(usage ? { usage } : {}) };
}
