import {
  BedrockAgentClient,
  CreateDataSourceCommand,
  CreateKnowledgeBaseCommand,
  GetIngestionJobCommand,
  ListDataSourcesCommand,
  StartIngestionJobCommand,
} from '@aws-sdk/client-bedrock-agent';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../local/time/clock.js';
import { synthStack } from '../../cdk-stack.js';
import { eventually, region } from '../../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../../restartable-runtime.js';

function synthApp(): string {
  return synthStack('Kb', (stack) => {
    const bucket = new s3.Bucket(stack, 'Documents', { bucketName: 'kb-restart' });
    const kb = new bedrock.CfnKnowledgeBase(stack, 'Kb', {
      name: 'kb',
      roleArn: 'arn:aws:iam::000000000000:role/kb-role',
      knowledgeBaseConfiguration: {
        type: 'VECTOR',
        vectorKnowledgeBaseConfiguration: { embeddingModelArn: `arn:aws:bedrock:${region}::foundation-model/cohere.embed-english-v3` },
      },
      storageConfiguration: {
        type: 'S3_VECTORS',
        s3VectorsConfiguration: { indexArn: 'arn:aws:s3vectors:us-east-1:000000000000:bucket/b/index/i' },
      },
    });
    new bedrock.CfnDataSource(stack, 'Docs', {
      knowledgeBaseId: kb.attrKnowledgeBaseId,
      name: 'docs',
      dataSourceConfiguration: { type: 'S3', s3Configuration: { bucketArn: bucket.bucketArn } },
      vectorIngestionConfiguration: { chunkingConfiguration: { chunkingStrategy: 'NONE' } },
    });
  });
}

describe('an ingestion job across a restart', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const local = restartableRuntime({
    assembly: synthApp,
    ownsAssembly: true,
    options: { clock },
    clients: ({ url }) => ({ agent: new BedrockAgentClient(sdkConfig(url)), s3: s3Client(url) }),
  });

  it('is not lost: accepted before a stop, it completes after the next start once its time has come', async () => {
    await local.s3.send(new PutObjectCommand({ Bucket: 'kb-restart', Key: 'faq.txt', Body: 'Parcels ship on Mondays.' }));
    const knowledgeBaseId =
      local.runtime.template.app.stacks[0]?.resources.find((r) => r.type === 'AWS::Bedrock::KnowledgeBase')?.ref ?? '';
    const dataSourceId =
      (await local.agent.send(new ListDataSourcesCommand({ knowledgeBaseId }))).dataSourceSummaries?.[0]?.dataSourceId ?? '';
    const { ingestionJob } = await local.agent.send(
      new StartIngestionJobCommand({ knowledgeBaseId, dataSourceId, clientToken: 'once-only-token-0123456789abcdef0123' }),
    );
    const ids = { knowledgeBaseId, dataSourceId, ingestionJobId: ingestionJob?.ingestionJobId };
    expect(ingestionJob?.status).toBe('STARTING');
    await local.restart();

    expect((await local.agent.send(new GetIngestionJobCommand(ids))).ingestionJob?.status).toBe('STARTING');
    const again = await local.agent.send(
      new StartIngestionJobCommand({ knowledgeBaseId, dataSourceId, clientToken: 'once-only-token-0123456789abcdef0123' }),
    );
    expect(again.ingestionJob?.ingestionJobId).toBe(ids.ingestionJobId);
    clock.advance(1_000);
    const done = await eventually(async () => {
      const { ingestionJob: job } = await local.agent.send(new GetIngestionJobCommand(ids));
      return job?.status === 'COMPLETE' ? job : undefined;
    });
    expect(done.statistics).toMatchObject({ numberOfDocumentsScanned: 1, numberOfNewDocumentsIndexed: 1 });
  }, 60_000);
});

describe('the start-up report across a restart', () => {
  const local = restartableRuntime({
    assembly: synthApp,
    ownsAssembly: true,
    clients: ({ url }) => ({ agent: new BedrockAgentClient(sdkConfig(url)) }),
  });

  it("counts each knowledge base's data sources as ListDataSources answers them, the API's kept beside the template's", async () => {
    const templateKb = local.runtime.template.app.stacks[0]?.resources.find((r) => r.type === 'AWS::Bedrock::KnowledgeBase')?.ref ?? '';
    const s3Source = (name: string) => ({
      name,
      dataSourceConfiguration: { type: 'S3' as const, s3Configuration: { bucketArn: 'arn:aws:s3:::kb-restart' } },
    });
    await local.agent.send(new CreateDataSourceCommand({ knowledgeBaseId: templateKb, ...s3Source('more-docs') }));
    const { knowledgeBase } = await local.agent.send(
      new CreateKnowledgeBaseCommand({
        name: 'by-api',
        roleArn: 'arn:aws:iam::000000000000:role/kb-role',
        knowledgeBaseConfiguration: {
          type: 'VECTOR',
          vectorKnowledgeBaseConfiguration: { embeddingModelArn: `arn:aws:bedrock:${region}::foundation-model/cohere.embed-english-v3` },
        },
      }),
    );
    const apiKb = knowledgeBase?.knowledgeBaseId ?? '';
    await local.agent.send(new CreateDataSourceCommand({ knowledgeBaseId: apiKb, ...s3Source('api-docs') }));
    await local.restart();

    const listed = async (knowledgeBaseId: string) =>
      (await local.agent.send(new ListDataSourcesCommand({ knowledgeBaseId }))).dataSourceSummaries?.length;
    expect([await listed(templateKb), await listed(apiKb)]).toEqual([2, 1]);
    const reported = (await local.runtime.serviceReports()).flatMap((report) => report.lines ?? []).join('\n');
    expect(reported).toContain(`knowledge base kb (${templateKb}): 2 data source(s);`);
    expect(reported).toContain(
      `knowledge base by-api (${apiKb}): 1 data source(s); it names no vector store: the local vector index (knowledge-bases.sqlite) serves it`,
    );
  }, 60_000);
});
