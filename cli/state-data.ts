import { fold } from '../clients/format.js';

/**
 * A state's output as `switchyard execution` shows it on one line: the part the state
 * changed. A state with a `resultPath` (or JSONata `outputs` that merge) passes its input on
 * with its result added at the end, so cutting the output at a length showed the input again
 * and cut off the result, a model step's answer included. When the input and output are both
 * JSON objects, the fields whose values the state added or changed are shown, followed by how
 * many it passed on unchanged; anything else is shown whole, its middle folded when it is
 * longer than `max`.
 */
export function stateOutputLine(input: string | undefined, output: string, max: number): string {
  const before = object(input);
  const after = object(output);
  if (before === undefined || after === undefined) return fold(output, max);
  const kept = Object.keys(after).filter((key) => key in before && JSON.stringify(after[key]) === JSON.stringify(before[key]));
  const dropped = Object.keys(before).filter((key) => !(key in after));
  if (kept.length === 0 || dropped.length > 0) return fold(output, max);
  const changed = Object.fromEntries(Object.entries(after).filter(([key]) => !kept.includes(key)));
  if (Object.keys(changed).length === 0) return 'its input, unchanged';
  return `${fold(JSON.stringify(changed), max)} (and ${kept.length === 1 ? 'the field' : `${kept.length} fields`} of its input: ${listedKeys(kept)})`;
}

function object(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function listedKeys(keys: readonly string[], max = 5): string {
  return keys.length > max ? `${keys.slice(0, max).join(', ')}, …` : keys.join(', ');
}
