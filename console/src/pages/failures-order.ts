/** The dead-letter queues as the Failures page shows them: those holding messages, and the empty ones apart. */
export interface DeadLetterGroups<Q> {
  /** Most messages first; queues with as many by name. */
  readonly holding: Q[];
  /** By name: folded into one line, since there is nothing in them to read or redrive. */
  readonly empty: Q[];
}

/**
 * Splits the dead-letter queues into those holding messages and the empty ones. A queue holds
 * messages when any are visible, in flight or delayed (ApproximateNumberOf*): one being redriven
 * or read right now is not empty yet.
 */
// Pure and importing nothing: the unit tests run it under Node, without the DOM the page's other modules need.
export function deadLetterGroups<Q extends { name: string; depth: number; inFlight: number; delayed: number }>(
  queues: readonly Q[],
): DeadLetterGroups<Q> {
  const held = (q: Q) => q.depth + q.inFlight + q.delayed;
  const byName = (a: Q, b: Q) => a.name.localeCompare(b.name);
  return {
    holding: queues.filter((q) => held(q) > 0).sort((a, b) => held(b) - held(a) || byName(a, b)),
    empty: queues.filter((q) => held(q) === 0).sort(byName),
  };
}
