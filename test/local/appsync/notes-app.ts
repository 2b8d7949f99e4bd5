import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { arnOf, idTable, inlineFunction, userPool, userPoolClient } from '../template-resources.js';
import { graphqlDataSource } from './appsync-resources.js';

/** A GraphQL API as CDK's `appsync.GraphqlApi` synthesizes it: its schema inline (SchemaFile), an API key, data sources and resolvers. */
export const SCHEMA = `
type Note @aws_api_key @aws_cognito_user_pools {
  id: ID!
  text: String
  by: String
  secret: String @aws_cognito_user_pools(cognito_groups: ["admins"])
}
type NotePage { items: [Note] nextToken: String }
type Query {
  getNote(id: ID!): Note
  listNotes(limit: Int): NotePage
  lambdaNote(id: ID!): Note
  staged(word: String!): String
  fails: String
  whoAmI: String @aws_cognito_user_pools
  noResolver: String
}
type Mutation {
  putNote(id: ID!, text: String!): Note
  updateText(id: ID!, text: String!, expected: String!): Note
}
type Subscription {
  onPutNote(id: ID): Note @aws_subscribe(mutations: ["putNote"])
}
schema { query: Query mutation: Mutation subscription: Subscription }
`;

const LAMBDA_CODE = `exports.handler = async (event) => {
  if (event.arguments.id === 'boom') throw new Error('the function failed on purpose');
  return { id: event.arguments.id, text: 'from ' + event.info.parentTypeName + '.' + event.info.fieldName, by: JSON.stringify(event.identity) };
};`;

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
const resolver = (type: string, field: string, properties: Record<string, unknown>): TemplateResource => ({
  Type: 'AWS::AppSync::Resolver',
  Properties: { ApiId: api, TypeName: type, FieldName: field, ...properties },
  DependsOn: ['Schema'],
});

const GET_ITEM = `{"version":"2017-02-28","operation":"GetItem","key":{"id":$util.dynamodb.toDynamoDBJson($ctx.args.id)}}`;
const PUT_ITEM = `{"version":"2017-02-28","operation":"PutItem","key":{"id":$util.dynamodb.toDynamoDBJson($ctx.args.id)},
  "attributeValues":$util.dynamodb.toMapValuesJson({"text":$ctx.args.text,"by":"api"})}`;
const UPDATE_ITEM = `{"version":"2017-02-28","operation":"UpdateItem","key":{"id":$util.dynamodb.toDynamoDBJson($ctx.args.id)},
  "update":{"expression":"SET #t = :t","expressionNames":{"#t":"text"},"expressionValues":{":t":$util.dynamodb.toDynamoDBJson($ctx.args.text)}},
  "condition":{"expression":"#t = :e","expressionValues":{":e":$util.dynamodb.toDynamoDBJson($ctx.args.expected)}}}`;
const SCAN = `{"version":"2017-02-28","operation":"Scan"#if($ctx.args.limit),"limit":$ctx.args.limit#end}`;
const RESULT = '$util.toJson($ctx.result)';

