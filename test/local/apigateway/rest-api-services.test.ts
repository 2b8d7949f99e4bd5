import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { REST_API_RESOURCE_TYPES, restApiDefinitions } from '../../../local/apigateway/rest-api-definitions.js';
import { TEMPLATE_TYPES } from '../../../local/service-registry/modules.js';
import type { TemplateResource } from '../../../local/template/cloud-assembly.js';
import { loadApp } from '../../../local/template/load.js';
import { tableResource } from '../../helpers/dynamodb-table-inputs.js';
import { assemblyOf } from '../assembly.js';
import { region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { eventRule, inlineFunction, restMethod, restResource, restRoot, restStage } from '../template-resources.js';

const uri = (service: string, action: string) => `arn:aws:apigateway:us-east-1:${service}:action/${action}`;
const awsMethod = (resourceId: unknown, httpMethod: string, integration: Record<string, unknown>): TemplateResource =>
  restMethod(resourceId, httpMethod, { Integration: { Type: 'AWS', IntegrationHttpMethod: 'POST', ...integration } });

/** escapeJavaScript turns ' into \', which JSON does not allow: the reference's replaceAll turns it back. */
const PUT_ORDER_TEMPLATE = String.raw`{"TableName": "orders", "Item": {"id": {"S": "$input.path('$.id')"}, "note": {"S": "$util.escapeJavaScript($input.path('$.note')).replaceAll("\\'", "'")"}}}`;

/** A missing item is a 404 by responseOverride; the note is escaped, as it may hold quotes. */
const GET_ORDER_TEMPLATE = String.raw`#set($item = $input.path('$.Item'))#if($item == "" || !$item)#set($context.responseOverride.status = 404){"message": "no such order"}#else{"id": "$item.id.S", "note": "$util.escapeJavaScript($item.note.S).replaceAll("\\'", "'")"}#end`;

/**
 * Storage-first methods with no function behind them: POST /orders puts the body in a
 * DynamoDB table (PutItem), GET /orders/{id} reads it back (GetItem), POST /events puts it
 * on the default bus (PutEvents), where a rule sends it to a queue; and POST /greet, a Lambda
 * custom integration to an inline function.
 */
const TEMPLATE: Record<string, TemplateResource> = {
  Orders: tableResource('orders', { key: { id: 'S' } }),
  Inbox: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'inbox' } },
  ToInbox: eventRule({ pattern: { source: ['webhook'] }, target: 'Inbox', id: 'inbox' }),
  Greeter: inlineFunction(
    "exports.handler = async (event) => { if (!event.name) throw new Error('[BadRequest] a name is required'); return { greeting: 'Hello, ' + event.name }; };",
    { Runtime: 'nodejs22.x', Role: 'arn:aws:iam::000000000000:role/greeter' },
  ),
  Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'storage-first' } },
  OrdersResource: restResource(restRoot, 'orders'),
  OrderResource: restResource({ Ref: 'OrdersResource' }, '{id}'),
  EventsResource: restResource(restRoot, 'events'),
  PutOrder: awsMethod({ Ref: 'OrdersResource' }, 'POST', {
    Uri: uri('dynamodb', 'PutItem'),
    RequestTemplates: {
      'application/json': PUT_ORDER_TEMPLATE,
    },
    IntegrationResponses: [
      { StatusCode: '201', ResponseTemplates: { 'application/json': '{"stored": $input.json(\'$\')}' } },
      {
        StatusCode: '400',
        SelectionPattern: '4\\d{2}',
        ResponseTemplates: { 'application/json': '{"rejected": "$input.path(\'$.message\')"}' },
      },
    ],
  }),
  GetOrder: awsMethod({ Ref: 'OrderResource' }, 'GET', {
    Uri: uri('dynamodb', 'GetItem'),
    RequestTemplates: { 'application/json': '{"TableName": "orders", "Key": {"id": {"S": "$input.params(\'id\')"}}}' },
    IntegrationResponses: [
      {
        StatusCode: '200',
        ResponseTemplates: {
          'application/json': GET_ORDER_TEMPLATE,
        },
      },
    ],
  }),
  PutEvent: awsMethod({ Ref: 'EventsResource' }, 'POST', {
    Uri: uri('events', 'PutEvents'),
    RequestTemplates: {
      'application/json':
        '{"Entries": [{"Source": "webhook", "DetailType": "order paid", "Detail": "$util.escapeJavaScript($input.body)", "EventBusName": "default"}]}',
    },
    IntegrationResponses: [
      {
        StatusCode: '202',
        ResponseTemplates: {
          'application/json': '{"eventId": "$input.path(\'$.Entries[0].EventId\')", "failed": $input.json(\'$.FailedEntryCount\')}',
        },
      },
    ],
  }),
  // Kinesis PutRecord by its action: a service reached because the endpoint serves its API model.
  Clicks: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'clicks', ShardCount: 1 } },
  ClicksResource: restResource(restRoot, 'clicks'),
  PutClick: awsMethod({ Ref: 'ClicksResource' }, 'POST', {
    Uri: uri('kinesis', 'PutRecord'),
    RequestTemplates: {
      'application/json': '{"StreamName": "clicks", "Data": "$util.base64Encode($input.body)", "PartitionKey": "$input.path(\'$.user\')"}',
    },
    IntegrationResponses: [{ StatusCode: '200', ResponseTemplates: { 'application/json': '{"shard": "$input.path(\'$.ShardId\')"}' } }],
  }),
  // GetShardIterator with the default integration response only: a refusal is mapped to 200, as on AWS.
  IteratorResource: restResource({ Ref: 'ClicksResource' }, 'iterator'),
  GetIterator: awsMethod({ Ref: 'IteratorResource' }, 'GET', {
    Uri: uri('kinesis', 'GetShardIterator'),
    RequestTemplates: {
      'application/json': '{"StreamName": "$input.params(\'stream\')", "ShardId": "0", "ShardIteratorType": "TRIM_HORIZON"}',
    },
    IntegrationResponses: [{ StatusCode: '200' }],
  }),
  GreetResource: restResource(restRoot, 'greet'),
  // LambdaIntegration({ proxy: false }): the request template's output is the event.
  Greet: awsMethod({ Ref: 'GreetResource' }, 'POST', {
    Uri: {
      'Fn::Join': [
        '',
        ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Greeter', 'Arn'] }, '/invocations'],
      ],
    },
    RequestTemplates: { 'application/json': '{"name": "$input.path(\'$.name\')"}' },
    IntegrationResponses: [
      { StatusCode: '200', ResponseTemplates: { 'application/json': '{"message": "$input.path(\'$.greeting\')"}' } },
      {
        StatusCode: '400',
        SelectionPattern: '\\[BadRequest\\].*',
        ResponseTemplates: { 'application/json': '{"error": "$input.path(\'$.errorMessage\')"}' },
      },
    ],
  }),
  Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
  Stage: restStage('prod'),
};

