import { DescribeExecutionCommand, DescribeStateMachineCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ForkAnswer } from '../../clients/read-api-contract.js';
import { FORK_EFFECTS, type ForkEdit, type ForkEffects, ForkNotPossible, hasForkEntry, planFork } from '../../contracts/fork.js';
import { NO_FORK_ENTRY } from '../../contracts/fork-names.js';
import { type Clients, call, errorCode } from '../../inspect/aws.js';
import { forkDurableExecution } from '../../inspect/durable-fork.js';
import { CliError, usageError } from '../../inspect/errors.js';
import { postReadApi } from '../../inspect/read-api.js';
import { GLOBAL_HELP, jsonOption, parseCommand } from '../args.js';
import type { Command } from './command.js';
import { loadAnyExecution } from './execution.js';

export const HELP = `Usage: switchyard fork <execution> --from <state> [--input <JSON|@file> | --patch <JSON|@file>] [--effects skip|rerun]

Reruns an execution from one of its states: a new execution of the same flow that begins
at <state> with the input and the variables (Assign) that state had in the parent run, read
from the parent's history. The states before it do not run, nor do their model calls. The
new execution names its parent; the same fork asked twice starts one execution.

A Switchyard Workflow with a fork entry (forkEntry: true) forks through a plain
StartExecution, in AWS as locally; the local runtime forks any state machine of any app. Any top-level state
the parent entered can begin a fork (not one inside a Parallel branch or a Map iteration).

A Lambda durable execution forks from one of its handler's steps: the steps before it are
answered with the parent's results, not run again (docs/durable-forks.md). A DurableFlow
forks itself, in AWS as locally; the local runtime forks any durable function.

  <execution>         the parent: its ARN, its name, or what it is about (the business key
                      executions shows, OrderPlaced#orderId="O-1", or the id alone, O-1),
                      as switchyard execution takes it (looked up in the app's flows, then
                      its durable functions)
  --from <state>      the state (or durable step) the fork begins at
  --input <JSON>      the state's input instead of the recorded one (JSON or @file); for a
                      durable execution, the handler's event
  --patch <JSON>      a JSON merge patch (RFC 7396) of the recorded input: the members it
                      names replace the recorded ones, a null removes one
  --effects <mode>    skip (default): a step that runs again meets the idempotency claims
                      its parent made, and an effect applied there is not applied again;
                      rerun: the fork's steps apply their effects again
  --flow <name>       the flow to look the name up in, when several have it

Prints the new execution's ARN; --json prints { executionArn, name, parent, from }, with
existing: true when the same fork was asked before (then nothing started, and stderr says so).

${GLOBAL_HELP}`;

export const fork: Command = async (argv, io) => {
  const { values, positionals } = parseCommand(argv, {
    from: { type: 'string' },
    input: { type: 'string' },
    patch: { type: 'string' },
    effects: { type: 'string' },
    flow: { type: 'string' },
  });
  if (values.help) return io.out(HELP);
  if (positionals.length !== 1) throw usageError('fork takes one <execution>: switchyard fork <name|arn> --from <state>');
  if (values.from === undefined || values.from === '') throw usageError('--from is required: the state the fork begins at');
  if (values.input !== undefined && values.patch !== undefined) throw usageError('give --input or --patch, not both');
  const effects = values.effects ?? 'skip';
  if (!(FORK_EFFECTS as readonly string[]).includes(effects))
    throw usageError(`--effects must be ${FORK_EFFECTS.join(' or ')} (got "${effects}")`);
  const edit: ForkEdit = {
    from: values.from,
    effects: effects as ForkEffects,
    ...(values.input !== undefined ? { input: jsonOption('input', values.input, io.stdin) } : {}),
    ...(values.patch !== undefined ? { patch: jsonOption('patch', values.patch, io.stdin) } : {}),
  };
  const clients = io.clients(values);
  const wanted = String(positionals[0]);
  const answer = await forkOne(clients, wanted, edit, { flow: values.flow, cdkOut: values['cdk-out'] }, io.err);
  if (values.json) {
    const { executionArn, name, parent, from, existing } = answer;
    return io.out(JSON.stringify({ executionArn, name, parent, from, ...(existing ? { existing } : {}) }));
  }
  io.out(answer.executionArn);
  io.err(answer.existing ? forkedBefore(wanted, answer) : `forked ${wanted} from ${answer.from} as ${answer.name}${forkedHow(answer)}`);
};

