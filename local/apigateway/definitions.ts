import type { LoadedApp, LoadedResource } from '../template/load.js';
import { whereOf } from '../template/not-run.js';
import { accessLogOf, type StageAccessLog } from './access-log.js';
import { type CorsConfiguration, corsConfigurationOf } from './cors.js';
import { type AuthorizerDefinition, authorizerOf, type StageThrottling, stageThrottlingOf } from './http-api-access-definitions.js';
import type { HttpProxyTarget } from './http-api-http-proxy.js';
import { SERVICE_INTEGRATIONS } from './http-api-integrations.js';
import { isLoopbackUrl } from './http-forward.js';
import { lambdaArnOf } from './lambda-arn.js';
import { integrationRoleOf } from './rest-api-integrations.js';

export { lambdaArnOf } from './lambda-arn.js';

export interface IntegrationDefinition {
  readonly id: string;
  /** The Lambda function's ARN, for an `AWS_PROXY` integration with Lambda; undefined for any other kind. */
  readonly functionArn?: string;
  readonly payloadFormatVersion: string;
  /** How long API Gateway waits for the integration (50 ms to 30 s). */
  readonly timeoutMs: number;
  /** An AWS service integration's `IntegrationSubtype` (`SQS-SendMessage`, ...), one the runtime runs. */
  readonly subtype?: string;
  /** The service integration's parameters: name -> `$request.body.x`, `$context.requestId`, a literal, ... */
  readonly requestParameters?: Readonly<Record<string, string>>;
  /** The service integration's execution role (`CredentialsArn`), which its call is signed as. */
  readonly roleArn?: string;
  /** An `HTTP_PROXY` integration's URL (loopback only), method and parameter transformations. */
  readonly http?: HttpProxyTarget;
}

export interface RouteDefinition {
  /** `$default`, or `<METHOD|ANY> <path>`. */
  readonly routeKey: string;
  readonly integrationId?: string;
  /** `NONE`, `CUSTOM` (Lambda), `JWT` or `AWS_IAM` (not checked). */
  readonly authorizationType: string;
  readonly authorizerId?: string;
  /** A JWT authorizer's scopes for the route: the token needs one of them. */
  readonly authorizationScopes?: readonly string[];
}

export interface StageDefinition {
  readonly name: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The log group an access log line goes to, with its format. */
  readonly accessLog?: StageAccessLog;
  /** A REST API stage's deployment (`requestContext.deploymentId`). */
  readonly deploymentId?: string;
  /** An HTTP API stage's route throttling. */
  readonly throttling?: StageThrottling;
}

export interface HttpApiDefinition {
  readonly id: string;
  readonly name: string;
  readonly routes: readonly RouteDefinition[];
  readonly integrations: ReadonlyMap<string, IntegrationDefinition>;
  readonly stages: readonly StageDefinition[];
  /** The API's CORS configuration: preflights answered by API Gateway, CORS headers on integration answers. */
  readonly cors?: CorsConfiguration;
  /** By authorizer id; an authorizer that does not run here is absent (its routes answer 500). */
  readonly authorizers: ReadonlyMap<string, AuthorizerDefinition>;
}

type Props = Record<string, unknown>;

