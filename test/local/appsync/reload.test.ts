import { describe, expect, it } from 'vitest';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { graphqlDataSource } from './appsync-resources.js';
import { stackOutputs } from './graphql-client.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };

/** One API with a NONE resolver whose APPSYNC_JS code answers `word`, and `schema`. */
function greetingApp(dir: string, word: string, schema: string): string {
  const resources: Record<string, TemplateResource> = {
    Api: { Type: 'AWS::AppSync::GraphQLApi', Properties: { Name: 'greetings', AuthenticationType: 'API_KEY' } },
    Schema: { Type: 'AWS::AppSync::GraphQLSchema', Properties: { ApiId: api, Definition: schema } },
    Key: { Type: 'AWS::AppSync::ApiKey', Properties: { ApiId: api } },
    NoneSource: graphqlDataSource('none', { Type: 'NONE' }),
    Hello: {
      Type: 'AWS::AppSync::Resolver',
      Properties: {
        ApiId: api,
        TypeName: 'Query',
        FieldName: 'hello',
        DataSourceName: 'none',
        Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
        Code: `export function request() { return { payload: ${JSON.stringify(word)} }; } export function response(ctx) { return ctx.result; }`,
      },
      DependsOn: ['Schema'],
    },
  };
  return writeAssembly(dir, {
    Greetings: {
      template: {
        Resources: resources,
        Outputs: { Url: { Value: { 'Fn::GetAtt': ['Api', 'GraphQLUrl'] } }, ApiKey: { Value: { 'Fn::GetAtt': ['Key', 'ApiKey'] } } },
      },
    },
  });
}

describe('AppSync (local runtime): a reload of the app (switchyard dev)', () => {
  const dir = tempAssemblyDir();
  const lines: string[] = [];
  const local = restartableRuntime({
    assembly: () => greetingApp(dir, 'one', 'type Query { hello: String }'),
    ownsAssembly: true,
    options: { log: (line) => lines.push(line) },
  });

  const ask = async (query: string) => {
    const { Url = '', ApiKey = '' } = await stackOutputs(local.runtime, 'Greetings');
    const response = await fetch(Url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ApiKey },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: unknown; errors?: unknown[] };
  };

  it('serves a changed resolver and schema from the next request, and leaves an unchanged API alone', async () => {
    expect(await ask('{ hello }')).toEqual({ data: { hello: 'one' } });
    greetingApp(dir, 'two', 'type Query { hello: String again: String }');
    const changed = await local.runtime.reload(local.cdkOut);
    expect(changed.reloaded).toContain('graphql api greetings');
    expect(changed.needsRestart).toEqual([]);
    expect(await ask('{ hello again }')).toEqual({ data: { hello: 'two', again: null } });
    const same = await local.runtime.reload(local.cdkOut);
    expect(same.reloaded).not.toContain('graphql api greetings');
  });

  it('keeps a schema whose text did not change, its notices said once, when only a resolver changed', async () => {
    greetingApp(dir, 'three', 'type Query { hello: String; again: String }');
    await local.runtime.reload(local.cdkOut);
    greetingApp(dir, 'four', 'type Query { hello: String; again: String }');
    expect((await local.runtime.reload(local.cdkOut)).reloaded).toContain('graphql api greetings');
    expect(await ask('{ hello }')).toEqual({ data: { hello: 'four' } });
    expect(lines.filter((line) => line.includes('is not GraphQL'))).toHaveLength(1);
  });
});
