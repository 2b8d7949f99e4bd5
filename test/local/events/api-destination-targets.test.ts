import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyServer } from '../../helpers/body-server.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime, sdkConfig } from '../restartable-runtime.js';
import { apiKeyConnection, arnOf } from '../template-resources.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Stands in for the HTTP services behind the destinations: `/flaky` answers 503 once then 200, `/reject` 400, anything else 200. */
const seen: Seen[] = [];
let flakyCalls = 0;
const server: Server = bodyServer((request, body, response) => {
  seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
  const status = request.url === '/reject' ? 400 : request.url === '/flaky' && flakyCalls++ === 0 ? 503 : 200;
  response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"message":"no"}');
});
let base = '';

/** A destination of the connection `Key` at `path` on the stand-in server, or at `url` itself when it is one. */
const destination = (path: string, method = 'POST') => ({
  Type: 'AWS::Events::ApiDestination',
  Properties: {
    ConnectionArn: arnOf('Key'),
    InvocationEndpoint: path.startsWith('https://') ? path : `${base}${path}`,
    HttpMethod: method,
  },
});
const rule = (source: string, target: Record<string, unknown>) => ({
  Type: 'AWS::Events::Rule',
  Properties: { EventPattern: { source: [source] }, Targets: [{ Id: 'http', ...target }] },
});

function assembly(): string {
  return assemblyOf({
    Key: apiKeyConnection('x-api-key', 'key-1'),
    Orders: destination('/orders/*', 'PUT'),
    Flaky: destination('/flaky'),
    Reject: destination('/reject'),
    Faraway: destination('https://example.com/hook'),
    // As an app whose README asks for its webhook's URL in place of the placeholder leaves it until then.
    Placeholder: { ...destination('/unused'), Properties: { ...destination('/unused').Properties, InvocationEndpoint: '<INSERT_VALUE>' } },
    Failed: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'http-failed' } },
    OrdersRule: rule('shop.orders', {
      Arn: { 'Fn::GetAtt': ['Orders', 'Arn'] },
      HttpParameters: {
        PathParameterValues: ['$.detail.id'],
        HeaderParameters: { 'X-Source': '$.source', 'X-Static': 'fixed' },
        QueryStringParameters: { mode: 'fast' },
      },
      InputTransformer: { InputPathsMap: { id: '$.detail.id' }, InputTemplate: '{"order": <id>}' },
    }),
    FlakyRule: rule('shop.flaky', { Arn: { 'Fn::GetAtt': ['Flaky', 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 3 } }),
    RejectRule: rule('shop.reject', { Arn: { 'Fn::GetAtt': ['Reject', 'Arn'] }, DeadLetterConfig: { Arn: arnOf('Failed') } }),
    FarawayRule: rule('shop.faraway', { Arn: { 'Fn::GetAtt': ['Faraway', 'Arn'] } }),
    PlaceholderRule: rule('shop.placeholder', { Arn: { 'Fn::GetAtt': ['Placeholder', 'Arn'] } }),
  });
}

describe('EventBridge API destination targets', () => {
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const local = restartableRuntime({
    assembly,
    ownsAssembly: true,
    clients: (runtime) => ({ events: new EventBridgeClient(sdkConfig(runtime.url)), sqs: new SQSClient(sdkConfig(runtime.url)) }),
  });
  const put = (source: string, detail: Record<string, unknown>) =>
    local.events.send(new PutEventsCommand({ Entries: [{ Source: source, DetailType: 'test', Detail: JSON.stringify(detail) }] }));

  it("calls the destination with the target's input, its HttpParameters read from the event, and the connection's key", async () => {
    await put('shop.orders', { id: 'o-42' });
    const request = await eventually(async () => seen.find((s) => s.url.startsWith('/orders/')));
    expect(request.method).toBe('PUT');
    expect(request.url).toBe('/orders/o-42?mode=fast');
    expect(request.headers).toMatchObject({ 'x-api-key': 'key-1', 'x-source': 'shop.orders', 'x-static': 'fixed' });
    expect(JSON.parse(request.body)).toEqual({ order: 'o-42' });
  });

  it('retries an answer EventBridge retries (503) and delivers on the next attempt', { timeout: 60_000 }, async () => {
    await put('shop.flaky', { n: 1 });
    // The retry comes after EventBridge's first backoff (0.5-1 s here). Two CI runs timed out here: a retry that fell due while
    // the outbox looked waited its longest sleep (60 s); test/local/store/outbox.test.ts holds that fix.
    await eventually(
      async () => (seen.filter((s) => s.url === '/flaky').length >= 2 ? true : undefined),
      40_000,
      'the retried call to /flaky',
    );
    expect(flakyCalls).toBe(2);
  });

  it('fails if the destination refuses the request (400): the event goes to the dead-letter queue at once, naming the answer', async () => {
    await put('shop.reject', { n: 2 });
    const { Messages = [] } = await eventually(async () => {
      const answer = await local.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: `${local.runtime.url}/000000000000/http-failed`,
          MessageAttributeNames: ['All'],
          WaitTimeSeconds: 1,
        }),
      );
      return answer.Messages?.length ? answer : undefined;
    });
    expect(seen.filter((s) => s.url === '/reject')).toHaveLength(1);
    const attributes = Messages[0]?.MessageAttributes ?? {};
    expect(attributes.ERROR_CODE?.StringValue).toBe('ApiDestinationError');
    expect(attributes.ERROR_MESSAGE?.StringValue).toMatch(/answered 400: \{"message":"no"\}/);
    expect(JSON.parse(Messages[0]?.Body ?? '{}')).toMatchObject({ source: 'shop.reject', detail: { n: 2 } });
  });

  it('names at start-up a rule target whose destination is not on this machine, with the reason', () => {
    expect(local.runtime.warnings.join('\n')).toMatch(
      /FarawayRule \(AWS::Events::Rule\): target http is not called locally: API destination \S+: its InvocationEndpoint https:\/\/example\.com\/hook is not on this machine/,
    );
  });

  it('names at start-up a destination whose endpoint is no URL, and one it calls over http, which AWS would not take', () => {
    const warnings = local.runtime.warnings.join('\n');
    expect(warnings).toMatch(
      /PlaceholderRule \(AWS::Events::Rule\): target http is not called locally: API destination \S+: its InvocationEndpoint "<INSERT_VALUE>" is not a URL \(AWS takes only an HTTPS URL\)/,
    );
    expect(warnings).toMatch(
      /\/Flaky \(AWS::Events::ApiDestination\): its InvocationEndpoint http:\/\/127\.0\.0\.1:\d+\/flaky is not HTTPS, which AWS requires of an API destination; locally it is called as given/,
    );
    expect(warnings).not.toMatch(/Faraway \(AWS::Events::ApiDestination\)/);
  });
});