/** How the fork was started; a state machine the local runtime forked without its own fork entry could not be forked in AWS. */
function forkedHow(answer: ForkAnswer): string {
  if (answer.entry) return ' (through its fork entry)';
  const isStateMachine = answer.executionArn.split(':')[2] === 'states';
  return isStateMachine ? ` by the local runtime: its state machine ${NO_FORK_ENTRY}` : '';
}

/** What a fork asked again says: nothing started, and what starts another. */
export function forkedBefore(wanted: string, answer: Pick<ForkAnswer, 'from' | 'name'>): string {
  return (
    `nothing started: ${wanted} was forked from ${answer.from} before, as ${answer.name} (the same fork asked twice is one execution; ` +
    `switchyard execution ${answer.name} shows how it ran); an edit of its input (--input, --patch) starts another`
  );
}

/** A Step Functions execution forks from a state, a durable execution from a step. */
async function forkOne(
  clients: Clients,
  wanted: string,
  edit: ForkEdit,
  options: { flow?: string; cdkOut?: string },
  note: (line: string) => void,
): Promise<ForkAnswer> {
  const found = await loadAnyExecution(clients, wanted, options, note);
  if (found.kind === 'durable function') return forkDurableExecution(clients, String(found.execution.DurableExecutionArn), edit);
  const { described, events } = found;
  const parentArn = String(described.executionArn);
  if (parentArn.includes(':express:'))
    throw new CliError(`cannot fork ${parentArn}: an Express execution keeps no history to begin a fork from`);
  return forkExecution(clients, { arn: parentArn, name: String(described.name), input: described.input ?? '{}' }, events, {
    stateMachineArn: String(described.stateMachineArn),
    edit,
  });
}

/**
 * Starts the fork: through the machine's fork entry where it has one (a plain StartExecution,
 * in AWS as locally), else by the local runtime's read API, which begins it at the state.
 */
async function forkExecution(
  clients: Clients,
  parent: { arn: string; name: string; input: string },
  events: readonly object[],
  to: { stateMachineArn: string; edit: ForkEdit },
): Promise<ForkAnswer> {
  let planned: ReturnType<typeof planFork>;
  try {
    planned = planFork(parent, events as Parameters<typeof planFork>[1], to.edit);
  } catch (error) {
    if (error instanceof ForkNotPossible) throw new CliError(error.message, 2);
    throw error;
  }
  const machine = await call(clients.target, () =>
    clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: to.stateMachineArn })),
  );
  if (!hasForkEntry(JSON.parse(machine.definition ?? '{}'))) {
    if (clients.target.kind !== 'local') {
      throw new CliError(`${machine.name} ${NO_FORK_ENTRY}; the local runtime forks any state machine`);
    }
    return postReadApi<ForkAnswer>(clients.target, '/forks', { executionArn: parent.arn, ...to.edit });
  }
  const answer = { name: planned.name, parent: parent.arn, from: planned.fork.from, entry: true };
  const executionArn = `${to.stateMachineArn.replace(':stateMachine:', ':execution:')}:${planned.name}`;
  // Asked again (while the first fork runs, or after): StartExecution would answer that one as
  // if it started, so look first and say it is the fork asked before.
  if (await sameForkExists(clients, executionArn, planned)) return { ...answer, executionArn, existing: true };
  const start = new StartExecutionCommand({ stateMachineArn: to.stateMachineArn, name: planned.name, input: planned.input });
  try {
    const started = await clients.sfn.send(start);
    return { ...answer, executionArn: String(started.executionArn) };
  } catch (error) {
    if (errorCode(error) !== 'ExecutionAlreadyExists') return call(clients.target, () => Promise.reject(error));
    // Started by another request between the look and the start.
    if (await sameForkExists(clients, executionArn, planned)) return { ...answer, executionArn, existing: true };
    return call(clients.target, () => Promise.reject(error));
  }
}

/**
 * Whether the fork's execution exists already: false when there is none of its name.
 * @throws CliError when an execution of its name has another input (a digest collision)
 */
async function sameForkExists(clients: Clients, executionArn: string, planned: { name: string; input: string }): Promise<boolean> {
  let existing: Awaited<ReturnType<typeof describe>>;
  const describe = () => clients.sfn.send(new DescribeExecutionCommand({ executionArn }));
  try {
    existing = await describe();
  } catch (error) {
    if (errorCode(error) === 'ExecutionDoesNotExist') return false;
    return call(clients.target, () => Promise.reject(error));
  }
  if (existing.input !== planned.input) throw new CliError(`an execution named ${planned.name} exists with another input: ${executionArn}`);
  return true;
}
