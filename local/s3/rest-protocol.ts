import { createHash } from 'node:crypto';
import { AwsError } from '../aws-error.js';
import type { RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked.js';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksums.js';
import type { ListObjectsResult } from './listing.js';
import { type RequestContext, type S3Service, STORED_HEADERS, s3RequestId } from './s3-service.js';
import type { ObjectRecord } from './s3-store.js';
import { document, elementTexts, hasElement, type XmlElement } from './xml.js';

type Headers = RawRequest['headers'];

/** Query parameters that are an operation's arguments rather than a sub-resource (`?acl`, `?tagging`, ...). */
const ARGUMENTS = new Set([
  'list-type',
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'encoding-type',
  'marker',
  'x-id',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);
/** Sub-resources this S3 answers; any other is NotImplemented, naming it. */
const SERVED = new Set(['location', 'notification', 'delete']);

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
  constructor(private readonly s3: S3Service) {}

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
      const response = this.#dispatch(request, bucket, key, context);
      return { ...response, headers: { ...commonHeaders(requestId), ...response.headers } };
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      return errorResponse(error, requestId, request.method, bucket, key);
    }
  }

  #dispatch(request: RawRequest, bucket: string | undefined, key: string | undefined, context: RequestContext): RawResponse {
    const { method, query } = request;
    const subresources = [...query.keys()].filter((name) => !ARGUMENTS.has(name) && !/^x-amz-/i.test(name));
    const unsupported = subresources.find((name) => !SERVED.has(name));
    if (unsupported !== undefined) {
      const multipart = unsupported === 'uploads' || unsupported === 'uploadId' || unsupported === 'partNumber';
      throw new AwsError(
        'NotImplemented',
        multipart
          ? 'Multipart uploads are not served by the local S3; send objects in one PutObject (the AWS CLI does for files under 8 MB; raise multipart_threshold for larger ones).'
          : `The ${method} ?${unsupported} operation is not served by the local S3.`,
        501,
      );
    }
    if (bucket === undefined) {
      if (method === 'GET') return this.#listBuckets();
      throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
    }
    if (key === undefined) return this.#bucketOperation(request, bucket, context);
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
        const { EventBridgeEnabled } = this.s3.GetBucketNotificationConfiguration({ Bucket: bucket });
        return xml(document('NotificationConfiguration', EventBridgeEnabled ? { EventBridgeConfiguration: {} } : {}));
      }
      if (method === 'PUT') {
        const body = request.body.toString('utf8');
        this.s3.PutBucketNotificationConfiguration({
          Bucket: bucket,
          EventBridgeEnabled: hasElement(body, 'EventBridgeConfiguration'),
          OtherDestinations: ['QueueConfiguration', 'TopicConfiguration', 'CloudFunctionConfiguration'].some((name) =>
            hasElement(body, name),
          ),
        });
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
    const encode = (text: string | undefined) => (text === undefined || encodingType !== 'url' ? text : urlEncode(text));
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
      headers: { etag: ETag, ...echoed, ...(Object.keys(echoed).length > 0 ? { 'x-amz-checksum-type': 'FULL_OBJECT' } : {}) },
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
        ContentType: header(request.headers, 'content-type'),
        Headers: storedHeaders(request.headers),
        Metadata: metadataOf(request.headers),
      },
      context,
    );
    return xml(document('CopyObjectResult', { LastModified: isoMillis(LastModified), ETag }));
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
      ...object.headers,
      ...Object.fromEntries(Object.entries(object.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
      ...responseOverrides(request.query),
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

function xml(body: string): RawResponse {
  return { status: 200, headers: { 'content-type': 'application/xml' }, body };
}

function commonHeaders(requestId: string): Record<string, string> {
  return { 'x-amz-request-id': requestId, 'x-amz-id-2': Buffer.from(requestId).toString('base64'), server: 'AmazonS3' };
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
    HostId: Buffer.from(requestId).toString('base64'),
  };
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${document('Error', detail)
    .replace(/^.*\n/, '')
    .replace(/ xmlns="[^"]*"/, '')}`;
  return { status: error.status, headers, body };
}

/** The bucket and key a request addresses: from a virtual host name, else from the path. */
function address(request: RawRequest): { bucket?: string; key?: string } {
  const host = hostname(request.headers);
  const virtual = /^(.+)\.s3\.localhost$/.exec(host) ?? (host !== 's3.localhost' ? /^(.+)\.localhost$/.exec(host) : null);
  const path = request.path;
  if (virtual?.[1] !== undefined) {
    const key = path.slice(1);
    return { bucket: virtual[1], ...(key === '' ? {} : { key }) };
  }
  const rest = path.slice(1);
  if (rest === '') return {};
  const slash = rest.indexOf('/');
  if (slash < 0) return { bucket: rest };
  const key = rest.slice(slash + 1);
  return { bucket: rest.slice(0, slash), ...(key === '' ? {} : { key }) };
}

function hostname(headers: Headers): string {
  const host = (header(headers, 'host') ?? '').toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

function credentialScopeService(headers: Headers, query: URLSearchParams): string | undefined {
  const authorization = header(headers, 'authorization') ?? '';
  const fromHeader = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1];
  if (fromHeader !== undefined) return fromHeader;
  return query.get('X-Amz-Credential')?.split('/')[3];
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The object's bytes: aws-chunked bodies decoded, and a declared SHA-256 checked. */
function requestBody(request: RawRequest): { body: Buffer; trailers: Record<string, string> } {
  const declared = header(request.headers, 'x-amz-content-sha256');
  if (isAwsChunked(request.headers)) {
    const decodedLength = header(request.headers, 'x-amz-decoded-content-length');
    const decoded = decodeAwsChunked(request.body, decodedLength === undefined ? undefined : Number(decodedLength));
    return { body: decoded.body, trailers: { ...decoded.trailers } };
  }
  if (declared !== undefined && /^[0-9a-f]{64}$/i.test(declared)) {
    if (createHash('sha256').update(request.body).digest('hex') !== declared.toLowerCase()) {
      throw new AwsError('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
  }
  return { body: request.body, trailers: {} };
}

function sentChecksums(headers: Headers, trailers: Record<string, string>): Partial<Record<ChecksumAlgorithm, string>> {
  const sent: Partial<Record<ChecksumAlgorithm, string>> = {};
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const value = header(headers, `x-amz-checksum-${algorithm}`) ?? trailers[`x-amz-checksum-${algorithm}`];
    if (value !== undefined) sent[algorithm] = value;
  }
  const trailer = header(headers, 'x-amz-trailer');
  if (trailer !== undefined && trailers[trailer.toLowerCase()] === undefined) {
    throw new AwsError('InvalidRequest', `The request names the trailer ${trailer} (x-amz-trailer) but does not send it.`);
  }
  if (Object.keys(sent).length > 1)
    throw new AwsError('InvalidRequest', 'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  return sent;
}

function storedHeaders(headers: Headers): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const name of STORED_HEADERS) {
    let value = header(headers, name);
    // aws-chunked describes the upload, not the object.
    if (name === 'content-encoding' && value !== undefined) {
      value = value
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked')
        .join(', ');
      if (value === '') value = undefined;
    }
    if (value !== undefined) stored[name] = value;
  }
  return stored;
}

function metadataOf(headers: Headers): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined)
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
  }
  return metadata;
}

function responseOverrides(query: URLSearchParams): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const name of ['content-type', 'content-language', 'expires', 'cache-control', 'content-disposition', 'content-encoding']) {
    const value = query.get(`response-${name}`);
    if (value !== null) overrides[name] = value;
  }
  return overrides;
}

/** `x-amz-copy-source`: `[/]<bucket>/<key>`, URL-encoded, optionally `?versionId=`. */
function copySource(value: string): { bucket: string; key: string } {
  const [pathPart = ''] = value.split('?');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart).replace(/^\//, '');
  } catch {
    throw new AwsError('InvalidArgument', 'Invalid copy source encoding');
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) {
    throw new AwsError('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  }
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1) };
}

/** One `bytes=` range (S3 serves a single range; an unparsable header is ignored, as S3 does). */
function byteRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = value === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) throw rangeError(size);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size) throw rangeError(size);
  return { start, end };
}

function rangeError(size: number): AwsError {
  return new AwsError('InvalidRange', `The requested range is not satisfiable (the object is ${size} bytes).`, 416);
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

/** `encoding-type=url`: as S3 encodes keys, which the SDKs decode (spaces as `+`). */
function urlEncode(text: string): string {
  return encodeURIComponent(text)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
