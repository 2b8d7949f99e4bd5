import { FORK_ENTRY_STATE } from '../../contracts/fork-names.js';
/** A state of an ASL definition, as the cost model reads it. */
export interface AslState {
  readonly name: string;
  readonly Type?: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Arguments?: Record<string, unknown>;
  readonly Seconds?: number;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly { Next?: string }[];
  readonly Branches?: readonly AslDefinition[];
  readonly Iterator?: AslDefinition;
  readonly ItemProcessor?: AslDefinition;
}

export interface AslDefinition {
  readonly StartAt?: string;
  readonly States?: Record<string, Omit<AslState, 'name'>>;
}

/** One way through a definition: the states it enters, in order, and how often it is taken. */
export interface DefinitionPath {
  readonly states: readonly AslState[];
  /** The share of executions that take this path (the paths of a definition add up to 1). */
  readonly weight: number;
  /** It hands the work to a person or another workflow (a task token, a started execution). */
  readonly escalates: boolean;
}

const MAX_PATHS = 64;

/** Whether a task state waits for a person or starts another workflow: the "escalation" branch. */
export function escalates(state: AslState): boolean {
  const resource = state.Resource ?? '';
  return resource.includes('.waitForTaskToken') || /:states:::states:startExecution/.test(resource);
}

/**
 * The paths through a definition when nothing fails: from StartAt along Next, one path per
 * Choice branch; a Choice branch that loops back is not followed (loops taken once), and
 * Catch branches are not followed. A Parallel state adds the usual path of each branch (the
 * first that does not end in Fail), a Map its iteration's usual path `itemsPerMap` times (each item is billed as its own transitions).
 * Paths that escalate share `escalationRate`, the others the rest; when all or none
 * escalate, they share equally.
 */
export function definitionPaths(definition: AslDefinition, escalationRate: number, itemsPerMap = 1): DefinitionPath[] {
  const raw = walkAll(definition, itemsPerMap);
  if (raw.length === 0) return [];
  const escalating = raw.filter((states) => states.some(escalates));
  const direct = raw.filter((states) => !states.some(escalates));
  if (escalating.length === 0 || direct.length === 0) {
    return raw.map((states) => ({ states, weight: 1 / raw.length, escalates: states.some(escalates) }));
  }
  return [
    ...direct.map((states) => ({ states, weight: (1 - escalationRate) / direct.length, escalates: false })),
    ...escalating.map((states) => ({ states, weight: escalationRate / escalating.length, escalates: true })),
  ];
}

/** The path a branch or an item usually takes: the first that does not end in a Fail state (a guard's refusal). */
function usualPath(definition: AslDefinition, itemsPerMap: number): AslState[] {
  const paths = walkAll(definition, itemsPerMap);
  return paths.find((states) => states.at(-1)?.Type !== 'Fail') ?? paths[0] ?? [];
}

function walkAll(definition: AslDefinition, itemsPerMap: number): AslState[][] {
  const out: AslState[][] = [];
  const states = definition.States ?? {};
  const walk = (name: string | undefined, path: AslState[], seen: Set<string>) => {
    if (out.length >= MAX_PATHS || name === undefined) return;
    const raw = states[name];
    if (raw === undefined || seen.has(name)) return; // a loop back: not a path of its own
    const state: AslState = { ...raw, name };
    const iteration = state.ItemProcessor ?? state.Iterator;
    const inner = [
      ...(state.Branches ?? []).flatMap((d) => usualPath(d, itemsPerMap)),
      ...(iteration === undefined ? [] : Array.from({ length: itemsPerMap }, () => usualPath(iteration, itemsPerMap)).flat()),
    ];
    const here = [...path, state, ...inner];
    const next = new Set(seen).add(name);
    if (state.Type === 'Choice') {
      // A Workflow's fork entry sends every event's execution to the flow's start: a fork is an operator's rerun, not traffic.
      if (name === FORK_ENTRY_STATE) return walk(state.Default, here, next);
      const targets = [
        ...new Set([...(state.Choices ?? []).map((c) => c.Next), state.Default].filter((t): t is string => t !== undefined)),
      ];
      for (const target of targets) walk(target, here, next);
      return;
    }
    if (state.End === true || state.Type === 'Succeed' || state.Type === 'Fail' || state.Next === undefined) {
      out.push(here);
      return;
    }
    walk(state.Next, here, next);
  };
  walk(definition.StartAt, [], new Set());
  return out;
}
