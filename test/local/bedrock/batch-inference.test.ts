import {
  BedrockClient,
  CreateModelInvocationJobCommand,
  type CreateModelInvocationJobCommandInput,
  GetModelInvocationJobCommand,
  type GetModelInvocationJobCommandOutput,
  ListFoundationModelsCommand,
  ListModelInvocationJobsCommand,
  StopModelInvocationJobCommand,
} from '@aws-sdk/client-bedrock';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { credentials, eventually, region } from '../helpers.js';
import { startBedrockRuntime } from './bedrock-runtime.js';

const ROLE = 'arn:aws:iam::000000000000:role/batch-role';
const TITAN = (text: string) => ({ inputText: text, textGenerationConfig: { maxTokenCount: 20 } });

/**
 * Batch inference: a job reads JSONL records from S3, answers each through the local
 * Bedrock's InvokeModel path, and writes `<output>/<job id>/<file>.out` and `manifest.json.out`.
 */
describe('Bedrock batch inference (CreateModelInvocationJob)', () => {
  const clock = new AdvanceableClock();
  let bedrock: Awaited<ReturnType<typeof startBedrockRuntime>>;
  let client: BedrockClient;
  let s3: S3Client;
  let jobs = 0;
  const create = (overrides: Partial<CreateModelInvocationJobCommandInput> = {}) =>
    client.send(
      new CreateModelInvocationJobCommand({
        jobName: `job-${++jobs}`,
        roleArn: ROLE,
        modelId: 'amazon.titan-text-express-v1',
        inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://batch-in/records.jsonl' } },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: 's3://batch-out/results/' } },
        ...overrides,
      }),
    );
  const text = async (Bucket: string, Key: string) =>
    (await (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body?.transformToString()) ?? '';
  const ended = (jobIdentifier: string) =>
    eventually<GetModelInvocationJobCommandOutput>(async () => {
      const job = await client.send(new GetModelInvocationJobCommand({ jobIdentifier }));
      return ['Completed', 'Failed', 'Stopped'].includes(job.status ?? '') ? job : undefined;
    });

  beforeAll(async () => {
    bedrock = await startBedrockRuntime('simulated', { clock });
    client = new BedrockClient({ endpoint: bedrock.runtime.url, region, credentials, maxAttempts: 1 });
    s3 = new S3Client({ endpoint: bedrock.runtime.url, region, credentials, forcePathStyle: true, maxAttempts: 1 });
    for (const Bucket of ['batch-in', 'batch-out']) await s3.send(new CreateBucketCommand({ Bucket }));
    const records = [
      JSON.stringify({ recordId: 'REC00000001', modelInput: TITAN('Roses are red') }),
      JSON.stringify({ recordId: 'REC00000002', modelInput: TITAN('Hello world') }),
      '{ this line is not JSON',
    ];
    await s3.send(new PutObjectCommand({ Bucket: 'batch-in', Key: 'records.jsonl', Body: `${records.join('\n')}\n` }));
  });
  afterAll(async () => {
    client?.destroy();
    s3?.destroy();
    await bedrock?.stop();
  });

  it('moves a job Submitted, Validating, Scheduled, InProgress, then Completed, writing the .out file and the manifest', async () => {
    const { jobArn = '' } = await create();
    expect(jobArn).toMatch(/^arn:aws:bedrock:us-east-1:\d{12}:model-invocation-job\/[a-z0-9]{12}$/);
    const seen: string[] = [];
    for (const step of [0, 10_000, 10_000, 10_000]) {
      clock.advance(step);
      seen.push((await client.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }))).status ?? '');
    }
    expect(seen).toEqual(['Submitted', 'Validating', 'Scheduled', 'InProgress']);
    clock.advance(60_000);
    const job = await ended(jobArn);
    expect(job).toMatchObject({
      status: 'Completed',
      totalRecordCount: 3,
      processedRecordCount: 3,
      successRecordCount: 2,
      errorRecordCount: 1,
    });
    const id = jobArn.split('/').pop();
    const lines = (await text('batch-out', `results/${id}/records.jsonl.out`))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      recordId: 'REC00000001',
      modelInput: TITAN('Roses are red'),
      modelOutput: { results: [expect.any(Object)] },
    });
    expect(lines[2]).toMatchObject({ error: { errorCode: 400, errorMessage: 'The record is not valid JSON.' } });
    expect(lines[2].modelOutput).toBeUndefined();
    const manifest = JSON.parse(await text('batch-out', `results/${id}/manifest.json.out`));
    expect(manifest).toMatchObject({ totalRecordCount: 3, processedRecordCount: 3, successRecordCount: 2, errorRecordCount: 1 });
    expect(manifest.inputTokenCount).toBeGreaterThan(0);
    expect(manifest.outputTokenCount).toBeGreaterThan(0);
  });

  it('fails a job whose input file does not exist, with the reason in its message', async () => {
    const { jobArn = '' } = await create({ inputDataConfig: { s3InputDataConfig: { s3Uri: 's3://batch-in/missing.jsonl' } } });
    clock.advance(90_000);
    const job = await ended(jobArn);
    expect(job.status).toBe('Failed');
    expect(job.message).toContain('s3://batch-in/missing.jsonl');
  });

  it('stops a job that has not ended, and lists jobs by status and name', async () => {
    const { jobArn = '' } = await create({ jobName: 'to-stop' });
    await client.send(new StopModelInvocationJobCommand({ jobIdentifier: jobArn.split('/').pop() }));
    expect((await client.send(new GetModelInvocationJobCommand({ jobIdentifier: jobArn }))).status).toBe('Stopped');
    const stopped = await client.send(new ListModelInvocationJobsCommand({ statusEquals: 'Stopped' }));
    expect(stopped.invocationJobSummaries?.map((s) => s.jobName)).toEqual(['to-stop']);
    const named = await client.send(new ListModelInvocationJobsCommand({ nameContains: 'job-' }));
    expect(named.invocationJobSummaries?.length).toBeGreaterThanOrEqual(2);
    await expect(client.send(new StopModelInvocationJobCommand({ jobIdentifier: jobArn }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('answers a repeated clientRequestToken with the same job', async () => {
    const first = await create({ jobName: 'same', clientRequestToken: 'same-token' });
    const second = await create({ jobName: 'same', clientRequestToken: 'same-token' });
    expect(second.jobArn).toBe(first.jobArn);
  });

  it('fails CreateModelInvocationJob of an unknown model and of an s3Uri that is not s3:// with ValidationException', async () => {
    await expect(create({ modelId: 'acme.model-v9' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The provided model identifier is invalid.',
    });
    await expect(create({ inputDataConfig: { s3InputDataConfig: { s3Uri: 'https://batch-in/records.jsonl' } } })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("at 'inputDataConfig.s3InputDataConfig.s3Uri' failed to satisfy constraint"),
    });
  });

  it('fails GetModelInvocationJob of a job that does not exist with ResourceNotFoundException', async () => {
    await expect(client.send(new GetModelInvocationJobCommand({ jobIdentifier: 'abcdefabcdef' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('answers the control plane operations it does not serve as unsupported, by name', async () => {
    await expect(client.send(new ListFoundationModelsCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      message: 'ListFoundationModels is not supported by the local Bedrock service.',
    });
  });
});
