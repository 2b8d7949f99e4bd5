import { generatedName, NO_RETURN_VALUES, type ResourceTypes, unnamed } from '../template/resource-spec.js';

/** S3's resource types as the template loader names them (its module declares them). */
export const S3_RESOURCE_TYPES: ResourceTypes = {
  'AWS::S3::Bucket': {
    // Bucket names are lower case; CloudFormation derives unnamed ones from the stack and logical id too.
    name: { property: 'BucketName', max: 63, invalid: /[^a-z0-9.-]/g },
    generate: (input) => generatedName(input.stackName.toLowerCase(), input.logicalId.toLowerCase(), 63, /[^a-z0-9.-]/g),
    identify: (input, name) => ({
      ref: name,
      attributes: {
        Arn: `arn:${input.partition}:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${input.region}.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${input.region}.amazonaws.com`,
        WebsiteURL: `http://${name}.s3-website-${input.region}.amazonaws.com`,
      },
    }),
  },
  'AWS::S3::BucketPolicy': unnamed(),
  // CDK's custom resources for buckets: their notifications S3 runs, their auto-deletion happens only when a stack is deleted.
  'Custom::S3BucketNotifications': NO_RETURN_VALUES,
  // Run by S3 (bucket-deployments.ts): the destination bucket's ARN is what `deployment.deployedBucket` reads.
  'Custom::CDKBucketDeployment': {
    name: { max: 255, invalid: /[^A-Za-z0-9_-]/g },
    identify: (input, name) => {
      const bucket = typeof input.properties.DestinationBucketName === 'string' ? input.properties.DestinationBucketName : '';
      return { ref: name, attributes: { DestinationBucketArn: `arn:${input.partition}:s3:::${bucket}` } };
    },
  },
  'Custom::S3AutoDeleteObjects': NO_RETURN_VALUES,
};
