import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** js-tiktoken's data of an encoding: its pre-tokenizing pattern, special tokens and byte-pair ranks. */
interface Ranks {
  readonly pat_str: string;
  readonly special_tokens: Readonly<Record<string, number>>;
  /** Lines of `<prefix> <first rank> <token> <token> ...`, each token its bytes in base64, ranked one after another. */
  readonly bpe_ranks: string;
}

/**
 * OpenAI's cl100k_base byte-pair encoding, from js-tiktoken's ranks and with its algorithm (held
 * to js-tiktoken's Tiktoken, token for token, by test/local/bedrock/tokens.test.ts). Each token's
 * bytes are a latin1 string here (one character per byte), where js-tiktoken keys its map by
 * the bytes joined with commas: building that map took 1-2 s of the first model call on a
 * loaded 2-core machine, this one about a sixth of it.
 */
class Encoding {
  /** A token's bytes (as latin1) to its rank. */
  readonly #ranks = new Map<string, number>();
  /** Each rank's bytes, as latin1. */
  readonly #bytes: string[] = [];
  readonly #pattern: RegExp;
  /** Any special token (`<|endoftext|>`, ...): js-tiktoken refuses a text holding one, by default. */
  readonly #special: RegExp;

  constructor(ranks: Ranks) {
    for (const line of ranks.bpe_ranks.split('\n')) {
      if (line === '') continue;
      const [, first, ...tokens] = line.split(' ');
      let rank = Number.parseInt(first ?? '', 10);
      for (const token of tokens) {
        const bytes = Buffer.from(token, 'base64').toString('latin1');
        this.#ranks.set(bytes, rank);
        this.#bytes[rank] = bytes;
        rank++;
      }
    }
    this.#pattern = new RegExp(ranks.pat_str, 'ug');
    this.#special = new RegExp(
      Object.keys(ranks.special_tokens)
        .map((token) => token.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&'))
        .join('|'),
    );
  }

  encode(text: string): number[] {
    const special = this.#special.exec(text);
    if (special !== null) throw new Error(`The text contains a special token that is not allowed: ${special[0]}`);
    const tokens: number[] = [];
    for (const [match] of text.matchAll(this.#pattern)) {
      const piece = Buffer.from(match, 'utf8').toString('latin1');
      const rank = this.#ranks.get(piece);
      if (rank !== undefined) tokens.push(rank);
      else tokens.push(...this.#bytePairs(piece));
    }
    return tokens;
  }

  decode(tokens: readonly number[]): string {
    return new TextDecoder('utf-8').decode(Buffer.from(tokens.map((token) => this.#bytes[token] ?? '').join(''), 'latin1'));
  }

  /** The ranks of a piece no single token covers: adjacent parts merged, lowest rank first, while some pair is a token. */
  #bytePairs(piece: string): number[] {
    // Each part's start; a part ends where the next starts.
    const starts = Array.from({ length: piece.length + 1 }, (_, i) => i);
    while (starts.length > 2) {
      let best: { rank: number; at: number } | undefined;
      for (let i = 0; i < starts.length - 2; i++) {
        const rank = this.#ranks.get(piece.slice(starts[i], starts[i + 2]));
        if (rank !== undefined && (best === undefined || rank < best.rank)) best = { rank, at: i };
      }
      if (best === undefined) break;
      starts.splice(best.at + 1, 1);
    }
    const ranks: number[] = [];
    for (let i = 0; i < starts.length - 1; i++) {
      const rank = this.#ranks.get(piece.slice(starts[i], starts[i + 1]));
      if (rank !== undefined) ranks.push(rank);
    }
    return ranks;
  }
}

let encoding: Encoding | undefined;

function cl100k(): Encoding {
  if (!encoding) {
    const ranks = require('js-tiktoken/ranks/cl100k_base') as Ranks | { default: Ranks };
    encoding = new Encoding('default' in ranks ? ranks.default : ranks);
  }
  return encoding;
}

/**
 * Tokens in a text, counted with OpenAI's cl100k_base encoding: not any Bedrock model's own
 * tokenizer, but close to them for English text and code, and the same count for the same
 * text every time. Its ranks are read on first use: 0.2-0.4 s on a loaded 2-core machine, where
 * js-tiktoken's own encoder took 1-1.5 s.
 */
export function countTokens(text: string): number {
  return text === '' ? 0 : cl100k().encode(text).length;
}

/** Reads the encoding's ranks now, so that the first model call does not wait for them. */
export function prepareTokenizer(): void {
  cl100k();
}

/** The first `limit` tokens of a text. */
export function firstTokens(text: string, limit: number): string {
  const tokens = cl100k().encode(text);
  return tokens.length <= limit ? text : cl100k().decode(tokens.slice(0, limit));
}
