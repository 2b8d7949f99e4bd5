import { describe, expect, it } from 'vitest';
import type { CloudAssembly } from '../../inspect/assembly.js';
import { explain } from '../../inspect/dead-letter-messages.js';
import { deadLetterQueueDefinitions, physicalNameMatches } from '../../inspect/dead-letters.js';

const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** A template with each kind of dead-letter queue a CDK app can have. */
const assembly: CloudAssembly = {
  dir: '/none',
  stacks: [
    {
      stackName: 'Shop',
      resources: [
        [
          'OrdersQueue1A2B3C4D',
          'AWS::SQS::Queue',
          { RedrivePolicy: { deadLetterTargetArn: getAtt('OrdersDlqAAAA1111'), maxReceiveCount: 3 } },
        ],
        ['OrdersDlqAAAA1111', 'AWS::SQS::Queue', {}],
        ['RuleDlqBBBB2222', 'AWS::SQS::Queue', { QueueName: 'rule-dlq' }],
        ['AsyncDlqCCCC3333', 'AWS::SQS::Queue', { FifoQueue: true }],
        ['OnFailureDDDD4444', 'AWS::SQS::Queue', {}],
        ['WorkerFnEEEE5555', 'AWS::Lambda::Function', { DeadLetterConfig: { TargetArn: getAtt('AsyncDlqCCCC3333') } }],
        [
          'WorkerMapping',
          'AWS::Lambda::EventSourceMapping',
          { EventSourceArn: getAtt('OrdersQueue1A2B3C4D'), FunctionName: { Ref: 'WorkerFnEEEE5555' } },
        ],
        [
          'WorkerInvokeConfig',
          'AWS::Lambda::EventInvokeConfig',
          { FunctionName: { Ref: 'WorkerFnEEEE5555' }, DestinationConfig: { OnFailure: { Destination: getAtt('OnFailureDDDD4444') } } },
        ],
        [
          'OrderRuleFFFF6666',
          'AWS::Events::Rule',
          {
            Targets: [
              { Id: 'Target0', Arn: getAtt('OrdersQueue1A2B3C4D'), DeadLetterConfig: { Arn: getAtt('RuleDlqBBBB2222') } },
              {
                Id: 'Target1',
                Arn: getAtt('WorkerFnEEEE5555'),
                InputPath: '$.detail',
                DeadLetterConfig: { Arn: getAtt('RuleDlqBBBB2222') },
              },
              { Id: 'Target2', Arn: getAtt('OrdersQueue1A2B3C4D') },
            ],
          },
        ],
      ].map(([logicalId, type, properties]) => ({
        stackName: 'Shop',
        logicalId: String(logicalId),
        type: String(type),
        properties: properties as Record<string, unknown>,
      })),
    },
  ],
};

describe('deadLetterQueueDefinitions', () => {
  it('finds every kind of dead-letter queue in a template, each with what feeds it', () => {
    const byName = Object.fromEntries(deadLetterQueueDefinitions(assembly).map((d) => [d.name, d]));
    expect(Object.keys(byName).sort()).toEqual(['AsyncDlq', 'OnFailure', 'OrdersDlq', 'RuleDlq']);
    expect(byName.OrdersDlq?.sources).toEqual([
      { kind: 'queue', queueLogicalId: 'OrdersQueue1A2B3C4D', maxReceiveCount: 3, consumers: ['WorkerFnEEEE5555'] },
    ]);
    expect(byName.RuleDlq).toMatchObject({ explicitName: 'rule-dlq' });
    expect(byName.RuleDlq?.sources).toEqual([
      {
        kind: 'rule-target',
        ruleLogicalId: 'OrderRuleFFFF6666',
        targetId: 'Target0',
        targetLogicalId: 'OrdersQueue1A2B3C4D',
        targetType: 'AWS::SQS::Queue',
        transformsInput: false,
      },
      {
        kind: 'rule-target',
        ruleLogicalId: 'OrderRuleFFFF6666',
        targetId: 'Target1',
        targetLogicalId: 'WorkerFnEEEE5555',
        targetType: 'AWS::Lambda::Function',
        transformsInput: true,
      },
    ]);
    expect(byName.AsyncDlq).toMatchObject({
      fifo: true,
      sources: [{ kind: 'function', functionLogicalId: 'WorkerFnEEEE5555', how: 'DeadLetterConfig' }],
    });
    expect(byName.OnFailure?.sources).toEqual([{ kind: 'function', functionLogicalId: 'WorkerFnEEEE5555', how: 'OnFailure' }]);
  });
});

