import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineContract } from '../../../contracts/index.js';
import { IdempotencyStore } from '../../../lib/constructs/idempotency-store.js';
import { QueueConsumer, type QueueConsumerProps } from '../../../lib/constructs/queue-consumer.js';
import type { QueueConsumerPriority } from '../../../lib/constructs/queue-consumer-priority.js';
import { Workflow } from '../../../lib/constructs/workflow.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/workflow-starter/handler.ts');

const JobQueued = defineContract({
  detailType: 'JobQueued',
  source: 'test.jobs',
  description: 'A job to run.',
  properties: { jobId: Type.String(), priority: Type.Optional(Type.String()), tags: Type.Optional(Type.Array(Type.String())) },
  idempotencyFields: ['jobId'],
});

const lanes: QueueConsumerPriority = { lanePath: '$.detail.priority', lanes: ['interactive', 'batch'] };

function consumer(priority: QueueConsumerPriority | undefined, props: Partial<QueueConsumerProps> = {}) {
  const test = testStack();
  const construct = new QueueConsumer(test.stack, 'Consumer', {
    eventBus: test.bus,
    eventPattern: { source: ['test.jobs'], detailType: ['JobQueued'] },
    description: 'runs jobs',
    handler: { entry, description: 'test', timeout: Duration.seconds(20) },
    contracts: [JobQueued],
    maxConcurrency: 10,
    priority,
    ...props,
  });
  return { construct, template: Template.fromStack(test.stack) };
}

function environment(template: Template): Record<string, unknown> {
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
  return fn?.Properties.Environment.Variables;
}

