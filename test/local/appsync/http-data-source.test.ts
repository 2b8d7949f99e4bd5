import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READ_API_PATHS, READ_API_PREFIX } from '../../../clients/read-api-contract.js';
import { LocalRuntime } from '../../../local/runtime.js';
import { spansOfOtlpJson } from '../../helpers/otlp-spans.js';
import { assemblyOf } from '../assembly.js';
import { disposableData } from '../helpers.js';
import { graphqlDataSource, keyedGraphqlApi } from './appsync-resources.js';
import { graphqlWithKey } from './graphql-client.js';

const api = { 'Fn::GetAtt': ['Api', 'ApiId'] };

const REQUEST = `{"version":"2018-05-29","method":"POST","resourcePath":"/weather/$ctx.args.city",
  "params":{"query":{"units":"metric"},"headers":{"content-type":"application/json"},"body":$util.toJson({"asked":$ctx.args.city})}}`;
const RESPONSE = `#if($ctx.result.statusCode != 200)$util.error("the weather service answered $ctx.result.statusCode", "HttpStatus")#end
$ctx.result.body`;

const ASK = `{"version":"2018-05-29","method":"POST","resourcePath":"/model/amazon.nova-lite-v1:0/converse",
  "params":{"headers":{"content-type":"application/json"},"body":{"messages":[{"role":"user","content":[{"text":$util.toJson($ctx.args.prompt)}]}]}}}`;

