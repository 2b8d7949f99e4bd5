import { policyOn, type ResourcePolicySources } from '../iam/resource-policies.js';

/** A bucket policy, on the bucket it names (its objects' requests are evaluated against their bucket's policy: policy-store.ts). */
export const S3_RESOURCE_POLICIES: ResourcePolicySources = {
  'AWS::S3::BucketPolicy': {
    policyOnly: true,
    read: (r) =>
      typeof r.properties.Bucket === 'string' ? policyOn(`arn:aws:s3:::${r.properties.Bucket}`, r.properties.PolicyDocument) : [],
  },
};
