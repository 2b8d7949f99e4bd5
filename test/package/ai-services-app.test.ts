import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { BedrockAgentClient, GetIngestionJobCommand, StartIngestionJobCommand } from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient, RetrieveAndGenerateCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { BedrockRuntimeClient, GetAsyncInvokeCommand, StartAsyncInvokeCommand } from '@aws-sdk/client-bedrock-runtime';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { appEnv, fixtureManifest, installFixtureApp, ok, start, timed, waitFor } from './helpers.js';

const tarballs = inject('switchyardTarballs');
const app = path.join(inject('switchyardPackageWorkDir'), 'ai-services-app');
/** test/package's ports are 4740-4759; this suite's runtime takes 4750. */
const PORT = 4750;
const endpoint = `http://127.0.0.1:${PORT}`;
const aws = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
const s3 = new S3Client({ ...aws, forcePathStyle: true });
const dynamodb = new DynamoDBClient(aws);
/** A video model AWS still serves (the catalogue's lifecycle: Nova Reel is past its end of life). */
const VIDEO_MODEL = 'luma.ray-v2:0';

/** The stack's outputs, by key, as CloudFormation answers DescribeStacks. */
async function outputs(): Promise<Record<string, string>> {
  const { Stacks = [] } = await new CloudFormationClient(aws).send(new DescribeStacksCommand({ StackName: 'AiServices' }));
  return Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']));
}

