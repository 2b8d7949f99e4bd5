import type { Input, LeafContext, LeafOperation, LeafServiceDeclaration } from './declaration.js';
import { COLLECTION_IAM, COLLECTION_OPERATIONS, COLLECTION_TYPES } from './rekognition-collections.js';
import { rekognitionImage as image } from './rekognition-image.js';

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

/**
 * Amazon Rekognition's image operations (the image checked as Rekognition checks it, labels
 * drawn from its digest) and its face collections, kept in its database (rekognition-collections.ts).
 */
export const REKOGNITION: LeafServiceDeclaration = {
  name: 'rekognition',
  title: 'Rekognition',
  sdkClient: { package: '@aws-sdk/client-rekognition', serviceId: 'Rekognition', baseException: 'RekognitionServiceException' },
  stateful: true,
  resourceTypes: COLLECTION_TYPES,
  iamResources: COLLECTION_IAM,
  timestamps: ['CreationTimestamp'],
  operations: {
    ...COLLECTION_OPERATIONS,
    DetectLabels: detectLabels,
    DetectText: afterImage(() => ({ TextDetections: [], TextModelVersion: '3.0' })),
    DetectFaces: afterImage(() => ({ FaceDetails: [] })),
    DetectModerationLabels: afterImage(() => ({ ModerationLabels: [], ModerationModelVersion: '7.0' })),
  },
};
