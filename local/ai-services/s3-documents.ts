import { AwsError } from '../endpoint/aws-error.js';
import type { Input, LeafContext, S3Location } from './declaration.js';

/** How a service words what goes wrong with a document it is given (Textract's, Rekognition's, Comprehend's codes). */
export interface DocumentErrors {
  /** The object cannot be read: missing, or the caller may not read it. */
  readonly invalidS3Object: () => AwsError;
  /** Neither Bytes nor an S3 object given, or both. */
  readonly invalidParameter: (message: string) => AwsError;
  /** Over the service's limit. */
  readonly tooLarge: (limit: number) => AwsError;
}

/** The S3 object `{Bucket, Name, Version}` names (Textract's and Rekognition's S3Object). */
export function s3ObjectOf(value: unknown): S3Location | undefined {
  const o = value as Record<string, unknown> | undefined;
  if (typeof o?.Bucket !== 'string' || typeof o.Name !== 'string') return undefined;
  return { bucket: o.Bucket, key: o.Name, ...(typeof o.Version === 'string' ? { version: o.Version } : {}) };
}

/**
 * A document's or image's bytes, from `Bytes` (base64 on the JSON wire, bytes from an SDK
 * client in process) or its `S3Object`, read as the caller, within `limit` bytes.
 */
export async function documentBytes(
  document: Input | undefined,
  context: LeafContext,
  limit: number,
  errors: DocumentErrors,
): Promise<Buffer> {
  const bytes = document?.Bytes;
  const s3 = s3ObjectOf(document?.S3Object);
  if ((bytes === undefined) === (s3 === undefined)) {
    throw errors.invalidParameter('Request has invalid parameters');
  }
  const body =
    s3 === undefined
      ? Buffer.isBuffer(bytes) || bytes instanceof Uint8Array
        ? Buffer.from(bytes)
        : Buffer.from(String(bytes), 'base64')
      : await readAsCaller(s3, context, errors);
  if (body.length > limit) throw errors.tooLarge(limit);
  return body;
}

/** The object's bytes, or the service's InvalidS3ObjectException when S3 refuses them (missing, not allowed). */
export async function readAsCaller(
  location: S3Location,
  context: LeafContext,
  errors: Pick<DocumentErrors, 'invalidS3Object'>,
): Promise<Buffer> {
  try {
    return await context.readObject(location);
  } catch (error) {
    if (!(error instanceof AwsError)) throw error;
    throw Object.assign(errors.invalidS3Object(), { cause: error });
  }
}
