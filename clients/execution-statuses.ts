/**
 * The statuses of Step Functions executions and of Lambda durable executions, as their APIs
 * name them: the one list the runtime, the read API, the CLI, the console and the testing
 * API all derive their types, filters and help texts from. Pure, so that the browser runs it too.
 */

/** Step Functions' `ExecutionStatus`, in the order the CLI's help and the console's filter show them. */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** The statuses the local runtime's executions have: it never redrives one, so none is PENDING_REDRIVE. */
export type LocalExecutionStatus = Exclude<ExecutionStatus, 'PENDING_REDRIVE'>;
export const LOCAL_EXECUTION_STATUSES: readonly LocalExecutionStatus[] = EXECUTION_STATUSES.filter(
  (status): status is LocalExecutionStatus => status !== 'PENDING_REDRIVE',
);

/** How an execution ended. */
export type TerminalExecutionStatus = Exclude<LocalExecutionStatus, 'RUNNING'>;

/** The statuses of an execution that did not succeed; each can be redriven (Standard, within 14 days). */
export const FAILED_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const satisfies readonly TerminalExecutionStatus[];

/** The status each history event that ends an execution gives it. */
export const EXECUTION_END_STATUSES: Readonly<Record<string, TerminalExecutionStatus>> = {
  ExecutionSucceeded: 'SUCCEEDED',
  ExecutionFailed: 'FAILED',
  ExecutionTimedOut: 'TIMED_OUT',
  ExecutionAborted: 'ABORTED',
};

/** The history events that end an execution without success: the ones a FATAL logging level records. */
export const FAILED_EXECUTION_END_EVENTS: readonly string[] = Object.keys(EXECUTION_END_STATUSES).filter(
  (type) => EXECUTION_END_STATUSES[type] !== 'SUCCEEDED',
);

/** The CloudWatch Logs filter pattern that selects only the log records that start or end an execution: enough to list them. */
export const START_AND_END_PATTERN = `{ ${['ExecutionStarted', ...Object.keys(EXECUTION_END_STATUSES)].map((type) => `$.type = "${type}"`).join(' || ')} }`;

/** The status a history event ends its execution with, or undefined for an event that does not end it. */
export function executionEndStatus(eventType: string | undefined): TerminalExecutionStatus | undefined {
  return eventType !== undefined && Object.hasOwn(EXECUTION_END_STATUSES, eventType) ? EXECUTION_END_STATUSES[eventType] : undefined;
}

/** Lambda's durable execution `ExecutionStatus`, in the same order. */
export const DURABLE_EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED'] as const;
export type DurableExecutionStatus = (typeof DURABLE_EXECUTION_STATUSES)[number];

/** The statuses of a durable execution that did not succeed: none can be redriven (a new execution is started instead). */
export const FAILED_DURABLE_EXECUTION_STATUSES = ['FAILED', 'TIMED_OUT', 'STOPPED'] as const satisfies readonly DurableExecutionStatus[];

/** Whether `text` is one of `statuses` (a filter's value as the user wrote it). */
export function isStatusOf<S extends string>(statuses: readonly S[], text: string | undefined): text is S {
  return text !== undefined && (statuses as readonly string[]).includes(text);
}
