import { DatabaseSync } from 'node:sqlite';
import {
  APIGatewayClient,
  CreateRestApiCommand,
  DeleteRestApiCommand,
  GetRestApiCommand,
  GetTagsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateRestApiCommand,
} from '@aws-sdk/client-api-gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestApiStore, restApiArn } from '../../../local/apigateway/rest-api-store.js';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { sdkFailure } from '../../helpers/sdk-failure.js';
import { assemblyOf } from '../assembly.js';
import { credentials, region, tempDataDir } from '../helpers.js';

describe('API Gateway REST API tags', () => {
  const runtimes = new RuntimesWithData();
  const dataDir = tempDataDir();
  let runtime: LocalRuntime;
  let client: APIGatewayClient;
  const connect = async () => {
    client?.destroy();
    runtime = await runtimes.start(assemblyOf({}), { dataDir });
    client = new APIGatewayClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
  };

  beforeAll(connect);

  afterAll(async () => {
    client?.destroy();
    await runtimes.stopAll();
  });

  it("keeps CreateRestApi's tags, which TagResource, UntagResource and GetTags change and read, across a restart", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'tagged', tags: { team: 'a', tier: 'gold' } }));
    expect(api.tags).toEqual({ team: 'a', tier: 'gold' });
    const resourceArn = restApiArn(region, api.id ?? '');
    await client.send(new TagResourceCommand({ resourceArn, tags: { owner: 'ana', team: 'b' } }));
    await client.send(new UntagResourceCommand({ resourceArn, tagKeys: ['tier', 'absent'] }));
    expect((await client.send(new GetTagsCommand({ resourceArn }))).tags).toEqual({ team: 'b', owner: 'ana' });
    expect((await client.send(new GetRestApiCommand({ restApiId: api.id }))).tags).toEqual({ team: 'b', owner: 'ana' });
    await runtimes.stopAll();
    await connect();
    expect((await client.send(new GetTagsCommand({ resourceArn }))).tags).toEqual({ team: 'b', owner: 'ana' });
  });

  it('answers no tags for an API without any, and UpdateRestApi an empty map', async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'plain' }));
    expect(api.tags).toBeUndefined();
    expect((await client.send(new GetTagsCommand({ resourceArn: restApiArn(region, api.id ?? '') }))).tags).toEqual({});
    const updated = await client.send(
      new UpdateRestApiCommand({ restApiId: api.id, patchOperations: [{ op: 'replace', path: '/name', value: 'renamed' }] }),
    );
    expect(updated.tags).toEqual({});
  });

  it("forgets a deleted API's tags", async () => {
    const api = await client.send(new CreateRestApiCommand({ name: 'deleted', tags: { team: 'a' } }));
    const resourceArn = restApiArn(region, api.id ?? '');
    await client.send(new DeleteRestApiCommand({ restApiId: api.id }));
    expect(await sdkFailure(client.send(new GetTagsCommand({ resourceArn })))).toMatchObject({ code: 'NotFoundException', status: 404 });
  });

  describe('errors', () => {
    it('fails if the ARN names a REST API that does not exist', async () => {
      expect(
        await sdkFailure(client.send(new TagResourceCommand({ resourceArn: restApiArn(region, 'nosuchapi1'), tags: { a: 'b' } }))),
      ).toEqual({
        code: 'NotFoundException',
        message: 'Invalid API identifier specified 000000000000:nosuchapi1',
        status: 404,
      });
    });

    it("fails if the ARN is not a REST API's", async () => {
      const stage = `${restApiArn(region, 'abc')}/stages/prod`;
      expect(await sdkFailure(client.send(new GetTagsCommand({ resourceArn: stage })))).toMatchObject({
        code: 'BadRequestException',
        message: expect.stringContaining('the local API Gateway tags REST APIs'),
      });
    });
  });
});

describe('RestApiStore', () => {
  it("keeps the tags a data folder of an earlier version held in its APIs' records, rewriting each without them", () => {
    const db = new DatabaseSync(':memory:');
    db.exec('CREATE TABLE api_rest_apis (id TEXT PRIMARY KEY, json TEXT NOT NULL)');
    const stored = { api: { id: 'old1234567', name: 'old' }, resources: [], deployments: [], stages: [] };
    db.prepare('INSERT INTO api_rest_apis (id, json) VALUES (?, ?)').run(
      'old1234567',
      JSON.stringify({ ...stored, api: { ...stored.api, tags: { team: 'a' } } }),
    );
    const store = new RestApiStore(db, 'us-east-1');
    expect(store.tags.map('arn:aws:apigateway:us-east-1::/restapis/old1234567')).toEqual({ team: 'a' });
    expect(store.get('old1234567')).toEqual(stored);
    expect(new RestApiStore(db, 'us-east-1').tags.map(store.arnOf('old1234567'))).toEqual({ team: 'a' });
  });
});
