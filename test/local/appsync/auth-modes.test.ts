import { describe, expect, it } from 'vitest';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { arnOf, inlineFunction } from '../template-resources.js';
import { graphqlDataSource } from './appsync-resources.js';
import { signedAppSyncPost } from './signed-post.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
const CREDENTIALS = { accessKeyId: 'AKIDAPPSYNC', secretAccessKey: 'appsync-secret' };

const AUTHORIZER = `exports.handler = async (event) => ({
  isAuthorized: event.authorizationToken === 'let-me-in',
  resolverContext: { tenant: 'acme', operation: String(event.requestContext.operationName) },
  deniedFields: ['Query.secret'],
});`;

/** An API whose default mode is a Lambda authorizer, with IAM as a second mode for one field. */
function assembly(): string {
  const none = (field: string, payload: string) => ({
    Type: 'AWS::AppSync::Resolver',
    Properties: {
      ApiId: api,
      TypeName: 'Query',
      FieldName: field,
      DataSourceName: 'none',
      RequestMappingTemplate: `{"version":"2018-05-29","payload":${payload}}`,
      ResponseMappingTemplate: '$util.toJson($ctx.result)',
    },
    DependsOn: ['Schema', 'None'],
  });
  return assemblyOf({
    Authorizer: inlineFunction(AUTHORIZER),
    Api: {
      Type: 'AWS::AppSync::GraphQLApi',
      Properties: {
        Name: 'modes',
        AuthenticationType: 'AWS_LAMBDA',
        LambdaAuthorizerConfig: { AuthorizerUri: arnOf('Authorizer') },
        AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
      },
    },
    Schema: {
      Type: 'AWS::AppSync::GraphQLSchema',
      Properties: {
        ApiId: api,
        Definition: 'type Query { tenant: String secret: String signedBy: String @aws_iam mode: String @aws_iam @aws_lambda }',
      },
    },
    None: graphqlDataSource('none', { Type: 'NONE' }),
    Tenant: none('tenant', '"$ctx.identity.resolverContext.tenant for $ctx.identity.resolverContext.operation"'),
    Secret: none('secret', '"hidden"'),
    SignedBy: none('signedBy', '"$ctx.identity.accessKey"'),
    Mode: none('mode', '"$util.authType()"'),
  });
}

describe('AppSync auth modes', () => {
  const local = restartableRuntime({
    assembly,
    ownsAssembly: true,
    options: { verifySignatures: { credentials: [CREDENTIALS] } },
  });
  const url = () => local.runtime.appsync.apis[0]?.url ?? '';

  const post = async (query: string, headers: Record<string, string>, operationName?: string) => {
    const response = await fetch(url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, operationName }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const signed = (query: string, secretAccessKey = CREDENTIALS.secretAccessKey) =>
    signedAppSyncPost(url(), JSON.stringify({ query }), { ...CREDENTIALS, secretAccessKey });

  it('lets in what the Lambda authorizer authorizes, with its resolverContext, and refuses its deniedFields', async () => {
    const answer = await post('query Mine { tenant secret mode }', { authorization: 'let-me-in' }, 'Mine');
    expect(answer.body).toEqual({
      data: { tenant: 'acme for Mine', secret: null, mode: 'Lambda Authorization' },
      errors: [
        expect.objectContaining({ path: ['secret'], errorType: 'Unauthorized', message: 'Not Authorized to access secret on type Query' }),
      ],
    });
  });

  it('fails a token the Lambda authorizer refuses with 401 UnauthorizedException', async () => {
    const answer = await post('{ tenant }', { authorization: 'let-me-out' });
    expect(answer).toEqual({
      status: 401,
      body: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] },
    });
  });

  it('lets a SigV4-signed request in as AWS_IAM on the fields @aws_iam allows, with the access key as its identity', async () => {
    expect((await signed('{ signedBy mode }')).body).toEqual({ data: { signedBy: 'AKIDAPPSYNC', mode: 'IAM Authorization' } });
    const tenant = await signed('{ tenant }');
    expect(tenant.body.errors).toEqual([
      expect.objectContaining({ errorType: 'Unauthorized', message: 'Not Authorized to access tenant on type Query' }),
    ]);
  });

  it('fails a request signed with the wrong secret with 401', async () => {
    expect((await signed('{ signedBy }', 'not-the-secret')).status).toBe(401);
  });
});
