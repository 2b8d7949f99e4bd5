import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TicketCreated } from '../../../domain/index.js';
import { QueueConsumer, type QueueConsumerProps } from '../../../lib/constructs/queue-consumer.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

function consumer(props: Partial<QueueConsumerProps>) {
  const { stack, bus } = testStack();
  new QueueConsumer(stack, 'Consumer', {
    eventBus: bus,
    eventPattern: { detailType: ['TicketCreated'] },
    description: 'test',
    handler: { entry, description: 'test', timeout: Duration.seconds(20) },
    contracts: [TicketCreated],
    ...props,
  });
  return Template.fromStack(stack);
}

function queueTarget(template: Template): Record<string, unknown> | undefined {
  const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
  return rule?.Properties.Targets[0];
}

describe('QueueConsumer fairBy', () => {
  it("sets the rule target's MessageGroupId to the path, which EventBridge resolves per event, on a standard queue", () => {
    const template = consumer({ fairBy: '$.detail.customerId' });
    expect(queueTarget(template)).toMatchObject({ SqsParameters: { MessageGroupId: '$.detail.customerId' } });
    const [queue] = Object.values(template.findResources('AWS::SQS::Queue', { Properties: { VisibilityTimeout: 120 } }));
    expect(queue?.Properties.FifoQueue).toBeUndefined();
  });

  it('sets no MessageGroupId without fairBy', () => {
    expect(queueTarget(consumer({}))?.SqsParameters).toBeUndefined();
  });

  it("fails if the path names a field the consumer's contracts do not declare", () => {
    expect(() => consumer({ fairBy: '$.detail.tenantId' })).toThrow(
      'Test/Consumer: fairBy "$.detail.tenantId" cannot match the consumer\'s contracts (TicketCreated): no contract declares detail.tenantId',
    );
  });

  it('fails if fairBy is a constant, which would make every message one tenant', () => {
    expect(() => consumer({ fairBy: 'everyone' })).toThrow(
      'Test/Consumer: fairBy must be a path into the event like $.detail.customerId, not a constant',
    );
  });

  it('fails if fairBy is not a path EventBridge can resolve', () => {
    expect(() => consumer({ fairBy: '$.detail[0]' })).toThrow('Test/Consumer: fairBy must be a path of names after $.');
  });

  it("fails if fairBy is longer than EventBridge's 100-character MessageGroupId", () => {
    expect(() => consumer({ fairBy: `$.detail.${'a'.repeat(100)}`, contracts: undefined })).toThrow(
      "Test/Consumer: fairBy must be at most 100 characters, EventBridge's MessageGroupId limit (got 109)",
    );
  });
});
