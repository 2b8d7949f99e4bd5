import { describe, expect, it } from 'vitest';
import { chunkDocument, DEFAULT_CHUNKING } from '../../../../local/bedrock/knowledge-bases/chunking.js';
import { countTokens } from '../../../../local/bedrock/tokens.js';

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('chunkDocument', () => {
  it('cuts FIXED_SIZE chunks of at most maxTokens tokens, between words', () => {
    const chunks = chunkDocument(words(400), {
      chunkingStrategy: 'FIXED_SIZE',
      fixedSizeChunkingConfiguration: { maxTokens: 50, overlapPercentage: 20 },
    });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(countTokens(chunk.text)).toBeLessThanOrEqual(50);
      expect(chunk.text).toMatch(/^word\d+( word\d+)*$/);
    }
  });

  it('starts each FIXED_SIZE chunk overlapPercentage of maxTokens before the previous one ended', () => {
    const chunks = chunkDocument(words(400), {
      chunkingStrategy: 'FIXED_SIZE',
      fixedSizeChunkingConfiguration: { maxTokens: 50, overlapPercentage: 20 },
    });
    for (let i = 1; i < chunks.length; i++) {
      const previous = (chunks[i - 1]?.text ?? '').split(' ');
      const current = (chunks[i]?.text ?? '').split(' ');
      const shared = previous.filter((word) => current.includes(word));
      expect(shared.length).toBeGreaterThan(0);
      expect(countTokens(shared.join(' '))).toBeLessThanOrEqual(10);
      expect(current[0]).toBe(shared[0]);
    }
    expect(chunks.at(-1)?.text.endsWith('word399')).toBe(true);
  });

  it('keeps the whole document as one chunk with NONE', () => {
    expect(chunkDocument(`  ${words(2000)}\n`, { chunkingStrategy: 'NONE' })).toEqual([{ text: words(2000), content: words(2000) }]);
  });

  it('chunks by 300 tokens, 20% overlapping, with no configuration, as Bedrock does by default', () => {
    expect(DEFAULT_CHUNKING).toEqual({
      chunkingStrategy: 'FIXED_SIZE',
      fixedSizeChunkingConfiguration: { maxTokens: 300, overlapPercentage: 20 },
    });
    const chunks = chunkDocument(words(1000));
    expect(chunks.every((chunk) => countTokens(chunk.text) <= 300)).toBe(true);
    expect(countTokens(chunks[0]?.text ?? '')).toBeGreaterThan(250);
  });

  it('embeds HIERARCHICAL children and returns their parent as the content', () => {
    const chunks = chunkDocument(words(300), {
      chunkingStrategy: 'HIERARCHICAL',
      hierarchicalChunkingConfiguration: { levelConfigurations: [{ maxTokens: 200 }, { maxTokens: 40 }], overlapTokens: 5 },
    });
    for (const chunk of chunks) {
      expect(countTokens(chunk.text)).toBeLessThanOrEqual(40);
      expect(countTokens(chunk.content)).toBeLessThanOrEqual(200);
      expect(chunk.content).toContain(chunk.text);
    }
    expect(new Set(chunks.map((chunk) => chunk.content)).size).toBeGreaterThan(1);
  });

  it('breaks SEMANTIC chunks where the topic changes', () => {
    const text =
      'Refunds are issued in 14 days. Refunds need the receipt. Refunds go to the original card. ' +
      'The octopus mascot is purple. The octopus mascot is named Ollie. The octopus mascot likes parades.';
    const chunks = chunkDocument(text, {
      chunkingStrategy: 'SEMANTIC',
      semanticChunkingConfiguration: { maxTokens: 300, bufferSize: 0, breakpointPercentileThreshold: 75 },
    });
    expect(chunks.map((chunk) => chunk.text)).toEqual([
      'Refunds are issued in 14 days. Refunds need the receipt. Refunds go to the original card.',
      'The octopus mascot is purple. The octopus mascot is named Ollie. The octopus mascot likes parades.',
    ]);
  });

  it('fails if a strategy misses its configuration, saying which', () => {
    expect(() => chunkDocument('text', { chunkingStrategy: 'FIXED_SIZE' })).toThrow(
      'fixedSizeChunkingConfiguration is required when chunkingStrategy is FIXED_SIZE.',
    );
  });
});
