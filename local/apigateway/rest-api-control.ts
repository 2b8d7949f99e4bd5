import { lowerAlphanumericId } from '../random/random-id.js';
import type { Clock } from '../time/clock.js';
import {
  badRequest,
  checkHttpMethod,
  checkIntegration,
  checkNewResource,
  checkRequestParameters,
  conflict,
  INTEGRATION_NOT_FOUND,
  METHOD_NOT_FOUND,
  notFound,
  RESOURCE_NOT_FOUND,
  STAGE_NOT_FOUND,
} from './rest-api-checks.js';
import { deployedDefinitions } from './rest-api-cloudformation.js';
import { defaultModels, modelsOf } from './rest-api-default-models.js';
import type { RestApiDefinition } from './rest-api-definitions.js';
import { compressionSize } from './rest-api-patch.js';
import type {
  RestApiStore,
  StoredIntegration,
  StoredIntegrationResponse,
  StoredMethod,
  StoredResource,
  StoredRestApi,
  StoredStage,
} from './rest-api-store.js';

/** Where the APIs it makes are served: what the running REST API service takes (RestApiService.serve). */
export interface DeployedApis {
  serve(apiId: string, definitions: readonly RestApiDefinition[]): void;
}

export interface RestApiControlOptions {
  readonly store: RestApiStore;
  readonly deployed: DeployedApis;
  readonly clock: Clock;
  readonly accountId: string;
  /** Where what a deployment does not run locally is said (the reader's start-up warnings). */
  readonly log: (line: string) => void;
}

type Input = Record<string, unknown>;
type Ids = { restApiId: string; resourceId: string; httpMethod: string };
type Paged = { position?: string; limit?: number };

/**
 * API Gateway's control plane of REST APIs (v1), each operation in the API's shapes as the
 * model-driven REST-JSON codec decodes and answers them: CreateRestApi, GetRestApi(s),
 * DeleteRestApi, GetResources, GetResource, CreateResource, PutMethod, GetMethod,
 * PutIntegration, GetIntegration, PutMethodResponse, PutIntegrationResponse, CreateDeployment
 * (with its stage), GetStage(s). What it makes is kept (RestApiStore) and, once deployed,
 * served at the same local URLs as the template's REST APIs, as the same definitions.
 */
export class RestApiControl {
  constructor(private readonly options: RestApiControlOptions) {
    for (const stored of options.store.all()) this.#serve(stored);
  }

  /** Where the APIs are kept (RestApiEdits reads them here too). */
  get store(): RestApiStore {
    return this.options.store;
  }

  async CreateRestApi(input: Input) {
    if (input.description === '') throw badRequest('Description cannot be an empty string');
    const configuration = (input.endpointConfiguration ?? {}) as { types?: string[]; ipAddressType?: string };
    const types = configuration.types ?? ['EDGE'];
    if (types.length === 0) throw badRequest('REGIONAL Configuration and EDGE Configuration cannot be both DISABLED.');
    if (input.minimumCompressionSize !== undefined) compressionSize(input.minimumCompressionSize);
    if (types.length > 1) throw badRequest('Cannot create an api with multiple Endpoint Types.');
    const ipAddressType = configuration.ipAddressType ?? (types[0] === 'PRIVATE' ? 'dualstack' : 'ipv4');
    if (types[0] === 'PRIVATE' && ipAddressType !== 'dualstack')
      throw badRequest('Only dualstack ipAddressType is supported for Private APIs.');
    const id = lowerAlphanumericId(10);
    const rootResourceId = lowerAlphanumericId(10);
    const cloned = typeof input.cloneFrom === 'string' ? this.apiOf(input.cloneFrom).resources : [];
    const api: StoredRestApi = {
      api: {
        id,
        name: String(input.name),
        ...pick(input, ['description', 'version', 'minimumCompressionSize', 'policy']),
        ...(Array.isArray(input.binaryMediaTypes) && input.binaryMediaTypes.length > 0
          ? { binaryMediaTypes: input.binaryMediaTypes as string[] }
          : {}),
        createdDate: this.options.clock.now(),
        apiKeySource: typeof input.apiKeySource === 'string' ? input.apiKeySource : 'HEADER',
        endpointConfiguration: { types, ipAddressType },
        disableExecuteApiEndpoint: input.disableExecuteApiEndpoint === true,
        rootResourceId,
      },
      resources: cloned.length === 0 ? [{ id: rootResourceId }] : cloneOf(cloned, rootResourceId),
      deployments: [],
      stages: [],
      models: defaultModels(),
    };
    this.options.store.create(api, Object.entries((input.tags ?? {}) as Record<string, string>));
    return this.restApiAnswer(api);
  }

