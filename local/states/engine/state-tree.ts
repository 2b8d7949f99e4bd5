/** One state of a definition, wherever it is nested. */
export interface NestedState {
  readonly name: string;
  readonly state: Record<string, unknown>;
  /** Where it is in the definition, as AWS's validation messages locate it: `/States/Fan/Branches[1]/States/Fetch`. */
  readonly path: string;
  /** The enclosing Parallel and Map states, outermost first: `Parallel "Fan" branch 2 > Map "Each" item processor`. */
  readonly within: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every state of a definition, those of Parallel branches and Map item processors included, each before those it holds. */
export function* nestedStates(definition: unknown, path = '', within: readonly string[] = []): Generator<NestedState> {
  if (!isObject(definition) || !isObject(definition.States)) return;
  for (const [name, state] of Object.entries(definition.States)) {
    if (!isObject(state)) continue;
    const at = `${path}/States/${name}`;
    yield { name, state, path: at, within: within.join(' > ') };
    if (Array.isArray(state.Branches)) {
      for (const [i, branch] of state.Branches.entries())
        yield* nestedStates(branch, `${at}/Branches[${i}]`, [...within, `Parallel "${name}" branch ${i + 1}`]);
    }
    for (const key of ['ItemProcessor', 'Iterator']) {
      if (isObject(state[key])) yield* nestedStates(state[key], `${at}/${key}`, [...within, `Map "${name}" item processor`]);
    }
  }
}
