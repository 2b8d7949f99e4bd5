/**
 * The statuses a durable execution can have (Lambda's `ExecutionStatus`), for the router's
 * `status` filter. Apart from durable-executions.ts, which imports the router's types.
 */
export const DURABLE_STATUSES = new Set(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'STOPPED']);
