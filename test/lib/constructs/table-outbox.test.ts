import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { OUTBOX_ATTRIBUTE } from '../../../contracts/outbox.js';
import { TableOutbox, type TableOutboxProps } from '../../../lib/constructs/table-outbox.js';
import { expectOneStreamPipe, streamSourceDefaults } from '../../helpers/pipes.js';
import { streamedTable, testStack } from '../../helpers/synth.js';

function outbox(props: Partial<TableOutboxProps> = {}, stream: dynamodb.StreamViewType | null = dynamodb.StreamViewType.NEW_IMAGE) {
  const { stack, bus } = testStack();
  const table = streamedTable(stack, 'Ledger', stream);
  const construct = new TableOutbox(stack, 'Outbox', { table, eventBus: bus, ...props });
  return { construct, stack, template: Template.fromStack(stack) };
}

describe('TableOutbox', () => {
  it('pipes the writes that carry an announcement through the outbox enrichment to the bus, the event being the stored detail', () => {
    const { template } = outbox();
    expectOneStreamPipe(template, 'Ledger', 'OutboxEnrichment', {
      InputTemplate: '<$.detail>',
      EventBridgeEventBusParameters: { DetailType: '$.detailType', Source: '$.source' },
    });
    const pipe = Object.values(template.findResources('AWS::Pipes::Pipe'))[0];
    expect(JSON.parse(pipe?.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern)).toEqual({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { [OUTBOX_ATTRIBUTE]: { M: { detail: { S: [{ exists: true }] } } } } },
    });
    const handlers = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Handler);
    expect(handlers).toHaveLength(1);
  });

  it('reads the stream with AWS-like defaults, or the settings given, and keeps to the writes named', () => {
    const defaults = Object.values(outbox().template.findResources('AWS::Pipes::Pipe'))[0];
    expect(defaults?.Properties.SourceParameters.DynamoDBStreamParameters).toEqual(
      streamSourceDefaults(expect.stringMatching(/DeadLetterQueue/)),
    );
    const { template } = outbox({ writes: ['INSERT'], batchSize: 100, maximumRetryAttempts: 0, bisectBatchOnFailure: false });
    const pipe = Object.values(template.findResources('AWS::Pipes::Pipe'))[0];
    expect(JSON.parse(pipe?.Properties.SourceParameters.FilterCriteria.Filters[0].Pattern).eventName).toEqual(['INSERT']);
    expect(pipe?.Properties.SourceParameters.DynamoDBStreamParameters).toMatchObject({ BatchSize: 100, MaximumRetryAttempts: 0 });
    expect(pipe?.Properties.SourceParameters.DynamoDBStreamParameters.OnPartialBatchItemFailure).toBeUndefined();
  });

  it('gives the pipe a role that reads only this stream, invokes only the enrichment, puts on the bus and sends to the DLQ', () => {
    const { template } = outbox();
    const policies = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('OutboxRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const byAction = (action: string) => policies.find((s) => [s.Action].flat().includes(action));
    expect(byAction('dynamodb:GetRecords')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/Ledger/), 'StreamArn'] });
    expect(byAction('lambda:InvokeFunction')?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/OutboxEnrichment/), 'Arn'] });
    expect(byAction('events:PutEvents')).toBeDefined();
    expect(byAction('sqs:SendMessage')).toBeDefined();
    // Nothing on the table's items: the pipe reads the stream, it never writes.
    expect(policies.flatMap((s) => [s.Action].flat()).filter((a) => /^dynamodb:(Put|Update|Delete|Get)Item/.test(a))).toEqual([]);
    expect(policies.some((s) => [s.Action].flat().some((a) => a.endsWith('*')))).toBe(false);
  });

  it('accepts a stream with both images', () => {
    expect(() => outbox({}, dynamodb.StreamViewType.NEW_AND_OLD_IMAGES)).not.toThrow();
  });

  it('fails if the table has no stream', () => {
    expect(() => outbox({}, null)).toThrow(
      'Test/Outbox: table must have a stream (set `stream` on the table; NEW_IMAGE carries the announcements)',
    );
  });

  it('fails if the stream carries no new images', () => {
    expect(() => outbox({}, dynamodb.StreamViewType.KEYS_ONLY)).toThrow(
      "Test/Outbox: table's stream must carry new images, where the announcements are read: NEW_IMAGE or NEW_AND_OLD_IMAGES (got KEYS_ONLY)",
    );
  });

  it.each([
    [{ writes: [] }, 'Test/Outbox: writes must name at least one of INSERT, MODIFY (got none)'],
    [{ writes: ['REMOVE'] }, 'Test/Outbox: writes must be INSERT or MODIFY (got "REMOVE")'],
    [{ batchSize: 0 }, 'Test/Outbox: batchSize must be from 1 to 10000 (got 0)'],
    [{ maximumRecordAge: Duration.seconds(30) }, 'Test/Outbox: maximumRecordAge must be from 60 to 604800 seconds (got 30 seconds)'],
  ])('fails if given %j', (props, message) => {
    expect(() => outbox(props as Partial<TableOutboxProps>)).toThrow(message);
  });
});
