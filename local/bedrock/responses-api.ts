import type { StopReason } from './conversation.js';
import { toolCalls } from './families/chat-messages.js';
import { answerId, type Body, isObject, pieces, type Settled, textOf } from './families/shared.js';
import { PieceTally, type StreamPiece } from './stream-relay.js';

/**
 * OpenAI's Responses API as Bedrock serves it on bedrock-runtime (`POST /openai/v1/responses`,
 * https://docs.aws.amazon.com/bedrock/latest/userguide/inference-responses-api.html: always
 * synchronous, no server-side tools, the default project only). A request is read by turning
 * it into the chat-completions body it means, which chat-messages.ts reads as every
 * chat-completions body is (one mapping); the settled answer is written back as a response
 * object and, streamed, as its server-sent events.
 */

/** Why a Responses body is refused: the OpenAI error's message, and the parameter it names. */
export class ResponsesInputError extends Error {
  override readonly name = 'ResponsesInputError';
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/**
 * A Responses request as a chat-completions body: `instructions` as a system message, `input`
 * (a string, or message, `function_call` and `function_call_output` items) as messages, the
 * function tools and tool choice, `text.format` as `response_format`, `max_output_tokens` as
 * `max_tokens`.
 */
export function chatBodyOfResponse(body: Body): Body {
  const messages: Body[] = [];
  if (typeof body.instructions === 'string' && body.instructions !== '') messages.push({ role: 'system', content: body.instructions });
  if (typeof body.input === 'string') messages.push({ role: 'user', content: body.input });
  else if (Array.isArray(body.input)) messages.push(...body.input.map(inputMessage));
  else throw new ResponsesInputError("Missing required parameter: 'input'.", 'input');
  const tools = Array.isArray(body.tools) ? body.tools.map(chatTool) : undefined;
  const format = isObject(body.text) && isObject(body.text.format) ? body.text.format : undefined;
  return {
    messages,
    ...(tools && tools.length > 0 ? { tools } : {}),
    ...(body.tool_choice === undefined ? {} : { tool_choice: chatToolChoice(body.tool_choice) }),
    ...(format ? { response_format: responseFormatOf(format) } : {}),
    ...(body.max_output_tokens === undefined ? {} : { max_tokens: body.max_output_tokens }),
    ...(body.temperature === undefined ? {} : { temperature: body.temperature }),
    ...(body.top_p === undefined ? {} : { top_p: body.top_p }),
  };
}

function inputMessage(item: unknown, index: number): Body {
  if (!isObject(item)) throw new ResponsesInputError(`Invalid type for 'input[${index}]': expected an object.`, `input[${index}]`);
  if (item.type === 'function_call') {
    return {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } }],
    };
  }
  if (item.type === 'function_call_output') {
    return {
      role: 'tool',
      tool_call_id: item.call_id,
      content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
    };
  }
  if (item.type !== undefined && item.type !== 'message') {
    throw new ResponsesInputError(
      `Invalid value for 'input[${index}].type': ${String(item.type)} is not supported on bedrock-runtime (message, function_call and function_call_output items are).`,
      `input[${index}].type`,
    );
  }
  // Message content: a string, or input_text / output_text parts (what chat-messages.ts reads as text parts).
  return { role: item.role, content: item.content };
}

function chatTool(tool: unknown, index: number): Body {
  if (!isObject(tool) || tool.type !== 'function') {
    const type = isObject(tool) ? String(tool.type) : typeof tool;
    throw new ResponsesInputError(
      `Invalid value for 'tools[${index}].type': ${type} is a server-side tool, which bedrock-runtime does not run; use a function tool.`,
      `tools[${index}].type`,
    );
  }
  const { name, description, parameters, strict } = tool;
  return { type: 'function', function: { name, description, parameters, ...(strict === true ? { strict } : {}) } };
}

function chatToolChoice(choice: unknown): unknown {
  return isObject(choice) && choice.type === 'function' ? { type: 'function', function: { name: choice.name } } : choice;
}

function responseFormatOf(format: Body): Body {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, description, schema, strict } = format;
  return { type: 'json_schema', json_schema: { name, description, schema, strict } };
}

/** A response's id and creation time (epoch seconds), which its streamed events carry from the first. */
export interface ResponseIds {
  readonly id: string;
  readonly createdAt: number;
}

/** The ids of a settled answer's response: derived from what it says (the same answer, the same ids). */
export const settledIds = (settled: Settled): ResponseIds => ({
  id: answerId(settled.content),
  createdAt: Math.floor((settled.at ?? 0) / 1000),
});

/** What a finished response holds: its output items, usage and why the model stopped. */
interface Finished {
  readonly output: readonly Body[];
  readonly usage: Settled['usage'];
  readonly stopReason: string;
}

/**
 * The response object; `request` is the Responses body, whose settings it repeats. Without
 * `finished` it is the response in progress (a stream's first events).
 */
