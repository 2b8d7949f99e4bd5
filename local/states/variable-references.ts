import { nestedStates } from './engine/state-tree.js';
import { isObject } from './integrations/shared.js';

/**
 * DescribeStateMachine's `variableReferences`: for each state of a definition (those inside
 * Map and Parallel states too, by their own names) the variables its JSONPath fields read, as
 * AWS answers them (its recorded answers, test_sfn_api_variable_references): a path that starts
 * with `$<name>` in a field that takes a path (`InputPath`, `ItemsPath`, a Choice rule's
 * `Variable` and `...Path` comparisons, `SecondsPath`, `ErrorPath`, `MaxItemsPath`, ...) or in
 * a payload template's `key.$` (Parameters, ItemSelector, Assign, ...), intrinsic functions'
 * arguments included. A JSONata expression's variables are not listed, nor is `"$name"` given
 * as a plain value (it is text). Undefined when no state reads a variable (AWS leaves the
 * member out).
 */
export function variableReferences(definition: string): Record<string, string[]> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(definition);
  } catch {
    // A definition that is not JSON was refused when the machine was made (a template's, named at start-up).
    return undefined;
  }
  const references: Record<string, string[]> = {};
  for (const { name, state } of nestedStates(parsed)) {
    const names = new Set<string>();
    collect(state, names);
    if (names.size > 0) references[name] = [...names];
  }
  return Object.keys(references).length > 0 ? references : undefined;
}

/** The members holding states of their own (a Map's processor, a Parallel's branches): nestedStates gives those. */
const NESTED = new Set(['ItemProcessor', 'Iterator', 'Branches']);

/** The variables the fields of a state (or of an object in it) read, into `names`. */
function collect(value: Record<string, unknown>, names: Set<string>): void {
  for (const [key, inner] of Object.entries(value)) {
    if (NESTED.has(key)) continue;
    if (typeof inner === 'string') {
      if (key.endsWith('.$') || key.endsWith('Path') || key === 'Variable') for (const name of readVariables(inner)) names.add(name);
    } else if (Array.isArray(inner)) {
      for (const item of inner) if (isObject(item)) collect(item, names);
    } else if (isObject(inner)) collect(inner, names);
  }
}

const VARIABLE = /(?<![$\p{L}\p{N}_])\$([\p{L}_][\p{L}\p{N}_]*)/gu;
/** An intrinsic function's quoted text, which may hold `$` as any character. */
const QUOTED = /'(?:[^'\\]|\\.)*'/g;

/** The variables a path (`$name.field`) or an intrinsic function's arguments (`States.Format('{}', $name)`) read. */
function readVariables(text: string): string[] {
  if (!text.startsWith('States.')) {
    const m = /^\$([\p{L}_][\p{L}\p{N}_]*)/u.exec(text);
    return m?.[1] === undefined ? [] : [m[1]];
  }
  return [...text.replace(QUOTED, "''").matchAll(VARIABLE)].map((m) => m[1] as string);
}
