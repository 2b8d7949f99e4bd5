/** The report's figures for a set of predicted probabilities: accuracy, F1, log-loss, calibration. */
import { argmax } from '../lambdas/triage/local-model/features.js';
import { CONFIG, K, LABELS } from './config.js';
import { round } from './determinism.js';

/** counts[true label][predicted label]. */
function confusionMatrix(predicted: readonly number[], y: readonly number[]): number[][] {
  const confusion = LABELS.map(() => LABELS.map(() => 0));
  predicted.forEach((p, i) => {
    const row = confusion[y[i] as number] as number[];
    row[p] = (row[p] as number) + 1;
  });
  return confusion;
}

function perQueueScores(confusion: readonly number[][]) {
  return Object.fromEntries(
    LABELS.map((label, k) => {
      const tp = (confusion[k] as number[])[k] as number;
      const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
      const predictedK = confusion.reduce((a, row) => a + (row[k] as number), 0);
      const precision = predictedK === 0 ? 0 : tp / predictedK;
      const recall = support === 0 ? 0 : tp / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return [label, { precision: round(precision), recall: round(recall), f1: round(f1), support }];
    }),
  );
}

/** Summed log-loss and Brier score (the caller divides by the ticket count). */
function lossAndBrier(probs: readonly number[][], y: readonly number[]): { logLoss: number; brier: number } {
  let logLoss = 0;
  let brier = 0;
  probs.forEach((p, i) => {
    logLoss -= Math.log(Math.max(p[y[i] as number] as number, 1e-300));
    p.forEach((pk, k) => {
      brier += (pk - (k === y[i] ? 1 : 0)) ** 2;
    });
  });
  return { logLoss, brier };
}

interface Bin {
  from: number;
  to: number;
  count: number;
  confidenceSum: number;
  correct: number;
}

// Expected calibration error over equal-width confidence bins [0, 0.1), ..., [0.9, 1.0].
function confidenceBins(confidence: readonly number[], correct: readonly boolean[]): Bin[] {
  const bins = Array.from({ length: CONFIG.eceBins }, (_, b) => ({
    from: b / CONFIG.eceBins,
    to: (b + 1) / CONFIG.eceBins,
    count: 0,
    confidenceSum: 0,
    correct: 0,
  }));
  confidence.forEach((c, i) => {
    const bin = bins[Math.min(CONFIG.eceBins - 1, Math.floor(c * CONFIG.eceBins))] as (typeof bins)[number];
    bin.count++;
    bin.confidenceSum += c;
    if (correct[i]) bin.correct++;
  });
  return bins;
}

function expectedCalibrationError(bins: readonly Bin[], n: number): number {
  return bins.reduce(
    (a, bin) => (bin.count === 0 ? a : a + (bin.count / n) * Math.abs(bin.correct / bin.count - bin.confidenceSum / bin.count)),
    0,
  );
}

/** Per confidence threshold: how many tickets are routed without a person, and how accurately on each side. */
function thresholdTable(confidence: readonly number[], correct: readonly boolean[], n: number) {
  return CONFIG.thresholds.map((t) => {
    const above = confidence.map((c, i) => ({ c, ok: correct[i] })).filter(({ c }) => c >= t);
    const below = confidence.map((c, i) => ({ c, ok: correct[i] })).filter(({ c }) => c < t);
    const acc = (xs: typeof above) => (xs.length === 0 ? null : round(xs.filter((x) => x.ok).length / xs.length));
    return {
      threshold: t,
      coverage: round(above.length / n),
      routedAutomatically: above.length,
      accuracyAtOrAbove: acc(above),
      accuracyBelow: acc(below),
    };
  });
}

function reliability(bins: readonly Bin[]) {
  return bins
    .filter((bin) => bin.count > 0)
    .map((bin) => ({
      bin: `[${bin.from.toFixed(1)}, ${bin.to.toFixed(1)}${bin.to === 1 ? ']' : ')'}`,
      tickets: bin.count,
      meanConfidence: round(bin.confidenceSum / bin.count),
      accuracy: round(bin.correct / bin.count),
    }));
}

export function evaluate(probs: readonly number[][], y: readonly number[]) {
  const n = probs.length;
  const predicted = probs.map((p) => argmax(p));
  const confidence = probs.map((p) => Math.max(...p));
  const correct = predicted.map((p, i) => p === y[i]);
  const confusion = confusionMatrix(predicted, y);
  const perQueue = perQueueScores(confusion);
  const macroF1 = Object.values(perQueue).reduce((a, q) => a + q.f1, 0) / K;
  const { logLoss, brier } = lossAndBrier(probs, y);
  const bins = confidenceBins(confidence, correct);
  const ece = expectedCalibrationError(bins, n);
  const thresholds = thresholdTable(confidence, correct, n);
  return {
    tickets: n,
    accuracy: round(correct.filter(Boolean).length / n),
    macroF1: round(macroF1),
    logLoss: round(logLoss / n),
    brierScore: round(brier / n),
    expectedCalibrationError: round(ece),
    meanConfidence: round(confidence.reduce((a, b) => a + b, 0) / n),
    thresholds,
    reliability: reliability(bins),
    perQueue,
    confusionMatrix: { rowsAreTrue: LABELS, columnsArePredicted: LABELS, counts: confusion },
  };
}

export type Evaluation = ReturnType<typeof evaluate>;
