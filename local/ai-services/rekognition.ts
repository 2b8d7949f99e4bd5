import { AwsError } from '../endpoint/aws-error.js';
import type { Input, LeafContext, LeafOperation, LeafServiceDeclaration } from './declaration.js';
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

/** The image's bytes when they are a PNG or a JPEG (what Rekognition reads); InvalidImageFormatException otherwise. */
async function image(input: Input, context: LeafContext): Promise<{ width?: number; height?: number }> {
  const given = input.Image as Input | undefined;
  const bytes = await documentBytes(given, context, given?.Bytes === undefined ? S3_LIMIT : BYTES_LIMIT, ERRORS);
  try {
    const content = readDocument(bytes);
    if (content.kind === 'image' && content.format !== 'tiff') return content;
  } catch (error) {
    if (!(error instanceof UnsupportedDocument)) throw error;
  }
  throw new AwsError('InvalidImageFormatException', 'Request has invalid image format');
}

const VOCABULARY: readonly (readonly [string, readonly string[]])[] = [
  ['Person', []],
  ['Document', ['Text']],
  ['Text', []],
  ['Outdoors', []],
  ['Building', ['Architecture']],
  ['Car', ['Vehicle', 'Transportation']],
  ['Dog', ['Animal', 'Pet', 'Mammal']],
  ['Plant', []],
  ['Food', []],
  ['Furniture', []],
];

/** Labels drawn from the image's digest: the same image always gets the same ones, at most MaxLabels, none under MinConfidence. */
const detectLabels: LeafOperation = {
  async simulate(input, context) {
    await image(input, context);
    const max = typeof input.MaxLabels === 'number' ? input.MaxLabels : 5;
    const min = typeof input.MinConfidence === 'number' ? input.MinConfidence : 55;
    const labels = Array.from({ length: 5 }, (_, i) => {
      const [name, parents] = VOCABULARY[(context.seed + i * 7) % VOCABULARY.length] as (typeof VOCABULARY)[number];
      return { Name: name, Confidence: 99 - i * 9, Instances: [], Parents: parents.map((Name) => ({ Name })), Categories: [] };
    });
    const unique = labels.filter((l, i) => labels.findIndex((o) => o.Name === l.Name) === i);
    return { Labels: unique.filter((l) => l.Confidence >= min).slice(0, max), LabelModelVersion: '3.0' };
  },
};

/** What an operation answers once the image is read: its model's schema-valid output (no faces, no text, nothing to moderate). */
const afterImage = (answer: (input: Input, context: LeafContext) => unknown): LeafOperation => ({
  async simulate(input, context) {
    await image(input, context);
    return answer(input, context);
  },
});

/** Amazon Rekognition's image operations: the image checked as Rekognition checks it, labels drawn from its digest. */
export const REKOGNITION: LeafServiceDeclaration = {
  name: 'rekognition',
  title: 'Rekognition',
  sdkClient: { package: '@aws-sdk/client-rekognition', serviceId: 'Rekognition', baseException: 'RekognitionServiceException' },
  operations: {
    DetectLabels: detectLabels,
    DetectText: afterImage(() => ({ TextDetections: [], TextModelVersion: '3.0' })),
    DetectFaces: afterImage(() => ({ FaceDetails: [] })),
    DetectModerationLabels: afterImage(() => ({ ModerationLabels: [], ModerationModelVersion: '7.0' })),
  },
};
