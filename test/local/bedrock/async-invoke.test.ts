import {
  GetAsyncInvokeCommand,
  InvokeModelCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBedrockRuntime } from './bedrock-runtime.js';

/**
 * Video models (Luma Ray, Nova Reel) are used on AWS through StartAsyncInvoke, which writes
 * the video to S3; the local Bedrock does not serve asynchronous invocation, and the start-up
 * report and docs say which error each call gets.
 */
describe('Bedrock Runtime asynchronous invocation (video models)', () => {
  let bedrock: Awaited<ReturnType<typeof startBedrockRuntime>>;
  beforeAll(async () => {
    bedrock = await startBedrockRuntime('simulated');
  });
  afterAll(() => bedrock?.stop());

  it('fails StartAsyncInvoke, GetAsyncInvoke and ListAsyncInvokes with UnknownOperationException', async () => {
    const start = bedrock.client.send(
      new StartAsyncInvokeCommand({
        modelId: 'luma.ray-v2:0',
        modelInput: { prompt: 'a train crossing a bridge' },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://videos/out/' } },
      }),
    );
    await expect(start).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: expect.stringContaining('StartAsyncInvoke is not supported by the local Bedrock Runtime service'),
    });
    const arn = 'arn:aws:bedrock:us-east-1:000000000000:async-invoke/abc123';
    await expect(bedrock.client.send(new GetAsyncInvokeCommand({ invocationArn: arn }))).rejects.toMatchObject({
      name: 'UnknownOperationException',
    });
    await expect(bedrock.client.send(new ListAsyncInvokesCommand({}))).rejects.toMatchObject({ name: 'UnknownOperationException' });
  });

  it('fails InvokeModelWithBidirectionalStream (speech models) with UnknownOperationException', async () => {
    // The SDK sends it over HTTP/2 only; the path and the error are what matter here.
    const answer = await fetch(`${bedrock.runtime.url}/model/amazon.nova-2-sonic-v1%3A0/invoke-with-bidirectional-stream`, {
      method: 'POST',
      body: '',
    });
    expect(answer.headers.get('x-amzn-errortype') ?? ((await answer.json()) as { __type?: string }).__type).toBe(
      'UnknownOperationException',
    );
  });

  it('fails InvokeModel of a video model with ValidationException saying the local Bedrock does not answer it', async () => {
    const invoke = bedrock.client.send(new InvokeModelCommand({ modelId: 'luma.ray-v2:0', body: JSON.stringify({ prompt: 'a train' }) }));
    await expect(invoke).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('does not answer it') });
  });
});
