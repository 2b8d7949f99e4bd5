import { messageSegment, parseTraceHeader, segmentOf } from '../endpoint/trace-header.js';
import type { ReadRecorder } from '../read-api/read-api.js';
import type { ServiceLookup } from '../service-registry/service-module.js';
import type { ConsumerOutcome } from '../sqs/consumer-failures.js';
import type { InvocationNote } from './runtime/function-runtime.js';

/**
 * Who hears of each invocation: the read API (its lineage), the runtime's spans (`faas.*`), and
 * SQS, which keeps the records a consumer failed until they are delivered again (`failures`).
 */
export function invocationObserver(services: ServiceLookup): (note: InvocationNote) => void {
  const readApi = services.get('readApi');
  const { spans } = services.get('traces');
  const sqs = services.get('sqs');
  return (note) => {
    readApi.record('invocation', note);
    spans.invocation(note);
    if (note.phase === 'ended' && note.messages?.length) sqs.consumerOutcome(consumerOutcome(note, note.messages));
  };
}

/** What an ended invocation did with its batch's SQS messages: all failed with its error, the ones its answer named, or none. */
function consumerOutcome(note: InvocationNote, messages: NonNullable<InvocationNote['messages']>): ConsumerOutcome {
  const outcome = { functionName: note.functionName, time: note.time, messages };
  if (note.error) return { ...outcome, failed: 'all', reason: `${note.error.errorType}: ${note.error.errorMessage}` };
  if (note.failedMessages === 'invalid') {
    return { ...outcome, failed: 'all', reason: 'its partial batch response is invalid: Lambda treats the whole batch as failed' };
  }
  const reason = 'reported failed in its answer (batchItemFailures)';
  // A record the function logged an error for: that error, and how the answer failed the record.
  const reasons = note.recordErrors && new Map([...note.recordErrors].map(([id, error]) => [id, `${error} (batchItemFailures)`]));
  return { ...outcome, failed: note.failedMessages ?? new Set(), reason, ...(reasons ? { reasons } : {}) };
}

/** Records in the read API an invocation Lambda started (its node, under its batch's messages or its caller) or ended (its outcome). */
export function recordInvocation({ records }: ReadRecorder, note: InvocationNote): void {
  const segment = parseTraceHeader(note.traceHeader)?.parent ?? segmentOf('invocation', note.requestId);
  if (note.phase === 'started') {
    // A batch's messages are its parents; otherwise whatever called (its header's parent).
    const parents = note.messages?.length
      ? note.messages.map((message) => messageSegment(message.messageId))
      : [parseTraceHeader(note.callerTraceHeader)?.parent].filter((p): p is string => p !== undefined);
    records.putNode(
      {
        kind: 'invocation',
        id: note.requestId,
        segment,
        label: `${note.functionName} invocation ${note.requestId}`,
        time: note.time,
        status: 'running',
        attributes: {
          function: note.functionName,
          logGroup: note.logGroupName,
          ...(note.logStreamName ? { logStream: note.logStreamName } : {}),
          startedAt: String(note.time),
        },
      },
      parents,
    );
    return;
  }
  const reason = note.error ? `${note.error.errorType}: ${note.error.errorMessage}` : failedRecordsReason(note);
  records.setStatus('invocation', note.requestId, note.error ? 'failed' : 'succeeded', reason);
  records.setAttribute('invocation', note.requestId, 'endedAt', String(note.time));
}

/**
 * What an invocation Lambda calls a success did to its batch when it reported records failed
 * (a consumer that will retry one answers so): without it, the record's retries all read "succeeded".
 */
function failedRecordsReason({ failedMessages, messages }: InvocationNote): string | undefined {
  if (failedMessages === undefined) return undefined;
  if (failedMessages === 'invalid') return 'its partial batch response is invalid: Lambda treats the whole batch as failed';
  const n = failedMessages.size;
  return `reported ${n} of its ${messages?.length ?? n} records failed (batchItemFailures): SQS delivers ${n === 1 ? 'it' : 'them'} again`;
}