/** The notes app: a table, a function and a GraphQL API over them, with Cognito as a second mode; `Url` and `Key` are outputs. */
export function notesAssembly(): string {
  const resources: Record<string, TemplateResource> = {
    Notes: idTable(),
    Fn: inlineFunction(LAMBDA_CODE),
    Users: userPool('notes-users'),
    Client: userPoolClient('Users', { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] }),
    Api: {
      Type: 'AWS::AppSync::GraphQLApi',
      Properties: {
        Name: 'notes',
        AuthenticationType: 'API_KEY',
        AdditionalAuthenticationProviders: [
          { AuthenticationType: 'AMAZON_COGNITO_USER_POOLS', UserPoolConfig: { UserPoolId: { Ref: 'Users' }, AwsRegion: 'us-east-1' } },
        ],
      },
    },
    Schema: { Type: 'AWS::AppSync::GraphQLSchema', Properties: { ApiId: api, Definition: SCHEMA } },
    Key: { Type: 'AWS::AppSync::ApiKey', Properties: { ApiId: api } },
    OldKey: { Type: 'AWS::AppSync::ApiKey', Properties: { ApiId: api, Expires: 1_000_000 } },
    TableSource: graphqlDataSource('table', {
      Type: 'AMAZON_DYNAMODB',
      DynamoDBConfig: { TableName: { Ref: 'Notes' }, AwsRegion: 'us-east-1' },
    }),
    LambdaSource: graphqlDataSource('fn', { Type: 'AWS_LAMBDA', LambdaConfig: { LambdaFunctionArn: arnOf('Fn') } }),
    NoneSource: graphqlDataSource('none', { Type: 'NONE' }),
    Shout: {
      Type: 'AWS::AppSync::FunctionConfiguration',
      Properties: {
        ApiId: api,
        Name: 'shout',
        DataSourceName: 'none',
        FunctionVersion: '2018-05-29',
        RequestMappingTemplate:
          '$util.qr($ctx.stash.put("shouted", $ctx.prev.result.toUpperCase()))\n{"version":"2018-05-29","payload":$util.toJson($ctx.stash.shouted)}',
        ResponseMappingTemplate: RESULT,
      },
      DependsOn: ['NoneSource'],
    },
    Repeat: {
      Type: 'AWS::AppSync::FunctionConfiguration',
      Properties: {
        ApiId: api,
        Name: 'repeat',
        DataSourceName: 'none',
        FunctionVersion: '2018-05-29',
        RequestMappingTemplate: '{"version":"2018-05-29","payload":"$ctx.prev.result $ctx.prev.result"}',
        ResponseMappingTemplate: RESULT,
      },
      DependsOn: ['NoneSource'],
    },
    GetNote: resolver('Query', 'getNote', { DataSourceName: 'table', RequestMappingTemplate: GET_ITEM, ResponseMappingTemplate: RESULT }),
    ListNotes: resolver('Query', 'listNotes', { DataSourceName: 'table', RequestMappingTemplate: SCAN, ResponseMappingTemplate: RESULT }),
    PutNote: resolver('Mutation', 'putNote', {
      DataSourceName: 'table',
      RequestMappingTemplate: PUT_ITEM,
      ResponseMappingTemplate: RESULT,
    }),
    UpdateText: resolver('Mutation', 'updateText', {
      DataSourceName: 'table',
      RequestMappingTemplate: UPDATE_ITEM,
      ResponseMappingTemplate: RESULT,
    }),
    LambdaNote: resolver('Query', 'lambdaNote', { DataSourceName: 'fn' }),
    Staged: resolver('Query', 'staged', {
      Kind: 'PIPELINE',
      PipelineConfig: { Functions: [{ 'Fn::GetAtt': ['Shout', 'FunctionId'] }, { 'Fn::GetAtt': ['Repeat', 'FunctionId'] }] },
      RequestMappingTemplate: '$util.toJson($ctx.args.word)',
      ResponseMappingTemplate: '$util.toJson("$ctx.prev.result (stash: $ctx.stash.shouted)")',
    }),
    Fails: resolver('Query', 'fails', {
      DataSourceName: 'none',
      RequestMappingTemplate: '$util.error("it failed on purpose", "Custom:Failure", {"why": "a test"}, {"hint": 1})',
      ResponseMappingTemplate: RESULT,
    }),
    WhoAmI: resolver('Query', 'whoAmI', {
      DataSourceName: 'none',
      RequestMappingTemplate: '{"version":"2018-05-29","payload":$util.toJson("$ctx.identity.username in $ctx.identity.groups")}',
      ResponseMappingTemplate: RESULT,
    }),
  };
  return writeAssembly(tempAssemblyDir(), {
    Notes: {
      template: {
        Resources: resources,
        Outputs: {
          Url: { Value: { 'Fn::GetAtt': ['Api', 'GraphQLUrl'] } },
          RealtimeUrl: { Value: { 'Fn::GetAtt': ['Api', 'RealtimeUrl'] } },
          ApiKey: { Value: { 'Fn::GetAtt': ['Key', 'ApiKey'] } },
          OldApiKey: { Value: { 'Fn::GetAtt': ['OldKey', 'ApiKey'] } },
          PoolId: { Value: { Ref: 'Users' } },
          ClientId: { Value: { Ref: 'Client' } },
        },
      },
    },
  });
}
