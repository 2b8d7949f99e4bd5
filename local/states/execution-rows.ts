/** The store's records (execution-store.ts) and its rows read as them. */
import type { SQLInputValue } from 'node:sqlite';
import type { LocalExecutionStatus } from '../../clients/execution-statuses.js';

export interface ExecutionRecord {
  arn: string;
  stateMachineArn: string;
  stateMachineName: string;
  name: string;
  status: LocalExecutionStatus;
  /** The definition the execution started with: an update of the machine does not change it. */
  definition: string;
  roleArn: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch ms. */
  startDate: number;
  stopDate?: number;
  redriveCount: number;
  redriveDate?: number;
  traceHeader?: string;
  /** The execution this one is a fork of (its input's `switchyardFork`, contracts/fork.ts). */
  parentArn?: string;
  /**
   * Where the engine begins a fork of a state machine that has no fork entry of its own: the
   * top-level state named in the input's fork (a Workflow's fork entry routes its forks itself).
   */
  forkStart?: string;
  /** The version it runs, when it was started with a version's or an alias's ARN. */
  stateMachineVersionArn?: string;
  /** The alias it was started with, if it was. */
  stateMachineAliasArn?: string;
}

/**
 * An outside party the execution waits on: a task token (`.waitForTaskToken`), an activity
 * task (its token, waiting for a worker to claim it with GetActivityTask: `submitted` once
 * one has, `response` the worker's name), or a submission: the child execution a task
 * started, keyed by the task's key (`taskKeyFor`) and written with the child, so that a
 * resumed task is answered with that child instead of starting another.
 */
export interface TaskRecord {
  key: string;
  executionArn: string;
  kind: 'token' | 'activity' | 'submission';
  /** An activity task's activity and the input its worker is given (JSON text). */
  activity?: ActivityTaskInput;
  status: 'WAITING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'CLOSED';
  /** Whether the request carrying the token (or starting the child) was accepted. */
  submitted: boolean;
  /** JSON text of what the service answered when the request was submitted. */
  response?: string;
  output?: string;
  error?: string;
  cause?: string;
  createdAt: number;
  updatedAt: number;
}

/** What an activity task hands its worker. */
export interface ActivityTaskInput {
  readonly activityArn: string;
  readonly input: string;
}

/** A row of the store's tables, as node:sqlite reads it. */
export type Row = Record<string, SQLInputValue>;

export const opt = (v: SQLInputValue | undefined): string | undefined => (v === null || v === undefined ? undefined : String(v));
export const optNumber = (v: SQLInputValue | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));

/** An execution's row names a definition the store does not hold: the data folder was changed outside the runtime. */
export class ExecutionDefinitionMissing extends Error {
  override readonly name = 'ExecutionDefinitionMissing';
  constructor(readonly executionArn: string) {
    super(
      `The execution ${executionArn} names a definition sfn_definitions does not hold: its data folder was changed outside the runtime`,
    );
  }
}

/** An execution's row as execution-store.ts reads it, `started_definition` the definition it started with. */
export function executionOf(r: Row): ExecutionRecord {
  if (typeof r.started_definition !== 'string') throw new ExecutionDefinitionMissing(String(r.arn));
  return {
    arn: r.arn as string,
    stateMachineArn: r.state_machine_arn as string,
    stateMachineName: r.state_machine_name as string,
    name: r.name as string,
    status: r.status as LocalExecutionStatus,
    definition: r.started_definition,
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
