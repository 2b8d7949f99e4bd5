import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import * as Type from 'typebox';
import { defineContract } from '../../contracts/index.js';

let sequence = 0;

/** An EventBridge event as it lands in an SQS queue body. */
export function eventBridgeEvent(detailType: string, detail: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'switchyard.helpdesk',
    account: '111111111111',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
    ...overrides,
  };
}

export function ticketCreated(ticketId: string, extra: Record<string, unknown> = {}) {
  return eventBridgeEvent('TicketCreated', {
    ticketId,
    customerId: 'cust-1',
    subject: 'Charged twice',
    body: 'My card was charged twice this month.',
    ...extra,
  });
}

export function sqsRecord(body: unknown, messageId = `msg-${++sequence}`): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: `${Date.now()}`,
      SenderId: 'AIDA',
      ApproximateFirstReceiveTimestamp: `${Date.now()}`,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:111111111111:queue',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context with a real clock behind getRemainingTimeInMillis. */
export function lambdaContext(timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'test-consumer',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:test-consumer',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/test-consumer',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A contract whose schema lets its idempotency field (noteId) be absent: a detail can pass validation yet have no key. */
export const NOTED_WITHOUT_KEY = defineContract({
  detailType: 'Noted',
  source: 'test.notes',
  description: 'A note was taken.',
  properties: { noteId: Type.Optional(Type.String()) },
  idempotencyFields: ['noteId'],
});
