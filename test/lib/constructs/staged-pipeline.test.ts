import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ApprovalRequested, FramesInferred, JobRequested, Rendered, ScriptWritten, StoryboardDrawn } from '../../../domain/index.js';
import { type PipelineStage, StagedPipeline, type StagedPipelineProps } from '../../../lib/constructs/staged-pipeline.js';
import { testStack } from '../../helpers/synth.js';

const entry = path.join(import.meta.dirname, '../../../lambdas/pipeline/stage-handler.ts');
const handler = { entry, description: 'test', timeout: Duration.seconds(10) };

const STAGES: PipelineStage[] = [
  { name: 'script', trigger: JobRequested, emits: ScriptWritten, handler, maxConcurrency: 10 },
  { name: 'storyboard', trigger: ScriptWritten, emits: StoryboardDrawn, handler },
  {
    name: 'inference',
    trigger: StoryboardDrawn,
    emits: FramesInferred,
    handler: { ...handler, timeout: Duration.seconds(30) },
    maxConcurrency: 2,
    batchSize: 1,
    maxReceiveCount: 6,
  },
  { name: 'render', trigger: FramesInferred, emits: Rendered, handler },
];

function pipeline(props: Partial<StagedPipelineProps> = {}) {
  const { stack, bus } = testStack();
  const construct = new StagedPipeline(stack, 'Pipeline', {
    eventBus: bus,
    entryEvents: [JobRequested],
    stages: STAGES,
    projector: { handler, alsoFolds: [ApprovalRequested] },
    ...props,
  });
  return { construct, template: Template.fromStack(stack) };
}

describe('StagedPipeline', () => {
  it('gives each stage its own rule on the previous completion event, queue, DLQ and function', () => {
    const { template, construct } = pipeline();
    for (const stage of STAGES) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: [stage.trigger.source], 'detail-type': [stage.trigger.detailType], 'replay-name': [{ exists: false }] },
      });
    }
    expect([...construct.stages.keys()]).toEqual(['script', 'storyboard', 'inference', 'render']);
    // Per stage and the projector: queue, DLQ, target DLQ.
    expect(Object.keys(template.findResources('AWS::SQS::Queue'))).toHaveLength(3 * (STAGES.length + 1));
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', STAGES.length + 1);
  });

  it('sets each stage’s concurrency, batch size, retries and visibility on its own queue', () => {
    const { template } = pipeline();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10, ScalingConfig: { MaximumConcurrency: 10 } });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 180, RedrivePolicy: Match.objectLike({ maxReceiveCount: 6 }) });
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 60, RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
  });

  it('tells each stage its name, the ledger and the bus, and lets it write the ledger and publish', () => {
    const { template } = pipeline();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PIPELINE_STAGE: 'inference',
          // What the stage publishes, for tools that read the template (switchyard cost).
          SWITCHYARD_EMITS: JSON.stringify([{ source: 'switchyard.pipeline', detailType: 'FramesInferred' }]),
          PIPELINE_LEDGER_TABLE_NAME: { Ref: Match.stringLikeRegexp('PipelineLedger') },
          EVENT_BUS_NAME: { Ref: Match.stringLikeRegexp('Bus') },
        }),
      },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'jobId', KeyType: 'HASH' },
        { AttributeName: 'effect', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });

  it('with an outbox, streams the ledger’s new images to a pipe that announces its inserts, and lets no stage publish', () => {
    const { template, construct } = pipeline({ outbox: true });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: Match.arrayWith([{ AttributeName: 'effect', KeyType: 'RANGE' }]),
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: { 'Fn::GetAtt': [Match.stringLikeRegexp('PipelineLedger'), 'StreamArn'] },
      Target: { 'Fn::GetAtt': [Match.stringLikeRegexp('Bus'), 'Arn'] },
    });
    const pattern = Object.values(template.findResources('AWS::Pipes::Pipe'))[0]?.Properties.SourceParameters.FilterCriteria.Filters[0]
      .Pattern;
    expect(JSON.parse(pattern).eventName).toEqual(['INSERT']);
    expect(construct.outbox).toBeDefined();
    const stagePolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) => /PipelineStage/.test(id));
    expect(stagePolicies.length).toBeGreaterThan(0);
    expect(JSON.stringify(stagePolicies)).not.toContain('events:PutEvents');
  });

  it('without an outbox, gives the ledger no stream', () => {
    const tables = pipeline().template.findResources('AWS::DynamoDB::Table');
    expect(Object.values(tables).map((t) => t.Properties.StreamSpecification)).toEqual([undefined, undefined]);
  });

  it('routes every event of the pipeline, replayed ones too, to the projector alone', () => {
    const { template, construct } = pipeline();
    const types = ['JobRequested', 'ScriptWritten', 'StoryboardDrawn', 'FramesInferred', 'Rendered', 'ApprovalRequested'];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['switchyard.pipeline'], 'detail-type': Match.arrayEquals(types) },
    });
    const projectorRule = template.findResources('AWS::Events::Rule', {
      Properties: { EventPattern: { 'detail-type': Match.arrayEquals(types) } },
    });
    expect(JSON.stringify(projectorRule)).not.toContain('replay-name');
    expect(construct.projectorRule).toBe(construct.projector.rule);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ PIPELINE_READ_MODEL_TABLE_NAME: { Ref: Match.stringLikeRegexp('PipelineReadModel') } }),
      },
    });
  });

  it('fails if a stage is triggered by an event no stage emits and no entry event is', () => {
    expect(() => pipeline({ entryEvents: [ScriptWritten] })).toThrow(
      /Test\/Pipeline: stages\[0\]\.trigger \(script\) is JobRequested, which no stage emits and which is not one of entryEvents/,
    );
  });

  it('fails if a stage emits its own trigger', () => {
    expect(() => pipeline({ stages: [{ name: 'loop', trigger: JobRequested, emits: JobRequested, handler }] })).toThrow(
      /stages\[0\] \(loop\) emits JobRequested, its own trigger/,
    );
  });

  it('fails if two stages share a name', () => {
    expect(() => pipeline({ stages: [STAGES[0] as PipelineStage, { ...(STAGES[1] as PipelineStage), name: 'Script' }] })).toThrow(
      /stages\[1\]\.name "Script" is used twice/,
    );
  });

  it('fails if a stage name is not letters and digits', () => {
    expect(() => pipeline({ stages: [{ ...(STAGES[0] as PipelineStage), name: 'write script' }] })).toThrow(
      /stages\[0\]\.name must be letters and digits, starting with a letter \(got "write script"\)/,
    );
  });

  it('fails if there are no stages or no entry events', () => {
    expect(() => pipeline({ stages: [] })).toThrow(/Test\/Pipeline: stages must hold at least one stage \(got none\)/);
    expect(() => pipeline({ entryEvents: [] })).toThrow(/entryEvents must name the event that starts the pipeline/);
  });

  it('fails if a stage’s concurrency is out of range, naming the stage', () => {
    expect(() => pipeline({ stages: [{ ...(STAGES[0] as PipelineStage), maxConcurrency: 1 }] })).toThrow(
      /Test\/Pipeline\/StageScript: maxConcurrency must be from 2 to 1000 \(got 1\)/,
    );
  });

  it('fails if keyAttribute is not an attribute name', () => {
    expect(() => pipeline({ keyAttribute: 'job id' })).toThrow(/keyAttribute must be an attribute name \(got "job id"\)/);
  });
});
