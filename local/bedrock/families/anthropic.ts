import { validationError } from '../../endpoint/aws-error.js';
import type { AnswerBlock, ContentBlock, Message, ModelRequest, ToolChoice, ToolSpec } from '../conversation.js';
import { anthropicOutputField, anthropicOutputSchema } from '../output-schema.js';
import { isTextCompletion, textCompletionRequest, textCompletionResponse, textCompletionStream } from './anthropic-text.js';
import { answerId, type Body, type ChatCodec, invocationMetrics, isObject, malformed, type Settled } from './shared.js';

/**
 * Anthropic's Messages API as Bedrock carries it (`anthropic_version` bedrock-2023-05-31),
 * with its structured outputs: `output_config.format` (or the deprecated `output_format`) and
 * tools marked `strict`; and the Text Completions API of the Claude models that still take it.
 */
export const anthropicCodec: ChatCodec = {
  request: (modelId, body) => (isTextCompletion(modelId, body) ? textCompletionRequest(modelId, body) : anthropicRequest(modelId, body)),
  response: (modelId, settled, body) =>
    isTextCompletion(modelId, body) ? textCompletionResponse(settled) : anthropicResponse(modelId, settled),
  outputField: anthropicOutputField,
  stream(modelId, settled, body) {
    if (isTextCompletion(modelId, body)) return textCompletionStream(settled);
    const message = anthropicResponse(modelId, settled);
    const chunks: Body[] = [
      {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, usage: { ...(message.usage as Body), output_tokens: 1 } },
      },
    ];
    settled.content.forEach((block, index) => {
      const start = 'text' in block ? { type: 'text', text: '' } : { ...anthropicBlock(block), input: {} };
      chunks.push({ type: 'content_block_start', index, content_block: start });
      const delta =
        'text' in block
          ? { type: 'text_delta', text: block.text }
          : { type: 'input_json_delta', partial_json: JSON.stringify(block.toolUse.input) };
      chunks.push({ type: 'content_block_delta', index, delta }, { type: 'content_block_stop', index });
    });
    chunks.push({
      type: 'message_delta',
      delta: { stop_reason: settled.stopReason, stop_sequence: null },
      usage: { output_tokens: settled.usage.outputTokens },
    });
    return [...chunks, { type: 'message_stop', ...invocationMetrics(settled) }];
  },
};

function anthropicRequest(modelId: string, body: Body): ModelRequest {
  if (typeof body.anthropic_version !== 'string') throw malformed('required key [anthropic_version] not found');
  if (typeof body.max_tokens !== 'number') throw malformed('required key [max_tokens] not found');
  if (!Array.isArray(body.messages)) throw malformed('required key [messages] not found');
  const messages: Message[] = body.messages.map((message) => {
    const m = isObject(message) ? message : {};
    if (m.role !== 'user' && m.role !== 'assistant') throw malformed('messages: role must be user or assistant');
    return { role: m.role, content: anthropicBlocks(m.content) };
  });
  if (messages[0]?.role !== 'user') throw validationError('messages: first message must use the "user" role');
  const tools: ToolSpec[] = (Array.isArray(body.tools) ? body.tools : []).filter(isObject).map((tool) => ({
    name: String(tool.name),
    ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
    inputSchema: isObject(tool.input_schema) ? tool.input_schema : {},
    ...(tool.strict === true ? { strict: true as const } : {}),
  }));
  const choice = isObject(body.tool_choice) ? body.tool_choice : undefined;
  const toolChoice: ToolChoice | undefined =
    choice?.type === 'any'
      ? { kind: 'any' }
      : choice?.type === 'tool'
        ? { kind: 'tool', name: String(choice.name) }
        : tools.length > 0
          ? { kind: 'auto' }
          : undefined;
  return {
    modelId,
    system: typeof body.system === 'string' ? [{ text: body.system }] : anthropicBlocks(body.system ?? []),
    messages,
    tools,
    ...(toolChoice ? { toolChoice } : {}),
    maxTokens: body.max_tokens,
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
    stopSequences: Array.isArray(body.stop_sequences) ? body.stop_sequences.map(String) : [],
    ...anthropicOutputSchema(body),
  };
}

/** Anthropic content (a string or typed blocks) as Converse blocks; `cache_control` becomes a cachePoint after its block. */
function anthropicBlocks(content: unknown): ContentBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  if (!Array.isArray(content)) return [];
  return content.filter(isObject).flatMap((block): ContentBlock[] => {
    const converted: ContentBlock =
      block.type === 'text'
        ? { text: String(block.text ?? '') }
        : block.type === 'tool_use'
          ? { toolUse: { toolUseId: block.id, name: block.name, input: block.input } }
          : block.type === 'tool_result'
            ? { toolResult: { toolUseId: block.tool_use_id, content: anthropicBlocks(block.content ?? '') } }
            : { image: {} };
    return block.cache_control ? [converted, { cachePoint: { type: 'default' } }] : [converted];
  });
}

function anthropicResponse(modelId: string, settled: Settled): Body {
  const { usage } = settled;
  return {
    id: `msg_bdrk_${answerId(settled.content)}`,
    type: 'message',
    role: 'assistant',
    model: modelId.replace(/^anthropic\./, '').replace(/-v\d+:\d+$/, ''),
    content: settled.content.map(anthropicBlock),
    stop_reason: settled.stopReason,
    stop_sequence: null,
    usage: {
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_creation_input_tokens: usage.cacheWriteInputTokens,
      cache_read_input_tokens: usage.cacheReadInputTokens,
    },
  };
}

const anthropicBlock = (block: AnswerBlock) =>
  'text' in block
    ? { type: 'text', text: block.text }
    : { type: 'tool_use', id: block.toolUse.toolUseId, name: block.toolUse.name, input: block.toolUse.input };
