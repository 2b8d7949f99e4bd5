import {
  BedrockAgentClient,
  CreateDataSourceCommand,
  CreateKnowledgeBaseCommand,
  DeleteKnowledgeBaseCommand,
  GetIngestionJobCommand,
  GetKnowledgeBaseCommand,
  ListDataSourcesCommand,
  ListIngestionJobsCommand,
  StartIngestionJobCommand,
} from '@aws-sdk/client-bedrock-agent';
import { BedrockAgentRuntimeClient, RetrieveAndGenerateCommand, RetrieveCommand } from '@aws-sdk/client-bedrock-agent-runtime';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthStack } from '../../cdk-stack.js';
import { credentials, eventually, region } from '../../helpers.js';
import { restartableRuntime, roleConfig, sdkConfig } from '../../restartable-runtime.js';

const EMBEDDING = `arn:aws:bedrock:${region}::foundation-model/amazon.titan-embed-text-v2:0`;
const GENERATOR = `arn:aws:bedrock:${region}::foundation-model/amazon.nova-lite-v1:0`;

/** A knowledge base on an S3 bucket, as an app declares it: OpenSearch Serverless storage, fixed-size chunks. */
function synthKnowledgeBaseApp(): string {
  return synthStack('Docs', (stack) => {
    const bucket = new s3.Bucket(stack, 'Documents', { bucketName: 'kb-documents' });
    const kb = new bedrock.CfnKnowledgeBase(stack, 'Handbook', {
      name: 'handbook',
      roleArn: 'arn:aws:iam::000000000000:role/kb-role',
      knowledgeBaseConfiguration: {
        type: 'VECTOR',
        vectorKnowledgeBaseConfiguration: {
          embeddingModelArn: EMBEDDING,
          embeddingModelConfiguration: { bedrockEmbeddingModelConfiguration: { dimensions: 512 } },
        },
      },
      storageConfiguration: {
        type: 'OPENSEARCH_SERVERLESS',
        opensearchServerlessConfiguration: {
          collectionArn: 'arn:aws:aoss:us-east-1:000000000000:collection/abc',
          vectorIndexName: 'index',
          fieldMapping: { vectorField: 'v', textField: 't', metadataField: 'm' },
        },
      },
    });
    const reader = new iam.Role(stack, 'Reader', { roleName: 'Reader', assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    reader.addToPolicy(new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: [kb.attrKnowledgeBaseArn] }));
    new iam.Role(stack, 'Stranger', { roleName: 'Stranger', assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    new bedrock.CfnDataSource(stack, 'Policies', {
      knowledgeBaseId: kb.attrKnowledgeBaseId,
      name: 'policies',
      dataSourceConfiguration: { type: 'S3', s3Configuration: { bucketArn: bucket.bucketArn, inclusionPrefixes: ['policies/'] } },
      vectorIngestionConfiguration: {
        chunkingConfiguration: {
          chunkingStrategy: 'FIXED_SIZE',
          fixedSizeChunkingConfiguration: { maxTokens: 100, overlapPercentage: 10 },
        },
      },
    });
    // A flow grounded in the documents: the question in, RetrieveAndGenerate's answer out.
    const ask = new tasks.CallAwsService(stack, 'Ask', {
      service: 'bedrockagentruntime',
      action: 'retrieveAndGenerate',
      iamAction: 'bedrock:RetrieveAndGenerate',
      iamResources: ['*'],
      additionalIamStatements: [
        new iam.PolicyStatement({ actions: ['bedrock:Retrieve'], resources: [kb.attrKnowledgeBaseArn] }),
        new iam.PolicyStatement({ actions: ['bedrock:InvokeModel'], resources: [GENERATOR] }),
      ],
      parameters: {
        Input: { Text: sfn.JsonPath.stringAt('$.question') },
        RetrieveAndGenerateConfiguration: {
          Type: 'KNOWLEDGE_BASE',
          KnowledgeBaseConfiguration: { KnowledgeBaseId: kb.attrKnowledgeBaseId, ModelArn: GENERATOR },
        },
      },
    });
    new sfn.StateMachine(stack, 'Answer', { stateMachineName: 'answer', definitionBody: sfn.DefinitionBody.fromChainable(ask) });
  });
}

const DOCUMENTS: Record<string, string> = {
  'policies/refunds.md': '# Refunds\n\nA refund is issued within 14 days of the returned item reaching our warehouse.',
  'policies/refunds.md.metadata.json': JSON.stringify({ metadataAttributes: { department: 'finance', year: 2025 } }),
  'policies/holidays.txt': 'The office is closed on public holidays. Staff get 25 days of paid leave a year.',
  'policies/security.html': '<html><body><h1>Security</h1><p>Badges must be worn at all times inside the building.</p></body></html>',
  'policies/scan.png': 'not a document Bedrock reads',
  'other/ignored.txt': 'Refunds are never issued on Tuesdays.',
};

describe('Bedrock knowledge bases in the local runtime', () => {
  const lines: string[] = [];
  const local = restartableRuntime({
    assembly: synthKnowledgeBaseApp,
    ownsAssembly: true,
    options: { iam: 'enforce', log: (line) => lines.push(line), logEvents: true },
    clients: (runtime) => ({
      agent: new BedrockAgentClient(sdkConfig(runtime.url)),
      agentRuntime: new BedrockAgentRuntimeClient(sdkConfig(runtime.url)),
    }),
  });
  let kbId: string;
  let dsId: string;

  beforeAll(async () => {
    const s3Client = new S3Client({ ...sdkConfig(local.runtime.url), forcePathStyle: true });
    for (const [key, body] of Object.entries(DOCUMENTS)) {
      await s3Client.send(new PutObjectCommand({ Bucket: 'kb-documents', Key: key, Body: body }));
    }
    s3Client.destroy();
    const kbResource = local.runtime.template.app.stacks[0]?.resources.find((r) => r.type === 'AWS::Bedrock::KnowledgeBase');
    kbId = kbResource?.ref ?? '';
    dsId = (await local.agent.send(new ListDataSourcesCommand({ knowledgeBaseId: kbId }))).dataSourceSummaries?.[0]?.dataSourceId ?? '';
  });

  it('serves the template knowledge base, and reports its vector store as the local index', async () => {
    const { knowledgeBase } = await local.agent.send(new GetKnowledgeBaseCommand({ knowledgeBaseId: kbId }));
    expect(knowledgeBase).toMatchObject({ name: 'handbook', status: 'ACTIVE', storageConfiguration: { type: 'OPENSEARCH_SERVERLESS' } });
    expect(knowledgeBase?.createdAt).toBeInstanceOf(Date);
    const reported = (await local.runtime.serviceReports()).flatMap((report) => report.lines ?? []);
    expect(reported.join('\n')).toMatch(/knowledge base handbook .*OPENSEARCH_SERVERLESS vector store is the local vector index/);
  });

  it('ingests the documents under the inclusion prefix, counting the one it cannot read as failed with its reason', async () => {
    const { ingestionJob } = await local.agent.send(new StartIngestionJobCommand({ knowledgeBaseId: kbId, dataSourceId: dsId }));
    expect(ingestionJob?.status).toMatch(/STARTING|IN_PROGRESS/);
    const done = await eventually(async () => {
      const { ingestionJob: job } = await local.agent.send(
        new GetIngestionJobCommand({ knowledgeBaseId: kbId, dataSourceId: dsId, ingestionJobId: ingestionJob?.ingestionJobId }),
      );
      return job?.status === 'COMPLETE' ? job : undefined;
    });
    expect(done.statistics).toMatchObject({
      numberOfDocumentsScanned: 4,
      numberOfMetadataDocumentsScanned: 1,
      numberOfNewDocumentsIndexed: 3,
      numberOfDocumentsFailed: 1,
    });
    expect(done.failureReasons).toEqual([expect.stringContaining('s3://kb-documents/policies/scan.png has an unsupported file format')]);
    const { ingestionJobSummaries } = await local.agent.send(new ListIngestionJobsCommand({ knowledgeBaseId: kbId, dataSourceId: dsId }));
    expect(ingestionJobSummaries?.map((job) => job.ingestionJobId)).toEqual([ingestionJob?.ingestionJobId]);
  });

  it('retrieves the chunk that answers a question first, with its source, score and metadata', async () => {
    const { retrievalResults } = await local.agentRuntime.send(
      new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: 'How long does a refund take?' } }),
    );
    expect(retrievalResults?.[0]).toMatchObject({
      content: { text: expect.stringContaining('14 days') },
      location: { type: 'S3', s3Location: { uri: 's3://kb-documents/policies/refunds.md' } },
      metadata: { department: 'finance', year: 2025, 'x-amz-bedrock-kb-source-uri': 's3://kb-documents/policies/refunds.md' },
    });
    expect(retrievalResults?.[0]?.score).toBeGreaterThan(retrievalResults?.[1]?.score ?? 1);
    const filtered = await local.agentRuntime.send(
      new RetrieveCommand({
        knowledgeBaseId: kbId,
        retrievalQuery: { text: 'How long does a refund take?' },
        retrievalConfiguration: {
          vectorSearchConfiguration: { numberOfResults: 5, filter: { notEquals: { key: 'department', value: 'finance' } } },
        },
      }),
    );
    expect(filtered.retrievalResults?.map((r) => r.location?.s3Location?.uri)).not.toContain('s3://kb-documents/policies/refunds.md');
  });

  it('answers with RetrieveAndGenerate citing the S3 document that holds the answer', async () => {
    const answer = await local.agentRuntime.send(
      new RetrieveAndGenerateCommand({
        input: { text: 'How many days of paid leave do staff get?' },
        retrieveAndGenerateConfiguration: {
          type: 'KNOWLEDGE_BASE',
          knowledgeBaseConfiguration: { knowledgeBaseId: kbId, modelArn: GENERATOR },
        },
      }),
    );
    expect(answer.output?.text).toContain('25 days of paid leave');
    expect(answer.sessionId).toBeTruthy();
    const citation = answer.citations?.[0];
    expect(citation?.generatedResponsePart?.textResponsePart?.span).toEqual({ start: 0, end: (answer.output?.text?.length ?? 0) - 1 });
    expect(citation?.retrievedReferences?.map((r) => r.location?.s3Location?.uri)).toEqual(['s3://kb-documents/policies/holidays.txt']);
  });

  it('fails if the query has no text, the knowledge base is unknown or the model is not served', async () => {
    await expect(
      local.agentRuntime.send(new RetrieveCommand({ knowledgeBaseId: kbId, retrievalQuery: { text: '' } })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(
      local.agentRuntime.send(new RetrieveCommand({ knowledgeBaseId: 'NOSUCHKB00', retrievalQuery: { text: 'refund' } })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining("doesn't exist"),
    });
    await expect(
      local.agentRuntime.send(
        new RetrieveAndGenerateCommand({
          input: { text: 'refund?' },
          retrieveAndGenerateConfiguration: {
            type: 'KNOWLEDGE_BASE',
            knowledgeBaseConfiguration: {
              knowledgeBaseId: kbId,
              modelArn: `arn:aws:bedrock:${region}::foundation-model/no.such-model-v1:0`,
            },
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: 'The provided model identifier is invalid.' });
  });

  it('authorizes Retrieve on the knowledge base ARN, and fails if the role is not granted bedrock:Retrieve, with AccessDeniedException', async () => {
    const as = (role: string) =>
      new BedrockAgentRuntimeClient({
        ...roleConfig(local.runtime, `arn:aws:iam::000000000000:role/${role}`, 'fn'),
        maxAttempts: 1,
      });
    const query = { knowledgeBaseId: kbId, retrievalQuery: { text: 'refund' } };
    expect((await as('Reader').send(new RetrieveCommand(query))).retrievalResults?.length).toBeGreaterThan(0);
    await expect(as('Stranger').send(new RetrieveCommand(query))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(
        `is not authorized to perform: bedrock:Retrieve on resource: arn:aws:bedrock:${region}:000000000000:knowledge-base/${kbId}`,
      ),
    });
  });

  it('answers a question in a state machine through aws-sdk:bedrockagentruntime:retrieveAndGenerate, citing the document', async () => {
    const states = new SFNClient({ endpoint: local.runtime.url, region, credentials });
    const { executionArn } = await states.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:answer`,
        input: JSON.stringify({ question: 'Must badges be worn inside the building?' }),
      }),
    );
    const ended = await eventually(async () => {
      const execution = await states.send(new DescribeExecutionCommand({ executionArn }));
      return execution.status === 'RUNNING' ? undefined : execution;
    });
    expect([ended.status, ended.error, ended.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    const output = JSON.parse(ended.output ?? '{}');
    expect(output.Output.Text).toContain('Badges must be worn');
    expect(output.Citations[0].RetrievedReferences[0].Location.S3Location.Uri).toBe('s3://kb-documents/policies/security.html');
  });

  it('creates a knowledge base and a data source through the API, ingests it with NONE chunking, and deletes it', async () => {
    const { knowledgeBase } = await local.agent.send(
      new CreateKnowledgeBaseCommand({
        name: 'by-api',
        roleArn: 'arn:aws:iam::000000000000:role/kb-role',
        knowledgeBaseConfiguration: { type: 'VECTOR', vectorKnowledgeBaseConfiguration: { embeddingModelArn: EMBEDDING } },
        storageConfiguration: {
          type: 'PINECONE',
          pineconeConfiguration: {
            connectionString: 'https://x',
            credentialsSecretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:x',
            fieldMapping: { textField: 't', metadataField: 'm' },
          },
        },
      }),
    );
    const knowledgeBaseId = knowledgeBase?.knowledgeBaseId ?? '';
    expect(knowledgeBaseId).toMatch(/^[A-Z0-9]{10}$/);
    const { dataSource } = await local.agent.send(
      new CreateDataSourceCommand({
        knowledgeBaseId,
        name: 'whole-files',
        dataSourceConfiguration: {
          type: 'S3',
          s3Configuration: { bucketArn: 'arn:aws:s3:::kb-documents', inclusionPrefixes: ['policies/holidays'] },
        },
        vectorIngestionConfiguration: { chunkingConfiguration: { chunkingStrategy: 'NONE' } },
      }),
    );
    const ids = { knowledgeBaseId, dataSourceId: dataSource?.dataSourceId ?? '' };
    const { ingestionJob } = await local.agent.send(new StartIngestionJobCommand(ids));
    await eventually(async () => {
      const { ingestionJob: job } = await local.agent.send(
        new GetIngestionJobCommand({ ...ids, ingestionJobId: ingestionJob?.ingestionJobId }),
      );
      return job?.status === 'COMPLETE' ? job : undefined;
    });
    const { retrievalResults } = await local.agentRuntime.send(
      new RetrieveCommand({ knowledgeBaseId, retrievalQuery: { text: 'paid leave' } }),
    );
    expect(retrievalResults?.map((r) => r.content?.text)).toEqual([DOCUMENTS['policies/holidays.txt']]);
    expect((await local.agent.send(new DeleteKnowledgeBaseCommand({ knowledgeBaseId }))).status).toBe('DELETING');
    await expect(local.agent.send(new GetKnowledgeBaseCommand({ knowledgeBaseId }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(local.agent.send(new DeleteKnowledgeBaseCommand({ knowledgeBaseId: kbId }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("declared by the app's template"),
    });
  });
});
