import { describe, expect, it } from 'vitest';
import { cosine, lexicalEmbedding } from '../../../local/bedrock/lexical-embedding.js';

const similarity = (a: string, b: string) => cosine(lexicalEmbedding(a, 1024), lexicalEmbedding(b, 1024));

describe('lexicalEmbedding', () => {
  it('gives the same text the same unit vector, at the dimensions asked for', () => {
    const one = lexicalEmbedding('Refunds are issued within 14 days.', 256);
    expect(one).toHaveLength(256);
    expect(Math.hypot(...one)).toBeCloseTo(1, 9);
    expect(lexicalEmbedding('Refunds are issued within 14 days.', 256)).toEqual(one);
  });

  it('puts a question closer to the passage that answers it than to unrelated passages', () => {
    const question = 'How many days does a refund take?';
    const answer = 'A refund is issued within 14 days of the return being received.';
    const unrelated = ['The office is closed on public holidays.', 'Our mascot is a purple octopus named Ollie.'];
    const near = similarity(question, answer);
    for (const text of unrelated) expect(near).toBeGreaterThan(similarity(question, text) + 0.1);
  });

  it('finds texts sharing word forms closer than texts sharing none', () => {
    expect(similarity('ingestion of documents', 'we ingest a document')).toBeGreaterThan(
      similarity('ingestion of documents', 'purple octopus'),
    );
  });

  it('gives unrelated texts a similarity near zero', () => {
    expect(Math.abs(similarity('purple octopus mascot', 'quarterly revenue forecast spreadsheet'))).toBeLessThan(0.15);
  });

  it('gives a text without words a unit vector all the same', () => {
    expect(Math.hypot(...lexicalEmbedding('', 64))).toBeCloseTo(1, 9);
    expect(Math.hypot(...lexicalEmbedding('?!', 64))).toBeCloseTo(1, 9);
  });
});
