import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAppSyncJs } from '../../../local/appsync/resolvers/appsync-js.js';
import { checkSubscriptionFilter, matchesSubscriptionFilter, toSubscriptionFilter } from '../../../local/appsync/subscription-filters.js';
import { renderAppSyncTemplate } from '../../../local/appsync/vtl.js';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { graphqlDataSource, keyedGraphqlApi } from './appsync-resources.js';
import { stackOutputs } from './graphql-client.js';
import { RealtimeClient } from './realtime-client.js';

const SCHEMA = `
type Ticket @aws_api_key { id: ID! group: String severity: Int priority: String }
type Query { getTicket(id: ID!): Ticket }
type Mutation { createTicket(id: ID!, group: String, severity: Int, priority: String): Ticket }
type Subscription {
  onUrgent(group: String): Ticket @aws_subscribe(mutations: ["createTicket"])
  onGroup(group: String!): Ticket @aws_subscribe(mutations: ["createTicket"])
}
schema { query: Query mutation: Mutation subscription: Subscription }
`;

/** The AWS guide's ticket example: severe tickets that are high priority or in the subscriber's group. */
const URGENT_CODE = `import { util, extensions } from '@aws-appsync/utils';
export function request(ctx) { return { payload: null }; }
export function response(ctx) {
  if (ctx.args.group === 'secret') util.unauthorized();
  extensions.setSubscriptionFilter(util.transform.toSubscriptionFilter({
    severity: { ge: 3 },
    or: [{ priority: { eq: 'high' } }, { group: { eq: ctx.args.group } }],
  }));
  return null;
}`;

const GROUP_RESPONSE = `$extensions.setSubscriptionFilter({"filterGroup": [{"filters": [
  {"fieldName": "group", "operator": "eq", "value": $ctx.args.group},
  {"fieldName": "severity", "operator": "between", "value": [1, 2]}
]}]})
$util.toJson(null)`;

const JS = { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' };
const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };

function ticketsAssembly(): string {
  const resolver = (type: string, field: string, properties: Record<string, unknown>) => ({
    Type: 'AWS::AppSync::Resolver',
    Properties: { ApiId: api, TypeName: type, FieldName: field, DataSourceName: 'none', ...properties },
    DependsOn: ['Schema', 'NoneSource'],
  });
  return writeAssembly(tempAssemblyDir(), {
    Tickets: {
      template: {
        Resources: {
          ...keyedGraphqlApi('tickets', SCHEMA),
          NoneSource: graphqlDataSource('none', { Type: 'NONE' }),
          Create: resolver('Mutation', 'createTicket', {
            Runtime: JS,
            Code: 'export function request(ctx) { return { payload: ctx.args }; }\nexport function response(ctx) { return ctx.result; }',
          }),
          Urgent: resolver('Subscription', 'onUrgent', { Runtime: JS, Code: URGENT_CODE }),
          Group: resolver('Subscription', 'onGroup', {
            RequestMappingTemplate: '{"version": "2018-05-29", "payload": {}}',
            ResponseMappingTemplate: GROUP_RESPONSE,
          }),
        },
        Outputs: {
          Url: { Value: { 'Fn::GetAtt': ['Api', 'GraphQLUrl'] } },
          RealtimeUrl: { Value: { 'Fn::GetAtt': ['Api', 'RealtimeUrl'] } },
          ApiKey: { Value: { 'Fn::GetAtt': ['Key', 'ApiKey'] } },
        },
      },
    },
  });
}

