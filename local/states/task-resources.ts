/** A Task state of a definition, wherever it is nested. */
export interface TaskState {
  readonly resource: string;
  readonly name: string;
  /** Where it is in the definition, as AWS's validation messages locate it: `/States/Fan/Branches[1]/States/Fetch`. */
  readonly path: string;
  /** The enclosing Parallel and Map states, outermost first: `Parallel "Fan" branch 2 > Map "Each" item processor`. */
  readonly within: string;
}

/** Every Task state of a definition, including those in Parallel branches and Map item processors. */
export function taskStates(definition: unknown, path = '', within: readonly string[] = []): TaskState[] {
  if (!isObject(definition) || !isObject(definition.States)) return [];
  const found: TaskState[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isObject(state)) continue;
    const at = `${path}/States/${name}`;
    if (state.Type === 'Task' && typeof state.Resource === 'string') {
      found.push({ resource: state.Resource, name, path: at, within: within.join(' > ') });
    }
    if (Array.isArray(state.Branches)) {
      for (const [i, branch] of state.Branches.entries()) {
        found.push(...taskStates(branch, `${at}/Branches[${i}]`, [...within, `Parallel "${name}" branch ${i + 1}`]));
      }
    }
    for (const key of ['ItemProcessor', 'Iterator']) {
      if (isObject(state[key])) found.push(...taskStates(state[key], `${at}/${key}`, [...within, `Map "${name}" item processor`]));
    }
  }
  return found;
}

/**
 * The start-up report of what a state machine names that this runtime cannot run: one
 * line per Task state, by state machine and state, saying why.
 */
export function unsupportedResourceWarnings(
  machines: readonly { name: string; definition: string }[],
  unsupported: (resource: string) => string | undefined,
): string[] {
  const warnings: string[] = [];
  for (const machine of machines) {
    let definition: unknown;
    try {
      definition = JSON.parse(machine.definition);
    } catch {
      continue;
    }
    for (const task of taskStates(definition)) {
      const reason = unsupported(task.resource);
      if (reason === undefined) continue;
      const where = task.within ? ` (in ${task.within})` : '';
      warnings.push(
        `state machine ${machine.name}, state "${task.name}"${where}: ${task.resource} cannot run locally (${reason}); the task fails with States.Runtime when it runs`,
      );
    }
  }
  return warnings;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
