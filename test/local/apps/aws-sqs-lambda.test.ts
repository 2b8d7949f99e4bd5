import { randomUUID } from 'node:crypto';
import { GetFunctionCommand, InvokeCommand, LambdaClient, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { decodePayload, drained, functionLog, messagesIn, onlyFunctionName, queueArn, queueUrl, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-sqs-lambda, integ.sqslam-deployFunction: an SQS queue (with a
// dead-letter queue after 3 receives) consumed by a function whose code is inline in the
// template (Code.ZipFile, which CloudFormation writes as index.js: CommonJS).
let sqs: SQSClient;
let lambda: LambdaClient;
let queue: string;
let dlq: string;
let functionName: string;

const app = runApp('aws-sqs-lambda', async (running) => {
  sqs = new SQSClient(running.config);
  lambda = new LambdaClient(running.config);
  queue = await queueUrl(sqs, 'testsqslambdaqueue601');
  dlq = await queueUrl(sqs, 'testsqslambdaqueuedlq');
  functionName = await onlyFunctionName(lambda);
});

describe('aws-sqs-lambda (integ.sqslam-deployFunction)', () => {
  it('runs the function on a message sent to the queue, which drains the queue', async () => {
    const body = `hello ${randomUUID()}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: body }));
    // The inline handler logs the SQS event it receives.
    await eventually(
      async () => (functionLog(app().logs, functionName).includes(body) ? true : undefined),
      15_000,
      'the function to log the body',
    );
    await drained(sqs, queue);
    expect(await messagesIn(sqs, dlq)).toBe(0);
  });

  it('maps the queue to the function, enabled, with the batch size CloudFormation defaults to', async () => {
    const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: functionName }));
    expect(EventSourceMappings).toHaveLength(1);
    expect(EventSourceMappings[0]).toMatchObject({ EventSourceArn: await queueArn(sqs, queue), BatchSize: 10, State: 'Enabled' });
    expect(EventSourceMappings[0]?.FunctionArn).toBe(`arn:aws:lambda:us-east-1:000000000000:function:${functionName}`);
  });

  it('answers a direct invocation from the inline CommonJS handler', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify({ ping: 1 }) }));
    expect(result.FunctionError).toBeUndefined();
    expect(decodePayload(result.Payload)).toEqual({ statusCode: 200, body: '' });
  });

  it('runs the function on nodejs22.x with index.handler', async () => {
    const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
    expect(Configuration).toMatchObject({ Runtime: 'nodejs22.x', Handler: 'index.handler' });
  });

  it('moves a message to the dead-letter queue after 3 receives', async () => {
    const { Attributes = {} } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: await queueArn(sqs, dlq), maxReceiveCount: 3 });
  });
});
