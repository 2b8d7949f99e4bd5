import { DurableExecutionAlreadyStartedException, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { DURABLE_EXECUTION_NAME_MAX, executionNameFor } from '../../contracts/index.js';
import type { ValidatedEvent } from '../kit/envelope.js';
import { workflowInputFor } from './start-workflow.js';

/** What starting a durable execution for one event came to. */
export interface DurableStartResult {
  readonly executionName: string;
  readonly executionArn?: string;
  /** `STARTED`, or `ALREADY_STARTED`: an execution of that name exists (this event was delivered before). */
  readonly outcome: 'STARTED' | 'ALREADY_STARTED';
}

/**
 * The durable execution name for an event: the workflow starter's name for it (a pure
 * function of the event's idempotency key), cut to the 64 characters Lambda allows.
 */
export function durableExecutionNameFor(event: Pick<ValidatedEvent, 'idempotencyKey' | 'contract'>): string {
  return executionNameFor(event.contract, event.idempotencyKey, DURABLE_EXECUTION_NAME_MAX);
}

/**
 * Starts one durable execution for `event`: an asynchronous Invoke of the qualified
 * `functionArn` (an alias; Lambda refuses an unqualified durable invoke) named after the
 * event. Lambda keeps one execution per name: the same name with the same payload returns
 * the existing execution, with another payload (a redelivery carries another event id and
 * time) it answers DurableExecutionAlreadyStartedException. Both mean this fact already
 * has its execution, which counts as success, as ExecutionAlreadyExists does for a
 * STANDARD workflow. The execution's input is the workflow starter's (`WorkflowInput`).
 */
export async function startDurableExecution(client: LambdaClient, functionArn: string, event: ValidatedEvent): Promise<DurableStartResult> {
  const name = durableExecutionNameFor(event);
  const payload = new TextEncoder().encode(JSON.stringify(workflowInputFor(event)));
  try {
    const result = await client.send(
      new InvokeCommand({ FunctionName: functionArn, InvocationType: 'Event', DurableExecutionName: name, Payload: payload }),
    );
    return { executionName: name, executionArn: result.DurableExecutionArn, outcome: 'STARTED' };
  } catch (error) {
    if (error instanceof DurableExecutionAlreadyStartedException) return { executionName: name, outcome: 'ALREADY_STARTED' };
    throw error;
  }
}
