import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { useCognitoRuntime } from '../cognito-idp/cognito-client.js';
import {
  httpApi as httpApiResource,
  httpLambdaIntegration,
  inlineFunction,
  restMethod,
  restResource,
  restRoot,
  restStage,
  userPool,
  userPoolClient,
} from '../template-resources.js';

/** Answers with what the authorizer handed on, so the test sees the claims as the function gets them. */
const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext.authorizer) });`;
const lambdaUri = {
  'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '/invocations']],
};
const cognito = (scopes?: string[]) => ({
  AuthorizationType: 'COGNITO_USER_POOLS',
  AuthorizerId: { Ref: 'Auth' },
  ...(scopes ? { AuthorizationScopes: scopes } : {}),
  Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri },
});
const httpApi = { Ref: 'HttpApi' };

function assembly() {
  return assemblyOf(
    {
      Users: userPool('shop-users'),
      Client: userPoolClient('Users', { ClientName: 'web', ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH'] }),
      Admins: { Type: 'AWS::Cognito::UserPoolGroup', Properties: { UserPoolId: { Ref: 'Users' }, GroupName: 'admins' } },
      Fn: inlineFunction(ECHO, { Timeout: 5 }),
      // A REST API: GET /me takes an id token, GET /admin an access token with the Cognito scope, GET /orders one with orders/read.
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'shop' } },
      Auth: {
        Type: 'AWS::ApiGateway::Authorizer',
        Properties: {
          RestApiId: { Ref: 'Api' },
          Name: 'users',
          Type: 'COGNITO_USER_POOLS',
          ProviderARNs: [{ 'Fn::GetAtt': ['Users', 'Arn'] }],
          IdentitySource: 'method.request.header.Authorization',
        },
      },
      Me: restResource(restRoot, 'me'),
      MeGet: restMethod({ Ref: 'Me' }, 'GET', cognito()),
      Admin: restResource(restRoot, 'admin'),
      AdminGet: restMethod({ Ref: 'Admin' }, 'GET', cognito(['aws.cognito.signin.user.admin'])),
      Orders: restResource(restRoot, 'orders'),
      OrdersGet: restMethod({ Ref: 'Orders' }, 'GET', cognito(['orders/read'])),
      Email: restResource(restRoot, 'email'),
      EmailGet: restMethod({ Ref: 'Email' }, 'GET', {
        ...cognito(),
        Integration: {
          Type: 'MOCK',
          RequestTemplates: { 'application/json': '{"statusCode": 200}' },
          IntegrationResponses: [
            { StatusCode: '200', ResponseTemplates: { 'application/json': '{"email": "$context.authorizer.claims.email"}' } },
          ],
        },
        MethodResponses: [{ StatusCode: '200' }],
      }),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
      Stage: restStage('prod'),
      // An HTTP API whose JWT authorizer names the pool by its AWS issuer (CDK's userPoolProviderUrl) and the client as audience.
      HttpApi: httpApiResource('shop-http'),
      HttpAuth: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: httpApi,
          Name: 'jwt',
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          JwtConfiguration: { Issuer: { 'Fn::GetAtt': ['Users', 'ProviderURL'] }, Audience: [{ Ref: 'Client' }] },
        },
      },
      HttpIntegration: httpLambdaIntegration('Fn', { ApiId: httpApi }),
      HttpMe: {
        Type: 'AWS::ApiGatewayV2::Route',
        Properties: {
          ApiId: httpApi,
          RouteKey: 'GET /me',
          AuthorizationType: 'JWT',
          AuthorizerId: { Ref: 'HttpAuth' },
          Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'HttpIntegration' }]] },
        },
      },
      HttpStage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: httpApi, StageName: '$default', AutoDeploy: true } },
    },
    'Shop',
  );
}

/** A token shaped as the pool's (same header and claims) but signed with another key. */
function forged(token: string): string {
  const [header, payload] = token.split('.');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return `${header}.${payload}.${sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url')}`;
}

