/**
 * What a fork is and where one can begin, read from an execution's input and its parent's
 * history, and a Workflow's fork entry recognized: the part of contracts/fork.ts without
 * node:crypto, so that the console (a browser) offers "Rerun from here" on the states the CLI
 * and the runtime would fork from, reads a fork's parent and draws a flow without its entry,
 * with the same code. fork.ts re-exports all of it.
 */
import { FORK_ENTRY_STATE, FORK_INPUT_KEY } from './fork-names.js';

/**
 * What a step that runs again does about the effects its parent already claimed: `skip` keeps
 * the claims (an effect applied in the parent is not applied again, as a replay's `skip`);
 * `rerun` applies each effect again.
 */
export const FORK_EFFECTS = ['skip', 'rerun'] as const;
export type ForkEffects = (typeof FORK_EFFECTS)[number];

/** The fork an execution input carries. */
export interface Fork {
  /** The parent execution's ARN. */
  readonly parent: string;
  /** The state (or durable step) the fork begins at. */
  readonly from: string;
  /** The input the state begins with. */
  readonly input: unknown;
  /** The workflow variables (`Assign`) the state saw. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly effects: ForkEffects;
}

/** A fork's execution input is not the shape this module writes. */
export class InvalidForkInput extends Error {
  override readonly name = 'InvalidForkInput';
}

/** The fork an execution input carries, or undefined; throws InvalidForkInput when the field is there but malformed. */
export function forkOfInput(input: unknown): Fork | undefined {
  let value = input;
  if (typeof input === 'string') {
    if (!input.includes(FORK_INPUT_KEY)) return undefined;
    try {
      value = JSON.parse(input);
    } catch {
      return undefined;
    }
  }
  if (!isRecord(value) || !(FORK_INPUT_KEY in value)) return undefined;
  const fork = value[FORK_INPUT_KEY];
  const problem = forkProblem(fork);
  if (problem) throw new InvalidForkInput(`The execution input's ${FORK_INPUT_KEY} ${problem}`);
  return fork as Fork;
}

function forkProblem(fork: unknown): string | undefined {
  if (!isRecord(fork)) return 'must be an object';
  if (typeof fork.parent !== 'string' || fork.parent === '') return "must name the parent execution's ARN in parent";
  if (typeof fork.from !== 'string' || fork.from === '') return 'must name the state it begins at in from';
  if (!('input' in fork)) return "must hold the state's input in input";
  if (!isRecord(fork.variables)) return 'must hold the variables in an object, variables';
  if (!(FORK_EFFECTS as readonly unknown[]).includes(fork.effects)) return `must say effects: ${FORK_EFFECTS.join(' or ')}`;
  return undefined;
}

// ---- where a fork can begin: the parent's history ----
//
// Only a top-level state can be a fork's start: a state inside a Parallel branch or a Map
// iteration runs with its siblings' and its iteration's context, which a new execution cannot
// stand in for. A state entered more than once (a loop, a redrive) begins the fork as it was
// entered last.

/** A history event as GetExecutionHistory gives it (the SDK's or the JSON protocol's), with its data. */
export interface ForkHistoryEvent {
  readonly id?: number;
  readonly type?: string;
  readonly [details: string]: unknown;
}

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

/** The Pass state a fork entry routes a fork to: `Fork to <state>` (`Fork <n> to <state>` where the name was cut). */
const FORK_STATE_NAME = /^Fork (?:\d+ )?to /;

/** Every top-level state the history entered, in the order of their last entry. */
export function forkStarts(events: readonly ForkHistoryEvent[]): ForkStart[] {
  const starts = new Map<string, ForkStart>();
  const variables: Record<string, unknown> = {};
  let open: Open | undefined;
  // Whether the state just exited is the fork entry: the next one is the state it routed a fork to.
  let routed = false;
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
      const kind = entered[1] as string;
      open = { name: details.name, type: kind };
      // A Workflow's fork entry and the state it routed a fork to are Switchyard's, not the flow's: no fork begins there.
      const entry = details.name === FORK_ENTRY_STATE || (routed && kind === 'Pass' && FORK_STATE_NAME.test(details.name));
      routed = false;
      if (entry) continue;
      starts.delete(details.name);
      starts.set(details.name, { name: details.name, input: details.input, variables: { ...variables }, enteredEventId: event.id ?? 0 });
      continue;
    }
    const exited = event.stateExitedEventDetails as { name?: string; assignedVariables?: Record<string, string> } | undefined;
    if (type === `${open.type}StateExited` && exited?.name === open.name) {
      // The entry's Pass state restores the parent's variables: they are the fork's as any state's.
      for (const [name, text] of Object.entries(exited.assignedVariables ?? {})) variables[name] = JSON.parse(text);
      routed = open.name === FORK_ENTRY_STATE;
      open = undefined;
    }
  }
  return [...starts.values()];
}

/**
 * The start of a fork from `from`: the state's last entry. Refused, naming the states that can
 * be a start, when the parent never entered it at the top level.
 */
export function forkStart(events: readonly ForkHistoryEvent[], from: string): ForkStart {
  const starts = forkStarts(events);
  const start = starts.find((s) => s.name === from);
  if (start) return start;
  const names = starts.map((s) => s.name);
  const can = names.length === 0 ? 'it entered no state' : `a fork can begin at ${names.join(', ')}`;
  const entered = events.some((e) => (e.stateEnteredEventDetails as { name?: string } | undefined)?.name === from);
  const why = !entered
    ? `the parent execution never entered a state named ${from}`
    : from === FORK_ENTRY_STATE || FORK_STATE_NAME.test(from)
      ? `${from} is a state of the fork entry, which routes a fork to its state`
      : `${from} ran inside a Parallel branch or a Map iteration, which a fork cannot begin in`;
  throw new ForkNotPossible(`Cannot fork from ${from}: ${why}; ${can}`);
}

/** @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Marks the entry as contracts/fork.ts's (withForkEntry), so the CLI and the local runtime trust its routing. @internal */
export const FORK_ENTRY_COMMENT = 'switchyard fork entry v1: routes an input with switchyardFork to its state (contracts/fork.ts)';

/** An Amazon States Language definition, as far as the fork entry reads and writes it. */
export interface ForkableDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** Whether a definition begins with the fork entry contracts/fork.ts writes (withForkEntry). */
export function hasForkEntry(definition: unknown): boolean {
  if (!isRecord(definition) || definition.StartAt !== FORK_ENTRY_STATE || !isRecord(definition.States)) return false;
  const entry = definition.States[FORK_ENTRY_STATE];
  return isRecord(entry) && entry.Comment === FORK_ENTRY_COMMENT;
}

/**
 * The definition as its flow is written, without the fork entry at its top (the entry's Choice
 * and the Pass state it routes each fork to): what a reader of the flow's graph looks for.
 * Any other definition as it is.
 */
export function withoutForkEntry<D>(definition: D): D {
  if (!hasForkEntry(definition)) return definition;
  const flow = definition as ForkableDefinition;
  const entry = flow.States[FORK_ENTRY_STATE] as { readonly Default: string; readonly Choices: readonly { readonly Next: string }[] };
  const entryStates = new Set([FORK_ENTRY_STATE, ...entry.Choices.map((choice) => choice.Next)]);
  const States = Object.fromEntries(Object.entries(flow.States).filter(([name]) => !entryStates.has(name)));
  return { ...flow, StartAt: entry.Default, States } as D;
}
