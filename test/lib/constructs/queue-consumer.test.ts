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
    [{ maxReceiveCount: 0 }, 'maxReceiveCount is 0; it must be from 1 to 1000'],
    [{ batchSize: 11 }, 'batchSize is 11; it must be from 1 to 10'],
    [{ maxBatchingWindow: Duration.seconds(301) }, 'maxBatchingWindow is 301 seconds; it must be from 0 to 300 seconds'],
    [{ maxConcurrency: 1 }, 'maxConcurrency is 1; it must be from 2 to 1000'],
    [{ visibilityTimeout: Duration.seconds(60) }, 'visibilityTimeout is 60 seconds; it must be from 120 (6x the handler timeout of 20 s)'],
    [{ targetRetryAttempts: 200 }, 'targetRetryAttempts is 200; it must be from 0 to 185'],
  ])('fails if %o', (props, message) => {
    expect(() => consumer(props)).toThrow(message);
  });
});
