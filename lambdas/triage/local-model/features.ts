/**
 * The pure parts of the local ticket classifier, shared by training (training/train-classifier.ts)
 * and inference (./index.ts) so the two cannot drift: tokenizer, featurizer, softmax, and the
 * model file's shape. Nothing here reads files or imports model.json.
 */
import { TICKET_QUEUES, type TicketQueue } from '../../../domain/tickets.js';

/**
 * Bump when tokenize/extractTerms/featurize change in a way that changes features. A model file
 * records the version it was trained with and is refused by a different one.
 */
export const TOKENIZER_VERSION = 'v1';

/** Subject terms count this many times over body terms (the subject is a dense summary). */
export const SUBJECT_WEIGHT = 2;

/** Only the start of a very long ticket is read; it bounds inference time (bodies may be 100 kB). */
export const MAX_SUBJECT_CHARS = 1_000;
export const MAX_BODY_CHARS = 8_000;

/** Joins the two words of a bigram feature. */
const BIGRAM_SEPARATOR = ' ';

/**
 * Lowercased words of `text`: Unicode NFKC normalisation, apostrophes dropped (so "can't" is
 * "cant"), every run of characters that are not letters, combining marks or digits is a separator.
 */
export function tokenize(text: string): string[] {
  if (text.length === 0) return [];
  const cleaned = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['\u2018\u2019`\u00b4]/gu, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim();
  return cleaned.length === 0 ? [] : cleaned.split(' ');
}

/** Unigrams followed by adjacent-word bigrams ("reset password"). */
export function ngrams(tokens: readonly string[]): string[] {
  const terms = tokens.slice();
  for (let i = 0; i + 1 < tokens.length; i++) {
    terms.push(`${tokens[i]}${BIGRAM_SEPARATOR}${tokens[i + 1]}`);
  }
  return terms;
}

/** A support ticket as the classifier sees it. */
export interface TicketText {
  readonly subject: string;
  readonly body: string;
}

/**
 * Weighted term counts of a ticket: unigrams and bigrams of the subject (each counted
 * SUBJECT_WEIGHT times) and of the body. Bigrams do not cross from subject to body.
 */
export function extractTerms(ticket: TicketText): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (text: string, weight: number): void => {
    for (const term of ngrams(tokenize(text))) counts.set(term, (counts.get(term) ?? 0) + weight);
  };
  add(ticket.subject.slice(0, MAX_SUBJECT_CHARS), SUBJECT_WEIGHT);
  add(ticket.body.slice(0, MAX_BODY_CHARS), 1);
  return counts;
}

/** A sparse feature vector: parallel arrays, indices ascending. */
export interface SparseVector {
  readonly indices: readonly number[];
  readonly values: readonly number[];
}

/**
 * TF-IDF with sublinear term frequency, `(1 + ln count) * idf`, L2-normalised.
 * Terms not in `index` (out of vocabulary) are ignored; a ticket with none gives the zero vector.
 */
export function featurize(terms: ReadonlyMap<string, number>, index: ReadonlyMap<string, number>, idf: ArrayLike<number>): SparseVector {
  const found: Array<[number, number]> = [];
  for (const [term, count] of terms) {
    const j = index.get(term);
    if (j === undefined || count <= 0) continue;
    found.push([j, (1 + Math.log(count)) * (idf[j] ?? 0)]);
  }
  found.sort((a, b) => a[0] - b[0]);
  let norm = 0;
  for (const [, v] of found) norm += v * v;
  norm = Math.sqrt(norm);
  const indices: number[] = [];
  const values: number[] = [];
  for (const [j, v] of found) {
    indices.push(j);
    values.push(norm > 0 ? v / norm : 0);
  }
  return { indices, values };
}

