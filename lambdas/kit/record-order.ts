import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/**
 * The message attribute a requeued copy carries its original's place in the queue on:
 * `<original SentTimestamp>#<original message id>`. A copy (FailureRouter.requeue) is a new
 * message with a new SentTimestamp and id, so without it a copy of an older record would
 * order after a genuinely later one and debounce would run the older payload. The one name
 * both sides use: the requeue that sets it and the debounce that reads it.
 */
export const ORIGINAL_ORDER_ATTRIBUTE = 'Switchyard.OriginalOrder';

/** Where a record stands among its queue's messages: when it (or the message it copies) was sent, and that message's id. */
export interface RecordOrder {
  /** Epoch ms; undefined if SQS gave no usable SentTimestamp. */
  readonly sentAtMs: number | undefined;
  readonly messageId: string;
}

/**
 * The record's original order: from ORIGINAL_ORDER_ATTRIBUTE on a requeued copy (however
 * often it was requeued), else its own SentTimestamp and message id.
 */
export function originalOrderOf(record: Pick<SQSRecord, 'attributes' | 'messageAttributes' | 'messageId'>): RecordOrder {
  const carried = /^(\d+)#(.+)$/.exec(record.messageAttributes?.[ORIGINAL_ORDER_ATTRIBUTE]?.stringValue ?? '');
  if (carried !== null) return { sentAtMs: Number(carried[1]), messageId: carried[2] as string };
  const sentAt = Number(record.attributes.SentTimestamp);
  return { sentAtMs: Number.isFinite(sentAt) && sentAt > 0 ? sentAt : undefined, messageId: record.messageId };
}

/** The attribute a copy of the record carries (its original's order, kept across requeues); undefined without a SentTimestamp. */
export function originalOrderAttribute(
  record: Pick<SQSRecord, 'attributes' | 'messageAttributes' | 'messageId'>,
): MessageAttributeValue | undefined {
  const order = originalOrderOf(record);
  if (order.sentAtMs === undefined) return undefined;
  return { DataType: 'String', StringValue: `${order.sentAtMs}#${order.messageId}` };
}
