import type { SQSRecord } from 'aws-lambda';
import type { ValidatedEvent } from '../envelope.js';
import { inSpan } from './invocation.js';
import type { SpanAttributes, SpanLink } from './spans.js';
import { fromTraceparent, fromXRayHeader } from './trace-context.js';

/** The queue's name, from a record's `eventSourceARN` (`arn:aws:sqs:<region>:<account>:<name>`). */
export function queueNameOf(record: Pick<SQSRecord, 'eventSourceARN'>): string {
  const arn = record.eventSourceARN ?? '';
  return arn.slice(arn.lastIndexOf(':') + 1) || 'queue';
}

/** A record's span, before its event is parsed: the message as the messaging conventions name it. */
export function recordAttributes(record: SQSRecord): SpanAttributes {
  return {
    'messaging.system': 'aws_sqs',
    'messaging.operation.type': 'process',
    'messaging.destination.name': queueNameOf(record),
    'messaging.message.id': record.messageId,
    'switchyard.receive_count': Number(record.attributes?.ApproximateReceiveCount) || undefined,
  };
}

/**
 * What a consumer's record span links to: the trace that sent the message (SQS's
 * `AWSTraceHeader`, as X-Ray links an SQS-triggered invocation to its producers' traces, since
 * Lambda starts a new trace for the batch), and the span that emitted the event if its metadata
 * names one (`detail.metadata.traceparent`: an event a transactional outbox published through a
 * pipe arrives with no trace header, but with the context of the handler that wrote it).
 */
export function producerLinks(record: SQSRecord, event?: ValidatedEvent): SpanLink[] {
  const links: SpanLink[] = [];
  const sent = fromXRayHeader(record.attributes?.AWSTraceHeader);
  if (sent) links.push({ context: sent, attributes: { 'switchyard.link': 'AWSTraceHeader' } });
  const emitted = fromTraceparent(event?.traceparent);
  if (emitted) links.push({ context: emitted, attributes: { 'switchyard.link': 'detail.metadata.traceparent' } });
  return links;
}

/** What a record's span says of its event, once it passed its contract. */
export function eventAttributes(event: ValidatedEvent): SpanAttributes {
  return {
    'switchyard.event.id': event.envelope.id,
    'switchyard.event.source': event.envelope.source,
    'switchyard.event.detail_type': event.envelope['detail-type'],
    'switchyard.event.replay_name': event.envelope['replay-name'],
    'switchyard.correlation_id': event.correlationId,
    'switchyard.idempotency.key': event.idempotencyKey,
  };
}

/** A flow control step's outcome, as its span's attributes. */
export interface FlowStepOutcome {
  readonly outcome: 'run' | 'superseded' | 'held-back' | 'failed';
  readonly attributes?: SpanAttributes;
}

/**
 * Runs a flow control step (priority lanes, the keyed gate) as a span saying what it decided. A
 * record held back is the step's decision, not a failure: `describe` turns what `step` threw
 * into an outcome, and only an error it does not know fails the span.
 */
export async function flowControlSpan<T>(
  name: string,
  step: () => Promise<T>,
  describe: (result: { readonly value?: T; readonly error?: unknown }) => FlowStepOutcome,
): Promise<T> {
  let thrown: { error: unknown } | undefined;
  const value = await inSpan(name, 'internal', {}, async (span) => {
    try {
      const result = await step();
      const { outcome, attributes } = describe({ value: result });
      span.setAttributes({ 'switchyard.flow_control.outcome': outcome, ...attributes });
      return result;
    } catch (error) {
      const { outcome, attributes } = describe({ error });
      span.setAttributes({ 'switchyard.flow_control.outcome': outcome, ...attributes });
      if (outcome === 'failed') throw error;
      thrown = { error };
      return undefined;
    }
  });
  if (thrown) throw thrown.error;
  return value as T;
}
