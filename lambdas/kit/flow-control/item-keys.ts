/**
 * The item names of the flow control table (FlowControlTable): `<control>#<flow>#<key>`.
 * One place builds them, so the controls of one app (and the operator's tools that read the
 * table) never disagree on a name.
 */
export type FlowControlKind = 'concurrency' | 'rate' | 'debounce' | 'pause' | 'breaker' | 'tokens';

/**
 * A key taken from an event (any string), or a priority lane's guaranteed slots. An event's
 * key is escaped (`escapeSegment`), so it never holds `#`; a lane's is `lane#<escaped name>`,
 * which always does: no event can name a lane's item (an event key `lane#batch` is `lane%23batch`).
 */
export type FlowItemKey = string | { readonly lane: string };

/** The partition key (`pk`) of a control's item for one flow and key. */
export function flowControlItemKey(kind: FlowControlKind, flow: string, key: FlowItemKey): string {
  const last = typeof key === 'string' ? escapeSegment(key) : `lane#${escapeSegment(key.lane)}`;
  return `${kind}#${flow}#${last}`;
}

/**
 * A name as one segment of an item key: `#` separates segments, so it (and `%`, the escape)
 * are percent-encoded. A key without either keeps its name, as items written before had it.
 */
export function escapeSegment(part: string): string {
  return part.replaceAll('%', '%25').replaceAll('#', '%23');
}
