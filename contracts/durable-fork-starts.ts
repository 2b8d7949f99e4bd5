/**
 * Where a fork of a Lambda durable execution can begin among the parent's operations
 * (contracts/durable-fork.ts plans the rest): the part without node:crypto, so that the console
 * (a browser) offers "Rerun from here" on the operations the CLI and the runtime would fork
 * from, with the same code. durable-fork.ts re-exports it.
 */
import { ForkNotPossible } from './fork-starts.js';

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

/**
 * The names of the operations a fork of this execution can begin at (the parent's operations,
 * in the order they started), in that order: each operation of the handler itself whose
 * operations before it had all ended.
 */
export function durableForkStarts(operations: readonly DurableForkOperation[]): string[] {
  const names = new Set(operations.filter((op) => op.ParentId === undefined && op.Type !== 'EXECUTION').flatMap((op) => op.Name ?? []));
  return [...names].filter((name) => {
    try {
      durableForkStart(operations, name);
      return true;
    } catch (error) {
      if (error instanceof ForkNotPossible) return false;
      throw error;
    }
  });
}
