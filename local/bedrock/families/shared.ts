import { createHash } from 'node:crypto';
import { validationError } from '../../endpoint/aws-error.js';
import type { AnswerBlock, ModelRequest, StopReason } from '../conversation.js';

export type Body = Record<string, unknown>;
export const isObject = (value: unknown): value is Body => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Bedrock's text for a native body its model's schema refuses; `at` is the JSON pointer below `#` (e.g. `/dimensions`). */
export const malformed = (problem: string, at = '') =>
  validationError(`Malformed input request: #${at}: ${problem}, please reformat your input and try again.`);

/** What the service settled for a call: the answer and its usage. */
export interface Settled {
  readonly content: readonly AnswerBlock[];
  readonly stopReason: StopReason | string;
  readonly usage: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheWriteInputTokens: number };
  readonly latencyMs: number;
  /** When the call was answered (epoch ms, the runtime's clock): a chat completion's `created`. */
  readonly at?: number;
}

/**
 * A family's InvokeModel body both ways: the request as a ModelRequest (the conversation form
 * every backend answers), the settled answer as the family's answer body and as the chunks
 * of its InvokeModelWithResponseStream (the last with `amazon-bedrock-invocationMetrics`).
 */
export interface ChatCodec {
  request(modelId: string, body: Body): ModelRequest;
  /** `body` is the request's, for the families whose answer echoes it or takes its shape. */
  response(modelId: string, settled: Settled, body: Body): Body;
  stream(modelId: string, settled: Settled, body: Body): Body[];
  /**
   * The field of `body` a structured output's JSON schema came in, as the family's refusals name
   * it (`output_config.format`, `response_format.json_schema`); absent where the body is
   * Converse's own (Nova: `outputConfig`) or has no such field.
   */
  outputField?(body: Body): string;
}

export const textOf = (content: readonly AnswerBlock[]) => content.map((block) => ('text' in block ? block.text : '')).join('');

/** The metrics Bedrock adds to the last chunk of every InvokeModelWithResponseStream. */
export function invocationMetrics(settled: Settled): Body {
  return {
    'amazon-bedrock-invocationMetrics': {
      inputTokenCount: settled.usage.inputTokens,
      outputTokenCount: settled.usage.outputTokens,
      invocationLatency: settled.latencyMs,
      firstByteLatency: settled.latencyMs,
    },
  };
}

/** The chunks with the invocation metrics added to the last. */
export function withMetrics(chunks: readonly Body[], settled: Settled): Body[] {
  return chunks.map((chunk, index) => (index === chunks.length - 1 ? { ...chunk, ...invocationMetrics(settled) } : chunk));
}

/** A text cut in word-sized pieces, as a model streams them (a text that has none is one empty piece). */
export const pieces = (text: string): string[] => text.match(/\S+\s*|\s+/g) ?? [''];

/** A stable id for an answer, derived from what it says (the same answer, the same id). */
export const answerId = (content: unknown, length = 24) =>
  createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, length);

/** Reads a number field of a native body; a value of another type is Bedrock's schema refusal. */
export function numberOf(body: Body, key: string, at = ''): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw malformed(`expected type: Number, found: ${jsonType(value)}`, `${at}/${key}`);
  return value;
}

/** Reads a list of strings (a stop list); one string is taken as a list of one. */
export function stringsOf(body: Body, key: string): string[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value)) throw malformed(`expected type: JSONArray, found: ${jsonType(value)}`, `/${key}`);
  return value.map(String);
}

export function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'JSONArray';
  if (value === null) return 'Null';
  if (typeof value === 'object') return 'JSONObject';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Number';
  if (typeof value === 'boolean') return 'Boolean';
  return 'String';
}

/** The keys a completion body names its settings by; a family with no stop list has no `stop`. */
export interface CompletionKeys {
  readonly maxTokens: string;
  readonly temperature: string;
  readonly topP: string;
  readonly stop?: string;
}

/** The keys of OpenAI's text completions, which DeepSeek, Writer and Mistral's text completion take: `{prompt, max_tokens, temperature, top_p, stop}`. */
export const TEXT_COMPLETION_KEYS: CompletionKeys = { maxTokens: 'max_tokens', temperature: 'temperature', topP: 'top_p', stop: 'stop' };

/**
 * A one-turn request made of a prompt, as the completion families send it, with the settings
 * `settings` holds under the family's keys (`at`: where they sit, Titan's `/textGenerationConfig`).
 */
export function completionRequest(modelId: string, prompt: string, settings: Body, keys: CompletionKeys, at = ''): ModelRequest {
  const maxTokens = numberOf(settings, keys.maxTokens, at);
  const temperature = numberOf(settings, keys.temperature, at);
  const topP = numberOf(settings, keys.topP, at);
  return {
    modelId,
    system: [],
    messages: [{ role: 'user', content: [{ text: prompt }] }],
    tools: [],
    stopSequences: keys.stop === undefined ? [] : stringsOf(settings, keys.stop),
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
  };
}

/**
 * A completion's stream: the answer's text piece by piece, each as the family's chunk (`last`:
 * the final piece, which carries the stop reason), then the `after` chunks, the invocation
 * metrics on the very last.
 */
export function pieceChunks(settled: Settled, chunk: (piece: string, index: number, last: boolean) => Body, ...after: Body[]): Body[] {
  const parts = pieces(textOf(settled.content));
  return withMetrics([...parts.map((piece, index) => chunk(piece, index, index === parts.length - 1)), ...after], settled);
}

/** A required string field, refused with Bedrock's schema text when missing. */
export function requiredString(body: Body, key: string): string {
  const value = body[key];
  if (value === undefined) throw malformed(`required key [${key}] not found`);
  if (typeof value !== 'string') throw malformed(`expected type: String, found: ${jsonType(value)}`, `/${key}`);
  return value;
}
