import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { TicketCreated } from '../../../domain/index.js';
import { FlowControlTable } from '../../../lib/constructs/flow-control-table.js';
import { QueueConsumer, type QueueConsumerProps } from '../../../lib/constructs/queue-consumer.js';
import type { QueueConsumerFlowControl } from '../../../lib/constructs/queue-consumer-flow-control.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

function consumer(flowControl: QueueConsumerFlowControl, props: Partial<QueueConsumerProps> = {}, test = testStack()) {
  const scope = test.stack;
  const construct = new QueueConsumer(scope, 'Consumer', {
    eventBus: test.bus,
    eventPattern: { detailType: ['TicketCreated'] },
    description: 'test',
    handler: { entry, description: 'test', timeout: Duration.seconds(20) },
    contracts: [TicketCreated],
    flowControl,
    ...props,
  });
  return { construct, template: Template.fromStack(scope) };
}

function environment(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
  return fn?.Properties.Environment.Variables;
}

describe('QueueConsumer flowControl', () => {
  it('creates a flow control table, grants the handler its item operations and tells it the table and the settings', () => {
    const { template } = consumer({
      key: '$.detail.customerId',
      concurrency: 3,
      rateLimit: { limit: 10, period: Duration.minutes(1) },
      debounce: { period: Duration.seconds(30) },
      pauseOnThrottle: true,
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    const env = environment(template);
    expect(env.FLOW_CONTROL_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^ConsumerFlowControlTable/) });
    expect(JSON.parse(env.FLOW_CONTROL as string)).toEqual({
      flow: 'Test/Consumer',
      key: { path: '$.detail.customerId' },
      concurrency: { limit: 3, leaseMarginSeconds: 10 },
      rateLimit: { limit: 10, periodSeconds: 60 },
      debounce: { periodSeconds: 30, maxWaitSeconds: 300, keepSeconds: 1_209_600 },
      pauseOnThrottle: { defaultSeconds: 30, maxSeconds: 900 },
      retentionSeconds: 1_209_600,
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        Resource: expect.arrayContaining([{ 'Fn::GetAtt': [expect.stringMatching(/^ConsumerFlowControlTable/), 'Arn'] }]),
      }),
    );
    // A held-back record on its last receive goes back to its own queue as a new message.
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ConsumerQueue/), 'Arn'] },
      }),
    );
  });

  it('uses a table it is given, shared with other flows, instead of creating one', () => {
    const test = testStack();
    const shared = new FlowControlTable(test.stack, 'Shared');
    const { template } = consumer({ key: 'model-x', concurrency: 2, table: shared.table }, {}, test);
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual([expect.stringMatching(/^SharedTable/)]);
    expect(environment(template).FLOW_CONTROL_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^SharedTable/) });
    expect(JSON.parse(environment(template).FLOW_CONTROL as string).key).toEqual({ constant: 'model-x' });
  });

  it('uses an imported table too', () => {
    const test = testStack();
    const imported = dynamodb.Table.fromTableName(test.stack, 'Imported', 'flow-control');
    const { template } = consumer({ key: '$.source', concurrency: 1, table: imported }, {}, test);
    expect(template.findResources('AWS::DynamoDB::Table')).toEqual({});
    expect(environment(template).FLOW_CONTROL_TABLE_NAME).toBe('flow-control');
  });

  it('declares nothing without flowControl', () => {
    const { template } = consumer(undefined as never);
    expect(template.findResources('AWS::DynamoDB::Table')).toEqual({});
    expect(environment(template).FLOW_CONTROL).toBeUndefined();
  });

  it('fails if a limit is 0, naming the construct, the prop, the value and the range', () => {
    expect(() => consumer({ key: '$.detail.customerId', concurrency: 0 })).toThrow(
      'Test/Consumer: flowControl.concurrency must be from 1 to 100 (got 0)',
    );
    expect(() => consumer({ key: '$.detail.customerId', rateLimit: { limit: 0, period: Duration.minutes(1) } })).toThrow(
      'Test/Consumer: flowControl.rateLimit.limit must be from 1 to 1000 (got 0)',
    );
  });

  it('fails if a limit is not a whole number', () => {
    expect(() => consumer({ key: '$.detail.customerId', concurrency: 2.5 })).toThrow(
      'flowControl.concurrency must be a whole number (got 2.5)',
    );
  });

  it("fails if the debounce period is longer than the queue's retention", () => {
    expect(() =>
      consumer({ key: '$.detail.customerId', debounce: { period: Duration.hours(2) } }, { retentionPeriod: Duration.hours(1) }),
    ).toThrow("Test/Consumer: flowControl.debounce.period must be from 1 to 3600 seconds, the queue's retentionPeriod (got 7200 seconds)");
  });

  it("fails if the debounce maxWait is shorter than its period or longer than the queue's retention", () => {
    expect(() =>
      consumer({ key: '$.detail.customerId', debounce: { period: Duration.minutes(1), maxWait: Duration.seconds(10) } }),
    ).toThrow('flowControl.debounce.maxWait must be from the period (60 seconds)');
    expect(() =>
      consumer(
        { key: '$.detail.customerId', debounce: { period: Duration.minutes(1), maxWait: Duration.hours(2) } },
        { retentionPeriod: Duration.hours(1) },
      ),
    ).toThrow('(got 7200 seconds)');
  });

  it("fails if the key path names a field the consumer's contracts do not declare", () => {
    expect(() => consumer({ key: '$.detail.tenantId', concurrency: 1 })).toThrow(
      'Test/Consumer: flowControl.key "$.detail.tenantId" cannot match the consumer\'s contracts (TicketCreated): no contract declares detail.tenantId',
    );
  });

  it('fails if the key path leads to a value that is not a string, number or boolean', () => {
    expect(() => consumer({ key: '$.detail.simulate', concurrency: 1 })).toThrow(
      'detail.simulate is array, not a string, number or boolean',
    );
  });

  it('fails if the key path is not a path', () => {
    expect(() => consumer({ key: '$detail.customerId', concurrency: 1 })).toThrow(
      'flowControl.key must be a path of names after $. like $.detail.tenantId (got "$detail.customerId")',
    );
    expect(() => consumer({ key: '$.envelope', concurrency: 1 })).toThrow('a path outside detail must be one of $.id, $.source');
  });

  it('accepts any well-formed key path when the consumer names no contracts', () => {
    expect(() => consumer({ key: '$.detail.tenantId', concurrency: 1 }, { contracts: undefined })).not.toThrow();
  });

  it('fails if it declares no control', () => {
    expect(() => consumer({ key: '$.detail.customerId' })).toThrow(
      'Test/Consumer: flowControl must declare at least one of concurrency, rateLimit, debounce, pauseOnThrottle or circuitBreaker',
    );
  });

  it('tells the handler the circuit breaker settings, with their defaults', () => {
    const settingsOf = (circuitBreaker: QueueConsumerFlowControl['circuitBreaker'], retention?: Duration) =>
      JSON.parse(
        environment(consumer({ key: '$.detail.customerId', circuitBreaker }, retention ? { retentionPeriod: retention } : {}).template)
          .FLOW_CONTROL as string,
      ).circuitBreaker;
    expect(settingsOf(true)).toEqual({ failureThreshold: 5, windowSeconds: 60, openSeconds: 30, maxOpenSeconds: 600 });
    expect(
      settingsOf({ failureThreshold: 3, window: Duration.minutes(5), openFor: Duration.minutes(1), maxOpenFor: Duration.hours(1) }),
    ).toEqual({ failureThreshold: 3, windowSeconds: 300, openSeconds: 60, maxOpenSeconds: 3600 });
    // The default longest open time stays within a short retention.
    expect(settingsOf(true, Duration.minutes(5)).maxOpenSeconds).toBe(300);
  });

  it('fails if the circuit breaker threshold is out of range or not a whole number', () => {
    expect(() => consumer({ key: '$.detail.customerId', circuitBreaker: { failureThreshold: 0 } })).toThrow(
      'Test/Consumer: flowControl.circuitBreaker.failureThreshold must be from 1 to 100 (got 0)',
    );
    expect(() => consumer({ key: '$.detail.customerId', circuitBreaker: { failureThreshold: 2.5 } })).toThrow(
      'flowControl.circuitBreaker.failureThreshold must be a whole number (got 2.5)',
    );
    expect(() => consumer({ key: '$.detail.customerId', circuitBreaker: { window: Duration.days(2) } })).toThrow(
      'Test/Consumer: flowControl.circuitBreaker.window must be from 1 to 86400 seconds (got 172800 seconds)',
    );
  });

  it('fails if the longest pause on a throttling answer is shorter than the default pause', () => {
    expect(() =>
      consumer({ key: '$.detail.customerId', pauseOnThrottle: { defaultPause: Duration.hours(1), maxPause: Duration.minutes(15) } }),
    ).toThrow('Test/Consumer: flowControl.pauseOnThrottle.maxPause must be from 3600 to 43200 seconds (got 900 seconds)');
    expect(() => consumer({ key: '$.detail.customerId', pauseOnThrottle: { defaultPause: Duration.hours(1) } })).toThrow(
      'flowControl.pauseOnThrottle.maxPause',
    );
    expect(() => consumer({ key: '$.detail.customerId', pauseOnThrottle: { defaultPause: Duration.minutes(15) } })).not.toThrow();
  });

  it('fails if the circuit breaker opens for longer than an hour or than the queue keeps a record', () => {
    expect(() => consumer({ key: '$.detail.customerId', circuitBreaker: { openFor: Duration.hours(2) } })).toThrow(
      "Test/Consumer: flowControl.circuitBreaker.openFor must be from 1 to 3600 seconds (at most 1 hour and the queue's retentionPeriod) (got 7200 seconds)",
    );
    expect(() =>
      consumer({ key: '$.detail.customerId', circuitBreaker: { openFor: Duration.minutes(10) } }, { retentionPeriod: Duration.minutes(5) }),
    ).toThrow('flowControl.circuitBreaker.openFor must be from 1 to 300 seconds');
  });

  it("fails if the circuit breaker's longest open time is shorter than openFor or longer than the queue keeps a record", () => {
    expect(() =>
      consumer({ key: '$.detail.customerId', circuitBreaker: { openFor: Duration.minutes(5), maxOpenFor: Duration.minutes(1) } }),
    ).toThrow('Test/Consumer: flowControl.circuitBreaker.maxOpenFor must be from openFor (300 seconds) to 43200 seconds');
    expect(() =>
      consumer({ key: '$.detail.customerId', circuitBreaker: { maxOpenFor: Duration.hours(2) } }, { retentionPeriod: Duration.hours(1) }),
    ).toThrow(
      "Test/Consumer: flowControl.circuitBreaker.maxOpenFor must be from openFor (30 seconds) to 3600 seconds (at most 12 hours and the queue's retentionPeriod) (got 7200 seconds)",
    );
  });
});
