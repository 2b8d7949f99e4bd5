import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { QueueConsumer, type QueueConsumerProps } from '../../../lib/constructs/queue-consumer.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

function consumer(props: Partial<QueueConsumerProps> = {}) {
  const { stack, bus } = testStack();
  const construct = new QueueConsumer(stack, 'Consumer', {
    eventBus: bus,
    eventPattern: { detailType: ['TicketCreated'] },
    description: 'test',
    handler: { entry, description: 'test', timeout: Duration.seconds(20) },
    ...props,
  });
  return { construct, template: Template.fromStack(stack) };
}

describe('QueueConsumer', () => {
  it('sends matching events to an encrypted queue with a retrying, dead-lettered rule target', () => {
    const { template } = consumer();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['TicketCreated'] },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('TargetDeadLetterQueue'), 'Arn'] } },
        }),
      ],
    });
    const queues = Object.values(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('refuses every queue request without TLS', () => {
    const { template } = consumer();
    const policies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    const denies = policies.filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('"aws:SecureTransport":"false"'));
    expect(denies).toHaveLength(3);
  });

  it('redrives to the DLQ after 5 receives and sets visibility to 6x the function timeout', () => {
    consumer().template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 120,
      RedrivePolicy: {
        maxReceiveCount: 5,
        deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ConsumerDeadLetterQueue'), 'Arn'] },
      },
    });
  });

  it('tells the function both queues and its maxReceiveCount, lets it send to the DLQ and change visibility on the queue', () => {
    const { template } = consumer();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SOURCE_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ConsumerQueue') },
          DEAD_LETTER_QUEUE_URL: { Ref: Match.stringLikeRegexp('^ConsumerDeadLetterQueue') },
          MAX_RECEIVE_COUNT: '5',
        }),
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const allowed = (action: string, logicalIdPrefix: string) =>
      statements.some(
        (s) => [s.Action].flat().includes(action) && JSON.stringify(s.Resource).match(new RegExp(`"${logicalIdPrefix}[0-9A-F]{8}"`)),
      );
    expect(allowed('sqs:SendMessage', 'ConsumerDeadLetterQueue')).toBe(true);
    expect(allowed('sqs:ChangeMessageVisibility', 'ConsumerQueue')).toBe(true);
    // Nothing else may be sent to the DLQ by the function, and it may not send to its own queue.
    expect(allowed('sqs:SendMessage', 'ConsumerQueue')).toBe(false);
    expect(allowed('sqs:SendMessage', 'ConsumerTargetDeadLetterQueue')).toBe(false);
  });

  it('reports batch item failures and passes batch size, window and concurrency through', () => {
    consumer({ batchSize: 50, maxBatchingWindow: Duration.seconds(2), maxConcurrency: 5 }).template.hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      {
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        BatchSize: 50,
        MaximumBatchingWindowInSeconds: 2,
        ScalingConfig: { MaximumConcurrency: 5 },
      },
    );
  });

  it.each([
    [{ maxReceiveCount: 0 }, 'Test/Consumer: maxReceiveCount must be from 1 to 1000 (got 0)'],
    [{ maxReceiveCount: 2.5 }, 'Test/Consumer: maxReceiveCount must be a whole number (got 2.5)'],
    [{ batchSize: 11 }, 'Test/Consumer: batchSize must be from 1 to 10 (got 11)'],
    [{ maxBatchingWindow: Duration.seconds(301) }, 'Test/Consumer: maxBatchingWindow must be from 0 to 300 seconds (got 301 seconds)'],
    [{ maxConcurrency: 1 }, 'Test/Consumer: maxConcurrency must be from 2 to 1000 (got 1)'],
    [
      { visibilityTimeout: Duration.seconds(60) },
      'Test/Consumer: visibilityTimeout must be from 120 seconds (6x the handler timeout of 20 s) to 43200 seconds (got 60 seconds)',
    ],
    [{ targetRetryAttempts: 200 }, 'Test/Consumer: targetRetryAttempts must be from 0 to 185 (got 200)'],
    [
      { handler: { entry, description: 'test', timeout: Duration.seconds(901) } },
      'Test/Consumer/Handler: timeout must be from 1 to 900 seconds',
    ],
  ])('fails if %o', (props, message) => {
    expect(() => consumer(props)).toThrow(message);
  });
});
