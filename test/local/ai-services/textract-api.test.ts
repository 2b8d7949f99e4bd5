import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  AnalyzeDocumentCommand,
  DetectDocumentTextCommand,
  GetDocumentTextDetectionCommand,
  StartDocumentTextDetectionCommand,
  TextractClient,
} from '@aws-sdk/client-textract';
import { beforeAll, describe, expect, it } from 'vitest';
import { textPdf } from '../../helpers/text-pdf.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, s3Client, sdkConfig } from '../restartable-runtime.js';

describe('Textract on the endpoint', () => {
  const app = restartableRuntime({
    assembly: () => assemblyOf({ Docs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'docs' } } }),
    ownsAssembly: true,
    clients: (runtime) => ({
      textract: new TextractClient(sdkConfig(runtime.url)),
      s3: s3Client(runtime.url),
    }),
  });
  beforeAll(async () => {
    await app.s3.send(
      new PutObjectCommand({
        Bucket: 'docs',
        Key: 'invoice.pdf',
        Body: textPdf([['Invoice number: 4711', 'Total due: 120.00 EUR']], true),
      }),
    );
    await app.s3.send(new PutObjectCommand({ Bucket: 'docs', Key: 'two-pages.pdf', Body: textPdf([['first page'], ['second page']]) }));
    await app.s3.send(new PutObjectCommand({ Bucket: 'docs', Key: 'blob.bin', Body: Buffer.from([0, 1, 2, 3, 255, 254]) }));
  });

  it('reads the lines and words of a PDF in S3, each with its geometry', async () => {
    const answer = await app.textract.send(
      new DetectDocumentTextCommand({ Document: { S3Object: { Bucket: 'docs', Name: 'invoice.pdf' } } }),
    );
    const lines = answer.Blocks?.filter((b) => b.BlockType === 'LINE');
    expect(lines?.map((b) => b.Text)).toEqual(['Invoice number: 4711', 'Total due: 120.00 EUR']);
    expect(answer.Blocks?.filter((b) => b.BlockType === 'WORD').map((b) => b.Text)).toEqual([
      'Invoice',
      'number:',
      '4711',
      'Total',
      'due:',
      '120.00',
      'EUR',
    ]);
    expect(answer.DocumentMetadata?.Pages).toBe(1);
    expect(lines?.[0]?.Geometry?.BoundingBox?.Top).toBeLessThan(lines?.[1]?.Geometry?.BoundingBox?.Top ?? 0);
    const page = answer.Blocks?.find((b) => b.BlockType === 'PAGE');
    expect(page?.Relationships?.[0]?.Ids).toEqual(lines?.map((l) => l.Id));
  });

  it('reads a PDF given as bytes, and answers a query from its fields', async () => {
    const answer = await app.textract.send(
      new AnalyzeDocumentCommand({
        Document: { Bytes: textPdf([['Patient: Ada Lovelace', 'Date of birth: 1815-12-10']]) },
        FeatureTypes: ['FORMS', 'QUERIES'],
        QueriesConfig: { Queries: [{ Text: 'What is the date of birth?' }] },
      }),
    );
    const keys = answer.Blocks?.filter((b) => b.BlockType === 'KEY_VALUE_SET' && b.EntityTypes?.includes('KEY'));
    expect(keys).toHaveLength(2);
    expect(answer.Blocks?.find((b) => b.BlockType === 'QUERY_RESULT')?.Text).toBe('1815-12-10');
  });

  const UNSUPPORTED = { name: 'UnsupportedDocumentException', message: 'Request has unsupported document format' };
  it.each([
    ['the document is a text file, which Textract does not read', { Bytes: Buffer.from('Total due: 120.00 EUR\n') }, UNSUPPORTED],
    ['the document is of a format Textract does not read', { S3Object: { Bucket: 'docs', Name: 'blob.bin' } }, UNSUPPORTED],
    [
      'a synchronous call is given a document of several pages',
      { S3Object: { Bucket: 'docs', Name: 'two-pages.pdf' } },
      { name: 'UnsupportedDocumentException' },
    ],
    [
      'the S3 object does not exist',
      { S3Object: { Bucket: 'docs', Name: 'missing.pdf' } },
      {
        name: 'InvalidS3ObjectException',
        message: 'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
      },
    ],
  ])('fails if %s', async (_what, Document, refusal) => {
    await expect(app.textract.send(new DetectDocumentTextCommand({ Document }))).rejects.toMatchObject(refusal);
  });

  it('fails if the request breaks the model, with the validation message AWS gives', async () => {
    await expect(
      app.textract.send(new AnalyzeDocumentCommand({ Document: { Bytes: Buffer.from('x') }, FeatureTypes: ['NOT_A_FEATURE' as never] })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value '[NOT_A_FEATURE]' at 'featureTypes' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [TABLES, FORMS, QUERIES, SIGNATURES, LAYOUT]]",
    });
  });

  it('detects the text of a multi-page PDF in a job, its blocks paged by NextToken', async () => {
    const { JobId } = await app.textract.send(
      new StartDocumentTextDetectionCommand({ DocumentLocation: { S3Object: { Bucket: 'docs', Name: 'two-pages.pdf' } } }),
    );
    const first = await eventually(async () => {
      const got = await app.textract.send(new GetDocumentTextDetectionCommand({ JobId, MaxResults: 3 }));
      return got.JobStatus === 'SUCCEEDED' ? got : undefined;
    });
    expect(first.DocumentMetadata?.Pages).toBe(2);
    expect(first.Blocks).toHaveLength(3);
    const rest = await app.textract.send(new GetDocumentTextDetectionCommand({ JobId, NextToken: first.NextToken }));
    const lines = [...(first.Blocks ?? []), ...(rest.Blocks ?? [])].filter((b) => b.BlockType === 'LINE');
    expect(lines.map((b) => [b.Page, b.Text])).toEqual([
      [1, 'first page'],
      [2, 'second page'],
    ]);
    expect(rest.NextToken).toBeUndefined();
  });

  it('fails if the job id is unknown', async () => {
    await expect(app.textract.send(new GetDocumentTextDetectionCommand({ JobId: 'a'.repeat(64) }))).rejects.toMatchObject({
      name: 'InvalidJobIdException',
    });
  });
});
