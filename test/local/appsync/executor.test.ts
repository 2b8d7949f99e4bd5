import { describe, expect, it } from 'vitest';
import type { DataSourceServices } from '../../../local/appsync/data-sources.js';
import type { GraphqlApiDefinition, ResolverDefinition } from '../../../local/appsync/definitions.js';
import { executeGraphql } from '../../../local/appsync/executor.js';
import { appSyncSchema } from '../../../local/appsync/schema.js';

const SCHEMA = `
  type Industry { name: String _version: Int! }
  type Connection { items: [Industry] tags: [String!] }
  type Query { listIndustries: Connection! optional: Connection count: Int! }
`;

/** A NONE data source resolver whose code answers `value` for Query.<field>. */
const answering = (field: string, value: unknown): ResolverDefinition => ({
  typeName: 'Query',
  fieldName: field,
  kind: 'UNIT',
  dataSourceName: 'none',
  functionIds: [],
  code: `export function request() { return { payload: ${JSON.stringify(value)} }; } export function response(ctx) { return ctx.result; }`,
});

function api(resolvers: ResolverDefinition[]): GraphqlApiDefinition {
  return {
    id: 'api1',
    name: 'industries',
    arn: 'arn:aws:appsync:us-east-1:000000000000:apis/api1',
    url: '',
    realtimeUrl: '',
    auth: [{ type: 'API_KEY' }],
    schema: SCHEMA,
    apiKeys: [],
    dataSources: new Map([['none', { name: 'none', type: 'NONE' }]]),
    resolvers,
    functions: new Map(),
    where: 'the test',
    tags: {},
  };
}

const run = (resolvers: ResolverDefinition[], query: string) =>
  executeGraphql(
    api(resolvers),
    appSyncSchema(SCHEMA),
    { query },
    { authorized: { mode: 'API_KEY', identity: null, deniedFields: [] }, headers: {}, domainName: null },
    { services: {} as DataSourceServices, now: () => 0 },
  );

describe('executeGraphql', () => {
  it('words a null in a non-null field as AppSync does: the type, its parent and the path, with no locations', async () => {
    const answer = await run([], '{ listIndustries { tags } count }');
    expect(answer).toEqual({
      data: null,
      errors: [
        {
          path: ['listIndustries'],
          data: null,
          errorInfo: null,
          locations: null,
          message: "Cannot return null for non-nullable type: 'Connection' within parent 'Query' (/listIndustries)",
        },
      ],
    });
  });

  it("names a list item's index in the path and the item's type, as AppSync does", async () => {
    const answer = await run(
      [answering('optional', { items: [{ name: 'a', _version: 1 }, { name: 'b' }], tags: ['x', null] })],
      '{ optional { items { name _version } tags } }',
    );
    // Each null goes up to the nearest field or item that may be null, as GraphQL has it.
    expect(answer.data).toEqual({ optional: { items: [{ name: 'a', _version: 1 }, null], tags: null } });
    // In the order the fields complete, which GraphQL does not fix.
    const errors = (answer.errors ?? []).map((e) => [e.path, e.message]).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
    expect(errors).toEqual([
      [
        ['optional', 'items', 1, '_version'],
        "Cannot return null for non-nullable type: 'Int' within parent 'Industry' (/optional/items[1]/_version)",
      ],
      [['optional', 'tags', 1], "Cannot return null for non-nullable type: 'String' within parent 'Connection' (/optional/tags[1])"],
    ]);
  });
});
