import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { accessLogOf } from './access-log.js';
import { lambdaArnOf, type StageDefinition } from './definitions.js';
import { isLoopbackUrl } from './http-forward.js';
import { streamingLambdaArnOf } from './lambda-arn.js';
import { type RestAuthorizerDefinition, restAuthorizerOf } from './rest-api-authorizers.js';
import { sendsActionOf, servedByEndpoint } from './rest-api-aws-client.js';
import { type GatewayResponses, gatewayResponsesOf } from './rest-api-gateway-responses.js';
import {
  type AwsServiceTarget,
  awsTargetOf,
  integrationRoleOf,
  type MappedIntegration,
  mappedIntegrationOf,
} from './rest-api-integrations.js';
import { type RestApiKeys, restApiKeysOf } from './rest-api-keys.js';
import { type RequestValidation, requestValidationOf } from './rest-api-validation.js';

/**
 * The REST API (API Gateway v1) types this service reads. Request validators and their
 * models (rest-api-validation.ts), API keys and usage plans (rest-api-keys.ts) and Lambda
 * and Cognito user pools authorizers (rest-api-authorizers.ts) and gateway responses
 * (rest-api-gateway-responses.ts) are applied; the account (CloudWatch role) needs
 * nothing locally.
 */
export const REST_API_RESOURCE_TYPES = [
  'AWS::ApiGateway::RestApi',
  'AWS::ApiGateway::Resource',
  'AWS::ApiGateway::Method',
  'AWS::ApiGateway::Deployment',
  'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::Account',
  'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Model',
  'AWS::ApiGateway::RequestValidator',
  'AWS::ApiGateway::ApiKey',
  'AWS::ApiGateway::UsagePlan',
  'AWS::ApiGateway::UsagePlanKey',
  'AWS::ApiGateway::GatewayResponse',
];

export type RestIntegration =
  | {
      readonly kind: 'lambda';
      readonly functionArn: string;
      readonly timeoutMs: number;
      readonly roleArn?: string;
      /** Invoked for response streaming: the function answers metadata, 8 null bytes, then the payload. */
      readonly streaming?: true;
    }
  /** A MOCK integration: the request template's `statusCode` selects the integration response, mapped as any other. */
  | ({ readonly kind: 'mock' } & MappedIntegration)
  /** An `AWS` service integration (SQS, Step Functions, EventBridge, ...): mapped in, sent to the local service, mapped out. */
  | ({ readonly kind: 'aws'; readonly target: AwsServiceTarget } & MappedIntegration)
  /** A Lambda custom (non-proxy) integration: the request template's output is the event, the answer is mapped out. */
  | ({ readonly kind: 'lambda-custom'; readonly functionArn: string; readonly roleArn?: string } & MappedIntegration)
  /** An `HTTP_PROXY` integration: the request forwarded to the URL as it came, the answer returned as it is (loopback URLs only). */
  | {
      readonly kind: 'http-proxy';
      readonly url: string;
      /** `IntegrationHttpMethod`; `ANY` forwards the request's own method. */
      readonly httpMethod: string;
      /** `integration.request.{path|querystring|header}.X` -> `method.request.*`, `'literal'`, ... */
      readonly requestParameters: Readonly<Record<string, string>>;
      readonly timeoutMs: number;
    }
  /** An `HTTP` (custom) integration: mapped in, sent to the URL (loopback only), its status selecting the integration response. */
  | ({ readonly kind: 'http'; readonly url: string; readonly httpMethod: string } & MappedIntegration)
  /** An integration the runtime does not run (its start-up warning says so): the method answers 500. */
  | { readonly kind: 'not-run' };

export interface RestMethodDefinition {
  /** `GET`, ..., or `ANY`. */
  readonly httpMethod: string;
  readonly integration: RestIntegration;
  /** Checked before the integration runs; a failure answers 400 (rest-api-validation.ts). */
  readonly validation?: RequestValidation;
  /** The method takes only requests with a key of a usage plan of the stage, in `x-api-key` (rest-api-keys.ts). */
  readonly apiKeyRequired?: boolean;
  /** A `CUSTOM` method's Lambda authorizer or a `COGNITO_USER_POOLS` method's (rest-api-authorizers.ts). */
  readonly authorizer?: RestAuthorizerDefinition;
}

export interface RestResourceDefinition {
  readonly id: string;
  /** `/`, `/pets/{id}`, `/{proxy+}`. */
  readonly path: string;
  readonly methods: ReadonlyMap<string, RestMethodDefinition>;
}

