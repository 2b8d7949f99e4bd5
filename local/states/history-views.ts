import { executionEndStatus } from '../../clients/execution-statuses.js';
import type { HistoryEvent } from './engine/index.js';
import { isObject } from './integrations/shared.js';
import { seconds } from './names.js';

/** A history event in GetExecutionHistory's shape: epoch seconds, execution data left out on request. */
export function apiEvent(event: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event, timestamp: seconds(event.timestamp) };
  if (includeData) return out;
  for (const [key, value] of Object.entries(out)) {
    if (!key.endsWith('EventDetails') || !isObject(value)) continue;
    const { input: _input, output: _output, ...rest } = value;
    out[key] = rest;
  }
  return out;
}

/**
 * The history the engine resumes from. A redrive reruns the state the execution failed
 * in: the engine sees the history up to that state's entry, then the ExecutionRedriven
 * event, then what happened since (ids keep increasing, so none collide).
 */
export function engineView(history: readonly HistoryEvent[]): HistoryEvent[] {
  let view: HistoryEvent[] = [];
  for (const event of history) {
    if (event.type === 'ExecutionRedriven') view = beforeFailedState(view);
    view.push(event);
  }
  return view;
}

function beforeFailedState(events: HistoryEvent[]): HistoryEvent[] {
  const kept = events.filter((e) => executionEndStatus(e.type) === undefined);
  let open: { index: number; type: string; name: unknown } | undefined;
  kept.forEach((e, index) => {
    const details = (e.stateEnteredEventDetails ?? e.stateExitedEventDetails) as { name?: unknown } | undefined;
    if (!open) {
      const m = /^(\w+)StateEntered$/.exec(e.type);
      if (m) open = { index, type: m[1] as string, name: details?.name };
    } else if (e.type === `${open.type}StateExited` && details?.name === open.name) open = undefined;
  });
  return open ? kept.slice(0, open.index) : kept;
}
