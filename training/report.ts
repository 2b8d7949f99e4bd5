/** training/report.json and the summary printed at the end of a training run. */
import { TOKENIZER_VERSION } from '../lambdas/triage/local-model/features.js';
import { CONFIG, DATA_PATH, LABELS, MODEL_PATH, REPORT_PATH, rel } from './config.js';
import type { CrossValidation } from './cross-validation.js';
import type { Ticket } from './data.js';
import { round } from './determinism.js';
import type { ShippedModel } from './shipped-model.js';

export function buildReport(
  tickets: readonly Ticket[],
  sha256: string,
  cv: CrossValidation,
  shipped: ShippedModel,
  check: { trainingCorrect: number },
) {
  const { selection, model } = shipped;
  const cvUncalibrated = cv.uncalibrated;
  return {
    description:
      'Local support-ticket classifier: TF-IDF (unigrams + bigrams) and multinomial logistic regression with L2 regularisation, calibrated by temperature scaling. Figures are from nested stratified cross-validation: every ticket is predicted once by a model, L2 strength and temperature chosen without it.',
    command: 'npx tsx training/train-classifier.ts',
    dataset: {
      file: rel(DATA_PATH),
      sha256,
      tickets: tickets.length,
      perQueue: Object.fromEntries(LABELS.map((label) => [label, tickets.filter((t) => t.queue === label).length])),
      nature: 'hand-written synthetic sample of SaaS support tickets, not real customer data',
    },
    method: {
      features: `tokenizer ${TOKENIZER_VERSION}: NFKC, lowercase, punctuation stripped; unigrams + bigrams; subject terms weighted x2; terms in < ${CONFIG.minDocumentFrequency} tickets dropped; sublinear tf x smoothed idf; L2-normalised`,
      classifier: `softmax regression, L2 penalty, Nesterov-accelerated full-batch gradient descent, ${CONFIG.iterations} iterations from zero`,
      calibration:
        'softmax temperature fitted by minimising held-out log-loss (inner cross-validation); a ticket with no known term gets the training label frequencies',
      selection: `L2 strength from ${JSON.stringify(CONFIG.l2Grid)} by lowest calibrated inner-CV log-loss`,
      evaluation: `nested stratified cross-validation, ${CONFIG.outerFolds} outer x ${CONFIG.innerFolds} inner folds, seed ${CONFIG.seed}`,
      eceBins: CONFIG.eceBins,
    },
    crossValidation: {
      folds: cv.foldReports,
      ticketsWithNoKnownTerm: cv.noKnownTerm,
      calibrated: cv.calibrated,
      withoutTemperatureScaling: {
        accuracy: cvUncalibrated.accuracy,
        logLoss: cvUncalibrated.logLoss,
        expectedCalibrationError: cvUncalibrated.expectedCalibrationError,
        meanConfidence: cvUncalibrated.meanConfidence,
        thresholds: cvUncalibrated.thresholds,
      },
      mostConfidentMistakes: cv.mistakes.slice(0, 10),
    },
    shippedModel: {
      file: rel(MODEL_PATH),
      name: `local-logreg@${model.version}`,
      version: model.version,
      l2: selection.l2,
      temperature: selection.temperature,
      selectionGrid: selection.grid,
      vocabularySize: model.vocabulary.length,
      bytes: Buffer.byteLength(shipped.text),
      trainingObjective: round(shipped.finalObjective, 6),
      finalGradientNorm: Number(Math.sqrt(shipped.gradientNorm).toPrecision(3)),
      trainingSetAccuracy: round(check.trainingCorrect / tickets.length),
      note: 'trainingSetAccuracy is measured on the tickets the model was trained on and is optimistic; use the crossValidation figures.',
    },
  };
}

export function printSummary(
  report: ReturnType<typeof buildReport>,
  cv: CrossValidation,
  shipped: ShippedModel,
  microsPerTicket: number,
): void {
  const { selection, model } = shipped;
  const calibrated = cv.calibrated;
  const pct = (x: number | null) => (x === null ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);
  console.log('');
  console.log(`nested ${CONFIG.outerFolds}-fold CV on ${report.dataset.tickets} tickets (calibrated):`);
  console.log(
    `  accuracy ${pct(calibrated.accuracy)}   macro-F1 ${calibrated.macroF1.toFixed(4)}   log-loss ${calibrated.logLoss.toFixed(4)}`,
  );
  console.log(
    `  ECE (${CONFIG.eceBins} bins) ${calibrated.expectedCalibrationError.toFixed(4)}   (without temperature scaling ${cv.uncalibrated.expectedCalibrationError.toFixed(4)})`,
  );
  console.log('  threshold  coverage  acc >= t  acc < t');
  for (const row of calibrated.thresholds) {
    console.log(
      `  ${row.threshold.toFixed(1).padStart(9)}  ${pct(row.coverage)}    ${pct(row.accuracyAtOrAbove)}   ${pct(row.accuracyBelow)}`,
    );
  }
  console.log('');
  console.log(
    `shipped model ${report.shippedModel.name}: l2=${selection.l2} T=${selection.temperature} vocabulary=${model.vocabulary.length} ${report.shippedModel.bytes} bytes`,
  );
  console.log(`  inference through model.json: ${microsPerTicket.toFixed(1)} us/ticket (not in report: timing varies)`);
  console.log(`wrote ${rel(MODEL_PATH)} and ${rel(REPORT_PATH)}`);
}
