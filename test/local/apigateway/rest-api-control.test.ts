import { DatabaseSync } from 'node:sqlite';
import {
  APIGatewayClient,
  CreateDeploymentCommand,
  CreateResourceCommand,
  CreateRestApiCommand,
  DeleteRestApiCommand,
  GetMethodCommand,
  GetResourcesCommand,
  GetRestApiCommand,
  GetRestApisCommand,
  GetStageCommand,
  GetStagesCommand,
  PutIntegrationCommand,
  PutIntegrationResponseCommand,
  PutMethodCommand,
  PutMethodResponseCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestApiControl } from '../../../local/apigateway/rest-api-control.js';
import { RestApiStore } from '../../../local/apigateway/rest-api-store.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { ManualClock } from '../../../local/time/clock.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

/** A MOCK method answering `answer` (its integration response's template) on POST of `pathPart`, made as a deployment script makes it. */
async function mockApi(client: APIGatewayClient, name: string, pathPart: string, answer: string) {
  const api = await client.send(new CreateRestApiCommand({ name }));
  const restApiId = api.id as string;
  const resource = await client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId, pathPart }));
  const ids = { restApiId, resourceId: resource.id as string, httpMethod: 'POST' };
  await client.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' }));
  await client.send(new PutIntegrationCommand({ ...ids, type: 'MOCK', requestTemplates: { 'application/json': '{"statusCode": 200}' } }));
  await client.send(new PutMethodResponseCommand({ ...ids, statusCode: '200' }));
  await client.send(new PutIntegrationResponseCommand({ ...ids, statusCode: '200', responseTemplates: { 'application/json': answer } }));
  return { api, ids };
}

