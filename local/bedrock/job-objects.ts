import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError, validationError } from '../endpoint/aws-error.js';
import type { IamCheck } from '../iam/iam-check.js';
import type { IamPrincipal } from '../iam/types.js';
import type { S3Service } from '../s3/s3-service.js';
import { AsyncJobFailed } from '../store/async-jobs.js';
import type { OutboxHandlerError } from '../store/outbox.js';
import type { Clock } from '../time/clock.js';
import type { Body } from './families/shared.js';

/** What each Bedrock job API (asynchronous invocations, batch inference) runs on: the service's database, clock and place, the objects its jobs read and write. */
export interface JobApiOptions {
  readonly db: DatabaseSync;
  readonly clock: Clock;
  readonly region: string;
  readonly accountId: string;
  readonly objects: JobObjects;
  /** Told of a job's work that failed unexpectedly (AsyncJobs' `onError`). */
  readonly onError: (error: OutboxHandlerError) => void;
}

/** An `s3://bucket/prefix` location, split. */
export interface S3Location {
  readonly bucket: string;
  /** The key or prefix after the bucket, without its leading slash ('' for the bucket's root). */
  readonly key: string;
}

/** An `s3://` URI as its bucket and key; anything else is AWS's ValidationException naming what it takes. */
export function parseS3Uri(uri: string, member: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (match === null || match[1] === undefined) throw validationError(`The ${member} must be an S3 URI starting with s3://, not ${uri}.`);
  return { bucket: match[1], key: match[2] ?? '' };
}

/** Where a job writes, as both job APIs take it (StartAsyncInvoke's and CreateModelInvocationJob's `outputDataConfig`). */
export interface OutputDataConfig {
  readonly s3OutputDataConfig: { readonly s3Uri: string } & Body;
}

/** The location an `outputDataConfig` names; a missing or non-S3 URI is AWS's ValidationException naming the member. */
export const outputLocation = (config: OutputDataConfig | undefined): S3Location =>
  parseS3Uri(String(config?.s3OutputDataConfig?.s3Uri ?? ''), 'outputDataConfig.s3OutputDataConfig.s3Uri');

/** `prefix` and `name` as one key, with one slash between them. */
export const joinKey = (prefix: string, name: string): string =>
  prefix === '' || prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;

/**
 * The objects a Bedrock job reads and writes, as the principal the job acts for (the caller
 * of StartAsyncInvoke, a batch job's role): IAM is evaluated for each access, and whatever
 * S3 or IAM refuses fails the job with its message, as AWS reports it in the job.
 */
export class JobObjects {
  constructor(
    private readonly s3: () => S3Service,
    private readonly iam: () => IamCheck,
  ) {}

  async read(principal: IamPrincipal, location: S3Location, where: string): Promise<Buffer> {
    await this.#authorize(principal, 'GetObject', { Bucket: location.bucket, Key: location.key }, where);
    return this.#s3(() => this.s3().GetObject({ Bucket: location.bucket, Key: location.key }).body, location);
  }

  /** The keys under a prefix (every page). */
  async list(principal: IamPrincipal, location: S3Location, where: string): Promise<string[]> {
    await this.#authorize(principal, 'ListObjectsV2', { Bucket: location.bucket, Prefix: location.key }, where);
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = this.#s3(
        () => this.s3().ListObjects({ Bucket: location.bucket, Prefix: location.key, ...(token ? { ContinuationToken: token } : {}) }),
        location,
      );
      keys.push(...page.Contents.map((object) => object.key));
      token = page.NextContinuationToken;
    } while (token !== undefined);
    return keys;
  }

  async write(principal: IamPrincipal, location: S3Location, body: Buffer, contentType: string, where: string): Promise<void> {
    await this.#authorize(principal, 'PutObject', { Bucket: location.bucket, Key: location.key }, where);
    this.#s3(
      () =>
        this.s3().PutObject(
          { Bucket: location.bucket, Key: location.key, Body: body, ContentType: contentType },
          { requestId: randomUUID(), sourceIp: '127.0.0.1' },
        ),
      location,
    );
  }

  async #authorize(principal: IamPrincipal, operation: string, input: Record<string, string>, where: string): Promise<void> {
    const iam = this.iam();
    const refusal = await iam.authorize(principal, iam.authorizationsOf('s3', operation, input), where);
    if (refusal)
      throw new AsyncJobFailed(`Amazon S3 refused access to s3://${input.Bucket}/${input.Key ?? input.Prefix ?? ''}: ${refusal.message}`);
  }

  #s3<T>(access: () => T, location: S3Location): T {
    try {
      return access();
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      throw new AsyncJobFailed(`Amazon S3 could not access s3://${location.bucket}/${location.key}: ${error.message} (${error.code})`, {
        cause: error,
      });
    }
  }
}
