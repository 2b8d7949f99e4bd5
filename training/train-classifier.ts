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
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TICKET_QUEUES, type TicketQueue } from '../domain/tickets.js';
import {
  argmax,
  calibrate,
  compileModel,
  extractTerms,
  featurize,
  type LocalModel,
  parseModel,
  predictProbabilities,
  type SparseVector,
  TOKENIZER_VERSION,
} from '../lambdas/triage/local-model/features.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA_PATH = join(ROOT, 'training', 'tickets.jsonl');
const MODEL_PATH = join(ROOT, 'lambdas', 'triage', 'local-model', 'model.json');
const REPORT_PATH = join(ROOT, 'training', 'report.json');

const CONFIG = {
  seed: 7_331,
  outerFolds: 5,
  innerFolds: 5,
  /** Terms in fewer tickets than this (in the training part) are dropped. */
  minDocumentFrequency: 2,
  /** Candidate L2 strengths (lambda in mean cross-entropy + lambda/2 * ||W||^2). */
  l2Grid: [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3],
  iterations: 1000,
  eceBins: 10,
  thresholds: [0.5, 0.6, 0.7, 0.8, 0.9],
  /** Decimal places kept for weights and idf in model.json. */
  modelDecimals: 5,
  maxModelBytes: 400_000,
} as const;

const LABELS: readonly TicketQueue[] = TICKET_QUEUES;
const K = LABELS.length;

// ---------------------------------------------------------------------------------------------
// Data

interface Ticket {
  readonly subject: string;
  readonly body: string;
  readonly queue: TicketQueue;
}

function loadTickets(path: string): { tickets: Ticket[]; sha256: string } {
  const text = readFileSync(path, 'utf8');
  const tickets: Ticket[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const raw = JSON.parse(line) as Partial<Record<keyof Ticket, unknown>>;
    const { subject, body, queue } = raw;
    if (typeof subject !== 'string' || typeof body !== 'string' || typeof queue !== 'string') {
      throw new Error(`${path}:${i + 1}: expected {subject, body, queue} strings`);
    }
    if (!(LABELS as readonly string[]).includes(queue)) throw new Error(`${path}:${i + 1}: unknown queue ${queue}`);
    tickets.push({ subject, body, queue: queue as TicketQueue });
  });
  return { tickets, sha256: createHash('sha256').update(text).digest('hex') };
}

// ---------------------------------------------------------------------------------------------
// Determinism helpers

/** mulberry32: a small seeded PRNG, so fold assignment is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Fold number for each position of `ids`, stratified by label. */
function stratifiedFolds(ids: readonly number[], y: readonly number[], folds: number, seed: number): number[] {
  const random = rng(seed);
  const fold = new Array<number>(ids.length).fill(0);
  let next = 0;
  for (let label = 0; label < K; label++) {
    const positions = ids.map((id, pos) => ({ id, pos })).filter(({ id }) => y[id] === label);
    for (const { pos } of shuffle(positions, random)) fold[pos] = next++ % folds;
  }
  return fold;
}

const round = (x: number, decimals = 4): number => {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
};

// ---------------------------------------------------------------------------------------------
// Features

interface FeatureSpace {
  readonly vocabulary: string[];
  readonly index: Map<string, number>;
  readonly idf: number[];
}

