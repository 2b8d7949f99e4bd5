import { createHash } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { MISSING_KEY } from './iam-authorizations.js';
import type { ListObjectsResult } from './listing.js';
import { configurationsXml, xmlConfigurations } from './notification-config.js';
import { s3HostId } from './notifier.js';
import { objectTagging, taggingCountHeader, tagsFromHeader } from './object-tagging.js';
import { LISTING_ARGUMENTS, s3OperationName } from './operation-names.js';
import {
  address,
  byteRange,
  copySource,
  credentialScopeService,
  header,
  hostname,
  metadataOf,
  requestBody,
  responseOverrides,
  sentChecksums,
  storedHeaders,
  urlEncodeKey,
} from './request-parts.js';
import { type RequestContext, type S3Service, SERVER_SIDE_ENCRYPTION, s3RequestId } from './s3-service.js';
import type { ObjectRecord } from './s3-store.js';
import { document, elementTexts, hasElement, type XmlElement } from './xml.js';

/** Query parameters that are an operation's arguments rather than a sub-resource (`?acl`, `?tagging`, ...). */
const ARGUMENTS = new Set([
  ...LISTING_ARGUMENTS,
  'x-id',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);
/** Sub-resources this S3 answers; any other is NotImplemented, naming it. */
const SERVED = new Set(['location', 'notification', 'delete', 'uploads', 'uploadId', 'partNumber', 'tagging']);

/**
 * S3's REST-XML protocol on the shared endpoint. A request is S3's when its SigV4
 * credential scope (Authorization header or presigned `X-Amz-Credential`) names `s3`, or,
 * unsigned, when it is sent to `s3.localhost` or `<bucket>.s3.localhost`; so Lambda's paths
 * (`/2015-03-31/functions/...`, signed for `lambda`) and the console's never reach it.
 * Buckets are addressed path-style (`/<bucket>/<key>`) or virtual-host style
 * (`<bucket>.s3.localhost`, or `<bucket>.localhost` when the SDK derives it from a
 * `localhost` endpoint).
 */
export class S3RestProtocol implements RestProtocolService {
  constructor(
    private readonly s3: S3Service,
    /** The caller's IAM check, before an operation runs. @default none */
    private authorize?: (operation: string, input: unknown) => Promise<void>,
  ) {}

  /** IAM's check of each call (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: (operation: string, input: unknown) => Promise<void>): void {
    this.authorize = authorize;
  }

  handles(request: Pick<RawRequest, 'method' | 'path' | 'headers' | 'query'>): boolean {
    const scope = credentialScopeService(request.headers, request.query);
    if (scope !== undefined) return scope === 's3';
    const host = hostname(request.headers);
    return host === 's3.localhost' || host.endsWith('.s3.localhost');
  }

  async handle(request: RawRequest & { readonly sourceIp?: string }): Promise<RawResponse> {
    const requestId = s3RequestId();
    const context: RequestContext = { requestId, sourceIp: (request.sourceIp ?? '127.0.0.1').replace(/^::ffff:/, '') };
    const { bucket, key } = address(request);
    try {
      const operation = this.authorize ? s3OperationName(request, bucket, key) : undefined;
      if (operation) await this.authorize?.(operation, { Bucket: bucket, Key: key });
      const response = this.#dispatch(request, bucket, key, context);
      return { ...response, headers: { ...commonHeaders(requestId), ...response.headers } };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return errorResponse(await this.#unlisted(error, bucket), requestId, request.method, bucket, key);
    }
  }

  /**
   * A missing key as S3 answers it: 404 NoSuchKey to a caller who may list the bucket, else
   * the refusal of s3:ListBucket (403 AccessDenied), as IAM's mode says.
   */
  async #unlisted(error: AwsError, bucket: string | undefined): Promise<AwsError> {
    if (error.code !== 'NoSuchKey' || bucket === undefined || !this.authorize) return error;
    try {
      await this.authorize(MISSING_KEY, { Bucket: bucket });
      return error;
    } catch (refused) {
      if (refused instanceof AwsError) return refused;
      throw refused;
    }
  }

  /** S3's shape for what the endpoint refuses before S3 sees the request (S3 calls a body too large EntityTooLarge). */
  errorResponse(error: AwsError, method: string): RawResponse {
    const s3Error =
      error.code === 'RequestEntityTooLarge'
        ? new AwsError(
            'EntityTooLarge',
            `Your proposed upload exceeds the maximum allowed size of the local endpoint: ${error.message}`,
            400,
          )
        : error;
    return errorResponse(s3Error, s3RequestId(), method);
  }

  #dispatch(request: RawRequest, bucket: string | undefined, key: string | undefined, context: RequestContext): RawResponse {
    const { method, query } = request;
    const subresources = [...query.keys()].filter((name) => !ARGUMENTS.has(name) && !/^x-amz-/i.test(name));
    const unsupported = subresources.find((name) => !SERVED.has(name));
    if (unsupported !== undefined) throw notServed(`${method} ?${unsupported}`);
    if (bucket === undefined) {
      if (method === 'GET') return this.#listBuckets();
      throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
    if (key === undefined) {
      if (query.has('uploads') || query.has('uploadId')) throw notServed(`${method} ?uploads (ListMultipartUploads)`);
      if (query.has('tagging')) throw notServed(`${method} ?tagging (bucket tagging)`);
      return this.#bucketOperation(request, bucket, context);
    }
    if (query.has('uploads') || query.has('uploadId')) return this.#multipart(request, bucket, key, context);
    if (query.has('tagging')) {
      return objectTagging(this.s3, { method, body: () => requestBody(request).body.toString('utf8') }, bucket, key);
    }
    switch (method) {
      case 'PUT':
        return header(request.headers, 'x-amz-copy-source') !== undefined
          ? this.#copyObject(request, bucket, key, context)
          : this.#putObject(request, bucket, key, context);
      case 'GET':
      case 'HEAD':
        return this.#getObject(request, bucket, key);
      case 'DELETE':
        this.s3.DeleteObject({ Bucket: bucket, Key: key }, context);
        return { status: 204 };
      default:
        throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
  }

  #bucketOperation(request: RawRequest, bucket: string, context: RequestContext): RawResponse {
    const { method, query } = request;
    if (query.has('notification')) {
      if (method === 'GET') {
        const { EventBridgeEnabled, Configurations } = this.s3.GetBucketNotificationConfiguration({ Bucket: bucket });
        return xml(
          document('NotificationConfiguration', {
            ...configurationsXml(Configurations),
            ...(EventBridgeEnabled ? { EventBridgeConfiguration: {} } : {}),
          }),
        );
      }
      if (method === 'PUT') {
        const body = requestBody(request).body.toString('utf8');
        if (!hasElement(body, 'NotificationConfiguration')) {
          throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
        }
        this.s3.PutBucketNotificationConfiguration(
          { Bucket: bucket, EventBridgeEnabled: hasElement(body, 'EventBridgeConfiguration'), Configurations: xmlConfigurations(body) },
          context,
        );
        return { status: 200 };
      }
    }
    if (query.has('location') && method === 'GET') {
      this.s3.HeadBucket({ Bucket: bucket });
      const region = this.s3.region === 'us-east-1' ? '' : this.s3.region;
      return xml(
        `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
      );
    }
    if (query.has('delete') && method === 'POST') return this.#deleteObjects(request, bucket, context);
    switch (method) {
      case 'PUT': {
        const { Location } = this.s3.CreateBucket({ Bucket: bucket });
        return { status: 200, headers: { location: Location } };
      }
      case 'HEAD': {
        const { BucketRegion } = this.s3.HeadBucket({ Bucket: bucket });
        return { status: 200, headers: { 'x-amz-bucket-region': BucketRegion } };
      }
      case 'GET':
        return this.#listObjects(request, bucket);
      case 'DELETE':
        this.s3.DeleteBucket({ Bucket: bucket });
        return { status: 204 };
      default:
        throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
  }

  #multipart(request: RawRequest, bucket: string, key: string, context: RequestContext): RawResponse {
    const { method, query, headers } = request;
    const uploadId = query.get('uploadId') ?? '';
    if (method === 'POST' && query.has('uploads')) {
      const { UploadId } = this.s3.CreateMultipartUpload({
        Bucket: bucket,
        Key: key,
        ContentType: header(headers, 'content-type'),
        Headers: storedHeaders(headers),
        Metadata: metadataOf(headers),
        Tags: tagsFromHeader(header(headers, 'x-amz-tagging')),
      });
      return xml(document('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId }));
    }
    if (method === 'PUT' && query.has('partNumber')) {
      if (header(headers, 'x-amz-copy-source') !== undefined) throw notServed('UploadPartCopy');
      const partNumberText = query.get('partNumber') ?? '';
      const { body, trailers } = requestBody(request);
      const checksums = sentChecksums(headers, trailers);
      const { ETag, Checksums } = this.s3.UploadPart({
        Bucket: bucket,
        Key: key,
        UploadId: uploadId,
        PartNumber: /^\d+$/.test(partNumberText) ? Number(partNumberText) : Number.NaN,
        Body: body,
        ContentMD5: header(headers, 'content-md5'),
        Checksums: checksums,
      });
      const echoed = Object.fromEntries(
        Object.keys(checksums).map((algorithm) => [`x-amz-checksum-${algorithm}`, Checksums[algorithm] ?? '']),
      );
      return { status: 200, headers: { etag: ETag, ...echoed, 'x-amz-server-side-encryption': SERVER_SIDE_ENCRYPTION } };
    }
    if (method === 'POST') {
      const text = requestBody(request).body.toString('utf8');
      const parts = [...text.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((match) => ({
        PartNumber: Number(elementTexts(match[1] ?? '', 'PartNumber')[0]),
        ETag: elementTexts(match[1] ?? '', 'ETag')[0] ?? '',
      }));
      if (!hasElement(text, 'CompleteMultipartUpload') || parts.some((part) => !Number.isInteger(part.PartNumber) || part.ETag === '')) {
        throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
      }
      const { ETag } = this.s3.CompleteMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId, Parts: parts }, context);
      return encrypted(xml(document('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag })));
    }
    if (method === 'DELETE') {
      this.s3.AbortMultipartUpload({ Bucket: bucket, Key: key, UploadId: uploadId });
      return { status: 204 };
    }
    throw notServed(`${method} ?uploadId (ListParts)`);
  }

  #listBuckets(): RawResponse {
    const { Buckets } = this.s3.ListBuckets();
    return xml(
      document('ListAllMyBucketsResult', {
        Owner: owner(this.s3.accountId),
        Buckets: { Bucket: Buckets.map((b) => ({ Name: b.Name, CreationDate: isoMillis(b.CreationDate) })) },
      }),
    );
  }

  #listObjects(request: RawRequest, bucket: string): RawResponse {
    const { query } = request;
    const v2 = query.get('list-type') === '2';
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? undefined : Number(maxKeysText);
    if (maxKeys !== undefined && (!/^\d+$/.test(maxKeysText ?? '') || !Number.isSafeInteger(maxKeys))) {
      throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range');
    }
    const encodingType = query.get('encoding-type') ?? undefined;
    if (encodingType !== undefined && encodingType !== 'url')
      throw new AwsError('InvalidArgument', 'Invalid Encoding Method specified in Request');
    const encode = (text: string | undefined) => (text === undefined || encodingType !== 'url' ? text : urlEncodeKey(text));
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? undefined;
    const startAfter = (v2 ? query.get('start-after') : query.get('marker')) ?? undefined;
    const token = v2 ? (query.get('continuation-token') ?? undefined) : undefined;
    const result = this.s3.ListObjects({
      Bucket: bucket,
      Prefix: prefix,
      Delimiter: delimiter,
      MaxKeys: maxKeys,
      StartAfter: startAfter,
      ContinuationToken: token,
    });
    const fetchOwner = query.get('fetch-owner') === 'true';
    const contents = result.Contents.map((object) => ({
      Key: encode(object.key),
      LastModified: isoMillis(object.lastModified),
      ETag: `"${object.etag}"`,
      ...checksumAlgorithmElement(object),
      Size: object.size,
      ...(v2 && !fetchOwner ? {} : { Owner: owner(this.s3.accountId) }),
      StorageClass: 'STANDARD',
    }));
    const common = result.CommonPrefixes.map((p) => ({ Prefix: encode(p) }));
    const body: XmlElement = v2
      ? {
          Name: bucket,
          Prefix: encode(prefix),
          ...(token === undefined ? {} : { ContinuationToken: token }),
          ...(result.NextContinuationToken === undefined ? {} : { NextContinuationToken: result.NextContinuationToken }),
          KeyCount: result.Contents.length + result.CommonPrefixes.length,
          MaxKeys: maxKeys ?? 1000,
          Delimiter: encode(delimiter),
          IsTruncated: result.IsTruncated,
          ...(startAfter === undefined ? {} : { StartAfter: encode(startAfter) }),
          Contents: contents,
          CommonPrefixes: common,
          EncodingType: encodingType,
        }
      : {
          Name: bucket,
          Prefix: encode(prefix),
          Marker: encode(startAfter ?? ''),
          ...(result.IsTruncated && delimiter !== undefined ? { NextMarker: encode(nextMarker(result)) } : {}),
          MaxKeys: maxKeys ?? 1000,
          Delimiter: encode(delimiter),
          IsTruncated: result.IsTruncated,
          Contents: contents,
          CommonPrefixes: common,
          EncodingType: encodingType,
        };
    return xml(document('ListBucketResult', body));
  }

  #putObject(request: RawRequest, bucket: string, key: string, context: RequestContext): RawResponse {
    const { body, trailers } = requestBody(request);
    const checksums = sentChecksums(request.headers, trailers);
    const { ETag, Checksums } = this.s3.PutObject(
      {
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: header(request.headers, 'content-type'),
        Headers: storedHeaders(request.headers),
        Metadata: metadataOf(request.headers),
        Tags: tagsFromHeader(header(request.headers, 'x-amz-tagging')),
        ContentMD5: header(request.headers, 'content-md5'),
        Checksums: checksums,
        IfNoneMatch: header(request.headers, 'if-none-match'),
        IfMatch: header(request.headers, 'if-match'),
      },
      context,
    );
    const echoed = Object.fromEntries(
      Object.keys(checksums).map((algorithm) => [`x-amz-checksum-${algorithm}`, Checksums[algorithm] ?? '']),
    );
    return {
      status: 200,
      headers: {
        etag: ETag,
        ...echoed,
        ...(Object.keys(echoed).length > 0 ? { 'x-amz-checksum-type': 'FULL_OBJECT' } : {}),
        'x-amz-server-side-encryption': SERVER_SIDE_ENCRYPTION,
      },
    };
  }

  #copyObject(request: RawRequest, bucket: string, key: string, context: RequestContext): RawResponse {
    const source = copySource(header(request.headers, 'x-amz-copy-source') ?? '');
    const { ETag, LastModified } = this.s3.CopyObject(
      {
        Bucket: bucket,
        Key: key,
        SourceBucket: source.bucket,
        SourceKey: source.key,
        MetadataDirective: header(request.headers, 'x-amz-metadata-directive'),
        TaggingDirective: header(request.headers, 'x-amz-tagging-directive'),
        Tags: tagsFromHeader(header(request.headers, 'x-amz-tagging')),
        ContentType: header(request.headers, 'content-type'),
        Headers: storedHeaders(request.headers),
        Metadata: metadataOf(request.headers),
      },
      context,
    );
    return encrypted(xml(document('CopyObjectResult', { LastModified: isoMillis(LastModified), ETag })));
  }

  #getObject(request: RawRequest, bucket: string, key: string): RawResponse {
    const head = request.method === 'HEAD';
    const { object, body } = head
      ? { object: this.s3.HeadObject({ Bucket: bucket, Key: key }), body: undefined }
      : this.s3.GetObject({ Bucket: bucket, Key: key });
    const ifNoneMatch = header(request.headers, 'if-none-match');
    const ifMatch = header(request.headers, 'if-match');
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch.replace(/"/g, '') !== object.etag) {
      throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412);
    }
    if (ifNoneMatch !== undefined && (ifNoneMatch === '*' || ifNoneMatch.replace(/"/g, '') === object.etag)) {
      return { status: 304, headers: { etag: `"${object.etag}"`, 'last-modified': new Date(object.lastModified).toUTCString() } };
    }
    const range = byteRange(header(request.headers, 'range'), object.size);
    const headers: Record<string, string> = {
      'content-type': object.contentType,
      etag: `"${object.etag}"`,
      'last-modified': new Date(object.lastModified).toUTCString(),
      'accept-ranges': 'bytes',
      'x-amz-server-side-encryption': SERVER_SIDE_ENCRYPTION,
      ...object.headers,
      ...Object.fromEntries(Object.entries(object.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
      ...responseOverrides(request.query),
      ...taggingCountHeader(object.tags),
    };
    if (header(request.headers, 'x-amz-checksum-mode')?.toUpperCase() === 'ENABLED' && range === undefined) {
      for (const [algorithm, value] of Object.entries(object.checksums)) headers[`x-amz-checksum-${algorithm}`] = value;
      headers['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    if (range !== undefined) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
      headers['content-length'] = String(range.end - range.start + 1);
      return { status: 206, headers, body: head ? undefined : body?.subarray(range.start, range.end + 1) };
    }
    headers['content-length'] = String(object.size);
    return { status: 200, headers, body: head ? undefined : body };
  }

  #deleteObjects(request: RawRequest, bucket: string, context: RequestContext): RawResponse {
    const { body } = requestBody(request);
    const text = body.toString('utf8');
    const objects = [...text.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((match) => elementTexts(match[1] ?? '', 'Key')[0]);
    if (!hasElement(text, 'Delete') || objects.length === 0 || objects.some((k) => k === undefined)) {
      throw new AwsError('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
    }
    if (objects.length > 1000) throw new AwsError('MalformedXML', 'The request must not name more than 1000 objects to delete.');
    const quiet = /^\s*true\s*$/i.test(elementTexts(text, 'Quiet')[0] ?? '');
    const deleted: XmlElement[] = [];
    const errors: XmlElement[] = [];
    for (const objectKey of objects as string[]) {
      try {
        this.s3.DeleteObject({ Bucket: bucket, Key: objectKey }, context);
        if (!quiet) deleted.push({ Key: objectKey });
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        errors.push({ Key: objectKey, Code: error.code, Message: error.message });
      }
    }
    return xml(document('DeleteResult', { Deleted: deleted, Error: errors }));
  }
}

function notServed(what: string): AwsError {
  return new AwsError('NotImplemented', `${what} is not served by the local S3.`, 501);
}

function xml(body: string): RawResponse {
  return { status: 200, headers: { 'content-type': 'application/xml' }, body };
}

/** An answer about an object S3 wrote, naming how it is encrypted at rest. */
function encrypted(response: RawResponse): RawResponse {
  return { ...response, headers: { ...response.headers, 'x-amz-server-side-encryption': SERVER_SIDE_ENCRYPTION } };
}

function commonHeaders(requestId: string): Record<string, string> {
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': s3HostId(requestId), server: 'AmazonS3' };
}

/** S3's error document; a HEAD answer has no body, so the SDKs read the status alone (404 -> NotFound). */
function errorResponse(error: AwsError, requestId: string, method: string, bucket?: string, key?: string): RawResponse {
  const headers = { ...commonHeaders(requestId), 'content-type': 'application/xml' };
  if (method === 'HEAD') return { status: error.status, headers };
  const detail: XmlElement = {
    Code: error.code,
    Message: error.message,
    ...(error.code === 'NoSuchBucket' || error.code === 'InvalidBucketName' || error.code === 'BucketNotEmpty'
      ? { BucketName: bucket }
      : {}),
    ...(error.code === 'NoSuchKey' ? { Key: key } : {}),
    RequestId: requestId,
    HostId: s3HostId(requestId),
  };
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${document('Error', detail)
    .replace(/^.*\n/, '')
    .replace(/ xmlns="[^"]*"/, '')}`;
  return { status: error.status, headers, body };
}

function owner(accountId: string): XmlElement {
  return { ID: createHash('sha256').update(accountId).digest('hex'), DisplayName: 'local' };
}

function checksumAlgorithmElement(object: ObjectRecord): XmlElement {
  const algorithm = Object.keys(object.checksums)[0];
  return algorithm === undefined ? {} : { ChecksumAlgorithm: algorithm.toUpperCase(), ChecksumType: 'FULL_OBJECT' };
}

function nextMarker(result: ListObjectsResult): string | undefined {
  return result.LastEntry;
}

function isoMillis(time: number): string {
  return new Date(time).toISOString();
}
