import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import {
  arnOf,
  eventRule,
  httpApi,
  httpIntegration,
  httpJwtAuthorizer,
  httpRoute,
  httpStage,
  inlineFunction,
  stateMachine,
} from '../template-resources.js';
import { testIssuer } from './jwt-tokens.js';

/** Answers with the request context it got, so the test sees what the authorizer handed on. */
const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event.requestContext) });`;
/** Simple responses: `allow` passes with a context; each call logs a line, so the test counts calls. */
const SIMPLE_AUTHORIZER = `exports.handler = async (event) => {
  console.log('authorizer called ' + event.identitySource.join(','));
  return { isAuthorized: event.headers.authorization === 'allow', context: { user: 'u-1', tier: 2 } };
};`;
/** Payload 1.0, IAM policies: `allow` may invoke GET routes only. */
const POLICY_AUTHORIZER = `exports.handler = async (event) => ({
  principalId: 'p-1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: event.authorizationToken === 'allow' ? 'Allow' : 'Deny', Resource: event.methodArn.replace(/\\/[A-Z]+\\/.*$/, '/GET/*') }] },
  context: { via: event.type + ' ' + event.version },
});`;

const fn = (code: string) => inlineFunction(code, { Timeout: 5 });
const uriOf = (id: string) => ({
  'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', arnOf(id), '/invocations']],
});
const service = (subtype: string, parameters: Record<string, unknown>) =>
  httpIntegration({
    IntegrationType: 'AWS_PROXY',
    IntegrationSubtype: subtype,
    PayloadFormatVersion: '1.0',
    CredentialsArn: 'arn:aws:iam::000000000000:role/api',
    RequestParameters: parameters,
  });

/** A route's settings for the Lambda authorizer `authorizer` (a CUSTOM authorization). */
const custom = (authorizer: string) => ({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizer } });
const issuer = testIssuer();
const logs: string[] = [];
const app = restartableRuntime({
  assembly: () => {
    const dir = tempAssemblyDir();
    const jwksFile = path.join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(issuer.jwks));
    process.env.SWITCHYARD_JWT_JWKS_Jwt = jwksFile;
    return writeAssembly(dir, {
      Svc: {
        template: {
          Resources: {
            Echo: fn(ECHO),
            Simple: fn(SIMPLE_AUTHORIZER),
            Policy: fn(POLICY_AUTHORIZER),
            Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } },
            Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'shop' } },
            Caught: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'caught' } },
            Rule: eventRule({ bus: 'Bus', pattern: { source: ['shop.api'] }, target: 'Caught', id: 'q' }),
            Machine: stateMachine(
              { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: { 'got.$': '$' }, End: true } } },
              { StateMachineType: 'EXPRESS', RoleArn: 'arn:aws:iam::000000000000:role/sfn' },
            ),
            Waiting: stateMachine(
              { StartAt: 'W', States: { W: { Type: 'Wait', Seconds: 300, End: true } } },
              { RoleArn: 'arn:aws:iam::000000000000:role/sfn' },
            ),
            Work: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work' } },
            Api: httpApi('svc'),
            Stage: httpStage('$default', {
              AutoDeploy: true,
              RouteSettings: { 'GET /limited': { ThrottlingBurstLimit: 2, ThrottlingRateLimit: 0.001 } },
            }),
            Send: service('SQS-SendMessage', { QueueUrl: { Ref: 'Queue' }, MessageBody: '$request.body.message' }),
            Put: service('EventBridge-PutEvents', {
              EventBusName: { Ref: 'Bus' },
              Source: 'shop.api',
              // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway's own ${...} references, not a template literal
              DetailType: 'Order ${request.path.kind}',
              Detail: '$request.body',
            }),
            Receive: service('SQS-ReceiveMessage', { QueueUrl: { Ref: 'Work' }, MaxNumberOfMessages: '10' }),
            Delete: service('SQS-DeleteMessage', { QueueUrl: { Ref: 'Work' }, ReceiptHandle: '$request.querystring.handle' }),
            Purge: service('SQS-PurgeQueue', { QueueUrl: { Ref: 'Work' } }),
            SendWork: service('SQS-SendMessage', { QueueUrl: { Ref: 'Work' }, MessageBody: '$request.body' }),
            Start: service('StepFunctions-StartExecution', { StateMachineArn: { Ref: 'Waiting' }, Input: '$request.body' }),
            Stop: service('StepFunctions-StopExecution', { ExecutionArn: '$request.body.executionArn', Cause: 'from the API' }),
            Sync: service('StepFunctions-StartSyncExecution', { StateMachineArn: { Ref: 'Machine' }, Input: '$request.body' }),
            EchoIntegration: httpIntegration({ IntegrationType: 'AWS_PROXY', IntegrationUri: arnOf('Echo'), PayloadFormatVersion: '2.0' }),
            SimpleAuthorizer: {
              Type: 'AWS::ApiGatewayV2::Authorizer',
              Properties: {
                ApiId: { Ref: 'Api' },
                Name: 'simple',
                AuthorizerType: 'REQUEST',
                AuthorizerUri: uriOf('Simple'),
                AuthorizerPayloadFormatVersion: '2.0',
                EnableSimpleResponses: true,
                IdentitySource: ['$request.header.Authorization'],
                AuthorizerResultTtlInSeconds: 300,
              },
            },
            PolicyAuthorizer: {
              Type: 'AWS::ApiGatewayV2::Authorizer',
              Properties: {
                ApiId: { Ref: 'Api' },
                Name: 'policy',
                AuthorizerType: 'REQUEST',
                AuthorizerUri: uriOf('Policy'),
                AuthorizerPayloadFormatVersion: '1.0',
                IdentitySource: ['$request.header.Authorization'],
              },
            },
            Jwt: httpJwtAuthorizer('jwt', 'https://issuer.example.com', ['shop']),
            SendRoute: httpRoute('POST /orders', 'Send'),
            PutRoute: httpRoute('POST /events/{kind}', 'Put', custom('SimpleAuthorizer')),
            SyncRoute: httpRoute('POST /run', 'Sync'),
            ReceiveRoute: httpRoute('GET /work', 'Receive'),
            DeleteRoute: httpRoute('DELETE /work', 'Delete'),
            PurgeRoute: httpRoute('POST /work/purge', 'Purge'),
            SendWorkRoute: httpRoute('POST /work', 'SendWork'),
            StartRoute: httpRoute('POST /start', 'Start'),
            StopRoute: httpRoute('POST /stop', 'Stop'),
            SimpleRoute: httpRoute('GET /simple', 'EchoIntegration', custom('SimpleAuthorizer')),
            PolicyGet: httpRoute('GET /policy', 'EchoIntegration', custom('PolicyAuthorizer')),
            PolicyPost: httpRoute('POST /policy', 'EchoIntegration', custom('PolicyAuthorizer')),
            JwtRoute: httpRoute('GET /me', 'EchoIntegration', {
              AuthorizationType: 'JWT',
              AuthorizerId: { Ref: 'Jwt' },
              AuthorizationScopes: ['orders:read'],
            }),
            Limited: httpRoute('GET /limited', 'EchoIntegration'),
          },
        },
      },
    });
  },
  ownsAssembly: true,
  options: { logEvents: true, log: (line) => logs.push(line) },
  clients: ({ url }) => ({ sqs: new SQSClient(sdkConfig(url)) }),
});
let base: string;
beforeAll(() => {
  base = app.runtime.httpApiUrls.find((u) => u.name === 'svc')?.url ?? '';
});
afterAll(() => {
  delete process.env.SWITCHYARD_JWT_JWKS_Jwt;
});

