import { createHash, randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { AwsError } from '../endpoint/aws-error.js';
import type { Clock } from '../time/clock.js';
import { type ChecksumAlgorithm, checksumOf } from './checksums.js';
import type { BucketDefinition } from './definitions.js';
import { type ListObjectsInput, type ListObjectsResult, listObjects } from './listing.js';
import { MultipartUploads } from './multipart.js';
import { type DestinationConfiguration, validateDestinations } from './notification-config.js';
import { type ObjectChange, type RequestContext, type S3EventPublisher, type S3NotificationTargets, S3Notifier } from './notifier.js';
import { validateTags } from './object-tagging.js';
import { type BucketRow, type ObjectRecord, S3Store, type Tag } from './s3-store.js';

export type { RequestContext, S3EventPublisher, S3NotificationTargets } from './notifier.js';

export interface PutObjectInput {
  readonly Bucket: string;
  readonly Key: string;
  readonly Body: Buffer;
  /** @default 'binary/octet-stream', as S3 stores an object sent without one */
  readonly ContentType?: string;
  /** Content-Encoding, Content-Disposition, Cache-Control, Content-Language, Expires. */
  readonly Headers?: Readonly<Record<string, string>>;
  readonly Metadata?: Readonly<Record<string, string>>;
  /** Base64 MD5 the body must have. */
  readonly ContentMD5?: string;
  /** Checksums the body must have, base64 by algorithm. */
  readonly Checksums?: Readonly<Partial<Record<ChecksumAlgorithm, string>>>;
  /** `*`: only if no object has the key (a conditional write). */
  readonly IfNoneMatch?: string;
  /** Only if the current object's ETag is this one. */
  readonly IfMatch?: string;
  /** The object's tag set (`x-amz-tagging`); checked as S3 checks it. */
  readonly Tags?: readonly Tag[];
}

export interface PutObjectOutput {
  readonly ETag: string;
  readonly Checksums: Readonly<Record<string, string>>;
}

/**
 * How S3 encrypts an object at rest: SSE-S3 for every new object (since January 2023) when
 * the bucket names no other default, which it answers in `x-amz-server-side-encryption`.
 */
export const SERVER_SIDE_ENCRYPTION = 'AES256';

const MAX_KEY_BYTES = 1024;

/**
 * A minimal S3: the template's buckets and any created through the API, objects on the data
 * folder, and the notifications AWS sends: to EventBridge for a bucket that has them on
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html), and to the queues,
 * topics and functions of its notification configurations (sent through `targets`, the
 * runtime's target dispatcher; without one, such configurations are refused). Buckets are
 * unversioned. Notifications are committed with the write that causes them and sent after the
 * commit (again at the next flush or start if the process died in between or the destination
 * failed), so an accepted write never loses its event; like S3's, they are at least once.
 */
export class S3Service {
  readonly #store: S3Store;
  readonly #uploads: MultipartUploads;
  readonly #clock: Clock;
  readonly #accountId: string;
  readonly #region: string;
  readonly #notifier: S3Notifier;
  readonly #log: (line: string) => void;
  readonly #destinationProblem: (configuration: DestinationConfiguration) => Promise<string | undefined>;

  constructor(options: {
    readonly db: DatabaseSync;
    /** Where object bytes are kept. */
    readonly folder: string;
    readonly clock: Clock;
    readonly accountId: string;
    readonly region: string;
    readonly events?: S3EventPublisher;
    /** Where queue, topic and function notifications go: the runtime's `TargetDispatcher` (with SQS, SNS and Lambda's `invokeAsync`). */
    readonly targets?: S3NotificationTargets;
    /** IAM for a queue, topic or function notification (sent as s3.amazonaws.com for the bucket). @default none */
    readonly authorizeNotification?: (targetArn: string, bucketArn: string) => Promise<string | undefined>;
    /**
     * Why S3 could not validate a destination at PutBucketNotificationConfiguration (`The
     * destination queue does not exist`), else undefined. @default every destination validates
     */
    readonly destinationProblem?: (configuration: DestinationConfiguration) => Promise<string | undefined>;
    readonly log?: (line: string) => void;
  }) {
    this.#store = new S3Store(options.db, options.folder);
    this.#uploads = new MultipartUploads(this.#store);
    this.#clock = options.clock;
    this.#accountId = options.accountId;
    this.#region = options.region;
    this.#log = options.log ?? (() => {});
    this.#destinationProblem = options.destinationProblem ?? (async () => undefined);
    this.#notifier = new S3Notifier({
      store: this.#store,
      clock: options.clock,
      accountId: options.accountId,
      region: options.region,
      ...(options.events ? { events: options.events } : {}),
      ...(options.targets ? { targets: options.targets } : {}),
      ...(options.authorizeNotification ? { authorize: options.authorizeNotification } : {}),
      log: this.#log,
    });
  }

  get region(): string {
    return this.#region;
  }

  get accountId(): string {
    return this.#accountId;
  }

  /**
   * Creates the template's buckets that do not exist yet, applies their notification settings
   * (a changed queue or topic configuration gets its test events, as the deployment's
   * PutBucketNotificationConfiguration would send them), and sends what a crash left unsent.
   */
  declare(buckets: readonly BucketDefinition[]): void {
    for (const bucket of buckets) {
      if (this.#store.bucket(bucket.name) === undefined) this.#store.createBucket(bucket.name, this.#clock.now(), bucket.eventBridge);
      let configurations = bucket.configurations ?? [];
      if (configurations.length > 0 && !this.#notifier.sendsToTargets) {
        this.#log(`${bucket.name}: queue, topic and function notifications are not sent: this runtime gives S3 no target dispatcher`);
        configurations = [];
      }
      const changed = JSON.stringify(configurations) !== (this.#store.bucket(bucket.name) as BucketRow).notifications;
      const testEvents = changed ? this.#notifier.testEvents(bucket.name, configurations, s3RequestId()) : [];
      this.#store.setNotifications(bucket.name, { eventBridge: bucket.eventBridge, configurations }, testEvents);
      // Said, since a consumer that reads `Records` fails on it (as on AWS) before anything is uploaded.
      if (testEvents.length > 0) {
        this.#log(
          `${bucket.name}: sends s3:TestEvent (no Records) to ${testEvents.map((event) => event.target).join(', ')}, as S3 does when a notification configuration is set`,
        );
      }
    }
    void this.flushNotifications();
  }

  /**
   * Sends committed notifications not yet sent; one that cannot be sent stays for the next
   * flush. Resolves once this round's sends have settled (failures are logged, not thrown).
   */
  flushNotifications(): Promise<void> {
    return this.#notifier.flush();
  }

  CreateBucket(input: { Bucket: string }): { Location: string } {
    validateBucketName(input.Bucket);
    if (this.#store.bucket(input.Bucket) !== undefined) {
      // us-east-1 answers a repeated create by the owner with success (its legacy behaviour); other regions with 409.
      if (this.#region === 'us-east-1') return { Location: `/${input.Bucket}` };
      throw new AwsError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
      );
    }
    this.#store.createBucket(input.Bucket, this.#clock.now(), false);
    return { Location: `/${input.Bucket}` };
  }

  HeadBucket(input: { Bucket: string }): { BucketRegion: string } {
    this.#bucket(input.Bucket);
    return { BucketRegion: this.#region };
  }

  ListBuckets(): { Buckets: { Name: string; CreationDate: number }[] } {
    return { Buckets: this.#store.buckets().map((b) => ({ Name: b.name, CreationDate: b.created_at })) };
  }

  DeleteBucket(input: { Bucket: string }): void {
    this.#bucket(input.Bucket);
    if (!this.#store.isEmpty(input.Bucket)) throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
    this.#store.deleteBucket(input.Bucket);
  }

  GetBucketNotificationConfiguration(input: { Bucket: string }): {
    EventBridgeEnabled: boolean;
    Configurations: DestinationConfiguration[];
  } {
    const bucket = this.#bucket(input.Bucket);
    return { EventBridgeEnabled: bucket.eventbridge === 1, Configurations: configurationsOf(bucket) };
  }

  /** PutBucketNotificationConfiguration's check (unless SkipDestinationValidation) that each destination exists. @throws S3ArgumentError */
  validateDestinations(configurations: readonly DestinationConfiguration[]): Promise<void> {
    return validateDestinations(configurations, this.#destinationProblem);
  }

  /**
   * Replaces the bucket's notification configuration (already checked as S3 checks it), and
   * sends each queue and topic destination S3's `s3:TestEvent`.
   */
  PutBucketNotificationConfiguration(
    input: { Bucket: string; EventBridgeEnabled: boolean; Configurations: readonly DestinationConfiguration[] },
    context: RequestContext,
  ): void {
    this.#bucket(input.Bucket);
    if (input.Configurations.length > 0 && !this.#notifier.sendsToTargets) {
      throw new AwsError(
        'NotImplemented',
        'This local runtime gives S3 no target dispatcher: queue, topic and Lambda function configurations are not run.',
        501,
      );
    }
    this.#store.setNotifications(
      input.Bucket,
      { eventBridge: input.EventBridgeEnabled, configurations: input.Configurations },
      this.#notifier.testEvents(input.Bucket, input.Configurations, context.requestId),
    );
    void this.flushNotifications();
  }

  PutObject(input: PutObjectInput, context: RequestContext, reason = 'PutObject'): PutObjectOutput {
    const bucket = this.#bucket(input.Bucket);
    validateKey(input.Key);
    validateTags(input.Tags ?? []);
    const { md5, checksums } = verifiedBody(input);
    const current = this.#store.object(input.Bucket, input.Key);
    checkPreconditions(current, input);
    const record = this.#store.put(
      {
        bucket: input.Bucket,
        key: input.Key,
        size: input.Body.length,
        etag: md5.toString('hex'),
        lastModified: this.#clock.now(),
        contentType: input.ContentType ?? 'binary/octet-stream',
        headers: input.Headers ?? {},
        metadata: input.Metadata ?? {},
        checksums,
        tags: input.Tags ?? [],
      },
      input.Body,
      (stored) => this.#notifications(bucket, { object: stored, sequencer: stored.sequencer, context, reason }),
    );
    void this.flushNotifications();
    return { ETag: `"${record.etag}"`, Checksums: checksums };
  }

  /** The source's tags go with the copy unless TaggingDirective is REPLACE, which takes `Tags` (none when absent), as S3 does. */
  CopyObject(
    input: {
      Bucket: string;
      Key: string;
      SourceBucket: string;
      SourceKey: string;
      MetadataDirective?: string;
      TaggingDirective?: string;
    } & Partial<Pick<PutObjectInput, 'ContentType' | 'Headers' | 'Metadata' | 'Tags'>>,
    context: RequestContext,
  ): { ETag: string; LastModified: number } {
    const source = this.#object(input.SourceBucket, input.SourceKey);
    const replace = input.MetadataDirective === 'REPLACE';
    if (input.MetadataDirective !== undefined && input.MetadataDirective !== 'COPY' && !replace) {
      throw new AwsError('InvalidArgument', `Unknown metadata directive: ${input.MetadataDirective}`);
    }
    const replaceTags = input.TaggingDirective === 'REPLACE';
    if (input.TaggingDirective !== undefined && input.TaggingDirective !== 'COPY' && !replaceTags) {
      throw new AwsError('InvalidArgument', `Unknown tagging directive: ${input.TaggingDirective}`);
    }
    if (input.SourceBucket === input.Bucket && input.SourceKey === input.Key && !replace) {
      throw new AwsError(
        'InvalidRequest',
        "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
      );
    }
    const body = this.#store.read(input.SourceBucket, input.SourceKey) ?? Buffer.alloc(0);
    this.PutObject(
      {
        Bucket: input.Bucket,
        Key: input.Key,
        Body: body,
        ContentType: replace ? input.ContentType : source.contentType,
        Headers: replace ? input.Headers : source.headers,
        Metadata: replace ? input.Metadata : source.metadata,
        Tags: replaceTags ? input.Tags : source.tags,
        Checksums: source.checksums,
      },
      context,
      'CopyObject',
    );
    const copied = this.#object(input.Bucket, input.Key);
    return { ETag: `"${copied.etag}"`, LastModified: copied.lastModified };
  }

  HeadObject(input: { Bucket: string; Key: string }): ObjectRecord {
    return this.#object(input.Bucket, input.Key);
  }

  GetObject(input: { Bucket: string; Key: string }): { object: ObjectRecord; body: Buffer } {
    const object = this.#object(input.Bucket, input.Key);
    return { object, body: this.#store.read(input.Bucket, input.Key) ?? Buffer.alloc(0) };
  }

  /**
   * S3 answers a delete of a key that does not exist with success too. DeleteObject notifies only
   * a real deletion; DeleteObjects (`fromDeleteObjects`) every key it names, as AWS's recorded
   * answers show (test/conformance/aws-recorded/s3/, `test_delete_objects`).
   */
  DeleteObject(input: { Bucket: string; Key: string }, context: RequestContext, { fromDeleteObjects = false } = {}): void {
    const bucket = this.#bucket(input.Bucket);
    this.#store.delete(
      input.Bucket,
      input.Key,
      this.#clock.now(),
      (deleted, sequencer) =>
        this.#notifications(bucket, {
          object: deleted ?? { bucket: input.Bucket, key: input.Key },
          sequencer,
          context,
          reason: 'DeleteObject',
        }),
      { notifyMissing: fromDeleteObjects },
    );
    void this.flushNotifications();
  }

  /** The tags are checked now, and given to the object CompleteMultipartUpload writes. */
  CreateMultipartUpload(input: { Bucket: string; Key: string } & Pick<PutObjectInput, 'ContentType' | 'Headers' | 'Metadata' | 'Tags'>): {
    UploadId: string;
  } {
    this.#bucket(input.Bucket);
    validateKey(input.Key);
    validateTags(input.Tags ?? []);
    const settings = {
      contentType: input.ContentType ?? 'binary/octet-stream',
      headers: input.Headers ?? {},
      metadata: input.Metadata ?? {},
      tags: input.Tags ?? [],
    };
    return { UploadId: this.#uploads.create(input.Bucket, input.Key, settings, this.#clock.now()) };
  }

  UploadPart(
    input: { Bucket: string; Key: string; UploadId: string; PartNumber: number } & Pick<
      PutObjectInput,
      'Body' | 'ContentMD5' | 'Checksums'
    >,
  ): PutObjectOutput {
    this.#bucket(input.Bucket);
    const { checksums } = verifiedBody(input);
    const etag = this.#uploads.uploadPart(input.UploadId, input.Bucket, input.Key, input.PartNumber, input.Body);
    return { ETag: `"${etag}"`, Checksums: checksums };
  }

  /** The object is written, and notified as `CompleteMultipartUpload`, with a full-object CRC64NVME checksum (composite part checksums are not kept). */
  CompleteMultipartUpload(
    input: { Bucket: string; Key: string; UploadId: string; Parts: readonly { PartNumber: number; ETag: string }[] },
    context: RequestContext,
  ): { ETag: string } {
    const bucket = this.#bucket(input.Bucket);
    const parts = input.Parts.map((part) => ({ partNumber: part.PartNumber, etag: part.ETag }));
    const record = this.#uploads.complete(input.UploadId, input.Bucket, input.Key, parts, (object, body, alsoInTransaction) =>
      this.#store.put(
        { ...object, lastModified: this.#clock.now(), checksums: { crc64nvme: checksumOf('crc64nvme', body) } },
        body,
        (stored) =>
          this.#notifications(bucket, { object: stored, sequencer: stored.sequencer, context, reason: 'CompleteMultipartUpload' }),
        alsoInTransaction,
      ),
    );
    void this.flushNotifications();
    return { ETag: `"${record.etag}"` };
  }

  AbortMultipartUpload(input: { Bucket: string; Key: string; UploadId: string }): void {
    this.#bucket(input.Bucket);
    this.#uploads.abort(input.UploadId, input.Bucket, input.Key);
  }

  /** Replaces the object's tag set; its bytes, ETag and Last-Modified stay. Notified as `ObjectTagging:Put`. */
  PutObjectTagging(input: { Bucket: string; Key: string; Tags: readonly Tag[] }, context: RequestContext): void {
    this.#object(input.Bucket, input.Key);
    validateTags(input.Tags);
    this.#setTags(input.Bucket, input.Key, input.Tags, context, 'PutObjectTagging');
  }

  GetObjectTagging(input: { Bucket: string; Key: string }): { Tags: readonly Tag[] } {
    return { Tags: this.#object(input.Bucket, input.Key).tags };
  }

  /** Notified as `ObjectTagging:Delete`. */
  DeleteObjectTagging(input: { Bucket: string; Key: string }, context: RequestContext): void {
    this.#setTags(input.Bucket, input.Key, [], context, 'DeleteObjectTagging');
  }

  #setTags(bucketName: string, key: string, tags: readonly Tag[], context: RequestContext, reason: string): void {
    const bucket = this.#bucket(bucketName);
    const set = this.#store.setTags(bucketName, key, tags, (tagged) =>
      this.#notifications(bucket, { object: tagged, sequencer: tagged.sequencer, context, reason }),
    );
    if (!set) throw noSuchKey();
    void this.flushNotifications();
  }

  ListObjects(input: ListObjectsInput): ListObjectsResult {
    this.#bucket(input.Bucket);
    return listObjects((prefix, after, limit) => this.#store.list(input.Bucket, prefix, after, limit), input);
  }

  #bucket(name: string) {
    const bucket = this.#store.bucket(name);
    if (bucket === undefined) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
    return bucket;
  }

  #object(bucket: string, key: string): ObjectRecord {
    this.#bucket(bucket);
    const object = this.#store.object(bucket, key);
    if (object === undefined) throw noSuchKey();
    return object;
  }

  #notifications(bucket: BucketRow, change: ObjectChange) {
    return this.#notifier.forChange(bucket, configurationsOf(bucket), change);
  }
}

