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
import {
  FORK_EFFECTS,
  FORK_ENTRY_COMMENT,
  type Fork,
  type ForkableDefinition,
  type ForkEffects,
  type ForkHistoryEvent,
  ForkNotPossible,
  forkStart,
  InvalidForkInput,
  isRecord,
} from './fork-starts.js';

export {
  FORK_EFFECTS,
  type Fork,
  type ForkableDefinition,
  type ForkEffects,
  type ForkHistoryEvent,
  ForkNotPossible,
  type ForkStart,
  forkOfInput,
  forkStart,
  forkStarts,
  hasForkEntry,
  InvalidForkInput,
  withoutForkEntry,
} from './fork-starts.js';
export { FORK_ENTRY_STATE, FORK_INPUT_KEY };

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

const STATE_NAME_LIMIT = 80;

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
