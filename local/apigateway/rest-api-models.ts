import { lowerAlphanumericId } from '../random/random-id.js';
import { badRequest, conflict, notFound } from './rest-api-checks.js';
import { pathOf, type RestApiControl } from './rest-api-control.js';
import { modelsOf } from './rest-api-default-models.js';
import { type PatchOperation, replaceOnly } from './rest-api-patch.js';
import type { StoredModel } from './rest-api-store.js';

const EMPTY_SCHEMA = 'Model schema must have at least 1 property or array items defined';
/**
 * API Gateway's models of a REST API (CreateModel, GetModel, GetModels, UpdateModel,
 * DeleteModel), with AWS's texts; a method's request models name them, and a deployment takes
 * them, so that a request validator checks a body against them.
 */
export class RestApiModels {
  constructor(private readonly control: RestApiControl) {}

  async CreateModel(input: { restApiId: string; name: string; description?: string; schema?: string; contentType: string }) {
    const stored = this.control.apiOf(input.restApiId);
    if (input.name === '') throw badRequest('Model name must be non-empty');
    const models = modelsOf(stored);
    if (models.some((m) => m.name === input.name)) throw conflict('Model name already exists for this REST API');
    if (!input.schema) throw badRequest(EMPTY_SCHEMA);
    const model: StoredModel = {
      id: lowerAlphanumericId(6),
      name: input.name,
      // An empty description is none.
      ...(input.description ? { description: input.description } : {}),
      contentType: input.contentType,
      schema: input.schema,
    };
    this.control.save({ ...stored, models: [...models, model] });
    return model;
  }

  async GetModel(ids: { restApiId: string; modelName: string }) {
    return this.#model(ids).model;
  }

  async GetModels({ restApiId }: { restApiId: string }) {
    return { items: modelsOf(this.control.apiOf(restApiId)) };
  }

  async UpdateModel(input: { restApiId: string; modelName: string; patchOperations?: PatchOperation[] }) {
    const { stored, model } = this.#model(input);
    let changed: StoredModel = model;
    for (const op of input.patchOperations ?? []) {
      replaceOnly(op, ['/description', '/schema']);
      if (op.path === '/schema') {
        if (!op.value) throw badRequest(EMPTY_SCHEMA);
        changed = { ...changed, schema: op.value };
      } else {
        const { description: _old, ...rest } = changed;
        changed = op.value ? { ...rest, description: op.value } : rest;
      }
    }
    this.control.save({ ...stored, models: modelsOf(stored).map((m) => (m.id === model.id ? changed : m)) });
    return changed;
  }

  async DeleteModel(ids: { restApiId: string; modelName: string }) {
    const { stored, model } = this.#model(ids);
    // AWS names a method that uses it by its resource's path and its method (`//ANY` on the root).
    const users = stored.resources.flatMap((r) =>
      Object.values(r.resourceMethods ?? {}).flatMap((m) =>
        usesModel(m.requestModels, model.name) ? [`${pathOf(stored, r)}/${m.httpMethod}`] : [],
      ),
    );
    if (users[0] !== undefined) throw conflict(`Cannot delete model '${model.name}', is referenced in method request: ${users[0]}`);
    this.control.save({ ...stored, models: modelsOf(stored).filter((m) => m.id !== model.id) });
    return {};
  }

  /** A model of an API by name; an API that does not exist is a model that does not (AWS's answer to both). */
  #model({ restApiId, modelName }: { restApiId: string; modelName: string }) {
    const stored = this.control.store.get(restApiId);
    const model = stored && modelsOf(stored).find((m) => m.name === modelName);
    if (!stored || !model) throw notFound(`Invalid model name specified: ${modelName}`);
    return { stored, model };
  }
}

const usesModel = (requestModels: Readonly<Record<string, string>> | undefined, name: string) =>
  Object.values(requestModels ?? {}).includes(name);