function noSuchKey(): AwsError {
  return new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
}

function configurationsOf(bucket: BucketRow): DestinationConfiguration[] {
  return JSON.parse(bucket.notifications) as DestinationConfiguration[];
}

/**
 * The body's MD5, and the checksums sent with it once each is verified (BadDigest when one
 * does not match); CRC64NVME when none was sent, as S3 gives every new object a full-object checksum.
 */
function verifiedBody(input: Pick<PutObjectInput, 'Body' | 'ContentMD5' | 'Checksums'>): {
  md5: Buffer;
  checksums: Record<string, string>;
} {
  const md5 = createHash('md5').update(input.Body).digest();
  if (input.ContentMD5 !== undefined) {
    const sent = Buffer.from(input.ContentMD5, 'base64');
    if (sent.length !== 16 || sent.toString('base64') !== input.ContentMD5) {
      throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.');
    }
    if (!sent.equals(md5)) throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  const checksums: Record<string, string> = {};
  for (const [algorithm, sent] of Object.entries(input.Checksums ?? {}) as [ChecksumAlgorithm, string][]) {
    const computed = checksumOf(algorithm, input.Body);
    if (Buffer.from(sent, 'base64').length !== Buffer.from(computed, 'base64').length) {
      throw new AwsError('InvalidRequest', `Value for x-amz-checksum-${algorithm} header is invalid.`);
    }
    if (sent !== computed) {
      throw new AwsError('BadDigest', `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`);
    }
    checksums[algorithm] = computed;
  }
  if (Object.keys(checksums).length === 0) checksums.crc64nvme = checksumOf('crc64nvme', input.Body);
  return { md5, checksums };
}

/** A new request id in S3's style (16 upper-case hex characters). */
export function s3RequestId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
}

