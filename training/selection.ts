/**
 * Calibration and model selection: held-out scores, the temperature that calibrates them, and
 * the L2 strength chosen by inner cross-validation.
 */
import { argmax, calibrate, featurize } from '../lambdas/triage/local-model/features.js';
import { CONFIG } from './config.js';
import { round, stratifiedFolds } from './determinism.js';
import { buildFeatureSpace, pack } from './feature-space.js';
import { labelPriors, rawLogits, trainLogReg } from './logreg.js';

/**
 * A held-out ticket's raw scores: logits, or null when it has no term in the vocabulary, with the
 * label frequencies of the training part that are its answer then (see `calibrate`).
 */
export interface Scored {
  readonly logits: number[] | null;
  readonly priors: readonly number[];
}

export const probabilities = (s: Scored, temperature: number): number[] => calibrate(s.logits, temperature, s.priors);

/** Trains on `trainIds` (its own vocabulary and idf) once per L2 strength and scores `testIds`. */
export function fitAndScore(
  terms: readonly ReadonlyMap<string, number>[],
  y: readonly number[],
  trainIds: readonly number[],
  testIds: readonly number[],
  l2s: readonly number[],
): Scored[][] {
  const space = buildFeatureSpace(terms, trainIds);
  const featurizeIds = (ids: readonly number[]) =>
    ids.map((id) => featurize(terms[id] as ReadonlyMap<string, number>, space.index, space.idf));
  const Xtrain = pack(featurizeIds(trainIds));
  const ytrain = trainIds.map((id) => y[id] as number);
  const Xtest = featurizeIds(testIds);
  const priors = labelPriors(y, trainIds);
  return l2s.map((l2) => {
    const model = trainLogReg(Xtrain, ytrain, space.vocabulary.length, l2);
    return Xtest.map((x) => ({ logits: x.indices.length === 0 ? null : rawLogits(model, x), priors }));
  });
}

function meanNll(scored: readonly Scored[], y: readonly number[], temperature: number): number {
  let total = 0;
  scored.forEach((s, i) => {
    total -= Math.log(Math.max(probabilities(s, temperature)[y[i] as number] as number, 1e-300));
  });
  return total / scored.length;
}

/**
 * Temperature minimising the log-loss of held-out logits. The log-loss is convex in 1/T, hence
 * unimodal in ln T; golden-section search over T in [0.05, 20] with a fixed number of steps.
 */
function fitTemperature(logits: readonly Scored[], y: readonly number[]): number {
  const phi = (Math.sqrt(5) - 1) / 2;
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  let a = hi - phi * (hi - lo);
  let b = lo + phi * (hi - lo);
  let fa = meanNll(logits, y, Math.exp(a));
  let fb = meanNll(logits, y, Math.exp(b));
  for (let i = 0; i < 60; i++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - phi * (hi - lo);
      fa = meanNll(logits, y, Math.exp(a));
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + phi * (hi - lo);
      fb = meanNll(logits, y, Math.exp(b));
    }
  }
  return round(Math.exp((lo + hi) / 2), 4);
}

export interface Selection {
  readonly l2: number;
  readonly temperature: number;
  readonly grid: Array<{ l2: number; temperature: number; logLoss: number; accuracy: number }>;
}

/** Inner cross-validation on `ids`: the L2 strength (and its temperature) with the lowest calibrated log-loss. */
export function selectHyperparameters(
  terms: readonly ReadonlyMap<string, number>[],
  y: readonly number[],
  ids: readonly number[],
  seed: number,
): Selection {
  const folds = stratifiedFolds(ids, y, CONFIG.innerFolds, seed);
  const oof: Scored[][] = CONFIG.l2Grid.map(() => new Array<Scored>(ids.length));
  for (let f = 0; f < CONFIG.innerFolds; f++) {
    const trainPos = ids.map((_, p) => p).filter((p) => folds[p] !== f);
    const testPos = ids.map((_, p) => p).filter((p) => folds[p] === f);
    const scores = fitAndScore(
      terms,
      y,
      trainPos.map((p) => ids[p] as number),
      testPos.map((p) => ids[p] as number),
      CONFIG.l2Grid,
    );
    scores.forEach((perTicket, g) => {
      testPos.forEach((p, n) => {
        (oof[g] as Scored[])[p] = perTicket[n] as Scored;
      });
    });
  }
  const yIds = ids.map((id) => y[id] as number);
  const grid = CONFIG.l2Grid.map((l2, g) => {
    const logits = oof[g] as Scored[];
    const temperature = fitTemperature(logits, yIds);
    const correct = logits.filter((s, i) => argmax(probabilities(s, temperature)) === yIds[i]).length;
    return { l2, temperature, logLoss: meanNll(logits, yIds, temperature), accuracy: correct / ids.length };
  });
  let best = 0;
  grid.forEach((row, g) => {
    if (row.logLoss < (grid[best] as (typeof grid)[number]).logLoss) best = g;
  });
  const chosen = grid[best] as (typeof grid)[number];
  return {
    l2: chosen.l2,
    temperature: chosen.temperature,
    grid: grid.map((r) => ({ ...r, logLoss: round(r.logLoss), accuracy: round(r.accuracy) })),
  };
}
