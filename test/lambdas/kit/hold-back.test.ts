import { describe, expect, it } from 'vitest';
import { TokenLimitReachedError, TokenRequestTooLargeError } from '../../../lambdas/kit/flow-control/token-budget.js';
import { holdBackOf } from '../../../lambdas/kit/hold-back.js';
import { lambdaContext, sqsEvent, sqsRecord, ticketCreated } from '../../helpers/events.js';
import { received, useConsumerBench } from '../../helpers/sqs-consumer.js';

describe('holdBackOf', () => {
  it('holds a record back for the time a full token budget names, by the error name alone', () => {
    expect(holdBackOf(new TokenLimitReachedError('full', 42_300), 0)).toEqual({ reason: 'token-limit', ms: 42_300 });
    // As it arrives from another process (a Step Functions error, a serialized cause): a plain Error with the name.
    const copied = Object.assign(new Error('full'), { name: 'TokenLimitReached', retryAfterMs: 1_500 });
    expect(holdBackOf(copied, 0)).toEqual({ reason: 'token-limit', ms: 1_500 });
  });

  it('does not hold back a call too large for any window: no wait lets it through', () => {
    expect(holdBackOf(new TokenRequestTooLargeError('never fits'), 0)).toBeUndefined();
  });
});

const { sqs, consumerWith } = useConsumerBench('hold-back');

const budgetFull = async (): Promise<never> => {
  throw new TokenLimitReachedError("the model m's tokens per minute (20000 tokens) cannot hold 900 more tokens now", 42_300);
};

describe('createSqsConsumer with a full token budget', () => {
  it('returns the record to the queue until the window has room, not to the dead-letter queue', async () => {
    const handler = consumerWith(budgetFull);
    const response = await handler(sqsEvent(sqsRecord(ticketCreated('K-1'), 'msg-k1')), lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-k1' }]);
    expect(sqs.visibilityChanges).toEqual([{ QueueUrl: 'https://sqs.test/queue', ReceiptHandle: 'rh-msg-k1', VisibilityTimeout: 43 }]);
    expect(sqs.sent).toEqual([]);
  });

  it('sends the record to its queue again as a new message on what would be its last receive', async () => {
    const handler = consumerWith(budgetFull);
    const record = received(sqsRecord(ticketCreated('K-2'), 'msg-k2'), 5);
    const response = await handler(sqsEvent(record), lambdaContext());
    expect(response.batchItemFailures).toEqual([]);
    expect(sqs.sent).toEqual([expect.objectContaining({ QueueUrl: 'https://sqs.test/queue', MessageBody: record.body, DelaySeconds: 43 })]);
  });
});
