import {
  CreateModelCommand,
  CreateResourceCommand,
  DeleteMethodCommand,
  DeleteModelCommand,
  GetMethodCommand,
  PutMethodCommand,
  type PutMethodCommandInput,
  UpdateMethodCommand,
} from '@aws-sdk/client-api-gateway';
import type { Replay, ReplayContext } from './recorded-replay.js';

/**
 * The recorded tests of methods (TestApiGatewayApiMethod) that need no model or authorizer made
 * through the API, replayed call by call as test_apigateway_api.py makes them; each returns the
 * answers by snapshot key.
 */

/** A fresh API (with `description`) and the ids of its root's ANY. */
async function rootAny(c: ReplayContext, description: string) {
  const api = await c.api({ description });
  return { restApiId: String(api.id), resourceId: String(api.rootResourceId), httpMethod: 'ANY' };
}

const put = (c: ReplayContext, input: Omit<PutMethodCommandInput, 'authorizationType'> & { authorizationType?: string }) =>
  c.call(new PutMethodCommand({ authorizationType: 'NONE', ...input }));

export const METHOD_CASES: Record<string, Replay> = {
  async 'TestApiGatewayApiMethod::test_method_lifecycle'(c) {
    const ids = await rootAny(c, 'testing resource method lifecycle');
    return {
      'put-base-method-response': await put(c, ids),
      'get-base-method-response': await c.call(new GetMethodCommand(ids)),
      'del-base-method-response': await c.call(new DeleteMethodCommand(ids)),
      'get-deleted-method-response': await c.call(new GetMethodCommand(ids)),
      'delete-deleted-method-response': await c.call(new DeleteMethodCommand(ids)),
    };
  },

  async 'TestApiGatewayApiMethod::test_method_request_parameters'(c) {
    const ids = await rootAny(c, 'testing resource method request params');
    const created = await put(c, {
      ...ids,
      requestParameters: {
        'method.request.querystring.q_optional': false,
        'method.request.querystring.q_required': true,
        'method.request.header.h_optional': false,
        'method.request.header.h_required': true,
      },
    });
    return {
      'put-method-request-params-response': created,
      'get-method-request-params-response': await c.call(new GetMethodCommand(ids)),
      'req-params-same-name': await put(c, {
        ...ids,
        httpMethod: 'GET',
        requestParameters: { 'method.request.querystring.optional': false, 'method.request.header.optional': false },
      }),
    };
  },

  async 'TestApiGatewayApiMethod::test_put_method_validation'(c) {
    const ids = await rootAny(c, 'testing resource method request params');
    return {
      'wrong-api': await put(c, { ...ids, restApiId: 'fake-api', httpMethod: 'WRONG' }),
      'wrong-resource': await put(c, { ...ids, resourceId: 'fake-resource-id', httpMethod: 'WRONG' }),
      'wrong-method': await put(c, { ...ids, httpMethod: 'WRONG' }),
      'missing-authorizer-id': await put(c, { ...ids, authorizationType: 'CUSTOM' }),
      'invalid-request-validator': await put(c, { ...ids, requestValidatorId: 'fake-validator' }),
      'invalid-model-name': await put(c, { ...ids, requestModels: { 'application/json': 'petModel' } }),
    };
  },

  async 'TestApiGatewayApiMethod::test_update_method_validation'(c) {
    const ids = await rootAny(c, 'testing resource method request params');
    type Op = { op: string; path: string; value?: string };
    const update = (ops: Op[], changed: Partial<typeof ids> = {}) =>
      c.call(new UpdateMethodCommand({ ...ids, ...changed, patchOperations: ops as never }));
    const out: Record<string, unknown> = {
      'wrong-rest-api': await update([], { restApiId: 'fake-api' }),
      'wrong-resource-id': await update([], { resourceId: 'fake-resource-id' }),
      'method-does-not-exist': await update([{ op: 'replace', path: '/operationName', value: 'methodDoesNotExist' }], {
        httpMethod: 'GET',
      }),
      'put-method-response': await put(c, { ...ids, apiKeyRequired: true }),
    };
    return {
      ...out,
      'unsupported-operation': await update([{ op: 'add', path: '/operationName', value: 'operationName' }]),
      'unsupported-operation-2': await update([{ op: 'add', path: '/requestValidatorId', value: 'wrong-id' }]),
      'unsupported-path': await update([{ op: 'add', path: '/httpMethod', value: 'PUT' }]),
      'wrong-path-request-parameters': await update([
        { op: 'replace', path: '/requestParameters', value: 'method.request.querystring.optional=false' },
      ]),
      'wrong-path-request-models': await update([{ op: 'add', path: '/requestModels/application/json', value: 'Empty' }]),
      'wrong-value-type': await update([{ op: 'replace', path: '/apiKeyRequired', value: 'whatever' }]),
      'wrong-auth-type': await update([{ op: 'replace', path: '/authorizationType', value: 'CUSTOM' }]),
      'skip-auth-id-with-wrong-type': await update([{ op: 'replace', path: '/authorizerId', value: 'abc123' }]),
      'wrong-auth-id': await update([
        { op: 'replace', path: '/authorizationType', value: 'CUSTOM' },
        { op: 'replace', path: '/authorizerId', value: 'abc123' },
      ]),
      'wrong-req-validator-id': await update([{ op: 'replace', path: '/requestValidatorId', value: 'fake-id' }]),
    };
  },

  async 'TestApiGatewayApiMethod::test_put_method_model'(c) {
    const ids = await rootAny(c, 'testing resource method model');
    const { restApiId } = ids;
    const model = (name: string) =>
      c.call(
        new CreateModelCommand({
          restApiId,
          name,
          contentType: 'application/json',
          description: '',
          schema: JSON.stringify({ title: name, type: 'object' }),
        }),
      );
    const remove = (modelName: string) => c.call(new DeleteModelCommand({ restApiId, modelName }));
    const models = (op: string, value: string, changed = {}) =>
      c.call(
        new UpdateMethodCommand({
          ...ids,
          ...changed,
          patchOperations: [{ op, path: '/requestModels/application~1json', value }] as never,
        }),
      );
    const out: Record<string, unknown> = {
      'create-model': await model('MySchema'),
      'create-model-2': await model('MySchemaTwo'),
      'put-method-request-models': await put(c, { ...ids, requestModels: { 'application/json': 'MySchema' } }),
      'delete-model-used': await remove('MySchema'),
      'update-method-model': await models('replace', 'MySchemaTwo'),
      'delete-model-unused': await remove('MySchema'),
      'delete-model-used-2': await remove('MySchemaTwo'),
    };
    const resource = await c.send<{ id: string }>(new CreateResourceCommand({ restApiId, parentId: ids.resourceId, pathPart: 'test' }));
    out['put-method-2-request-models'] = await put(c, {
      ...ids,
      resourceId: resource.id,
      requestModels: { 'application/json': 'MySchemaTwo' },
    });
    out['delete-model-used-by-2-method'] = await remove('MySchemaTwo');
    out['update-method-model-2'] = await models('remove', 'MySchemaTwo', { resourceId: resource.id });
    out['delete-model-used-by-method-1'] = await remove('MySchemaTwo');
    out['delete-method-using-model-2'] = await c.call(new DeleteMethodCommand(ids));
    return { ...out, 'delete-model-unused-2': await remove('MySchemaTwo') };
  },
};
