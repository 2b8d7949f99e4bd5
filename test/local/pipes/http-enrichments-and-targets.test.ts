import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { bodyServer } from '../../helpers/body-server.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, receiveBodies, region } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { arnOf, eventRule, inlineFunction, restMethod, restResource, restRoot } from '../template-resources.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * Stands in for the services behind the API destinations: `/enrich/<id>` answers the event
 * marked as enriched (two events for id `two`, nothing for id `none`), `/token` gives OAuth
 * tokens (`token-1`, `token-2`, ...), `/oauth` refuses the first token with 401, `/fail`
 * answers 500, anything else 200. Each request is kept in `seen`.
 */
class StandInServer {
  readonly seen: Seen[] = [];
  #tokens = 0;
  readonly #server: Server = bodyServer((request, body, response) => {
    const seen = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, body };
    this.seen.push(seen);
    const [status, answer] = this.#answer(seen);
    response.writeHead(status, { 'content-type': 'application/json' }).end(answer);
  });

  #answer(seen: Seen): [number, string] {
    if (seen.url.startsWith('/token')) return [200, JSON.stringify({ access_token: `token-${++this.#tokens}`, expires_in: 3600 })];
    if (seen.url.startsWith('/oauth') && seen.headers.authorization === 'Bearer token-1') return [401, '{"message":"expired"}'];
    if (seen.url.startsWith('/fail')) return [500, '{"message":"broken"}'];
    if (!seen.url.startsWith('/enrich/')) return [200, '{}'];
    const input = JSON.parse(seen.body) as { order: string };
    if (input.order === 'two') return [200, JSON.stringify([{ enriched: 'two-a' }, { enriched: 'two-b' }])];
    if (input.order === 'none') return [200, ''];
    return [200, JSON.stringify({ enriched: input.order })];
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  requestsTo(prefix: string): Seen[] {
    return this.seen.filter((s) => s.url.startsWith(prefix));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const queue = (name: string) => ({ Type: 'AWS::SQS::Queue', Properties: { QueueName: name } });
const fromQueue = (name: string, source: string, props: Record<string, unknown>) => ({
  Type: 'AWS::Pipes::Pipe',
  Properties: { Name: name, Source: arnOf(source), ...props },
});
const connection = (type: string, auth: Record<string, unknown>) => ({
  Type: 'AWS::Events::Connection',
  Properties: { AuthorizationType: type, AuthParameters: auth },
});
const destination = (conn: string, endpoint: string, method = 'POST') => ({
  Type: 'AWS::Events::ApiDestination',
  Properties: { ConnectionArn: arnOf(conn), InvocationEndpoint: endpoint, HttpMethod: method },
});
/** A REST API method's `execute-api` ARN, as CDK's pipes targets name one. */
const executeApi = (path: string) => ({ 'Fn::Join': ['', ['arn:aws:execute-api:us-east-1:000000000000:', { Ref: 'Api' }, path]] });
const lambdaUri = (fn: string) =>
  `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:${fn}/invocations`;
const proxy = (fn: string) => ({ Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri(fn) } });