export function responseObject(modelId: string, request: Body, ids: ResponseIds, finished?: Finished): Body {
  const incomplete = finished?.stopReason === 'max_tokens';
  return {
    id: `resp_${ids.id}`,
    object: 'response',
    created_at: ids.createdAt,
    status: finished === undefined ? 'in_progress' : incomplete ? 'incomplete' : 'completed',
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: modelId,
    output: finished?.output ?? [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    store: false,
    temperature: request.temperature ?? 1,
    text: isObject(request.text) ? request.text : { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: request.top_p ?? 1,
    usage: finished === undefined ? null : responseUsage(finished.usage),
  };
}

/** A settled answer's response object, its output the answer's text as one message and each tool use as a `function_call`. */
export function settledResponse(modelId: string, settled: Settled, request: Body): Body {
  const ids = settledIds(settled);
  const text = textOf(settled.content);
  const calls = (toolCalls(settled.content) ?? []).map((call, index) => {
    const fn = call.function as Body;
    return functionCallItem(`fc_${ids.id}_${index}`, String(call.id), String(fn.name), String(fn.arguments));
  });
  const output = [...(text === '' && calls.length > 0 ? [] : [messageItem(`msg_${ids.id}`, text)]), ...calls];
  return responseObject(modelId, request, ids, { output, usage: settled.usage, stopReason: String(settled.stopReason) });
}

function responseUsage(usage: Settled['usage']): Body {
  const { inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens } = usage;
  const input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cacheReadInputTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + outputTokens,
  };
}

const messageItem = (id: string, text: string, status = 'completed'): Body => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
});

const functionCallItem = (id: string, callId: string, name: string, args: string, status = 'completed'): Body => ({
  type: 'function_call',
  id,
  call_id: callId,
  name,
  arguments: args,
  status,
});

/** A settled answer as the pieces a backend would have streamed: its text word by word, each tool use whole, then its stop. */
export async function* settledPieces(settled: Settled): AsyncGenerator<StreamPiece> {
  for (const [index, block] of settled.content.entries()) {
    if ('text' in block) {
      for (const text of pieces(block.text)) yield { index, text };
    } else {
      yield { index, toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } };
      yield { index, toolInput: JSON.stringify(block.toolUse.input) };
    }
  }
  yield { stop: settled.stopReason as StopReason };
}

/**
 * A streamed answer's pieces as the Responses API's server-sent events, as OpenAI's SDK reads
 * them: response.created and response.in_progress, then per output item (a text block a
 * `message`, a tool use a `function_call`) its added event, its deltas and its done events,
 * then response.completed (response.incomplete when cut at max tokens) with the whole response;
 * each with its `sequence_number`. `settle` gives the usage once the pieces have ended (a
 * relay's settleRelay, or the settled answer's).
 */
export async function* responseEvents(
  pieces: AsyncIterable<StreamPiece>,
  response: { readonly modelId: string; readonly request: Body; readonly ids: ResponseIds },
  settle: (tally: PieceTally) => Settled['usage'],
): AsyncGenerator<Body> {
  const { modelId, request, ids } = response;
  let sequence = 0;
  const event = (type: string, fields: Body): Body => ({ type, sequence_number: sequence++, ...fields });
  yield event('response.created', { response: responseObject(modelId, request, ids) });
  yield event('response.in_progress', { response: responseObject(modelId, request, ids) });
  const output: Body[] = [];
  let open: OpenItem | undefined;
  let calls = 0;
  const tally = new PieceTally();
  for await (const piece of pieces) {
    if (!tally.count(piece)) continue;
    if (open?.index !== piece.index) {
      if (open) yield* itemDone(open, output, event);
      // Ids as settledResponse gives them: the message's from the response's, each function call's by its order.
      const item =
        'toolUse' in piece
          ? functionCallItem(`fc_${ids.id}_${calls++}`, piece.toolUse.toolUseId, piece.toolUse.name, '', 'in_progress')
          : messageItem(`msg_${ids.id}${output.length === 0 ? '' : `_${output.length}`}`, '', 'in_progress');
      open = { index: piece.index, outputIndex: output.length, text: '', args: '', item };
      yield event('response.output_item.added', { output_index: open.outputIndex, item: open.item });
      if (open.item.type === 'message') {
        yield event('response.content_part.added', { ...at(open), part: { type: 'output_text', text: '', annotations: [] } });
      }
    }
    if ('text' in piece) {
      open.text += piece.text;
      if (piece.text !== '') yield event('response.output_text.delta', { ...at(open), delta: piece.text, logprobs: [] });
    } else if ('toolInput' in piece) {
      open.args += piece.toolInput;
      yield event('response.function_call_arguments.delta', {
        item_id: open.item?.id,
        output_index: open.outputIndex,
        delta: piece.toolInput,
      });
    }
  }
  if (open) yield* itemDone(open, output, event);
  const usage = settle(tally);
  const final = responseObject(modelId, request, ids, { output, usage, stopReason: tally.stop });
  yield event(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
}

/** The output item a stream is adding to: its block's index, its place in the output, what it has said so far. */
interface OpenItem {
  readonly index: number;
  readonly outputIndex: number;
  text: string;
  args: string;
  readonly item: Body;
}

const at = (open: OpenItem) => ({ item_id: open.item.id, output_index: open.outputIndex, content_index: 0 });

/** The done events of an output item, its finished form added to `output`. */
function* itemDone(open: OpenItem, output: Body[], event: (type: string, fields: Body) => Body): Generator<Body> {
  const { item } = open;
  let done: Body;
  if (item.type === 'message') {
    yield event('response.output_text.done', { ...at(open), text: open.text, logprobs: [] });
    yield event('response.content_part.done', { ...at(open), part: { type: 'output_text', text: open.text, annotations: [] } });
    done = messageItem(String(item.id), open.text);
  } else {
    yield event('response.function_call_arguments.done', { item_id: item.id, output_index: open.outputIndex, arguments: open.args });
    done = functionCallItem(String(item.id), String(item.call_id), String(item.name), open.args);
  }
  output.push(done);
  yield event('response.output_item.done', { output_index: open.outputIndex, item: done });
}
