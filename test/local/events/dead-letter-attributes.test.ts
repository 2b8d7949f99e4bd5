import { describe, expect, it } from 'vitest';
import { envelope, targetDelivery } from './target-delivery.js';

const event = envelope();

describe('LocalTargetDelivery dead letters', () => {
  it('puts the event on the DLQ with the attributes EventBridge documents: rule, target, error, retries and the limit that ran out', async () => {
    const sent: Record<string, unknown>[] = [];
    await targetDelivery(sent).deadLetter('arn:aws:sqs:us-east-1:000000000000:dlq', event, {
      ruleArn: 'arn:aws:events:us-east-1:000000000000:rule/bus/r',
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      errorCode: 'Lambda.ServiceException',
      errorMessage: 'x'.repeat(2000),
      retryAttempts: 185,
      exhaustedRetryCondition: 'MaximumRetryAttempts',
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.QueueUrl).toBe('http://local/000000000000/dlq');
    expect(JSON.parse(String(sent[0]?.MessageBody))).toEqual(event);
    const attributes = sent[0]?.MessageAttributes as Record<string, { DataType: string; StringValue: string }>;
    const values = Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, value.StringValue]));
    expect(values).toEqual({
      RULE_ARN: 'arn:aws:events:us-east-1:000000000000:rule/bus/r',
      TARGET_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:f',
      ERROR_CODE: 'Lambda.ServiceException',
      ERROR_MESSAGE: 'x'.repeat(1000),
      RETRY_ATTEMPTS: '185',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
    });
    expect(Object.values(attributes).every((a) => a.DataType === 'String')).toBe(true);
  });

  it('leaves EXHAUSTED_RETRY_CONDITION out when no retry limit ended the delivery', async () => {
    const sent: Record<string, unknown>[] = [];
    await targetDelivery(sent).deadLetter('arn:aws:sqs:us-east-1:000000000000:dlq', event, {
      ruleArn: 'r',
      targetArn: 't',
      errorCode: 'NO_RESOURCE',
      errorMessage: 'gone',
      retryAttempts: 0,
    });
    expect(Object.keys(sent[0]?.MessageAttributes as object).sort()).toEqual([
      'ERROR_CODE',
      'ERROR_MESSAGE',
      'RETRY_ATTEMPTS',
      'RULE_ARN',
      'TARGET_ARN',
    ]);
  });
});
