import { AwsError } from '../endpoint/aws-error.js';
import type { Input, LeafContext } from './declaration.js';
import { readDocument, UnsupportedDocument } from './documents.js';
import { type DocumentErrors, documentBytes } from './s3-documents.js';

/** Rekognition's image limits: 5 MB as bytes, 15 MB in S3 (the lower checked first, as bytes are read). */
const BYTES_LIMIT = 5 * 1024 * 1024;
const S3_LIMIT = 15 * 1024 * 1024;

const ERRORS: DocumentErrors = {
  invalidS3Object: () =>
    new AwsError('InvalidS3ObjectException', 'Unable to get object metadata from S3. Check object key, region and/or access permissions.'),
  invalidParameter: (message) => new AwsError('InvalidParameterException', message),
  tooLarge: () => new AwsError('ImageTooLargeException', 'Image size is too large.'),
};

/** An image as Rekognition read it: its bytes and, where its header says, its size. */
export interface RekognitionImage {
  readonly bytes: Buffer;
  readonly width?: number;
  readonly height?: number;
}

/** The request's `Image` when its bytes are a PNG or a JPEG (what Rekognition reads); InvalidImageFormatException otherwise. */
export async function rekognitionImage(input: Input, context: LeafContext, member = 'Image'): Promise<RekognitionImage> {
  const given = input[member] as Input | undefined;
  const bytes = await documentBytes(given, context, given?.Bytes === undefined ? S3_LIMIT : BYTES_LIMIT, ERRORS);
  try {
    const content = readDocument(bytes);
    if (content.kind === 'image' && content.format !== 'tiff') return { ...content, bytes };
  } catch (error) {
    if (!(error instanceof UnsupportedDocument)) throw error;
  }
  throw new AwsError('InvalidImageFormatException', 'Request has invalid image format');
}
