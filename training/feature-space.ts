/** The training side of the features: vocabulary and idf from a training part, and packed feature vectors. */
import type { SparseVector } from '../lambdas/triage/local-model/features.js';
import { CONFIG } from './config.js';

export interface FeatureSpace {
  readonly vocabulary: string[];
  readonly index: Map<string, number>;
  readonly idf: number[];
}

/** Vocabulary (terms in >= minDocumentFrequency of the given tickets, sorted) and smoothed idf. */
export function buildFeatureSpace(terms: readonly ReadonlyMap<string, number>[], ids: readonly number[]): FeatureSpace {
  const df = new Map<string, number>();
  for (const id of ids) for (const term of (terms[id] as ReadonlyMap<string, number>).keys()) df.set(term, (df.get(term) ?? 0) + 1);
  const vocabulary = [...df.entries()]
    .filter(([, n]) => n >= CONFIG.minDocumentFrequency)
    .map(([term]) => term)
    .sort();
  const index = new Map(vocabulary.map((term, j) => [term, j] as const));
  const n = ids.length;
  const idf = vocabulary.map((term) => Math.log((1 + n) / (1 + (df.get(term) ?? 0))) + 1);
  return { vocabulary, index, idf };
}

/** Sparse feature vectors packed into flat arrays (CSR), for a fast training loop. */
export interface Packed {
  readonly rows: number;
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export function pack(X: readonly SparseVector[]): Packed {
  const offsets = new Int32Array(X.length + 1);
  X.forEach((x, i) => {
    offsets[i + 1] = (offsets[i] as number) + x.indices.length;
  });
  const total = offsets[X.length] as number;
  const indices = new Int32Array(total);
  const values = new Float64Array(total);
  X.forEach((x, i) => {
    indices.set(x.indices, offsets[i]);
    values.set(x.values, offsets[i]);
  });
  return { rows: X.length, offsets, indices, values };
}
