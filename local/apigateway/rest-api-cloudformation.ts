import type { LoadedResource } from '../template/load.js';
import type { Json } from '../template/resolve.js';
import { type RestApiDefinition, restApiDefinitionsOf } from './rest-api-definitions.js';
import type { StoredIntegration, StoredMethod, StoredResource, StoredRestApi } from './rest-api-store.js';

/**
 * A REST API made through API Gateway's API as the template would declare it: each deployment's
 * resources and methods, and the stages on it, as `AWS::ApiGateway::*` resources with
 * CloudFormation's properties, read by the same reader as the template's APIs
 * (restApiDefinitions), so that one is served exactly as the other. One definition per
 * deployment that a stage is on (a stage serves what its deployment took); the same id for all.
 */
export function deployedDefinitions(stored: StoredRestApi): { apis: RestApiDefinition[]; warnings: string[] } {
  const apis: RestApiDefinition[] = [];
  const warnings: string[] = [];
  for (const deployment of stored.deployments) {
    const stages = stored.stages.filter((s) => s.deploymentId === deployment.id);
    if (stages.length === 0) continue;
    const resources = [
      restApiResource(stored),
      ...deployment.resources.flatMap((resource) => resourceOf(stored, resource)),
      ...(deployment.requestValidators ?? []).map((v) =>
        loaded(stored, `RequestValidator ${v.id}`, 'AWS::ApiGateway::RequestValidator', v.id, {
          RestApiId: stored.api.id,
          Name: v.name,
          ValidateRequestBody: v.validateRequestBody,
          ValidateRequestParameters: v.validateRequestParameters,
        }),
      ),
      ...(deployment.models ?? []).map((m) =>
        loaded(stored, `Model ${m.name}`, 'AWS::ApiGateway::Model', m.name, {
          RestApiId: stored.api.id,
          Name: m.name,
          ContentType: m.contentType,
          ...(m.schema === undefined ? {} : { Schema: m.schema }),
        }),
      ),
      ...stages.map((stage) =>
        loaded(stored, `Stage ${stage.stageName}`, 'AWS::ApiGateway::Stage', stage.stageName, {
          RestApiId: stored.api.id,
          StageName: stage.stageName,
          DeploymentId: deployment.id,
          ...(stage.variables ? { Variables: stage.variables } : {}),
          ...(stage.description === undefined ? {} : { Description: stage.description }),
          TracingEnabled: stage.tracingEnabled,
        }),
      ),
    ];
    const read = restApiDefinitionsOf(resources);
    apis.push(...read.apis);
    warnings.push(...read.warnings);
  }
  return { apis, warnings: [...new Set(warnings)] };
}

type Props = Record<string, Json>;

/** How the start-up report and the runtime log name where a warning comes from: the API, as its API made it. */
const stackNameOf = (stored: StoredRestApi) => `REST API ${stored.api.name} (${stored.api.id}, made through API Gateway's API)`;

function loaded(stored: StoredRestApi, logicalId: string, type: string, ref: string, properties: Props, attributes = {}): LoadedResource {
  return { stackName: stackNameOf(stored), logicalId, type, properties, physicalName: ref, ref, attributes, metadata: {} };
}

function restApiResource(stored: StoredRestApi): LoadedResource {
  const { api } = stored;
  return loaded(
    stored,
    'RestApi',
    'AWS::ApiGateway::RestApi',
    api.id,
    {
      Name: api.name,
      ...(api.binaryMediaTypes ? { BinaryMediaTypes: [...api.binaryMediaTypes] } : {}),
      EndpointConfiguration: { Types: [...api.endpointConfiguration.types] },
      ApiKeySourceType: api.apiKeySource,
      DisableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
      ...(api.policy === undefined ? {} : { Policy: api.policy }),
    },
    { RestApiId: api.id, RootResourceId: api.rootResourceId },
  );
}

/** A resource (the root is the RestApi's RootResourceId) and its methods. */
function resourceOf(stored: StoredRestApi, resource: StoredResource): LoadedResource[] {
  const restApiId = stored.api.id;
  const own =
    resource.parentId === undefined
      ? []
      : [
          loaded(stored, `Resource ${resource.id}`, 'AWS::ApiGateway::Resource', resource.id, {
            RestApiId: restApiId,
            ParentId: resource.parentId,
            PathPart: resource.pathPart ?? '',
          }),
        ];
  const methods = Object.values(resource.resourceMethods ?? {}).map((method) =>
    loaded(stored, `Method ${method.httpMethod} ${resource.id}`, 'AWS::ApiGateway::Method', `${resource.id}-${method.httpMethod}`, {
      RestApiId: restApiId,
      ResourceId: resource.id,
      ...methodProperties(method),
    }),
  );
  return [...own, ...methods];
}

/** AWS::ApiGateway::Method's properties of a method as the API keeps it. */
function methodProperties(method: StoredMethod): Props {
  return defined({
    HttpMethod: method.httpMethod,
    AuthorizationType: method.authorizationType,
    AuthorizerId: method.authorizerId,
    ApiKeyRequired: method.apiKeyRequired,
    RequestValidatorId: method.requestValidatorId,
    OperationName: method.operationName,
    RequestParameters: method.requestParameters,
    RequestModels: method.requestModels,
    AuthorizationScopes: method.authorizationScopes ? [...method.authorizationScopes] : undefined,
    MethodResponses: Object.values(method.methodResponses ?? {}).map((r) => ({
      StatusCode: r.statusCode,
      ResponseParameters: r.responseParameters,
      ResponseModels: r.responseModels,
    })),
    Integration: method.methodIntegration ? integrationProperties(method.methodIntegration) : undefined,
  });
}

/** AWS::ApiGateway::Method's `Integration` of an integration as the API keeps it (its `httpMethod` is CloudFormation's IntegrationHttpMethod). */
function integrationProperties(integration: StoredIntegration): Props {
  return defined({
    Type: integration.type,
    IntegrationHttpMethod: integration.httpMethod,
    Uri: integration.uri,
    ConnectionType: integration.connectionType,
    ConnectionId: integration.connectionId,
    Credentials: integration.credentials,
    RequestParameters: integration.requestParameters,
    RequestTemplates: integration.requestTemplates,
    PassthroughBehavior: integration.passthroughBehavior,
    ContentHandling: integration.contentHandling,
    TimeoutInMillis: integration.timeoutInMillis,
    CacheNamespace: integration.cacheNamespace,
    CacheKeyParameters: [...integration.cacheKeyParameters],
    IntegrationResponses: Object.values(integration.integrationResponses ?? {}).map((r) =>
      defined({
        StatusCode: r.statusCode,
        SelectionPattern: r.selectionPattern,
        ResponseParameters: r.responseParameters,
        // A template AWS keeps as null passes the answer through, as an empty one does.
        ResponseTemplates:
          r.responseTemplates && Object.fromEntries(Object.entries(r.responseTemplates).map(([type, t]) => [type, t ?? ''])),
        ContentHandling: r.contentHandling,
      }),
    ),
  });
}

/** The properties that have a value (CloudFormation's resolved properties leave the others out). */
function defined(properties: Record<string, unknown>): Props {
  return Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)) as Props;
}
