import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { GraphqlApiDefinition } from '../../../local/appsync/definitions.js';
import { appSyncSchema } from '../../../local/appsync/schema.js';
import { appSyncLines } from '../../../local/appsync/startup-lines.js';
import { graphqlTryIt } from '../../../local/appsync/try-it.js';

const api = (auth: GraphqlApiDefinition['auth']): GraphqlApiDefinition => ({
  id: 'api1',
  name: 'DemoApi',
  arn: 'arn:aws:appsync:us-east-1:000000000000:apis/api1',
  url: 'http://127.0.0.1:4722/_aws/appsync/api1/graphql',
  realtimeUrl: '',
  auth,
  schema: '',
  apiKeys: [],
  dataSources: new Map(),
  resolvers: [],
  functions: new Map(),
  where: 'the test',
  tags: {},
});

describe('appSyncLines', () => {
  it("says, for an API that takes AWS_IAM, that a caller's identity is its access key id, not the IAM principal AWS gives", () => {
    const [, differs] = appSyncLines([api([{ type: 'AWS_IAM' }])], 'http://127.0.0.1:4722');
    expect(differs).toContain(
      "an AWS_IAM caller's identity.username is its access key id, its userArn user/<access key id> (AWS gives the IAM principal's)",
    );
  });

  it('says nothing of IAM identities for an API that does not take AWS_IAM', () => {
    const [, differs] = appSyncLines([api([{ type: 'API_KEY' }])], 'http://127.0.0.1:4722');
    expect(differs).not.toContain('AWS_IAM');
  });
});

// serverless-patterns appsync-direct-lambda-resolver's schema (its resolvers are Direct Lambda resolvers).
const TODOS = `
type Todo { id: ID! name: String! description: String createdAt: AWSDateTime! }
type ModelTodoConnection { items: [Todo] nextToken: String }
type Query { getTodo(id: ID!): Todo listTodos(limit: Int, nextToken: String): ModelTodoConnection }
type Mutation { createTodo(id: ID, name: String!, description: String): Todo }
`;

const resolver = (typeName: string, fieldName: string) => ({ typeName, fieldName, kind: 'UNIT' as const, functionIds: [] });

/** The GraphQL document the suggested curl sends. */
const sentQuery = (shell: string | undefined) => JSON.parse(/-d '(.*)'$/.exec(shell ?? '')?.[1] ?? '{}').query as string;

describe('graphqlTryIt', () => {
  it('suggests a curl with the API key running a resolved query (one without required arguments first), valid against the schema', () => {
    const todos = {
      ...api([{ type: 'API_KEY' }]),
      schema: TODOS,
      apiKeys: [{ id: 'da2-key' }],
      resolvers: [resolver('Mutation', 'createTodo'), resolver('Query', 'getTodo'), resolver('Query', 'listTodos')],
    };
    const shell = graphqlTryIt([todos]).tryIt?.shell;
    expect(shell).toMatch(/^curl -s http:\/\/127\.0\.0\.1:4722\/_aws\/appsync\/api1\/graphql -H 'x-api-key: da2-key' /);
    const query = sentQuery(shell);
    expect(query).toBe('query { listTodos { items { id name description createdAt } nextToken } }');
    expect(validate(appSyncSchema(TODOS), parse(query))).toEqual([]);
    // With only a query that needs an argument, an example value is given.
    const byId = sentQuery(graphqlTryIt([{ ...todos, resolvers: [resolver('Query', 'getTodo')] }]).tryIt?.shell);
    expect(byId).toBe('query { getTodo(id: "1") { id name description createdAt } }');
    expect(validate(appSyncSchema(TODOS), parse(byId))).toEqual([]);
  });

  it('runs a mutation when the API resolves no query, its objects selected two levels down', () => {
    const schema = `${TODOS}\ntype Result { todos: ModelTodoConnection count: Int }\nextend type Mutation { put(event: String!): Result }`;
    const only = { ...api([{ type: 'API_KEY' }]), schema, apiKeys: [{ id: 'k' }], resolvers: [resolver('Mutation', 'put')] };
    const query = sentQuery(graphqlTryIt([only]).tryIt?.shell);
    expect(query).toBe('mutation { put(event: "example") { todos { nextToken } count } }');
    expect(validate(appSyncSchema(schema), parse(query))).toEqual([]);
  });

  it('suggests nothing for an API whose default auth is not an API key (curl does not sign or sign in)', () => {
    const iam = {
      ...api([{ type: 'AWS_IAM' }, { type: 'API_KEY' }]),
      schema: TODOS,
      apiKeys: [{ id: 'k' }],
      resolvers: [resolver('Query', 'getTodo')],
    };
    expect(graphqlTryIt([iam])).toEqual({});
  });
});
