import {
  GetAsyncInvokeCommand,
  type GetAsyncInvokeCommandOutput,
  InvokeModelCommand,
  ListAsyncInvokesCommand,
  StartAsyncInvokeCommand,
  type StartAsyncInvokeCommandInput,
} from '@aws-sdk/client-bedrock-runtime';
import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { credentials, eventually, region, tempDataDir } from '../helpers.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const LUMA = (prompt: string, s3Uri = 's3://videos/out'): StartAsyncInvokeCommandInput => ({
  modelId: 'luma.ray-v2:0',
  modelInput: { prompt, duration: '5s' },
  outputDataConfig: { s3OutputDataConfig: { s3Uri } },
});

type Bedrock = Awaited<ReturnType<typeof startBedrockRuntime>>;

function s3Of(bedrock: Bedrock): S3Client {
  return new S3Client({ endpoint: bedrock.runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
}

async function ended(bedrock: Bedrock, invocationArn: string): Promise<GetAsyncInvokeCommandOutput> {
  return eventually(async () => {
    const job = await bedrock.client.send(new GetAsyncInvokeCommand({ invocationArn }));
    return job.status === 'InProgress' ? undefined : job;
  });
}

async function objectBytes(s3: S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
  return Buffer.from(await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

/**
 * Video models (Luma Ray 2; Nova Reel, past its end of life) are used through StartAsyncInvoke:
 * a job on the runtime's clock that writes `<s3Uri>/<invocation id>/output.mp4` as its caller.
 */
describe('Bedrock Runtime asynchronous invocation (video models)', () => {
  const clock = new AdvanceableClock();
  let bedrock: Bedrock;
  let s3: S3Client;
  beforeAll(async () => {
    bedrock = await startBedrockRuntime('simulated', { clock });
    s3 = s3Of(bedrock);
    await s3.send(new CreateBucketCommand({ Bucket: 'videos' }));
  });
  afterAll(async () => {
    s3?.destroy();
    await bedrock?.stop();
  });

  it('runs a video job InProgress until its time passes on the clock, then Completed with output.mp4 in S3', async () => {
    const { invocationArn = '' } = await bedrock.client.send(new StartAsyncInvokeCommand(LUMA('a train crossing a bridge')));
    expect(invocationArn).toMatch(/^arn:aws:bedrock:us-east-1:\d{12}:async-invoke\/[a-z0-9]{12}$/);
    const started = await bedrock.client.send(new GetAsyncInvokeCommand({ invocationArn }));
    expect(started).toMatchObject({ status: 'InProgress', modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/luma.ray-v2:0' });
    clock.advance(75_000);
    const job = await ended(bedrock, invocationArn);
    expect(job).toMatchObject({ status: 'Completed', outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://videos/out' } } });
    expect(job.endTime?.getTime()).toBeGreaterThanOrEqual(job.submitTime?.getTime() ?? Number.NaN);
    const id = invocationArn.split('/').pop();
    const video = await objectBytes(s3, 'videos', `out/${id}/output.mp4`);
    expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    expect(video.includes(Buffer.from('moov'))).toBe(true);
  });

  it('writes the same bytes for the same request (the simulated video is deterministic)', async () => {
    const arns = await Promise.all(
      ['s3://videos/a', 's3://videos/b'].map(
        async (uri) => (await bedrock.client.send(new StartAsyncInvokeCommand(LUMA('the same prompt', uri)))).invocationArn ?? '',
      ),
    );
    clock.advance(75_000);
    await Promise.all(arns.map((arn) => ended(bedrock, arn)));
    const [a, b] = await Promise.all(arns.map((arn, i) => objectBytes(s3, 'videos', `${'ab'[i]}/${arn.split('/').pop()}/output.mp4`)));
    expect(a?.equals(b as Buffer)).toBe(true);
  });

  it('answers a repeated clientRequestToken with the same invocation', async () => {
    const input = { ...LUMA('idempotent'), clientRequestToken: 'token-1' };
    const first = await bedrock.client.send(new StartAsyncInvokeCommand(input));
    const second = await bedrock.client.send(new StartAsyncInvokeCommand(input));
    expect(second.invocationArn).toBe(first.invocationArn);
  });

  it('fails the job with the reason S3 gave when the output bucket does not exist', async () => {
    const { invocationArn = '' } = await bedrock.client.send(new StartAsyncInvokeCommand(LUMA('nowhere', 's3://no-such-bucket/x')));
    clock.advance(75_000);
    const job = await ended(bedrock, invocationArn);
    expect(job.status).toBe('Failed');
    expect(job.failureMessage).toContain('The specified bucket does not exist');
  });

  it('lists invocations filtered by status, oldest first when asked, a page at a time', async () => {
    const failed = await bedrock.client.send(new ListAsyncInvokesCommand({ statusEquals: 'Failed' }));
    expect(failed.asyncInvokeSummaries?.map((s) => s.status)).toEqual(['Failed']);
    const all = await bedrock.client.send(new ListAsyncInvokesCommand({ sortOrder: 'Ascending' }));
    const times = (all.asyncInvokeSummaries ?? []).map((s) => s.submitTime?.getTime() ?? 0);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const page = await bedrock.client.send(new ListAsyncInvokesCommand({ maxResults: 2 }));
    expect(page.asyncInvokeSummaries).toHaveLength(2);
    const rest = await bedrock.client.send(new ListAsyncInvokesCommand({ maxResults: 100, nextToken: page.nextToken }));
    expect((rest.asyncInvokeSummaries?.length ?? 0) + 2).toBe(all.asyncInvokeSummaries?.length);
  });

  it('fails StartAsyncInvoke of an unknown model, a model without async inference, and Nova Reel past its end of life', async () => {
    const start = (modelId: string, modelInput: Record<string, unknown> = { prompt: 'x' }) =>
      bedrock.client.send(new StartAsyncInvokeCommand({ ...LUMA('x'), modelId, modelInput: modelInput as never }));
    await expect(start('acme.video-v9')).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
    await expect(start('amazon.nova-lite-v1:0')).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The provided model doesn't support async inference.",
    });
    await expect(start('amazon.nova-reel-v1:1', { taskType: 'TEXT_VIDEO', textToVideoParams: { text: 'x' } })).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining('end of its life'),
    });
  });

  it('fails StartAsyncInvoke of an s3Uri that is not s3:// and of a malformed model input with ValidationException', async () => {
    await expect(bedrock.client.send(new StartAsyncInvokeCommand(LUMA('x', 'https://videos/out')))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'outputDataConfig.s3OutputDataConfig.s3Uri' failed to satisfy constraint"),
    });
    await expect(
      bedrock.client.send(new StartAsyncInvokeCommand({ ...LUMA('x'), modelInput: { prompt: 'x', duration: '7s' } as never })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('duration must be one of 5s, 9s') });
  });

  it('fails GetAsyncInvoke of an invocation that does not exist with ValidationException', async () => {
    const invocationArn = 'arn:aws:bedrock:us-east-1:000000000000:async-invoke/abcdefabcdef';
    await expect(bedrock.client.send(new GetAsyncInvokeCommand({ invocationArn }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('fails InvokeModel of a video model with ValidationException saying the local Bedrock does not answer it', async () => {
    const invoke = bedrock.client.send(new InvokeModelCommand({ modelId: 'luma.ray-v2:0', body: JSON.stringify({ prompt: 'a train' }) }));
    await expect(invoke).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('does not answer it') });
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
});

describe('Bedrock Runtime asynchronous invocation across a restart', () => {
  it('completes a job accepted before the runtime stopped once the restarted runtime’s clock passes its time', async () => {
    const dataDir = tempDataDir();
    const nova = {
      modelId: 'amazon.nova-reel-v1:1',
      modelInput: {
        taskType: 'MULTI_SHOT_AUTOMATED',
        multiShotAutomatedParams: { text: 'a coastline' },
        videoGenerationConfig: { durationSeconds: 12 },
      },
      outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://reels' } },
    };
    // Nova Reel is past its end of life: `eol=serve` serves it, as AWS does for an account with continued access.
    const first = await startBedrockRuntime('simulated?eol=serve', { dataDir, clock: new AdvanceableClock() });
    const s3 = s3Of(first);
    await s3.send(new CreateBucketCommand({ Bucket: 'reels' }));
    s3.destroy();
    const { invocationArn = '' } = await first.client.send(new StartAsyncInvokeCommand(nova as never));
    await first.stop({ keepData: true });

    const clock = new AdvanceableClock();
    const second = await startBedrockRuntime('simulated?eol=serve', { dataDir, clock });
    try {
      expect((await second.client.send(new GetAsyncInvokeCommand({ invocationArn }))).status).toBe('InProgress');
      clock.advance(12 * 15_000);
      expect((await ended(second, invocationArn)).status).toBe('Completed');
      const video = await objectBytes(s3Of(second), 'reels', `${invocationArn.split('/').pop()}/output.mp4`);
      expect(video.subarray(4, 8).toString('latin1')).toBe('ftyp');
    } finally {
      await second.stop();
    }
  });
});
