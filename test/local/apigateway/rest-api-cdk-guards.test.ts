import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REST_API_RESOURCE_TYPES, type RestApiDefinition, restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import { loadApp } from '../../../local/template/load.js';
import { synthStack } from '../cdk-stack.js';

/** A RestApi as CDK writes one with a request validator and model, an API key in a usage plan, and a token authorizer. */
function synthApp(outdir: string): void {
  synthStack(
    'Guards',
    (stack) => {
      const code = lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "" });');
      const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
      const authFn = new lambda.Function(stack, 'AuthFn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code });
      const api = new apigateway.RestApi(stack, 'Api');
      const model = api.addModel('Order', {
        contentType: 'application/json',
        schema: {
          type: apigateway.JsonSchemaType.OBJECT,
          required: ['sku'],
          properties: { sku: { type: apigateway.JsonSchemaType.STRING } },
        },
      });
      const validator = api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true });
      const authorizer = new apigateway.TokenAuthorizer(stack, 'Auth', { handler: authFn, resultsCacheTtl: Duration.seconds(30) });
      const orders = api.root.addResource('orders');
      orders.addMethod('POST', new apigateway.LambdaIntegration(fn), {
        requestValidator: validator,
        requestModels: { 'application/json': model },
        requestParameters: { 'method.request.querystring.tenant': true },
        apiKeyRequired: true,
        authorizer,
      });
      const key = api.addApiKey('Key');
      const plan = api.addUsagePlan('Plan', {
        throttle: { rateLimit: 5, burstLimit: 2 },
        quota: { limit: 100, period: apigateway.Period.DAY },
      });
      plan.addApiStage({ stage: api.deploymentStage });
      plan.addApiKey(key);
    },
    outdir,
  );
}

describe('restApiDefinitions of a CDK RestApi with validators, API keys and an authorizer', () => {
  let dir: string;
  let api: RestApiDefinition;
  let warnings: string[];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rest-guards-'));
    synthApp(dir);
    const app = loadApp({
      cdkOut: dir,
      baseUrl: 'http://127.0.0.1:4566',
      types: { specs: TEMPLATE_TYPES.specs, supported: new Set(REST_API_RESOURCE_TYPES) },
    });
    const definitions = restApiDefinitions(app);
    api = definitions.apis[0] as RestApiDefinition;
    warnings = definitions.warnings;
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the method as guarded by all three, and reports only the generated key value', () => {
    const method = api.resources.find((r) => r.path === '/orders')?.methods.get('POST');
    expect(method?.validation?.parameters?.querystring).toEqual(['tenant']);
    expect(method?.validation?.bodyModels?.get('application/json')?.({ sku: 'a' })).toBe(true);
    expect(method?.validation?.bodyModels?.get('application/json')?.({})).toBe(false);
    expect(method?.apiKeyRequired).toBe(true);
    expect(method?.authorizer).toMatchObject({
      type: 'TOKEN',
      functionArn: expect.stringMatching(/^arn:aws:lambda:us-east-1:000000000000:function:/),
      identitySources: ['method.request.header.Authorization'],
      ttlSeconds: 30,
    });
    expect(api.keys.plans).toEqual([
      expect.objectContaining({ throttle: { rate: 5, burst: 2 }, quota: { limit: 100, period: 'DAY' }, keyIds: [expect.any(String)] }),
    ]);
    expect([...(api.keys.plans[0]?.stages.keys() ?? [])]).toEqual(['prod']);
    expect([...api.keys.keys.values()]).toEqual([expect.objectContaining({ enabled: true })]);
    expect(warnings).toEqual([
      expect.stringMatching(/Guards\/ApiKey\w+ \(AWS::ApiGateway::ApiKey\): it has no Value; locally its value is [0-9a-f]{40}/),
    ]);
  });
});
