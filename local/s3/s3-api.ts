import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import { RESPONSE_STATUS } from '../endpoint/model-protocols/operations.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.js';
import { configurationsOfModel, modelOfConfigurations, type NotificationConfiguration } from './notification-config.js';
import { urlEncodeKey } from './object-keys.js';
import { tagsFromHeader } from './object-tagging.js';
import { byteRange, copySource } from './request-parts.js';
import { type RequestContext, type S3Service, SERVER_SIDE_ENCRYPTION } from './s3-service.js';
import type { ObjectRecord, Tag } from './s3-store.js';

/** The request an operation runs for (its id and caller's address, which notifications carry), set by S3RestProtocol. */
export const S3_REQUEST = new AsyncLocalStorage<RequestContext>();

type In = Readonly<Record<string, unknown>>;
type Out = Record<string | symbol, unknown>;

/** The headers S3 keeps with an object besides its type and metadata, by the API's member names. */
const STORED: readonly (readonly [string, string])[] = [
  ['ContentEncoding', 'content-encoding'],
  ['ContentDisposition', 'content-disposition'],
  ['CacheControl', 'cache-control'],
  ['ContentLanguage', 'content-language'],
  ['Expires', 'expires'],
];

/** The `Checksum<ALGORITHM>` member of each algorithm S3 checks (`ChecksumCRC64NVME`). */
const checksumMember = (algorithm: ChecksumAlgorithm) => `Checksum${algorithm.toUpperCase()}`;

/**
 * S3's operations in the API's shapes, as the model-driven REST-XML codec reads them from a
 * request and writes their answers: each calls S3Service, which keeps S3's own rules (keys,
 * tags, checksums, conditional writes, notifications).
 */
export class S3Api {
  constructor(private readonly s3: S3Service) {}

