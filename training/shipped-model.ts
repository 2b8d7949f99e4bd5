/** The shipped model: selected and trained on all tickets, then checked as the inference code reads it. */
import { readFileSync } from 'node:fs';
import {
  argmax,
  calibrate,
  compileModel,
  featurize,
  type LocalModel,
  parseModel,
  predictProbabilities,
  type SparseVector,
} from '../lambdas/triage/local-model/features.js';
import { CONFIG, K, MODEL_PATH } from './config.js';
import type { Ticket } from './data.js';
import { buildFeatureSpace, pack } from './feature-space.js';
import { labelPriors, objective, rawLogits, trainLogReg, type Weights } from './logreg.js';
import { buildModelFile } from './model-file.js';
import { type Selection, selectHyperparameters } from './selection.js';

export interface ShippedModel {
  readonly selection: Selection;
  readonly X: SparseVector[];
  readonly weights: Weights;
  readonly priors: number[];
  readonly finalObjective: number;
  /** Squared norm of the objective's gradient at the trained weights. */
  readonly gradientNorm: number;
  readonly model: LocalModel;
  /** model.json as written. */
  readonly text: string;
}

export function trainShippedModel(terms: readonly ReadonlyMap<string, number>[], y: readonly number[], sha256: string): ShippedModel {
  const allIds = terms.map((_, i) => i);
  // The shipped model: select on all tickets, train on all tickets.
  const selection = selectHyperparameters(terms, y, allIds, CONFIG.seed);
  const space = buildFeatureSpace(terms, allIds);
  const X = allIds.map((i) => featurize(terms[i] as ReadonlyMap<string, number>, space.index, space.idf));
  const packed = pack(X);
  const weights = trainLogReg(packed, y, space.vocabulary.length, selection.l2);
  const gw = new Float64Array(weights.w.length);
  const gb = new Float64Array(K);
  const finalObjective = objective(weights, packed, y, selection.l2, gw, gb);
  let gradientNorm = 0;
  for (const g of gw) gradientNorm += g * g;
  for (const g of gb) gradientNorm += g * g;
  const priors = labelPriors(y, allIds);
  const { model, text } = buildModelFile(space, weights, selection.temperature, priors, {
    l2: selection.l2,
    iterations: CONFIG.iterations,
    tickets: terms.length,
    minDocumentFrequency: CONFIG.minDocumentFrequency,
    datasetSha256: sha256.slice(0, 16),
  });
  return { selection, X, weights, priors, finalObjective, gradientNorm, model, text };
}

/** Checks MODEL_PATH as written; answers its accuracy on the training tickets and its inference time per ticket. */
export function verifyShippedModel(
  tickets: readonly Ticket[],
  y: readonly number[],
  trained: ShippedModel,
): { trainingCorrect: number; microsPerTicket: number } {
  const { X, weights, selection, priors } = trained;
  // Read the file back through the inference code and check it predicts what was trained.
  const compiled = compileModel(parseModel(JSON.parse(readFileSync(MODEL_PATH, 'utf8'))));
  let maxDifference = 0;
  let disagreements = 0;
  let trainingCorrect = 0;
  const started = process.hrtime.bigint();
  tickets.forEach((t, i) => {
    const shipped = predictProbabilities(compiled, t);
    const x = X[i] as SparseVector;
    const inMemory = calibrate(x.indices.length === 0 ? null : rawLogits(weights, x), selection.temperature, priors);
    shipped.forEach((p, k) => {
      maxDifference = Math.max(maxDifference, Math.abs(p - (inMemory[k] as number)));
    });
    if (argmax(shipped) !== argmax(inMemory)) disagreements++;
    if (argmax(shipped) === y[i]) trainingCorrect++;
  });
  const microsPerTicket = Number(process.hrtime.bigint() - started) / 1000 / tickets.length;
  if (maxDifference > 1e-3 || disagreements > 0) {
    throw new Error(`model.json does not reproduce the trained model (max |dp| ${maxDifference}, ${disagreements} disagreements)`);
  }
  return { trainingCorrect, microsPerTicket };
}
