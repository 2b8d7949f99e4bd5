import {
  ALPHANUMERIC_DASH_UNDERSCORE,
  arn,
  base32,
  type IdentityInput,
  NO_RETURN_VALUES,
  type ResourceTypes,
  text,
  unnamed,
} from '../../template/resource-spec.js';

/** A knowledge base's or data source's id as Bedrock makes them: 10 upper-case letters and digits, here derived from its place in the app. */
export const resourceId = (input: IdentityInput): string => base32(`${input.stackName}/${input.logicalId}`).slice(0, 10);

const CREATED_AT = '1970-01-01T00:00:00Z';

/**
 * The knowledge base resource types (the Bedrock module declares them): a knowledge base and
 * its data sources, which the local runtime runs; and the vector stores such an app declares
 * beside them (OpenSearch Serverless collections and their policies, the index custom resource
 * of generative-ai-cdk-constructs), accepted and given their return values: every knowledge
 * base is served by the one local vector index. S3 Vectors' buckets and indexes are the
 * s3vectors module's (local/s3vectors/resource-types.ts), which serves them.
 */
export const KNOWLEDGE_BASE_TYPES: ResourceTypes = {
  'AWS::Bedrock::KnowledgeBase': {
    name: { property: 'Name', max: 100, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const id = resourceId(input);
      return {
        ref: id,
        attributes: {
          KnowledgeBaseId: id,
          KnowledgeBaseArn: arn(input, 'bedrock', `knowledge-base/${id}`),
          Status: 'ACTIVE',
          CreatedAt: CREATED_AT,
          UpdatedAt: CREATED_AT,
        },
      };
    },
  },
  'AWS::Bedrock::DataSource': {
    name: { property: 'Name', max: 100, invalid: ALPHANUMERIC_DASH_UNDERSCORE },
    identify: (input) => {
      const id = resourceId(input);
      // Ref is `<knowledge base id>|<data source id>`, as CloudFormation returns it.
      return {
        ref: `${text(input.properties, 'KnowledgeBaseId') ?? ''}|${id}`,
        attributes: { DataSourceId: id, DataSourceStatus: 'AVAILABLE', CreatedAt: CREATED_AT, UpdatedAt: CREATED_AT },
      };
    },
  },
  'AWS::OpenSearchServerless::Collection': {
    name: { property: 'Name', max: 32, invalid: /[^a-z0-9-]/g },
    identify: (input, name) => {
      const id = base32(`${input.stackName}/${input.logicalId}`).slice(0, 20).toLowerCase();
      return {
        ref: id,
        attributes: {
          Id: id,
          Arn: arn(input, 'aoss', `collection/${id}`),
          CollectionEndpoint: `https://${id}.${input.region}.aoss.amazonaws.com`,
          DashboardEndpoint: `https://${id}.${input.region}.aoss.amazonaws.com/_dashboards`,
          Name: name,
        },
      };
    },
  },
  'AWS::OpenSearchServerless::SecurityPolicy': unnamed(),
  'AWS::OpenSearchServerless::AccessPolicy': unnamed(),
  'AWS::OpenSearchServerless::VpcEndpoint': unnamed(),
  // generative-ai-cdk-constructs creates the collection's vector index with a custom resource: the local index needs none.
  'Custom::OpenSearchIndex': NO_RETURN_VALUES,
};