  async ListBuckets(): Promise<Out> {
    const { Buckets } = this.s3.ListBuckets();
    return { Owner: this.#owner(), Buckets: Buckets.map((b) => ({ Name: b.Name, CreationDate: new Date(b.CreationDate) })) };
  }

  async CreateBucket({ Bucket }: In): Promise<Out> {
    return this.s3.CreateBucket({ Bucket: String(Bucket) });
  }

  async HeadBucket({ Bucket }: In): Promise<Out> {
    return this.s3.HeadBucket({ Bucket: String(Bucket) });
  }

  async DeleteBucket({ Bucket }: In): Promise<Out> {
    this.s3.DeleteBucket({ Bucket: String(Bucket) });
    return {};
  }

  async GetBucketLocation({ Bucket }: In): Promise<Out> {
    this.s3.HeadBucket({ Bucket: String(Bucket) });
    // us-east-1's buckets answer an empty constraint.
    return { LocationConstraint: this.s3.region === 'us-east-1' ? '' : this.s3.region };
  }

  async GetBucketNotificationConfiguration({ Bucket }: In): Promise<Out> {
    const { EventBridgeEnabled, Configurations } = this.s3.GetBucketNotificationConfiguration({ Bucket: String(Bucket) });
    return { ...modelOfConfigurations(Configurations), ...(EventBridgeEnabled ? { EventBridgeConfiguration: {} } : {}) };
  }

  async PutBucketNotificationConfiguration({
    Bucket,
    NotificationConfiguration: configuration,
    SkipDestinationValidation,
  }: In): Promise<Out> {
    if (configuration === undefined) throw malformedXml();
    const given = configuration as NotificationConfiguration;
    const configurations = configurationsOfModel(given);
    if (SkipDestinationValidation !== true) await this.s3.validateDestinations(configurations);
    this.s3.PutBucketNotificationConfiguration(
      {
        Bucket: String(Bucket),
        EventBridgeEnabled: given.EventBridgeConfiguration !== undefined,
        Configurations: configurations,
      },
      context(),
    );
    return {};
  }

  async ListObjects(input: In): Promise<Out> {
    return this.#list(input, false);
  }

  async ListObjectsV2(input: In): Promise<Out> {
    return this.#list(input, true);
  }

  async DeleteObjects({ Bucket, Delete }: In): Promise<Out> {
    const keys = ((Delete as { Objects?: { Key?: string }[] } | undefined)?.Objects ?? []).map((object) => object.Key);
    if (keys.length === 0 || keys.some((key) => key === undefined)) throw malformedXml();
    if (keys.length > 1000) throw new AwsError('MalformedXML', 'The request must not name more than 1000 objects to delete.');
    const quiet = (Delete as { Quiet?: unknown }).Quiet === true;
    const Deleted: Out[] = [];
    const Errors: Out[] = [];
    for (const Key of keys as string[]) {
      try {
        this.s3.DeleteObject({ Bucket: String(Bucket), Key }, context(), { fromDeleteObjects: true });
        if (!quiet) Deleted.push({ Key });
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        Errors.push({ Key, Code: error.code, Message: error.message });
      }
    }
    return { Deleted, Errors };
  }

  async PutObject(input: In): Promise<Out> {
    const checksums = sentChecksums(input);
    const { ETag, Checksums } = this.s3.PutObject(
      {
        ...objectSettings(input),
        Body: (input.Body as Buffer | undefined) ?? Buffer.alloc(0),
        ContentMD5: text(input.ContentMD5),
        Checksums: checksums,
        IfNoneMatch: text(input.IfNoneMatch),
        IfMatch: text(input.IfMatch),
      },
      context(),
    );
    const echoed = echoedChecksums(checksums, Checksums);
    return {
      ETag,
      ...echoed,
      ...(Object.keys(echoed).length > 0 ? { ChecksumType: 'FULL_OBJECT' } : {}),
      ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
    };
  }

  async CopyObject(input: In): Promise<Out> {
    const source = copySource(text(input.CopySource) ?? '');
    const { ETag, LastModified } = this.s3.CopyObject(
      {
        ...objectSettings(input),
        SourceBucket: source.bucket,
        SourceKey: source.key,
        MetadataDirective: text(input.MetadataDirective),
        TaggingDirective: text(input.TaggingDirective),
      },
      context(),
    );
    return { CopyObjectResult: { ETag, LastModified: new Date(LastModified) }, ServerSideEncryption: SERVER_SIDE_ENCRYPTION };
  }

  async GetObject(input: In): Promise<Out> {
    const { object, body } = this.s3.GetObject({ Bucket: String(input.Bucket), Key: String(input.Key) });
    return this.#object(input, object, body);
  }

  async HeadObject(input: In): Promise<Out> {
    return this.#object(input, this.s3.HeadObject({ Bucket: String(input.Bucket), Key: String(input.Key) }), undefined);
  }

  async DeleteObject({ Bucket, Key }: In): Promise<Out> {
    this.s3.DeleteObject({ Bucket: String(Bucket), Key: String(Key) }, context());
    return {};
  }

  async CreateMultipartUpload(input: In): Promise<Out> {
    const { UploadId } = this.s3.CreateMultipartUpload(objectSettings(input));
    return { Bucket: input.Bucket, Key: input.Key, UploadId };
  }

  async UploadPart(input: In): Promise<Out> {
    const checksums = sentChecksums(input);
    const { ETag, Checksums } = this.s3.UploadPart({
      Bucket: String(input.Bucket),
      Key: String(input.Key),
      UploadId: String(input.UploadId),
      PartNumber: typeof input.PartNumber === 'number' ? input.PartNumber : Number.NaN,
      Body: (input.Body as Buffer | undefined) ?? Buffer.alloc(0),
      ContentMD5: text(input.ContentMD5),
      Checksums: checksums,
    });
    return { ETag, ...echoedChecksums(checksums, Checksums), ServerSideEncryption: SERVER_SIDE_ENCRYPTION };
  }

  async CompleteMultipartUpload({ Bucket, Key, UploadId, MultipartUpload }: In): Promise<Out> {
    const parts = (MultipartUpload as { Parts?: { PartNumber?: unknown; ETag?: unknown }[] } | undefined)?.Parts;
    if (
      parts === undefined ||
      parts.some((part) => !Number.isInteger(part.PartNumber) || typeof part.ETag !== 'string' || part.ETag === '')
    ) {
      throw malformedXml();
    }
    const { ETag } = this.s3.CompleteMultipartUpload(
      { Bucket: String(Bucket), Key: String(Key), UploadId: String(UploadId), Parts: parts as { PartNumber: number; ETag: string }[] },
      context(),
    );
    return { Location: `/${String(Bucket)}/${String(Key)}`, Bucket, Key, ETag, ServerSideEncryption: SERVER_SIDE_ENCRYPTION };
  }

  async AbortMultipartUpload({ Bucket, Key, UploadId }: In): Promise<Out> {
    this.s3.AbortMultipartUpload({ Bucket: String(Bucket), Key: String(Key), UploadId: String(UploadId ?? '') });
    return {};
  }

  async PutObjectTagging({ Bucket, Key, Tagging }: In): Promise<Out> {
    const tags = (Tagging as { TagSet?: Partial<Tag>[] } | undefined)?.TagSet;
    if (tags === undefined || tags.some((tag) => tag.Key === undefined || tag.Value === undefined)) throw malformedXml();
    this.s3.PutObjectTagging(
      {
        Bucket: String(Bucket),
        Key: String(Key),
        Tags: tags.map((tag) => ({ Key: String(tag.Key), Value: String(tag.Value) })),
      },
      context(),
    );
    return {};
  }

  async GetObjectTagging({ Bucket, Key }: In): Promise<Out> {
    const { Tags } = this.s3.GetObjectTagging({ Bucket: String(Bucket), Key: String(Key) });
    return { TagSet: Tags.map((tag) => ({ Key: tag.Key, Value: tag.Value })) };
  }

  async DeleteObjectTagging({ Bucket, Key }: In): Promise<Out> {
    this.s3.DeleteObjectTagging({ Bucket: String(Bucket), Key: String(Key) }, context());
    return {};
  }

  #owner(): Out {
    return { ID: createHash('sha256').update(this.s3.accountId).digest('hex'), DisplayName: 'local' };
  }

