import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyServer } from '../../helpers/body-server.js';
import { assemblyOf } from '../assembly.js';
import { eventually } from '../helpers.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { apiKeyConnection, arnOf, sqsQueue } from '../template-resources.js';

const ROLE = 'arn:aws:iam::000000000000:role/deliver';

interface Seen {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Stands in for the HTTP service behind the API destination: `/refuse` answers 400, anything else 200. */
const seen: Seen[] = [];
const server: Server = bodyServer((request, body, response) => {
  seen.push({ url: request.url ?? '', headers: request.headers, body });
  const status = request.url?.startsWith('/refuse') ? 400 : 200;
  response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"message":"no"}');
});
let base = '';

const destination = (path: string) => ({
  Type: 'AWS::Events::ApiDestination',
  Properties: { ConnectionArn: arnOf('Key'), InvocationEndpoint: `${base}${path}`, HttpMethod: 'POST' },
});
const subscriber = (name: string, target: string, settings: { invoke?: object; batch?: object; retry?: object; failures?: object }) => ({
  Type: 'AWS::EventsV2::Subscriber',
  Properties: {
    Name: name,
    EventBusArn: { Ref: 'Bus' },
    InvokeConfiguration: { RoleArn: ROLE, TargetArn: { 'Fn::GetAtt': [target, 'Arn'] }, ...settings.invoke },
    FilterConfiguration: { Filters: [{ Pattern: `{"source": ["${name}"]}`, Scope: 'DATA' }] },
    ...(settings.batch ? { BatchConfiguration: settings.batch } : {}),
    ...(settings.retry ? { RetryPolicy: settings.retry } : {}),
    ...(settings.failures ? { OnFailureConfiguration: settings.failures } : {}),
  },
});

function assembly(): string {
  return assemblyOf({
    Key: apiKeyConnection('x-api-key', 'key-2'),
    Hooks: destination('/hooks/*'),
    Refuse: destination('/refuse'),
    Bus: { Type: 'AWS::EventsV2::EventBus', Properties: { Name: 'http-bus' } },
    Failed: sqsQueue('http-bus-failed'),
    One: subscriber('one', 'Hooks', {
      batch: { MaxBatchSize: 1 },
      invoke: { HttpParameters: { PathParameterValues: ['single'], HeaderParameters: { 'X-Team': 'orders' } } },
    }),
    Many: subscriber('many', 'Hooks', {
      batch: { MaxBatchSize: 3, MaxBatchWindowInSeconds: 1 },
      invoke: { HttpParameters: { PathParameterValues: ['batch'] } },
    }),
    Refused: subscriber('refused', 'Refuse', {
      batch: { MaxBatchSize: 1 },
      retry: { MaxRetryAttempts: 0 },
      failures: { Arn: arnOf('Failed') },
    }),
  });
}

/** A Custom Event Bus subscriber's HTTP target (eb-custom-bus-target-http): an API destination, called through its connection. */
describe('EventBridgeV2 HTTP targets', () => {
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const local = restartableRuntime({ assembly, ownsAssembly: true });
  const busArn = () => String(local.runtime.eventbridgev2.store.buses.all().find((bus) => bus.Name === 'http-bus')?.EventBusArn);
  const put = (source: string, details: readonly Record<string, unknown>[]) =>
    local.runtime.eventbridgev2.PutEvents({
      EventBusArn: busArn(),
      Entries: details.map((detail) => ({ Source: source, DetailType: 'test', Detail: JSON.stringify(detail) })),
    });

  it('sends each event in its own request with MaxBatchSize 1, its HttpParameters and the connection key beside it', async () => {
    await put('one', [{ n: 1 }]);
    const request = await eventually(async () => seen.find((s) => s.url.startsWith('/hooks/single')));
    expect(request.headers).toMatchObject({ 'x-api-key': 'key-2', 'x-team': 'orders' });
    expect(JSON.parse(request.body)).toMatchObject({ source: 'one', detail: { n: 1 } });
  });

  it('sends a batch as one request whose body is the JSON array of its events', async () => {
    await put('many', [{ n: 1 }, { n: 2 }, { n: 3 }]);
    const request = await eventually(async () => seen.find((s) => s.url.startsWith('/hooks/batch')));
    const body = JSON.parse(request.body) as { detail: { n: number } }[];
    expect(body.map((event) => event.detail.n)).toEqual([1, 2, 3]);
  });

  it("fails if the target answers outside 2xx: the event goes to the subscriber's dead-letter queue naming the status", async () => {
    await put('refused', [{ n: 9 }]);
    const url = `${local.runtime.url}/000000000000/http-bus-failed`;
    const record = await eventually(async () => {
      const { Messages = [] } = (await local.runtime.sqs.ReceiveMessage({ QueueUrl: url, MaxNumberOfMessages: 1 })) as {
        Messages?: { Body: string }[];
      };
      return Messages[0]?.Body;
    });
    expect(record).toMatch(/HTTP400/);
    expect(seen.filter((s) => s.url === '/refuse')).toHaveLength(1);
  });
});