export interface RestApiDefinition {
  readonly id: string;
  readonly name: string;
  readonly resources: readonly RestResourceDefinition[];
  readonly stages: readonly StageDefinition[];
  /** Media types whose bodies pass as binary (base64 in the event). */
  readonly binaryMediaTypes: readonly string[];
  /** The API keys and usage plans that name this API. */
  readonly keys: RestApiKeys;
  /** Where it is reached: an edge-optimized API (API Gateway's default) through CloudFront, whose headers its answers carry. */
  readonly endpointType: 'EDGE' | 'REGIONAL' | 'PRIVATE';
  /** How it answers the errors API Gateway makes, by response type (rest-api-gateway-responses.ts). */
  readonly gatewayResponses: GatewayResponses;
}

type Props = Record<string, unknown>;

/** What the readers of one API's resources share: the template's resources by type, and where warnings go. */
interface Lookup {
  readonly byType: (type: string) => LoadedResource[];
  readonly ofApi: (apiId: string) => (r: LoadedResource) => boolean;
  readonly where: (r: LoadedResource) => string;
  readonly warnings: string[];
}

/** The REST APIs of the app: resource tree, methods and their integrations, stages; and what of them is not run locally. */
export function restApiDefinitions(app: LoadedApp): { apis: RestApiDefinition[]; warnings: string[] } {
  return restApiDefinitionsOf(app.stacks.flatMap((stack) => stack.resources));
}

/** The REST APIs `AWS::ApiGateway::*` resources declare: the template's, or an API made through the API, as rest-api-cloudformation.ts declares it. */
export function restApiDefinitionsOf(resources: readonly LoadedResource[]): { apis: RestApiDefinition[]; warnings: string[] } {
  const lookup: Lookup = {
    byType: (type: string) => resources.filter((r) => r.type === type),
    ofApi: (apiId: string) => (r: LoadedResource) => String(r.properties.RestApiId) === apiId,
    where: whereOf,
    warnings: [],
  };
  const { byType, ofApi, where, warnings } = lookup;

  const apis: RestApiDefinition[] = [];
  for (const api of byType('AWS::ApiGateway::RestApi')) {
    const p = api.properties as Props;
    if (p.Body !== undefined || p.BodyS3Location !== undefined) {
      warnings.push(
        `${where(api)}: its OpenAPI definition (Body/BodyS3Location) is not read locally; only methods declared as resources are served`,
      );
    }
    if (p.Policy !== undefined) warnings.push(`${where(api)}: its resource policy is not checked locally: every caller is allowed`);
    const methods = restMethodsOf(api, lookup);
    const stages = restStagesOf(api, lookup);
    if (p.DisableExecuteApiEndpoint === true) {
      warnings.push(`${where(api)}: DisableExecuteApiEndpoint is set; the local runtime still serves it at its local URL`);
    }
    if (p.ApiKeySourceType === 'AUTHORIZER') {
      warnings.push(
        `${where(api)}: API keys from an authorizer (ApiKeySourceType AUTHORIZER) are not read locally; the x-api-key header is`,
      );
    }
    apis.push({
      keys: restApiKeysOf(resources, api.ref, warnings),
      id: api.ref,
      name: String(p.Name ?? api.logicalId),
      resources: methods,
      stages,
      binaryMediaTypes: Array.isArray(p.BinaryMediaTypes) ? p.BinaryMediaTypes.map((t) => String(t).replace(/~1/g, '/')) : [],
      endpointType: endpointTypeOf(p.EndpointConfiguration),
      gatewayResponses: gatewayResponsesOf(byType('AWS::ApiGateway::GatewayResponse').filter(ofApi(api.ref)), where, warnings),
    });
  }
  return { apis, warnings };
}

/** The API's endpoint type: its EndpointConfiguration's one type, EDGE when it names none (CloudFormation's and API Gateway's default). */
function endpointTypeOf(configuration: unknown): RestApiDefinition['endpointType'] {
  const [type] = ((configuration as Props | undefined)?.Types ?? []) as unknown[];
  return type === 'REGIONAL' || type === 'PRIVATE' ? type : 'EDGE';
}

