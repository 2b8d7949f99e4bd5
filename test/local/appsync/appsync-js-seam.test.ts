import { describe, expect, it, vi } from 'vitest';
import type { GraphqlApiDefinition, ResolverDefinition } from '../../../local/appsync/definitions.js';
import type { AppSyncJsContext } from '../../../local/appsync/resolvers/appsync-js.js';
import { runResolver } from '../../../local/appsync/resolvers.js';

// The evaluator is another file's (it replaces the stub at merge): what the resolvers need of it is its export, faked here.
vi.mock('../../../local/appsync/resolvers/appsync-js.js', () => ({
  evaluateAppSyncJs: (code: string, handler: 'request' | 'response', ctx: AppSyncJsContext) => {
    if (handler === 'request') {
      ctx.stash.code = code;
      return { value: { payload: { echoed: ctx.arguments.word } }, errors: [], earlyReturn: false };
    }
    return {
      value: { ...(ctx.result as object), stash: ctx.stash.code },
      errors: [{ message: 'noted', errorType: 'Note' }],
      earlyReturn: false,
    };
  },
}));

const api: GraphqlApiDefinition = {
  id: 'a',
  name: 'js',
  arn: 'arn:aws:appsync:us-east-1:000000000000:apis/a',
  url: 'http://x/graphql',
  realtimeUrl: 'ws://x/graphql/realtime',
  auth: [{ type: 'API_KEY' }],
  schema: 'type Query { echo(word: String): AWSJSON }',
  apiKeys: [],
  dataSources: new Map([['none', { name: 'none', type: 'NONE' }]]),
  resolvers: [],
  functions: new Map(),
  where: 'Test/Api',
};

const ctx = (): AppSyncJsContext => ({
  arguments: { word: 'hi' },
  args: { word: 'hi' },
  source: null,
  identity: null,
  stash: {},
  prev: { result: null },
  request: { headers: {}, domainName: null },
  info: { fieldName: 'echo', parentTypeName: 'Query', variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
  result: null,
  error: null,
});

describe('APPSYNC_JS resolvers', () => {
  it("run their code's request and response through the evaluator, around the data source, with one stash", async () => {
    const resolver: ResolverDefinition = {
      typeName: 'Query',
      fieldName: 'echo',
      kind: 'UNIT',
      dataSourceName: 'none',
      functionIds: [],
      code: 'export function request() {}',
    };
    const outcome = await runResolver(api, resolver, ctx(), { services: {} as never, now: () => 0, authType: 'API Key Authorization' });
    expect(outcome).toEqual({
      value: { echoed: 'hi', stash: 'export function request() {}' },
      errors: [{ message: 'noted', errorType: 'Note' }],
    });
  });
});