  async GetRestApi({ restApiId }: { restApiId: string }) {
    return this.restApiAnswer(this.apiOf(restApiId));
  }

  async GetRestApis(input: Paged) {
    const all = this.options.store.all().sort((a, b) => a.api.createdDate - b.api.createdDate || a.api.id.localeCompare(b.api.id));
    return page(
      all.map((stored) => this.restApiAnswer(stored)),
      input,
    );
  }

  /**
   * A REST API as Create, Get and GetRestApis answer it: its properties and its tags (the tag
   * store's) when it has some, or `always` (UpdateRestApi answers them even when there are none).
   */
  restApiAnswer(stored: StoredRestApi, always = false) {
    const tags = this.options.store.tags.map(this.options.store.arnOf(stored.api.id));
    return { ...stored.api, ...(always || Object.keys(tags).length > 0 ? { tags } : {}) };
  }

  async DeleteRestApi({ restApiId }: { restApiId: string }) {
    this.apiOf(restApiId);
    this.options.store.delete(restApiId);
    this.options.deployed.serve(restApiId, []);
    return {};
  }

  async GetResources(input: Paged & { restApiId: string; embed?: string[] }) {
    const stored = this.apiOf(input.restApiId);
    const methods = input.embed?.includes('methods') === true;
    return page(
      stored.resources.map((r) => resourceAnswer(stored, r, methods)),
      input,
    );
  }

  async GetResource(input: { restApiId: string; resourceId: string; embed?: string[] }) {
    const { stored, resource } = this.resourceOf(input);
    return resourceAnswer(stored, resource, input.embed?.includes('methods') === true);
  }

  async CreateResource({ restApiId, parentId, pathPart }: { restApiId: string; parentId: string; pathPart: string }) {
    const { stored, resource: parent } = this.resourceOf({ restApiId, resourceId: parentId });
    checkNewResource(
      pathPart,
      parent,
      stored.resources.filter((r) => r.parentId === parentId),
    );
    const created: StoredResource = { id: lowerAlphanumericId(6), parentId, pathPart };
    this.save({ ...stored, resources: [...stored.resources, created] });
    return resourceAnswer(stored, created, false);
  }

  async PutMethod(input: Input & Ids) {
    const { stored, resource } = this.resourceOf(input);
    checkHttpMethod(input.httpMethod);
    if (resource.resourceMethods?.[input.httpMethod]) throw conflict('Method already exists for this resource');
    const authorizationType = String(input.authorizationType);
    if (authorizationType === 'CUSTOM' || authorizationType === 'COGNITO_USER_POOLS') {
      // No authorizer is made through this API locally, so none can be named.
      throw badRequest(
        'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.',
      );
    }
    if (input.requestValidatorId !== undefined && !stored.requestValidators?.some((v) => v.id === input.requestValidatorId))
      throw badRequest('Invalid Request Validator identifier specified');
    const names = modelsOf(stored).map((m) => m.name);
    const unknownModel = Object.values((input.requestModels ?? {}) as Record<string, string>).find((m) => !names.includes(m));
    if (unknownModel !== undefined) throw badRequest(`Invalid model identifier specified: ${unknownModel}`);
    checkRequestParameters(input.requestParameters as Record<string, boolean> | undefined);
    const method: StoredMethod = {
      httpMethod: input.httpMethod,
      authorizationType,
      apiKeyRequired: input.apiKeyRequired === true,
      ...pick(input, ['operationName', 'requestParameters', 'requestModels', 'authorizationScopes', 'requestValidatorId']),
    };
    this.saveMethod(stored, resource, method);
    return method;
  }

  async GetMethod(input: Ids) {
    return this.methodOf(input).method;
  }

  async PutIntegration(input: Input & Ids) {
    const { stored, resource, method } = this.methodOf(input);
    const type = String(input.type);
    const uri = typeof input.uri === 'string' ? input.uri : undefined;
    const integrationHttpMethod = typeof input.integrationHttpMethod === 'string' ? input.integrationHttpMethod : undefined;
    checkIntegration(type, uri, integrationHttpMethod);
    const integration: StoredIntegration = {
      type,
      ...(integrationHttpMethod === undefined ? {} : { httpMethod: integrationHttpMethod }),
      ...pick(input, ['uri', 'connectionType', 'connectionId', 'credentials', 'requestParameters', 'requestTemplates', 'contentHandling']),
      passthroughBehavior: typeof input.passthroughBehavior === 'string' ? input.passthroughBehavior : 'WHEN_NO_MATCH',
      timeoutInMillis: typeof input.timeoutInMillis === 'number' ? input.timeoutInMillis : 29_000,
      cacheNamespace: typeof input.cacheNamespace === 'string' ? input.cacheNamespace : resource.id,
      cacheKeyParameters: Array.isArray(input.cacheKeyParameters) ? (input.cacheKeyParameters as string[]) : [],
    };
    this.saveMethod(stored, resource, { ...method, methodIntegration: integration });
    return integration;
  }

