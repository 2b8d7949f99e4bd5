import { generatedName, type TypeSpecs, unnamed } from '../template/resource-spec.js';

/** S3's resource types as the template loader names them (template/resources.ts). */
export const S3_TYPE_SPECS: TypeSpecs = {
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
};
