/**
 * A small, local support-ticket classifier: TF-IDF features and multinomial logistic regression
 * with a calibrated softmax temperature, trained by training/train-classifier.ts on
 * training/tickets.jsonl. No network calls, no LLM; the model ships inside the Lambda bundle.
 */
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
import bundledModel from './model.json' with { type: 'json' };

export * from './features.js';

/** The model shipped beside this file, checked and compiled once at module load (cold start). */
const BUNDLED: CompiledModel = compileModel(parseModel(bundledModel));

export class LocalTicketClassifier implements TicketClassifier {
  private readonly compiled: CompiledModel;
  /** For the audit trail: `local-logreg@<content hash of model.json>`. */
  readonly modelName: string;

  /** Uses the bundled model.json unless another model is given (for tests). */
  constructor(model?: LocalModel) {
    this.compiled = model === undefined ? BUNDLED : compileModel(parseModel(model));
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