/** Vocabulary (terms in >= minDocumentFrequency of the given tickets, sorted) and smoothed idf. */
function buildFeatureSpace(terms: readonly ReadonlyMap<string, number>[], ids: readonly number[]): FeatureSpace {
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

// ---------------------------------------------------------------------------------------------
// Multinomial logistic regression

interface Weights {
  /** Term-major: w[j * K + k]. */
  readonly w: Float64Array;
  readonly b: Float64Array;
}

function rawLogits(model: Weights, x: SparseVector): number[] {
  const z = Array.from(model.b);
  for (let n = 0; n < x.indices.length; n++) {
    const base = (x.indices[n] as number) * K;
    const v = x.values[n] as number;
    for (let k = 0; k < K; k++) z[k] = (z[k] as number) + (model.w[base + k] as number) * v;
  }
  return z;
}

/** Sparse feature vectors packed into flat arrays (CSR), for a fast training loop. */
interface Packed {
  readonly rows: number;
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

function pack(X: readonly SparseVector[]): Packed {
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

/**
 * Mean cross-entropy + l2/2 ||W||^2 (bias not penalised) at `model`; its gradient is written to
 * `gw` and `gb`.
 */
function objective(model: Weights, X: Packed, y: readonly number[], l2: number, gw: Float64Array, gb: Float64Array): number {
  gw.fill(0);
  gb.fill(0);
  const z = new Float64Array(K);
  const n = X.rows;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const from = X.offsets[i] as number;
    const to = X.offsets[i + 1] as number;
    for (let k = 0; k < K; k++) z[k] = model.b[k] as number;
    for (let m = from; m < to; m++) {
      const base = (X.indices[m] as number) * K;
      const v = X.values[m] as number;
      for (let k = 0; k < K; k++) z[k] = (z[k] as number) + (model.w[base + k] as number) * v;
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) max = Math.max(max, z[k] as number);
    let sum = 0;
    for (let k = 0; k < K; k++) {
      z[k] = Math.exp((z[k] as number) - max);
      sum += z[k] as number;
    }
    const yi = y[i] as number;
    loss -= Math.log(Math.max((z[yi] as number) / sum, 1e-300));
    // z becomes (p - onehot(y)) / n, the gradient of this ticket's loss with respect to its logits.
    for (let k = 0; k < K; k++) z[k] = ((z[k] as number) / sum - (k === yi ? 1 : 0)) / n;
    for (let k = 0; k < K; k++) gb[k] = (gb[k] as number) + (z[k] as number);
    for (let m = from; m < to; m++) {
      const base = (X.indices[m] as number) * K;
      const v = X.values[m] as number;
      for (let k = 0; k < K; k++) gw[base + k] = (gw[base + k] as number) + (z[k] as number) * v;
    }
  }
  let penalty = 0;
  for (let j = 0; j < gw.length; j++) {
    const wj = model.w[j] as number;
    penalty += wj * wj;
    gw[j] = (gw[j] as number) + l2 * wj;
  }
  return loss / n + (l2 / 2) * penalty;
}

/**
 * Nesterov-accelerated full-batch gradient descent, fixed iteration count, from zero weights.
 * With L2-normalised features the loss gradient is (1 + l2)-Lipschitz (softmax Hessian <= 1/2,
 * ||[x; 1]||^2 <= 2), so the step 1 / (1 + l2) is safe.
 */
function trainLogReg(X: Packed, y: readonly number[], dims: number, l2: number): Weights {
  const step = 1 / (1 + l2);
  const size = dims * K;
  const current: Weights = { w: new Float64Array(size), b: new Float64Array(K) };
  const look: Weights = { w: new Float64Array(size), b: new Float64Array(K) };
  const gw = new Float64Array(size);
  const gb = new Float64Array(K);
  for (let t = 1; t <= CONFIG.iterations; t++) {
    objective(look, X, y, l2, gw, gb);
    const momentum = (t - 1) / (t + 2);
    for (let j = 0; j < size; j++) {
      const next = (look.w[j] as number) - step * (gw[j] as number);
      look.w[j] = next + momentum * (next - (current.w[j] as number));
      current.w[j] = next;
    }
    for (let k = 0; k < K; k++) {
      const next = (look.b[k] as number) - step * (gb[k] as number);
      look.b[k] = next + momentum * (next - (current.b[k] as number));
      current.b[k] = next;
    }
  }
  return current;
}

/** Label frequencies among `ids`. */
function labelPriors(y: readonly number[], ids: readonly number[]): number[] {
  return LABELS.map((_, k) => ids.filter((id) => y[id] === k).length / ids.length);
}

/**
 * A held-out ticket's raw scores: logits, or null when it has no term in the vocabulary, with the
 * label frequencies of the training part that are its answer then (see `calibrate`).
 */
interface Scored {
  readonly logits: number[] | null;
  readonly priors: readonly number[];
}

const probabilities = (s: Scored, temperature: number): number[] => calibrate(s.logits, temperature, s.priors);

/** Trains on `trainIds` (its own vocabulary and idf) once per L2 strength and scores `testIds`. */
function fitAndScore(
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

// ---------------------------------------------------------------------------------------------
// Calibration

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

interface Selection {
  readonly l2: number;
  readonly temperature: number;
  readonly grid: Array<{ l2: number; temperature: number; logLoss: number; accuracy: number }>;
}

/** Inner cross-validation on `ids`: the L2 strength (and its temperature) with the lowest calibrated log-loss. */
function selectHyperparameters(
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

// ---------------------------------------------------------------------------------------------
// Metrics

function evaluate(probs: readonly number[][], y: readonly number[]) {
  const n = probs.length;
  const predicted = probs.map((p) => argmax(p));
  const confidence = probs.map((p) => Math.max(...p));
  const correct = predicted.map((p, i) => p === y[i]);
  const confusion = LABELS.map(() => LABELS.map(() => 0));
  predicted.forEach((p, i) => {
    const row = confusion[y[i] as number] as number[];
    row[p] = (row[p] as number) + 1;
  });
  const perQueue = Object.fromEntries(
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
  const macroF1 = Object.values(perQueue).reduce((a, q) => a + q.f1, 0) / K;
  let logLoss = 0;
  let brier = 0;
  probs.forEach((p, i) => {
    logLoss -= Math.log(Math.max(p[y[i] as number] as number, 1e-300));
    p.forEach((pk, k) => {
      brier += (pk - (k === y[i] ? 1 : 0)) ** 2;
    });
  });
  // Expected calibration error over equal-width confidence bins [0, 0.1), ..., [0.9, 1.0].
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
  const ece = bins.reduce(
    (a, bin) => (bin.count === 0 ? a : a + (bin.count / n) * Math.abs(bin.correct / bin.count - bin.confidenceSum / bin.count)),
    0,
  );
  const thresholds = CONFIG.thresholds.map((t) => {
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
  return {
    tickets: n,
    accuracy: round(correct.filter(Boolean).length / n),
    macroF1: round(macroF1),
    logLoss: round(logLoss / n),
    brierScore: round(brier / n),
    expectedCalibrationError: round(ece),
    meanConfidence: round(confidence.reduce((a, b) => a + b, 0) / n),
    thresholds,
    reliability: bins
      .filter((bin) => bin.count > 0)
      .map((bin) => ({
        bin: `[${bin.from.toFixed(1)}, ${bin.to.toFixed(1)}${bin.to === 1 ? ']' : ')'}`,
        tickets: bin.count,
        meanConfidence: round(bin.confidenceSum / bin.count),
        accuracy: round(bin.correct / bin.count),
      })),
    perQueue,
    confusionMatrix: { rowsAreTrue: LABELS, columnsArePredicted: LABELS, counts: confusion },
  };
}

// ---------------------------------------------------------------------------------------------
// Model file

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

function buildModelFile(
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

// ---------------------------------------------------------------------------------------------
// Main

function main(): void {
  const { tickets, sha256 } = loadTickets(DATA_PATH);
  const y = tickets.map((t) => LABELS.indexOf(t.queue));
  const terms = tickets.map((t) => extractTerms(t));
  const allIds = tickets.map((_, i) => i);
  const rel = (p: string) => relative(ROOT, p).split('\\').join('/');
  console.log(`${tickets.length} tickets from ${rel(DATA_PATH)}`);

  // Nested cross-validation: honest out-of-fold predictions for every ticket.
  const outer = stratifiedFolds(allIds, y, CONFIG.outerFolds, CONFIG.seed);
  const calibrated = new Array<number[]>(tickets.length);
  const uncalibrated = new Array<number[]>(tickets.length);
  let noKnownTerm = 0;
  const foldReports = [];
  for (let f = 0; f < CONFIG.outerFolds; f++) {
    const trainIds = allIds.filter((i) => outer[i] !== f);
    const testIds = allIds.filter((i) => outer[i] === f);
    const selection = selectHyperparameters(terms, y, trainIds, CONFIG.seed + 1 + f);
    const [scored] = fitAndScore(terms, y, trainIds, testIds, [selection.l2]);
    let correct = 0;
    testIds.forEach((id, n) => {
      const s = (scored as Scored[])[n] as Scored;
      if (s.logits === null) noKnownTerm++;
      calibrated[id] = probabilities(s, selection.temperature);
      uncalibrated[id] = probabilities(s, 1);
      if (argmax(calibrated[id]) === y[id]) correct++;
    });
    foldReports.push({
      fold: f + 1,
      trainTickets: trainIds.length,
      testTickets: testIds.length,
      l2: selection.l2,
      temperature: selection.temperature,
      accuracy: round(correct / testIds.length),
    });
    console.log(
      `outer fold ${f + 1}/${CONFIG.outerFolds}: l2=${selection.l2} T=${selection.temperature} accuracy=${round(correct / testIds.length)}`,
    );
  }
  const cv = evaluate(calibrated, y);
  const cvUncalibrated = evaluate(uncalibrated, y);
  const mistakes = allIds
    .filter((i) => argmax(calibrated[i] as number[]) !== y[i])
    .map((i) => {
      const p = calibrated[i] as number[];
      const t = tickets[i] as Ticket;
      return { subject: t.subject, labelled: t.queue, predicted: LABELS[argmax(p)], confidence: round(Math.max(...p)) };
    })
    .sort((a, b) => b.confidence - a.confidence || a.subject.localeCompare(b.subject, 'en'));

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
    tickets: tickets.length,
    minDocumentFrequency: CONFIG.minDocumentFrequency,
    datasetSha256: sha256.slice(0, 16),
  });
  writeFileSync(MODEL_PATH, text);

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

  const report = {
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
      folds: foldReports,
      ticketsWithNoKnownTerm: noKnownTerm,
      calibrated: cv,
      withoutTemperatureScaling: {
        accuracy: cvUncalibrated.accuracy,
        logLoss: cvUncalibrated.logLoss,
        expectedCalibrationError: cvUncalibrated.expectedCalibrationError,
        meanConfidence: cvUncalibrated.meanConfidence,
        thresholds: cvUncalibrated.thresholds,
      },
      mostConfidentMistakes: mistakes.slice(0, 10),
    },
    shippedModel: {
      file: rel(MODEL_PATH),
      name: `local-logreg@${model.version}`,
      version: model.version,
      l2: selection.l2,
      temperature: selection.temperature,
      selectionGrid: selection.grid,
      vocabularySize: model.vocabulary.length,
      bytes: Buffer.byteLength(text),
      trainingObjective: round(finalObjective, 6),
      finalGradientNorm: Number(Math.sqrt(gradientNorm).toPrecision(3)),
      trainingSetAccuracy: round(trainingCorrect / tickets.length),
      note: 'trainingSetAccuracy is measured on the tickets the model was trained on and is optimistic; use the crossValidation figures.',
    },
  };
  writeFileSync(REPORT_PATH, `${JSON.stringify(report, null, 2)}\n`);

  const pct = (x: number | null) => (x === null ? '   -  ' : `${(x * 100).toFixed(1).padStart(5)}%`);
  console.log('');
  console.log(`nested ${CONFIG.outerFolds}-fold CV on ${tickets.length} tickets (calibrated):`);
  console.log(`  accuracy ${pct(cv.accuracy)}   macro-F1 ${cv.macroF1.toFixed(4)}   log-loss ${cv.logLoss.toFixed(4)}`);
  console.log(
    `  ECE (${CONFIG.eceBins} bins) ${cv.expectedCalibrationError.toFixed(4)}   (without temperature scaling ${cvUncalibrated.expectedCalibrationError.toFixed(4)})`,
  );
  console.log('  threshold  coverage  acc >= t  acc < t');
  for (const row of cv.thresholds) {
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

main();