describe('the AI services around Bedrock on the installed packages (fixtures/ai-services-app: plain aws-cdk-lib)', () => {
  let running: ReturnType<typeof start> | undefined;
  let out: Record<string, string> = {};
  let video: { invocationArn?: string } = {};
  const bedrock = new BedrockRuntimeClient(aws);

  afterAll(async () => {
    await running?.stop();
  });

  it('installs, synthesizes and runs under switchyard dev', async () => {
    const manifest = fixtureManifest('ai-services-app', tarballs, {
      dependencies: ['aws-cdk-lib', 'constructs', '@aws-sdk/client-dynamodb'],
      devDependencies: ['aws-cdk', 'esbuild', 'tsx', '@types/aws-lambda'],
      cli: true,
    });
    installFixtureApp('ai-services-app', app, manifest);
    timed('cdk synth of the AI services app', () => ok('npx', ['cdk', 'synth', '--quiet'], app));
    running = start('npx', ['switchyard', 'dev', '--port', String(PORT), '--no-watch', '--data', path.join(app, '.data')], app, appEnv());
    out = await waitFor(
      `switchyard dev to run the AI services app on ${endpoint}`,
      async () => {
        if (running?.exited()) throw new Error(`switchyard dev exited:\n${running.output()}`);
        const found = await outputs().catch(() => ({}) as Record<string, string>);
        return found.TallyTable ? found : undefined;
      },
      180_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- switchyard dev output\n${running?.output()}`);
    });
    // Started now, read last: the video takes a minute or so of the runtime's clock.
    video = await bedrock.send(
      new StartAsyncInvokeCommand({
        modelId: VIDEO_MODEL,
        modelInput: { prompt: 'a lighthouse at dusk, waves rolling in', aspect_ratio: '16:9', duration: '5s', resolution: '720p' },
        outputDataConfig: { s3OutputDataConfig: { s3Uri: `s3://${out.VideoBucket}/clips` } },
      }),
    );
    // Each service the app calls is served, and the start-up report (printed once the endpoint answers) says by what.
    const report = await waitFor('the start-up report naming the AI services', () => {
      const output = running?.output() ?? '';
      return /ai services \(SWITCHYARD_AI_SERVICES\): .*Textract simulated/.test(output) ? output : undefined;
    });
    expect(report).toMatch(/knowledge base handbook \(\w+\): 1 data source/);
  });

  it('reads an uploaded PDF with Textract in a state machine, summarizes it with Bedrock and keeps the summary in DynamoDB', async () => {
    const pdf = readFileSync(path.join(app, 'documents', 'invoice.pdf'));
    await s3.send(
      new PutObjectCommand({ Bucket: out.DocumentBucket, Key: 'inbox/invoice.pdf', Body: pdf, ContentType: 'application/pdf' }),
    );
    const item = await waitFor('the summary of inbox/invoice.pdf', async () => {
      const { Item } = await dynamodb.send(
        new GetItemCommand({ TableName: out.SummaryTable, Key: { documentKey: { S: 'inbox/invoice.pdf' } } }),
      );
      return Item;
    });
    expect(item.text?.S).toContain('Total due: 420.00 EUR');
    expect(item.summary?.S?.length).toBeGreaterThan(0);
  });

  it('answers a question from the knowledge base, citing the S3 page that holds the answer', async () => {
    const agent = new BedrockAgentClient(aws);
    const { ingestionJob } = await agent.send(
      new StartIngestionJobCommand({ knowledgeBaseId: out.KnowledgeBaseId, dataSourceId: out.DataSourceId }),
    );
    const done = await waitFor('the ingestion job to end', async () => {
      const { ingestionJob: job } = await agent.send(
        new GetIngestionJobCommand({
          knowledgeBaseId: out.KnowledgeBaseId,
          dataSourceId: out.DataSourceId,
          ingestionJobId: ingestionJob?.ingestionJobId,
        }),
      );
      return job?.status === 'COMPLETE' || job?.status === 'FAILED' ? job : undefined;
    });
    expect(done.status).toBe('COMPLETE');
    expect(done.statistics?.numberOfNewDocumentsIndexed).toBe(3);

    const answer = await new BedrockAgentRuntimeClient(aws).send(
      new RetrieveAndGenerateCommand({
        input: { text: 'Within how many days is a refund paid back to the card?' },
        retrieveAndGenerateConfiguration: {
          type: 'KNOWLEDGE_BASE',
          knowledgeBaseConfiguration: {
            knowledgeBaseId: out.KnowledgeBaseId,
            modelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0',
          },
        },
      }),
    );
    expect(answer.output?.text?.length).toBeGreaterThan(0);
    const cited = (answer.citations ?? []).flatMap((c) => c.retrievedReferences ?? []).map((r) => r.location?.s3Location?.uri);
    expect(cited[0]).toBe(`s3://${out.HandbookBucket}/refunds.md`);
  });

  it('feeds a Kinesis stream to a function reporting a partial batch failure: each good record handled once, the bad one to its destination', async () => {
    const clicks = Array.from({ length: 10 }, (_, i) => ({ id: `c${i + 1}`, ...(i === 4 ? { poison: true } : {}) }));
    await new KinesisClient(aws).send(
      new PutRecordsCommand({
        StreamName: 'clicks',
        Records: clicks.map((c) => ({ Data: Buffer.from(JSON.stringify(c)), PartitionKey: 'one' })),
      }),
    );
    const sqs = new SQSClient(aws);
    await waitFor('the poison click in the on-failure queue', async () => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: out.FailedClicksQueue, AttributeNames: ['ApproximateNumberOfMessages'] }),
      );
      return Number(Attributes.ApproximateNumberOfMessages) === 1 ? true : undefined;
    });
    const { Items = [] } = await dynamodb.send(new ScanCommand({ TableName: out.TallyTable }));
    const handled = Items.filter((i) => i.pk?.S?.startsWith('click#')).map((i) => i.pk?.S);
    expect(handled.sort()).toEqual(
      clicks
        .filter((c) => !c.poison)
        .map((c) => `click#${c.id}`)
        .sort(),
    );
    const deliveries = Object.fromEntries(
      Items.filter((i) => i.pk?.S?.startsWith('deliveries#')).map((i) => [i.pk?.S?.slice('deliveries#'.length), Number(i.deliveries?.N)]),
    );
    // Resumed from the lowest failed record: those before it came once, it and those after it again (1 + 2 retries).
    expect([deliveries.c1, deliveries.c4]).toEqual([1, 1]);
    expect([deliveries.c5, deliveries.c6, deliveries.c10]).toEqual([3, 3, 3]);
  });

  it('runs an asynchronous video invocation to Completed with its video in S3', async () => {
    const outputUri = `s3://${out.VideoBucket}/clips`;
    expect(video.invocationArn).toMatch(/^arn:aws:bedrock:us-east-1:000000000000:async-invoke\//);
    // A video takes a while on the runtime's clock as on AWS (the job was started with the runtime, above).
    const ended = await waitFor(
      'the video invocation to end',
      async () => {
        const job = await bedrock.send(new GetAsyncInvokeCommand({ invocationArn: video.invocationArn }));
        return job.status === 'InProgress' ? undefined : job;
      },
      240_000,
    );
    expect(ended).toMatchObject({ status: 'Completed', outputDataConfig: { s3OutputDataConfig: { s3Uri: outputUri } } });
    const { Contents = [] } = await s3.send(new ListObjectsV2Command({ Bucket: out.VideoBucket, Prefix: 'clips/' }));
    expect(Contents.some((o) => o.Key?.endsWith('.mp4') && (o.Size ?? 0) > 0)).toBe(true);
  });
});