/** The path of each of the API's resources, from its parents up to the root (undefined for one not in the tree). */
function resourcePaths(api: LoadedResource, { byType, ofApi }: Lookup): (id: string) => string | undefined {
  const rootId = api.attributes.RootResourceId ?? '';
  const parents = new Map<string, { parentId: string; pathPart: string }>();
  for (const r of byType('AWS::ApiGateway::Resource').filter(ofApi(api.ref))) {
    parents.set(r.ref, { parentId: String(r.properties.ParentId), pathPart: String(r.properties.PathPart) });
  }
  const pathOf = (id: string, depth = 0): string | undefined => {
    if (id === rootId) return '/';
    const node = parents.get(id);
    if (node === undefined || depth > 64) return undefined;
    const parent = pathOf(node.parentId, depth + 1);
    return parent === undefined ? undefined : `${parent === '/' ? '' : parent}/${node.pathPart}`;
  };
  return pathOf;
}

/** The API's methods by resource; what of them is not checked locally is warned once per kind, naming the methods. */
function restMethodsOf(api: LoadedResource, lookup: Lookup): RestApiDefinition['resources'] {
  const { byType, ofApi, where, warnings } = lookup;
  const pathOf = resourcePaths(api, lookup);
  const validators = byType('AWS::ApiGateway::RequestValidator').filter(ofApi(api.ref));
  const models = byType('AWS::ApiGateway::Model').filter(ofApi(api.ref));
  const authorizers = byType('AWS::ApiGateway::Authorizer').filter(ofApi(api.ref));
  const byResource = new Map<string, { path: string; methods: Map<string, RestMethodDefinition> }>();
  const unchecked = new Map<string, string[]>();
  const note = (what: string, method: string) => unchecked.set(what, [...(unchecked.get(what) ?? []), method]);
  for (const m of byType('AWS::ApiGateway::Method').filter(ofApi(api.ref))) {
    const mp = m.properties as Props;
    const resourceId = String(mp.ResourceId);
    const path = pathOf(resourceId);
    if (path === undefined) {
      warnings.push(`${where(m)}: its resource ${resourceId} is not one of the API's resources; the method is not served`);
      continue;
    }
    const httpMethod = String(mp.HttpMethod ?? 'ANY').toUpperCase();
    const label = `${httpMethod} ${path}`;
    const authorization = String(mp.AuthorizationType ?? 'NONE');
    const authorized = authorization === 'CUSTOM' || authorization === 'COGNITO_USER_POOLS';
    const authorizer = authorized ? restAuthorizerOf(mp, authorizers, label, note) : undefined;
    if (authorization !== 'NONE' && !authorized)
      note(`${authorization} authorization is not checked locally: every request reaches the integration`, label);
    const validation = requestValidationOf(mp, validators, models, label, note);
    const entry = byResource.get(resourceId) ?? { path, methods: new Map() };
    entry.methods.set(httpMethod, {
      httpMethod,
      integration: integrationOf(mp, label, note),
      ...(validation ? { validation } : {}),
      ...(mp.ApiKeyRequired === true ? { apiKeyRequired: true } : {}),
      ...(authorizer ? { authorizer } : {}),
    });
    byResource.set(resourceId, entry);
  }
  for (const [what, methods] of unchecked) warnings.push(`${where(api)}: ${what} (${methods.join(', ')})`);
  return [...byResource.entries()].map(([id, r]) => ({ id, path: r.path, methods: r.methods }));
}

/** The API's stages: its Stage resources, and those a Deployment names (the older form, without a Stage resource). */
function restStagesOf(api: LoadedResource, { byType, ofApi, where, warnings }: Lookup): StageDefinition[] {
  const stages: StageDefinition[] = byType('AWS::ApiGateway::Stage')
    .filter(ofApi(api.ref))
    .map((r) => stageOf(r, warnings, where(r)));
  for (const d of byType('AWS::ApiGateway::Deployment').filter(ofApi(api.ref))) {
    const name = d.properties.StageName;
    if (typeof name !== 'string' || stages.some((s) => s.name === name)) continue;
    const description = (d.properties.StageDescription ?? {}) as Props;
    stages.push(stageOf({ ...d, properties: { ...description, StageName: name, DeploymentId: d.ref } }, warnings, where(d)));
  }
  return stages;
}

