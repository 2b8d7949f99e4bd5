import { randomUUID } from 'node:crypto';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers.js';
import { decodePayload, drained, functionLog, only, queueUrl, runApp } from './helpers.js';

// @aws-solutions-constructs/aws-lambda-sqs-lambda, integ.lamsqslam-defaultDeployment: a producer
// function given the queue's URL in SQS_QUEUE_URL, the queue (dead-letter queue after 15
// receives), and a consumer function mapped to the queue. Both have inline code.
let sqs: SQSClient;
let lambda: LambdaClient;

const app = runApp('aws-lambda-sqs-lambda', async (running) => {
  sqs = new SQSClient(running.config);
  lambda = new LambdaClient(running.config);
});

/** The consumer is the function the queue is mapped to; the producer is the other one. */
async function functionName(role: 'producer' | 'consumer'): Promise<string> {
  const { Functions = [] } = await lambda.send(new ListFunctionsCommand({}));
  const { EventSourceMappings = [] } = await lambda.send(new ListEventSourceMappingsCommand({}));
  const consumerArn = only(EventSourceMappings.map((m) => m.FunctionArn ?? ''));
  const names = Functions.filter((f) => (f.FunctionArn === consumerArn) === (role === 'consumer')).map((f) => f.FunctionName ?? '');
  return only(names);
}

async function producerQueueUrl(): Promise<string | undefined> {
  const { Configuration } = await lambda.send(new GetFunctionCommand({ FunctionName: await functionName('producer') }));
  return Configuration?.Environment?.Variables?.SQS_QUEUE_URL;
}

describe('aws-lambda-sqs-lambda (integ.lamsqslam-defaultDeployment)', () => {
  it("gives the producer the queue's URL in SQS_QUEUE_URL", async () => {
    expect(await producerQueueUrl()).toBe(await queueUrl(sqs, 'lambdatosqsqueueF2'));
  });

  it('runs the consumer on a message sent to that queue, which drains it', async () => {
    const url = (await producerQueueUrl()) ?? 'no SQS_QUEUE_URL';
    const body = `sample-message-body ${randomUUID()}`;
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const consumer = await functionName('consumer');
    await eventually(
      async () => (functionLog(app().logs, consumer).includes(body) ? true : undefined),
      15_000,
      'the consumer to log the body',
    );
    await drained(sqs, url);
  });

  it('answers an invocation of the producer', async () => {
    const result = await lambda.send(new InvokeCommand({ FunctionName: await functionName('producer'), Payload: '{}' }));
    expect(result.FunctionError).toBeUndefined();
    expect(decodePayload(result.Payload)).toEqual({ statusCode: 200, body: '' });
  });

  it('moves a message to the dead-letter queue after 15 receives', async () => {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, 'lambdatosqsqueueF2'), AttributeNames: ['RedrivePolicy'] }),
    );
    const dlq = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: await queueUrl(sqs, 'lambdatosqsqueuedlq'), AttributeNames: ['QueueArn'] }),
    );
    expect(JSON.parse(Attributes.RedrivePolicy ?? '{}')).toEqual({ deadLetterTargetArn: dlq.Attributes?.QueueArn, maxReceiveCount: 15 });
  });
});
