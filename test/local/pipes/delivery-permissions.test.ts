import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { eventually, receiveBodies } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, inlinePolicy, serviceRole, stateMachine } from '../template-resources.js';

/** Marks each event of the batch as enriched. */
const ENRICH = {
  QueryLanguage: 'JSONata',
  StartAt: 'Mark',
  States: { Mark: { Type: 'Pass', Output: "{% [$map($states.input, function($v) { {'id': $v.body, 'enriched': true} })] %}", End: true } },
};

const SOURCE_READS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility'];

/** A role for pipes.amazonaws.com that reads `source`, runs the enrichment with `runs`, and sends to the queue `out`. */
function pipeRole(name: string, source: string, runs: string) {
  return serviceRole('pipes.amazonaws.com', {
    RoleName: name,
    Policies: [
      inlinePolicy(
        'pipe',
        { Action: SOURCE_READS, Resource: arnOf(source) },
        { Action: runs, Resource: { Ref: 'Enricher' } },
        { Action: 'sqs:SendMessage', Resource: arnOf('Out') },
      ),
    ],
  });
}

const pipe = (name: string, source: string, role: string) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: {
    Name: name,
    RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    Source: arnOf(source),
    SourceParameters: { SqsQueueParameters: { BatchSize: 1 } },
    Enrichment: { Ref: 'Enricher' },
    Target: arnOf('Out'),
  },
});

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });

const logs: string[] = [];
const local = restartableRuntime({
  assembly: () =>
    assemblyOf(
      {
        Synced: queue('synced'),
        Started: queue('started'),
        Out: queue('out'),
        Enricher: stateMachine(ENRICH, { StateMachineName: 'enricher', StateMachineType: 'EXPRESS' }),
        // What CDK's grantStartSyncExecution gives the role of normalizer-pattern-cdk's pipe.
        SyncRole: pipeRole('sync-role', 'Synced', 'states:StartSyncExecution'),
        StartRole: pipeRole('start-role', 'Started', 'states:StartExecution'),
        SyncPipe: pipe('sync-pipe', 'Synced', 'SyncRole'),
        StartPipe: pipe('start-pipe', 'Started', 'StartRole'),
      },
      'PipePermissions',
    ),
  ownsAssembly: true,
  options: { iam: 'enforce', logEvents: false, log: (line) => logs.push(line), pipesRetryBaseMs: 50 },
  clients: (runtime) => ({ sqs: new SQSClient(sdkConfig(runtime.url)) }),
});

describe('a pipe whose enrichment is an Express state machine, under IAM', () => {
  it('runs it when its role may states:StartSyncExecution on it, as Pipes runs an enrichment synchronously', async () => {
    await local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('synced'), MessageBody: 'm-1' }));
    const bodies = await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('out'), 1);
    expect(bodies.map((b) => JSON.parse(b))).toEqual([{ id: 'm-1', enriched: true }]);
  });

  it('fails the batch if its role may only states:StartExecution on it, naming StartSyncExecution', async () => {
    await local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl('started'), MessageBody: 'm-2' }));
    const failure = await eventually(async () => logs.find((line) => line.includes('start-pipe: batch of 1 failed')));
    expect(failure).toContain('states:StartSyncExecution');
  });
});