function checkPreconditions(current: ObjectRecord | undefined, input: PutObjectInput): void {
  if (input.IfNoneMatch !== undefined) {
    if (input.IfNoneMatch !== '*') throw new AwsError('NotImplemented', 'If-None-Match on PutObject takes only *.', 501);
    if (current) throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
  }
  if (input.IfMatch !== undefined) {
    if (!current) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
    if (input.IfMatch.replace(/"/g, '') !== current.etag) {
      throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    }
  }
}

/** S3's bucket naming rules (general purpose buckets): https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html */
function validateBucketName(name: string): void {
  const problem =
    name.length < 3 || name.length > 63
      ? 'must be 3 to 63 characters long'
      : !/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)
        ? 'may contain only lower-case letters, digits, dots and hyphens, and must begin and end with a letter or digit'
        : name.includes('..')
          ? 'must not contain two adjacent dots'
          : /^\d+\.\d+\.\d+\.\d+$/.test(name)
            ? 'must not be formatted as an IP address'
            : /^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)
              ? 'uses a reserved prefix or suffix'
              : undefined;
  if (problem) throw new AwsError('InvalidBucketName', `The specified bucket is not valid: ${name} ${problem}.`);
}

function validateKey(key: string): void {
  if (key === '') throw new AwsError('InvalidArgument', 'An object key must not be empty.');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new AwsError('KeyTooLongError', 'Your key is too long');
}
