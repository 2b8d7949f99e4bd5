/** Paths, labels and settings of the classifier training (training/train-classifier.ts). */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TICKET_QUEUES, type TicketQueue } from '../domain/tickets.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DATA_PATH = join(ROOT, 'training', 'tickets.jsonl');
export const MODEL_PATH = join(ROOT, 'lambdas', 'triage', 'local-model', 'model.json');
export const REPORT_PATH = join(ROOT, 'training', 'report.json');

export const CONFIG = {
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

export const LABELS: readonly TicketQueue[] = TICKET_QUEUES;
export const K = LABELS.length;

/** A path relative to the repository, with forward slashes, as the report and the log show it. */
export const rel = (p: string) => relative(ROOT, p).split('\\').join('/');
