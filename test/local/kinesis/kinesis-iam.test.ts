import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime, roleConfig } from '../restartable-runtime.js';

const WRITER = 'arn:aws:iam::000000000000:role/writer';

/** Two streams, and a role that may put records on the first only (granted on its Arn). */
function assembly() {
  return assemblyOf(
    {
      Granted: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'granted', ShardCount: 1 } },
      Other: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'other', ShardCount: 1 } },
      Writer: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'writer',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
          Policies: [
            {
              PolicyName: 'put',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [{ Effect: 'Allow', Action: 'kinesis:PutRecord', Resource: { 'Fn::GetAtt': ['Granted', 'Arn'] } }],
              },
            },
          ],
        },
      },
    },
    'Streams',
  );
}

describe('the local Kinesis under IAM', () => {
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly,
    options: { iam: 'enforce' },
    clients: (runtime) => ({
      writer: new KinesisClient(roleConfig(runtime, WRITER, 'test')),
    }),
  });

  it('puts a record on the stream the role is granted', async () => {
    const put = await local.writer.send(new PutRecordCommand({ StreamName: 'granted', PartitionKey: 'k', Data: Buffer.from('x') }));
    expect(put.ShardId).toBe('shardId-000000000000');
  });

  it('fails if the role is not granted the stream, with AccessDeniedException naming the action and the stream', async () => {
    const error = await local.writer.send(new PutRecordCommand({ StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.name).toBe('AccessDeniedException');
    expect(error?.message).toContain(
      'is not authorized to perform: kinesis:PutRecord on resource: arn:aws:kinesis:us-east-1:000000000000:stream/other',
    );
  });
});