describe('API Gateway authorizers on the local Cognito user pools', () => {
  const clock = new ManualClock(Date.now());
  const { suite, call } = useCognitoRuntime(assembly, { clock });
  let rest: string;
  let http: string;
  let tokens: { IdToken: string; AccessToken: string };

  beforeAll(async () => {
    rest = suite.runtime.httpApiUrls.find((u) => u.kind === 'rest')?.url ?? '';
    http = suite.runtime.httpApiUrls.find((u) => u.kind === undefined)?.url ?? '';
    const { UserPools } = await call('ListUserPools', { MaxResults: 10 });
    const UserPoolId = UserPools[0].Id;
    const { UserPoolClients } = await call('ListUserPoolClients', { UserPoolId });
    const ClientId = UserPoolClients[0].ClientId;
    await call('AdminCreateUser', {
      UserPoolId,
      Username: 'ada',
      UserAttributes: [{ Name: 'email', Value: 'ada@example.com' }],
      MessageAction: 'SUPPRESS',
    });
    await call('AdminSetUserPassword', { UserPoolId, Username: 'ada', Password: 'Passw0rd!long', Permanent: true });
    await call('AdminAddUserToGroup', { UserPoolId, Username: 'ada', GroupName: 'admins' });
    const signedIn = await call('AdminInitiateAuth', {
      UserPoolId,
      ClientId,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: 'ada', PASSWORD: 'Passw0rd!long' },
    });
    tokens = signedIn.AuthenticationResult;
  });

  const get = async (url: string, authorization?: string) => {
    const response = await fetch(url, { headers: authorization === undefined ? {} : { authorization } });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };

  it('stops naming the Cognito authorizers as not run at start-up', () => {
    expect(suite.runtime.warnings.filter((w) => /COGNITO_USER_POOLS|JWT issuer/.test(w))).toEqual([]);
  });

  it('lets a REST request with the id token through and hands its claims, as strings, to the Lambda', async () => {
    const answer = await get(`${rest}/me`, tokens.IdToken);
    expect(answer.status).toBe(200);
    expect(answer.body.claims).toMatchObject({
      'cognito:username': 'ada',
      'cognito:groups': expect.stringContaining('admins'),
      email: 'ada@example.com',
      token_use: 'id',
      exp: expect.stringMatching(/^\d+$/),
    });
  });

  it('gives the claims to mapping templates as $context.authorizer.claims', async () => {
    expect(await get(`${rest}/email`, tokens.IdToken)).toEqual({ status: 200, body: { email: 'ada@example.com' } });
  });

  it('fails if the REST request has no token, a forged one, a Bearer-prefixed one or an access token: 401 Unauthorized', async () => {
    const unauthorized = { status: 401, body: { message: 'Unauthorized' } };
    expect(await get(`${rest}/me`)).toEqual(unauthorized);
    expect(await get(`${rest}/me`, forged(tokens.IdToken))).toEqual(unauthorized);
    // The REST authorizer takes the raw token: a Bearer prefix makes it no JWT.
    expect(await get(`${rest}/me`, `Bearer ${tokens.IdToken}`)).toEqual(unauthorized);
    // Without scopes a method takes only the id token.
    expect(await get(`${rest}/me`, tokens.AccessToken)).toEqual(unauthorized);
  });

  it('takes an access token holding one of the method scopes, and fails with 403 if it holds none of them', async () => {
    expect((await get(`${rest}/admin`, tokens.AccessToken)).status).toBe(200);
    expect((await get(`${rest}/orders`, tokens.AccessToken)).status).toBe(403);
    expect((await get(`${rest}/admin`, tokens.IdToken)).status).toBe(401);
  });

  it("lets an HTTP API request with the Bearer token through and hands its claims to the Lambda's jwt", async () => {
    const answer = await get(`${http}/me`, `Bearer ${tokens.AccessToken}`);
    expect(answer.status).toBe(200);
    expect(answer.body.jwt).toMatchObject({
      claims: { username: 'ada', token_use: 'access', client_id: expect.any(String) },
      scopes: ['aws.cognito.signin.user.admin'],
    });
    expect((await get(`${http}/me`, tokens.IdToken)).status).toBe(200);
  });

  it('fails if the HTTP API request has no token or a forged one: 401 Unauthorized', async () => {
    expect(await get(`${http}/me`)).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    expect(await get(`${http}/me`, `Bearer ${forged(tokens.AccessToken)}`)).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it('fails if the token has expired by the runtime clock: 401 on both APIs', async () => {
    clock.advance(2 * 3600 * 1000);
    expect((await get(`${rest}/me`, tokens.IdToken)).status).toBe(401);
    expect((await get(`${http}/me`, `Bearer ${tokens.AccessToken}`)).status).toBe(401);
  });
});