describe('API Gateway REST API control plane', () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let client: APIGatewayClient;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDataDir();
    runtime = await runtimes.start(assemblyOf({}), { dataDir });
    client = new APIGatewayClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  const invoke = (apiId: string, path: string) => fetch(`${runtime.url}/_aws/execute-api/${apiId}/${path}`, { method: 'POST' });

  it('creates an API with its root resource and the defaults API Gateway answers with', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'defaults' }));
    expect(api).toMatchObject({
      id: expect.stringMatching(/^[a-z0-9]{10}$/),
      name: 'defaults',
      apiKeySource: 'HEADER',
      disableExecuteApiEndpoint: false,
      endpointConfiguration: { types: ['EDGE'], ipAddressType: 'ipv4' },
      rootResourceId: expect.stringMatching(/^[a-z0-9]{10}$/),
      createdDate: expect.any(Date),
    });
    expect(api.$metadata.httpStatusCode).toBe(201);
    const { items } = await client.send(new GetResourcesCommand({ restApiId: api.id }));
    expect(items).toEqual([{ id: api.rootResourceId, path: '/' }]);
    expect((await client.send(new GetRestApiCommand({ restApiId: api.id }))).name).toBe('defaults');
  });

  it('serves a deployed stage at the local URL of REST APIs, and a change only once deployed again', async () => {
    const { api, ids } = await mockApi(client, 'served', 'hello', '{"answer": "first"}');
    const restApiId = api.id as string;
    expect((await invoke(restApiId, 'prod/hello')).ok).toBe(false);
    const deployment = await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' }));
    const first = await invoke(restApiId, 'prod/hello');
    expect([first.status, await first.json()]).toEqual([200, { answer: 'first' }]);
    await client.send(
      new PutIntegrationResponseCommand({ ...ids, statusCode: '200', responseTemplates: { 'application/json': '{"answer": "second"}' } }),
    );
    expect(await (await invoke(restApiId, 'prod/hello')).json()).toEqual({ answer: 'first' });
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'next' }));
    expect(await (await invoke(restApiId, 'next/hello')).json()).toEqual({ answer: 'second' });
    expect(await (await invoke(restApiId, 'prod/hello')).json()).toEqual({ answer: 'first' });
    expect(await client.send(new GetStageCommand({ restApiId, stageName: 'prod' }))).toMatchObject({
      stageName: 'prod',
      deploymentId: deployment.id,
      cacheClusterEnabled: false,
      cacheClusterStatus: 'NOT_AVAILABLE',
      methodSettings: {},
      tracingEnabled: false,
    });
    const { item } = await client.send(new GetStagesCommand({ restApiId, deploymentId: deployment.id }));
    expect(item?.map((s) => s.stageName)).toEqual(['prod']);
  });

  it("answers GetMethod with the method, its integration and responses in API Gateway's shape", async () => {
    const { ids } = await mockApi(client, 'shape', 'shape', '{}');
    expect(await client.send(new GetMethodCommand(ids))).toMatchObject({
      httpMethod: 'POST',
      authorizationType: 'NONE',
      apiKeyRequired: false,
      methodResponses: { '200': { statusCode: '200', responseModels: {}, responseParameters: {} } },
      methodIntegration: {
        type: 'MOCK',
        passthroughBehavior: 'WHEN_NO_MATCH',
        timeoutInMillis: 29000,
        cacheNamespace: ids.resourceId,
        cacheKeyParameters: [],
        integrationResponses: { '200': { statusCode: '200', responseTemplates: { 'application/json': '{}' } } },
      },
    });
    const { items } = await client.send(new GetResourcesCommand({ restApiId: ids.restApiId }));
    expect(items?.find((r) => r.id === ids.resourceId)).toEqual({
      id: ids.resourceId,
      parentId: expect.any(String),
      pathPart: 'shape',
      path: '/shape',
      resourceMethods: { POST: {} },
    });
  });

  it("copies another API's resources and methods with cloneFrom, each resource with an id of its own", async () => {
    const { api, ids } = await mockApi(client, 'original', 'cloned', '{}');
    const clone = await client.send(new CreateRestApiCommand({ name: 'clone', cloneFrom: api.id }));
    const { items } = await client.send(new GetResourcesCommand({ restApiId: clone.id }));
    expect(items?.map((r) => r.path)).toEqual(['/', '/cloned']);
    const copied = items?.find((r) => r.path === '/cloned')?.id as string;
    expect(copied).not.toBe(ids.resourceId);
    expect(items?.[0]?.id).toBe(clone.rootResourceId);
    expect(await client.send(new GetMethodCommand({ ...ids, restApiId: clone.id, resourceId: copied }))).toMatchObject({
      httpMethod: 'POST',
      methodIntegration: { type: 'MOCK', cacheNamespace: copied },
    });
  });

  it('keeps the APIs it made and serves their stages after a restart', async () => {
    const { api } = await mockApi(client, 'kept', 'kept', '{"kept": true}');
    const restApiId = api.id as string;
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'live' }));
    await runtime.stop();
    runtime = await runtimes.start(assemblyOf({}), { dataDir });
    client.destroy();
    client = new APIGatewayClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    expect((await client.send(new GetRestApiCommand({ restApiId }))).name).toBe('kept');
    expect(await (await invoke(restApiId, 'live/kept')).json()).toEqual({ kept: true });
  });

  it('stops serving an API it deletes, and lists the others', async () => {
    const { api } = await mockApi(client, 'deleted', 'gone', '{}');
    const restApiId = api.id as string;
    await client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' }));
    const deleted = await client.send(new DeleteRestApiCommand({ restApiId }));
    expect(deleted.$metadata.httpStatusCode).toBe(202);
    expect((await invoke(restApiId, 'prod/gone')).status).toBe(404);
    const { items } = await client.send(new GetRestApisCommand({}));
    expect(items?.map((a) => a.id)).not.toContain(restApiId);
  });

  describe('fails with API Gateway errors', () => {
    const rejects = (promise: Promise<unknown>, name: string, message: string) => expect(promise).rejects.toMatchObject({ name, message });

    it('fails if the API, a resource, a method, an integration or a stage does not exist', async () => {
      const { ids } = await mockApi(client, 'errors', 'errors', '{}');
      await rejects(
        client.send(new GetRestApiCommand({ restApiId: 'nope000000' })),
        'NotFoundException',
        'Invalid API identifier specified 000000000000:nope000000',
      );
      await rejects(
        client.send(new PutMethodCommand({ ...ids, restApiId: 'nope000000', httpMethod: 'GET', authorizationType: 'NONE' })),
        'NotFoundException',
        'Invalid Resource identifier specified',
      );
      await rejects(
        client.send(new GetMethodCommand({ ...ids, httpMethod: 'GET' })),
        'NotFoundException',
        'Invalid Method identifier specified',
      );
      await client.send(new PutMethodCommand({ ...ids, httpMethod: 'GET', authorizationType: 'NONE' }));
      await rejects(
        client.send(new PutIntegrationResponseCommand({ ...ids, httpMethod: 'GET', statusCode: '200' })),
        'NotFoundException',
        'Invalid Integration identifier specified',
      );
      await rejects(
        client.send(new GetStageCommand({ restApiId: ids.restApiId, stageName: 'none' })),
        'NotFoundException',
        'Invalid Stage identifier specified',
      );
    });

    it('fails if a resource, method or integration is one API Gateway refuses', async () => {
      const { api, ids } = await mockApi(client, 'refusals', 'pets', '{}');
      const restApiId = api.id as string;
      await rejects(
        client.send(new CreateResourceCommand({ restApiId, parentId: api.rootResourceId, pathPart: 'pets' })),
        'ConflictException',
        'Another resource with the same parent already has this name: pets',
      );
      const greedy = await client.send(new CreateResourceCommand({ restApiId, parentId: ids.resourceId, pathPart: '{proxy+}' }));
      await rejects(
        client.send(new CreateResourceCommand({ restApiId, parentId: greedy.id, pathPart: 'below' })),
        'BadRequestException',
        'Cannot create a child of a resource with a greedy path variable: {proxy+}',
      );
      await rejects(
        client.send(new PutMethodCommand({ ...ids, httpMethod: 'FETCH', authorizationType: 'NONE' })),
        'BadRequestException',
        'Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY',
      );
      await rejects(
        client.send(new PutMethodCommand({ ...ids, authorizationType: 'NONE' })),
        'ConflictException',
        'Method already exists for this resource',
      );
      await rejects(
        client.send(new PutIntegrationCommand({ ...ids, type: 'AWS', uri: 'arn:aws:apigateway:us-east-1:lambda:nowhere' })),
        'BadRequestException',
        'Enumeration value for HttpMethod must be non-empty',
      );
      await rejects(
        client.send(
          new PutIntegrationCommand({
            ...ids,
            type: 'AWS',
            integrationHttpMethod: 'POST',
            uri: 'arn:aws:apigateway:us-east-1:lambda:nowhere',
          }),
        ),
        'BadRequestException',
        'AWS ARN for integration must contain path or action',
      );
      await rejects(
        client.send(new CreateRestApiCommand({ name: 'empty', description: '' })),
        'BadRequestException',
        'Description cannot be an empty string',
      );
    });

    it('fails to deploy an API without methods, or with a method without an integration', async () => {
      const api = await client.send(new CreateRestApiCommand({ name: 'empty' }));
      const restApiId = api.id as string;
      await rejects(
        client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' })),
        'BadRequestException',
        "The REST API doesn't contain any methods",
      );
      await client.send(new PutMethodCommand({ restApiId, resourceId: api.rootResourceId, httpMethod: 'GET', authorizationType: 'NONE' }));
      await rejects(
        client.send(new CreateDeploymentCommand({ restApiId, stageName: 'prod' })),
        'BadRequestException',
        'No integration defined for method',
      );
    });
  });
});

