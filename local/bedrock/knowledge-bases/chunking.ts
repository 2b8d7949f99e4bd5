import { validationError } from '../../endpoint/aws-error.js';
import { cosine, lexicalEmbedding } from '../lexical-embedding.js';
import { countTokens } from '../tokens.js';

/** A data source's `vectorIngestionConfiguration.chunkingConfiguration`, in the API's shape. */
export interface ChunkingConfiguration {
  readonly chunkingStrategy: 'FIXED_SIZE' | 'NONE' | 'HIERARCHICAL' | 'SEMANTIC';
  readonly fixedSizeChunkingConfiguration?: { readonly maxTokens: number; readonly overlapPercentage: number };
  readonly hierarchicalChunkingConfiguration?: {
    readonly levelConfigurations: readonly { readonly maxTokens: number }[];
    readonly overlapTokens: number;
  };
  readonly semanticChunkingConfiguration?: {
    readonly maxTokens: number;
    readonly bufferSize: number;
    readonly breakpointPercentileThreshold: number;
  };
}

/** One chunk of a document: the text embedded, and the text a retrieval returns (a hierarchical child's parent). */
export interface Chunk {
  readonly text: string;
  readonly content: string;
}

/** Bedrock's default, when a data source gives no chunking configuration: chunks of at most 300 tokens, 20% overlapping. */
export const DEFAULT_CHUNKING: ChunkingConfiguration = {
  chunkingStrategy: 'FIXED_SIZE',
  fixedSizeChunkingConfiguration: { maxTokens: 300, overlapPercentage: 20 },
};

/**
 * A document's chunks as its data source's configuration says: FIXED_SIZE chunks of at most
 * `maxTokens` tokens (cl100k_base, the local Bedrock's tokenizer), cut between words, each
 * starting `overlapPercentage` of `maxTokens` before the previous one ended; NONE the whole
 * document as one chunk; HIERARCHICAL parent chunks of the first level's size, each cut into
 * child chunks of the second level's, `overlapTokens` overlapping: the children are embedded
 * and a retrieval returns their parent, as Bedrock does; SEMANTIC (approximated) sentences
 * grouped while the next, with `bufferSize` sentences around it, is lexically close to the
 * group (a break where the distance is above the `breakpointPercentileThreshold` percentile
 * of the document's distances), up to `maxTokens`.
 */
export function chunkDocument(text: string, configuration: ChunkingConfiguration = DEFAULT_CHUNKING): Chunk[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  switch (configuration.chunkingStrategy) {
    case 'NONE':
      return [{ text: trimmed, content: trimmed }];
    case 'FIXED_SIZE': {
      const fixed = configuration.fixedSizeChunkingConfiguration ?? missing('fixedSizeChunkingConfiguration', 'FIXED_SIZE');
      const overlap = Math.floor((fixed.maxTokens * fixed.overlapPercentage) / 100);
      return fixedSize(trimmed, fixed.maxTokens, overlap).map((chunk) => ({ text: chunk, content: chunk }));
    }
    case 'HIERARCHICAL': {
      const levels = configuration.hierarchicalChunkingConfiguration ?? missing('hierarchicalChunkingConfiguration', 'HIERARCHICAL');
      const [parent, child] = levels.levelConfigurations;
      if (parent === undefined || child === undefined || levels.levelConfigurations.length !== 2) {
        throw validationError('hierarchicalChunkingConfiguration.levelConfigurations must have exactly 2 levels (parent, then child).');
      }
      return fixedSize(trimmed, parent.maxTokens, levels.overlapTokens).flatMap((content) =>
        fixedSize(content, child.maxTokens, levels.overlapTokens).map((piece) => ({ text: piece, content })),
      );
    }
    case 'SEMANTIC': {
      const semantic = configuration.semanticChunkingConfiguration ?? missing('semanticChunkingConfiguration', 'SEMANTIC');
      return semanticChunks(trimmed, semantic).map((chunk) => ({ text: chunk, content: chunk }));
    }
    default:
      throw validationError(
        `${String((configuration as { chunkingStrategy: unknown }).chunkingStrategy)} is not a chunking strategy: FIXED_SIZE, NONE, HIERARCHICAL or SEMANTIC.`,
      );
  }
}

function missing(member: string, strategy: string): never {
  throw validationError(`${member} is required when chunkingStrategy is ${strategy}.`);
}

/** Words with the space before them (as the tokenizer merges them), each with its tokens: what fixed-size chunks are cut between. */
function pieces(text: string): { text: string; tokens: number }[] {
  return (text.match(/\s*\S+/g) ?? []).map((piece) => ({ text: piece, tokens: countTokens(piece) }));
}

/** Chunks of at most `maxTokens` tokens, cut between words, each starting about `overlap` tokens before the last one ended. */
function fixedSize(text: string, maxTokens: number, overlap: number): string[] {
  const words = pieces(text);
  const chunks: string[] = [];
  let start = 0;
  while (start < words.length) {
    let end = start;
    let tokens = 0;
    // A single word over the limit is a chunk of its own (cut to the limit), so the loop always moves on.
    while (end < words.length && (end === start || tokens + (words[end]?.tokens ?? 0) <= maxTokens)) tokens += words[end++]?.tokens ?? 0;
    const chunk = words
      .slice(start, end)
      .map((word) => word.text)
      .join('')
      .trim();
    chunks.push(countTokens(chunk) > maxTokens ? cutTo(chunk, maxTokens) : chunk);
    if (end >= words.length) break;
    let back = end;
    let overlapped = 0;
    while (back - 1 > start && overlapped + (words[back - 1]?.tokens ?? 0) <= overlap) overlapped += words[--back]?.tokens ?? 0;
    start = back;
  }
  return chunks;
}

/** The text's first words that fit in `maxTokens` tokens (a chunk whose words' tokens counted apart came to fewer). */
function cutTo(text: string, maxTokens: number): string {
  let cut = text;
  while (cut.length > 0 && countTokens(cut) > maxTokens) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  return cut.trim();
}

function semanticChunks(
  text: string,
  { maxTokens, bufferSize, breakpointPercentileThreshold }: NonNullable<ChunkingConfiguration['semanticChunkingConfiguration']>,
): string[] {
  const sentences = text.match(/[^.!?\n]+(?:[.!?]+|\n+|$)\s*/g)?.filter((s) => s.trim() !== '') ?? [text];
  const windows = sentences.map((_, i) =>
    lexicalEmbedding(sentences.slice(Math.max(0, i - bufferSize), i + bufferSize + 1).join(' '), 256),
  );
  const distances = windows.slice(1).map((window, i) => 1 - cosine(windows[i] ?? window, window));
  const sorted = [...distances].sort((a, b) => a - b);
  const threshold = sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * breakpointPercentileThreshold) / 100))] ?? 1;
  const chunks: string[] = [];
  let current = '';
  sentences.forEach((sentence, i) => {
    const breaks = i > 0 && (distances[i - 1] ?? 0) > threshold;
    if (current !== '' && (breaks || countTokens(current + sentence) > maxTokens)) {
      chunks.push(current.trim());
      current = '';
    }
    current += sentence;
  });
  if (current.trim() !== '') chunks.push(current.trim());
  return chunks.flatMap((chunk) => (countTokens(chunk) > maxTokens ? fixedSize(chunk, maxTokens, 0) : [chunk]));
}
