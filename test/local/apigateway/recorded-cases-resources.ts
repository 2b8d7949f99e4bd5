import {
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  DeleteRequestValidatorCommand,
  DeleteResourceCommand,
  GetRequestValidatorCommand,
  GetRequestValidatorsCommand,
  GetResourceCommand,
  GetResourcesCommand,
  UpdateRequestValidatorCommand,
  UpdateResourceCommand,
} from '@aws-sdk/client-api-gateway';
import type { Answer, Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of resources (TestApiGatewayApiResource) and request validators
 * (TestApiGatewayApiRequestValidator), replayed call by call as test_apigateway_api.py makes
 * them; each returns the answers by snapshot key.
 */

type Operation = { op: string; path: string; value?: string };
type Resource = { id: string };

/** GetResources sorted by path, as the tests' SortingTransformer leaves it. */
async function resources(c: ReplayContext, restApiId: string): Promise<Answer> {
  const answer = await c.call(new GetResourcesCommand({ restApiId }));
  const items = [...((answer.items as { path: string }[]) ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { ...answer, items };
}

/** A fresh API (with `description`) and its root resource's id. */
async function apiWithRoot(c: ReplayContext, description: string) {
  const api = await c.api({ description });
  return { restApiId: String(api.id), rootId: String(api.rootResourceId) };
}

const create = (c: ReplayContext, restApiId: string, parentId: string, pathPart: string) =>
  c.call(new CreateResourceCommand({ restApiId, parentId, pathPart }));
const createId = async (c: ReplayContext, restApiId: string, parentId: string, pathPart: string) =>
  (await c.send<Resource>(new CreateResourceCommand({ restApiId, parentId, pathPart }))).id;
const update = (c: ReplayContext, restApiId: string, resourceId: string, ops: Operation[]) =>
  c.call(new UpdateResourceCommand({ restApiId, resourceId, patchOperations: ops as never }));

export const RESOURCE_CASES: Record<string, Replay> = {
  async 'TestApiGatewayApiResource::test_resource_lifecycle'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource lifecycle');
    const root = await resources(c, restApiId);
    const created = await create(c, restApiId, rootId, 'pets');
    const resourceId = String(created.id);
    const afterCreate = await resources(c, restApiId);
    const sub = await create(c, restApiId, resourceId, 'subpets');
    const afterSub = await resources(c, restApiId);
    return {
      'rest-api-root-resource': root,
      'create-resource': created,
      'rest-api-resources-after-create': afterCreate,
      'create-subresource': sub,
      'rest-api-resources-after-create-sub': afterSub,
      'update-path-part': await update(c, restApiId, resourceId, [{ op: 'replace', path: '/pathPart', value: 'dogs' }]),
      'get-resp-after-update-path-part': await c.call(new GetResourceCommand({ restApiId, resourceId })),
      'del-resource': await c.call(new DeleteResourceCommand({ restApiId, resourceId })),
      'rest-api-resources-after-delete': await resources(c, restApiId),
    };
  },

  async 'TestApiGatewayApiResource::test_update_resource_behaviour'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource behaviour');
    const resourceId = await createId(c, restApiId, rootId, 'pets');
    const out: Answer = {
      'nonexistent-resource': await update(c, restApiId, 'fake-resource', [{ op: 'replace', path: '/pathPart', value: 'dogs' }]),
      'invalid-path-part': await update(c, restApiId, resourceId, [{ op: 'replace', path: '/invalid', value: 'dogs' }]),
      'invalid-parent-id': await update(c, restApiId, resourceId, [{ op: 'replace', path: '/parentId', value: 'fake-parent-id' }]),
    };
    const sub = await create(c, restApiId, resourceId, 'subpets');
    const child = await create(c, restApiId, String(sub.id), 'pets');
    out['create-subresource'] = sub;
    out['create-subresource-child'] = child;
    out['existing-future-sibling-path'] = await update(c, restApiId, String(child.id), [
      { op: 'replace', path: '/parentId', value: rootId },
    ]);
    await c.send(new DeleteResourceCommand({ restApiId, resourceId: String(child.id) }));
    out['update-parent-id-to-subresource-id'] = await update(c, restApiId, resourceId, [
      { op: 'replace', path: '/parentId', value: String(sub.id) },
    ]);
    out['update-parent-id-to-root-id'] = await update(c, restApiId, String(sub.id), [{ op: 'replace', path: '/parentId', value: rootId }]);
    out['update-path-already-exists'] = await update(c, restApiId, String(sub.id), [{ op: 'replace', path: '/pathPart', value: 'pets' }]);
    await c.send(new DeleteResourceCommand({ restApiId, resourceId }));
    out['resources-after-deletion'] = await resources(c, restApiId);
    out['remove-unsupported'] = await update(c, restApiId, String(sub.id), [{ op: 'remove', path: '/pathPart' }]);
    out['add-unsupported'] = await update(c, restApiId, String(sub.id), [{ op: 'add', path: '/pathPart', value: 'added-pets' }]);
    return out;
  },

  async 'TestApiGatewayApiResource::test_update_resource_on_root'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource behaviour');
    return {
      'update-root-path-part': await update(c, restApiId, rootId, [{ op: 'replace', path: '/pathPart', value: 'dogs' }]),
      'update-root-parent': await update(c, restApiId, rootId, [{ op: 'replace', path: '/parentId', value: rootId }]),
    };
  },

  async 'TestApiGatewayApiResource::test_delete_resource'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource behaviour');
    const resourceId = await createId(c, restApiId, rootId, 'pets');
    const subId = await createId(c, restApiId, resourceId, 'subpets');
    return {
      'delete-resource': await c.call(new DeleteResourceCommand({ restApiId, resourceId })),
      'get-resources': await c.call(new GetResourcesCommand({ restApiId })),
      'delete-subresource': await c.call(new DeleteResourceCommand({ restApiId, resourceId: subId })),
    };
  },

  async 'TestApiGatewayApiResource::test_create_resource_parent_invalid'(c) {
    const { restApiId } = await apiWithRoot(c, 'testing resource parent');
    return { 'wrong-resource-parent-id': await create(c, restApiId, 'fake-resource-id', 'subpets') };
  },

  async 'TestApiGatewayApiResource::test_create_proxy_resource'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource proxy');
    const base = await create(c, restApiId, rootId, '{proxy+}');
    const parentId = await createId(c, restApiId, rootId, 'parent');
    const proxyChild = await create(c, restApiId, parentId, '{proxy+}');
    const staticChild = await create(c, restApiId, parentId, 'child');
    const staticChildProxy = await create(c, restApiId, String(staticChild.id), '{proxy+}');
    const all = await resources(c, restApiId);
    await c.send(new DeleteResourceCommand({ restApiId, resourceId: String(proxyChild.id) }));
    const dynamicChild = await create(c, restApiId, parentId, '{child}');
    return {
      'create-base-proxy-resource': base,
      // The test snapshots the id alone.
      'create-proxy-sibling-resource': parentId,
      'create-proxy-sibling-proxy-child-resource': proxyChild,
      'create-proxy-sibling-static-child-resource': staticChild,
      'create-static-child-proxy-resource': staticChildProxy,
      'all-resources': all,
      'create-proxy-sibling-dynamic-child-resource': dynamicChild,
      'create-dynamic-child-proxy-resource': await create(c, restApiId, String(dynamicChild.id), '{proxy+}'),
      'all-resources-2': await resources(c, restApiId),
    };
  },

  async 'TestApiGatewayApiResource::test_create_proxy_resource_validation'(c) {
    const { restApiId, rootId } = await apiWithRoot(c, 'testing resource proxy');
    const base = await create(c, restApiId, rootId, '{proxy+}');
    const out: Answer = {
      'create-base-proxy-resource': base,
      'create-proxy-dynamic-sibling-resource': await create(c, restApiId, rootId, '{dynamic}'),
      'create-proxy-static-child-resource': await create(c, restApiId, String(base.id), 'child'),
      'create-proxy-dynamic-child-resource': await create(c, restApiId, String(base.id), '{child}'),
    };
    const parentId = await createId(c, restApiId, rootId, 'parent');
    return { ...out, 'create-greedy-child-resource': await create(c, restApiId, parentId, '{child+}') };
  },
};

