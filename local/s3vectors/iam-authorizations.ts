import type { Input } from '../iam/authorizations.js';
import { arnOf, type OperationContext, type ResourceOf, serviceIam, text } from '../iam/authorizations.js';

/** The bucket a request names: its ARN, or the ARN of its name. */
const bucketArnOf = (input: Input, context: OperationContext): string =>
  text(input.vectorBucketArn) ?? arnOf('s3vectors', context, `bucket/${text(input.vectorBucketName) ?? '*'}`);

const bucket: ResourceOf = bucketArnOf;
/** An index's operations are authorized on the index (`bucket/<bucket>/index/<name>`), named by its ARN or by the bucket's and its name. */
const index: ResourceOf = (input, context) =>
  text(input.indexArn) ?? `${bucketArnOf(input, context)}/index/${text(input.indexName) ?? '*'}`;

/**
 * How IAM authorizes S3 Vectors' requests (its module declares it): each operation is the
 * `s3vectors:` action of its name on the bucket or index it names
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3vectors.html).
 */
export const s3VectorsIam = serviceIam('s3vectors', {
  accessDenied: { code: 'AccessDeniedException', status: 403 },
  unscoped: ['ListVectorBuckets'],
  sameNamed: {
    CreateVectorBucket: bucket,
    GetVectorBucket: bucket,
    DeleteVectorBucket: bucket,
    ListIndexes: bucket,
    PutVectorBucketPolicy: bucket,
    GetVectorBucketPolicy: bucket,
    DeleteVectorBucketPolicy: bucket,
    CreateIndex: index,
    GetIndex: index,
    DeleteIndex: index,
    PutVectors: index,
    GetVectors: index,
    ListVectors: index,
    DeleteVectors: index,
    QueryVectors: index,
  },
});