  /** ListObjects and ListObjectsV2: one page, keys URL-encoded when `encoding-type=url`. */
  #list(input: In, v2: boolean): Out {
    const maxKeys = input.MaxKeys;
    if (maxKeys !== undefined && (typeof maxKeys !== 'number' || maxKeys < 0 || !Number.isSafeInteger(maxKeys))) {
      throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
    }
    const encodingType = text(input.EncodingType);
    if (encodingType !== undefined && encodingType !== 'url')
      throw new AwsError('InvalidArgument', 'Invalid Encoding Method specified in Request');
    const encode = (value: string | undefined) => (value === undefined || encodingType !== 'url' ? value : urlEncodeKey(value));
    const prefix = text(input.Prefix) ?? '';
    const delimiter = text(input.Delimiter);
    const startAfter = v2 ? text(input.StartAfter) : text(input.Marker);
    const token = v2 ? text(input.ContinuationToken) : undefined;
    const result = this.s3.ListObjects({
      Bucket: String(input.Bucket),
      Prefix: prefix,
      Delimiter: delimiter,
      MaxKeys: maxKeys as number | undefined,
      StartAfter: startAfter,
      ContinuationToken: token,
    });
    const owner = !v2 || input.FetchOwner === true ? { Owner: this.#owner() } : {};
    const Contents = result.Contents.map((object) => ({
      Key: encode(object.key),
      LastModified: new Date(object.lastModified),
      ETag: `"${object.etag}"`,
      ...checksumAlgorithm(object),
      Size: object.size,
      ...owner,
      StorageClass: 'STANDARD',
    }));
    const page = {
      Name: input.Bucket,
      Prefix: encode(prefix),
      MaxKeys: maxKeys ?? 1000,
      Delimiter: encode(delimiter),
      IsTruncated: result.IsTruncated,
      Contents,
      CommonPrefixes: result.CommonPrefixes.map((p) => ({ Prefix: encode(p) })),
      EncodingType: encodingType,
    };
    if (!v2) {
      const next = result.IsTruncated && delimiter !== undefined ? { NextMarker: encode(result.LastEntry) } : {};
      return { ...page, Marker: encode(startAfter ?? ''), ...next };
    }
    return {
      ...page,
      ContinuationToken: token,
      NextContinuationToken: result.NextContinuationToken,
      KeyCount: result.Contents.length + result.CommonPrefixes.length,
      StartAfter: encode(startAfter),
    };
  }

