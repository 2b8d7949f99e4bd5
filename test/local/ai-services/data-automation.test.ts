import {
  BedrockDataAutomationRuntimeClient,
  GetDataAutomationStatusCommand,
  type GetDataAutomationStatusCommandOutput,
  InvokeDataAutomationAsyncCommand,
} from '@aws-sdk/client-bedrock-data-automation-runtime';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdvanceableClock } from '../../../local/time/clock.js';
import { textPdf } from '../../helpers/text-pdf.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { restartableRuntime, roleConfig, s3Client, sdkConfig } from '../restartable-runtime.js';

const ACCOUNT = '000000000000';
const PROFILE = `arn:aws:bedrock:${region}:${ACCOUNT}:data-automation-profile/us.data-automation-v1`;
/** Past a job's time in the queue and at work (seconds on AWS's clock, on the test's here). */
const JOB_TIME_MS = 60_000;

/** Reads a JSON object the runtime wrote to S3. */
async function json(s3: S3Client, uri: string): Promise<Record<string, unknown>> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri) as RegExpExecArray;
  const object = await s3.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  return JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString());
}

describe('Bedrock Data Automation', () => {
  // One clock across the restart: the jobs' times are on it.
  const clock = new AdvanceableClock();
  const app = restartableRuntime({
    assembly: () =>
      assemblyOf({
        Docs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'docs' } },
        Events: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'bda-events' } },
        EventsPolicy: {
          Type: 'AWS::SQS::QueuePolicy',
          Properties: {
            Queues: [{ Ref: 'Events' }],
            PolicyDocument: {
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'events.amazonaws.com' },
                  Action: 'sqs:SendMessage',
                  Resource: { 'Fn::GetAtt': ['Events', 'Arn'] },
                },
              ],
            },
          },
        },
        Done: {
          Type: 'AWS::Events::Rule',
          Properties: {
            EventPattern: { source: ['aws.bedrock'], 'detail-type': [{ prefix: 'Bedrock Data Automation Job' }] },
            Targets: [{ Id: 'Queue', Arn: { 'Fn::GetAtt': ['Events', 'Arn'] } }],
          },
        },
        Invoice: {
          Type: 'AWS::Bedrock::Blueprint',
          Properties: {
            BlueprintName: 'invoice',
            Type: 'DOCUMENT',
            Schema: {
              $schema: 'http://json-schema.org/draft-07/schema#',
              class: 'invoice',
              type: 'object',
              properties: {
                invoice_number: { type: 'string', inferenceType: 'explicit', instruction: 'The invoice number' },
                total_due: { type: 'number', inferenceType: 'explicit', instruction: 'The amount due' },
              },
            },
          },
        },
        Project: {
          Type: 'AWS::Bedrock::DataAutomationProject',
          Properties: { ProjectName: 'invoices', CustomOutputConfiguration: { Blueprints: [{ BlueprintArn: { Ref: 'Invoice' } }] } },
        },
        Reader: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
            },
            RoleName: 'Reader',
            Policies: [
              {
                PolicyName: 'read',
                PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::docs/*' }] },
              },
            ],
          },
        },
      }),
    ownsAssembly: true,
    options: { iam: 'enforce', clock },
    clients: (runtime) => ({
      bda: new BedrockDataAutomationRuntimeClient({ ...sdkConfig(runtime.url), maxAttempts: 1 }),
      s3: s3Client(runtime.url),
    }),
  });
  const ref = (type: string) => app.runtime.template.app.stacks[0]?.resources.find((r) => r.type === type)?.ref as string;
  const invoke = (input: Partial<ConstructorParameters<typeof InvokeDataAutomationAsyncCommand>[0]>, client = app.bda) =>
    client.send(
      new InvokeDataAutomationAsyncCommand({
        inputConfiguration: { s3Uri: 's3://docs/invoice.pdf' },
        outputConfiguration: { s3Uri: 's3://docs/out' },
        dataAutomationProfileArn: PROFILE,
        ...input,
      }),
    );
  const ended = (invocationArn: string | undefined) => {
    clock.advance(JOB_TIME_MS);
    return eventually(async () => {
      const status = await app.bda.send(new GetDataAutomationStatusCommand({ invocationArn }));
      return status.status === 'Created' || status.status === 'InProgress' ? undefined : status;
    });
  };

  beforeAll(async () => {
    await app.s3.send(
      new PutObjectCommand({
        Bucket: 'docs',
        Key: 'invoice.pdf',
        Body: textPdf([['Invoice from Acme', 'Invoice number: 4711'], ['Total due: 120.50']], true),
      }),
    );
    await app.s3.send(new PutObjectCommand({ Bucket: 'docs', Key: 'notes.txt', Body: 'plain text is not a document BDA reads' }));
  });

  it("writes the document's text by page and element to its standard output, pointed at by job_metadata.json", async () => {
    const { invocationArn } = await invoke({});
    expect(invocationArn).toMatch(new RegExp(`^arn:aws:bedrock:${region}:${ACCOUNT}:data-automation-invocation/[a-z0-9]+$`));
    const status = await ended(invocationArn);
    expect(status.status).toBe('Success');
    const id = invocationArn?.split('/').pop();
    expect(status.outputConfiguration?.s3Uri).toBe(`s3://docs/out/${id}/job_metadata.json`);
    const metadata = await json(app.s3, status.outputConfiguration?.s3Uri as string);
    const segment = (metadata as { output_metadata: { segment_metadata: { standard_output_path: string }[] }[] }).output_metadata[0]
      ?.segment_metadata[0];
    expect(segment?.standard_output_path).toBe(`s3://docs/out/${id}/0/standard_output/0/result.json`);
    const result = await json(app.s3, segment?.standard_output_path as string);
    expect(result).toMatchObject({
      metadata: { semantic_modality: 'DOCUMENT', number_of_pages: 2, s3_bucket: 'docs', s3_key: 'invoice.pdf' },
      document: { representation: { text: 'Invoice from Acme\nInvoice number: 4711\n\nTotal due: 120.50' } },
      pages: [
        { page_index: 0, representation: { markdown: '# Invoice from Acme\n\nInvoice number: 4711' } },
        { page_index: 1, representation: { text: 'Total due: 120.50' } },
      ],
    });
    expect((result.elements as { sub_type: string }[]).map((e) => e.sub_type)).toEqual(['TITLE', 'PARAGRAPH', 'PARAGRAPH']);
  });

  it("writes a project's blueprint fields from the document to the custom output", async () => {
    const { invocationArn } = await invoke({
      dataAutomationConfiguration: { dataAutomationProjectArn: ref('AWS::Bedrock::DataAutomationProject') },
    });
    const status = await ended(invocationArn);
    const metadata = await json(app.s3, status.outputConfiguration?.s3Uri as string);
    const segment = (metadata as { output_metadata: { segment_metadata: Record<string, string>[] }[] }).output_metadata[0]
      ?.segment_metadata[0];
    expect(segment?.custom_output_status).toBe('MATCH');
    const custom = await json(app.s3, segment?.custom_output_path as string);
    expect(custom).toMatchObject({
      matched_blueprint: { arn: ref('AWS::Bedrock::Blueprint'), name: 'invoice' },
      inference_result: { invoice_number: '4711', total_due: 120.5 },
    });
  });

  it('puts Bedrock Data Automation Job Succeeded on the default bus when EventBridge notification is enabled', async () => {
    const { invocationArn } = await invoke({ notificationConfiguration: { eventBridgeConfiguration: { eventBridgeEnabled: true } } });
    const id = invocationArn?.split('/').pop();
    clock.advance(JOB_TIME_MS);
    const sqs = new SQSClient({ endpoint: app.runtime.url, region, credentials });
    const queueUrl = `${app.runtime.url}/${ACCOUNT}/bda-events`;
    const event = await eventually(async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));
      return Messages?.[0] ? JSON.parse(Messages[0].Body as string) : undefined;
    });
    sqs.destroy();
    expect(event).toMatchObject({
      source: 'aws.bedrock',
      'detail-type': 'Bedrock Data Automation Job Succeeded',
      detail: {
        job_id: id,
        job_status: 'SUCCESS',
        semantic_modality: 'Document',
        input_s3_object: { s3_bucket: 'docs', name: 'invoice.pdf' },
        output_s3_location: { s3_bucket: 'docs', name: `out/${id}` },
      },
    });
  });

  it('fails if the input is no format it reads, with a client error in the job', async () => {
    const { invocationArn } = await invoke({ inputConfiguration: { s3Uri: 's3://docs/notes.txt' } });
    const status: GetDataAutomationStatusCommandOutput = await ended(invocationArn);
    expect(status).toMatchObject({
      status: 'ClientError',
      errorType: 'ClientError',
      errorMessage: expect.stringMatching(/^Unsupported file format/),
    });
  });

  it('fails if an S3 URI is not s3://, or the project is unknown, with ValidationException', async () => {
    await expect(invoke({ inputConfiguration: { s3Uri: 'https://docs.s3.amazonaws.com/invoice.pdf' } })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(
        "at 'inputConfiguration.s3Uri' failed to satisfy constraint: Member must satisfy regular expression pattern",
      ),
    });
    const unknown = `arn:aws:bedrock:${region}:${ACCOUNT}:data-automation-project/nothere`;
    await expect(invoke({ dataAutomationConfiguration: { dataAutomationProjectArn: unknown } })).rejects.toMatchObject({
      name: 'ValidationException',
      message: `The data automation project ${unknown} does not exist.`,
    });
  });

  it('fails if the caller may not invoke data automation on the profile, with AccessDeniedException', async () => {
    const reader = new BedrockDataAutomationRuntimeClient({
      ...roleConfig(app.runtime, `arn:aws:iam::${ACCOUNT}:role/Reader`, 'fn'),
      maxAttempts: 1,
    });
    await expect(invoke({}, reader)).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`not authorized to perform: bedrock:InvokeDataAutomationAsync on resource: ${PROFILE}`),
    });
    reader.destroy();
  });

  it('finishes an accepted invocation after the runtime restarts', async () => {
    const { invocationArn } = await invoke({});
    expect((await app.bda.send(new GetDataAutomationStatusCommand({ invocationArn }))).status).toBe('Created');
    await app.restart();
    expect((await ended(invocationArn)).status).toBe('Success');
  });
});
