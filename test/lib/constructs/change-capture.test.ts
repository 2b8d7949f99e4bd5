import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../../contracts/wiring.js';
import { ChangeCapture, type ChangeCaptureProps } from '../../../lib/constructs/change-capture.js';
import { expectOneStreamPipe, streamSourceDefaults } from '../../helpers/pipes.js';
import { streamedTable, testStack } from '../../helpers/synth.js';

function capture(
  props: Partial<ChangeCaptureProps> = {},
  stream: dynamodb.StreamViewType | null = dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
) {
  const { stack, bus } = testStack();
  const table = streamedTable(stack, 'Orders', stream);
  const construct = new ChangeCapture(stack, 'OrderChanges', { table, eventBus: bus, entity: 'Order', ...props });
  return { construct, stack, template: Template.fromStack(stack) };
}

describe('ChangeCapture', () => {
  it('pipes the table stream through the bundled enrichment to the bus, naming the detail-type from each change', () => {
    const { template } = capture();
    expectOneStreamPipe(template, 'Orders', 'OrderChangesEnrichment', {
      EventBridgeEventBusParameters: { DetailType: '$.change.detailType', Source: 'switchyard.changes' },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn?.Properties.Environment.Variables[ENV.changeEntity]).toBe('Order');
  });

  it('sets the stream source parameters, with AWS-like defaults and a dead-letter queue', () => {
    const { template } = capture();
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      SourceParameters: {
        FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT', 'MODIFY', 'REMOVE'] }) }] },
        DynamoDBStreamParameters: streamSourceDefaults(Match.stringLikeRegexp('DeadLetterQueue')),
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
  });

  it('filters on the kinds of change and an item pattern, with the settings given', () => {
    const { template } = capture({
      changes: ['INSERT'],
      itemPattern: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } },
      batchSize: 100,
      maximumBatchingWindow: Duration.seconds(5),
      maximumRetryAttempts: 0,
      maximumRecordAge: Duration.hours(1),
      bisectBatchOnFailure: false,
      startingPosition: 'LATEST',
      source: 'shop.orders',
    });
    const pipe = Object.values(template.findResources('AWS::Pipes::Pipe'))[0];
    const parameters = pipe?.Properties.SourceParameters;
    expect(JSON.parse(parameters.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT'],
      dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } },
    });
    expect(parameters.DynamoDBStreamParameters).toMatchObject({
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      MaximumRetryAttempts: 0,
      MaximumRecordAgeInSeconds: 3600,
    });
    expect(parameters.DynamoDBStreamParameters.OnPartialBatchItemFailure).toBeUndefined();
    expect(pipe?.Properties.TargetParameters.EventBridgeEventBusParameters.Source).toBe('shop.orders');
  });

  it('gives the pipe a role that reads only this stream, invokes only the enrichment, puts on the bus and sends to the DLQ', () => {
    const { template } = capture();
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'pipes.amazonaws.com' }, Condition: { StringEquals: Match.anyValue() } })],
      },
    });
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('OrderChangesRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const byAction = (action: string) => policies.find((s) => [s.Action].flat().includes(action));
    expect(byAction('dynamodb:GetRecords')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Orders/), 'StreamArn'] });
    expect(byAction('dynamodb:ListStreams')?.Resource).toBe('*');
    expect(byAction('lambda:InvokeFunction')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Enrichment/), 'Arn'] });
    expect(byAction('events:PutEvents')).toBeDefined();
    expect(byAction('sqs:SendMessage')).toBeDefined();
    expect(policies.some((s) => [s.Action].flat().some((a) => a.endsWith('*')))).toBe(false);
  });

  it('uses an enrichment function it is given instead of bundling one', () => {
    const { stack, bus } = testStack();
    const table = new dynamodb.Table(stack, 'T', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      stream: dynamodb.StreamViewType.KEYS_ONLY,
    });
    const own = lambda.Function.fromFunctionArn(stack, 'Own', 'arn:aws:lambda:eu-west-1:111111111111:function:own');
    const construct = new ChangeCapture(stack, 'C', { table, eventBus: bus, entity: 'Order', enrichment: own });
    expect(construct.enrichmentFunction).toBeUndefined();
    Template.fromStack(stack).hasResourceProperties('AWS::Pipes::Pipe', {
      Enrichment: 'arn:aws:lambda:eu-west-1:111111111111:function:own',
    });
  });

  it('fails if the table has no stream', () => {
    expect(() => capture({}, null)).toThrow('Test/OrderChanges: table must have a stream');
  });

  it('fails if the stream does not carry the images the bundled enrichment reads', () => {
    expect(() => capture({}, dynamodb.StreamViewType.KEYS_ONLY)).toThrow(
      "Test/OrderChanges: table's stream must carry the images its changes are read from: INSERT, MODIFY, REMOVE need NEW_AND_OLD_IMAGES (got KEYS_ONLY)",
    );
    expect(() => capture({ changes: ['REMOVE'] }, dynamodb.StreamViewType.NEW_IMAGE)).toThrow(
      'REMOVE need OLD_IMAGE or NEW_AND_OLD_IMAGES (got NEW_IMAGE)',
    );
    expect(() => capture({ changes: ['INSERT'] }, dynamodb.StreamViewType.NEW_IMAGE)).not.toThrow();
  });

  it.each([
    [{ entity: 'order' }, 'Test/OrderChanges: entity must be PascalCase letters and digits, at most 100 characters (got "order")'],
    [{ changes: [] }, 'Test/OrderChanges: changes must name at least one of INSERT, MODIFY, REMOVE (got none)'],
    [{ changes: ['UPSERT'] }, 'Test/OrderChanges: changes must be INSERT, MODIFY or REMOVE (got "UPSERT")'],
    [{ batchSize: 0 }, 'Test/OrderChanges: batchSize must be from 1 to 10000 (got 0)'],
    [{ batchSize: 2.5 }, 'Test/OrderChanges: batchSize must be a whole number (got 2.5)'],
    [
      { maximumBatchingWindow: Duration.seconds(301) },
      'Test/OrderChanges: maximumBatchingWindow must be from 0 to 300 seconds (got 301 seconds)',
    ],
    [{ maximumRetryAttempts: 10_001 }, 'Test/OrderChanges: maximumRetryAttempts must be from 0 to 10000 (got 10001)'],
    [{ maximumRecordAge: Duration.seconds(30) }, 'Test/OrderChanges: maximumRecordAge must be from 60 to 604800 seconds (got 30 seconds)'],
  ] as [Partial<ChangeCaptureProps>, string][])('fails if a prop is out of range: %j', (props, message) => {
    expect(() => capture(props)).toThrow(message);
  });
});
