import { toolCalls } from './families/chat-messages.js';
import { answerId, type Body, isObject, pieces, type Settled, textOf } from './families/shared.js';

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

/** The response object of a settled answer; `request` is the Responses body, whose settings it repeats. */
export function responseObject(modelId: string, settled: Settled, request: Body, status: 'completed' | 'in_progress' = 'completed'): Body {
  const id = answerId(settled.content);
  const done = status === 'completed';
  const incomplete = done && settled.stopReason === 'max_tokens';
  return {
    id: `resp_${id}`,
    object: 'response',
    created_at: Math.floor((settled.at ?? 0) / 1000),
    status: incomplete ? 'incomplete' : status,
    error: null,
    incomplete_details: incomplete ? { reason: 'max_output_tokens' } : null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model: modelId,
    output: done ? outputItems(settled) : [],
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    previous_response_id: null,
    store: false,
    temperature: request.temperature ?? 1,
    text: isObject(request.text) ? request.text : { format: { type: 'text' } },
    tool_choice: request.tool_choice ?? 'auto',
    tools: Array.isArray(request.tools) ? request.tools : [],
    top_p: request.top_p ?? 1,
    usage: done ? responseUsage(settled) : null,
  };
}

function responseUsage(settled: Settled): Body {
  const { inputTokens, outputTokens, cacheReadInputTokens, cacheWriteInputTokens } = settled.usage;
  const input = inputTokens + cacheReadInputTokens + cacheWriteInputTokens;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cacheReadInputTokens },
    output_tokens: outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + outputTokens,
  };
}

/** The answer's output items: its text as one assistant message, each tool use as a `function_call`. */
function outputItems(settled: Settled): Body[] {
  const id = answerId(settled.content, 16);
  const text = textOf(settled.content);
  const calls = toolCalls(settled.content) ?? [];
  return [
    ...(text === '' && calls.length > 0 ? [] : [messageItem(`msg_${id}`, text)]),
    ...calls.map((call, index) => {
      const fn = call.function as Body;
      return {
        type: 'function_call',
        id: `fc_${id}_${index}`,
        call_id: call.id,
        name: fn.name,
        arguments: fn.arguments,
        status: 'completed',
      };
    }),
  ];
}

const messageItem = (id: string, text: string, status = 'completed'): Body => ({
  type: 'message',
  id,
  status,
  role: 'assistant',
  content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [],
});

/**
 * The server-sent events of a streamed response, as OpenAI's SDK reads them: response.created
 * and response.in_progress, then per output item its added, deltas and done events
 * (`output_text` piece by piece, a function call's arguments whole), then response.completed
 * (or response.incomplete) with the whole response. Each carries its `sequence_number`.
 */
export function responseEvents(modelId: string, settled: Settled, request: Body): Body[] {
  const events: Body[] = [];
  const emit = (type: string, fields: Body) => events.push({ type, sequence_number: events.length, ...fields });
  const pending = responseObject(modelId, settled, request, 'in_progress');
  emit('response.created', { response: pending });
  emit('response.in_progress', { response: pending });
  const final = responseObject(modelId, settled, request);
  (final.output as Body[]).forEach((item, output_index) => {
    if (item.type === 'message') {
      const text = textOf(settled.content);
      const at = { item_id: item.id, output_index, content_index: 0 };
      emit('response.output_item.added', { output_index, item: messageItem(String(item.id), '', 'in_progress') });
      emit('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } });
      if (text !== '') for (const delta of pieces(text)) emit('response.output_text.delta', { ...at, delta, logprobs: [] });
      emit('response.output_text.done', { ...at, text, logprobs: [] });
      emit('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } });
    } else {
      emit('response.output_item.added', { output_index, item: { ...item, arguments: '', status: 'in_progress' } });
      emit('response.function_call_arguments.delta', { item_id: item.id, output_index, delta: item.arguments });
      emit('response.function_call_arguments.done', { item_id: item.id, output_index, arguments: item.arguments });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
  return events;
}
