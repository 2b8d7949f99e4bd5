import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { S3Service } from '../../../local/s3/s3-service.js';
import { openDatabase } from '../../../local/store/data-folder.js';
import type { Template } from '../../../local/template/cloud-assembly.js';
import { ManualClock } from '../../../local/time/clock.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { rejectionOf } from '../helpers.js';
import { eventRule } from '../template-resources.js';

/**
 * A hand-written app: `uploads` sends its events to EventBridge, `quiet-bucket` does not,
 * a bucket with no name gets one from its stack and logical id, and a rule on the default
 * bus sends every `aws.s3` event to the `s3-events` queue.
 */
export const S3_TEMPLATE: Template = {
  Resources: {
    Uploads: {
      Type: 'AWS::S3::Bucket',
      Properties: { BucketName: 'uploads', NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } },
    },
    Quiet: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'quiet-bucket' } },
    Unnamed: { Type: 'AWS::S3::Bucket' },
    Events: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 's3-events' } },
    S3Rule: eventRule({ pattern: { source: ['aws.s3'] }, target: 'Events', id: 'queue' }),
  },
};

export function s3Assembly(template: Template = S3_TEMPLATE): string {
  return writeAssembly(tempAssemblyDir(), { Files: { template } });
}

/** The S3 error a call failed with (it must fail, and with one of the client's exceptions). */
export const errorOf = (promise: Promise<unknown>): Promise<S3ServiceException> => rejectionOf(promise, S3ServiceException);

/**
 * An S3Service of account 000000000000 on the data folder `dir` (its database and its objects
 * folder there), on a manual clock unless `options` says otherwise; `options` adds the rest.
 */
export function s3ServiceIn(dir: string, options: Partial<ConstructorParameters<typeof S3Service>[0]> = {}): S3Service {
  mkdirSync(path.join(dir, 'objects'), { recursive: true });
  return new S3Service({
    db: openDatabase(path.join(dir, 's3.sqlite')),
    folder: path.join(dir, 'objects'),
    clock: new ManualClock(),
    accountId: '000000000000',
    region: 'us-east-1',
    ...options,
  });
}
