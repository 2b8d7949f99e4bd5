import { createHash } from 'node:crypto';
import { AwsError } from '../endpoint/aws-error.js';
import type { RawRequest } from '../endpoint/protocols.js';
import { decodeAwsChunked, isAwsChunked } from './aws-chunked.js';

/** What is S3's own in a request, read before the model-driven codec reads it: the bucket and key, the body and its trailers. */
type Headers = RawRequest['headers'];

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

export function hostname(headers: Headers): string {
  const host = (header(headers, 'host') ?? '').toLowerCase();
  return host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : (host.split(':')[0] ?? '');
}

export function credentialScopeService(headers: Headers, query: URLSearchParams): string | undefined {
  const authorization = header(headers, 'authorization') ?? '';
  const fromHeader = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(authorization)?.[1];
  if (fromHeader !== undefined) return fromHeader;
  return query.get('X-Amz-Credential')?.split('/')[3];
}

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The request as S3's model routes it: path-style (`/<bucket>/<key>`, the bucket taken from a
 * virtual host name), an aws-chunked body decoded and its trailers read as the headers they
 * stand for (`x-amz-checksum-crc32`), a declared SHA-256 checked, and `aws-chunked` (which
 * describes the upload, not the object) left out of Content-Encoding.
 */
export function modelRequest(request: RawRequest): RawRequest {
  const { bucket, key } = address(request);
  const path = bucket === undefined ? '/' : `/${bucket}${key === undefined ? '' : `/${key}`}`;
  const { body, trailers } = requestBody(request);
  const trailer = header(request.headers, 'x-amz-trailer');
  if (trailer !== undefined && trailers[trailer.toLowerCase()] === undefined) {
    throw new AwsError('InvalidRequest', `The request names the trailer ${trailer} (x-amz-trailer) but does not send it.`);
  }
  const headers: Record<string, string | string[] | undefined> = { ...request.headers, ...trailers };
  const encoding = header(request.headers, 'content-encoding')
    ?.split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked')
    .join(', ');
  headers['content-encoding'] = encoding === '' ? undefined : encoding;
  return { ...request, path, body, headers };
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

/** `x-amz-copy-source`: `[/]<bucket>/<key>`, URL-encoded, optionally `?versionId=`. */
export function copySource(value: string): { bucket: string; key: string } {
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
export function byteRange(value: string | undefined, size: number): { start: number; end: number } | undefined {
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