  async GetIntegration(input: Ids) {
    return this.#integration(input).integration;
  }

  async PutMethodResponse(input: Input & Ids & { statusCode: string }) {
    const { stored, resource, method } = this.methodOf(input);
    const response = {
      statusCode: input.statusCode,
      responseParameters: (input.responseParameters ?? {}) as Record<string, boolean>,
      responseModels: (input.responseModels ?? {}) as Record<string, string>,
    };
    this.saveMethod(stored, resource, { ...method, methodResponses: { ...method.methodResponses, [input.statusCode]: response } });
    return response;
  }

  async PutIntegrationResponse(input: Input & Ids & { statusCode: string }) {
    const { stored, resource, method, integration } = this.#integration(input);
    const templates = input.responseTemplates as Record<string, string | null> | undefined;
    const response: StoredIntegrationResponse = {
      statusCode: input.statusCode,
      ...pick(input, ['selectionPattern', 'responseParameters', 'contentHandling']),
      // AWS keeps an empty template as null (no template: the answer passes through).
      ...(templates === undefined
        ? {}
        : { responseTemplates: Object.fromEntries(Object.entries(templates).map(([type, t]) => [type, t || null])) }),
    };
    const integrationResponses = { ...integration.integrationResponses, [input.statusCode]: response };
    this.saveMethod(stored, resource, { ...method, methodIntegration: { ...integration, integrationResponses } });
    return response;
  }

  async CreateDeployment(input: Input & { restApiId: string }) {
    const stored = this.apiOf(input.restApiId);
    const methods = stored.resources.flatMap((r) => Object.values(r.resourceMethods ?? {}));
    if (methods.length === 0) throw badRequest("The REST API doesn't contain any methods");
    if (methods.some((m) => m.methodIntegration === undefined)) throw badRequest('No integration defined for method');
    const now = this.options.clock.now();
    const deployment = {
      id: lowerAlphanumericId(6),
      ...pick(input, ['description']),
      createdDate: now,
      resources: stored.resources,
      requestValidators: stored.requestValidators ?? [],
      models: modelsOf(stored),
    };
    const stageName = typeof input.stageName === 'string' && input.stageName !== '' ? input.stageName : undefined;
    const stages = stageName === undefined ? stored.stages : this.#withStage(stored.stages, stageName, deployment.id, input, now);
    this.save({ ...stored, deployments: [...stored.deployments, deployment], stages });
    const { resources: _taken, requestValidators: _validators, models: _models, ...answer } = deployment;
    return answer;
  }

  async GetStage({ restApiId, stageName }: { restApiId: string; stageName: string }) {
    const stage = this.apiOf(restApiId).stages.find((s) => s.stageName === stageName);
    if (!stage) throw notFound(STAGE_NOT_FOUND);
    return stageAnswer(stage);
  }

  async GetStages({ restApiId, deploymentId }: { restApiId: string; deploymentId?: string }) {
    const stages = this.apiOf(restApiId).stages.filter((s) => deploymentId === undefined || s.deploymentId === deploymentId);
    return { item: stages.map(stageAnswer) };
  }