/** Softmax of `logits / temperature`, computed stably. */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z / temperature);
  const exps = logits.map((z) => Math.exp(z / temperature - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Class probabilities from a ticket's raw scores: softmax(logits / temperature), or, when the
 * ticket has no term the model knows (`logits` is null: empty, gibberish, another language), the
 * label frequencies of the training data. Such a ticket is a zero vector, unlike every ticket the
 * model was trained on (all have norm 1), so its logits would be the biases alone, which carry no
 * evidence about it.
 */
export function calibrate(logits: readonly number[] | null, temperature: number, priors: readonly number[]): number[] {
  return logits === null ? priors.slice() : softmax(logits, temperature);
}

/** Index of the largest value (the first one on ties). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < values.length; k++) if ((values[k] ?? -Infinity) > (values[best] ?? -Infinity)) best = k;
  return best;
}

/** What training/train-classifier.ts writes to model.json. */
export interface LocalModel {
  readonly format: 'switchyard-local-logreg';
  /** Short content hash of everything below; the model name is `local-logreg@<version>`. */
  readonly version: string;
  readonly tokenizer: string;
  readonly labels: readonly TicketQueue[];
  /** Softmax temperature from calibration; probabilities are softmax(logits / temperature). */
  readonly temperature: number;
  /** Label frequencies in the training data, the answer for a ticket with no known term. */
  readonly priors: readonly number[];
  readonly vocabulary: readonly string[];
  readonly idf: readonly number[];
  /** One row per label, one column per vocabulary term. */
  readonly weights: readonly (readonly number[])[];
  readonly biases: readonly number[];
  readonly training?: Readonly<Record<string, unknown>>;
}

/** Checks that `raw` (parsed model.json) has the right shape, and was made by this tokenizer. */
export function parseModel(raw: unknown): LocalModel {
  const fail = (why: string): never => {
    throw new Error(`invalid local classifier model: ${why}`);
  };
  if (typeof raw !== 'object' || raw === null) return fail('not an object');
  const m = raw as Record<string, unknown>;
  if (m.format !== 'switchyard-local-logreg') fail(`unknown format ${String(m.format)}`);
  if (typeof m.version !== 'string' || m.version.length === 0) fail('missing version');
  if (m.tokenizer !== TOKENIZER_VERSION) {
    fail(`trained with tokenizer ${String(m.tokenizer)}, this code has ${TOKENIZER_VERSION}; retrain`);
  }
  const isNumbers = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));
  const labels = m.labels;
  if (!Array.isArray(labels) || labels.length < 2) return fail('labels');
  for (const l of labels) if (!(TICKET_QUEUES as readonly unknown[]).includes(l)) fail(`unknown label ${String(l)}`);
  const vocabulary = m.vocabulary;
  if (!Array.isArray(vocabulary) || !vocabulary.every((t) => typeof t === 'string')) return fail('vocabulary');
  if (!isNumbers(m.idf) || m.idf.length !== vocabulary.length) fail('idf length');
  if (!isNumbers(m.biases) || m.biases.length !== labels.length) fail('biases length');
  const weights = m.weights;
  if (!Array.isArray(weights) || weights.length !== labels.length) return fail('weights rows');
  for (const row of weights) if (!isNumbers(row) || row.length !== vocabulary.length) fail('weights columns');
  if (typeof m.temperature !== 'number' || !(m.temperature > 0)) fail('temperature');
  if (!isNumbers(m.priors) || m.priors.length !== labels.length || m.priors.some((p) => p < 0)) fail('priors');
  return raw as LocalModel;
}

/** A model ready for fast inference: a term-to-column Map and term-major weights. */
export interface CompiledModel {
  readonly model: LocalModel;
  readonly index: ReadonlyMap<string, number>;
  /** weights[j * labels + k] is the weight of term j for label k. */
  readonly weights: Float64Array;
}

export function compileModel(model: LocalModel): CompiledModel {
  const index = new Map(model.vocabulary.map((term, j) => [term, j] as const));
  const k = model.labels.length;
  const weights = new Float64Array(model.vocabulary.length * k);
  model.weights.forEach((row, label) => {
    row.forEach((w, j) => {
      weights[j * k + label] = w;
    });
  });
  return { model, index, weights };
}

/** Raw (uncalibrated) scores for each label: W x + b. */
export function logitsOf(compiled: CompiledModel, x: SparseVector): number[] {
  const k = compiled.model.labels.length;
  const z = compiled.model.biases.slice();
  for (let n = 0; n < x.indices.length; n++) {
    const base = (x.indices[n] ?? 0) * k;
    const v = x.values[n] ?? 0;
    for (let label = 0; label < k; label++) z[label] = (z[label] ?? 0) + (compiled.weights[base + label] ?? 0) * v;
  }
  return z;
}

/** Calibrated class probabilities for one ticket, in the order of `model.labels`. */
export function predictProbabilities(compiled: CompiledModel, ticket: TicketText): number[] {
  const x = featurize(extractTerms(ticket), compiled.index, compiled.model.idf);
  const logits = x.indices.length === 0 ? null : logitsOf(compiled, x);
  return calibrate(logits, compiled.model.temperature, compiled.model.priors);
}
