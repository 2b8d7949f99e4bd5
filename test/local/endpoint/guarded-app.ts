import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { assetFunction, stateMachine } from '../template-resources.js';

export const ROLE = 'arn:aws:iam::000000000000:role/guarded';
export const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:guarded-express';

/**
 * A small app whose function calls the local endpoint itself, as function code does on
 * AWS: StartSyncExecution (the SDK sends it to a `sync-` host), DynamoDB (straight to
 * dynalite's own port, AWS_ENDPOINT_URL_DYNAMODB) and SQS, with the credentials the runtime
 * gives it.
 */
export function writeGuardedApp(): string {
  const cdkOut = tempAssemblyDir();
  mkdirSync(path.join(cdkOut, 'asset.caller'));
  writeFileSync(
    path.join(cdkOut, 'asset.caller', 'index.mjs'),
    `import { SFNClient, StartSyncExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBClient, PutItemCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { SQSClient, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
export const handler = async (event) => {
  if (event.action === 'sync') {
    const sfn = new SFNClient({});
    const { status, output } = await sfn.send(new StartSyncExecutionCommand({ stateMachineArn: process.env.MACHINE_ARN, input: JSON.stringify(event.input) }));
    return { status, output };
  }
  if (event.action === 'dynamodb') {
    const ddb = new DynamoDBClient({});
    await ddb.send(new PutItemCommand({ TableName: 'guarded', Item: { pk: { S: event.key } } }));
    const { Item } = await ddb.send(new GetItemCommand({ TableName: 'guarded', Key: { pk: { S: event.key } } }));
    return { item: Item?.pk?.S, dynamodbEndpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB };
  }
  if (event.action === 'sqs') {
    const { QueueUrl } = await new SQSClient({}).send(new GetQueueUrlCommand({ QueueName: 'guarded-queue' }));
    return { queueUrl: QueueUrl };
  }
  return { echo: event };
};
`,
  );
  writeAssembly(cdkOut, {
    Guarded: {
      template: {
        Resources: {
          Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'guarded-queue' } },
          Table: tableResource('guarded', { key: { pk: 'S' } }),
          Machine: stateMachine(
            { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
            { StateMachineName: 'guarded-express', StateMachineType: 'EXPRESS', RoleArn: ROLE },
          ),
          Caller: assetFunction('caller', 'asset.caller', {
            Runtime: 'nodejs22.x',
            Timeout: 30,
            Environment: { Variables: { MACHINE_ARN } },
          }),
        },
      },
    },
  });
  return cdkOut;
}
