import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../../local/runtime.js';
import { RuntimesWithData } from '../../helpers/runtime-with-data.js';
import { assemblyOf } from '../assembly.js';
import { credentials, eventually, region } from '../helpers.js';
import { httpApi, httpLambdaIntegration, inlineFunction, restMethod, restResource, restRoot, restStage } from '../template-resources.js';

/** A function answering, as a Lambda proxy, what it was asked (404 for a path ending in `missing`). */
const ECHO = `exports.handler = async (e) => ({
  statusCode: (e.path ?? e.rawPath).endsWith('missing') ? 404 : 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    method: e.httpMethod ?? e.requestContext.http.method,
    path: e.path ?? e.rawPath,
    query: e.multiValueQueryStringParameters ?? e.rawQueryString,
    custom: e.multiValueHeaders?.custom ?? e.headers.custom,
    token: e.headers.TaskToken,
    body: e.body,
  }),
});`;
const lambdaUri = {
  'Fn::Join': ['', ['arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': ['Echo', 'Arn'] }, '/invocations']],
};

/** A REST API `Api` whose every path (`{proxy+}`) reaches the echo on stage prod, and an HTTP API `Http` with its `$default` stage. */
const APP = {
  Echo: inlineFunction(ECHO),
  Api: { Type: 'AWS::ApiGateway::RestApi', Properties: { Name: 'rest' } },
  Proxy: restResource(restRoot, '{proxy+}'),
  Any: restMethod({ Ref: 'Proxy' }, 'ANY', { Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST', Uri: lambdaUri } }),
  Deployment: { Type: 'AWS::ApiGateway::Deployment', Properties: { RestApiId: { Ref: 'Api' } } },
  Stage: restStage('prod'),
  Http: httpApi('http'),
  HttpEcho: httpLambdaIntegration('Echo', { ApiId: { Ref: 'Http' } }),
  HttpRoute: {
    Type: 'AWS::ApiGatewayV2::Route',
    Properties: { ApiId: { Ref: 'Http' }, RouteKey: 'ANY /{proxy+}', Target: { 'Fn::Join': ['', ['integrations/', { Ref: 'HttpEcho' }]] } },
  },
  HttpStage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { ApiId: { Ref: 'Http' }, StageName: '$default' } },
};

const ROLE = 'arn:aws:iam::000000000000:role/invoker';

describe("Step Functions' apigateway:invoke", () => {
  const runtimes = new RuntimesWithData();
  let runtime: LocalRuntime;
  let sfn: SFNClient;
  let restHost: string;
  let httpHost: string;
  let machines = 0;

  beforeAll(async () => {
    runtime = await runtimes.start(assemblyOf(APP, 'Invoked'));
    sfn = new SFNClient({ endpoint: runtime.url, region, credentials, maxAttempts: 1 });
    const idOf = (rest: boolean) => runtime.httpApiUrls.find((u) => (u.kind === 'rest') === rest)?.apiId;
    restHost = `${idOf(true)}.execute-api.${region}.amazonaws.com`;
    httpHost = `${idOf(false)}.execute-api.${region}.amazonaws.com`;
  }, 60_000);

  afterAll(async () => {
    sfn?.destroy();
    await runtimes.stopAll();
  });

  /** One execution of a Task calling `parameters` (the resource `apigateway:invoke` unless `resource`), to its end; its history. */
  async function run(parameters: Record<string, unknown>, resource = 'arn:aws:states:::apigateway:invoke') {
    const definition = { StartAt: 'Call', States: { Call: { Type: 'Task', Resource: resource, Parameters: parameters, End: true } } };
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({ name: `invoke-${++machines}`, definition: JSON.stringify(definition), roleArn: ROLE }),
    );
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn }));
    return { executionArn: executionArn as string, ended: () => ended(executionArn as string) };
  }

  async function ended(executionArn: string) {
    await eventually(
      async () => ((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING' ? undefined : true),
      20_000,
      'the execution to end',
    );
    return historyOf(executionArn);
  }

  const historyOf = async (executionArn: string) => (await sfn.send(new GetExecutionHistoryCommand({ executionArn }))).events ?? [];
  const output = (events: HistoryEvent[]) =>
    JSON.parse(events.find((e) => e.type === 'TaskSucceeded')?.taskSucceededEventDetails?.output ?? '{}');
  const failure = (events: HistoryEvent[]) => events.find((e) => e.type === 'ExecutionFailed')?.executionFailedEventDetails;

  it("calls a REST API's stage with the path, query parameters, headers and JSON body, and answers its body, headers and status", async () => {
    const events = await (
      await run({
        ApiEndpoint: restHost,
        Method: 'PUT',
        Stage: 'prod',
        Path: 'pets/7',
        QueryParameters: { tag: ['a', 'b'] },
        Headers: { custom: ['one', 'two'] },
        RequestBody: { name: 'Rex' },
      })
    ).ended();
    const result = output(events);
    expect(result).toMatchObject({
      StatusCode: 200,
      StatusText: 'OK',
      ResponseBody: { method: 'PUT', path: '/pets/7', query: { tag: ['a', 'b'] }, custom: ['one', 'two'], body: '{"name":"Rex"}' },
    });
    // The names as API Gateway and the CloudFront distribution of an edge-optimized API write them, each a list.
    expect(result.Headers).toMatchObject({
      Connection: ['keep-alive'],
      'Content-Type': ['application/json'],
      'Content-Length': [String(Buffer.byteLength(JSON.stringify(result.ResponseBody)))],
      Date: [expect.any(String)],
      'x-amzn-RequestId': [expect.any(String)],
      'x-amz-apigw-id': [expect.any(String)],
      'X-Amzn-Trace-Id': [expect.stringMatching(/^Root=1-/)],
      'X-Cache': ['Miss from cloudfront'],
      Via: [expect.stringMatching(/cloudfront\.net \(CloudFront\)$/)],
      'X-Amz-Cf-Pop': [expect.any(String)],
      'X-Amz-Cf-Id': [expect.any(String)],
    });
  });

  it("calls an HTTP API's $default stage without a Stage, its header names in lower case as HTTP APIs write them", async () => {
    const result = output(await (await run({ ApiEndpoint: httpHost, Method: 'GET', Path: '/orders' })).ended());
    expect(result).toMatchObject({ StatusCode: 200, ResponseBody: { method: 'GET', path: '/orders' } });
    expect(Object.keys(result.Headers)).toEqual(expect.arrayContaining(['content-type', 'apigw-requestid', 'content-length', 'date']));
  });

  it("fails the task as ApiGateway.<status> with the answer's body as its cause", async () => {
    const missing = await (await run({ ApiEndpoint: restHost, Method: 'GET', Stage: 'prod', Path: 'missing' })).ended();
    expect(failure(missing)).toMatchObject({ error: 'ApiGateway.404' });
    expect(JSON.parse(failure(missing)?.cause ?? '')).toMatchObject({ path: '/missing' });
    const noStage = await (await run({ ApiEndpoint: restHost, Method: 'GET', Stage: 'staging', Path: 'x' })).ended();
    expect(failure(noStage)).toEqual({ error: 'ApiGateway.403', cause: '{"message":"Missing Authentication Token"}' });
  });

  it('fails if a header is not a list of values, or the method is not one it sends, before the task is scheduled', async () => {
    for (const [parameters, field] of [
      [{ ApiEndpoint: restHost, Method: 'GET', Stage: 'prod', Headers: { custom: 'one' } }, 'Headers'],
      [{ ApiEndpoint: restHost, Method: 'FETCH', Stage: 'prod' }, 'Method'],
      [{ ApiEndpoint: 'example.com', Method: 'GET' }, 'ApiEndpoint'],
    ] as const) {
      const events = await (await run(parameters)).ended();
      expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
      expect(failure(events)).toEqual({
        error: 'States.Runtime',
        cause: `An error occurred while executing the state 'Call' (entered at the event id #2). The Parameters '${JSON.stringify(parameters)}' could not be used to start the Task: [The value of the field '${field}' has an invalid format]`,
      });
    }
  });

  it('fails as ApiGateway.UnknownHostException for an API that does not run locally', async () => {
    const events = await (await run({ ApiEndpoint: `abcdefghij.execute-api.${region}.amazonaws.com`, Method: 'GET' })).ended();
    expect(failure(events)?.error).toBe('ApiGateway.UnknownHostException');
  });

  it('waits for the task token with .waitForTaskToken, the token given in a header', async () => {
    const { executionArn } = await run(
      { ApiEndpoint: restHost, Method: 'POST', Stage: 'prod', Path: 'callback', Headers: { 'TaskToken.$': 'States.Array($$.Task.Token)' } },
      'arn:aws:states:::apigateway:invoke.waitForTaskToken',
    );
    const submitted = await eventually(
      async () => (await historyOf(executionArn)).find((e) => e.type === 'TaskSubmitted')?.taskSubmittedEventDetails?.output,
      20_000,
      'the request to be answered',
    );
    const { ResponseBody } = JSON.parse(submitted);
    expect(ResponseBody.token).toEqual(expect.any(String));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: ResponseBody.token, output: '{"done":true}' }));
    const events = await ended(executionArn);
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe('{"done":true}');
  });
});
