import { badRequest, INTEGRATION_NOT_FOUND, notFound, RESPONSE_NOT_FOUND } from './rest-api-checks.js';
import type { RestApiControl } from './rest-api-control.js';
import { ONLY_REPLACE, type PatchOperation, patchMembers } from './rest-api-patch.js';
import type { StoredIntegration, StoredIntegrationResponse, StoredMethod, StoredMethodResponse } from './rest-api-store.js';

type Ids = { restApiId: string; resourceId: string; httpMethod: string };
type StatusIds = Ids & { statusCode: string };
type Patch = { patchOperations?: PatchOperation[] };

const missingParameter = () => notFound('Invalid parameter name specified');
const missingContentType = () => notFound('Content-Type specified was not found');
const asBoolean = (value: string | undefined) => value === 'true';

/** What UpdateMethod changes: its own members (`replace` only), its request parameters and models by name. */
const METHOD_PATCH = {
  scalars: ['operationName', 'authorizationType', 'authorizerId', 'apiKeyRequired', 'requestValidatorId'],
  maps: { requestParameters: { missing: missingParameter, parse: asBoolean }, requestModels: { missing: missingContentType } },
  scalarOp: () => badRequest(ONLY_REPLACE),
};
const AUTHORIZED_TYPES = ['CUSTOM', 'COGNITO_USER_POOLS'];

/** What UpdateIntegration changes: its own members, its templates and parameters by name. */
const INTEGRATION_PATCH = {
  scalars: [
    'uri',
    'httpMethod',
    'connectionType',
    'connectionId',
    'credentials',
    'passthroughBehavior',
    'contentHandling',
    'timeoutInMillis',
    'cacheNamespace',
  ],
  maps: { requestTemplates: { missing: missingContentType }, requestParameters: { missing: missingParameter } },
};
const INTEGRATION_RESPONSE_PATCH = {
  scalars: ['selectionPattern', 'contentHandling'],
  maps: { responseTemplates: { missing: missingContentType }, responseParameters: { missing: missingParameter } },
};
const METHOD_RESPONSE_PATCH = {
  scalars: [],
  maps: { responseModels: { missing: missingContentType }, responseParameters: { missing: missingParameter, parse: asBoolean } },
};

/**
 * API Gateway's operations on a method's parts beyond Put and Get: its integration
 * (UpdateIntegration, DeleteIntegration), integration responses (Get, Update, Delete) and
 * method responses (Get, Update, Delete), with AWS's lookups and texts (a delete of an
 * integration response on a method that is not there is answered as an integration that is not).
 */
export class RestApiMethodEdits {
  constructor(private readonly control: RestApiControl) {}

  async UpdateMethod(input: Ids & Patch) {
    const { stored, method } = this.control.methodOf(input);
    const patched = patchMembers(method, input.patchOperations ?? [], METHOD_PATCH);
    if (AUTHORIZED_TYPES.includes(patched.authorizationType)) {
      // No authorizer is made through this API locally, so none can be named.
      throw badRequest(
        'Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.',
      );
    }
    if (patched.requestValidatorId !== undefined && !stored.requestValidators?.some((v) => v.id === patched.requestValidatorId))
      throw badRequest('Invalid Request Validator identifier specified');
    // An authorizer id means nothing to a method its type does not authorize with: AWS drops it.
    const { authorizerId: _ignored, ...changed } = patched;
    this.#saveMethod(input, changed);
    return changed;
  }

  async UpdateIntegration(input: Ids & Patch) {
    const { method, integration } = this.#integration(input);
    const changed = patchMembers(integration, input.patchOperations ?? [], INTEGRATION_PATCH);
    this.#saveMethod(input, { ...method, methodIntegration: changed });
    return changed;
  }

  async DeleteIntegration(input: Ids) {
    const { method } = this.#integration(input);
    const { methodIntegration: _gone, ...rest } = method;
    this.#saveMethod(input, rest);
    return {};
  }

  async GetIntegrationResponse(input: StatusIds) {
    return this.#integrationResponse(input).response;
  }

  async UpdateIntegrationResponse(input: StatusIds & Patch) {
    const { method, integration, response } = this.#integrationResponse(input);
    const changed = patchMembers(response, input.patchOperations ?? [], INTEGRATION_RESPONSE_PATCH);
    const integrationResponses = { ...integration.integrationResponses, [input.statusCode]: changed };
    this.#saveMethod(input, { ...method, methodIntegration: { ...integration, integrationResponses } });
    return changed;
  }

  async DeleteIntegrationResponse(input: StatusIds) {
    const { resource } = this.control.resourceOf(input);
    const method = resource.resourceMethods?.[input.httpMethod];
    const integration = method?.methodIntegration;
    if (!method || !integration) throw notFound(INTEGRATION_NOT_FOUND);
    if (!integration.integrationResponses?.[input.statusCode]) throw notFound(RESPONSE_NOT_FOUND);
    const { [input.statusCode]: _gone, ...integrationResponses } = integration.integrationResponses;
    this.#saveMethod(input, { ...method, methodIntegration: { ...integration, integrationResponses } });
    return {};
  }

  async GetMethodResponse(input: StatusIds) {
    return this.#methodResponse(input).response;
  }

  async UpdateMethodResponse(input: StatusIds & Patch) {
    const { method, response } = this.#methodResponse(input);
    const changed = patchMembers(response, input.patchOperations ?? [], METHOD_RESPONSE_PATCH);
    this.#saveMethod(input, { ...method, methodResponses: { ...method.methodResponses, [input.statusCode]: changed } });
    return changed;
  }

  async DeleteMethodResponse(input: StatusIds) {
    const { method } = this.#methodResponse(input);
    const { [input.statusCode]: _gone, ...methodResponses } = method.methodResponses ?? {};
    this.#saveMethod(input, { ...method, methodResponses });
    return {};
  }

  #integration(ids: Ids): { method: StoredMethod; integration: StoredIntegration } {
    const { method } = this.control.methodOf(ids);
    if (!method.methodIntegration) throw notFound(INTEGRATION_NOT_FOUND);
    return { method, integration: method.methodIntegration };
  }

  #integrationResponse(ids: StatusIds): { method: StoredMethod; integration: StoredIntegration; response: StoredIntegrationResponse } {
    const found = this.#integration(ids);
    const response = found.integration.integrationResponses?.[ids.statusCode];
    if (!response) throw notFound(RESPONSE_NOT_FOUND);
    return { ...found, response };
  }

  #methodResponse(ids: StatusIds): { method: StoredMethod; response: StoredMethodResponse } {
    const { method } = this.control.methodOf(ids);
    const response = method.methodResponses?.[ids.statusCode];
    if (!response) throw notFound(RESPONSE_NOT_FOUND);
    return { method, response };
  }

  #saveMethod(ids: Ids, method: StoredMethod): void {
    const { stored, resource } = this.control.resourceOf(ids);
    this.control.saveMethod(stored, resource, method);
  }
}
