import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GetDurableExecutionCommand, LambdaClient, ListDurableExecutionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../../../../local/runtime.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { credentials, eventually, region, tempDataDir } from '../../helpers.js';

const HANDLER = `
import { withDurableExecution } from '@aws/durable-execution-sdk-js';
export const handler = withDurableExecution(async (event, context) =>
  context.step('count', async () => event.Records.map((r) => r.body)));
`;

let runtime: LocalRuntime;
let lambda: LambdaClient;
let sqs: SQSClient;

beforeAll(async () => {
  const cdkOut = tempAssemblyDir();
  mkdirSync(path.join(cdkOut, 'asset.fn'));
  writeFileSync(path.join(cdkOut, 'asset.fn', 'index.mjs'), HANDLER);
  writeAssembly(cdkOut, {
    Source: {
      template: {
        Resources: {
          Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'durable-inbox' } },
          Fn: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              FunctionName: 'from-queue',
              Handler: 'index.handler',
              Runtime: 'nodejs24.x',
              Timeout: 30,
              Code: { S3Bucket: 'b', S3Key: 'k.zip' },
              DurableConfig: { ExecutionTimeout: 300 },
            },
            Metadata: { 'aws:asset:path': 'asset.fn', 'aws:asset:property': 'Code' },
          },
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
  runtime = await LocalRuntime.start({ cdkOut, dataDir: tempDataDir(), port: 0, log: () => {} });
  const config = { endpoint: runtime.url, region, credentials, maxAttempts: 1 };
  lambda = new LambdaClient(config);
  sqs = new SQSClient(config);
});
afterAll(async () => {
  await runtime?.stop();
});

describe('Lambda durable functions from an SQS event source', () => {
  it('starts one execution per batch with the batch as its input, and runs it to SUCCEEDED', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'durable-inbox' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' }));
    const execution = await eventually(async () => {
      const { DurableExecutions = [] } = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'from-queue' }));
      const done = DurableExecutions.find((e) => e.Status === 'SUCCEEDED');
      return done && (await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: done.DurableExecutionArn })));
    }, 20_000);
    expect(JSON.parse(execution.Result ?? '')).toEqual(['hello']);
    expect(JSON.parse(execution.InputPayload ?? '').Records[0].body).toBe('hello');
  }, 30_000);
});
