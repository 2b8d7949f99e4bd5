/**
 * A small, local support-ticket classifier: TF-IDF features and multinomial logistic regression
 * with a calibrated softmax temperature, trained by training/train-classifier.ts on
 * training/tickets.jsonl. No network calls, no LLM.
 *
 * The model is a file beside the code (model.json here; beside index.mjs in the function's
 * asset, where TicketTriage puts it), read when the first classifier is made rather than
 * imported: bundled, its 186 KB would be JavaScript, most of the bundle, parsed as code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from 'switchyard-cdk/kit';
import type { TicketClassification, TicketClassifier } from '../classifier.js';
import {
  argmax,
  type CompiledModel,
  compileModel,
  type LocalModel,
  parseModel,
  predictProbabilities,
  type TicketText,
} from './features.js';

export * from './features.js';

/** The model's file name, beside this module (the source) and beside the bundle (a function's asset). */
export const LOCAL_MODEL_FILE = 'model.json';

/** Reads, checks and compiles a model file; fails with ConfigError if there is none at `file`. */
export function readModelFile(file: string): CompiledModel {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `the local classifier's model is not at ${file}: TicketTriage ships it in the function's asset only when no Bedrock model is configured`,
      { cause: error },
    );
  }
  return compileModel(parseModel(JSON.parse(text)));
}

let shipped: CompiledModel | undefined;

/** The model shipped beside the code, read once (by the first classifier made without a model). */
export function loadShippedModel(): CompiledModel {
  shipped ??= readModelFile(fileURLToPath(new URL(LOCAL_MODEL_FILE, import.meta.url)));
  return shipped;
}

export class LocalTicketClassifier implements TicketClassifier {
  private readonly compiled: CompiledModel;
  /** For the audit trail: `local-logreg@<content hash of model.json>`. */
  readonly modelName: string;

  /** Uses the model file shipped beside the code unless another model is given (for tests). */
  constructor(model?: LocalModel) {
    this.compiled = model === undefined ? loadShippedModel() : compileModel(parseModel(model));
    this.modelName = `local-logreg@${this.compiled.model.version}`;
  }

  /** Calibrated probability of each queue, in the order of the model's labels. */
  probabilities(ticket: TicketText): Array<{ queue: TicketClassification['queue']; probability: number }> {
    const p = predictProbabilities(this.compiled, ticket);
    return this.compiled.model.labels.map((queue, k) => ({ queue, probability: p[k] ?? 0 }));
  }

  /** Synchronous form of classify, for callers that do not need a Promise. */
  classifySync(ticket: TicketText): TicketClassification {
    const p = predictProbabilities(this.compiled, ticket);
    const best = argmax(p);
    const queue = this.compiled.model.labels[best];
    if (queue === undefined) throw new Error('model has no labels');
    return { queue, confidence: Math.min(1, Math.max(0, p[best] ?? 0)), model: this.modelName };
  }

  async classify(ticket: TicketText): Promise<TicketClassification> {
    return this.classifySync(ticket);
  }
}