describe('RestApiControl', () => {
  it('serves an API anew only when a deployment or stage changed, saying once what of it does not run', async () => {
    const served: string[] = [];
    const log: string[] = [];
    const control = new RestApiControl({
      store: new RestApiStore(new DatabaseSync(':memory:'), 'us-east-1'),
      deployed: { serve: (apiId, definitions) => served.push(`${apiId}:${definitions.length}`) },
      clock: new ManualClock(),
      accountId: '000000000000',
      log: (line) => log.push(line),
    });
    const api = await control.CreateRestApi({ name: 'remote' });
    const ids = { restApiId: api.id, resourceId: api.rootResourceId, httpMethod: 'GET' };
    await control.PutMethod({ ...ids, authorizationType: 'NONE' });
    await control.PutIntegration({ ...ids, type: 'HTTP_PROXY', integrationHttpMethod: 'GET', uri: 'https://example.com/' });
    await control.CreateDeployment({ restApiId: api.id, stageName: 'prod' });
    await control.PutMethodResponse({ ...ids, statusCode: '200' });
    expect(served).toEqual([`${api.id}:1`]);
    expect(log).toEqual([
      expect.stringContaining('HTTP_PROXY integrations to https://example.com/, not on this machine, are not called locally'),
    ]);
  });
});
