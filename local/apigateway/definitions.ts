import type { LoadedApp, LoadedResource } from '../template/load.js';
import { type CorsConfiguration, corsConfigurationOf } from './cors.js';

/** The resource types this service runs (HTTP APIs); the rest of API Gateway v2 is reported by the loader. */
export const HTTP_API_RESOURCE_TYPES = [
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Stage',
  'AWS::ApiGatewayV2::Deployment',
];

export interface IntegrationDefinition {
  readonly id: string;
  /** The Lambda function's ARN, for an `AWS_PROXY` integration with Lambda; undefined for any other kind. */
  readonly functionArn?: string;
  readonly payloadFormatVersion: string;
  /** How long API Gateway waits for the integration (50 ms to 30 s). */
  readonly timeoutMs: number;
}

export interface RouteDefinition {
  /** `$default`, or `<METHOD|ANY> <path>`. */
  readonly routeKey: string;
  readonly integrationId?: string;
  readonly authorizationType: string;
}

export interface StageDefinition {
  readonly name: string;
  readonly stageVariables: Readonly<Record<string, string>>;
  /** The log group an access log line goes to, with its format. */
  readonly accessLog?: { readonly logGroupName: string; readonly format: string };
  /** A REST API stage's deployment (`requestContext.deploymentId`). */
  readonly deploymentId?: string;
}

export interface HttpApiDefinition {
  readonly id: string;
  readonly name: string;
  readonly routes: readonly RouteDefinition[];
  readonly integrations: ReadonlyMap<string, IntegrationDefinition>;
  readonly stages: readonly StageDefinition[];
  /** The API's CORS configuration: preflights answered by API Gateway, CORS headers on integration answers. */
  readonly cors?: CorsConfiguration;
}

type Props = Record<string, unknown>;

/** The HTTP APIs of the app with their routes, integrations and stages, and what of them is not run locally. */
export function httpApiDefinitions(app: LoadedApp): { apis: HttpApiDefinition[]; warnings: string[] } {
  const resources = app.stacks.flatMap((stack) => stack.resources);
  const byType = (type: string) => resources.filter((r) => r.type === type);
  const warnings: string[] = [];
  const where = (r: LoadedResource) => `${r.stackName}/${r.logicalId} (${r.type})`;
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
    const routes: RouteDefinition[] = byType('AWS::ApiGatewayV2::Route')
      .filter(ofApi(api.ref))
      .map((r) => {
        const rp = r.properties as Props;
        const authorizationType = String(rp.AuthorizationType ?? 'NONE');
        if (authorizationType !== 'NONE') {
          warnings.push(`${where(r)}: ${authorizationType} authorization is not checked locally: every request reaches the route`);
        }
        const target = typeof rp.Target === 'string' ? rp.Target : undefined;
        return {
          routeKey: String(rp.RouteKey),
          ...(target?.startsWith('integrations/') ? { integrationId: target.slice('integrations/'.length) } : {}),
          authorizationType,
        };
      });
    const stages: StageDefinition[] = byType('AWS::ApiGatewayV2::Stage')
      .filter(ofApi(api.ref))
      .map((r) => stageOf(r, warnings, where(r)));
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
    apis.push({ id: api.ref, name: String(p.Name ?? api.logicalId), routes, integrations, stages, ...(cors ? { cors } : {}) });
  }
  // The loader counts a mapping as part of its API (silently); with the API served, say that its custom domain is not.
  for (const r of byType('AWS::ApiGatewayV2::ApiMapping')) {
    warnings.push(`${where(r)}: custom domain names are not served locally; reach the API at its local URL`);
  }
  return { apis, warnings };
}

function integrationOf(r: LoadedResource, warnings: string[], where: string): IntegrationDefinition {
  const p = r.properties as Props;
  const type = String(p.IntegrationType ?? '');
  const uri = typeof p.IntegrationUri === 'string' ? p.IntegrationUri : '';
  const timeoutMs = Number(p.TimeoutInMillis ?? 30_000);
  const payloadFormatVersion = String(p.PayloadFormatVersion ?? '2.0');
  const functionArn = lambdaArnOf(uri);
  if (type !== 'AWS_PROXY' || functionArn === undefined) {
    warnings.push(`${where}: ${type} integrations${uri ? ` with ${uri}` : ''} are not run locally; its routes answer 500`);
    return { id: r.ref, payloadFormatVersion, timeoutMs };
  }
  if (payloadFormatVersion !== '2.0' && payloadFormatVersion !== '1.0') {
    warnings.push(`${where}: payload format ${payloadFormatVersion} is not built locally (only 1.0 and 2.0); its routes answer 500`);
    return { id: r.ref, payloadFormatVersion, timeoutMs };
  }
  return { id: r.ref, functionArn, payloadFormatVersion, timeoutMs };
}

/** A Lambda function's ARN from an integration URI: the ARN itself, or API Gateway's `.../functions/<arn>/invocations` form. */
export function lambdaArnOf(uri: string): string | undefined {
  const wrapped = /:lambda:path\/2015-03-31\/functions\/(arn:[^/]+)\/invocations$/.exec(uri);
  if (wrapped) return wrapped[1];
  return /^arn:[^:]+:lambda:/.test(uri) ? uri : undefined;
}

function stageOf(r: LoadedResource, warnings: string[], where: string): StageDefinition {
  const p = r.properties as Props;
  const routeSettings = (p.DefaultRouteSettings ?? {}) as Props;
  if (
    routeSettings.ThrottlingRateLimit !== undefined ||
    routeSettings.ThrottlingBurstLimit !== undefined ||
    p.RouteSettings !== undefined
  ) {
    warnings.push(`${where}: throttling is not applied locally: requests over its rate or burst limit are served, not answered 429`);
  }
  const accessLog = p.AccessLogSettings as { DestinationArn?: unknown; Format?: unknown } | undefined;
  const logGroupName = typeof accessLog?.DestinationArn === 'string' ? /:log-group:([^:]+)/.exec(accessLog.DestinationArn)?.[1] : undefined;
  return {
    name: String(p.StageName ?? '$default'),
    stageVariables: Object.fromEntries(Object.entries((p.StageVariables ?? {}) as Props).map(([k, v]) => [k, String(v)])),
    ...(logGroupName === undefined ? {} : { accessLog: { logGroupName, format: String(accessLog?.Format ?? '$context.requestId') } }),
  };
}
