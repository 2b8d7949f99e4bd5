/**
 * The item names of the flow control table (FlowControlTable): `<control>#<flow>#<key>`.
 * One place builds them, so the controls of one app (and the operator's tools that read the
 * table) never disagree on a name.
 */
export type FlowControlKind = 'concurrency' | 'rate' | 'debounce' | 'pause' | 'breaker' | 'tokens';

/** The partition key (`pk`) of a control's item for one flow and key. */
export function flowControlItemKey(kind: FlowControlKind, flow: string, key: string): string {
  return `${kind}#${flow}#${key}`;
}
