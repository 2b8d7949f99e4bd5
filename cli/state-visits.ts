import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { EXECUTION_END_STATUSES } from '../clients/execution-statuses.js';
import {
  executionOutcome,
  type Attempt as SharedAttempt,
  type StateVisit as SharedVisit,
  stateVisits as visitsOf,
} from '../clients/history-reader.js';

/** One try of a task inside a state: what ended it. */
export type Attempt = Readonly<SharedAttempt>;

/**
 * One visit of a state, as the CLI prints it: the history reader the console uses too
 * (clients/history-reader.ts), with the visit's duration and, when a Catch took its
 * error, that error and the state it went to.
 */
export type StateVisit = Readonly<
  Pick<SharedVisit, 'name' | 'type' | 'enteredAt' | 'exitedAt' | 'input' | 'output' | 'status' | 'redriven'>
> & {
  readonly durationMs?: number;
  readonly attempts: readonly Attempt[];
  /** The visit ended in an error that a Catch took to `next`. */
  readonly caught?: { error?: string; cause?: string; next?: string };
};

export interface ExecutionFailure {
  readonly error?: string;
  readonly cause?: string;
}

/**
 * The states an execution went through, in the order they were entered, with their
 * durations, each try of their task (so retries show), and the error a Catch handled.
 */
export function stateVisits(events: readonly HistoryEvent[]): StateVisit[] {
  return visitsOf(events).map((visit) => ({
    name: visit.name,
    type: visit.type,
    enteredAt: visit.enteredAt,
    exitedAt: visit.exitedAt,
    durationMs: visit.enteredAt && visit.exitedAt ? visit.exitedAt.getTime() - visit.enteredAt.getTime() : undefined,
    input: visit.input,
    output: visit.output,
    attempts: visit.attempts,
    caught: visit.status === 'caught' ? { error: visit.error?.error, cause: visit.error?.cause, next: visit.caughtNext } : undefined,
    status: visit.status,
    ...(visit.redriven ? { redriven: true as const } : {}),
  }));
}

/** The error and cause the execution ended with, when it failed. */
export function executionFailure(events: readonly HistoryEvent[]): ExecutionFailure | undefined {
  const outcome = executionOutcome(events);
  if (outcome.status === 'RUNNING' || outcome.status === 'SUCCEEDED') return undefined;
  const end = Object.keys(EXECUTION_END_STATUSES).find((type) => EXECUTION_END_STATUSES[type] === outcome.status);
  return { error: outcome.error ?? end, cause: outcome.cause };
}
