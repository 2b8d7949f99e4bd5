import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { templateTags } from '../../../local/appsync/control-plane.js';
import { TagStore } from '../../../local/store/tag-store.js';
import { assemblyOf } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { keyedGraphqlApi } from './appsync-resources.js';

const SCHEMA = 'type Query { hello: String }';

/** An app of one GraphQL API `tagged`, with the template Tags `tags`. */
function assembly(tags: { Key: string; Value: string }[]) {
  const resources = keyedGraphqlApi('tagged', SCHEMA);
  const api = resources.Api as { Properties: Record<string, unknown> };
  return () => assemblyOf({ ...resources, Api: { ...resources.Api, Properties: { ...api.Properties, Tags: tags } } } as never, 'Graph');
}

describe('AppSync GraphQL API tags', () => {
  const local = restartableRuntime({ assembly: assembly([{ Key: 'team', Value: 'graph' }]), ownsAssembly: true });
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${local.runtime.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
  };
  const theApi = async () => {
    const { body } = await control('GET', '/v1/apis');
    return (body.graphqlApis as { arn: string; apiId: string }[])[0] as { arn: string; apiId: string };
  };
  const tagsPath = (arn: string) => `/v1/tags/${encodeURIComponent(arn)}`;

  it("tags the template's API with its Tags, which TagResource and UntagResource change, Get answers and a restart gives back", async () => {
    const { arn, apiId } = await theApi();
    expect(await control('GET', tagsPath(arn))).toEqual({ status: 200, body: { tags: { team: 'graph' } } });
    expect((await control('POST', tagsPath(arn), { tags: { owner: 'ana', team: 'api' } })).status).toBe(200);
    expect((await control('DELETE', `${tagsPath(arn)}?tagKeys=owner&tagKeys=absent`)).status).toBe(200);
    expect((await control('GET', `/v1/apis/${apiId}`)).body.graphqlApi).toMatchObject({ tags: { team: 'api' } });
    await local.restart();
    expect((await control('GET', tagsPath(arn))).body).toEqual({ tags: { team: 'graph' } });
  });

  describe('errors', () => {
    it('fails if the ARN names a GraphQL API the app does not have', async () => {
      const missing = 'arn:aws:appsync:us-east-1:000000000000:apis/abcdefghijklmnopqrstuvwxyz';
      const answer = await control('POST', tagsPath(missing), { tags: { a: 'b' } });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ message: expect.stringContaining(`GraphQL API ${missing} not found`) });
    });

    it("fails if the ARN is not a GraphQL API's (the model's pattern)", async () => {
      const answer = await control('GET', tagsPath('arn:aws:sqs:us-east-1:000000000000:queue'));
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ message: expect.stringContaining('resourceArn') });
    });
  });
});

describe('templateTags', () => {
  it("gives each API its template's Tags and forgets those of an API the template no longer has", () => {
    const tags = new TagStore(new DatabaseSync(':memory:'));
    const api = (id: string, apiTags: Record<string, string>) => ({
      arn: `arn:aws:appsync:us-east-1:000000000000:apis/${id}`,
      tags: apiTags,
    });
    templateTags(tags, [api('kept', { team: 'a' }), api('gone', { team: 'b' })] as never);
    tags.tag(api('kept', {}).arn, [['added', 'by-api']]);
    templateTags(tags, [api('kept', { team: 'c' })] as never);
    expect(tags.map(api('kept', {}).arn)).toEqual({ team: 'c' });
    expect(tags.arnsUnder('')).toEqual([api('kept', {}).arn]);
  });
});

describe('AppSync API keys', () => {
  const local = restartableRuntime({ assembly: assembly([]), ownsAssembly: true });

  it("lists the template's keys of an API, as the console shows the key to send, AppSync's default expiry for one given none", async () => {
    const { body } = await (await fetch(`${local.runtime.url}/v1/apis`)).json().then((b) => ({ body: b as Record<string, unknown> }));
    const [api] = body.graphqlApis as { apiId: string }[];
    const response = await fetch(`${local.runtime.url}/v1/apis/${api?.apiId}/apikeys`);
    expect(response.status).toBe(200);
    const { apiKeys } = (await response.json()) as { apiKeys: { id: string; expires: number; deletes: number }[] };
    expect(apiKeys).toEqual([
      { id: local.runtime.appsync.apis[0]?.apiKeys[0]?.id, expires: expect.any(Number), deletes: expect.any(Number) },
    ]);
    const [key] = apiKeys;
    expect(key?.id).toMatch(/^da2-[a-z0-9]{26}$/);
    expect((key?.expires ?? 0) - Date.now() / 1000).toBeGreaterThan(6 * 24 * 3600);
    expect((key?.deletes ?? 0) - (key?.expires ?? 0)).toBe(60 * 24 * 3600);
  });

  it("fails if the API is not one of the app's, with NotFoundException", async () => {
    const response = await fetch(`${local.runtime.url}/v1/apis/nope/apikeys`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toMatch(/^NotFoundException/);
  });
});
