/**
 * Times as each side wants them: the service keeps epoch milliseconds; Lambda's REST-JSON
 * API answers epoch seconds, and the invocation envelope carries ISO-8601 strings (what
 * the SDK's `normalizeOperation` reads there: a number would be taken for milliseconds).
 */
export function forApi<T>(value: T): T {
  return convertTimestamps(value, (ms) => ms / 1000) as T;
}

export function forEnvelope<T>(value: T): T {
  return convertTimestamps(value, (ms) => new Date(ms).toISOString()) as T;
}

function convertTimestamps(value: unknown, convert: (ms: number) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => convertTimestamps(item, convert));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item === undefined) continue;
    out[key] = key.endsWith('Timestamp') && typeof item === 'number' ? convert(item) : convertTimestamps(item, convert);
  }
  return out;
}
