import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { writeAssembly } from '../assembly.js';
import { executionEnded } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { stateMachine } from '../template-resources.js';
import { ROLE } from './helpers.js';

/** A cloud assembly with a queue, a table and a state machine that reaches both, and itself, through aws-sdk integrations. */
function assembly(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-aws-sdk-'));
  const definition = {
    StartAt: 'Url',
    States: {
      Url: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sqs:getQueueUrl',
        Parameters: { QueueName: 'work' },
        ResultPath: '$.queue',
        Next: 'Send',
      },
      Send: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sqs:sendMessage',
        Parameters: { 'QueueUrl.$': '$.queue.QueueUrl', 'MessageBody.$': '$.ticket' },
        ResultPath: '$.sent',
        Next: 'Claim',
      },
      Claim: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
        Parameters: { TableName: 'claims', Item: { id: { 'S.$': '$.ticket' } }, ConditionExpression: 'attribute_not_exists(id)' },
        ResultPath: null,
        Next: 'Self',
      },
      Self: {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:sfn:describeStateMachineForExecution',
        Parameters: { 'ExecutionArn.$': '$$.Execution.Id' },
        ResultSelector: { 'Name.$': '$.Name' },
        ResultPath: '$.machine',
        End: true,
      },
    },
  };
  writeAssembly(dir, {
    Flow: {
      template: {
        Resources: {
          Work: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work' } },
          Claims: tableResource('claims', { key: { id: 'S' } }),
          Flow: stateMachine(definition, { StateMachineName: 'flow', RoleArn: ROLE }),
        },
      },
    },
  });
  return dir;
}

const local = restartableRuntime({ assembly, ownsAssembly: true, clients: ({ url }) => ({ sfn: new SFNClient(sdkConfig(url)) }) });

describe('aws-sdk integrations in the local runtime', () => {
  it('reach the template queue, table and Step Functions itself, and report nothing unsupported', async () => {
    expect(local.runtime.warnings).toEqual([]);
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:flow';
    const { executionArn } = await local.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"ticket":"T-9"}' }));
    const described = await executionEnded(local.sfn, String(executionArn));
    expect(described.status, described.cause).toBe('SUCCEEDED');
    const output = JSON.parse(String(described.output)) as { queue: { QueueUrl: string }; machine: { Name: string } };
    expect(output.queue.QueueUrl).toBe(local.runtime.sqs.queueUrl('work'));
    expect(output.machine).toEqual({ Name: 'flow' });
    const { Messages } = await local.runtime.sqs.ReceiveMessage({ QueueUrl: output.queue.QueueUrl });
    expect(Messages?.map((m) => m.Body)).toEqual(['T-9']);

    // The claim is taken: a second run of the same ticket fails on the condition, as DynamoDB answers it.
    const again = await local.sfn.send(new StartExecutionCommand({ stateMachineArn, input: '{"ticket":"T-9"}' }));
    const failed = await executionEnded(local.sfn, String(again.executionArn));
    expect(failed.error).toBe('DynamoDb.ConditionalCheckFailedException');
  });
});
