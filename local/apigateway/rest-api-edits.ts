import { lowerAlphanumericId } from '../random/random-id.js';
import { badRequest, conflict, notFound, RESOURCE_NOT_FOUND } from './rest-api-checks.js';
import type { RestApiControl } from './rest-api-control.js';
import { type PatchOperation, patchRequestValidator, patchRestApi, replaceOnly } from './rest-api-patch.js';
import type { StoredRequestValidator, StoredResource, StoredRestApi } from './rest-api-store.js';

type Ids = { restApiId: string; resourceId: string; httpMethod: string };
type Patch = { patchOperations?: PatchOperation[] };

const VALIDATOR_NOT_FOUND = 'Invalid Request Validator identifier specified';
const RESOURCE_PATHS = ['/parentId', '/pathPart'];

/**
 * API Gateway's operations that change or delete what RestApiControl made, and its request
 * validators: UpdateRestApi, UpdateResource, DeleteResource, DeleteMethod,
 * Create/Get/Update/DeleteRequestValidator(s), GetRequestValidators. They read and keep the
 * APIs through the control (one store, one place that serves deployments anew).
 */
export class RestApiEdits {
  constructor(private readonly control: RestApiControl) {}

  async UpdateRestApi({ restApiId, patchOperations = [] }: Patch & { restApiId: string }) {
    const stored = this.control.apiOf(restApiId);
    const api = patchRestApi(stored.api, patchOperations);
    this.control.save({ ...stored, api });
    // UpdateRestApi answers the tags even when there are none (GetRestApi leaves them out).
    return this.control.restApiAnswer({ ...stored, api }, true);
  }

  async UpdateResource({ restApiId, resourceId, patchOperations = [] }: Patch & { restApiId: string; resourceId: string }) {
    const { stored, resource } = this.control.resourceOf({ restApiId, resourceId });
    let changed: StoredResource = resource;
    for (const op of patchOperations) {
      replaceOnly(op, RESOURCE_PATHS);
      if (resource.parentId === undefined)
        throw badRequest(`Root resource cannot update its ${op.path === '/pathPart' ? 'pathPart' : 'parentId'}.`);
      changed =
        op.path === '/pathPart' ? { ...changed, pathPart: String(op.value) } : { ...changed, parentId: movedUnder(stored, changed, op) };
    }
    const siblings = stored.resources.filter((r) => r.parentId === changed.parentId && r.id !== changed.id);
    if (siblings.some((s) => s.pathPart === changed.pathPart))
      throw conflict(`Another resource with the same parent already has this name: ${changed.pathPart}`);
    this.control.save({ ...stored, resources: stored.resources.map((r) => (r.id === resourceId ? changed : r)) });
    return this.control.GetResource({ restApiId, resourceId });
  }

  /** Deletes the resource and every resource under it. */
  async DeleteResource({ restApiId, resourceId }: { restApiId: string; resourceId: string }) {
    const { stored, resource } = this.control.resourceOf({ restApiId, resourceId });
    if (resource.parentId === undefined) throw badRequest('Cannot delete the root resource.');
    const gone = new Set([resourceId]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const r of stored.resources)
        if (r.parentId !== undefined && gone.has(r.parentId) && !gone.has(r.id)) grew = Boolean(gone.add(r.id));
    }
    this.control.save({ ...stored, resources: stored.resources.filter((r) => !gone.has(r.id)) });
    return {};
  }

  async DeleteMethod(ids: Ids) {
    const { stored, resource } = this.control.methodOf(ids);
    const { [ids.httpMethod]: _gone, ...methods } = resource.resourceMethods ?? {};
    const changed = { ...resource, resourceMethods: methods };
    this.control.save({ ...stored, resources: stored.resources.map((r) => (r.id === resource.id ? changed : r)) });
    return {};
  }

  async CreateRequestValidator(input: {
    restApiId: string;
    name?: string;
    validateRequestBody?: boolean;
    validateRequestParameters?: boolean;
  }) {
    const stored = this.control.store.get(input.restApiId);
    // AWS answers a create on an API that is not there as a bad request, not as not found.
    if (!stored) throw badRequest('Invalid REST API identifier specified');
    const validator: StoredRequestValidator = {
      id: lowerAlphanumericId(6),
      name: input.name ?? '',
      validateRequestBody: input.validateRequestBody === true,
      validateRequestParameters: input.validateRequestParameters === true,
    };
    this.control.save({ ...stored, requestValidators: [...(stored.requestValidators ?? []), validator] });
    return validator;
  }

  async GetRequestValidator(ids: { restApiId: string; requestValidatorId: string }) {
    return this.#validator(ids).validator;
  }

  async GetRequestValidators({ restApiId }: { restApiId: string }) {
    return { items: this.control.apiOf(restApiId).requestValidators ?? [] };
  }

  async UpdateRequestValidator(ids: Patch & { restApiId: string; requestValidatorId: string }) {
    const { stored, validator } = this.#validator(ids);
    const changed = patchRequestValidator(validator, ids.patchOperations ?? []);
    this.#saveValidators(
      stored,
      (stored.requestValidators ?? []).map((v) => (v.id === validator.id ? changed : v)),
    );
    return changed;
  }

  async DeleteRequestValidator(ids: { restApiId: string; requestValidatorId: string }) {
    const { stored, validator } = this.#validator(ids);
    this.#saveValidators(
      stored,
      (stored.requestValidators ?? []).filter((v) => v.id !== validator.id),
    );
    return {};
  }

  /** A validator of an API; an API that does not exist is a validator that does not (AWS's answer to both). */
  #validator({ restApiId, requestValidatorId }: { restApiId: string; requestValidatorId: string }) {
    const stored = this.control.store.get(restApiId);
    const validator = stored?.requestValidators?.find((v) => v.id === requestValidatorId);
    if (!stored || !validator) throw notFound(VALIDATOR_NOT_FOUND);
    return { stored, validator };
  }

  #saveValidators(stored: StoredRestApi, requestValidators: StoredRequestValidator[]): void {
    this.control.save({ ...stored, requestValidators });
  }
}

/** UpdateResource's new parent: a resource of the API that is not the resource itself nor under it. */
function movedUnder(stored: StoredRestApi, resource: StoredResource, op: PatchOperation): string {
  const parentId = String(op.value);
  if (!stored.resources.some((r) => r.id === parentId)) throw notFound(RESOURCE_NOT_FOUND);
  for (let at: string | undefined = parentId; at !== undefined; at = stored.resources.find((r) => r.id === at)?.parentId) {
    if (at === resource.id) throw badRequest('Resources cannot be cyclical.');
  }
  return parentId;
}
