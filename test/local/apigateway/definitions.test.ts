import { describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { assemblyOf } from '../assembly.js';
import { httpApi, httpIntegration, httpJwtAuthorizer, httpRoute, httpStage } from '../template-resources.js';

function definitionsOf(resources: Record<string, TemplateResource>) {
  const cdkOut = assemblyOf(resources, 'S');
  return httpApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', types: TEMPLATE_TYPES }));
}

const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f';

describe('httpApiDefinitions', () => {
  it('takes a quick-create API (Target on the Api) as a $default route and stage', () => {
    const { apis, warnings } = definitionsOf({
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'q', ProtocolType: 'HTTP', Target: fnArn } },
    });
    expect(warnings).toEqual([]);
    expect(apis[0]?.routes.map((r) => r.routeKey)).toEqual(['$default']);
    expect(apis[0]?.stages.map((s) => s.name)).toEqual(['$default']);
    expect([...(apis[0]?.integrations.values() ?? [])][0]?.functionArn).toBe(fnArn);
  });

  it("reads the function from API Gateway's .../functions/<arn>/invocations form", () => {
    const { apis } = definitionsOf({
      Api: httpApi('a'),
      I: httpIntegration({
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
        PayloadFormatVersion: '2.0',
      }),
    });
    expect([...(apis[0]?.integrations.values() ?? [])][0]?.functionArn).toBe(fnArn);
  });

  it('names what is not served: WebSocket APIs, HTTP integrations, VPC links, IAM authorization, custom domains and mutual TLS', () => {
    const { warnings } = definitionsOf({
      Ws: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: { Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
      },
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'a', ProtocolType: 'HTTP', CorsConfiguration: { AllowOrigins: ['*'] } } },
      Http: httpIntegration({
        IntegrationType: 'HTTP_PROXY',
        IntegrationUri: 'https://example.com',
        IntegrationMethod: 'ANY',
        PayloadFormatVersion: '1.0',
      }),
      Old: httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn, PayloadFormatVersion: '1.0' }),
      Iam: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Api' }, RouteKey: 'GET /me', AuthorizationType: 'AWS_IAM' } },
      Linked: httpIntegration({
        IntegrationType: 'HTTP_PROXY',
        ConnectionType: 'VPC_LINK',
        ConnectionId: 'abc123',
        IntegrationUri: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/1/2',
        IntegrationMethod: 'ANY',
        PayloadFormatVersion: '1.0',
      }),
      Domain: {
        Type: 'AWS::ApiGatewayV2::DomainName',
        Properties: { DomainName: 'api.example.com', MutualTlsAuthentication: { TruststoreUri: 's3://bucket/truststore.pem' } },
      },
      Mapping: {
        Type: 'AWS::ApiGatewayV2::ApiMapping',
        Properties: { ApiId: { Ref: 'Api' }, DomainName: 'api.example.com', Stage: '$default' },
      },
    });
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('S/Ws (AWS::ApiGatewayV2::Api): WEBSOCKET APIs are not served locally'),
        expect.stringContaining(
          'S/Http (AWS::ApiGatewayV2::Integration): HTTP_PROXY integrations to https://example.com, not on this machine, are not called locally',
        ),
        expect.stringContaining('S/Iam (AWS::ApiGatewayV2::Route): AWS_IAM authorization is not checked locally'),
        expect.stringContaining('S/Linked (AWS::ApiGatewayV2::Integration): HTTP_PROXY integrations through a VPC link'),
        expect.stringContaining('S/Mapping (AWS::ApiGatewayV2::ApiMapping): custom domain names are not served locally'),
        expect.stringContaining('S/Domain (AWS::ApiGatewayV2::DomainName): mutual TLS is not applied locally'),
      ]),
    );
    // CORS is answered and payload format 1.0 built locally (see cors.test.ts, http-api.test.ts).
    expect(warnings.filter((w) => w.includes('CORS') || w.includes('S/Old'))).toEqual([]);
  });

  it('reads service integrations, authorizers and route throttling, and reports none of them', () => {
    const { apis, warnings } = definitionsOf({
      Api: httpApi('a'),
      Send: httpIntegration({
        IntegrationType: 'AWS_PROXY',
        IntegrationSubtype: 'SQS-SendMessage',
        PayloadFormatVersion: '1.0',
        RequestParameters: { QueueUrl: 'http://q', MessageBody: '$request.body' },
      }),
      Auth: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: { Ref: 'Api' },
          Name: 'auth',
          AuthorizerType: 'REQUEST',
          AuthorizerUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
          AuthorizerPayloadFormatVersion: '2.0',
          EnableSimpleResponses: true,
          IdentitySource: ['$request.header.Authorization'],
          AuthorizerResultTtlInSeconds: 60,
        },
      },
      Jwt: httpJwtAuthorizer('jwt', 'http://localhost:8080/realms/shop', ['shop']),
      Route: httpRoute('POST /orders', 'Send', {
        AuthorizationType: 'JWT',
        AuthorizerId: { Ref: 'Jwt' },
        AuthorizationScopes: ['orders:write'],
      }),
      Stage: httpStage('$default', {
        DefaultRouteSettings: { ThrottlingBurstLimit: 5, ThrottlingRateLimit: 2 },
        RouteSettings: { 'POST /orders': { ThrottlingBurstLimit: 1 } },
      }),
    });
    expect(warnings).toEqual([]);
    const api = apis[0];
    expect([...(api?.integrations.values() ?? [])][0]).toMatchObject({
      subtype: 'SQS-SendMessage',
      requestParameters: { QueueUrl: 'http://q', MessageBody: '$request.body' },
    });
    expect([...(api?.authorizers.values() ?? [])].map((a) => a.kind)).toEqual(['lambda', 'jwt']);
    expect([...(api?.authorizers.values() ?? [])][0]).toMatchObject({ functionArn: fnArn, simpleResponses: true, ttlSeconds: 60 });
    expect(api?.routes[0]).toMatchObject({ authorizationType: 'JWT', authorizationScopes: ['orders:write'] });
    expect(api?.stages[0]?.throttling).toEqual({ defaults: { rate: 2, burst: 5 }, routes: { 'POST /orders': { rate: 2, burst: 1 } } });
  });

  it("signs a service integration as the role its CredentialsArn names, and as the runtime's own with the caller's credentials passed through", () => {
    const send = (CredentialsArn: string) =>
      httpIntegration({
        IntegrationType: 'AWS_PROXY',
        IntegrationSubtype: 'SQS-SendMessage',
        CredentialsArn,
        RequestParameters: { QueueUrl: 'http://q', MessageBody: '$request.body' },
      });
    const { apis } = definitionsOf({
      Api: httpApi('a'),
      AsRole: send('arn:aws:iam::000000000000:role/api-sender'),
      AsCaller: send('arn:aws:iam::*:user/*'),
    });
    expect([...(apis[0]?.integrations.values() ?? [])].map((i) => i.roleArn)).toEqual([
      'arn:aws:iam::000000000000:role/api-sender',
      undefined,
    ]);
  });

  it('names a subtype whose service does not run here, a missing required parameter, and a JWT issuer off this machine', () => {
    const integration = (subtype: string, parameters: Record<string, string>) =>
      httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationSubtype: subtype, RequestParameters: parameters });
    const { warnings } = definitionsOf({
      Api: httpApi('a'),
      Kinesis: integration('Kinesis-PutRecord', { StreamName: 's', Data: 'd', PartitionKey: 'p' }),
      Half: integration('EventBridge-PutEvents', { Detail: '$request.body' }),
      Remote: {
        Type: 'AWS::ApiGatewayV2::Authorizer',
        Properties: {
          ApiId: { Ref: 'Api' },
          Name: 'remote',
          AuthorizerType: 'JWT',
          IdentitySource: ['$request.header.Authorization'],
          // A Cognito pool's issuer is its local pool's (authorizers/user-pools.ts): another host's is named.
          JwtConfiguration: { Issuer: 'https://login.example.com/tenant', Audience: ['x'] },
        },
      },
    });
    expect(warnings).toEqual([
      expect.stringContaining('S/Kinesis (AWS::ApiGatewayV2::Integration): Kinesis-PutRecord integrations are not run locally'),
      expect.stringContaining(
        'S/Half (AWS::ApiGatewayV2::Integration): EventBridge-PutEvents requires the parameter(s) DetailType, Source',
      ),
      expect.stringContaining('S/Remote (AWS::ApiGatewayV2::Authorizer): the JWT issuer https://login.example.com/tenant'),
    ]);
  });
});
