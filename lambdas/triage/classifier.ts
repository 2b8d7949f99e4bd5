import type { TicketQueue } from '../../domain/index.js';

/** What a classifier says about one ticket. */
export interface TicketClassification {
  /** The queue the classifier thinks the ticket belongs to. */
  readonly queue: TicketQueue;
  /** How sure it is, from 0 to 1; the triage flow escalates below its threshold. */
  readonly confidence: number;
  /** Which model produced this, for the audit trail (for example `local-logreg@<hash>`). */
  readonly model: string;
}

/** A classification and what it cost in model tokens, if the model reported it. */
export interface ClassifierAnswer extends TicketClassification {
  /** Input plus output tokens the model reported; undefined for a model that reports none (the local one). */
  readonly usedTokens?: number;
}

/** The port the triage flow's classify step calls; adapters live beside it. */
export interface TicketClassifier {
  classify(ticket: { readonly subject: string; readonly body: string }): Promise<ClassifierAnswer>;
}
