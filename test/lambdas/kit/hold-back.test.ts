import { describe, expect, it } from 'vitest';
import { TokenLimitReachedError, TokenRequestTooLargeError } from '../../../lambdas/kit/flow-control/token-budget.js';
import { holdBackOf } from '../../../lambdas/kit/hold-back.js';
import { sqsRecord, ticketCreated } from '../../helpers/events.js';
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

const { consumerWith, expectHeldBack, expectRequeued } = useConsumerBench('hold-back');

const budgetFull = async (): Promise<never> => {
  throw new TokenLimitReachedError("the model m's tokens per minute (20000 tokens) cannot hold 900 more tokens now", 42_300);
};

describe('createSqsConsumer with a full token budget', () => {
  it('returns the record to the queue until the window has room, not to the dead-letter queue', async () => {
    await expectHeldBack(consumerWith(budgetFull), sqsRecord(ticketCreated('K-1'), 'msg-k1'), 43);
  });

  it('sends the record to its queue again as a new message on what would be its last receive', async () => {
    await expectRequeued(consumerWith(budgetFull), received(sqsRecord(ticketCreated('K-2'), 'msg-k2'), 5), 43);
  });
});