describe('QueueConsumer priority', () => {
  it('gives each lane a queue redriving to the one DLQ, and keeps the first lane on the consumer’s own queue and rule ids', () => {
    const { construct, template } = consumer(lanes);
    const stack = construct.queue.stack;
    expect(construct.laneQueues).toHaveLength(2);
    expect(construct.laneQueues[0]).toBe(construct.queue);
    expect(stack.getLogicalId(construct.queue.node.defaultChild as never)).toMatch(/^ConsumerQueue[0-9A-F]{8}$/);
    expect(stack.getLogicalId(construct.rule.node.defaultChild as never)).toMatch(/^ConsumerRule[0-9A-F]{8}$/);
    expect(stack.getLogicalId(construct.laneQueues[1]?.node.defaultChild as never)).toMatch(/^ConsumerLaneBatchQueue/);
    const dlq = stack.getLogicalId(construct.deadLetterQueue.node.defaultChild as never);
    const queues = template.findResources('AWS::SQS::Queue', { Properties: { RedrivePolicy: Match.anyValue() } });
    expect(Object.values(queues).map((q) => q.Properties.RedrivePolicy.deadLetterTargetArn)).toEqual([
      { 'Fn::GetAtt': [dlq, 'Arn'] },
      { 'Fn::GetAtt': [dlq, 'Arn'] },
    ]);
  });

  it('routes each lane’s value to its queue and everything else, a missing value included, to the last lane', () => {
    const { template } = consumer({ ...lanes, lanes: ['interactive', 'normal', 'batch'], lowLaneShare: 0.1 });
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern);
    expect(patterns).toEqual([
      { source: ['test.jobs'], 'detail-type': ['JobQueued'], detail: { priority: ['interactive'] } },
      { source: ['test.jobs'], 'detail-type': ['JobQueued'], detail: { priority: ['normal'] } },
      {
        source: ['test.jobs'],
        'detail-type': ['JobQueued'],
        detail: { priority: [{ 'anything-but': ['interactive', 'normal'] }, { exists: false }] },
      },
    ]);
  });

  it('keeps the rest of a detail pattern on every lane', () => {
    const { template } = consumer(lanes, { eventPattern: { detailType: ['JobQueued'], detail: { tags: ['nightly'] } } });
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern.detail);
    expect(patterns).toEqual([
      { tags: ['nightly'], priority: ['interactive'] },
      { tags: ['nightly'], priority: [{ 'anything-but': ['interactive'] }, { exists: false }] },
    ]);
  });

  it('drains every lane with one function, each through its own event source with the consumer’s settings', () => {
    const { template } = consumer(lanes);
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    template.allResourcesProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 10 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('tells the kit the lanes, their queues and the guaranteed share, and lets it read and hold back every lane', () => {
    const { construct, template } = consumer({ ...lanes, lowLaneShare: 0.25 });
    const stack = construct.queue.stack;
    const env = environment(template);
    const json = JSON.stringify(stack.resolve(env.FLOW_CONTROL));
    expect(json).toContain('\\"guaranteedSlots\\":3');
    for (const queue of construct.laneQueues) expect(json).toContain(stack.getLogicalId(queue.node.defaultChild as never));
    expect(env.FLOW_CONTROL_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/^ConsumerFlowControlTable/) });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const batchQueue = stack.getLogicalId(construct.laneQueues[1]?.node.defaultChild as never);
    const onBatch = statements.filter((s) => JSON.stringify(s.Resource).includes(batchQueue)).flatMap((s) => [s.Action].flat());
    expect(onBatch).toEqual(expect.arrayContaining(['sqs:ChangeMessageVisibility', 'sqs:SendMessage', 'sqs:GetQueueAttributes']));
  });

  it('watches each lane queue’s age and each lane rule where the consumer watches its own', () => {
    const { construct } = consumer(lanes);
    const claimed: unknown[] = [];
    const context = {
      deadLetterQueue: () => undefined,
      consumerQueue: (_owner: unknown, queue: unknown) => claimed.push(queue),
      rule: (_owner: unknown, rule: unknown) => claimed.push(rule),
      lambdaFunction: () => undefined,
    };
    construct.monitor(context as never);
    expect(claimed).toEqual([construct.laneQueues[0], construct.laneRules[0], construct.laneQueues[1], construct.laneRules[1]]);
  });

  it('fails if there is one lane or more than five', () => {
    expect(() => consumer({ ...lanes, lanes: ['only'] })).toThrow('Test/Consumer: priority.lanes must list 2 to 5 lanes (got 1)');
    expect(() => consumer({ ...lanes, lanes: ['a', 'b', 'c', 'd', 'e', 'f'] })).toThrow('must list 2 to 5 lanes (got 6)');
  });

  it('fails if a lane is named twice, whatever its case', () => {
    expect(() => consumer({ ...lanes, lanes: ['batch', 'Batch'] })).toThrow('priority.lanes must be unique (got "Batch" twice)');
  });

  it('fails if a lane name is not a name', () => {
    expect(() => consumer({ ...lanes, lanes: ['interactive', 'bulk jobs'] })).toThrow('(got "bulk jobs")');
  });

  it('fails if the low lane share is out of range, or the lower lanes would leave the top lane nothing', () => {
    expect(() => consumer({ ...lanes, lowLaneShare: 0.6 })).toThrow(
      'Test/Consumer: priority.lowLaneShare must be from 0.05 to 0.5 (got 0.6)',
    );
    expect(() => consumer({ ...lanes, lanes: ['a', 'b', 'c'], lowLaneShare: 0.5 })).toThrow('times the 2 lower lanes must be below 1');
  });

  it('fails if the lane path is not a path into detail the contracts declare', () => {
    expect(() => consumer({ ...lanes, lanePath: '$.source' })).toThrow(
      'priority.lanePath must be a path into detail like $.detail.priority (got "$.source")',
    );
    expect(() => consumer({ ...lanes, lanePath: '$.detail.urgency' })).toThrow(
      'priority.lanePath "$.detail.urgency" cannot match the consumer\'s contracts (JobQueued): no contract declares detail.urgency',
    );
  });

  it('fails if the event pattern already matches on the lane path', () => {
    expect(() => consumer(lanes, { eventPattern: { detailType: ['JobQueued'], detail: { priority: ['interactive'] } } })).toThrow(
      'priority.lanePath detail.priority conflicts with eventPattern',
    );
  });

  it('fails if the consumer has no maxConcurrency to take a share of', () => {
    expect(() => consumer(lanes, { maxConcurrency: undefined })).toThrow('Test/Consumer: priority needs maxConcurrency');
  });

  it('leaves a consumer without priority on one queue and one rule', () => {
    const { construct, template } = consumer(undefined);
    expect(construct.laneQueues).toEqual([construct.queue]);
    template.resourceCountIs('AWS::Events::Rule', 1);
    expect(environment(template).FLOW_CONTROL).toBeUndefined();
  });

  it("gives a Workflow's starter the trigger's lanes", () => {
    const { stack, bus } = testStack();
    const flow = new Workflow(stack, 'Flow', {
      eventBus: bus,
      definition: sfn.Pass.jsonata(stack, 'Hello'),
      idempotencyStore: new IdempotencyStore(stack, 'Store'),
      trigger: {
        description: 'jobs',
        eventPattern: { detailType: ['JobQueued'] },
        contracts: [JobQueued],
        maxConcurrency: 4,
        priority: lanes,
      },
    });
    expect(flow.starter?.laneQueues).toHaveLength(2);
    Template.fromStack(stack).resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
  });
});
