import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetDocumentAnalysisCommand, StartDocumentAnalysisCommand, TextractClient } from '@aws-sdk/client-textract';
import { beforeAll, describe, expect, it } from 'vitest';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { textPdf } from '../../helpers/text-pdf.js';
import { assemblyOf } from '../assembly.js';
import { dynamoDbClient, eventually, executionEnded, region } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';
import { ROLE } from '../states/helpers.js';
import { stateMachine } from '../template-resources.js';

/** The document pipeline of issue 55: Textract reads the uploaded document, Bedrock summarizes its text, DynamoDB keeps both. */
const PIPELINE = {
  StartAt: 'Read',
  States: {
    Read: {
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:textract:detectDocumentText',
      Parameters: { Document: { S3Object: { Bucket: 'docs', 'Name.$': '$.key' } } },
      ResultSelector: { 'lines.$': "$.Blocks[?(@.BlockType == 'LINE')].Text" },
      ResultPath: '$.text',
      Next: 'Summarize',
    },
    Summarize: {
      Type: 'Task',
      Resource: 'arn:aws:states:::bedrock:invokeModel',
      Parameters: {
        ModelId: 'amazon.nova-lite-v1:0',
        Body: {
          messages: [{ role: 'user', content: [{ 'text.$': "States.Format('Summarize: {}', States.ArrayGetItem($.text.lines, 0))" }] }],
        },
      },
      ResultSelector: { 'summary.$': '$.Body.output.message.content[0].text' },
      ResultPath: '$.model',
      Next: 'Keep',
    },
    Keep: {
      Type: 'Task',
      Resource: 'arn:aws:states:::dynamodb:putItem',
      Parameters: {
        TableName: 'documents',
        Item: { key: { 'S.$': '$.key' }, firstLine: { 'S.$': '$.text.lines[0]' }, summary: { 'S.$': '$.model.summary' } },
      },
      End: true,
    },
  },
};

describe('Textract in flows', () => {
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Docs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'docs' } },
        Documents: tableResource('documents', { key: { key: 'S' } }),
        Pipeline: stateMachine(PIPELINE, { StateMachineName: 'pipeline', RoleArn: ROLE }),
      }),
    ownsAssembly: true,
    clients: (runtime) => ({
      s3: s3Client(runtime.url),
      sfn: new SFNClient(sdkConfig(runtime.url)),
      textract: new TextractClient(sdkConfig(runtime.url)),
      dynamodb: dynamoDbClient(runtime.url),
    }),
  });
  beforeAll(async () => {
    await app.s3.send(
      new PutObjectCommand({ Bucket: 'docs', Key: 'letter.pdf', Body: textPdf([['Dear customer, your refund is on its way.']]) }),
    );
  });

  /** Runs the pipeline state machine on the document `key` of the bucket; the execution as it ended. */
  async function runPipeline(key: string) {
    const { executionArn } = await app.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `arn:aws:states:${region}:000000000000:stateMachine:pipeline`,
        input: JSON.stringify({ key }),
      }),
    );
    return await executionEnded(app.sfn, executionArn as string);
  }

  it('runs a state machine that reads a document with aws-sdk:textract, asks Bedrock and keeps the answer in DynamoDB', async () => {
    const ended = await runPipeline('letter.pdf');
    expect(ended.status).toBe('SUCCEEDED');
    const { Item } = await app.dynamodb.send(new GetItemCommand({ TableName: 'documents', Key: { key: { S: 'letter.pdf' } } }));
    expect(Item?.firstLine?.S).toBe('Dear customer, your refund is on its way.');
    expect(Item?.summary?.S).toContain('Dear customer');
  });

  it('fails the task with Textract.<Exception> as the Java SDK names it, if the document is missing', async () => {
    const ended = await runPipeline('nothing.pdf');
    expect(ended.status).toBe('FAILED');
    expect(ended.error).toBe('Textract.InvalidS3ObjectException');
  });

  it('finishes an accepted analysis job after the runtime restarts', async () => {
    const { JobId } = await app.textract.send(
      new StartDocumentAnalysisCommand({ DocumentLocation: { S3Object: { Bucket: 'docs', Name: 'letter.pdf' } }, FeatureTypes: ['FORMS'] }),
    );
    expect((await app.textract.send(new GetDocumentAnalysisCommand({ JobId }))).JobStatus).toBe('IN_PROGRESS');
    await app.restart();
    const done = await eventually(async () => {
      const got = await app.textract.send(new GetDocumentAnalysisCommand({ JobId }));
      return got.JobStatus === 'IN_PROGRESS' ? undefined : got;
    });
    expect(done.JobStatus).toBe('SUCCEEDED');
    expect(done.Blocks?.find((b) => b.BlockType === 'LINE')?.Text).toBe('Dear customer, your refund is on its way.');
  });
});
