/**
 * Turns an object whose values are `{% expression %}` strings, plain values or nested such
 * objects into one JSONata object expression, in which a key whose value is undefined is
 * left out instead of failing the state.
 */
export function jsonataObject(fields: Record<string, unknown>): string {
  const render = (value: unknown): string => {
    if (typeof value === 'string') {
      const expression = /^\{%(.*)%\}$/s.exec(value);
      return expression ? `(${(expression[1] ?? '').trim()})` : JSON.stringify(value);
    }
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return `{ ${Object.entries(value)
        .map(([key, inner]) => `${JSON.stringify(key)}: ${render(inner)}`)
        .join(', ')} }`;
    }
    return JSON.stringify(value);
  };
  return `{% ${render(fields)} %}`;
}