const validatorIds = (restApiId: string, requestValidatorId: string) => ({ restApiId, requestValidatorId });
const updateValidator = (c: ReplayContext, restApiId: string, id: string, ops: Operation[]) =>
  c.call(new UpdateRequestValidatorCommand({ ...validatorIds(restApiId, id), patchOperations: ops as never }));

/** A fresh API (`my api`) and a validator on it. */
async function apiWithValidator(c: ReplayContext) {
  const api = await c.api({ description: 'my api' });
  const restApiId = String(api.id);
  const validator = await c.call(new CreateRequestValidatorCommand({ restApiId, name: `test-validator-${c.name()}` }));
  return { api, restApiId, validator, validatorId: String(validator.id) };
}

export const VALIDATOR_CASES: Record<string, Replay> = {
  async 'TestApiGatewayApiRequestValidator::test_validators_crud_no_api'(c) {
    const restApiId = 'test-fake-rest-id';
    return {
      'wrong-rest-api-id-create-validator': await c.call(
        new CreateRequestValidatorCommand({
          restApiId,
          name: 'test-validator',
          validateRequestBody: true,
          validateRequestParameters: false,
        }),
      ),
      'wrong-rest-api-id-get-validators': await c.call(new GetRequestValidatorsCommand({ restApiId })),
    };
  },

  async 'TestApiGatewayApiRequestValidator::test_request_validator_lifecycle'(c) {
    const { api, restApiId, validator, validatorId } = await apiWithValidator(c);
    const ids = validatorIds(restApiId, validatorId);
    return {
      'create-rest-api': api,
      'create-request-validator': validator,
      'get-request-validator': await c.call(new GetRequestValidatorCommand(ids)),
      'get-request-validators': await c.call(new GetRequestValidatorsCommand({ restApiId })),
      'update-request-validator-with-value': await updateValidator(c, restApiId, validatorId, [
        { op: 'replace', path: '/validateRequestBody', value: 'true' },
      ]),
      'update-request-validator-without-value': await updateValidator(c, restApiId, validatorId, [
        { op: 'replace', path: '/validateRequestBody' },
      ]),
      'get-request-validators-after-update-operation': await c.call(new GetRequestValidatorCommand(ids)),
      'delete-request-validator': await c.call(new DeleteRequestValidatorCommand(ids)),
      'get-deleted-request-validator': await c.call(new GetRequestValidatorCommand(ids)),
      'get-request-validators-after-delete': await c.call(new GetRequestValidatorsCommand({ restApiId })),
    };
  },

  async 'TestApiGatewayApiRequestValidator::test_invalid_get_request_validator'(c) {
    const { restApiId, validatorId } = await apiWithValidator(c);
    return {
      'get-request-validators-invalid-api-id': await c.call(new GetRequestValidatorCommand(validatorIds('api_id', validatorId))),
      'get-request-validators-invalid-validator-id': await c.call(new GetRequestValidatorCommand(validatorIds(restApiId, 'validator_id'))),
    };
  },

  async 'TestApiGatewayApiRequestValidator::test_invalid_get_request_validators'(c) {
    return { 'get-invalid-request-validators': await c.call(new GetRequestValidatorsCommand({ restApiId: 'api_id' })) };
  },

  async 'TestApiGatewayApiRequestValidator::test_invalid_delete_request_validator'(c) {
    const { restApiId, validatorId } = await apiWithValidator(c);
    return {
      'delete-request-validator-invalid-api-id': await c.call(new DeleteRequestValidatorCommand(validatorIds('api_id', validatorId))),
      'delete-request-validator-invalid-validator-id': await c.call(
        new DeleteRequestValidatorCommand(validatorIds(restApiId, 'validator_id')),
      ),
    };
  },

  async 'TestApiGatewayApiRequestValidator::test_create_request_validator_invalid_api_id'(c) {
    return { 'invalid-create-request-validator': await c.call(new CreateRequestValidatorCommand({ restApiId: 'api_id', name: c.name() })) };
  },

  async 'TestApiGatewayApiRequestValidator::test_invalid_update_request_validator_operations'(c) {
    const { api, restApiId, validator, validatorId } = await apiWithValidator(c);
    return {
      'create-rest-api': api,
      'create-request-validator': validator,
      'update-request-validator-invalid-add-operation': await updateValidator(c, restApiId, validatorId, [
        { op: 'add', path: '/validateRequestBody', value: 'true' },
      ]),
      'update-request-validator-invalid-remove-operation': await updateValidator(c, restApiId, validatorId, [
        { op: 'remove', path: '/validateRequestBody', value: 'true' },
      ]),
      'update-request-validator-invalid-path': await updateValidator(c, restApiId, validatorId, [
        { op: 'replace', path: '/invalidPath', value: 'true' },
      ]),
      'update-request-validator-empty-name-value': await updateValidator(c, restApiId, validatorId, [{ op: 'replace', path: '/name' }]),
    };
  },
};
