import { GetDurableExecutionCommand, LambdaClient, ListDurableExecutionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { writeFiles } from '../../../helpers/temp-folders.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { eventually } from '../../helpers.js';
import { restartableRuntime, sdkConfig } from '../../restartable-runtime.js';
import { assetFunction } from '../../template-resources.js';

const HANDLER = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) =>
  context.step('count', async () => event.Records.map((r) => r.body)));
`;

/** Queue durable-inbox, whose messages the durable function from-queue gets one a batch ($LATEST named in the mapping). */
function assembly(): string {
  const cdkOut = tempAssemblyDir();
  writeFiles(cdkOut, { 'asset.fn/index.mjs': HANDLER });
  return writeAssembly(cdkOut, {
    Source: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'durable-inbox' } },
          Fn: assetFunction('from-queue', 'asset.fn', { Timeout: 30, DurableConfig: { ExecutionTimeout: 300 } }),
          Mapping: {
            Type: 'AWS::Lambda::EventSourceMapping',
            Properties: {
              FunctionName: 'from-queue:$LATEST',
              EventSourceArn: { 'Fn::GetAtt': ['Inbox', 'Arn'] },
              BatchSize: 1,
            },
          },
        },
      },
    },
  });
}

const local = restartableRuntime({
  assembly,
  ownsAssembly: true,
  clients: ({ url }) => {
    const config = { ...sdkConfig(url), maxAttempts: 1 };
    return { lambda: new LambdaClient(config), sqs: new SQSClient(config) };
  },
});

describe('Lambda durable functions from an SQS event source', () => {
  it('starts one execution per batch with the batch as its input, and runs it to SUCCEEDED', async () => {
    const { QueueUrl } = await local.sqs.send(new GetQueueUrlCommand({ QueueName: 'durable-inbox' }));
    await local.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const execution = await eventually(async () => {
      const { DurableExecutions = [] } = await local.lambda.send(
        new ListDurableExecutionsByFunctionCommand({ FunctionName: 'from-queue' }),
      );
      const done = DurableExecutions.find((e) => e.Status === 'SUCCEEDED');
      return done && (await local.lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: done.DurableExecutionArn })));
    }, 20_000);
    expect(JSON.parse(execution.Result ?? '')).toEqual(['hello']);
    expect(JSON.parse(execution.InputPayload ?? '').Records[0].body).toBe('hello');
  }, 30_000);
});
