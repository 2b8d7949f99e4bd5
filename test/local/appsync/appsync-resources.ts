import type { TemplateResource } from '../../../local/template/cloud-assembly.js';

/** The id of the template's GraphQL API `Api`, as CDK refers to it. */
export const apiId = { 'Fn::GetAtt': ['Api', 'ApiId'] };

/**
 * A GraphQL API `Api` named `name` that takes API keys, its schema `Schema` of `definition` and
 * one key `Key`: spread into a template's resources beside its data sources and resolvers.
 */
export function keyedGraphqlApi(name: string, definition: string): Record<string, TemplateResource> {
  return {
    Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: { Name: name, AuthenticationType: 'API_KEY' } },
    Schema: { Type: 'AWS::AppSync::GraphQLSchema', Properties: { ApiId: apiId, Definition: definition } },
    Key: { Type: 'AWS::AppSync::ApiKey', Properties: { ApiId: apiId } },
  };
}

/** An AWS::AppSync::DataSource of `Api` named `name`; `properties` are its others (Type, DynamoDBConfig, ServiceRoleArn, ...). */
export function graphqlDataSource(name: string, properties: Record<string, unknown>): TemplateResource {
  return { Type: 'AWS::AppSync::DataSource', Properties: { ApiId: apiId, Name: name, ...properties } };
}
