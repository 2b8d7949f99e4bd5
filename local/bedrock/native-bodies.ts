import { createHash } from 'node:crypto';
import { validationError } from '../aws-error.js';
import type { AnswerBlock, ContentBlock, Message, ModelRequest, ToolChoice, ToolSpec } from './conversation.js';
import { converseRequest } from './conversation.js';
import type { ModelFamily } from './model-ids.js';
import { anthropicOutputSchema } from './output-schema.js';
import { countTokens } from './tokens.js';

type Body = Record<string, unknown>;
const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Bedrock's text for a native body its model's schema refuses. */
export const malformed = (problem: string) =>
  validationError(`Malformed input request: #: ${problem}, please reformat your input and try again.`);

/** What the service settled for a call: the answer and its usage. */
export interface Settled {
  readonly content: readonly AnswerBlock[];
  readonly stopReason: string;
  readonly usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheWriteInputTokens: number };
  readonly latencyMs: number;
}

/** Reads a chat family's native InvokeModel body (Anthropic Messages, Nova, Llama) into a ModelRequest. */
export function nativeRequest(family: ModelFamily, modelId: string, body: Body): ModelRequest {
  if (family === 'anthropic') return anthropicRequest(modelId, body);
  if (family === 'nova') {
    if (!Array.isArray(body.messages)) throw malformed('required key [messages] not found');
    const inference = isObject(body.inferenceConfig) ? body.inferenceConfig : {};
    const maxTokens = inference.maxTokens ?? inference.max_new_tokens;
    const topP = inference.topP ?? inference.top_p;
    return converseRequest(modelId, {
      ...body,
      inferenceConfig: {
        ...(maxTokens === undefined ? {} : { maxTokens }),
        ...(inference.temperature === undefined ? {} : { temperature: inference.temperature }),
        ...(topP === undefined ? {} : { topP }),
        ...(inference.stopSequences === undefined ? {} : { stopSequences: inference.stopSequences }),
      },
    });
  }
  if (typeof body.prompt !== 'string') throw malformed('required key [prompt] not found');
  return {
    modelId,
    system: [],
    messages: [{ role: 'user', content: [{ text: body.prompt }] }],
    tools: [],
    stopSequences: [],
    ...(typeof body.max_gen_len === 'number' ? { maxTokens: body.max_gen_len } : {}),
    ...(typeof body.temperature === 'number' ? { temperature: body.temperature } : {}),
    ...(typeof body.top_p === 'number' ? { topP: body.top_p } : {}),
  };
}

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

/** The native answer body of a chat family. */
export function nativeResponse(family: ModelFamily, modelId: string, settled: Settled): Body {
  const { usage } = settled;
  if (family === 'anthropic') {
    return {
      id: `msg_bdrk_${createHash('sha256').update(JSON.stringify(settled.content)).digest('hex').slice(0, 24)}`,
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
  if (family === 'nova') {
    return {
      output: { message: { role: 'assistant', content: settled.content } },
      stopReason: settled.stopReason,
      usage: {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        totalTokens: usage.inputTokens + usage.outputTokens + usage.cacheReadInputTokens + usage.cacheWriteInputTokens,
        cacheReadInputTokenCount: usage.cacheReadInputTokens,
        cacheWriteInputTokenCount: usage.cacheWriteInputTokens,
      },
    };
  }
  return {
    generation: textOf(settled.content),
    prompt_token_count: usage.inputTokens,
    generation_token_count: usage.outputTokens,
    stop_reason: settled.stopReason === 'max_tokens' ? 'length' : 'stop',
  };
}

const anthropicBlock = (block: AnswerBlock) =>
  'text' in block
    ? { type: 'text', text: block.text }
    : { type: 'tool_use', id: block.toolUse.toolUseId, name: block.toolUse.name, input: block.toolUse.input };

export const textOf = (content: readonly AnswerBlock[]) => content.map((block) => ('text' in block ? block.text : '')).join('');

/** The chunks InvokeModelWithResponseStream sends for a chat family, in its native streaming format. */
export function nativeStreamChunks(family: ModelFamily, modelId: string, settled: Settled): Body[] {
  const metrics = {
    'amazon-bedrock-invocationMetrics': {
      inputTokenCount: settled.usage.inputTokens,
      outputTokenCount: settled.usage.outputTokens,
      invocationLatency: settled.latencyMs,
      firstByteLatency: settled.latencyMs,
    },
  };
  if (family === 'anthropic') {
    const message = nativeResponse(family, modelId, settled);
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
    return [...chunks, { type: 'message_stop', ...metrics }];
  }
  if (family === 'nova') {
    const final = nativeResponse(family, modelId, settled);
    return [
      { messageStart: { role: 'assistant' } },
      ...settled.content.map((block, contentBlockIndex) => ({ contentBlockDelta: { delta: block, contentBlockIndex } })),
      { contentBlockStop: { contentBlockIndex: Math.max(0, settled.content.length - 1) } },
      { messageStop: { stopReason: settled.stopReason } },
      { metadata: { usage: final.usage, metrics: {}, trace: {} }, ...metrics },
    ];
  }
  const final = nativeResponse(family, modelId, settled);
  return [{ ...final, ...metrics }];
}

/** Titan and Cohere embeddings: deterministic unit vectors seeded by each text, with the token count of the input. */
export function embeddingResponse(family: ModelFamily, modelId: string, body: Body): { body: Body; inputTokens: number } {
  if (family === 'titan-embed') {
    if (typeof body.inputText !== 'string') throw malformed('required key [inputText] not found');
    const v2 = modelId.endsWith('v2:0');
    const dimensions = v2 ? Number(body.dimensions ?? 1024) : 1536;
    if (v2 && ![256, 512, 1024].includes(dimensions)) throw malformed(`dimensions: ${dimensions} is not a valid enum value`);
    const inputTextTokenCount = countTokens(body.inputText);
    const embedding = vectorOf(body.inputText, dimensions, body.normalize !== false);
    return {
      body: { embedding, inputTextTokenCount, ...(v2 ? { embeddingsByType: { float: embedding } } : {}) },
      inputTokens: inputTextTokenCount,
    };
  }
  if (!Array.isArray(body.texts)) throw malformed('required key [texts] not found');
  if (typeof body.input_type !== 'string') throw malformed('required key [input_type] not found');
  const texts = body.texts.map(String);
  return {
    body: {
      embeddings: texts.map((text) => vectorOf(text, 1024, true)),
      id: createHash('sha256').update(texts.join('\n')).digest('hex').slice(0, 36),
      response_type: 'embeddings_floats',
      texts,
    },
    inputTokens: texts.reduce((sum, text) => sum + countTokens(text), 0),
  };
}

function vectorOf(text: string, dimensions: number, normalize: boolean): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const bytes = createHash('sha256').update(`${block}:${text}`).digest();
    for (let i = 0; i + 1 < bytes.length && values.length < dimensions; i += 2) values.push((bytes.readUInt16BE(i) / 0xffff) * 2 - 1);
  }
  if (!normalize) return values;
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0)) || 1;
  return values.map((v) => v / norm);
}
