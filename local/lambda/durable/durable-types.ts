/**
 * The shapes of Lambda's durable execution API (2025-12-01) as the local service keeps
 * them: operations and history events are kept in their wire form, with times as epoch
 * milliseconds; `wire.ts` turns them into the API's epoch seconds or the invocation
 * envelope's ISO strings.
 */
import type { DurableExecutionStatus } from '../../../clients/execution-statuses.js';

import type { ForkEffects } from '../../../contracts/fork.js';

export type OperationType = 'EXECUTION' | 'CONTEXT' | 'STEP' | 'WAIT' | 'CALLBACK' | 'CHAINED_INVOKE';
export type OperationStatus = 'STARTED' | 'PENDING' | 'READY' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'TIMED_OUT' | 'STOPPED';
export type OperationAction = 'START' | 'SUCCEED' | 'FAIL' | 'RETRY' | 'CANCEL';

/** `ErrorObject`. */
export interface ErrorObject {
  readonly ErrorMessage?: string;
  readonly ErrorType?: string;
  readonly ErrorData?: string;
  readonly StackTrace?: readonly string[];
}

/** `OperationUpdate`: one change a checkpoint asks for. */
export interface OperationUpdate {
  readonly Id: string;
  readonly Type: OperationType;
  readonly Action: OperationAction;
  readonly ParentId?: string;
  readonly Name?: string;
  readonly SubType?: string;
  readonly Payload?: string;
  readonly Error?: ErrorObject;
  readonly ContextOptions?: { readonly ReplayChildren?: boolean };
  readonly StepOptions?: { readonly NextAttemptDelaySeconds?: number };
  readonly WaitOptions?: { readonly WaitSeconds?: number };
  readonly CallbackOptions?: { readonly TimeoutSeconds?: number; readonly HeartbeatTimeoutSeconds?: number };
  readonly ChainedInvokeOptions?: { readonly FunctionName?: string; readonly TenantId?: string };
}

/** `Operation`, times in epoch milliseconds. */
export interface Operation {
  Id: string;
  Type: OperationType;
  Status: OperationStatus;
  StartTimestamp: number;
  EndTimestamp?: number;
  ParentId?: string;
  Name?: string;
  SubType?: string;
  ExecutionDetails?: { InputPayload?: string };
  ContextDetails?: { ReplayChildren?: boolean; Result?: string; Error?: ErrorObject };
  StepDetails?: { Attempt?: number; NextAttemptTimestamp?: number; Result?: string; Error?: ErrorObject };
  WaitDetails?: { ScheduledEndTimestamp?: number };
  CallbackDetails?: { CallbackId?: string; Result?: string; Error?: ErrorObject };
  ChainedInvokeDetails?: { Result?: string; Error?: ErrorObject };
}

/**
 * An operation with what the service keeps beside it: a callback's deadlines (its
 * timeout, and its heartbeat timeout renewed by each heartbeat).
 */
export interface OperationRecord {
  readonly op: Operation;
  readonly callbackTimeoutAt?: number;
  readonly heartbeatTimeoutAt?: number;
  readonly heartbeatSeconds?: number;
}

/** A history `Event`: its type, the operation it is about and its details, times in epoch milliseconds. */
export interface HistoryEvent {
  readonly EventType: string;
  readonly EventId: number;
  readonly EventTimestamp: number;
  readonly Id?: string;
  readonly Name?: string;
  readonly ParentId?: string;
  readonly SubType?: string;
  readonly [details: string]: unknown;
}

/** One durable execution as the service keeps it. */
export interface ExecutionRecord {
  readonly arn: string;
  readonly functionName: string;
  readonly name: string;
  /** The function ARN with the version that runs (`:$LATEST`, `:1`). */
  readonly functionArn: string;
  readonly version: string;
  readonly input: string;
  readonly status: DurableExecutionStatus;
  readonly startedAt: number;
  readonly endedAt?: number;
  readonly timeoutAt: number;
  readonly retentionDays: number;
  readonly result?: string;
  readonly error?: ErrorObject;
  readonly checkpointToken?: string;
  /** Something changed outside an invocation (a timer fired, a callback came) since the last invocation started. */
  readonly ready: boolean;
  /** The operations changed outside an invocation since the last one started (the envelope's `UpdatedOperationIds`). */
  readonly updatedIds: readonly string[];
  /** Invocations in a row that ended in an error rather than a status. */
  readonly invocationErrors: number;
  readonly traceHeader?: string;
  /** The execution this one is a fork of (forks.ts), and the step it began at. */
  readonly fork?: ForkOf;
}

/** What a fork names of its parent. */
export interface ForkOf {
  readonly parent: string;
  readonly from: string;
  readonly effects: ForkEffects;
}

/** The handler's answer, as `withDurableExecution` returns it. */
export interface InvocationOutput {
  readonly Status: 'SUCCEEDED' | 'FAILED' | 'PENDING';
  readonly Result?: string;
  readonly Error?: ErrorObject;
}

/** `DurableConfig` of a function, with Lambda's default retention. */
export interface DurableSettings {
  readonly executionTimeoutSeconds: number;
  readonly retentionDays: number;
}
