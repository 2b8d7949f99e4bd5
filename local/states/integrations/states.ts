import type { LocalExecutionStatus } from '../../../clients/execution-statuses.js';
import type { IdempotentCall } from '../../store/idempotent-requests.js';
import { TaskFailure, type TaskRequest } from '../engine/index.js';
import type { Pattern, StepFunctionsIntegrations } from '../task-integrations.js';
import {
  abortable,
  executionArnOf,
  idempotentCall,
  KEEP_ALIVE,
  payloadText,
  requiredString,
  sdkMetadata,
  serviceFailure,
  type TaskEnvironment,
} from './shared.js';

/** The Java SDK's names in the errors of `states:` tasks. */
const ERRORS = { prefix: 'StepFunctions', service: 'AWSStepFunctions', accessDenied: 'AWSStepFunctionsException' };

/** A finished (or running) execution as a `.sync` task reports it; dates in epoch ms. */
export interface ExecutionOutcome {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: LocalExecutionStatus;
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
}

/** Step Functions itself, for tasks that start executions. */
export interface StatesForTasks {
  /** `options` carries the task's key: the same key is answered with the same child (ExecutionApi.StartExecution). */
  StartExecution(
    input: { stateMachineArn?: string; name?: string; input?: string },
    options?: IdempotentCall,
  ): Promise<{ executionArn: string; startDate: number }>;
  StopExecution(input: { executionArn?: string; error?: string; cause?: string }): Promise<unknown>;
  /** Resolves once the execution has ended (at once if it has); rejects when `signal` aborts. */
  executionOutcome(executionArn: string, signal: AbortSignal): Promise<ExecutionOutcome>;
}

/**
 * `arn:aws:states:::states:startExecution`: starts the child once per state entry and
 * attempt (for durable executions the request carries the attempt's key, so a resumed task
 * is answered with the child it started before instead of starting another), and with
 * `.sync`/`.sync:2` waits for it and answers as DescribeExecution.
 */
export async function startExecution(
  env: TaskEnvironment,
  states: StatesForTasks,
  args: Record<string, unknown>,
  request: TaskRequest,
  pattern: Pattern,
): Promise<unknown> {
  const started = await startChild(states, args, request, idempotentCall(env, request));
  const answer = {
    ExecutionArn: started.ExecutionArn,
    ...sdkMetadata(env.clock, 'application/x-amz-json-1.0', startExecutionBody(started), 200, KEEP_ALIVE),
    StartDate: started.StartDate,
  };
  if (pattern === 'request-response' || pattern === 'waitForTaskToken') return answer;
  // The child's start is the `.sync` task's submission (AWS's TaskSubmitted carries StartExecution's answer).
  request.submitted?.(answer);
  let outcome: ExecutionOutcome;
  try {
    outcome = await states.executionOutcome(started.ExecutionArn, request.signal);
  } catch (error) {
    if (request.signal.aborted && !env.callbacks.closing) {
      // A `.sync` task owns its child: when the task is aborted, so is the child.
      void states
        .StopExecution({
          executionArn: started.ExecutionArn,
          cause: `The Task state in AWS Step Functions execution [${executionArnOf(request)}] which was managing this resource was aborted`,
        })
        .catch(() => {});
    }
    throw error;
  }
  const envelope = syncEnvelope(outcome, pattern === 'sync:2');
  if (outcome.status !== 'SUCCEEDED') throw new TaskFailure('States.TaskFailed', JSON.stringify(envelope));
  return envelope;
}

async function startChild(
  states: StatesForTasks,
  args: Record<string, unknown>,
  request: TaskRequest,
  options: IdempotentCall,
): Promise<{ ExecutionArn: string; StartDate: number }> {
  const stateMachineArn = requiredString(args, 'StateMachineArn', request);
  if (args.Name !== undefined && (typeof args.Name !== 'string' || args.Name === '')) {
    throw new TaskFailure(
      'States.Runtime',
      `The value of the field 'Name' of the state '${request.stateName}' must be a non-empty string.`,
    );
  }
  try {
    const response = await abortable(
      states.StartExecution({ stateMachineArn, input: payloadText(args.Input), name: args.Name as string | undefined }, options),
      request.signal,
    );
    return { ExecutionArn: response.executionArn, StartDate: Math.round(response.startDate * 1000) };
  } catch (error) {
    if (request.signal.aborted) throw error;
    throw serviceFailure(ERRORS, error, (code) => `${code}Exception`);
  }
}