  /** GetObject's and HeadObject's answer: its preconditions, one range, the overrides the query asks for, checksums when asked. */
  #object(input: In, object: ObjectRecord, body: Buffer | undefined): Out {
    const ifMatch = text(input.IfMatch);
    const ifNoneMatch = text(input.IfNoneMatch);
    const lastModified = new Date(object.lastModified);
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch.replace(/"/g, '') !== object.etag) {
      throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    }
    if (ifNoneMatch !== undefined && (ifNoneMatch === '*' || ifNoneMatch.replace(/"/g, '') === object.etag)) {
      return { ETag: `"${object.etag}"`, LastModified: lastModified, [RESPONSE_STATUS]: 304 };
    }
    const range = byteRange(text(input.Range), object.size);
    const stored = Object.fromEntries(STORED.map(([member, name]) => [member, text(input[`Response${member}`]) ?? object.headers[name]]));
    const output: Out = {
      ContentType: text(input.ResponseContentType) ?? object.contentType,
      ETag: `"${object.etag}"`,
      LastModified: lastModified,
      AcceptRanges: 'bytes',
      ServerSideEncryption: SERVER_SIDE_ENCRYPTION,
      ...stored,
      Metadata: object.metadata,
      ...(object.tags.length === 0 ? {} : { TagCount: object.tags.length }),
    };
    if (text(input.ChecksumMode)?.toUpperCase() === 'ENABLED' && range === undefined && Object.keys(object.checksums).length > 0) {
      for (const [algorithm, value] of Object.entries(object.checksums)) output[checksumMember(algorithm as ChecksumAlgorithm)] = value;
      output.ChecksumType = 'FULL_OBJECT';
    }
    if (range === undefined) return { ...output, ContentLength: object.size, Body: body };
    return {
      ...output,
      ContentRange: `bytes ${range.start}-${range.end}/${object.size}`,
      ContentLength: range.end - range.start + 1,
      Body: body?.subarray(range.start, range.end + 1),
      [RESPONSE_STATUS]: 206,
    };
  }
}

function context(): RequestContext {
  const found = S3_REQUEST.getStore();
  if (found === undefined) throw new Error('an S3 operation ran outside a request (S3RestProtocol sets S3_REQUEST)');
  return found;
}

const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));

/** What PutObject, CopyObject and CreateMultipartUpload keep with the object: its type, stored headers, metadata and tags. */
function objectSettings(input: In) {
  const headers = Object.fromEntries(
    STORED.flatMap(([member, name]) => {
      const value = text(input[member]);
      return value === undefined ? [] : [[name, value]];
    }),
  );
  return {
    Bucket: String(input.Bucket),
    Key: String(input.Key),
    ContentType: text(input.ContentType),
    Headers: headers,
    Metadata: (input.Metadata as Record<string, string> | undefined) ?? {},
    Tags: tagsFromHeader(text(input.Tagging)),
  };
}

/** The checksums the request sent (its headers, or the aws-chunked body's trailers, which S3RestProtocol reads as headers); S3 takes one. */
function sentChecksums(input: In): Partial<Record<ChecksumAlgorithm, string>> {
  const sent = Object.fromEntries(
    CHECKSUM_ALGORITHMS.flatMap((algorithm) => {
      const value = text(input[checksumMember(algorithm)]);
      return value === undefined ? [] : [[algorithm, value]];
    }),
  );
  if (Object.keys(sent).length > 1)
    throw new AwsError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  return sent;
}

function echoedChecksums(sent: Partial<Record<ChecksumAlgorithm, string>>, computed: Readonly<Record<string, string>>): Out {
  return Object.fromEntries(
    Object.keys(sent).map((algorithm) => [checksumMember(algorithm as ChecksumAlgorithm), computed[algorithm] ?? '']),
  );
}

function checksumAlgorithm(object: ObjectRecord): Out {
  const algorithm = Object.keys(object.checksums)[0];
  return algorithm === undefined ? {} : { ChecksumAlgorithm: [algorithm.toUpperCase()], ChecksumType: 'FULL_OBJECT' };
}

export function malformedXml(): AwsError {
  return new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
}
