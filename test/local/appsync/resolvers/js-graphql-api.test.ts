import { beforeAll, describe, expect, it } from 'vitest';
import type { TemplateResource } from '../../../../local/template/cloud-assembly.js';
import { tempAssemblyDir, writeAssembly } from '../../assembly.js';
import { restartableRuntime } from '../../restartable-runtime.js';
import { idTable } from '../../template-resources.js';
import { graphqlDataSource, keyedGraphqlApi } from '../appsync-resources.js';
import { stackOutputs } from '../graphql-client.js';

const SCHEMA = `
type Note { id: ID! text: String views: Int }
type NotePage { items: [Note] nextToken: String }
type Query { getNote(id: ID!): Note listNotes(text: String): NotePage cached: String }
type Mutation { addNote(text: String!): Note viewNote(id: ID!): Note }
schema { query: Query mutation: Mutation }
`;

/** The resolvers as CDK's `appsync.Code.fromInline` with `FunctionRuntime.JS_1_0_0` writes them. */
const CODE: Record<string, [string, string]> = {
  addNote: [
    'Mutation',
    `import { util } from '@aws-appsync/utils';
     import { put } from '@aws-appsync/utils/dynamodb';
     export function request(ctx) { return put({ key: { id: util.autoId() }, item: { text: ctx.args.text, views: 0 }, condition: { id: { attributeExists: false } } }); }
     export function response(ctx) { return ctx.result; }`,
  ],
  viewNote: [
    'Mutation',
    `import { util } from '@aws-appsync/utils';
     import { update, operations } from '@aws-appsync/utils/dynamodb';
     export function request(ctx) { return update({ key: { id: ctx.args.id }, update: { views: operations.increment(1) }, condition: { id: { attributeExists: true } } }); }
     export function response(ctx) { if (ctx.error) util.error(ctx.error.message, ctx.error.type); return ctx.result; }`,
  ],
  getNote: [
    'Query',
    `import { get } from '@aws-appsync/utils/dynamodb';
     export function request(ctx) { return get({ key: { id: ctx.args.id } }); }
     export function response(ctx) { return ctx.result; }`,
  ],
  listNotes: [
    'Query',
    `import { scan } from '@aws-appsync/utils/dynamodb';
     export function request(ctx) { return scan({ filter: ctx.args.text ? { text: { contains: ctx.args.text } } : null }); }
     export function response(ctx) { return { items: ctx.result.items, nextToken: ctx.result.nextToken }; }`,
  ],
  cached: [
    'Query',
    `import { runtime } from '@aws-appsync/utils';
     export function request() { runtime.earlyReturn('from the request'); }
     export function response() { return 'never'; }`,
  ],
};

function assembly(): string {
  const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };
  const resources: Record<string, TemplateResource> = {
    Notes: idTable(),
    ...keyedGraphqlApi('js-notes', SCHEMA),
    TableSource: graphqlDataSource('table', {
      Type: 'AMAZON_DYNAMODB',
      DynamoDBConfig: { TableName: { Ref: 'Notes' }, AwsRegion: 'us-east-1' },
    }),
    ...Object.fromEntries(
      Object.entries(CODE).map(([field, [type, code]]) => [
        `Resolver${field}`,
        {
          Type: 'AWS::AppSync::Resolver',
          Properties: {
            ApiId: api,
            TypeName: type,
            FieldName: field,
            DataSourceName: 'table',
            Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
            Code: code,
          },
          DependsOn: ['Schema', 'TableSource'],
        },
      ]),
    ),
  };
  return writeAssembly(tempAssemblyDir(), {
    JsNotes: {
      template: {
        Resources: resources,
        Outputs: { Url: { Value: { 'Fn::GetAtt': ['Api', 'GraphQLUrl'] } }, ApiKey: { Value: { 'Fn::GetAtt': ['Key', 'ApiKey'] } } },
      },
    },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a GraphQL answer is JSON the tests read member by member and check with expect
type Answer = Record<string, any>;

describe('APPSYNC_JS resolvers behind a GraphQL API', () => {
  const local = restartableRuntime({ assembly, ownsAssembly: true });
  let outputs: Record<string, string>;
  beforeAll(async () => {
    outputs = await stackOutputs(local.runtime, 'JsNotes');
  });

  const graphql = async (query: string, variables: Record<string, unknown> = {}): Promise<Answer> => {
    const response = await fetch(outputs.Url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': outputs.ApiKey ?? '' },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as Answer;
  };

  it('writes, updates, reads and scans a table through the DynamoDB module', async () => {
    const added = await graphql('mutation { addNote(text: "hello world") { id text views } }');
    const id = added.data.addNote.id as string;
    expect(added).toEqual({ data: { addNote: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), text: 'hello world', views: 0 } } });
    await graphql('mutation { addNote(text: "other") { id } }');
    expect(await graphql('mutation($id: ID!) { viewNote(id: $id) { views } }', { id })).toEqual({ data: { viewNote: { views: 1 } } });
    expect(await graphql('query($id: ID!) { getNote(id: $id) { text views } }', { id })).toEqual({
      data: { getNote: { text: 'hello world', views: 1 } },
    });
    expect(await graphql('{ listNotes(text: "world") { items { text } } }')).toEqual({
      data: { listNotes: { items: [{ text: 'hello world' }] } },
    });
  });

  it('answers a failed condition as the response handler raises it with util.error', async () => {
    const answer = await graphql('mutation { viewNote(id: "none") { views } }');
    expect(answer.data).toEqual({ viewNote: null });
    expect(answer.errors?.[0]).toMatchObject({ path: ['viewNote'], errorType: 'DynamoDB:ConditionalCheckFailedException' });
  });

  it('answers what a request handler returned early, without reaching the data source', async () => {
    expect(await graphql('{ cached }')).toEqual({ data: { cached: 'from the request' } });
  });
});
