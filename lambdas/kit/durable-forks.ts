/**
 * How a DurableFlow forks in AWS (contracts/durable-fork.ts), where Lambda has no operation
 * that starts an execution at a step: the fork is a plain Invoke of the function's version
 * with a DurableExecutionName and an event that carries it (`switchyardFork`: the parent, the
 * step, the handler's event, the effects). This wrapper, around the handler
 * `withDurableExecution` made (DurableFlow puts it there: durable-flow-entry.ts), sees that
 * event in the execution's input and, on the execution's first invocation, reads the parent's
 * history (GetDurableExecutionHistory, which DurableFlow grants on its own versions only) and
 * writes the operations before the step into the fork's checkpoint (CheckpointDurableExecution,
 * as the SDK does), so the SDK replays them and runs for real from the step. On every
 * invocation the handler gets the fork's event in place of the carrier, so its code sees what
 * it would have seen in a run started with that event. Any other execution passes through.
 */
import {
  CheckpointDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetDurableExecutionStateCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { durableForkStart } from '../../contracts/durable-fork.js';
import { type DurableForkHistoryEvent, forkCheckpointUpdates, recordedOperations } from '../../contracts/durable-fork-checkpoint.js';
import { type Fork, ForkNotPossible, forkOfInput, InvalidForkInput } from '../../contracts/fork.js';

/** An operation of the invocation's state, as far as the wrapper reads it. */
interface StateOperation {
  readonly Id?: string;
  readonly Type?: string;
  readonly ExecutionDetails?: { readonly InputPayload?: string };
}

/** The durable invocation's input (the SDK's `DurableExecutionInvocationInput`), as far as the wrapper reads it. */
export interface DurableInvocation {
  readonly DurableExecutionArn: string;
  readonly CheckpointToken: string;
  readonly InitialExecutionState: { readonly Operations: readonly StateOperation[]; readonly NextMarker?: string };
  readonly [field: string]: unknown;
}

/** The handler `withDurableExecution` made, as far as the wrapper calls it. */
export type DurableInvocationHandler<C, R> = (event: DurableInvocation, context: C) => Promise<R>;

let lambda: LambdaClient | undefined;

/** `handler`, forking the executions whose input carries a fork. */
export function withDurableForks<C, R>(
  handler: DurableInvocationHandler<C, R>,
  client: () => LambdaClient = () => {
    lambda ??= new LambdaClient({});
    return lambda;
  },
): DurableInvocationHandler<C, R | ForkFailure> {
  return async (event, context) => {
    const operations = event.InitialExecutionState?.Operations ?? [];
    const execution = operations[0];
    let fork: Fork | undefined;
    try {
      fork = execution?.Type === 'EXECUTION' ? forkOfInput(execution.ExecutionDetails?.InputPayload ?? '') : undefined;
    } catch (error) {
      if (error instanceof InvalidForkInput) return failed(error);
      throw error;
    }
    if (fork === undefined || execution === undefined) return handler(event, context);
    const ownEvent = { ...execution, ExecutionDetails: { ...execution.ExecutionDetails, InputPayload: JSON.stringify(fork.input) } };
    // Anything past the execution's own operation is the fork's checkpoint: it was written already.
    if (operations.length > 1 || event.InitialExecutionState.NextMarker) {
      return handler(
        { ...event, InitialExecutionState: { ...event.InitialExecutionState, Operations: [ownEvent, ...operations.slice(1)] } },
        context,
      );
    }
    let seeded: { token: string; operations: StateOperation[] };
    try {
      seeded = await seed(client(), event, fork);
    } catch (error) {
      if (error instanceof ForkNotPossible) return failed(error);
      throw error;
    }
    const rest = seeded.operations.filter((op) => op.Id !== execution.Id);
    return handler({ ...event, CheckpointToken: seeded.token, InitialExecutionState: { Operations: [ownEvent, ...rest] } }, context);
  };
}

/** What the execution ends with when its fork cannot begin: FAILED, with why. */
export interface ForkFailure {
  readonly Status: 'FAILED';
  readonly Error: { readonly ErrorType: string; readonly ErrorMessage: string };
}

function failed(error: Error): ForkFailure {
  return { Status: 'FAILED', Error: { ErrorType: error.name, ErrorMessage: error.message } };
}

/** Writes the parent's operations before the fork's step into the fork's checkpoint; the state after it and its token. */
async function seed(client: LambdaClient, event: DurableInvocation, fork: Fork): Promise<{ token: string; operations: StateOperation[] }> {
  if (functionOf(fork.parent) !== functionOf(event.DurableExecutionArn)) {
    throw new ForkNotPossible(`Cannot fork ${fork.parent} here: a fork runs its parent's function, ${functionOf(fork.parent)}`);
  }
  const { copied } = durableForkStart(recordedOperations(await history(client, fork.parent)), fork.from);
  const updates = forkCheckpointUpdates(copied, fork.from);
  let token = event.CheckpointToken;
  if (updates.length > 0) {
    const answer = await client.send(
      new CheckpointDurableExecutionCommand({ DurableExecutionArn: event.DurableExecutionArn, CheckpointToken: token, Updates: updates }),
    );
    token = answer.CheckpointToken ?? token;
  }
  // The state as the SDK would page it in (GetDurableExecutionState), in the order Lambda keeps it.
  const operations: StateOperation[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new GetDurableExecutionStateCommand({ DurableExecutionArn: event.DurableExecutionArn, CheckpointToken: token, Marker: marker }),
    );
    operations.push(...(page.Operations ?? []));
    marker = page.NextMarker || undefined;
  } while (marker);
  return { token, operations };
}

/** Every event of the parent's history, with its data (results and errors). */
async function history(client: LambdaClient, arn: string): Promise<DurableForkHistoryEvent[]> {
  const events: DurableForkHistoryEvent[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true, Marker: marker }),
    );
    events.push(...((page.Events ?? []) as DurableForkHistoryEvent[]));
    marker = page.NextMarker || undefined;
  } while (marker);
  return events;
}

/** The function a durable execution ARN belongs to (`...:function:<name>:<version>/durable-execution/...`), without its version. */
function functionOf(executionArn: string): string {
  return /:function:([^:/]+)/.exec(executionArn)?.[1] ?? executionArn;
}
