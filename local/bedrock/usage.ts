import { validationError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import { blocksText, type ContentBlock, type ModelRequest } from './conversation.js';
import { digestOf } from './digest.js';
import { countTokens } from './tokens.js';

export interface InputUsage {
  /** Input tokens not read from or written to the prompt cache. */
  readonly inputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly cacheWriteInputTokens: number;
}

const TTL_MS: Readonly<Record<string, number>> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };

/**
 * Counts a request's input tokens (tools, then an output schema and system, then messages, as Bedrock reads them)
 * and settles its prompt cache: the prefix up to the last `cachePoint` block is written the
 * first time it is seen and read while it stays cached (5 minutes from its last use, or the
 * cache point's `ttl`). A prompt over the model's context window is refused as Bedrock refuses it.
 */
export class PromptCache {
  readonly #entries = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  settle(request: ModelRequest, contextTokens: number): InputUsage {
    const parts: { text: string; cachePoint?: ContentBlock }[] = [
      ...request.tools.map((tool) => ({ text: JSON.stringify(tool) })),
      // Structured outputs put the schema in the system prompt: it is read as input, and a new schema misses the cache.
      ...(request.outputSchema ? [{ text: JSON.stringify(request.outputSchema.schema) }] : []),
      ...request.system.map((block) => ({ text: blocksText([block]), ...cachePointOf(block) })),
      ...request.messages.flatMap((message) => message.content.map((block) => ({ text: blocksText([block]), ...cachePointOf(block) }))),
    ];
    const total = parts.reduce((sum, part) => sum + countTokens(part.text), 0);
    if (total > contextTokens) throw validationError('Input is too long for requested model.');
    const last = parts.map((part) => part.cachePoint !== undefined).lastIndexOf(true);
    if (last < 0) return { inputTokens: total, cacheReadInputTokens: 0, cacheWriteInputTokens: 0 };
    const prefix = parts.slice(0, last);
    const cached = prefix.reduce((sum, part) => sum + countTokens(part.text), 0);
    const key = digestOf([request.modelId, prefix.map((part) => part.text)]);
    const now = this.clock.now();
    const ttl = TTL_MS[String((parts[last]?.cachePoint as { ttl?: string } | undefined)?.ttl ?? '5m')] ?? TTL_MS['5m'] ?? 0;
    const hit = (this.#entries.get(key) ?? 0) > now;
    this.#entries.set(key, now + ttl);
    return {
      inputTokens: total - cached,
      cacheReadInputTokens: hit ? cached : 0,
      cacheWriteInputTokens: hit ? 0 : cached,
    };
  }
}

function cachePointOf(block: ContentBlock): { cachePoint?: ContentBlock } {
  const point = block.cachePoint;
  return typeof point === 'object' && point !== null ? { cachePoint: point as ContentBlock } : {};
}
