import { type DurableForkAnswer, READ_API_PATHS } from '../clients/read-api-contract.js';
import type { ForkEdit } from '../contracts/fork.js';
import type { Clients } from './aws.js';
import { CliError } from './errors.js';
import { postReadApi } from './read-api.js';

/**
 * Starts a fork of a durable execution (contracts/durable-fork.ts): a new execution of the
 * parent's function version that answers the operations before `edit.from` with what the
 * parent recorded and runs for real from there, with the parent's event, or `edit.input`, or
 * the parent's event patched by `edit.patch`. On the local runtime any durable function forks
 * (POST /durable-forks of the read API); the same fork asked twice answers the execution the
 * first one started. What cannot be forked is a CliError naming what can (exit code 2).
 */
export async function forkDurableExecution(clients: Clients, parentArn: string, edit: ForkEdit): Promise<DurableForkAnswer> {
  if (clients.target.kind === 'local') {
    return postReadApi<DurableForkAnswer>(clients.target, READ_API_PATHS.durableForks, { executionArn: parentArn, ...edit });
  }
  throw new CliError(
    `cannot fork ${parentArn} in AWS: Lambda has no operation that starts a durable execution at a step; the local runtime (switchyard dev) forks any durable function`,
  );
}
