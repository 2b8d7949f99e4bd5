/** lambdas/triage/local-model/model.json: the trained model as the inference code reads it. */
import { createHash } from 'node:crypto';
import { type LocalModel, TOKENIZER_VERSION } from '../lambdas/triage/local-model/features.js';
import { CONFIG, K, LABELS } from './config.js';
import { round } from './determinism.js';
import type { FeatureSpace } from './feature-space.js';
import type { Weights } from './logreg.js';

/** The model as written: compact arrays, one weight row per line, stable key order. */
function serialise(model: LocalModel): string {
  const lines = Object.entries(model).map(([key, value]) => {
    if (key === 'weights') {
      const rows = (value as number[][]).map((row) => `    ${JSON.stringify(row)}`).join(',\n');
      return `  "weights": [\n${rows}\n  ]`;
    }
    return `  ${JSON.stringify(key)}: ${JSON.stringify(value)}`;
  });
  return `{\n${lines.join(',\n')}\n}\n`;
}

export function buildModelFile(
  space: FeatureSpace,
  weights: Weights,
  temperature: number,
  priors: readonly number[],
  training: Record<string, unknown>,
): { model: LocalModel; text: string } {
  const d = CONFIG.modelDecimals;
  const content = {
    format: 'switchyard-local-logreg' as const,
    tokenizer: TOKENIZER_VERSION,
    labels: LABELS,
    temperature,
    priors: priors.map((p) => round(p, 6)),
    vocabulary: space.vocabulary,
    idf: space.idf.map((v) => round(v, d)),
    weights: LABELS.map((_, k) => space.vocabulary.map((_, j) => round(weights.w[j * K + k] as number, d))),
    biases: LABELS.map((_, k) => round(weights.b[k] as number, d)),
    training,
  };
  const version = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 12);
  const { format, ...rest } = content;
  const model: LocalModel = { format, version, ...rest };
  const text = serialise(model);
  // Dropping terms after training would change every ticket's L2 normalisation, so a model that
  // is too large is refused: raise minDocumentFrequency instead (the vocabulary is then chosen
  // before training, and cross-validation measures the smaller model).
  if (Buffer.byteLength(text) > CONFIG.maxModelBytes) {
    throw new Error(`model.json would be ${Buffer.byteLength(text)} bytes (> ${CONFIG.maxModelBytes}); raise minDocumentFrequency`);
  }
  return { model, text };
}
