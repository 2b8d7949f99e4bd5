import { arn, type IdentityInput, type TypeSpecs, text, unnamed } from '../template/resource-spec.js';

const CREATED_AT = '1970-01-01T00:00:00Z';

/** The bucket an index names: `VectorBucketName`, else the bucket of its `VectorBucketArn`. */
export function indexBucketName(properties: IdentityInput['properties']): string | undefined {
  return text(properties, 'VectorBucketName') ?? text(properties, 'VectorBucketArn')?.split(':bucket/')[1];
}

/**
 * S3 Vectors' resource types as the template loader names them (its module declares them): the
 * buckets and indexes the runtime creates at start (a Bedrock knowledge base's storage among
 * them), and bucket policies, accepted.
 */
export const S3VECTORS_TYPE_SPECS: TypeSpecs = {
  'AWS::S3Vectors::VectorBucket': {
    name: { property: 'VectorBucketName', max: 63, invalid: /[^a-z0-9-]/g },
    identify: (input, name) => {
      const bucketArn = arn(input, 's3vectors', `bucket/${name}`);
      return { ref: bucketArn, attributes: { VectorBucketArn: bucketArn, CreationTime: CREATED_AT } };
    },
  },
  'AWS::S3Vectors::Index': {
    name: { property: 'IndexName', max: 63, invalid: /[^a-z0-9.-]/g },
    identify: (input, name) => {
      const bucket = indexBucketName(input.properties) ?? 'bucket';
      const indexArn = arn(input, 's3vectors', `bucket/${bucket}/index/${name}`);
      return { ref: indexArn, attributes: { IndexArn: indexArn, CreationTime: CREATED_AT } };
    },
  },
  'AWS::S3Vectors::VectorBucketPolicy': unnamed(),
};
