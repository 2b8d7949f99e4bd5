import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { executionNameFor as contractExecutionName, type WorkflowInput, type WorkflowType } from '../../contracts/index.js';
import type { ValidatedEvent } from '../kit/envelope.js';
import { WorkflowFailedError } from '../kit/errors.js';

export type { WorkflowInput, WorkflowType };

export interface StartResult {
  readonly executionName: string;
  readonly executionArn?: string;
  /** `STARTED`, `ALREADY_STARTED` (a duplicate), or the final status of a synchronous EXPRESS execution. */
  readonly outcome: 'STARTED' | 'ALREADY_STARTED' | 'SUCCEEDED';
}

/**
 * The execution name for an event: a pure function of its idempotency key, so every
 * delivery of one business fact maps to one name (at most 80 characters of
 * letters, digits, `-` and `_`, as Step Functions allows).
 */
export function executionNameFor(event: Pick<ValidatedEvent, 'idempotencyKey' | 'contract'>): string {
  return contractExecutionName(event.contract, event.idempotencyKey);
}

export function workflowInputFor(event: ValidatedEvent): WorkflowInput {
  const { envelope } = event;
  return {
    detail: envelope.detail,
    event: {
      id: envelope.id,
      source: envelope.source,
      detailType: envelope['detail-type'],
      time: envelope.time,
      ...(envelope['replay-name'] ? { replayName: envelope['replay-name'] } : {}),
    },
    correlationId: event.correlationId,
  };
}

/**
 * Starts one execution for `event`. STANDARD: StartExecution, where a name already
 * taken means this event already started its execution, which counts as success.
 * EXPRESS: StartSyncExecution (Express executions have no status-change events and no
 * name-based dedup in AWS), failing unless the execution succeeds so that the queue
 * retries it and, in the end, dead-letters it.
 */
export async function startWorkflow(
  client: SFNClient,
  stateMachineArn: string,
  type: WorkflowType,
  event: ValidatedEvent,
): Promise<StartResult> {
  const name = executionNameFor(event);
  const input = JSON.stringify(workflowInputFor(event));
  if (type === 'EXPRESS') {
    const result = await client.send(new StartSyncExecutionCommand({ stateMachineArn, name, input }));
    if (result.status !== 'SUCCEEDED') {
      throw new WorkflowFailedError(
        `execution ${name} ended ${result.status}${result.error ? `: ${result.error}` : ''}${result.cause ? ` (${result.cause})` : ''}`,
      );
    }
    return { executionName: name, executionArn: result.executionArn, outcome: 'SUCCEEDED' };
  }
  try {
    const result = await client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
    return { executionName: name, executionArn: result.executionArn, outcome: 'STARTED' };
  } catch (error) {
    if (error instanceof ExecutionAlreadyExists) return { executionName: name, outcome: 'ALREADY_STARTED' };
    throw error;
  }
}