/**
 * StartExecution's answer as Step Functions writes it on the wire (its length is the
 * metadata's Content-Length): the start date in epoch seconds as Java writes a double
 * (`1.688136138819E9`), as AWS's recorded `.sync` answers show.
 */
function startExecutionBody({ ExecutionArn, StartDate }: { ExecutionArn: string; StartDate: number }): string {
  const [whole = '', fraction = ''] = String(StartDate / 1000).split('.');
  const digits = `${whole}${fraction}`.replace(/0+$/, '');
  const startDate = `${digits[0]}.${digits.slice(1) || '0'}E${whole.length - 1}`;
  return `{"executionArn":${JSON.stringify(ExecutionArn)},"startDate":${startDate}}`;
}

/** `.sync` answers DescribeExecution in the Java SDK's casing, dates in epoch ms; `.sync:2` parses Input and Output. */
function syncEnvelope(o: ExecutionOutcome, parse: boolean): Record<string, unknown> {
  const data = (text: string | undefined) => (parse && text !== undefined ? (JSON.parse(text) as unknown) : text);
  const envelope: Record<string, unknown> = {};
  if (o.cause !== undefined) envelope.Cause = o.cause;
  if (o.error !== undefined) envelope.Error = o.error;
  envelope.ExecutionArn = o.executionArn;
  envelope.Input = data(o.input);
  envelope.InputDetails = { Included: true };
  envelope.Name = o.name;
  if (o.output !== undefined) {
    envelope.Output = data(o.output);
    envelope.OutputDetails = { Included: true };
  }
  const redrive = redriveStatus(o.status);
  envelope.RedriveCount = o.redriveCount;
  envelope.RedriveStatus = redrive.status;
  if (redrive.reason) envelope.RedriveStatusReason = redrive.reason;
  envelope.StartDate = o.startDate;
  envelope.StateMachineArn = o.stateMachineArn;
  envelope.Status = o.status;
  if (o.stopDate !== undefined) envelope.StopDate = o.stopDate;
  return envelope;
}

/** How long after it stopped an execution can be redriven (RedriveExecution: "in the last 14 days"). */
const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
/** A redrive appends ExecutionRedriven and at least one more event to a history of at most 25,000. */
const REDRIVE_HISTORY_LIMIT = 24_999;

/**
 * DescribeExecution's redriveStatus and redriveStatusReason: RedriveExecution's conditions,
 * with the reasons AWS gives. `stopped` (when it stopped, the time now, its history's size)
 * adds the redrivable period and the history limit to the status check.
 */
export function redriveStatus(
  status: ExecutionOutcome['status'],
  stopped?: { stopDate?: number; now: number; eventCount: number },
): { status: string; reason?: string } {
  if (status === 'RUNNING' || status === 'SUCCEEDED')
    return { status: 'NOT_REDRIVABLE', reason: `Execution is ${status} and cannot be redriven` };
  if (stopped?.stopDate !== undefined && stopped.now - stopped.stopDate > REDRIVABLE_PERIOD_MS)
    return { status: 'NOT_REDRIVABLE', reason: 'Execution redrivable period exceeded.' };
  if (stopped !== undefined && stopped.eventCount >= REDRIVE_HISTORY_LIMIT)
    return { status: 'NOT_REDRIVABLE', reason: 'Execution history event limit exceeded.' };
  return { status: 'REDRIVABLE' };
}

/**
 * Step Functions' own integrations, which its service runs against itself: `states:startExecution`
 * with every pattern (`.sync` waits for the child), and its API as `aws-sdk:sfn`.
 */
export const statesStepFunctions: StepFunctionsIntegrations<StatesForTasks> = {
  optimized: {
    errors: ERRORS,
    outputModel: 'stepfunctions',
    exhaustive: true,
    actions: { startExecution: { patterns: ['request-response', 'sync', 'sync:2', 'waitForTaskToken'], run: startExecution } },
  },
  sdk: {
    sfn: {
      name: 'Sfn',
      wireCase: 'camel',
      timestamps: new Set(['CreationDate', 'StartDate', 'StopDate', 'UpdateDate', 'RedriveDate', 'Timestamp']),
      model: { package: '@aws-sdk/client-sfn', baseException: 'SFNServiceException' },
      apiModel: 'stepfunctions',
    },
  },
};
