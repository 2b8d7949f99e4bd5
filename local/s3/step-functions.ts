/**
 * S3's API operations as Step Functions reaches them (`arn:aws:states:::aws-sdk:s3:<action>`,
 * and a distributed Map's ItemReader and ResultWriter): the API's request and response
 * shapes over the local S3 service. Step Functions hands an object's `Body` as text: GetObject
 * answers it as it is, PutObject writes its JSON text, as its S3 SDK integration does.
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import { checksumOf } from './checksums.js';
import { type S3Service, SERVER_SIDE_ENCRYPTION } from './s3-service.js';
import type { ObjectRecord } from './s3-store.js';

type Input = Record<string, unknown>;
type Operation = (input: never) => Promise<unknown>;

/** Step Functions calls S3 from the service, not from a client on this machine. */
const CONTEXT = () => ({ requestId: randomUUID(), sourceIp: '127.0.0.1' });

/** The S3 operations a state machine may call, over the local S3 service. */
function s3SdkOperations(s3: S3Service): Readonly<Record<string, Operation>> {
  const op =
    (run: (input: Input) => unknown): Operation =>
    (input: never) =>
      Promise.resolve().then(() => run(input as Input));
  return {
    GetObject: op((input) => {
      const { object, body } = s3.GetObject({ Bucket: text(input, 'Bucket'), Key: text(input, 'Key') });
      return { ...objectHeaders(object), AcceptRanges: 'bytes', Body: body.toString('utf8') };
    }),
    HeadObject: op((input) => {
      const object = s3.HeadObject({ Bucket: text(input, 'Bucket'), Key: text(input, 'Key') });
      return { ...objectHeaders(object), AcceptRanges: 'bytes' };
    }),
    PutObject: op((input) => putObject(s3, input)),
    CopyObject: op((input) => {
      const source = decodeURIComponent(text(input, 'CopySource')).replace(/^\//, '');
      const slash = source.indexOf('/');
      if (slash < 1) throw new AwsError('InvalidArgument', 'Invalid copy source object key', 400);
      const copied = s3.CopyObject(
        {
          Bucket: text(input, 'Bucket'),
          Key: text(input, 'Key'),
          SourceBucket: source.slice(0, slash),
          SourceKey: source.slice(slash + 1),
        },
        CONTEXT(),
      );
      return { CopyObjectResult: { ETag: copied.ETag, LastModified: new Date(copied.LastModified) } };
    }),
    DeleteObject: op((input) => {
      s3.DeleteObject({ Bucket: text(input, 'Bucket'), Key: text(input, 'Key') }, CONTEXT());
      return {};
    }),
    ListObjects: op((input) => listObjects(s3, input)),
    ListObjectsV2: op((input) => listObjectsV2(s3, input)),
  };
}

/**
 * PutObject as AWS's integration sends it: the Body as its JSON text, a string too (`"text"`,
 * quotes and all), with the Java SDK's content type for text and its CRC32 of the body, which
 * S3 keeps as the object's checksum and answers. A Body of bytes (a distributed Map's
 * ResultWriter writes its files so) is written as it is.
 */
function putObject(s3: S3Service, input: Input): unknown {
  const bytes = input.Body instanceof Uint8Array;
  const body = bytes
    ? Buffer.from(input.Body as Uint8Array)
    : Buffer.from(input.Body === undefined ? '' : JSON.stringify(input.Body), 'utf8');
  const contentType = typeof input.ContentType === 'string' ? input.ContentType : bytes ? undefined : 'text/plain; charset=UTF-8';
  const metadata = input.Metadata as Record<string, string> | undefined;
  const { ETag, Checksums } = s3.PutObject(
    {
      Bucket: text(input, 'Bucket'),
      Key: text(input, 'Key'),
      Body: body,
      ...(contentType === undefined ? {} : { ContentType: contentType }),
      Checksums: { crc32: checksumOf('crc32', body) },
      ...(metadata ? { Metadata: metadata } : {}),
    },
    CONTEXT(),
  );
  return { ChecksumCRC32: Checksums.crc32, ChecksumType: 'FULL_OBJECT', ETag, ServerSideEncryption: SERVER_SIDE_ENCRYPTION };
}

/**
 * One page of the bucket's objects, as both ListObjects versions read their input: the page, the
 * answer's members they share, and `optional` (a string member of the input, when given).
 */
function listing(s3: S3Service, input: Input, from: Record<string, string>) {
  const Bucket = text(input, 'Bucket');
  const MaxKeys = typeof input.MaxKeys === 'number' ? input.MaxKeys : 1000;
  const optional = (name: string) => (typeof input[name] === 'string' ? { [name]: input[name] as string } : {});
  const page = s3.ListObjects({ Bucket, MaxKeys, ...optional('Prefix'), ...optional('Delimiter'), ...from });
  const shared = {
    Contents: page.Contents.map(listedObject),
    CommonPrefixes: page.CommonPrefixes.map((Prefix) => ({ Prefix })),
    IsTruncated: page.IsTruncated,
  };
  const named = { MaxKeys, Name: Bucket, Prefix: typeof input.Prefix === 'string' ? input.Prefix : '', ...optional('Delimiter') };
  return { page, shared, named, optional };
}

/** ListObjects (version 1): a page after `Marker`; `NextMarker` when a delimiter is given and the page is truncated, as S3 answers. */
function listObjects(s3: S3Service, input: Input): unknown {
  const { page, shared, named } = listing(s3, input, typeof input.Marker === 'string' ? { StartAfter: input.Marker } : {});
  const last = [...page.Contents.map((o) => o.key), ...page.CommonPrefixes].sort().at(-1);
  return {
    ...shared,
    Marker: typeof input.Marker === 'string' ? input.Marker : '',
    ...named,
    ...(page.IsTruncated && typeof input.Delimiter === 'string' && last !== undefined ? { NextMarker: last } : {}),
  };
}

/** An object of a listing. */
function listedObject(o: { etag: string; key: string; lastModified: number; size: number }): Record<string, unknown> {
  return { ETag: `"${o.etag}"`, Key: o.key, LastModified: new Date(o.lastModified), Size: o.size, StorageClass: 'STANDARD' };
}

function listObjectsV2(s3: S3Service, input: Input): unknown {
  const given = (name: string) => (typeof input[name] === 'string' ? { [name]: input[name] as string } : {});
  const { page, shared, named, optional } = listing(s3, input, { ...given('StartAfter'), ...given('ContinuationToken') });
  return {
    ...shared,
    KeyCount: page.Contents.length + page.CommonPrefixes.length,
    ...named,
    ...optional('StartAfter'),
    ...optional('ContinuationToken'),
    ...(page.NextContinuationToken ? { NextContinuationToken: page.NextContinuationToken } : {}),
  };
}

/** What GetObject and HeadObject answer of an object besides its body. */
function objectHeaders(object: ObjectRecord): Record<string, unknown> {
  return {
    ContentLength: object.size,
    ContentType: object.contentType,
    ETag: `"${object.etag}"`,
    LastModified: new Date(object.lastModified),
    Metadata: { ...object.metadata },
    ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
  };
}

/** A required string member, or S3's answer for a request without it. */
function text(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('InvalidRequest', `Missing required parameter ${name}`, 400);
  }
  return value;
}

/** S3's Step Functions integrations: its operations above as `aws-sdk:s3` (no optimized integration). */
// Of the running service (LocalS3, module.ts), the tasks call its S3 service.
export const s3StepFunctions: StepFunctionsIntegrations<{ readonly s3: S3Service }> = {
  sdk: {
    s3: {
      name: 'S3',
      wireCase: 'pascal',
      extendedRequestId: true,
      // The service answers Date objects, which the integration writes as ISO-8601 text.
      model: { package: '@aws-sdk/client-s3', baseException: 'S3ServiceException' },
      operations: ({ s3 }) => s3SdkOperations(s3),
    },
  },
};
