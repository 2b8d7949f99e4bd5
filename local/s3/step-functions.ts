/**
 * S3's API operations as Step Functions reaches them (`arn:aws:states:::aws-sdk:s3:<action>`,
 * and a distributed Map's ItemReader and ResultWriter): the API's request and response
 * shapes over the local S3 service. Step Functions hands an object's `Body` as text: GetObject
 * answers it as it is, PutObject writes its JSON text, as its S3 SDK integration does.
 * https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
 */
import { randomUUID } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { StepFunctionsIntegrations } from '../states/task-integrations.js';
import { checksumOf } from './checksums.js';
import { S3_REQUEST, S3Api } from './s3-api.js';
import type { S3Service } from './s3-service.js';

type Input = Record<string, unknown>;
type Operation = (input: never) => Promise<unknown>;

/**
 * The S3 operations a state machine may call: S3Api's, which the endpoint serves too, called
 * from the service (not from a client on this machine), a missing Bucket or Key refused first.
 */
function s3SdkOperations(s3: S3Service): Readonly<Record<string, Operation>> {
  const api = new S3Api(s3);
  const op =
    (run: (input: Input) => Promise<Input>, required: readonly string[] = ['Bucket', 'Key']): Operation =>
    (input: never) =>
      S3_REQUEST.run({ requestId: randomUUID(), sourceIp: '127.0.0.1' }, async () => {
        for (const name of required) text(input, name);
        return run(input as Input);
      });
  return {
    GetObject: op(async (input) => {
      const { Body, ...answer } = await api.GetObject(input);
      return { ...answer, Body: (Body as Buffer).toString('utf8') };
    }),
    HeadObject: op((input) => api.HeadObject(input)),
    PutObject: op((input) => api.PutObject(putInput(input))),
    CopyObject: op((input) => api.CopyObject(input), ['Bucket', 'Key', 'CopySource']),
    DeleteObject: op((input) => api.DeleteObject(input)),
    ListObjects: op((input) => api.ListObjects(input), ['Bucket']),
    ListObjectsV2: op((input) => api.ListObjectsV2(input), ['Bucket']),
  };
}

/**
 * PutObject as AWS's integration sends it: the Body as its JSON text, a string too (`"text"`,
 * quotes and all), with the Java SDK's content type for text and its CRC32 of the body, which
 * S3 keeps as the object's checksum and answers. A Body of bytes (a distributed Map's
 * ResultWriter writes its files so) is written as it is.
 */
function putInput(input: Input): Input {
  const bytes = input.Body instanceof Uint8Array;
  const body = bytes
    ? Buffer.from(input.Body as Uint8Array)
    : Buffer.from(input.Body === undefined ? '' : JSON.stringify(input.Body), 'utf8');
  const contentType = typeof input.ContentType === 'string' ? input.ContentType : bytes ? undefined : 'text/plain; charset=UTF-8';
  return { ...input, Body: body, ContentType: contentType, ChecksumCRC32: checksumOf('crc32', body) };
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