describe('a Custom Event Bus subscriber dead-letter queue', () => {
  const withSubscriber: CloudAssembly = {
    dir: '/none',
    stacks: [
      {
        stackName: 'Shop',
        resources: [
          { stackName: 'Shop', logicalId: 'FulfilmentAAAA1111', type: 'AWS::SQS::Queue', properties: {} },
          { stackName: 'Shop', logicalId: 'FulfilmentFailedBBBB2222', type: 'AWS::SQS::Queue', properties: {} },
          {
            stackName: 'Shop',
            logicalId: 'SubscriberCCCC3333',
            type: 'AWS::EventsV2::Subscriber',
            properties: {
              Name: 'fulfilment',
              InvokeConfiguration: { TargetArn: getAtt('FulfilmentAAAA1111'), RoleArn: 'arn:aws:iam::000000000000:role/r' },
              OnFailureConfiguration: { Arn: getAtt('FulfilmentFailedBBBB2222') },
            },
          },
        ],
      },
    ],
  };

  it("is found from the subscriber's OnFailureConfiguration, with the subscriber and its target", () => {
    expect(deadLetterQueueDefinitions(withSubscriber).map((d) => [d.name, d.sources])).toEqual([
      [
        'FulfilmentFailed',
        [
          {
            kind: 'subscriber',
            subscriberLogicalId: 'SubscriberCCCC3333',
            subscriberName: 'fulfilment',
            targetLogicalId: 'FulfilmentAAAA1111',
            targetType: 'AWS::SQS::Queue',
          },
        ],
      ],
    ]);
  });

  it("explains the user guide's dead-letter record by the subscriber, its target and the error, naming each failed event", () => {
    // The record as https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-custom-bus-retry.html shows it.
    const record = {
      version: '1.0',
      busArn: 'arn:aws:events:us-east-1:111122223333:event-busv2/orders/EXAMPLE1234567890abcdef',
      subscriberArn: 'arn:aws:events:us-east-1:111122223333:subscriber/large-orders/EXAMPLEabcdef1234567890',
      targetArn: 'arn:aws:sqs:us-east-1:111122223333:large-orders',
      errorCode: 'ACCESS_DENIED',
      errorMessage: 'The delivery role is not authorized to perform sqs:SendMessage on the target.',
      exhaustedRetryCondition: 'MaximumEventAgeInSeconds',
      retryAttempts: 4,
      failedMessages: [
        { eventId: 'a1b2c3d4', eventGroupId: 'order-1001', deduplicationId: null, timestamp: '2026-09-16T18:40:12Z', targetRequestId: 'x' },
        { eventId: 'e5f6a7b8', eventGroupId: 'order-1001', deduplicationId: null, timestamp: '2026-09-16T18:40:13Z', targetRequestId: 'y' },
      ],
    };
    const letter = explain({ MessageId: 'm-1', Body: JSON.stringify(record) }, { sources: [] });
    expect(letter).toMatchObject({
      errorName: 'ACCESS_DENIED',
      reportedBy: 'eventbridge',
      subscriber: 'large-orders',
      event: { id: 'a1b2c3d4', summary: 'events a1b2c3d4, e5f6a7b8' },
      reason:
        'subscriber large-orders could not deliver 2 events to sqs large-orders: ACCESS_DENIED The delivery role is not authorized to perform sqs:SendMessage on the target. (4 retries, MaximumEventAgeInSeconds exhausted)',
    });
  });
});

describe('physicalNameMatches', () => {
  const queue = { stackName: 'Shop', logicalId: 'OrdersDlqAAAA1111' };

  it("matches the local runtime's and CloudFormation's generated names, or the explicit one", () => {
    expect(physicalNameMatches(queue, 'Shop-OrdersDlqAAAA1111')).toBe(true);
    expect(physicalNameMatches(queue, 'Shop-OrdersDlqAAAA1111-x7Hk2LmQ9pZa')).toBe(true);
    expect(physicalNameMatches({ ...queue, fifo: true }, 'Shop-OrdersDlqAAAA1111.fifo')).toBe(true);
    expect(physicalNameMatches({ ...queue, explicitName: 'orders-dlq' }, 'orders-dlq')).toBe(true);
  });

  it('does not match another stack or another resource', () => {
    expect(physicalNameMatches(queue, 'Other-OrdersDlqAAAA1111')).toBe(false);
    expect(physicalNameMatches(queue, 'Shop-OrdersDlqAAAA11112')).toBe(false);
    expect(physicalNameMatches({ ...queue, explicitName: 'orders-dlq' }, 'Shop-OrdersDlqAAAA1111')).toBe(false);
  });
});