describe('RestApiService with AWS integrations to the local services', () => {
  const logged: string[] = [];
  const app = restartableRuntime({
    assembly: () => assemblyOf(TEMPLATE, 'S'),
    ownsAssembly: true,
    options: { log: (line: string) => logged.push(line) },
  });
  let base = '';

  beforeAll(() => {
    const { apis } = restApiDefinitions(
      loadApp({
        cdkOut: app.cdkOut,
        baseUrl: app.runtime.url,
        region,
        types: { specs: TEMPLATE_TYPES.specs, supported: new Set(REST_API_RESOURCE_TYPES) },
      }),
    );
    base = `${app.runtime.url}/_aws/execute-api/${apis[0]?.id}/prod`;
  });

  const post = (path: string, body: unknown) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('writes an item with PutItem and reads it back with GetItem, through the templates', async () => {
    const put = await post('/orders', { id: 'o-1', note: 'two "teas", one \'coffee\'' });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ stored: {} });
    const get = await fetch(`${base}/orders/o-1`);
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ id: 'o-1', note: 'two "teas", one \'coffee\'' });
  });

  it('answers what the response template makes of an empty GetItem: 404 by responseOverride', async () => {
    const get = await fetch(`${base}/orders/none`);
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({ message: 'no such order' });
  });

  it("selects the 4xx integration response with DynamoDB's own error for a request the template builds wrong", async () => {
    const put = await post('/orders', { note: 'no id' });
    expect(put.status).toBe(400);
    expect(((await put.json()) as { rejected: string }).rejected).toMatch(/key|empty/i);
  });

  it("invokes a function through a Lambda custom integration, and maps its error by the error message's SelectionPattern", async () => {
    const greeted = await post('/greet', { name: 'Ada' });
    expect([greeted.status, await greeted.json()]).toEqual([200, { message: 'Hello, Ada' }]);
    const refused = await post('/greet', {});
    expect([refused.status, await refused.json()]).toEqual([400, { error: '[BadRequest] a name is required' }]);
  });

  it('puts the body on the default bus with PutEvents, where the rule sends it to the queue', async () => {
    const response = await post('/events', { order: 'o-2', paid: true });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { eventId: string; failed: number };
    expect(answer).toEqual({ eventId: expect.any(String), failed: 0 });
    const sqs = new SQSClient(sdkConfig(app.runtime.url));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: `${app.runtime.url}/000000000000/inbox`, WaitTimeSeconds: 5, MaxNumberOfMessages: 1 }),
    );
    const event = JSON.parse(Messages[0]?.Body ?? '{}');
    expect(event).toMatchObject({
      id: answer.eventId,
      source: 'webhook',
      'detail-type': 'order paid',
      detail: { order: 'o-2', paid: true },
    });
    sqs.destroy();
  });

  it('puts a record on a Kinesis stream with PutRecord, a service whose API model the endpoint serves', async () => {
    const response = await post('/clicks', { user: 'u-1', page: '/home' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ shard: 'shardId-000000000000' });
  });

  it("names a service's refusal the default integration response maps to 200: the client sees it only in the body", async () => {
    const found = await fetch(`${base}/clicks/iterator?stream=clicks`);
    expect([found.status, Object.keys((await found.json()) as object)]).toEqual([200, ['ShardIterator']]);
    expect(logged.filter((line) => line.includes('GetShardIterator'))).toEqual([]);
    const refused = await fetch(`${base}/clicks/iterator?stream=nope`);
    expect([refused.status, ((await refused.json()) as { __type: string }).__type]).toEqual([200, 'ResourceNotFoundException']);
    expect(logged.filter((line) => line.includes('GetShardIterator'))).toEqual([
      expect.stringMatching(
        /^\[apigateway\] API storage-first \(\w+\) GET \/clicks\/iterator: kinesis GetShardIterator answered 400 \(ResourceNotFoundException: Stream nope under account 000000000000 not found\.\); the default integration response maps it to 200, as API Gateway does$/,
      ),
    ]);
  });
});
