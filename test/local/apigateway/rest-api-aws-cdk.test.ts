import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthesizedIn } from '../assembly.js';
import { synthStack } from '../cdk-stack.js';
import { region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';

const ACCOUNT = '000000000000';
const FORM = { 'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'" };
const ok = (template: string): apigateway.IntegrationResponse[] => [
  { statusCode: '200', responseTemplates: { 'application/json': template } },
  { statusCode: '400', selectionPattern: '4\\d{2}', responseTemplates: { 'application/json': '{"rejected": $input.json(\'$\')}' } },
];
const publishedId = ok('{"messageId": "$input.path(\'$.PublishResponse.PublishResult.MessageId\')"}');

/**
 * A CDK app with the front doors API Gateway's AWS service integrations document, each through
 * CDK's AwsIntegration: SNS Publish by a path-style URI (`path//`, a form body built by the
 * template, its Content-Type mapped) and by an action URI (`action/Publish&TopicArn=...` with
 * CDK's actionParameters); SQS SendMessage to the queue's path (`path/{account}/{queue}`), by a
 * form body or by Action and MessageBody mapped into the query string;
 * DynamoDB PutItem by `action/`; EventBridge PutEvents by `path//` with X-Amz-Target mapped
 * into the headers; S3 PutObject by `path/{bucket}/{key}` and GetObject by the
 * virtual-hosted `{bucket}.s3` form; and CDK's StepFunctionsIntegration.startExecution on GET /.
 */
function synthApp(outdir: string): void {
  synthStack(
    'Doors',
    (stack) => {
      const role = new iam.Role(stack, 'ApiRole', { assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com') });
      const topic = new sns.Topic(stack, 'Alerts', { topicName: 'alerts' });
      const heard = new sqs.Queue(stack, 'Heard', { queueName: 'heard' });
      topic.addSubscription(new subscriptions.SqsSubscription(heard, { rawMessageDelivery: true }));
      const inbox = new sqs.Queue(stack, 'Inbox', { queueName: 'inbox' });
      const table = new dynamodb.Table(stack, 'Orders', {
        tableName: 'orders',
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        removalPolicy: RemovalPolicy.DESTROY,
      });
      const bucket = new s3.Bucket(stack, 'Files', { bucketName: 'front-door-files' });
      const machine = new sfn.StateMachine(stack, 'Echo', {
        stateMachineType: sfn.StateMachineType.EXPRESS,
        definitionBody: sfn.DefinitionBody.fromChainable(
          new sfn.Pass(stack, 'Got', { parameters: { 'body.$': '$.body', 'path.$': '$.path' } }),
        ),
      });

      const api = new apigateway.RestApi(stack, 'Doors');
      /** An AWS integration that calls with the API's role. */
      const signed = (props: apigateway.AwsIntegrationProps) =>
        new apigateway.AwsIntegration({ ...props, options: { credentialsRole: role, ...props.options } });
      /** POST /`path`, by an AWS integration signed with the API's role. */
      const postTo = (path: string, props: apigateway.AwsIntegrationProps, method?: apigateway.MethodOptions) =>
        api.root.addResource(path).addMethod('POST', signed(props), method);
      api.root.addMethod('GET', apigateway.StepFunctionsIntegration.startExecution(machine));
      postTo(
        'sns-path',
        {
          service: 'sns',
          path: '/',
          options: {
            requestParameters: FORM,
            requestTemplates: {
              'application/json': `Action=Publish&TopicArn=$util.urlEncode('${topic.topicArn}')&Message=$util.urlEncode($input.body)`,
            },
            integrationResponses: publishedId,
          },
        },
        { methodResponses: [{ statusCode: '200' }, { statusCode: '400' }] },
      );
      postTo('sns-action', {
        service: 'sns',
        action: 'Publish',
        actionParameters: { TopicArn: `arn:aws:sns:${region}:${ACCOUNT}:alerts` },
        options: {
          requestParameters: { 'integration.request.querystring.Message': 'method.request.body' },
          integrationResponses: publishedId,
        },
      });
      /** SendMessage's answer (XML, read as JSON) mapped to the message's id. */
      const sentMessageId = ok('{"messageId": "$input.path(\'$.SendMessageResponse.SendMessageResult.MessageId\')"}');
      postTo('sqs', {
        service: 'sqs',
        path: `${Aws.ACCOUNT_ID}/${inbox.queueName}`,
        options: {
          requestParameters: FORM,
          requestTemplates: { 'application/json': 'Action=SendMessage&MessageBody=$util.urlEncode($input.body)' },
          integrationResponses: sentMessageId,
        },
      });
      // The other form the SQS proxy tutorials use: Action and MessageBody mapped into the query string, the body left JSON.
      postTo('sqs-query', {
        service: 'sqs',
        path: `${Aws.ACCOUNT_ID}/${inbox.queueName}`,
        options: {
          requestParameters: {
            'integration.request.querystring.Action': "'SendMessage'",
            'integration.request.querystring.MessageBody': 'method.request.body',
          },
          integrationResponses: sentMessageId,
        },
      });
      postTo('orders', {
        service: 'dynamodb',
        action: 'PutItem',
        options: {
          requestTemplates: {
            'application/json': `{"TableName": "${table.tableName}", "Item": {"id": {"S": "$input.path('$.id')"}}}`,
          },
          integrationResponses: ok('{"stored": true}'),
        },
      });
      postTo('events', {
        service: 'events',
        path: '/',
        options: {
          requestParameters: {
            'integration.request.header.X-Amz-Target': "'AWSEvents.PutEvents'",
            'integration.request.header.Content-Type': "'application/x-amz-json-1.1'",
          },
          requestTemplates: {
            'application/json':
              '{"Entries": [{"Source": "front-door", "DetailType": "ping", "Detail": "$util.escapeJavaScript($input.body)"}]}',
          },
          integrationResponses: ok('{"failed": $input.json(\'$.FailedEntryCount\'), "eventId": "$input.path(\'$.Entries[0].EventId\')"}'),
        },
      });
      const files = api.root.addResource('files').addResource('{key}');
      const keyParameter = { 'integration.request.path.key': 'method.request.path.key' };
      files.addMethod(
        'PUT',
        signed({
          service: 's3',
          integrationHttpMethod: 'PUT',
          path: `${bucket.bucketName}/{key}`,
          options: { requestParameters: keyParameter, integrationResponses: ok('{"saved": true}') },
        }),
        { requestParameters: { 'method.request.path.key': true } },
      );
      files.addMethod(
        'GET',
        signed({
          service: 's3',
          subdomain: bucket.bucketName,
          integrationHttpMethod: 'GET',
          path: '{key}',
          options: { requestParameters: keyParameter, integrationResponses: [{ statusCode: '200' }] },
        }),
        { requestParameters: { 'method.request.path.key': true } },
      );
    },
    outdir,
  );
}

const app = restartableRuntime({ assembly: () => synthesizedIn(synthApp), ownsAssembly: true, timeoutMs: 120_000 });
let url = '';
let clients: ReturnType<typeof sdkConfig>;
beforeAll(() => {
  url = app.runtime.httpApiUrls.find((u) => u.kind === 'rest')?.url ?? '';
  clients = sdkConfig(app.runtime.url);
});

const post = (route: string, body: string) =>
  fetch(`${url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function received(queueName: string): Promise<string[]> {
  const client = new SQSClient(clients);
  try {
    const { Messages = [] } = await client.send(
      new ReceiveMessageCommand({ QueueUrl: `${app.runtime.url}/${ACCOUNT}/${queueName}`, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );
    return Messages.map((m) => m.Body ?? '');
  } finally {
    client.destroy();
  }
}

describe('a CDK REST API with AWS service integrations on the local runtime', () => {
  /** The body of the answer to a POST of `body` to `route`, after the test saw it answered 200. */
  async function postedOk(route: string, body: string): Promise<string> {
    const response = await post(route, body);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return text;
  }

  it.each([
    [
      'publishes to SNS through a path-style URI (path//) with the form body the template builds',
      '/sns-path',
      '{"alarm":"disk & cpu"}',
      'heard',
    ],
    ["publishes to SNS through an action URI with CDK's actionParameters and a mapped query string", '/sns-action', 'plain words', 'heard'],
    ["sends to SQS through the queue's path (path/{account}/{queue}) with an Action=SendMessage form", '/sqs', '{"order":7}', 'inbox'],
  ])('%s', async (_name, route, body, queue) => {
    expect(JSON.parse(await postedOk(route, body))).toEqual({ messageId: expect.stringMatching(/\S/) });
    expect(await received(queue)).toEqual([body]);
  });

  it("sends to SQS through the queue's path with Action and MessageBody mapped into the query string", async () => {
    await postedOk('/sqs-query', '{"order":8}');
    expect(await received('inbox')).toEqual(['{"order":8}']);
  });

  it('puts an item through a JSON service action URI (dynamodb:action/PutItem)', async () => {
    const response = await post('/orders', '{"id":"o-9"}');
    expect([response.status, await response.json()]).toEqual([200, { stored: true }]);
    const client = new DynamoDBClient(clients);
    const { Item } = await client.send(new GetItemCommand({ TableName: 'orders', Key: { id: { S: 'o-9' } } }));
    client.destroy();
    expect(Item).toEqual({ id: { S: 'o-9' } });
  });

  it("selects the 4xx integration response with the JSON service's own error", async () => {
    const response = await post('/orders', '{}');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { rejected: { __type?: string } }).rejected.__type).toMatch(/ValidationException/);
  });

  it('puts events through a JSON service path URI (events:path//) with X-Amz-Target mapped into the headers', async () => {
    const response = await post('/events', '{"ping":1}');
    expect([response.status, await response.json()]).toEqual([200, { failed: 0, eventId: expect.stringMatching(/\S/) }]);
  });

  it('puts an object by path/{bucket}/{key} and reads it back by the virtual-hosted {bucket}.s3 form', async () => {
    const put = await fetch(`${url}/files/notes.txt`, { method: 'PUT', headers: { 'content-type': 'text/plain' }, body: 'hello, bucket' });
    expect([put.status, await put.text()]).toEqual([200, '{"saved": true}']);
    const client = new S3Client({ ...clients, forcePathStyle: true });
    const object = await client.send(new GetObjectCommand({ Bucket: 'front-door-files', Key: 'notes.txt' }));
    expect(await object.Body?.transformToString()).toBe('hello, bucket');
    client.destroy();
    const get = await fetch(`${url}/files/notes.txt`);
    expect([get.status, await get.text()]).toEqual([200, 'hello, bucket']);
  });

  it("starts a synchronous execution on GET / with no body and no Content-Type: CDK's application/json template is used and $input.body is {}", async () => {
    const response = await fetch(`${url}/`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({ body: {}, path: {} });
  });
});