/** The HTTP APIs of the app with their routes, integrations and stages, and what of them is not run locally. */
export function httpApiDefinitions(
  app: LoadedApp,
  /** Where a JWT authorizer's key file may be named (`SWITCHYARD_JWT_JWKS_<logical id>`). */
  env: Readonly<Record<string, string | undefined>> = process.env,
): { apis: HttpApiDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const warnings: string[] = [];
  const where = whereOf;
  const ofApi = (apiId: string) => (r: LoadedResource) => String(r.properties.ApiId) === apiId;

  const apis: HttpApiDefinition[] = [];
  for (const api of byType('AWS::ApiGatewayV2::Api')) {
    const p = api.properties as Props;
    if (p.ProtocolType !== 'HTTP') {
      warnings.push(`${where(api)}: ${String(p.ProtocolType ?? 'this')} APIs are not served locally; only HTTP APIs are`);
      continue;
    }
    const integrations = new Map<string, IntegrationDefinition>();
    for (const r of byType('AWS::ApiGatewayV2::Integration').filter(ofApi(api.ref))) {
      integrations.set(r.ref, integrationOf(r, warnings, where(r)));
    }
    const authorizers = new Map<string, AuthorizerDefinition>();
    for (const r of byType('AWS::ApiGatewayV2::Authorizer').filter(ofApi(api.ref))) {
      const authorizer = authorizerOf(r, warnings, where(r), env);
      if (authorizer) authorizers.set(r.ref, authorizer);
    }
    const routes: RouteDefinition[] = byType('AWS::ApiGatewayV2::Route')
      .filter(ofApi(api.ref))
      .map((r) => routeOf(r, warnings, where(r)));
    const stages: StageDefinition[] = byType('AWS::ApiGatewayV2::Stage')
      .filter(ofApi(api.ref))
      .map((r) => stageOf(r));
    // Quick create: an API with a Target gets a $default route, its integration and an auto-deployed $default stage.
    if (typeof p.Target === 'string') {
      const id = `${api.ref}-quick`;
      integrations.set(
        id,
        integrationOf(
          { ...api, properties: { IntegrationType: 'AWS_PROXY', IntegrationUri: p.Target, PayloadFormatVersion: '2.0' } },
          warnings,
          where(api),
        ),
      );
      routes.push({ routeKey: String(p.RouteKey ?? '$default'), integrationId: id, authorizationType: 'NONE' });
      if (!stages.some((s) => s.name === '$default')) stages.push({ name: '$default', stageVariables: {} });
    }
    const cors = corsConfigurationOf(p.CorsConfiguration);
    if (p.DisableExecuteApiEndpoint === true) {
      warnings.push(`${where(api)}: DisableExecuteApiEndpoint is set; the local runtime still serves it at its local URL`);
    }
    apis.push({ id: api.ref, name: String(p.Name ?? api.logicalId), routes, integrations, stages, authorizers, ...(cors ? { cors } : {}) });
  }
  // The loader counts a mapping as part of its API (silently); with the API served, say that its custom domain is not.
  for (const r of byType('AWS::ApiGatewayV2::ApiMapping')) {
    warnings.push(`${where(r)}: custom domain names are not served locally; reach the API at its local URL`);
  }
  // The loader reports the domain itself as not run; say also that the client certificates it asks for are not checked.
  for (const r of byType('AWS::ApiGatewayV2::DomainName').filter((d) => d.properties.MutualTlsAuthentication !== undefined)) {
    warnings.push(
      `${where(r)}: mutual TLS is not applied locally: the APIs are served over plain HTTP and no client certificate is asked for`,
    );
  }
  return { apis, warnings };
}

function integrationOf(r: LoadedResource, warnings: string[], where: string): IntegrationDefinition {
  const p = r.properties as Props;
  const type = String(p.IntegrationType ?? '');
  const uri = typeof p.IntegrationUri === 'string' ? p.IntegrationUri : '';
  const timeoutMs = Number(p.TimeoutInMillis ?? 30_000);
  const payloadFormatVersion = String(p.PayloadFormatVersion ?? '2.0');
  const subtype = typeof p.IntegrationSubtype === 'string' ? p.IntegrationSubtype : undefined;
  if (type === 'AWS_PROXY' && subtype !== undefined) return serviceIntegrationOf(r, subtype, warnings, where);
  if (type === 'HTTP_PROXY' && p.ConnectionType !== 'VPC_LINK') {
    // Named once per integration; its requests answer 500 with a runtime log line (http-forward.ts never calls it).
    if (!isLoopbackUrl(uri))
      warnings.push(
        `${where}: HTTP_PROXY integrations to ${uri || 'no URI'}, not on this machine, are not called locally; its routes answer 500`,
      );
    const requestParameters = Object.fromEntries(
      Object.entries((p.RequestParameters ?? {}) as Props).map(([name, value]) => [name, String(value)]),
    );
    if (p.ResponseParameters !== undefined)
      warnings.push(`${where}: ResponseParameters are not applied locally: the answer is returned as it is`);
    const method = String(p.IntegrationMethod ?? 'ANY').toUpperCase();
    return { id: r.ref, payloadFormatVersion: '1.0', timeoutMs, http: { url: uri, method, requestParameters, timeoutMs } };
  }
  const functionArn = lambdaArnOf(uri);
  if (type !== 'AWS_PROXY' || functionArn === undefined) {
    const through = p.ConnectionType === 'VPC_LINK' ? ' through a VPC link' : '';
    warnings.push(`${where}: ${type} integrations${through}${uri ? ` with ${uri}` : ''} are not run locally; its routes answer 500`);
    return { id: r.ref, payloadFormatVersion, timeoutMs };
  }
  if (payloadFormatVersion !== '2.0' && payloadFormatVersion !== '1.0') {
    warnings.push(`${where}: payload format ${payloadFormatVersion} is not built locally (only 1.0 and 2.0); its routes answer 500`);
    return { id: r.ref, payloadFormatVersion, timeoutMs };
  }
  return { id: r.ref, functionArn, payloadFormatVersion, timeoutMs, ...integrationRoleOf(p.CredentialsArn) };
}

