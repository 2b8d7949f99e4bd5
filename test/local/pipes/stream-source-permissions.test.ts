import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { assemblyOf } from '../assembly.js';
import { dynamoDbClient, receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlinePolicy, serviceRole } from '../template-resources.js';

const STREAM = { 'Fn::GetAtt': ['Changes', 'StreamArn'] };

/** A role for pipes.amazonaws.com allowing `actions` on `resource`, and SendMessage to the target queue. */
function pipeRole(name: string, actions: readonly string[], resource: unknown) {
  return serviceRole('pipes.amazonaws.com', {
    RoleName: name,
    Policies: [inlinePolicy('reads', { Action: actions, Resource: resource }, { Action: 'sqs:SendMessage', Resource: arnOf('Out') })],
  });
}

const pipe = (name: string, role: string) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: {
    Name: name,
    RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    Source: STREAM,
    SourceParameters: { DynamoDBStreamParameters: { StartingPosition: 'TRIM_HORIZON' } },
    Target: { 'Fn::GetAtt': ['Out', 'Arn'] },
    TargetParameters: { InputTemplate: `{"pipe": "${name}", "pk": <$.dynamodb.Keys.pk.S>}` },
  },
});

const READS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/**
 * Two pipes from one table's stream: one whose role grants the reads as AWS's example policy
 * for a stream consumer does (every action on the stream's ARN, ListStreams included), one whose
 * role grants no ListStreams at all.
 */
function assembly(): string {
  return assemblyOf(
    {
      Changes: tableResource('changes', { key: { pk: 'S' } }, { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }),
      Out: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'out' } },
      AsDocumented: pipeRole('as-documented', READS, STREAM),
      NoListing: pipeRole('no-listing', READS.slice(0, 3), STREAM),
      Documented: pipe('documented', 'AsDocumented'),
      Unlisted: pipe('unlisted', 'NoListing'),
    },
    'Streams',
  );
}

const logs: string[] = [];
const local = restartableRuntime({
  assembly,
  ownsAssembly: true,
  options: { iam: 'enforce', logEvents: true, log: (line) => logs.push(line) },
  clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)), dynamodb: dynamoDbClient(runtime.dynamodb.host.url) }),
});

describe('a pipe reading a DynamoDB stream under IAM', () => {
  it('runs when its role grants the reads on the stream’s ARN, ListStreams too, as AWS’s example policy does', async () => {
    await local.dynamodb.send(new PutItemCommand({ TableName: 'changes', Item: { pk: { S: 'one' } } }));
    const bodies = await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('out'), 1);
    expect(bodies.map((b) => JSON.parse(b))).toEqual([{ pipe: 'documented', pk: 'one' }]);
  });

  it('does not run if its role grants no ListStreams, as AWS refuses to create it', () => {
    expect(
      logs.some((line) => line.includes('unlisted: does not run: its role may not read') && line.includes('dynamodb:ListStreams')),
    ).toBe(true);
  });
});
