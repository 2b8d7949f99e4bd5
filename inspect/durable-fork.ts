import { GetDurableExecutionCommand, GetFunctionConfigurationCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { type ForkAnswer, READ_API_PATHS } from '../clients/read-api-contract.js';
import { type PlannedDurableFork, planDurableFork } from '../contracts/durable-fork.js';
import { forkCheckpointUpdates, type RecordedOperation, recordedOperations } from '../contracts/durable-fork-checkpoint.js';
import { FORK_INPUT_KEY, type ForkEdit, ForkNotPossible } from '../contracts/fork.js';
import { ENV } from '../contracts/wiring.js';
import { type Clients, call, errorCode } from './aws.js';
import { durableHistory, isDurableExecutionArn } from './durable.js';
import { CliError } from './errors.js';
import { postReadApi } from './read-api.js';

/**
 * Starts a fork of a durable execution (contracts/durable-fork.ts): a new execution of the
 * parent's function version that answers the operations before `edit.from` with what the
 * parent recorded and runs for real from there, with the parent's event, or `edit.input`, or
 * the parent's event patched by `edit.patch`. The same fork asked twice answers the execution
 * the first one started. What cannot be forked is a CliError naming what can (exit code 2).
 *
 * A DurableFlow's function forks itself (its `forks`: ENV.durableForks in its environment): the
 * fork is a plain Invoke of the parent's version with the fork in its event, in AWS as on the
 * local runtime. Any other durable function forks on the local runtime only (POST
 * /durable-forks of the read API).
 */
export async function forkDurableExecution(clients: Clients, parentArn: string, edit: ForkEdit): Promise<ForkAnswer> {
  const fn = functionOf(parentArn);
  if (await forksItself(clients, fn)) return forkByInvoke(clients, parentArn, fn, edit);
  if (clients.target.kind === 'local') {
    return postReadApi<ForkAnswer>(clients.target, READ_API_PATHS.durableForks, { executionArn: parentArn, ...edit });
  }
  throw new CliError(
    `cannot fork ${parentArn} in AWS: Lambda has no operation that starts a durable execution at a step, and ${fn.name} does not fork itself (a DurableFlow does, with forks on, its default); the local runtime (switchyard dev) forks any durable function`,
  );
}

interface QualifiedFunction {
  readonly name: string;
  readonly qualifier: string;
}

/** The function and version a durable execution runs (`...:function:<name>:<version>/durable-execution/<name>/<id>`). */
function functionOf(executionArn: string): QualifiedFunction {
  const match = /:function:([^:/]+):([^:/]+)\/durable-execution\//.exec(executionArn);
  if (!isDurableExecutionArn(executionArn) || !match) {
    throw new CliError(
      `${executionArn} is not a durable execution's ARN (arn:aws:lambda:...:function:<name>:<version>/durable-execution/<name>/<id>)`,
      2,
    );
  }
  return { name: match[1] as string, qualifier: match[2] as string };
}

async function forksItself(clients: Clients, fn: QualifiedFunction): Promise<boolean> {
  const configuration = await call(clients.target, () =>
    clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.name, Qualifier: fn.qualifier })),
  );
  return configuration.Environment?.Variables?.[ENV.durableForks] === '1';
}

/**
 * The fork as a plain Invoke, which the function's own fork support begins (lambdas/kit/
 * durable-forks.ts): planned and checked here first, from the parent's history, so that what
 * cannot be forked is refused before any execution starts.
 */
async function forkByInvoke(clients: Clients, parentArn: string, fn: QualifiedFunction, edit: ForkEdit): Promise<ForkAnswer> {
  const parent = await call(clients.target, () => clients.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: parentArn })));
  const events = await durableHistory(clients, parentArn);
  let planned: PlannedDurableFork<RecordedOperation>;
  try {
    planned = planDurableFork(
      { arn: parentArn, name: parent.DurableExecutionName ?? '', input: parent.InputPayload ?? '{}' },
      recordedOperations(events),
      edit,
    );
    forkCheckpointUpdates(planned.copied, planned.fork.from);
  } catch (error) {
    if (error instanceof ForkNotPossible) throw new CliError(error.message, 2);
    throw error;
  }
  const answer = { name: planned.name, parent: parentArn, from: planned.fork.from, entry: true };
  try {
    const started = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: `${fn.name}:${fn.qualifier}`,
        InvocationType: 'Event',
        DurableExecutionName: planned.name,
        Payload: new TextEncoder().encode(JSON.stringify({ [FORK_INPUT_KEY]: planned.fork })),
      }),
    );
    return { ...answer, executionArn: started.DurableExecutionArn ?? '' };
  } catch (error) {
    // The name is a digest of the fork: taken, it is this fork's unless the digests collide.
    if (errorCode(error) === 'DurableExecutionAlreadyStartedException')
      throw new CliError(`a durable execution named ${planned.name} exists with another event: ${(error as Error).message}`);
    return call(clients.target, () => Promise.reject(error));
  }
}
