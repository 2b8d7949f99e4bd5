import { type GetDurableExecutionResponse, StopDurableExecutionCommand } from '@aws-sdk/client-lambda';
import { type DescribeExecutionOutput, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { type Clients, call } from './aws.js';
import { CliError } from './errors.js';

/** What a stop did: `switchyard stop`'s answer and the testing API's. */
export interface StoppedExecution {
  /** The execution's ARN (a state machine's execution, or a durable function's). */
  readonly executionArn: string;
  /** The execution's name. */
  readonly name: string;
  /** What ran it: a Step Functions state machine (StopExecution) or a Lambda durable function (StopDurableExecution). */
  readonly kind: 'state machine' | 'durable function';
  /** Whether this call stopped it (false: it had ended already, and was left as it was). */
  readonly stopped: boolean;
  /** Its status after the call: ABORTED or STOPPED when this call stopped it. */
  readonly status: string;
}

/** Why an execution is stopped: the error and cause it ends with. */
export interface StopReason {
  /** At most 256 characters. @default - none, as StopExecution without one */
  readonly error?: string;
  /** At most 32,768 characters. @default - none, as StopExecution without one */
  readonly cause?: string;
}

/**
 * Stops a running Standard execution with StopExecution (it ends ABORTED with the error and
 * cause). One that has ended is left as it is and said so: stopping twice does what stopping
 * once did. Express executions cannot be stopped (Step Functions stops Standard ones only).
 */
export async function stopStateMachineExecution(
  clients: Clients,
  described: Pick<DescribeExecutionOutput, 'executionArn' | 'name' | 'status'>,
  reason: StopReason,
): Promise<StoppedExecution> {
  const executionArn = String(described.executionArn);
  const base = { executionArn, name: String(described.name), kind: 'state machine' as const };
  if (executionArn.includes(':express:'))
    throw new CliError(`cannot stop ${described.name}: Step Functions stops Standard executions only (StopExecution)`);
  if (described.status !== 'RUNNING') return { ...base, stopped: false, status: String(described.status) };
  await call(clients.target, () => clients.sfn.send(new StopExecutionCommand({ executionArn, error: reason.error, cause: reason.cause })));
  return { ...base, stopped: true, status: 'ABORTED' };
}

/** Stops a running Lambda durable execution with StopDurableExecution (it ends STOPPED); one that has ended is left as it is. */
export async function stopDurableExecution(
  clients: Clients,
  execution: Pick<GetDurableExecutionResponse, 'DurableExecutionArn' | 'DurableExecutionName' | 'Status'>,
  reason: StopReason,
): Promise<StoppedExecution> {
  const executionArn = String(execution.DurableExecutionArn);
  const base = { executionArn, name: String(execution.DurableExecutionName), kind: 'durable function' as const };
  if (execution.Status !== 'RUNNING') return { ...base, stopped: false, status: String(execution.Status) };
  const error =
    reason.error === undefined && reason.cause === undefined ? undefined : { ErrorType: reason.error, ErrorMessage: reason.cause };
  await call(clients.target, () =>
    clients.lambda.send(new StopDurableExecutionCommand({ DurableExecutionArn: executionArn, Error: error })),
  );
  return { ...base, stopped: true, status: 'STOPPED' };
}
