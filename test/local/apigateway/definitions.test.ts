import { describe, expect, it } from 'vitest';
import { httpApiDefinitions } from '../../../local/apigateway/definitions.js';
import { SUPPORTED_RESOURCE_TYPES } from '../../../local/services/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';

function definitionsOf(resources: Record<string, TemplateResource>) {
  const cdkOut = writeAssembly(tempAssemblyDir(), { S: { template: { Resources: resources } } });
  return httpApiDefinitions(loadApp({ cdkOut, baseUrl: 'http://127.0.0.1:4566', supportedTypes: SUPPORTED_RESOURCE_TYPES }));
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
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'a', ProtocolType: 'HTTP' } },
      I: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'AWS_PROXY',
          IntegrationUri: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`,
          PayloadFormatVersion: '2.0',
        },
      },
    });
    expect([...(apis[0]?.integrations.values() ?? [])][0]?.functionArn).toBe(fnArn);
  });

  it('names what is not served: WebSocket APIs, HTTP integrations, VPC links, IAM authorization and custom domains', () => {
    const { warnings } = definitionsOf({
      Ws: {
        Type: 'AWS::ApiGatewayV2::Api',
        Properties: { Name: 'ws', ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' },
      },
      Api: { Type: 'AWS::ApiGatewayV2::Api', Properties: { Name: 'a', ProtocolType: 'HTTP', CorsConfiguration: { AllowOrigins: ['*'] } } },
      Http: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'HTTP_PROXY',
          IntegrationUri: 'https://example.com',
          IntegrationMethod: 'ANY',
          PayloadFormatVersion: '1.0',
        },
      },
      Old: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: { ApiId: { Ref: 'Api' }, IntegrationType: 'AWS_PROXY', IntegrationUri: fnArn, PayloadFormatVersion: '1.0' },
      },
      Iam: { Type: 'AWS::ApiGatewayV2::Route', Properties: { ApiId: { Ref: 'Api' }, RouteKey: 'GET /me', AuthorizationType: 'AWS_IAM' } },
      Linked: {
        Type: 'AWS::ApiGatewayV2::Integration',
        Properties: {
          ApiId: { Ref: 'Api' },
          IntegrationType: 'HTTP_PROXY',
          ConnectionType: 'VPC_LINK',
          ConnectionId: 'abc123',
          IntegrationUri: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/app/x/1/2',
          IntegrationMethod: 'ANY',
          PayloadFormatVersion: '1.0',
        },
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
          'S/Http (AWS::ApiGatewayV2::Integration): HTTP_PROXY integrations with https://example.com are not run locally',
        ),
        expect.stringContaining('S/Iam (AWS::ApiGatewayV2::Route): AWS_IAM authorization is not checked locally'),
        expect.stringContaining('S/Linked (AWS::ApiGatewayV2::Integration): HTTP_PROXY integrations through a VPC link'),
        expect.stringContaining('S/Mapping (AWS::ApiGatewayV2::ApiMapping): custom domain names are not served locally'),
      ]),
    );
    // CORS is answered and payload format 1.0 built locally (see cors.test.ts, http-api.test.ts).
    expect(warnings.filter((w) => w.includes('CORS') || w.includes('S/Old'))).toEqual([]);
  });
});
