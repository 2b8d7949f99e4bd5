import { describe, expect, it } from 'vitest';
import type { DataSourceServices } from '../../../../local/appsync/data-sources.js';
import type { FunctionDefinition, GraphqlApiDefinition, ResolverDefinition } from '../../../../local/appsync/definitions.js';
import type { AppSyncJsContext } from '../../../../local/appsync/resolvers/appsync-js.js';
import { type ResolverEnvironment, runResolver } from '../../../../local/appsync/resolvers.js';

const NONE = { name: 'none', type: 'NONE' };

function api(functions: FunctionDefinition[] = []): GraphqlApiDefinition {
  return {
    id: 'api1',
    name: 'notes',
    arn: 'arn:aws:appsync:us-east-1:000000000000:apis/api1',
    url: '',
    realtimeUrl: '',
    auth: [],
    schema: '',
    apiKeys: [],
    dataSources: new Map([['none', NONE]]),
    resolvers: [],
    functions: new Map(functions.map((f) => [f.id, f])),
    where: 'the test',
    tags: {},
  };
}

function context(): AppSyncJsContext {
  return {
    arguments: { id: 'n-1' },
    args: { id: 'n-1' },
    source: null,
    identity: null,
    stash: {},
    prev: { result: null },
    request: { headers: {}, domainName: null },
    info: { fieldName: 'getNote', parentTypeName: 'Query', variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
  };
}

const env: ResolverEnvironment = {
  services: {} as DataSourceServices,
  now: () => 1_700_000_000_000,
  authType: 'AMAZON_COGNITO_USER_POOLS',
};

describe('runResolver with APPSYNC_JS code', () => {
  it("runs a unit resolver's handlers on the runtime's clock and auth type", () => {
    const resolver: ResolverDefinition = {
      typeName: 'Query',
      fieldName: 'getNote',
      kind: 'UNIT',
      dataSourceName: 'none',
      functionIds: [],
      code: `import { util } from '@aws-appsync/utils';
        export function request(ctx) { return { payload: { id: ctx.args.id, at: util.time.nowEpochMilliSeconds(), auth: util.authType() } }; }
        export function response(ctx) { return ctx.result; }`,
    };
    return expect(runResolver(api(), resolver, context(), env)).resolves.toEqual({
      value: { id: 'n-1', at: 1_700_000_000_000, auth: 'AMAZON_COGNITO_USER_POOLS' },
      errors: [],
    });
  });

  it('carries the stash through a pipeline and skips a function that returns early', async () => {
    const fn = (id: string, body: string): FunctionDefinition => ({
      id,
      name: id,
      dataSourceName: 'none',
      code: `import { runtime } from '@aws-appsync/utils'; ${body}`,
    });
    const functions = [
      fn(
        'f1',
        `export function request(ctx) { ctx.stash.trail.push('f1'); return { payload: 'one' }; } export function response(ctx) { return ctx.result; }`,
      ),
      fn(
        'f2',
        `export function request(ctx) { runtime.earlyReturn(ctx.prev.result + '!'); } export function response() { return 'never'; }`,
      ),
    ];
    const resolver: ResolverDefinition = {
      typeName: 'Query',
      fieldName: 'getNote',
      kind: 'PIPELINE',
      functionIds: ['f1', 'f2'],
      code: `export function request(ctx) { ctx.stash.trail = ['before']; return {}; }
        export function response(ctx) { return { result: ctx.prev.result, trail: ctx.stash.trail }; }`,
    };
    await expect(runResolver(api(functions), resolver, context(), env)).resolves.toEqual({
      value: { result: 'one!', trail: ['before', 'f1'] },
      errors: [],
    });
  });

  it("hands a data source's error to the response as ctx.error and raises it only when the code does", async () => {
    const refused: GraphqlApiDefinition = {
      ...api(),
      dataSources: new Map([
        [
          'fn',
          {
            name: 'fn',
            type: 'AWS_LAMBDA',
            lambdaArn: 'arn:aws:lambda:us-east-1:000000000000:function:notes',
            serviceRoleArn: 'arn:aws:iam::000000000000:role/ds',
          },
        ],
      ]),
    };
    const services = {
      ...env.services,
      region: 'us-east-1',
      accountId: '000000000000',
      authorize: async () => 'not allowed',
    } as DataSourceServices;
    const resolver = (response: string): ResolverDefinition => ({
      typeName: 'Query',
      fieldName: 'getNote',
      kind: 'UNIT',
      dataSourceName: 'fn',
      functionIds: [],
      code: `import { util } from '@aws-appsync/utils';
        export function request(ctx) { return { operation: 'Invoke', payload: ctx.args }; }
        export function response(ctx) { ${response} }`,
    });
    await expect(
      runResolver(refused, resolver('return { result: ctx.result, error: ctx.error.type };'), context(), { ...env, services }),
    ).resolves.toEqual({
      value: { result: null, error: 'Lambda:AccessDeniedException' },
      errors: [],
    });
    await expect(
      runResolver(refused, resolver('if (ctx.error) util.error(ctx.error.message, ctx.error.type); return ctx.result;'), context(), {
        ...env,
        services,
      }),
    ).rejects.toMatchObject({ name: 'AppSyncResolverError', errorType: 'Lambda:AccessDeniedException' });
  });
});
