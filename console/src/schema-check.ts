/**
 * Checks a value against the JSON Schema subset the app's contracts use (TypeBox output:
 * type, enum, const, required, properties, additionalProperties, string lengths, number
 * bounds, anyOf). The CLI checks with ajv, which compiles validators with `new Function`;
 * the console's Content-Security-Policy forbids that, so it interprets the same schema.
 * Returns one line per problem, naming the field.
 */
export function schemaProblems(schema: unknown, value: unknown, at = ''): string[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const s = schema as Record<string, unknown>;
  const where = at === '' ? 'the value' : at;
  if (Array.isArray(s.anyOf)) {
    return s.anyOf.some((option) => schemaProblems(option, value, at).length === 0) ? [] : [`${where} matches none of the allowed shapes`];
  }
  if (Array.isArray(s.enum) && !s.enum.some((allowed) => allowed === value)) {
    return [`${where} must be one of ${s.enum.join(', ')} (got ${JSON.stringify(value)})`];
  }
  if ('const' in s && s.const !== value) return [`${where} must be ${JSON.stringify(s.const)}`];
  const type = s.type;
  if (typeof type === 'string' && !hasType(value, type)) return [`${where} must be ${article(type)}`];
  const problems: string[] = [];
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && [...value].length < s.minLength) {
      problems.push(s.minLength === 1 ? `${where} must not be empty` : `${where} must have at least ${s.minLength} characters`);
    }
    if (typeof s.maxLength === 'number' && [...value].length > s.maxLength)
      problems.push(`${where} must have at most ${s.maxLength} characters`);
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) problems.push(`${where} must be at least ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) problems.push(`${where} must be at most ${s.maximum}`);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    const properties = (s.properties ?? {}) as Record<string, unknown>;
    for (const name of Array.isArray(s.required) ? (s.required as string[]) : []) {
      if (!(name in object)) problems.push(`${join(at, name)} is required`);
    }
    for (const [name, member] of Object.entries(object)) {
      if (name in properties) problems.push(...schemaProblems(properties[name], member, join(at, name)));
      else if (s.additionalProperties === false) problems.push(`${join(at, name)} is not a field of this object`);
    }
  }
  return problems;
}

function join(at: string, name: string): string {
  return at === '' ? name : `${at}.${name}`;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