function integrationOf(method: Props, label: string, note: (what: string, method: string) => void): RestIntegration {
  const integration = (method.Integration ?? {}) as Props;
  const type = String(integration.Type ?? '');
  const uri = typeof integration.Uri === 'string' ? integration.Uri : '';
  if (type === 'AWS_PROXY') {
    const streamingArn = streamingLambdaArnOf(uri);
    const functionArn = streamingArn ?? lambdaArnOf(uri);
    if (functionArn !== undefined && String(integration.IntegrationHttpMethod ?? 'POST').toUpperCase() !== 'POST') {
      note('Lambda proxy integrations whose IntegrationHttpMethod is not POST fail; these methods answer 500, as API Gateway does', label);
      return { kind: 'not-run' };
    }
    // AWS sends each chunk as the function writes it; the local invoke hands back the whole stream at its end.
    if (streamingArn !== undefined)
      note('response streaming is buffered locally: the answer is sent once the function has ended, not as it writes', label);
    if (functionArn !== undefined) {
      return {
        kind: 'lambda',
        functionArn,
        timeoutMs: Number(integration.TimeoutInMillis ?? 29_000),
        ...integrationRoleOf(integration.Credentials),
        ...(streamingArn === undefined ? {} : { streaming: true as const }),
      };
    }
  }
  if (type === 'MOCK') return { kind: 'mock', ...mappedIntegrationOf(integration) };
  if (type === 'HTTP_PROXY' || type === 'HTTP') {
    // Named once per URL; its requests answer 500 with a runtime log line (http-forward.ts never calls it).
    if (!isLoopbackUrl(uri))
      note(`${type} integrations to ${uri || 'no URI'}, not on this machine, are not called locally; these methods answer 500`, label);
    const httpMethod = String(integration.IntegrationHttpMethod ?? 'ANY').toUpperCase();
    const mapped = mappedIntegrationOf(integration);
    if (type === 'HTTP') return { kind: 'http', url: uri, httpMethod, ...mapped };
    return { kind: 'http-proxy', url: uri, httpMethod, requestParameters: mapped.requestParameters, timeoutMs: mapped.timeoutMs };
  }
  if (type === 'AWS') {
    const responses = (Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses : []) as Props[];
    if (integration.ContentHandling !== undefined || responses.some((r) => r.ContentHandling !== undefined)) {
      note('ContentHandling (conversion to or from binary) is not applied locally: bodies are mapped as UTF-8 text', label);
    }
    const functionArn = lambdaArnOf(uri);
    if (functionArn !== undefined) {
      return { kind: 'lambda-custom', functionArn, ...integrationRoleOf(integration.Credentials), ...mappedIntegrationOf(integration) };
    }
    const target = awsTargetOf(uri, String(integration.IntegrationHttpMethod ?? 'POST').toUpperCase());
    if (target?.action !== undefined && servedByEndpoint(target.service) && !sendsActionOf(target.service)) {
      note(`AWS integrations to ${target.service} by an action/ URI are not run (its path/ URI is); these methods answer 500`, label);
      return { kind: 'not-run' };
    }
    if (target !== undefined && servedByEndpoint(target.service)) {
      return { kind: 'aws', target: { ...target, ...integrationRoleOf(integration.Credentials) }, ...mappedIntegrationOf(integration) };
    }
    note(
      `AWS integrations to ${target === undefined ? `a URI of no known form (${uri})` : `${target.service}, which does not run locally,`} are not run; these methods answer 500`,
      label,
    );
    return { kind: 'not-run' };
  }
  note(
    `${type || 'missing'} integrations${type === 'AWS_PROXY' ? ' with anything but Lambda' : ''} are not run locally; these methods answer 500`,
    label,
  );
  return { kind: 'not-run' };
}

function stageOf(r: LoadedResource, warnings: string[], where: string): StageDefinition {
  const p = r.properties as Props;
  const settings = (Array.isArray(p.MethodSettings) ? p.MethodSettings : []) as Props[];
  if (settings.some((s) => s.ThrottlingRateLimit !== undefined || s.ThrottlingBurstLimit !== undefined)) {
    warnings.push(`${where}: throttling is not applied locally: requests over its rate or burst limit are served, not answered 429`);
  }
  if (p.TracingEnabled === true) {
    warnings.push(
      `${where}: X-Ray tracing is not run locally: no X-Ray trace or service map shows its requests; the runtime's own spans follow them instead (switchyard trace <id>)`,
    );
  }
  if (p.CacheClusterEnabled === true || settings.some((s) => s.CachingEnabled === true)) {
    warnings.push(`${where}: the stage cache is not run locally: every request reaches the integration`);
  }
  const accessLog = accessLogOf(p.AccessLogSetting);
  return {
    name: String(p.StageName),
    stageVariables: Object.fromEntries(Object.entries((p.Variables ?? {}) as Props).map(([k, v]) => [k, String(v)])),
    ...(accessLog ? { accessLog } : {}),
    ...(typeof p.DeploymentId === 'string' ? { deploymentId: p.DeploymentId } : {}),
  };
}
