/**
 * A fork: a new execution of a flow that begins at a state a parent execution entered, with
 * the input and the variables that state had there (or an edit of them); the states before it
 * do not run. One shape for every way a fork starts: the execution input carries the fork
 * under `switchyardFork`, beside the parent's own input fields, so that a Workflow's generated
 * fork entry routes it in AWS through a plain StartExecution, the local runtime starts any
 * state machine's fork from it, and every reader (the CLI, the console, the read API) finds the
 * parent in the input whichever way the fork was started.
 */
import { createHash } from 'node:crypto';
import { FORK_ENTRY_STATE, FORK_INPUT_KEY } from './fork-names.js';

export { FORK_ENTRY_STATE, FORK_INPUT_KEY };

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

/**
 * The input a fork's execution starts with: the parent's input fields (states that read
 * `$$.Execution.Input` see what they saw in the parent) and the fork. A parent input that is
 * not an object is left out: only the fork is there.
 */
export function forkExecutionInput(parentInput: unknown, fork: Fork): Record<string, unknown> {
  const own = isRecord(parentInput) ? { ...parentInput } : {};
  delete own[FORK_INPUT_KEY];
  return { ...own, [FORK_INPUT_KEY]: fork };
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

/** Step Functions' execution names: 1 to 80 of these characters. */
const NAME_LIMIT = 80;
const DIGEST_LENGTH = 16;

/**
 * The fork's execution name: the parent's name, then `-fork-` and a digest of the state, the
 * input, the variables and the effects, so the same fork asked twice names one execution and
 * any edit names another. `maxLength` is the service's limit on names (a durable execution's
 * is 64); the parent's name is cut to fit, the digest never.
 */
export function forkExecutionName(parentName: string, fork: Omit<Fork, 'parent'>, maxLength = NAME_LIMIT): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([fork.from, fork.input, sortedKeys(fork.variables), fork.effects]))
    .digest('base64url')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, DIGEST_LENGTH);
  const suffix = `-fork-${digest}`;
  return `${parentName.slice(0, maxLength - suffix.length)}${suffix}`;
}

