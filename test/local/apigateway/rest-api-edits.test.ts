import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateModelCommand,
  CreateRequestValidatorCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  DeleteIntegrationResponseCommand,
  DeleteModelCommand,
  DeleteResourceCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
  UpdateMethodResponseCommand,
  UpdateResourceCommand,
  UpdateRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, disposableData, region } from '../helpers.js';

describe('API Gateway REST API control plane: updates, deletes and request validators', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let client: APIGatewayClient;

  beforeAll(async () => {
    runtime = await runtimes.start(assemblyOf({}), { ...disposableData() });
    client = new APIGatewayClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  /** An API with a MOCK GET on `/pets` answering `{"ok":true}`; its ids. */
  async function petsApi(methodExtras: object = {}) {
    const api = await client.send(new CreateRestApiCommand({ name: 'edits' }));
    const restApiId = api.id as string;
    const resource = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId, pathPart: 'pets' }));
    const ids = { restApiId, resourceId: resource.id as string, httpMethod: 'GET' };
    await client.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE', ...methodExtras }));
    await client.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    await client.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
    await client.send(
      new PutIntegrationResponseCommand({ ...ids, statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } }),
    );
    return { api, ids };
  }

  const get = (apiId: string, path: string) => fetch(`${runtime.url}/_aws/execute-api/${apiId}/${path}`);

  it('runs a request validator made through the API once the method naming it is deployed', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'validated' }));
    const restApiId = api.id as string;
    const validator = await client.send(new CreateRequestValidatorCommand({ restApiId, name: 'params', validateRequestParameters: true }));
    const resource = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId, pathPart: 'pets' }));
    const ids = { restApiId, resourceId: resource.id as string, httpMethod: 'GET' };
    await client.send(
      new PutMethodCommand({
        ...ids,
        authorizationType: 'NONE',
        requestValidatorId: validator.id,
        requestParameters: { 'method.request.querystring.kind': true },
      }),
    );
    await client.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    await client.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
    await client.send(
      new PutIntegrationResponseCommand({ ...ids, statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } }),
    );
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev' }));

    const refused = await get(restApiId, 'dev/pets');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: 'Missing required request parameters: [kind]' });
    expect((await get(restApiId, 'dev/pets?kind=cat')).status).toBe(200);
  });

  it('checks a body against a model made through the API once the method naming it is deployed', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'modelled' }));
    const restApiId = api.id as string;
    const schema = JSON.stringify({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } });
    await client.send(new CreateModelCommand({ restApiId, name: 'Pet', contentType: 'application/json', schema }));
    const validator = await client.send(new CreateRequestValidatorCommand({ restApiId, name: 'body', validateRequestBody: true }));
    const ids = { restApiId, resourceId: api.rootResourceId as string, httpMethod: 'POST' };
    await client.send(
      new PutMethodCommand({
        ...ids,
        authorizationType: 'NONE',
        requestValidatorId: validator.id,
        requestModels: { 'application/json': 'Pet' },
      }),
    );
    await client.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
    await client.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
    await client.send(
      new PutIntegrationResponseCommand({ ...ids, statusCode: '200', responseTemplates: { 'application/json': '{"ok":true}' } }),
    );
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'dev' }));

    const post = (body: string) =>
      fetch(`${runtime.url}/_aws/execute-api/${restApiId}/dev/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const refused = await post('{"age":3}');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: 'Invalid request body' });
    expect((await post('{"name":"Rex"}')).status).toBe(200);
  });

  it('serves a resource moved by UpdateResource at its new path once deployed again, and none that was deleted', async () => {
    const { api, ids } = await petsApi();
    await client.send(new CreateDeploymentCommand({ restApiId: ids.restApiId, stageName: 'dev' }));
    await client.send(new UpdateResourceCommand({ ...ids, patchOperations: [{ op: 'replace', path: '/pathPart', value: 'dogs' }] }));
    expect((await get(ids.restApiId, 'dev/pets')).status).toBe(200);
    await client.send(new CreateDeploymentCommand({ restApiId: ids.restApiId, stageName: 'dev' }));
    expect((await get(ids.restApiId, 'dev/pets')).status).toBe(403);
    expect(await (await get(ids.restApiId, 'dev/dogs')).json()).toEqual({ ok: true });

    const sibling = await client.send(
      new CreateResourceCommand({ restApiId: ids.restApiId, parentId: api.rootResourceId, pathPart: 'cats' }),
    );
    await client.send(new DeleteResourceCommand({ restApiId: ids.restApiId, resourceId: ids.resourceId }));
    await expect(client.send(new CreateDeploymentCommand({ restApiId: ids.restApiId, stageName: 'dev' }))).rejects.toThrow(
      "The REST API doesn't contain any methods",
    );
    expect(sibling.path).toBe('/cats');
  });

  describe('fails with API Gateway errors', () => {
    it('fails if a resource is moved under itself, or the root is changed', async () => {
      const { api, ids } = await petsApi();
      const child = await client.send(
        new CreateResourceCommand({ restApiId: ids.restApiId, parentId: ids.resourceId, pathPart: 'kittens' }),
      );
      await expect(
        client.send(new UpdateResourceCommand({ ...ids, patchOperations: [{ op: 'replace', path: '/parentId', value: child.id }] })),
      ).rejects.toThrow('Resources cannot be cyclical.');
      await expect(
        client.send(
          new UpdateResourceCommand({
            restApiId: ids.restApiId,
            resourceId: api.rootResourceId as string,
            patchOperations: [{ op: 'replace', path: '/pathPart', value: 'x' }],
          }),
        ),
      ).rejects.toThrow('Root resource cannot update its pathPart.');
    });

    it('fails if a patch operation is one API Gateway does not take for its path', async () => {
      const { ids } = await petsApi();
      await expect(
        client.send(
          new UpdateRestApiCommand({
            restApiId: ids.restApiId,
            patchOperations: [{ op: 'replace', path: '/minimumCompressionSize', value: '-1' }],
          }),
        ),
      ).rejects.toThrow('Invalid minimum compression size, must be between 0 and 10485760');
      await expect(
        client.send(new UpdateRestApiCommand({ restApiId: ids.restApiId, patchOperations: [{ op: 'remove', path: '/binaryMediaTypes' }] })),
      ).rejects.toThrow('Invalid patch path /binaryMediaTypes');
      await expect(
        client.send(new UpdateResourceCommand({ ...ids, patchOperations: [{ op: 'add', path: '/pathPart', value: 'x' }] })),
      ).rejects.toThrow("Invalid patch path  '/pathPart' specified for op 'add'. Please choose supported operations");
      await expect(
        client.send(
          new UpdateMethodResponseCommand({
            ...ids,
            statusCode: '200',
            patchOperations: [{ op: 'remove', path: '/responseParameters/method.response.header.x' }],
          }),
        ),
      ).rejects.toThrow('Invalid parameter name specified');
    });

    it('fails if a model is made without a schema, or deleted while a method uses it', async () => {
      const { ids } = await petsApi();
      const { restApiId } = ids;
      await expect(client.send(new CreateModelCommand({ restApiId, name: 'Bare', contentType: 'application/json' }))).rejects.toThrow(
        'Model schema must have at least 1 property or array items defined',
      );
      await client.send(new CreateModelCommand({ restApiId, name: 'Pet', contentType: 'application/json', schema: '{"type":"object"}' }));
      await client.send(
        new PutMethodCommand({ ...ids, httpMethod: 'POST', authorizationType: 'NONE', requestModels: { 'application/json': 'Pet' } }),
      );
      await expect(client.send(new DeleteModelCommand({ restApiId, modelName: 'Pet' }))).rejects.toThrow(
        "Cannot delete model 'Pet', is referenced in method request: /pets/POST",
      );
    });

    it('fails if a validator is made on an API that does not exist, or a response deleted that is not there', async () => {
      await expect(client.send(new CreateRequestValidatorCommand({ restApiId: 'nope', name: 'v' }))).rejects.toThrow(
        'Invalid REST API identifier specified',
      );
      const { ids } = await petsApi();
      await expect(client.send(new DeleteIntegrationResponseCommand({ ...ids, statusCode: '201' }))).rejects.toThrow(
        'Invalid Response status code specified',
      );
      await expect(client.send(new DeleteIntegrationResponseCommand({ ...ids, httpMethod: 'POST', statusCode: '200' }))).rejects.toThrow(
        'Invalid Integration identifier specified',
      );
    });
  });
});
