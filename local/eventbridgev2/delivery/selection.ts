// STUB: replaced by fix/v2-select at merge
import type { BusEvent } from './bus-event.js';

/** What a subscriber selects and sends: whether an event matches, its payload, and its target parameters. */
export interface Selection {
  matches(e: BusEvent): boolean;
  payload(e: BusEvent): unknown;
  /** May throw an error named `TransformError`: a delivery failure of that event. */
  targetParameters(e: BusEvent): Readonly<Record<string, unknown>>;
}

/** The subscriber's selection (stub: every event, its Data as payload, the parameters as given). */
export function compileSelection(subscriberConfiguration: Readonly<Record<string, unknown>>): Selection {
  const invoke = (subscriberConfiguration.InvokeConfiguration ?? {}) as Readonly<Record<string, unknown>>;
  return {
    matches: () => true,
    payload: (e) => e.Data,
    targetParameters: () => invoke,
  };
}