/** The REST API's enrichment: what API Gateway gave it, as JSON. */
const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ id: event.pathParameters.id, mode: event.queryStringParameters.mode, body: JSON.parse(event.body) }) });`;
/** The REST API's target: passes what API Gateway gave it on to the stand-in server's `/relay`. */
const relay = (server: string) =>
  `exports.handler = async (event) => { await fetch('${server}/relay/' + event.pathParameters.id, { method: 'POST', body: event.body }); return { statusCode: 200, body: '{}' }; };`;

function assembly(server: string) {
  return assemblyOf(
    {
      Out: queue('http-out'),
      EnrichSource: queue('enrich-source'),
      BasicSource: queue('basic-source'),
      OAuthSource: queue('oauth-source'),
      GatewaySource: queue('gateway-source'),
      BatchedSource: queue('batched-source'),
      Failed: queue('http-failed'),
      Stream: { Type: 'AWS::Kinesis::Stream', Properties: { Name: 'http-stream', ShardCount: 1 } },
      KeyConnection: connection('API_KEY', {
        ApiKeyAuthParameters: { ApiKeyName: 'X-Api-Key', ApiKeyValue: 'key-1' },
        InvocationHttpParameters: { HeaderParameters: [{ Key: 'X-Tenant', Value: 'connection' }] },
      }),
      BasicConnection: connection('BASIC', { BasicAuthParameters: { Username: 'user', Password: 'pass' } }),
      OAuthConnection: connection('OAUTH_CLIENT_CREDENTIALS', {
        OAuthParameters: {
          AuthorizationEndpoint: `${server}/token`,
          HttpMethod: 'POST',
          ClientParameters: { ClientID: 'client', ClientSecret: 'secret' },
          OAuthHttpParameters: { BodyParameters: [{ Key: 'grant_type', Value: 'client_credentials' }] },
        },
      }),
      SecretConnection: connection('API_KEY', { ApiKeyAuthParameters: { ApiKeyName: 'X-Api-Key' } }),
      Enricher: destination('KeyConnection', `${server}/enrich/*`),
      BasicTarget: destination('BasicConnection', `${server}/basic/*`, 'PUT'),
      OAuthTarget: destination('OAuthConnection', `${server}/oauth`),
      Failing: destination('KeyConnection', `${server}/fail`),
      SecretTarget: destination('SecretConnection', `${server}/secret`),
      Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'pipe-api' } },
      Items: restResource(restRoot, 'items'),
      Item: restResource({ Ref: 'Items' }, '{id}'),
      Sinks: restResource(restRoot, 'sinks'),
      Sink: restResource({ Ref: 'Sinks' }, '{id}'),
      EchoMethod: restMethod({ Ref: 'Item' }, 'POST', proxy('pipe-echo')),
      SinkMethod: restMethod({ Ref: 'Sink' }, 'POST', proxy('pipe-relay')),
      Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' }, StageName: 'prod' } },
      Echo: inlineFunction(ECHO, { FunctionName: 'pipe-echo' }),
      Relay: inlineFunction(relay(server), { FunctionName: 'pipe-relay' }),
      EnrichPipe: fromQueue('enrich-pipe', 'EnrichSource', {
        Enrichment: arnOf('Enricher'),
        EnrichmentParameters: {
          InputTemplate: '{"order": <$.body.id>, "pipe": "<aws.pipes.pipe-name>"}',
          HttpParameters: {
            PathParameterValues: ['$.body.id'],
            HeaderParameters: { 'X-Tenant': 'pipe', 'X-Order': '$.body.id' },
            QueryStringParameters: { note: '$.body.note' },
          },
        },
        Target: arnOf('Out'),
        TargetParameters: { InputTemplate: '{"got": <$.enriched>, "via": "<aws.pipes.enrichment-arn>"}' },
      }),
      BasicPipe: fromQueue('basic-pipe', 'BasicSource', {
        Target: arnOf('BasicTarget'),
        TargetParameters: {
          InputTemplate: '{"note": <$.body.note>, "source": "<aws.pipes.source-arn>"}',
          HttpParameters: { PathParameterValues: ['$.body.id'], QueryStringParameters: { v: '1' } },
        },
      }),
      OAuthPipe: fromQueue('oauth-pipe', 'OAuthSource', { Target: arnOf('OAuthTarget') }),
      GatewayPipe: fromQueue('gateway-pipe', 'GatewaySource', {
        Enrichment: executeApi('/prod/POST/items/*'),
        EnrichmentParameters: {
          InputTemplate: '{"note": <$.body.note>}',
          HttpParameters: { PathParameterValues: ['$.body.id'], QueryStringParameters: { mode: 'fast' } },
        },
        Target: executeApi('/prod/POST/sinks/*'),
        TargetParameters: { HttpParameters: { PathParameterValues: ['$.id'] }, InputTemplate: '{"echoed": <$.body>, "mode": <$.mode>}' },
      }),
      FailingPipe: {
        Type: 'AWS::Pipes::Pipe',
        Properties: {
          Name: 'failing-pipe',
          Source: arnOf('Stream'),
          SourceParameters: {
            KinesisStreamParameters: {
              StartingPosition: 'TRIM_HORIZON',
              MaximumRetryAttempts: 1,
              DeadLetterConfig: { Arn: arnOf('Failed') },
            },
          },
          Enrichment: arnOf('Failing'),
          Target: arnOf('Out'),
        },
      },
      BatchedPipe: fromQueue('batched-pipe', 'BatchedSource', {
        SourceParameters: { SqsQueueParameters: { BatchSize: 5 } },
        Target: arnOf('BasicTarget'),
      }),
      SecretPipe: fromQueue('secret-pipe', 'BatchedSource', { Target: arnOf('SecretTarget') }),
      HookRule: eventRule({ pattern: { source: ['hook'] }, targets: [{ Id: 'hook', Arn: arnOf('BasicTarget') }] }),
      EcsPipe: fromQueue('ecs-pipe', 'BatchedSource', { Target: 'arn:aws:ecs:us-east-1:000000000000:cluster/jobs' }),
    },
    'PipeHttp',
  );
}

describe('EventBridge Pipes API destination and API Gateway enrichments and targets (local)', () => {
  const server = new StandInServer();
  // Registered first, so that it closes after the runtime stops (vitest runs afterAll hooks in reverse).
  afterAll(() => server.close());
  const local = restartableRuntime({
    ownsAssembly: true,
    assembly: async () => assembly(await server.listen()),
    options: { pipesRetryBaseMs: 50 },
    clients: ({ url }) => ({ sqs: new SQSClient(sdkConfig(url)) }),
  });

  const send = (name: string, body: unknown) =>
    local.sqs.send(new SendMessageCommand({ QueueUrl: local.runtime.sqs.queueUrl(name), MessageBody: JSON.stringify(body) }));

  it('calls an API destination enrichment with its input template, path, header and query parameters and the connection API key', async () => {
    await send('enrich-source', { id: 'o-1', note: 'first' });
    const [body] = await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('http-out'), 1);
    const [request] = server.requestsTo('/enrich/');
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/enrich/o-1?note=first');
    expect(JSON.parse(request?.body ?? '')).toEqual({ order: 'o-1', pipe: 'enrich-pipe' });
    expect(request?.headers).toMatchObject({
      'x-api-key': 'key-1',
      // The connection's own parameter wins over the pipe's.
      'x-tenant': 'connection',
      'x-order': 'o-1',
      'content-type': 'application/json; charset=utf-8',
    });
    const got = JSON.parse(body ?? '') as { got: string; via: string };
    expect(got.got).toBe('o-1');
    expect(got.via).toMatch(/^arn:aws:events:us-east-1:000000000000:api-destination\/PipeHttp-Enricher[^/]*\/[0-9a-f-]{36}$/);
  });

  it("sends each element of the enrichment's array answer to the target, and none for an empty answer", async () => {
    await send('enrich-source', { id: 'none', note: 'dropped' });
    await send('enrich-source', { id: 'two', note: 'split' });
    const bodies = await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('http-out'), 2);
    expect(bodies.map((b) => (JSON.parse(b) as { got: string }).got).sort()).toEqual(['two-a', 'two-b']);
    await local.runtime.pipes.idle();
    expect(await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('http-out'), 0)).toEqual([]);
  });

  it('sends each event to an API destination target with its method, input template, parameters and basic authorization', async () => {
    await send('basic-source', { id: 'b-1', note: 'hello' });
    const request = await eventually(async () => server.requestsTo('/basic/')[0]);
    expect(request.method).toBe('PUT');
    expect(request.url).toBe('/basic/b-1?v=1');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
    expect(JSON.parse(request.body)).toEqual({ note: 'hello', source: 'arn:aws:sqs:us-east-1:000000000000:basic-source' });
  });

  it('authorizes an API destination with an OAuth client credentials token, fetched again after a 401', async () => {
    await send('oauth-source', { id: 'x' });
    await eventually(async () => (server.requestsTo('/oauth').length >= 2 ? true : undefined));
    const tokens = server.requestsTo('/token');
    expect(tokens.map((t) => [t.method, t.headers.authorization, t.body])).toEqual([
      ['POST', `Basic ${Buffer.from('client:secret').toString('base64')}`, 'grant_type=client_credentials'],
      ['POST', `Basic ${Buffer.from('client:secret').toString('base64')}`, 'grant_type=client_credentials'],
    ]);
    expect(server.requestsTo('/oauth').map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    // Without an input template an API destination gets the record as the source gave it.
    expect(JSON.parse(server.requestsTo('/oauth')[1]?.body ?? '')).toMatchObject({ body: '{"id":"x"}', eventSource: 'aws:sqs' });
    // The token is kept for the next request.
    await send('oauth-source', { id: 'y' });
    await eventually(async () => (server.requestsTo('/oauth').length >= 3 ? true : undefined));
    expect(server.requestsTo('/oauth')[2]?.headers.authorization).toBe('Bearer token-2');
    expect(server.requestsTo('/token')).toHaveLength(2);
  });

  it('enriches through an API Gateway REST API and sends the answer to another of its methods, with path and query parameters', async () => {
    await send('gateway-source', { id: 'g-1', note: 'via gateway' });
    const relayed = await eventually(async () => server.requestsTo('/relay/')[0]);
    expect(relayed.url).toBe('/relay/g-1');
    expect(JSON.parse(relayed.body)).toEqual({ echoed: { note: 'via gateway' }, mode: 'fast' });
  });

  it('fails if the enrichment answers other than 2xx: the batch is retried, then described in the dead-letter queue', async () => {
    const kinesis = new KinesisClient({ endpoint: local.runtime.url, region, credentials });
    await kinesis.send(new PutRecordCommand({ StreamName: 'http-stream', PartitionKey: 'k', Data: Buffer.from('{"n":1}') }));
    kinesis.destroy();
    const [dead] = await receiveBodies(local.sqs, local.runtime.sqs.queueUrl('http-failed'), 1);
    const message = JSON.parse(dead ?? '') as {
      requestContext: { condition: string; approximateInvokeCount: number };
      responseContext: { errorMessage: string };
    };
    expect(message.requestContext).toMatchObject({ condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 });
    expect(message.responseContext.errorMessage).toMatch(/answered 500: \{"message":"broken"\}/);
    expect(server.requestsTo('/fail')).toHaveLength(2);
  });

  it('names no EventBridge rule that targets an API destination of the app: rules call one as pipes do (test/local/events/api-destination-targets.test.ts)', () => {
    expect(local.runtime.warnings.join('\n')).not.toMatch(/PipeHttp\/HookRule/);
  });

  it('fails if a pipe batches its source for an API destination, its connection lacks its secret, or its target is an ECS task: named at start-up, not run', () => {
    const warnings = local.runtime.warnings.join('\n');
    expect(warnings).toContain(
      'PipeHttp/BatchedPipe (AWS::Pipes::Pipe): BatchSize 5 with an API destination or API Gateway enrichment or target',
    );
    expect(warnings).toMatch(
      /PipeHttp\/SecretPipe \(AWS::Pipes::Pipe\): its target cannot be called locally: API destination .*: its connection .* has no ApiKeyName and ApiKeyValue locally/,
    );
    expect(warnings).toContain(
      'PipeHttp/EcsPipe (AWS::Pipes::Pipe): its target arn:aws:ecs:us-east-1:000000000000:cluster/jobs is an ECS task, which the local runtime does not run',
    );
    expect(
      local.runtime.pipes
        .describe()
        .map((p) => p.name)
        .filter((n) => ['batched-pipe', 'secret-pipe', 'ecs-pipe'].includes(n)),
    ).toEqual([]);
  });
});
