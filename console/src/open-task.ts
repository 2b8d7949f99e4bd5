import type { OpenTaskInHistory } from '../../clients/open-task.js';
import { EscalationDecisionSchema, TICKET_QUEUES } from '../../domain/tickets.js';
import { schemaProblems } from './schema-check.js';

export { type DecisionOutcome, decisionOutcomeIn, openTaskIn, parseObject, ticketOf } from '../../clients/open-task.js';

/**
 * Open human tasks, found as the CLI finds them (both read histories with
 * clients/open-task.ts), with the state machine that runs each.
 */
export interface OpenTask extends OpenTaskInHistory {
  readonly stateMachineArn: string;
  readonly flow: string;
}

export const QUEUES: readonly string[] = TICKET_QUEUES;

export interface Decision {
  decision: 'approve' | 'reject';
  queue?: string;
  reviewer?: string;
  reason?: string;
}

/** The decision as the app's EscalationDecision schema (contracts/tickets.ts) checks it: one line per problem. */
export function decisionProblems(decision: Decision): string[] {
  return schemaProblems(EscalationDecisionSchema, decision);
}

/**
 * Sends the decision to the task the execution waits on now (read again at the moment of
 * deciding, as the CLI does, so an answer never goes to a refused ask's stale token).
 */