/** An `AWS_PROXY` integration with an `IntegrationSubtype`: a call to the service, its parameters mapped from the request. */
function serviceIntegrationOf(r: LoadedResource, subtype: string, warnings: string[], where: string): IntegrationDefinition {
  const p = r.properties as Props;
  const base = { id: r.ref, payloadFormatVersion: String(p.PayloadFormatVersion ?? '1.0'), timeoutMs: Number(p.TimeoutInMillis ?? 30_000) };
  const service = SERVICE_INTEGRATIONS[subtype];
  if (service === undefined) {
    warnings.push(`${where}: ${subtype} integrations are not run locally (its service does not run here); its routes answer 500`);
    return base;
  }
  const requestParameters = Object.fromEntries(
    Object.entries((p.RequestParameters ?? {}) as Props).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );
  const missing = service.required.filter((name) => requestParameters[name] === undefined);
  if (missing.length > 0) {
    // AWS refuses to create such an integration; here the service answers its own error for the missing field.
    warnings.push(`${where}: ${subtype} requires the parameter(s) ${missing.join(', ')}, which AWS would refuse to deploy without`);
  }
  return { ...base, subtype, requestParameters, ...integrationRoleOf(p.CredentialsArn) };
}

function routeOf(r: LoadedResource, warnings: string[], where: string): RouteDefinition {
  const rp = r.properties as Props;
  const authorizationType = String(rp.AuthorizationType ?? 'NONE');
  if (authorizationType === 'AWS_IAM') {
    warnings.push(`${where}: AWS_IAM authorization is not checked locally: every request reaches the route`);
  }
  const target = typeof rp.Target === 'string' ? rp.Target : undefined;
  const authorized = authorizationType === 'CUSTOM' || authorizationType === 'JWT';
  if (authorized && typeof rp.AuthorizerId !== 'string') {
    warnings.push(`${where}: ${authorizationType} authorization names no AuthorizerId; the route answers 500`);
  }
  return {
    routeKey: String(rp.RouteKey),
    ...(target?.startsWith('integrations/') ? { integrationId: target.slice('integrations/'.length) } : {}),
    authorizationType,
    ...(authorized && typeof rp.AuthorizerId === 'string' ? { authorizerId: rp.AuthorizerId } : {}),
    ...(Array.isArray(rp.AuthorizationScopes) ? { authorizationScopes: rp.AuthorizationScopes.map(String) } : {}),
  };
}

function stageOf(r: LoadedResource): StageDefinition {
  const p = r.properties as Props;
  const throttling = stageThrottlingOf(p);
  const accessLog = accessLogOf(p.AccessLogSettings);
  return {
    name: String(p.StageName ?? '$default'),
    stageVariables: Object.fromEntries(Object.entries((p.StageVariables ?? {}) as Props).map(([k, v]) => [k, String(v)])),
    ...(accessLog ? { accessLog } : {}),
    ...(throttling ? { throttling } : {}),
  };
}
