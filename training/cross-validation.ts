/**
 * The outer loop of the nested cross-validation: each outer fold's hyperparameters are chosen on
 * its training part only, and its test tickets are predicted once.
 */
import { argmax } from '../lambdas/triage/local-model/features.js';
import { CONFIG, LABELS } from './config.js';
import type { Ticket } from './data.js';
import { round, stratifiedFolds } from './determinism.js';
import { type Evaluation, evaluate } from './metrics.js';
import { fitAndScore, probabilities, type Scored, selectHyperparameters } from './selection.js';

export interface FoldReport {
  fold: number;
  trainTickets: number;
  testTickets: number;
  l2: number;
  temperature: number;
  accuracy: number;
}

export interface CrossValidation {
  readonly foldReports: FoldReport[];
  readonly noKnownTerm: number;
  readonly calibrated: Evaluation;
  readonly uncalibrated: Evaluation;
  readonly mistakes: Array<{ subject: string; labelled: string; predicted: string | undefined; confidence: number }>;
}

/** Out-of-fold predictions, written into `calibrated` and `uncalibrated` by ticket id. */
interface Predictions {
  readonly calibrated: number[][];
  readonly uncalibrated: number[][];
  noKnownTerm: number;
}

/** One outer fold: select on its training part, predict its test part once, log and report it. */
function outerFold(
  f: number,
  outer: readonly number[],
  terms: readonly ReadonlyMap<string, number>[],
  y: readonly number[],
  predictions: Predictions,
): FoldReport {
  const allIds = y.map((_, i) => i);
  const trainIds = allIds.filter((i) => outer[i] !== f);
  const testIds = allIds.filter((i) => outer[i] === f);
  const selection = selectHyperparameters(terms, y, trainIds, CONFIG.seed + 1 + f);
  const [scored] = fitAndScore(terms, y, trainIds, testIds, [selection.l2]);
  let correct = 0;
  testIds.forEach((id, n) => {
    const s = (scored as Scored[])[n] as Scored;
    if (s.logits === null) predictions.noKnownTerm++;
    predictions.calibrated[id] = probabilities(s, selection.temperature);
    predictions.uncalibrated[id] = probabilities(s, 1);
    if (argmax(predictions.calibrated[id]) === y[id]) correct++;
  });
  console.log(
    `outer fold ${f + 1}/${CONFIG.outerFolds}: l2=${selection.l2} T=${selection.temperature} accuracy=${round(correct / testIds.length)}`,
  );
  return {
    fold: f + 1,
    trainTickets: trainIds.length,
    testTickets: testIds.length,
    l2: selection.l2,
    temperature: selection.temperature,
    accuracy: round(correct / testIds.length),
  };
}

/** The tickets predicted wrongly, most confident first. */
function mostConfidentMistakes(tickets: readonly Ticket[], y: readonly number[], calibrated: readonly number[][]) {
  return tickets
    .map((_, i) => i)
    .filter((i) => argmax(calibrated[i] as number[]) !== y[i])
    .map((i) => {
      const p = calibrated[i] as number[];
      const t = tickets[i] as Ticket;
      return { subject: t.subject, labelled: t.queue, predicted: LABELS[argmax(p)], confidence: round(Math.max(...p)) };
    })
    .sort((a, b) => b.confidence - a.confidence || a.subject.localeCompare(b.subject, 'en'));
}

export function crossValidate(
  tickets: readonly Ticket[],
  terms: readonly ReadonlyMap<string, number>[],
  y: readonly number[],
): CrossValidation {
  const allIds = tickets.map((_, i) => i);
  // Nested cross-validation: honest out-of-fold predictions for every ticket.
  const outer = stratifiedFolds(allIds, y, CONFIG.outerFolds, CONFIG.seed);
  const predictions: Predictions = {
    calibrated: new Array<number[]>(tickets.length),
    uncalibrated: new Array<number[]>(tickets.length),
    noKnownTerm: 0,
  };
  const foldReports: FoldReport[] = [];
  for (let f = 0; f < CONFIG.outerFolds; f++) foldReports.push(outerFold(f, outer, terms, y, predictions));
  return {
    foldReports,
    noKnownTerm: predictions.noKnownTerm,
    calibrated: evaluate(predictions.calibrated, y),
    uncalibrated: evaluate(predictions.uncalibrated, y),
    mistakes: mostConfidentMistakes(tickets, y, predictions.calibrated),
  };
}