describe('AppSync enhanced subscription filters', () => {
  it("turns a filter object into AppSync's filter groups: its fields all hold, `or` makes a group of each", () => {
    const filter = toSubscriptionFilter({ severity: { ge: 3 }, or: [{ priority: { eq: 'high' } }, { group: { eq: 'ops' } }] });
    expect(filter).toEqual({
      filterGroup: [
        {
          filters: [
            { fieldName: 'severity', operator: 'ge', value: 3 },
            { fieldName: 'priority', operator: 'eq', value: 'high' },
          ],
        },
        {
          filters: [
            { fieldName: 'severity', operator: 'ge', value: 3 },
            { fieldName: 'group', operator: 'eq', value: 'ops' },
          ],
        },
      ],
    });
    expect(toSubscriptionFilter({ id: { eq: 'x' }, group: { eq: 'ops' } }, ['id'], { status: { ne: 'closed' } })).toEqual({
      filterGroup: [
        {
          filters: [
            { fieldName: 'group', operator: 'eq', value: 'ops' },
            { fieldName: 'status', operator: 'ne', value: 'closed' },
          ],
        },
      ],
    });
  });

  it('matches events by each operator, nested field names included', () => {
    const event = { severity: 3, title: 'disk full', tags: ['infra', 'db'], author: { name: 'ada' } };
    const holds = (fieldName: string, operator: string, value: unknown) =>
      matchesSubscriptionFilter(checkSubscriptionFilter({ filterGroup: [{ filters: [{ fieldName, operator, value }] }] }), event);
    expect(holds('severity', 'between', [2, 4])).toBe(true);
    expect(holds('severity', 'lt', 3)).toBe(false);
    expect(holds('title', 'beginsWith', 'disk')).toBe(true);
    expect(holds('title', 'notContains', 'cpu')).toBe(true);
    expect(holds('tags', 'contains', 'db')).toBe(true);
    expect(holds('tags', 'containsAny', ['web', 'infra'])).toBe(true);
    expect(holds('author.name', 'in', ['ada', 'grace'])).toBe(true);
    expect(holds('author.name', 'notIn', ['ada'])).toBe(false);
    expect(holds('missing', 'eq', 'x')).toBe(false);
  });

  it('fails if a filter has an unknown operator, too many filters or a list operator without a list', () => {
    const one = (filter: Record<string, unknown>) => () => checkSubscriptionFilter({ filterGroup: [{ filters: [filter] }] });
    expect(one({ fieldName: 'a', operator: 'like', value: 1 })).toThrow(/the operator of a is one of eq, ne, .*not "like"/);
    expect(one({ fieldName: 'a', operator: 'in', value: 'x' })).toThrow('in on a takes a list of 1 to 5 values');
    const six = Array.from({ length: 6 }, (_, i) => ({ fieldName: `f${i}`, operator: 'eq', value: i }));
    expect(() => checkSubscriptionFilter({ filterGroup: [{ filters: six }] })).toThrow('has 6 filters: at most 5');
    expect(() => checkSubscriptionFilter({ filters: [] })).toThrow('Invalid subscription filter: it is {"filterGroup"');
  });

  it('fails if a query or mutation resolver sets a subscription filter, naming where it works', () => {
    const code = `import { extensions } from '@aws-appsync/utils';
export function request(ctx) { return {}; }
export function response(ctx) { extensions.setSubscriptionFilter({ filterGroup: [] }); return null; }`;
    const ctx = {
      arguments: {},
      args: {},
      source: null,
      identity: null,
      stash: {},
      prev: { result: null },
      request: { headers: {}, domainName: null },
      info: { fieldName: 'createTicket', parentTypeName: 'Mutation', variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
    };
    expect(() => evaluateAppSyncJs(code, 'response', ctx)).toThrow(
      "extensions.setSubscriptionFilter works only in a subscription resolver's response handler",
    );
  });

  it('sets a filter from a VTL response template with $util.transform.toSubscriptionFilter', () => {
    const set: unknown[] = [];
    const ctx = {
      arguments: { group: 'ops' },
      args: { group: 'ops' },
      source: null,
      identity: null,
      stash: {},
      prev: { result: null },
      request: { headers: {}, domainName: null },
      info: { fieldName: 'onGroup', parentTypeName: 'Subscription', variables: {}, selectionSetList: [], selectionSetGraphQL: '' },
    };
    const template =
      '$extensions.setSubscriptionFilter($util.transform.toSubscriptionFilter({"group": {"eq": $ctx.args.group}, "severity": {"in": [1, 2]}}))null';
    renderAppSyncTemplate(template, ctx, { now: Date.now, authType: 'API Key Authorization', setSubscriptionFilter: (f) => set.push(f) });
    expect(set).toEqual([
      {
        filterGroup: [
          {
            filters: [
              { fieldName: 'group', operator: 'eq', value: 'ops' },
              { fieldName: 'severity', operator: 'in', value: [1, 2] },
            ],
          },
        ],
      },
    ]);
    expect(() => renderAppSyncTemplate(template, ctx, { now: Date.now, authType: 'API Key Authorization' })).toThrow(
      "$extensions.setSubscriptionFilter works only in a subscription resolver's response mapping template",
    );
  });

  describe('on the real-time endpoint', () => {
    const app = restartableRuntime({ assembly: ticketsAssembly, ownsAssembly: true });
    let outputs: Record<string, string>;
    let client: RealtimeClient;

    beforeAll(async () => {
      outputs = await stackOutputs(app.runtime, 'Tickets');
      client = new RealtimeClient(outputs.RealtimeUrl ?? '', { host: new URL(outputs.Url ?? '').host, 'x-api-key': outputs.ApiKey ?? '' });
      await client.open();
      client.send({ type: 'connection_init' });
      expect((await client.next()).type).toBe('connection_ack');
    });
    // Registered after the runtime's afterAll, so run before it (vitest runs after-hooks in reverse): the sockets close before the runtime stops.
    afterAll(() => {
      client?.socket.close();
    });

    const start = (id: string, query: string) =>
      client.send({
        id,
        type: 'start',
        payload: { data: JSON.stringify({ query, variables: {} }), extensions: { authorization: { 'x-api-key': outputs.ApiKey } } },
      });
    const create = async (id: string, group: string, severity: number, priority: string) => {
      const response = await fetch(outputs.Url ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': outputs.ApiKey ?? '' },
        body: JSON.stringify({
          query: `mutation { createTicket(id: "${id}", group: "${group}", severity: ${severity}, priority: "${priority}") { id } }`,
        }),
      });
      expect(await response.json()).toEqual({ data: { createTicket: { id } } });
    };

    it("sends each event to the subscriptions whose resolver's filter it matches, in APPSYNC_JS and in VTL", async () => {
      start('urgent', 'subscription { onUrgent(group: "ops") { id } }');
      expect(await client.next()).toEqual({ type: 'start_ack', id: 'urgent' });
      start('group', 'subscription { onGroup(group: "ops") { id severity } }');
      expect(await client.next()).toEqual({ type: 'start_ack', id: 'group' });

      await create('t1', 'ops', 5, 'low');
      expect(await client.next()).toEqual({ type: 'data', id: 'urgent', payload: { data: { onUrgent: { id: 't1' } } } });
      await create('t2', 'ops', 1, 'high');
      expect(await client.next()).toEqual({ type: 'data', id: 'group', payload: { data: { onGroup: { id: 't2', severity: 1 } } } });
      // The enhanced filter decides instead of the arguments: a high-priority ticket of another group reaches onUrgent(group: "ops").
      await create('t3', 'dev', 4, 'high');
      expect(await client.next()).toEqual({ type: 'data', id: 'urgent', payload: { data: { onUrgent: { id: 't3' } } } });
      await create('t4', 'dev', 1, 'low');
      client.send({ type: 'stop', id: 'urgent' });
      expect(await client.next()).toEqual({ type: 'complete', id: 'urgent' });
    });

    it('fails a start its resolver refuses with the error the resolver raised', async () => {
      start('secret', 'subscription { onUrgent(group: "secret") { id } }');
      expect(await client.next()).toEqual({
        type: 'error',
        id: 'secret',
        payload: { errors: [{ errorType: 'Unauthorized', message: 'Unauthorized' }] },
      });
    });
  });
});
