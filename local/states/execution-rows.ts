/** The store's rows read as its records (execution-store.ts). */
import type { SQLInputValue } from 'node:sqlite';
import type { LocalExecutionStatus } from '../../clients/execution-statuses.js';
import type { ExecutionRecord, TaskRecord } from './execution-store.js';

/** A row of the store's tables, as node:sqlite reads it. */
export type Row = Record<string, SQLInputValue>;

export const opt = (v: SQLInputValue | undefined): string | undefined => (v === null || v === undefined ? undefined : String(v));
export const optNumber = (v: SQLInputValue | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));

export function executionOf(r: Row): ExecutionRecord {
  return {
    arn: r.arn as string,
    stateMachineArn: r.state_machine_arn as string,
    stateMachineName: r.state_machine_name as string,
    name: r.name as string,
    status: r.status as LocalExecutionStatus,
    definition: r.definition as string,
    roleArn: r.role_arn as string,
    input: r.input as string,
    output: opt(r.output),
    error: opt(r.error),
    cause: opt(r.cause),
    startDate: Number(r.start_date),
    stopDate: optNumber(r.stop_date),
    redriveCount: Number(r.redrive_count),
    redriveDate: optNumber(r.redrive_date),
    traceHeader: opt(r.trace_header),
    parentArn: opt(r.parent_arn),
    forkStart: opt(r.fork_start),
    stateMachineVersionArn: opt(r.version_arn),
    stateMachineAliasArn: opt(r.alias_arn),
  };
}

export function taskOf(r: Row): TaskRecord {
  return {
    key: r.key as string,
    executionArn: r.execution_arn as string,
    kind: r.kind as TaskRecord['kind'],
    status: r.status as TaskRecord['status'],
    submitted: Number(r.submitted) === 1,
    response: opt(r.response),
    output: opt(r.output),
    error: opt(r.error),
    cause: opt(r.cause),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ...(r.activity_arn === null || r.activity_arn === undefined
      ? {}
      : { activity: { activityArn: String(r.activity_arn), input: String(r.input ?? '{}') } }),
  };
}
