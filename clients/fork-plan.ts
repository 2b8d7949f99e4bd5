/**
 * Where a fork of a Step Functions execution can begin, and with what: read from the parent's
 * history (GetExecutionHistory's events, with their data), the input each top-level state was
 * entered with and the variables (`Assign`) set before it. Shared by the CLI (in AWS and
 * locally) and the local runtime's read API (the console's "rerun from here"); pure, no SDK.
 *
 * Only a top-level state can be a fork's start: a state inside a Parallel branch or a Map
 * iteration runs with its siblings' and its iteration's context, which a new execution cannot
 * stand in for. A state entered more than once (a loop, a retry by redrive) begins the fork as
 * it was entered last.
 */
import type { WireHistoryEvent } from './execution-history.js';

/** A top-level state the parent entered: where a fork can begin. */
export interface ForkStart {
  readonly name: string;
  /** The state's input as the history recorded it (JSON text). */
  readonly input: string;
  /** The variables set before its entry (their values parsed). */
  readonly variables: Readonly<Record<string, unknown>>;
  /** The id of its (last) StateEntered event. */
  readonly enteredEventId: number;
}

/** The fork cannot begin where it was asked to. */
export class ForkNotPossible extends Error {
  override readonly name = 'ForkNotPossible';
}

interface Open {
  readonly name: string;
  readonly type: string;
}

/** Every top-level state the history entered, in the order of their last entry. */
export function forkStarts(events: readonly WireHistoryEvent[]): ForkStart[] {
  const starts = new Map<string, ForkStart>();
  const variables: Record<string, unknown> = {};
  let open: Open | undefined;
  for (const event of events) {
    const type = event.type ?? '';
    // A redrive enters the failed state again: the entry before it never exited.
    if (type === 'ExecutionRedriven') {
      open = undefined;
      continue;
    }
    if (!open) {
      const entered = /^(\w+)StateEntered$/.exec(type);
      if (!entered) continue;
      const details = (event.stateEnteredEventDetails ?? {}) as { name?: string; input?: string };
      if (typeof details.name !== 'string') continue;
      if (typeof details.input !== 'string')
        throw new ForkNotPossible(`The history of the parent leaves out the input of ${details.name}: read it with its execution data`);
      open = { name: details.name, type: entered[1] as string };
      starts.delete(details.name);
      starts.set(details.name, { name: details.name, input: details.input, variables: { ...variables }, enteredEventId: event.id ?? 0 });
      continue;
    }
    const exited = event.stateExitedEventDetails as { name?: string; assignedVariables?: Record<string, string> } | undefined;
    if (type === `${open.type}StateExited` && exited?.name === open.name) {
      for (const [name, text] of Object.entries(exited.assignedVariables ?? {})) variables[name] = JSON.parse(text);
      open = undefined;
    }
  }
  return [...starts.values()];
}

/**
 * The start of a fork from `from`: the state's last entry. Refused, naming the states that can
 * be a start, when the parent never entered it at the top level.
 */
export function forkStart(events: readonly WireHistoryEvent[], from: string): ForkStart {
  const starts = forkStarts(events);
  const start = starts.find((s) => s.name === from);
  if (start) return start;
  const names = starts.map((s) => s.name);
  const can = names.length === 0 ? 'it entered no state' : `a fork can begin at ${names.join(', ')}`;
  const entered = events.some((e) => (e.stateEnteredEventDetails as { name?: string } | undefined)?.name === from);
  const why = entered
    ? `${from} ran inside a Parallel branch or a Map iteration, which a fork cannot begin in`
    : `the parent execution never entered a state named ${from}`;
  throw new ForkNotPossible(`Cannot fork from ${from}: ${why}; ${can}`);
}
