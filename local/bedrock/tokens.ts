import { createRequire } from 'node:module';
import type { Tiktoken } from 'js-tiktoken/lite';

const require = createRequire(import.meta.url);
let encoder: Tiktoken | undefined;

function tokenizer(): Tiktoken {
  if (!encoder) {
    const { Tiktoken } = require('js-tiktoken/lite') as typeof import('js-tiktoken/lite');
    const ranks = require('js-tiktoken/ranks/cl100k_base') as { default?: unknown };
    encoder = new Tiktoken((ranks.default ?? ranks) as ConstructorParameters<typeof Tiktoken>[0]);
  }
  return encoder;
}

/**
 * Tokens in a text, counted with OpenAI's cl100k_base encoding (js-tiktoken, pure JS): not
 * any Bedrock model's own tokenizer, but close to them for English text and code, and the
 * same count for the same text every time. Loaded on first use (about 0.2 s).
 */
export function countTokens(text: string): number {
  return text === '' ? 0 : tokenizer().encode(text).length;
}

/** The first `limit` tokens of a text. */
export function firstTokens(text: string, limit: number): string {
  const tokens = tokenizer().encode(text);
  return tokens.length <= limit ? text : tokenizer().decode(tokens.slice(0, limit));
}
