/**
 * A fork of a Lambda durable execution: a new execution of the same function version whose
 * handler runs again with the parent's recorded outcomes for the operations it ran before a
 * step (the durable execution SDK replays them from the checkpoint, so they do not run again)
 * and runs for real from that step on. Its shape, name and edits are the fork's
 * (contracts/fork.ts); what differs from a state machine's fork is where it can begin and what
 * it starts with:
 *
 * - it begins at an operation of the handler itself (not one inside a child context, a map,
 *   a parallel branch or a waitForCallback) that the parent ran, named by its name; one run
 *   several times (a loop) begins the fork as it ran last;
 * - a durable step has no input of its own: the edit (`input`, or an RFC 7396 `patch`) is of
 *   the handler's event, which the steps from `from` on read; the steps before it answer with
 *   what they recorded for the parent's event.
 */
import { type DurableForkOperation, type DurableForkStart, durableForkStart } from './durable-fork-starts.js';
import { FORK_EFFECTS, type Fork, type ForkEdit, ForkNotPossible, forkExecutionName, mergePatch } from './fork.js';
import { DURABLE_EXECUTION_NAME_MAX } from './identity.js';

export { type DurableForkOperation, type DurableForkStart, durableForkStart, durableForkStarts } from './durable-fork-starts.js';

/** A planned durable fork: the execution's name and the handler's event, where it begins and what it copies. */
export interface PlannedDurableFork<T extends DurableForkOperation> extends DurableForkStart<T> {
  readonly name: string;
  /** The handler's event (JSON text): the parent's, replaced or patched. */
  readonly input: string;
  readonly fork: Fork;
}

/**
 * The fork of `parent` that `edit` asks for, from the parent's operations: the local runtime's
 * and the CLI's, so both name and start the same execution. Its name derives from the parent,
 * the step, the event and the effects: the same fork asked twice names one execution.
 */
export function planDurableFork<T extends DurableForkOperation>(
  parent: { readonly arn: string; readonly name: string; readonly input: string },
  operations: readonly T[],
  edit: ForkEdit,
): PlannedDurableFork<T> {
  const effects = edit.effects ?? 'skip';
  if (!(FORK_EFFECTS as readonly string[]).includes(effects))
    throw new ForkNotPossible(`effects must be ${FORK_EFFECTS.join(' or ')} (got ${String(effects)})`);
  if (edit.input !== undefined && edit.patch !== undefined) throw new ForkNotPossible('Give the input or a patch of it, not both');
  const { start, copied } = durableForkStart(operations, edit.from);
  const input =
    edit.input !== undefined ? edit.input : edit.patch !== undefined ? mergePatch(parentEvent(parent), edit.patch) : parentEvent(parent);
  const fork: Fork = { parent: parent.arn, from: edit.from, input, variables: {}, effects };
  return { name: forkExecutionName(parent.name, fork, DURABLE_EXECUTION_NAME_MAX), input: JSON.stringify(input), fork, start, copied };
}

function parentEvent(parent: { readonly arn: string; readonly input: string }): unknown {
  try {
    return JSON.parse(parent.input);
  } catch (error) {
    throw new ForkNotPossible(`Cannot fork ${parent.arn}: its event is not JSON (give the fork's whole event as its input)`, {
      cause: error,
    });
  }
}