describe('AppSync HTTP data sources', () => {
  let server: Server;
  let runtime: LocalRuntime;
  const seen: { method?: string; url?: string; body: string }[] = [];
  const logged: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, body });
        if (req.url?.startsWith('/weather/nowhere')) res.writeHead(404).end('{}');
        else
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ city: req.url?.split('/')[2]?.split('?')[0], sky: 'clear' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port nothing listens on: a data source whose host cannot be reached.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const cdkOut = assemblyOf({
      ...keyedGraphqlApi(
        'weather',
        'type Weather { city: String sky: String } type Query { weather(city: String!): Weather ask(prompt: String!): String send(message: String!): String down: String }',
      ),
      Source: graphqlDataSource('weather', { Type: 'HTTP', HttpConfig: { Endpoint: endpoint } }),
      // An HTTP data source calling an AWS API, as serverless-patterns' appsync-bedrock-cdk calls Bedrock Runtime.
      Bedrock: {
        Type: 'AWS::AppSync::DataSource',
        Properties: {
          ApiId: api,
          Name: 'bedrock',
          Type: 'HTTP',
          HttpConfig: {
            Endpoint: 'https://bedrock-runtime.us-east-1.amazonaws.com',
            AuthorizationConfig: {
              AuthorizationType: 'AWS_IAM',
              AwsIamConfig: { SigningRegion: 'us-east-1', SigningServiceName: 'bedrock' },
            },
          },
        },
      },
      // SQS's query API through an HTTP data source, its XML answer read with $util.xml.toMap (serverless-patterns' cdk-appsync-sqs).
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'xml-queue' } },
      Sqs: {
        Type: 'AWS::AppSync::DataSource',
        Properties: {
          ApiId: api,
          Name: 'sqs',
          Type: 'HTTP',
          HttpConfig: {
            Endpoint: 'https://sqs.us-east-1.amazonaws.com',
            AuthorizationConfig: { AuthorizationType: 'AWS_IAM', AwsIamConfig: { SigningRegion: 'us-east-1', SigningServiceName: 'sqs' } },
          },
        },
      },
      SendResolver: {
        Type: 'AWS::AppSync::Resolver',
        Properties: {
          ApiId: api,
          TypeName: 'Query',
          FieldName: 'send',
          DataSourceName: 'sqs',
          RequestMappingTemplate: `{"version": "2018-05-29", "method": "POST", "resourcePath": "/000000000000/xml-queue",
  "params": {"body": "Action=SendMessage&Version=2012-11-05&MessageBody=$util.urlEncode($ctx.args.message)", "headers": {"content-type": "application/x-www-form-urlencoded"}}}`,
          ResponseMappingTemplate: '$util.toJson($util.xml.toMap($ctx.result.body).SendMessageResponse.SendMessageResult.MessageId)',
        },
        DependsOn: ['Schema', 'Sqs'],
      },
      AskResolver: {
        Type: 'AWS::AppSync::Resolver',
        Properties: {
          ApiId: api,
          TypeName: 'Query',
          FieldName: 'ask',
          DataSourceName: 'bedrock',
          RequestMappingTemplate: ASK,
          ResponseMappingTemplate: `#if($ctx.result.statusCode != 200)$util.error($ctx.result.body, "Bedrock")#end
$util.toJson($util.parseJson($ctx.result.body).stopReason)`,
        },
        DependsOn: ['Schema', 'Bedrock'],
      },
      Down: graphqlDataSource('down', { Type: 'HTTP', HttpConfig: { Endpoint: unreachable } }),
      // As aws-cdk-examples' appsync-graphql-http: its response reads ctx.result without looking at ctx.error.
      DownResolver: {
        Type: 'AWS::AppSync::Resolver',
        Properties: {
          ApiId: api,
          TypeName: 'Query',
          FieldName: 'down',
          DataSourceName: 'down',
          Runtime: { Name: 'APPSYNC_JS', RuntimeVersion: '1.0.0' },
          Code: `export function request() { return { method: 'GET', resourcePath: '/posts/1' }; }
export function response(ctx) { return ctx.result.statusCode; }`,
        },
        DependsOn: ['Schema', 'Down'],
      },
      Resolver: {
        Type: 'AWS::AppSync::Resolver',
        Properties: {
          ApiId: api,
          TypeName: 'Query',
          FieldName: 'weather',
          DataSourceName: 'weather',
          RequestMappingTemplate: REQUEST,
          ResponseMappingTemplate: RESPONSE,
        },
        DependsOn: ['Schema', 'Source'],
      },
    });
    runtime = await LocalRuntime.start({ cdkOut, ...disposableData(), port: 0, logEvents: false, log: (line) => logged.push(line) });
  });
  afterAll(async () => {
    await runtime?.stop();
    server?.close();
  });

  const graphql = (query: string, headers: Record<string, string> = {}) => graphqlWithKey(runtime, query, headers);

  it("sends the request's method, resourcePath, query, headers and body to the data source's endpoint, and reads its answer", async () => {
    expect(await graphql('{ weather(city: "oslo") { city sky } }')).toEqual({ data: { weather: { city: 'oslo', sky: 'clear' } } });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/weather/oslo?units=metric', body: '{"asked":"oslo"}' });
  });

  it("gives the response template the answer's status code, which it may turn into an error", async () => {
    const answer = await graphql('{ weather(city: "nowhere") { city } }');
    expect(answer.errors).toEqual([
      expect.objectContaining({ path: ['weather'], errorType: 'HttpStatus', message: 'the weather service answered 404' }),
    ]);
  });

  it("says in the runtime's log why a data source's host could not be reached, which a response ignoring ctx.error never says", async () => {
    const answer = await graphql('{ down }');
    // The answer is the response handler's own failure, as AppSync's.
    expect(answer.errors).toEqual([expect.objectContaining({ path: ['down'], errorType: 'Code' })]);
    expect(logged).toContainEqual(
      expect.stringMatching(
        /^\[appsync\] the HTTP data source down could not reach http:\/\/127\.0\.0\.1:\d+: fetch failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\) \(GET \/posts\/1\); the resolver's response handler gets it as ctx\.error$/,
      ),
    );
  });

  it("reaches the local service when its endpoint is an AWS service's host, signed for the service its AuthorizationConfig names", async () => {
    expect(await graphql('{ ask(prompt: "Say hello") }')).toEqual({ data: { ask: 'end_turn' } });
    expect(seen.every((request) => !request.url?.includes('/model/'))).toBe(true);
  });

  it("gets a query service's XML answer as the service sends it (no JSON asked), for $util.xml.toMap to read", async () => {
    const answer = await graphql('{ send(message: "hello xml") }');
    expect(answer.errors).toBeUndefined();
    expect((answer.data as { send: string }).send).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("carries the request's trace to the local service, whose span hangs under the request's", async () => {
    const traceId = randomBytes(16).toString('hex');
    const header = `Root=1-${traceId.slice(0, 8)}-${traceId.slice(8)};Sampled=1`;
    expect(await graphql('{ ask(prompt: "Say hello") }', { 'x-amzn-trace-id': header })).toEqual({ data: { ask: 'end_turn' } });
    const response = await fetch(`${runtime.url}${READ_API_PREFIX}${READ_API_PATHS.traces}${traceId}`);
    const spans = spansOfOtlpJson(await response.json());
    const request = spans.find((span) => span.name === 'graphql Query.ask');
    expect(request?.spanId).toMatch(/^[0-9a-f]{16}$/);
    const call = spans.find((span) => span.attributes['gen_ai.request.model'] !== undefined);
    expect(call).toMatchObject({ traceId, parentSpanId: request?.spanId });
  });
});
