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
import { FORK_EFFECTS, type Fork, type ForkEdit, ForkNotPossible, forkExecutionName, mergePatch } from './fork.js';
import { DURABLE_EXECUTION_NAME_MAX } from './identity.js';

/** An operation as Lambda's API gives it (`Operation`), as far as planning a fork reads it. */
export interface DurableForkOperation {
  readonly Id: string;
  readonly Type: string;
  readonly Status: string;
  readonly Name?: string;
  readonly ParentId?: string;
}

/** The statuses an operation ends in: only an ended operation can be answered from the parent's record. */
const ENDED: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'STOPPED']);

/** Where a fork begins in the parent, and what it copies of it. */
export interface DurableForkStart<T extends DurableForkOperation> {
  /** The operation named `from` (its last run). */
  readonly start: T;
  /**
   * The parent's operations the fork starts with, in the order they started: each operation
   * of the handler that started before `start`, and everything under it (a child context's
   * steps, which the SDK replays when the context asks for its children again).
   */
  readonly copied: readonly T[];
}

/**
 * Where a fork from `from` begins among the parent's operations (in the order they started,
 * the execution's own left out or not). Refused, naming the operations a fork can begin at,
 * when the parent never ran an operation of that name at the top of its handler, or when one
 * before it had not ended (it ran beside it and was still running).
 */
export function durableForkStart<T extends DurableForkOperation>(operations: readonly T[], from: string): DurableForkStart<T> {
  const own = operations.filter((op) => op.Type !== 'EXECUTION');
  const index = own.findLastIndex((op) => op.ParentId === undefined && op.Name === from);
  const start = own[index];
  if (start === undefined) throw new ForkNotPossible(`Cannot fork from ${from}: ${whyNot(own, from)}; ${startable(own)}`);
  const before = own.slice(0, index).filter((op) => op.ParentId === undefined);
  const open = before.find((op) => !ENDED.has(op.Status));
  if (open) {
    throw new ForkNotPossible(
      `Cannot fork from ${from}: ${label(open)} had not ended when the parent ran it (it is ${open.Status}), so the fork has no outcome of it to begin with; fork from ${label(open)} instead`,
    );
  }
  const kept = new Set(before.map((op) => op.Id));
  const copied: T[] = [];
  for (const op of own) {
    if (op.Id === start.Id) continue;
    // A parent starts before its children: one pass finds every descendant of what is kept.
    if (kept.has(op.Id) || (op.ParentId !== undefined && kept.has(op.ParentId))) {
      kept.add(op.Id);
      copied.push(op);
    }
  }
  return { start, copied };
}

function whyNot(operations: readonly DurableForkOperation[], from: string): string {
  const nested = operations.find((op) => op.Name === from);
  if (nested === undefined) return `the parent execution never ran an operation named ${from}`;
  const parent = operations.find((op) => op.Id === nested.ParentId);
  return `${from} ran inside ${parent ? label(parent) : 'a child context'}, and a fork begins at an operation of the handler itself, not one inside a child context, a map, a parallel or a waitForCallback`;
}

function startable(operations: readonly DurableForkOperation[]): string {
  const names = [...new Set(operations.filter((op) => op.ParentId === undefined && op.Name !== undefined).map((op) => op.Name))];
  return names.length === 0 ? 'it ran no named operation a fork can begin at' : `a fork can begin at ${names.join(', ')}`;
}

function label(op: DurableForkOperation): string {
  return op.Name ?? `the unnamed ${op.Type.toLowerCase()} ${op.Id}`;
}

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