function sortedKeys(record: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * RFC 7396 JSON Merge Patch: an object patch sets each member it names, a `null` member
 * removes it, anything else replaces the whole (the RFC's own algorithm, section 2).
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
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

/** Every top-level state the history entered, in the order of their last entry. */
export function forkStarts(events: readonly ForkHistoryEvent[]): ForkStart[] {
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
export function forkStart(events: readonly ForkHistoryEvent[], from: string): ForkStart {
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

/** What a fork asks: where to begin, and the input as recorded, replaced or patched. */
export interface ForkEdit {
  readonly from: string;
  /** The state's input instead of the recorded one. */
  readonly input?: unknown;
  /** An RFC 7396 merge patch of the recorded input. */
  readonly patch?: unknown;
  /** @default 'skip' */
  readonly effects?: ForkEffects;
}

/** A planned fork: the execution's name and input, and the fork they carry. */
export interface PlannedFork {
  readonly name: string;
  /** The execution input (JSON text): the parent's fields and the fork. */
  readonly input: string;
  readonly fork: Fork;
}

/**
 * The fork of `parent` that `edit` asks for, from the parent's history: the CLI's (in AWS and
 * locally) and the local runtime's, so both name and start the same execution.
 */
export function planFork(
  parent: { readonly arn: string; readonly name: string; readonly input: string },
  events: readonly ForkHistoryEvent[],
  edit: ForkEdit,
): PlannedFork {
  const effects = edit.effects ?? 'skip';
  if (!(FORK_EFFECTS as readonly string[]).includes(effects))
    throw new ForkNotPossible(`effects must be ${FORK_EFFECTS.join(' or ')} (got ${String(effects)})`);
  if (edit.input !== undefined && edit.patch !== undefined) throw new ForkNotPossible('Give the input or a patch of it, not both');
  const start = forkStart(events, edit.from);
  const recorded = JSON.parse(start.input) as unknown;
  const input = edit.input !== undefined ? edit.input : edit.patch !== undefined ? mergePatch(recorded, edit.patch) : recorded;
  const fork: Fork = { parent: parent.arn, from: start.name, input, variables: start.variables, effects };
  return { name: forkExecutionName(parent.name, fork), input: JSON.stringify(forkExecutionInput(JSON.parse(parent.input), fork)), fork };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Marks the entry as this module's, so the CLI and the local runtime trust its routing. */
const FORK_ENTRY_COMMENT = 'switchyard fork entry v1: routes an input with switchyardFork to its state (contracts/fork.ts)';
const STATE_NAME_LIMIT = 80;

/** An Amazon States Language definition, as far as the fork entry reads and writes it. */
export interface ForkableDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, unknown>>;
  readonly [field: string]: unknown;
}

/** Whether a definition begins with the fork entry this module writes. */
export function hasForkEntry(definition: unknown): boolean {
  if (!isRecord(definition) || definition.StartAt !== FORK_ENTRY_STATE || !isRecord(definition.States)) return false;
  const entry = definition.States[FORK_ENTRY_STATE];
  return isRecord(entry) && entry.Comment === FORK_ENTRY_COMMENT;
}

/**
 * The definition with a fork entry at its top: a Choice that sends an input carrying a fork to
 * a Pass state for the fork's state (which restores the recorded input and the variables the
 * definition's top-level states assign) and every other input, unchanged, to the flow's own
 * start. The entry costs every execution one state transition; its states are JSONata, which a
 * JSONPath definition allows state by state. A variable the parent had not set yet is restored
 * as null (JSONata cannot assign nothing).
 */
export function withForkEntry(definition: ForkableDefinition): ForkableDefinition {
  if (FORK_ENTRY_STATE in definition.States) throw new InvalidForkInput(`The definition already has a state named ${FORK_ENTRY_STATE}`);
  const targets = Object.keys(definition.States);
  const names = forkStateNames(targets, new Set(targets));
  const fork = `$states.input.${FORK_INPUT_KEY}`;
  const assign = Object.fromEntries(
    assignedVariables(definition.States).map((name) => {
      const quoted = JSON.stringify(name);
      return [name, `{% $exists($lookup(${fork}.variables, ${quoted})) ? $lookup(${fork}.variables, ${quoted}) : null %}`];
    }),
  );
  const forkStates: Record<string, unknown> = {};
  for (const [i, target] of targets.entries()) {
    forkStates[names[i] as string] = {
      Type: 'Pass',
      QueryLanguage: 'JSONata',
      Comment: `A fork begins at ${target} with the recorded input and variables`,
      ...(Object.keys(assign).length > 0 ? { Assign: assign } : {}),
      Output: `{% ${fork}.input %}`,
      Next: target,
    };
  }
  const entry = {
    Type: 'Choice',
    QueryLanguage: 'JSONata',
    Comment: FORK_ENTRY_COMMENT,
    Choices: targets.map((target, i) => ({
      Condition: `{% $exists(${fork}) and ${fork}.from = ${JSON.stringify(target)} %}`,
      Next: names[i],
    })),
    Default: definition.StartAt,
  };
  return { ...definition, StartAt: FORK_ENTRY_STATE, States: { [FORK_ENTRY_STATE]: entry, ...forkStates, ...definition.States } };
}

/** `Fork to <state>`, cut to Step Functions' 80 characters and numbered where cutting would make two alike. */
function forkStateNames(targets: readonly string[], taken: Set<string>): string[] {
  return targets.map((target, i) => {
    let name = `Fork to ${target}`;
    if (name.length > STATE_NAME_LIMIT || taken.has(name)) name = `Fork ${i} to ${target}`.slice(0, STATE_NAME_LIMIT);
    taken.add(name);
    return name;
  });
}

/** The variables the top-level states assign: in their own Assign, their Choice rules' and their Catchers'. */
function assignedVariables(states: Readonly<Record<string, unknown>>): string[] {
  const names = new Set<string>();
  const collect = (holder: unknown) => {
    if (isRecord(holder) && isRecord(holder.Assign)) for (const name of Object.keys(holder.Assign)) names.add(name.replace(/\.\$$/, ''));
  };
  for (const state of Object.values(states)) {
    if (!isRecord(state)) continue;
    collect(state);
    for (const list of [state.Choices, state.Catch]) if (Array.isArray(list)) list.forEach(collect);
  }
  return [...names].sort();
}
