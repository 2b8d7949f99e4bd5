import { expect } from 'vitest';
import type { LambdaInvoker } from '../../../local/apigateway/lambda-invoker.js';
import type { HttpApiRequest } from '../../../local/apigateway/payload.js';
import { REST_API_RESOURCE_TYPES, restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { RestApiService } from '../../../local/apigateway/rest-api-service.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { ManualClock } from '../../../local/time/clock.js';
import { assemblyOf } from '../assembly.js';
import { restMethod, restResource, restRoot, restStage } from '../template-resources.js';

export const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:f';
export const lambdaUri = `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${fnArn}/invocations`;

type Answer = Awaited<ReturnType<LambdaInvoker['invoke']>>;

/**
 * The REST API the API Gateway tests share: one resource `/{id}` whose POST is a Lambda proxy
 * integration unless `method` says otherwise (its properties override the method's), on stage
 * prod with `stageVariables`, beside `extra` resources; loaded as the runtime loads a template.
 */
export function oneMethodRestApi(
  method: Record<string, unknown>,
  options: { extra?: Record<string, TemplateResource>; stageVariables?: Record<string, string> } = {},
) {
  const resources: Record<string, TemplateResource> = {
    Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'orders' } },
    Item: restResource(restRoot, '{id}'),
    Post: restMethod({ Ref: 'Item' }, 'POST', {
      Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri },
      ...method,
    }),
    Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
    Stage: restStage('prod', { ...(options.stageVariables ? { Variables: options.stageVariables } : {}) }),
    ...options.extra,
  };
  const cdkOut = assemblyOf(resources, 'S');
  const app = loadApp({
    cdkOut,
    baseUrl: 'http://127.0.0.1:4566',
    types: { specs: TEMPLATE_TYPES.specs, supported: new Set(REST_API_RESOURCE_TYPES) },
  });
  return { ...restApiDefinitions(app), app };
}

export interface PostOptions {
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly query?: string;
  /** The path below the stage. @default '/42' */
  readonly path?: string;
}

/** A POST to stage prod of the shared REST API (see oneMethodRestApi), from 192.0.2.1. */
export function postToProd(options: PostOptions = {}): HttpApiRequest {
  return {
    method: 'POST',
    rawPath: `/prod${options.path ?? '/42'}`,
    rawQueryString: options.query ?? '',
    headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k, [v]])),
    body: Buffer.from(options.body ?? ''),
    sourceIp: '192.0.2.1',
    protocol: 'HTTP/1.1',
  };
}

/**
 * A REST API with one resource `/{id}` whose POST (these extra method properties) is a Lambda
 * proxy integration, on stage prod, with these extra resources; and a service that records
 * each invocation (`answer` chooses what a function answers, by ARN).
 */
export function restApiWith(
  method: Record<string, unknown>,
  extra: Record<string, TemplateResource> = {},
  answer?: (functionArn: string, event: unknown) => Answer,
) {
  const { apis, warnings, app } = oneMethodRestApi(method, { extra });
  const invocations: { functionArn: string; event: Record<string, unknown> }[] = [];
  const clock = new ManualClock();
  const lambda: LambdaInvoker = {
    invoke: async (functionArn, event) => {
      invocations.push({ functionArn, event: event as Record<string, unknown> });
      return answer?.(functionArn, event) ?? { ok: true, payload: JSON.stringify({ statusCode: 200, body: 'reached' }) };
    },
  };
  const service = new RestApiService({ apis, lambda, clock, accountId: '000000000000', region: 'us-east-1', log: () => undefined });
  const apiId = apis[0]?.id ?? '';
  const send = async (options: PostOptions = {}) => {
    const response = await service.handle(postToProd(options), apiId);
    return { status: response.status, headers: response.headers, text: response.body.toString('utf8') };
  };
  return { send, invocations, warnings, clock, apis, app };
}

/**
 * That API Gateway refuses each of `requests` with `status`, its JSON `message` and its
 * x-amzn-errortype `errorType`, and that none of them reaches the integration.
 */
export async function expectEachRefused(
  api: ReturnType<typeof restApiWith>,
  requests: readonly PostOptions[],
  refusal: { status: number; message: string; errorType: string },
): Promise<void> {
  for (const request of requests) {
    const answer = await api.send(request);
    expect({ request, status: answer.status, body: JSON.parse(answer.text) }).toEqual({
      request,
      status: refusal.status,
      body: { message: refusal.message },
    });
    expect(answer.headers['x-amzn-errortype']).toBe(refusal.errorType);
  }
  expect(api.invocations).toHaveLength(0);
}
