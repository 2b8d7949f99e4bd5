import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { Tiktoken } from 'js-tiktoken/lite';
import { describe, expect, it } from 'vitest';
import { countTokens, firstTokens } from '../../../local/bedrock/tokens.js';

const require = createRequire(import.meta.url);
const ranks = require('js-tiktoken/ranks/cl100k_base') as
  | ConstructorParameters<typeof Tiktoken>[0]
  | { default: ConstructorParameters<typeof Tiktoken>[0] };
/** js-tiktoken's own encoder of the same ranks: the reference the local one is held to. */
const reference = new Tiktoken('default' in ranks ? ranks.default : ranks);

/** Texts of every kind the pattern splits differently: words, numbers, code, whitespace runs, contractions, scripts, emoji, odd bytes. */
const TEXTS = [
  'Hello, world!',
  "I'm sure they'll say it's fine; we've done it, you're right, he'd go.",
  'Order O-1001 for 1299 EUR, placed 2026-11-26T05:13:33Z by C-42 (priority: high).',
  'function add(a, b) {\n  return a + b; // sum\n}\n\n\n    indented\t\ttabs\r\n',
  '   leading and trailing spaces   ',
  'Ünïcödé façade, naïve café, Straße, смешанный текст, 日本語のテキスト, 한국어, العربية, עברית',
  'emoji 🚀🔥 👩‍👩‍👧‍👦 flags 🇫🇷🇯🇵 and ZWJ sequences',
  'supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis',
  '{"orderId":"O-1","amount":1299,"currency":"EUR","items":[{"sku":"A","qty":2}]}',
  '0123456789 3.14159 1e10 -42 +7 1,000,000',
  'a'.repeat(500),
  'x y'.repeat(200),
  '\u0000\u0001\u0002 control \u007f chars and lone surrogate \ud800 end',
  // Prose, tables and code blocks as they come: the README's paragraphs.
  ...readFileSync(path.join(import.meta.dirname, '../../../README.md'), 'utf8')
    .split('\n\n')
    .slice(0, 60),
];

describe('the tokenizer of simulated model calls', () => {
  it("counts every text's tokens as js-tiktoken's cl100k_base encoder does", () => {
    for (const text of TEXTS) expect(countTokens(text), text).toBe(reference.encode(text).length);
  });

  it('cuts a text at a number of tokens where js-tiktoken cuts it', () => {
    for (const text of TEXTS) {
      for (const limit of [1, 3, 10])
        expect(firstTokens(text, limit), `${limit} of ${text}`).toBe(reference.decode(reference.encode(text).slice(0, limit)));
    }
  });

  it('fails if a text holds a special token, as js-tiktoken does', () => {
    expect(() => countTokens('before <|endoftext|> after')).toThrow('The text contains a special token that is not allowed: <|endoftext|>');
    expect(() => reference.encode('before <|endoftext|> after')).toThrow(
      'The text contains a special token that is not allowed: <|endoftext|>',
    );
  });
});
