/**
 * Trains the local support-ticket classifier and checks that its confidence is calibrated.
 *
 *   npx tsx training/train-classifier.ts
 *
 * Reads training/tickets.jsonl, writes lambdas/triage/local-model/model.json and
 * training/report.json. No dependencies beyond Node; deterministic (seeded fold assignment,
 * full-batch optimiser with a fixed number of iterations, no timestamps in the outputs), so a
 * re-run produces byte-identical files.
 *
 * Model: TF-IDF over unigrams and bigrams (tokenizer and featurizer imported from the inference
 * code, so training and inference cannot drift), multinomial logistic regression with L2
 * regularisation, fitted by Nesterov-accelerated gradient descent, then temperature scaling.
 *
 * Evaluation: nested, stratified 5-fold cross-validation. For each outer fold the L2 strength
 * and the softmax temperature are chosen by an inner 5-fold cross-validation on the outer
 * training part only (lowest calibrated log-loss), and the outer test fold is predicted once.
 * Every ticket therefore gets exactly one prediction from a model and a temperature that never
 * saw it, and the report's accuracy, F1 and calibration figures are computed on those.
 * The shipped model repeats the selection on all tickets and is trained on all of them.
 */
import { writeFileSync } from 'node:fs';
import { extractTerms } from '../lambdas/triage/local-model/features.js';
import { DATA_PATH, LABELS, MODEL_PATH, REPORT_PATH, rel } from './config.js';
import { crossValidate } from './cross-validation.js';
import { loadTickets } from './data.js';
import { buildReport, printSummary } from './report.js';
import { trainShippedModel, verifyShippedModel } from './shipped-model.js';

function main(): void {
  const { tickets, sha256 } = loadTickets(DATA_PATH);
  const y = tickets.map((t) => LABELS.indexOf(t.queue));
  const terms = tickets.map((t) => extractTerms(t));
  console.log(`${tickets.length} tickets from ${rel(DATA_PATH)}`);

  const cv = crossValidate(tickets, terms, y);
  const shipped = trainShippedModel(terms, y, sha256);
  writeFileSync(MODEL_PATH, shipped.text);
  const check = verifyShippedModel(tickets, y, shipped);

  const report = buildReport(tickets, sha256, cv, shipped, check);
  writeFileSync(REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);
  printSummary(report, cv, shipped, check.microsPerTicket);
}

main();
