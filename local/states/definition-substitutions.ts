/**
 * AWS::StepFunctions::StateMachine's `DefinitionSubstitutions`, applied as CloudFormation's
 * Step Functions resource provider applies them before it creates the machine
 * (aws-cloudformation-resource-providers-stepfunctions, DefinitionProcessor): every
 * `${key}` in the definition's text is replaced by the value's text, wherever it is, and
 * again in what a replacement brought in, until nothing changes. The text is replaced, not
 * a JSON value: `"${Count}"` stays a string holding the number's digits, an unquoted
 * `${Count}` becomes the number. A `${...}` no key names is left as written (a literal
 * string, or a definition that is not JSON).
 */

/** A substitution CloudFormation refuses, or substitutions that bring each other in forever. */
export class DefinitionSubstitutionError extends Error {
  override readonly name = 'DefinitionSubstitutionError';
}

/**
 * The values as the provider receives them: the resource schema takes a string, an integer
 * or a boolean, and CloudFormation passes each as its text.
 * @throws DefinitionSubstitutionError for a value of another type (an object, a list)
 */
export function substitutionValues(given: unknown): Map<string, string> {
  const values = new Map<string, string>();
  if (given === undefined) return values;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new DefinitionSubstitutionError('DefinitionSubstitutions must be a map of keys to values');
  }
  for (const [key, value] of Object.entries(given)) {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new DefinitionSubstitutionError(
        `DefinitionSubstitutions.${key} must be a string, a number or a boolean (got ${JSON.stringify(value)})`,
      );
    }
    values.set(key, String(value));
  }
  return values;
}

/**
 * The definition with each `${key}` replaced, repeatedly, as Apache Commons'
 * `StringUtils.replaceEachRepeatedly` (which the provider calls) does: at most one more
 * round than there are keys, else the values bring each other in without end.
 * @throws DefinitionSubstitutionError when the values refer to each other in a cycle
 */
export function substituteDefinition(definition: string, values: ReadonlyMap<string, string>): string {
  if (values.size === 0) return definition;
  // Longest first: of two keys matching at one place, the longer one is the whole placeholder.
  const keys = [...values.keys()].sort((a, b) => b.length - a.length);
  const placeholder = new RegExp(keys.map((key) => `\\$\\{${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\}`).join('|'), 'g');
  let text = definition;
  for (let round = 0; round <= values.size; round++) {
    const next = text.replace(placeholder, (match) => values.get(match.slice(2, -1)) ?? match);
    if (next === text) return text;
    text = next;
  }
  throw new DefinitionSubstitutionError(
    `DefinitionSubstitutions bring each other in without end (${keys.map((key) => `\${${key}}`).join(', ')})`,
  );
}

/** The `${name}` placeholders a definition still holds, each once, in order. */
export function placeholdersIn(definition: string): string[] {
  return [...new Set([...definition.matchAll(/\$\{([^{}]*)\}/g)].map((m) => `\${${m[1]}}`))];
}