  /** CreateDeployment's stage: made on the deployment, or an existing one moved to it (its variables replaced when given). */
  #withStage(stages: readonly StoredStage[], stageName: string, deploymentId: string, input: Input, now: number): StoredStage[] {
    const existing = stages.find((s) => s.stageName === stageName);
    const variables = input.variables as Record<string, string> | undefined;
    const stage: StoredStage = {
      ...(existing ?? { stageName, tracingEnabled: input.tracingEnabled === true, createdDate: now }),
      deploymentId,
      ...(typeof input.stageDescription === 'string' ? { description: input.stageDescription } : {}),
      ...(variables === undefined ? {} : { variables }),
      lastUpdatedDate: now,
    };
    return [...stages.filter((s) => s !== existing), stage];
  }

  apiOf(restApiId: string): StoredRestApi {
    const stored = this.options.store.get(restApiId);
    if (!stored) throw notFound(`Invalid API identifier specified ${this.options.accountId}:${restApiId}`);
    return stored;
  }

  /** A resource of an API; an API that does not exist is a resource that does not (AWS's answer to both). */
  resourceOf({ restApiId, resourceId }: { restApiId: string; resourceId: string }) {
    const stored = this.options.store.get(restApiId);
    const resource = stored?.resources.find((r) => r.id === resourceId);
    if (!stored || !resource) throw notFound(RESOURCE_NOT_FOUND);
    return { stored, resource };
  }

  methodOf(ids: Ids) {
    const found = this.resourceOf(ids);
    const method = found.resource.resourceMethods?.[ids.httpMethod];
    if (!method) throw notFound(METHOD_NOT_FOUND);
    return { ...found, method };
  }

  #integration(ids: Ids) {
    const found = this.methodOf(ids);
    const integration = found.method.methodIntegration;
    if (!integration) throw notFound(INTEGRATION_NOT_FOUND);
    return { ...found, integration };
  }

  saveMethod(stored: StoredRestApi, resource: StoredResource, method: StoredMethod): void {
    const changed = { ...resource, resourceMethods: { ...resource.resourceMethods, [method.httpMethod]: method } };
    this.save({ ...stored, resources: stored.resources.map((r) => (r.id === resource.id ? changed : r)) });
  }

  /** Keeps the API, and serves its deployments anew when they changed (a change to its resources waits for the next deployment). */
  save(stored: StoredRestApi): void {
    const before = this.options.store.get(stored.api.id);
    this.options.store.save(stored);
    const served = (api: StoredRestApi | undefined) => JSON.stringify([api?.deployments, api?.stages]);
    if (served(before) !== served(stored)) this.#serve(stored);
  }

  #serve(stored: StoredRestApi): void {
    const { apis, warnings } = deployedDefinitions(stored);
    for (const warning of warnings) this.options.log(warning);
    this.options.deployed.serve(stored.api.id, apis);
  }
}

/** `cloneFrom`'s copy of an API's resources and methods, each resource with an id of its own, the root `rootResourceId`. */
function cloneOf(resources: readonly StoredResource[], rootResourceId: string): StoredResource[] {
  const ids = new Map(resources.map((r) => [r.id, r.parentId === undefined ? rootResourceId : lowerAlphanumericId(6)]));
  const idOf = (id: string) => ids.get(id) ?? id;
  return resources.map((r) => {
    const methods = Object.entries(r.resourceMethods ?? {}).map(([name, method]): [string, StoredMethod] => {
      const integration = method.methodIntegration;
      // An integration's cache namespace is its resource's id unless it was given another.
      const namespace = integration?.cacheNamespace === r.id ? { cacheNamespace: idOf(r.id) } : {};
      return [name, integration ? { ...method, methodIntegration: { ...integration, ...namespace } } : method];
    });
    return {
      ...r,
      id: idOf(r.id),
      ...(r.parentId === undefined ? {} : { parentId: idOf(r.parentId) }),
      ...(methods.length === 0 ? {} : { resourceMethods: Object.fromEntries(methods) }),
    };
  });
}

/** A resource as GetResource answers it: its path from the root, and its methods (whole, or by name only unless embedded). */
function resourceAnswer(stored: StoredRestApi, resource: StoredResource, embedMethods: boolean) {
  const methods = resource.resourceMethods ?? {};
  return {
    id: resource.id,
    ...(resource.parentId === undefined ? {} : { parentId: resource.parentId, pathPart: resource.pathPart }),
    path: pathOf(stored, resource),
    ...(Object.keys(methods).length === 0
      ? {}
      : { resourceMethods: embedMethods ? methods : Object.fromEntries(Object.keys(methods).map((m) => [m, {}])) }),
  };
}

/** A resource's path from the root (`/` for the root). */
export function pathOf(stored: StoredRestApi, resource: StoredResource): string {
  const parts: string[] = [];
  for (let at: StoredResource | undefined = resource; at?.parentId !== undefined; ) {
    parts.unshift(at.pathPart ?? '');
    const parentId: string = at.parentId;
    at = stored.resources.find((r) => r.id === parentId);
  }
  return `/${parts.join('/')}`;
}

function stageAnswer(stage: StoredStage) {
  return { ...stage, cacheClusterEnabled: false, cacheClusterStatus: 'NOT_AVAILABLE', methodSettings: {} };
}

/** API Gateway's paging: `limit` items (25 unless given, at most 500) from `position`, and the position of the next page. */
function page<T>(items: readonly T[], { position, limit }: Paged): { items: T[]; position?: string } {
  const start = position === undefined ? 0 : Number.parseInt(position, 10);
  if (!Number.isInteger(start) || start < 0) throw badRequest('Invalid position specified');
  const size = Math.min(limit ?? 25, 500);
  const end = start + size;
  return { items: items.slice(start, end), ...(end < items.length ? { position: String(end) } : {}) };
}

/** The members of `input` among `keys` that were given. */
function pick(input: Input, keys: readonly string[]): Record<string, never> {
  return Object.fromEntries(keys.filter((key) => input[key] !== undefined).map((key) => [key, input[key]])) as Record<string, never>;
}