async function call(method: string, route: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...options.headers },
    ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

async function receiveAll(queueName: string) {
  const QueueUrl = `${app.runtime.url}/000000000000/${queueName}`;
  const { Messages = [] } = await app.sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  return Messages;
}

describe('HttpApiService service integrations, authorizers and throttling', () => {
  it('reports none of what it applies at start-up', () => {
    expect(app.runtime.warnings.filter((w) => w.includes('Svc/'))).toEqual([]);
  });

  it("sends an SQS message from a body field and answers with SQS's answer as JSON", async () => {
    const answer = await call('POST', '/orders', { body: { message: 'hello' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json().SendMessageResponse.SendMessageResult.MessageId).toMatch(/[0-9a-f-]{36}/);
    const messages = await receiveAll('orders');
    expect(messages.map((m) => m.Body)).toEqual(['hello']);
  });

  it('fails with 400 Bad Request if a mapping names a body field the request does not have', async () => {
    const answer = await call('POST', '/orders', { body: { other: 'x' } });
    expect(answer.status).toBe(400);
    expect(answer.json()).toEqual({ message: 'Bad Request' });
    expect(logs.some((line) => line.includes('[apigateway]') && line.includes('request.body.message'))).toBe(true);
  });

  it('runs an Express state machine with StartSyncExecution and answers its result', async () => {
    const answer = await call('POST', '/run', { body: { n: 1 } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(answer.json().output)).toEqual({ got: { n: 1 } });
  });

  it('receives, deletes and purges messages of a queue through the SQS subtypes', async () => {
    expect((await call('POST', '/work', { body: 'one' })).status).toBe(200);
    const received = await call('GET', '/work');
    expect(received.status, received.text).toBe(200);
    const message = received.json().ReceiveMessageResponse.ReceiveMessageResult.Message;
    expect(message.Body).toBe('one');
    const deleted = await call('DELETE', `/work?handle=${encodeURIComponent(message.ReceiptHandle)}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect((await call('POST', '/work', { body: 'two' })).status).toBe(200);
    const purged = await call('POST', '/work/purge');
    expect(purged.status, purged.text).toBe(200);
    expect(await receiveAll('work')).toEqual([]);
  });

  it("starts and stops an execution, and answers a service error with the service's status and body", async () => {
    const started = await call('POST', '/start', { body: { wait: true } });
    expect(started.status, started.text).toBe(200);
    const { executionArn } = started.json();
    expect(executionArn).toMatch(/^arn:aws:states:/);
    const stopped = await call('POST', '/stop', { body: { executionArn } });
    expect(stopped.status, stopped.text).toBe(200);
    expect(stopped.json()).toHaveProperty('stopDate');
    const unknown = await call('POST', '/stop', { body: { executionArn: `${executionArn}-nope` } });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('ExecutionDoesNotExist');
  });

  it('puts an event for an authorized request, its detail type built from the path, and the rule delivers it', async () => {
    const answer = await call('POST', '/events/created', { body: { id: 7 }, headers: { authorization: 'allow' } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json()).toMatchObject({ FailedEntryCount: 0 });
    const [message] = await eventually(async () => {
      const messages = await receiveAll('caught');
      return messages.length > 0 ? messages : undefined;
    });
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({ source: 'shop.api', 'detail-type': 'Order created', detail: { id: 7 } });
  });

  it('answers 403 Forbidden when the simple authorizer says no, and 401 without calling it when the identity source is missing', async () => {
    const calls = () => logs.filter((line) => line.includes('authorizer called')).length;
    const before = calls();
    const denied = await call('GET', '/simple', { headers: { authorization: 'deny' } });
    expect([denied.status, denied.json()]).toEqual([403, { message: 'Forbidden' }]);
    const missing = await call('GET', '/simple');
    expect([missing.status, missing.json()]).toEqual([401, { message: 'Unauthorized' }]);
    // The one call is the denied request's (its log line may trail its answer a little).
    await eventually(async () => (calls() === before + 1 ? true : undefined));
    expect(calls()).toBe(before + 1);
  });

  it("hands the authorizer's context to the integration, and caches its answer by identity for the TTL", async () => {
    const first = await call('GET', '/simple', { headers: { authorization: 'allow' } });
    expect(first.status, first.text).toBe(200);
    expect(first.json().authorizer).toEqual({ lambda: { user: 'u-1', tier: 2 } });
    const callsAfterFirst = logs.filter((line) => line.includes('authorizer called allow')).length;
    await call('GET', '/simple', { headers: { authorization: 'allow' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(logs.filter((line) => line.includes('authorizer called allow')).length).toBe(callsAfterFirst);
  });

  it("evaluates a payload 1.0 authorizer's IAM policy against each route's ARN", async () => {
    const get = await call('GET', '/policy', { headers: { authorization: 'allow' } });
    expect(get.status, get.text).toBe(200);
    expect(get.json().authorizer).toEqual({ lambda: { via: 'REQUEST 1.0' } });
    const post = await call('POST', '/policy', { headers: { authorization: 'allow' } });
    expect([post.status, post.json()]).toEqual([403, { message: 'Forbidden' }]);
  });

  it('passes a valid JWT with a scope of the route, its claims and scopes in the event', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const token = issuer.token({ iss: 'https://issuer.example.com', aud: 'shop', sub: 'user-9', exp, scope: 'orders:read other' });
    const answer = await call('GET', '/me', { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json().authorizer.jwt).toEqual({
      claims: expect.objectContaining({ sub: 'user-9', aud: 'shop', exp: String(exp) }),
      scopes: ['orders:read', 'other'],
    });
  });

  it('fails with 401 if the JWT is for another audience, and 403 if it lacks the route scope', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const other = issuer.token({ iss: 'https://issuer.example.com', aud: 'elsewhere', exp, scope: 'orders:read' });
    const refused = await call('GET', '/me', { headers: { authorization: other } });
    expect([refused.status, refused.json()]).toEqual([401, { message: 'Unauthorized' }]);
    expect(refused.headers.get('www-authenticate')).toContain('the token does not have a valid audience');
    const unscoped = issuer.token({ iss: 'https://issuer.example.com', aud: 'shop', exp, scope: 'orders:write' });
    const forbidden = await call('GET', '/me', { headers: { authorization: unscoped } });
    expect([forbidden.status, forbidden.json()]).toEqual([403, { message: 'Forbidden' }]);
  });

  it("answers 429 Too Many Requests past the route's burst limit", async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call('GET', '/limited')).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
    const answer = await call('GET', '/limited');
    expect(answer.json()).toEqual({ message: 'Too Many Requests' });
  });
});
