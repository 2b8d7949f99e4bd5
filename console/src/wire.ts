import type { WireHistoryEvent } from '../../clients/history-reader.js';

export { toDate } from '../../clients/history-reader.js';

/** Shapes of the AWS JSON protocols, read without a browser: pure functions the unit tests import. */

export function isExpressArn(executionArn: string): boolean {
  return /^arn:[^:]+:states:[^:]*:[^:]*:express:/.test(executionArn);
}

/** `arn:...:express:<machine>:<name>:<id>` → its state machine's ARN. */
export function expressMachineArn(executionArn: string): string | undefined {
  const m = /^(arn:[^:]+:states:[^:]*:[^:]*):express:([^:]+):[^:]+:[^:]+$/.exec(executionArn);
  return m ? `${m[1]}:stateMachine:${m[2]}` : undefined;
}

/** A Step Functions log record (ids and timestamps as text) as the history event GetExecutionHistory would give. */
export function fromLogRecord(record: Record<string, unknown>): WireHistoryEvent {
  const type = String(record.type ?? '');
  const number = (value: unknown) =>
    typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'number' ? value : undefined;
  const member = type.endsWith('StateEntered')
    ? 'stateEnteredEventDetails'
    : type.endsWith('StateExited')
      ? 'stateExitedEventDetails'
      : `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
  const millis = number(record.event_timestamp);
  return {
    id: number(record.id),
    previousEventId: number(record.previous_event_id),
    type,
    timestamp: millis === undefined ? undefined : millis / 1000,
    ...(record.details && typeof record.details === 'object' ? { [member]: record.details } : {}),
  };
}
