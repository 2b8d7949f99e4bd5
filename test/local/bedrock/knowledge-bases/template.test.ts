import { describe, expect, it } from 'vitest';
import { TEMPLATE_TYPES } from '../../../../local/service-registry/modules.js';
import { load, resource } from '../../template/helpers.js';

/**
 * The shape generative-ai-cdk-constructs' VectorKnowledgeBase synthesizes: an OpenSearch
 * Serverless collection with its policies, the index custom resource (Custom::OpenSearchIndex,
 * its provider a Lambda function), the knowledge base on the collection's ARN, an S3 data source.
 */
const GENAI_KB_TEMPLATE = {
  Resources: {
    Docs: { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'docs' } },
    Collection: { Type: 'AWS::OpenSearchServerless::Collection', Properties: { Name: 'vectorstore', Type: 'VECTORSEARCH' } },
    Encryption: { Type: 'AWS::OpenSearchServerless::SecurityPolicy', Properties: { Name: 'enc', Type: 'encryption', Policy: '{}' } },
    Network: { Type: 'AWS::OpenSearchServerless::SecurityPolicy', Properties: { Name: 'net', Type: 'network', Policy: '[]' } },
    DataAccess: { Type: 'AWS::OpenSearchServerless::AccessPolicy', Properties: { Name: 'data', Type: 'data', Policy: '[]' } },
    ProviderRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } } },
    Provider: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Handler: 'custom_resources.on_event',
        Runtime: 'python3.12',
        Role: { 'Fn::GetAtt': ['ProviderRole', 'Arn'] },
        Code: { ZipFile: 'x' },
      },
    },
    Index: {
      Type: 'Custom::OpenSearchIndex',
      Properties: {
        ServiceToken: { 'Fn::GetAtt': ['Provider', 'Arn'] },
        Endpoint: { 'Fn::Join': ['', [{ Ref: 'Collection' }, '.us-east-1.aoss.amazonaws.com']] },
        IndexName: 'bedrock-knowledge-base-default-index',
        VectorField: 'bedrock-knowledge-base-default-vector',
        Dimensions: 1024,
      },
    },
    KnowledgeBase: {
      Type: 'AWS::Bedrock::KnowledgeBase',
      DependsOn: ['Index'],
      Properties: {
        Name: 'kb',
        RoleArn: { 'Fn::GetAtt': ['ProviderRole', 'Arn'] },
        KnowledgeBaseConfiguration: {
          Type: 'VECTOR',
          VectorKnowledgeBaseConfiguration: {
            EmbeddingModelArn: 'arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-embed-text-v2:0',
          },
        },
        StorageConfiguration: {
          Type: 'OPENSEARCH_SERVERLESS',
          OpensearchServerlessConfiguration: {
            CollectionArn: { 'Fn::GetAtt': ['Collection', 'Arn'] },
            VectorIndexName: 'bedrock-knowledge-base-default-index',
            FieldMapping: { VectorField: 'v', TextField: 'AMAZON_BEDROCK_TEXT_CHUNK', MetadataField: 'AMAZON_BEDROCK_METADATA' },
          },
        },
      },
    },
    DataSource: {
      Type: 'AWS::Bedrock::DataSource',
      Properties: {
        Name: 'docs',
        KnowledgeBaseId: { 'Fn::GetAtt': ['KnowledgeBase', 'KnowledgeBaseId'] },
        DataSourceConfiguration: { Type: 'S3', S3Configuration: { BucketArn: { 'Fn::GetAtt': ['Docs', 'Arn'] } } },
      },
    },
  },
};

describe('the knowledge base resource types', () => {
  it("load generative-ai-cdk-constructs' knowledge base with no warning for the vector store beside it", () => {
    const { stack, warnings } = load(GENAI_KB_TEMPLATE, { types: TEMPLATE_TYPES });
    expect(warnings.filter((line) => /OpenSearch|Bedrock|Custom::/.test(line))).toEqual([]);
    const kb = resource(stack, 'KnowledgeBase');
    expect(kb.ref).toMatch(/^[A-Z0-9]{10}$/);
    expect(kb.attributes.KnowledgeBaseArn).toBe(`arn:aws:bedrock:us-east-1:000000000000:knowledge-base/${kb.ref}`);
    const storage = kb.properties.StorageConfiguration as { OpensearchServerlessConfiguration: { CollectionArn: string } };
    expect(storage.OpensearchServerlessConfiguration.CollectionArn).toMatch(/^arn:aws:aoss:us-east-1:000000000000:collection\/[a-z0-9]+$/);
    const dataSource = resource(stack, 'DataSource');
    expect(dataSource.properties.KnowledgeBaseId).toBe(kb.ref);
    expect(dataSource.ref).toBe(`${kb.ref}|${dataSource.attributes.DataSourceId}`);
  });
});
