import type { AnswerBlock, ContentBlock, Message, ModelRequest, ToolChoice, ToolSpec } from '../conversation.js';
import type { OutputSchema } from '../output-schema.js';
import { type Body, isObject, jsonType, malformed, numberOf, stringsOf } from './shared.js';

/**
 * The chat-completions message list (OpenAI's shape, which Mistral's chat, AI21's Jamba,
 * gpt-oss and the other open-weight models take in InvokeModel) as a ModelRequest: `system`
 * (and `developer`) messages become system blocks, `tool` messages tool results, an
 * assistant's `tool_calls` tool uses, `tools` their specs (`strict` functions as strict tools)
 * and `tool_choice` the choice; a `response_format` JSON schema is the output schema
 * (structured outputs, checked and answered as Converse's `outputConfig` is).
 */
export function chatMessagesRequest(modelId: string, body: Body): ModelRequest {
  if (!Array.isArray(body.messages)) throw malformed('required key [messages] not found');
  const system: ContentBlock[] = [];
  const messages: Message[] = [];
  const push = (role: Message['role'], content: ContentBlock[]) => {
    const last = messages.at(-1);
    if (last?.role === role) messages[messages.length - 1] = { role, content: [...last.content, ...content] };
    else messages.push({ role, content });
  };
  body.messages.forEach((entry, index) => {
    if (!isObject(entry)) throw malformed('expected type: JSONObject, found: String', `/messages/${index}`);
    const text = contentText(entry.content);
    if (entry.role === 'system' || entry.role === 'developer') system.push({ text });
    else if (entry.role === 'tool') push('user', [{ toolResult: { toolUseId: String(entry.tool_call_id ?? ''), content: [{ text }] } }]);
    else if (entry.role === 'assistant') push('assistant', [...(text === '' ? [] : [{ text }]), ...toolUses(entry.tool_calls)]);
    else if (entry.role === 'user') push('user', [{ text }]);
    else throw malformed(`${String(entry.role)} is not a valid enum value`, `/messages/${index}/role`);
  });
  const tools = toolSpecs(body.tools);
  const toolChoice = readToolChoice(body.tool_choice, tools);
  const maxTokens = numberOf(body, 'max_completion_tokens') ?? numberOf(body, 'max_tokens');
  const temperature = numberOf(body, 'temperature');
  const topP = numberOf(body, 'top_p');
  return {
    modelId,
    system,
    messages,
    tools,
    ...(toolChoice ? { toolChoice } : {}),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    stopSequences: stringsOf(body, 'stop'),
    ...responseFormatSchema(body),
  };
}

/** Where a chat-completions body puts a structured output's JSON schema, as refusals name it. */
export const RESPONSE_FORMAT_FIELD = 'response_format.json_schema';

/**
 * The JSON schema of a `response_format` of type `json_schema` (`{type, json_schema: {name,
 * description, schema, strict}}`), which AWS's structured-outputs page has open-weight models
 * take in InvokeModel. `text` and `json_object` (JSON mode, no schema) ask for none and are not
 * read. A format of another shape is refused in Bedrock's schema words (written here: no
 * recorded answer).
 */
function responseFormatSchema(body: Body): { outputSchema?: OutputSchema } {
  const format = body.response_format;
  if (format === undefined || format === null) return {};
  if (!isObject(format)) throw malformed(`expected type: JSONObject, found: ${jsonType(format)}`, '/response_format');
  if (format.type === 'text' || format.type === 'json_object') return {};
  if (format.type !== 'json_schema') {
    throw malformed(`${String(format.type)} is not a valid enum value`, '/response_format/type');
  }
  const definition = format.json_schema;
  if (!isObject(definition)) throw malformed('required key [json_schema] not found', '/response_format');
  if (!isObject(definition.schema)) throw malformed('required key [schema] not found', '/response_format/json_schema');
  return {
    outputSchema: {
      schema: definition.schema,
      ...(typeof definition.name === 'string' ? { name: definition.name } : {}),
      ...(typeof definition.description === 'string' ? { description: definition.description } : {}),
    },
  };
}

/** A message's content as text: a string, or the text parts of a part list. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(isObject)
    .map((part) => (typeof part.text === 'string' ? part.text : ''))
    .join('');
}

function toolUses(calls: unknown): ContentBlock[] {
  return (Array.isArray(calls) ? calls : []).filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : {};
    return { toolUse: { toolUseId: String(call.id ?? ''), name: String(fn.name ?? ''), input: parseArguments(fn.arguments) } };
  });
}

/** A tool call's arguments as OpenAI's chat messages send them (JSON text; an object as it is); what does not parse is no arguments. */
export function parseArguments(value: unknown): unknown {
  if (typeof value !== 'string') return isObject(value) ? value : {};
  try {
    return JSON.parse(value);
  } catch {
    return {};
  }
}

function toolSpecs(tools: unknown): ToolSpec[] {
  return (Array.isArray(tools) ? tools : []).filter(isObject).map((tool) => {
    const fn = isObject(tool.function) ? tool.function : tool;
    return {
      name: String(fn.name ?? ''),
      ...(typeof fn.description === 'string' ? { description: fn.description } : {}),
      inputSchema: isObject(fn.parameters) ? fn.parameters : {},
      ...(fn.strict === true ? { strict: true as const } : {}),
    };
  });
}

function readToolChoice(choice: unknown, tools: readonly ToolSpec[]): ToolChoice | undefined {
  if (tools.length === 0 || choice === 'none') return undefined;
  if (choice === 'required' || choice === 'any') return { kind: 'any' };
  if (isObject(choice) && isObject(choice.function)) return { kind: 'tool', name: String(choice.function.name) };
  return { kind: 'auto' };
}

/** An answer's tool uses as chat-completions `tool_calls`, or undefined when it has none. */
export function toolCalls(content: readonly AnswerBlock[]): Body[] | undefined {
  const calls = content.flatMap((block) =>
    'toolUse' in block
      ? [
          {
            id: block.toolUse.toolUseId,
            type: 'function',
            function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input) },
          },
        ]
      : [],
  );
  return calls.length === 0 ? undefined : calls;
}

/** A stop reason as chat completions name it. */
export function finishReason(stopReason: string): string {
  if (stopReason === 'max_tokens') return 'length';
  return stopReason === 'tool_use' ? 'tool_calls' : 'stop';
}
