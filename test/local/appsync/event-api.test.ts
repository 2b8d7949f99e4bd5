import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempAssemblyDir, writeAssembly } from '../assembly.js';
import { restartableRuntime } from '../restartable-runtime.js';
import { EventClient } from './event-client.js';
import { stackOutputs } from './graphql-client.js';
import { signedAppSyncPost } from './signed-post.js';

const api = { 'Fn::GetAtt': ['Events', 'ApiId'] };

/** An Event API as CDK's `appsync.EventApi` (or the L1s) synthesizes it: API keys for every action, a namespace whose publishing takes IAM only. */
function eventsAssembly(): string {
  return writeAssembly(tempAssemblyDir(), {
    Chat: {
      template: {
        Resources: {
          Events: {
            Type: 'AWS::AppSync::Api',
            Properties: {
              Name: 'chat-events',
              EventConfig: {
                AuthProviders: [{ AuthType: 'API_KEY' }, { AuthType: 'AWS_IAM' }],
                ConnectionAuthModes: [{ AuthType: 'API_KEY' }],
                DefaultPublishAuthModes: [{ AuthType: 'API_KEY' }],
                DefaultSubscribeAuthModes: [{ AuthType: 'API_KEY' }],
              },
            },
          },
          Rooms: { Type: 'AWS::AppSync::ChannelNamespace', Properties: { ApiId: api, Name: 'rooms' } },
          Announcements: {
            Type: 'AWS::AppSync::ChannelNamespace',
            Properties: { ApiId: api, Name: 'announcements', PublishAuthModes: [{ AuthType: 'AWS_IAM' }] },
          },
          Key: { Type: 'AWS::AppSync::ApiKey', Properties: { ApiId: api } },
        },
        Outputs: {
          Http: { Value: { 'Fn::GetAtt': ['Events', 'Dns.Http'] } },
          Realtime: { Value: { 'Fn::GetAtt': ['Events', 'Dns.Realtime'] } },
          Key: { Value: { 'Fn::GetAtt': ['Key', 'ApiKey'] } },
          Namespace: { Value: { Ref: 'Rooms' } },
        },
      },
    },
  });
}

describe('AppSync Events', () => {
  const app = restartableRuntime({ assembly: eventsAssembly, ownsAssembly: true });
  let outputs: Record<string, string>;
  const clients: EventClient[] = [];

  beforeAll(async () => {
    outputs = await stackOutputs(app.runtime, 'Chat');
  });
  // Registered after the runtime's afterAll, so run before it: the sockets close before the runtime stops.
  afterAll(() => {
    for (const client of clients) client.socket.close();
  });

  const publish = async (channel: unknown, events: unknown, key = outputs.Key ?? '') => {
    const response = await fetch(`http://${outputs.Http}/event`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key },
      body: JSON.stringify({ channel, events }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const connect = async (key = outputs.Key ?? '', protocol?: string) => {
    const client = new EventClient(`ws://${outputs.Realtime}/event/realtime`, { host: outputs.Http ?? '', 'x-api-key': key }, protocol);
    clients.push(client);
    await client.open();
    client.send({ type: 'connection_init' });
    return client;
  };
  const subscribe = async (client: EventClient, id: string, channel: string) => {
    client.send({ type: 'subscribe', id, channel, authorization: { 'x-api-key': outputs.Key ?? '' } });
    return client.next();
  };

  it("resolves Dns.Http and Dns.Realtime to the endpoint's host and the API's path, and Ref of a namespace to its ARN", () => {
    expect(outputs.Http).toMatch(/^127\.0\.0\.1:\d+\/_aws\/appsync\/[a-z0-9]{26}$/);
    expect(outputs.Realtime).toBe(outputs.Http);
    expect(outputs.Namespace).toMatch(/^arn:aws:appsync:us-east-1:\d{12}:apis\/[a-z0-9]{26}\/channelNamespace\/rooms$/);
  });

  it('sends each event published over HTTP, as published and in order, to the subscriptions whose channel or wildcard it matches', async () => {
    const client = await connect();
    expect(await client.next()).toEqual({ type: 'connection_ack', connectionTimeoutMs: 300000 });
    expect(await subscribe(client, 'all', '/rooms/*')).toEqual({ type: 'subscribe_success', id: 'all' });
    expect(await subscribe(client, 'one', '/rooms/lobby')).toEqual({ type: 'subscribe_success', id: 'one' });

    const answer = await publish('rooms/kitchen', [JSON.stringify({ n: 1 }), JSON.stringify('two')]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      successful: [
        { identifier: expect.any(String), index: 0 },
        { identifier: expect.any(String), index: 1 },
      ],
      failed: [],
    });
    expect(await client.next()).toEqual({ type: 'data', id: 'all', event: '{"n":1}' });
    expect(await client.next()).toEqual({ type: 'data', id: 'all', event: '"two"' });

    await publish('/rooms/lobby', [JSON.stringify({ n: 3 })]);
    const both = [await client.next(), await client.next()];
    expect(both).toEqual(
      expect.arrayContaining([
        { type: 'data', id: 'all', event: '{"n":3}' },
        { type: 'data', id: 'one', event: '{"n":3}' },
      ]),
    );
  });

  it('publishes over the WebSocket, and stops sending to a subscription once it is unsubscribed', async () => {
    const client = await connect();
    await client.next();
    await subscribe(client, 'sub', '/rooms/den');
    client.send({
      type: 'publish',
      id: 'p1',
      channel: '/rooms/den',
      events: ['{"hello":"ws"}'],
      authorization: { 'x-api-key': outputs.Key },
    });
    const [first, second] = [await client.next(), await client.next()];
    expect([first, second]).toEqual(
      expect.arrayContaining([
        { type: 'data', id: 'sub', event: '{"hello":"ws"}' },
        { type: 'publish_success', id: 'p1', successful: [{ identifier: expect.any(String), index: 0 }], failed: [] },
      ]),
    );
    client.send({ type: 'unsubscribe', id: 'sub' });
    expect(await client.next()).toEqual({ type: 'unsubscribe_success', id: 'sub' });
    await publish('/rooms/den', ['{"after":true}']);
    client.send({ type: 'unsubscribe', id: 'sub' });
    // The next message is the second unsubscribe's answer: the event published after the first reached nothing.
    expect(await client.next()).toMatchObject({ type: 'unsubscribe_error', id: 'sub' });
  });

  it("fails if the API key is not one of the API's: a publish is 401 UnauthorizedException, a connection connection_error", async () => {
    const answer = await publish('/rooms/lobby', ['{}'], 'da2-wrong');
    expect(answer).toEqual({
      status: 401,
      body: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] },
    });
    const client = await connect('da2-wrong');
    expect(await client.next()).toMatchObject({ type: 'connection_error', errors: [{ errorType: 'UnauthorizedException' }] });
  });

  it("fails if a namespace's own publish modes leave out the caller's: its channels refuse an API key the API's defaults take", async () => {
    const answer = await publish('/announcements/today', ['{}']);
    expect(answer.status).toBe(401);
    const client = await connect();
    await client.next();
    // Subscribing there takes the API's default (API_KEY): only publishing is IAM's.
    expect(await subscribe(client, 'news', '/announcements/*')).toEqual({ type: 'subscribe_success', id: 'news' });
  });

  it.each([
    [
      'a namespace the API does not define',
      '/kitchen/sink',
      ['{}'],
      /no channel namespace kitchen in the Event API chat-events: its namespaces are rooms, announcements/,
    ],
    ['a wildcard', '/rooms/*', ['{}'], /ends in \*/],
    ['more than five events', '/rooms/a', ['1', '2', '3', '4', '5', '6'], /1 to 5 events/],
    ['an event that is not JSON', '/rooms/a', ['{nope'], /events\[0\] is not JSON/],
    ['an event that is not a string', '/rooms/a', [{ a: 1 }], /events\[0\] is not a string/],
    ['six segments', '/rooms/a/b/c/d/e', ['{}'], /6 segments: at most 5/],
    ['no channel', undefined, ['{}'], /channel is required/],
  ])('fails if a publish names %s, with BadRequestException naming it', async (_what, channel, events, message) => {
    const answer = await publish(channel, events);
    expect(answer.status).toBe(400);
    const [error] = answer.body.errors as { errorType: string; message: string }[];
    expect(error?.errorType).toBe('BadRequestException');
    expect(error?.message).toMatch(message);
  });

  it('fails if a subscription names a channel of no namespace, with subscribe_error, and keeps the connection', async () => {
    const client = await connect();
    await client.next();
    expect(await subscribe(client, 'x', '/nowhere/*')).toMatchObject({
      type: 'subscribe_error',
      id: 'x',
      errors: [{ errorType: 'BadRequestException', message: expect.stringContaining('no channel namespace nowhere') }],
    });
    expect(await subscribe(client, 'y', '/rooms/*')).toEqual({ type: 'subscribe_success', id: 'y' });
  });

  it('fails if a message comes before connection_init, naming it', async () => {
    const client = new EventClient(`ws://${outputs.Realtime}/event/realtime`, { 'x-api-key': outputs.Key ?? '' });
    clients.push(client);
    await client.open();
    client.send({ type: 'subscribe', id: 'early', channel: '/rooms/*' });
    expect(await client.next()).toMatchObject({ type: 'error', id: 'early', errors: [{ message: 'send connection_init first' }] });
  });
});

describe('AppSync Events with signatures verified', () => {
  const CREDENTIALS = { accessKeyId: 'AKIDEVENTS', secretAccessKey: 'events-secret' };
  const app = restartableRuntime({
    assembly: eventsAssembly,
    ownsAssembly: true,
    options: { verifySignatures: { credentials: [CREDENTIALS] } },
  });

  const signedPublish = (secretAccessKey: string) =>
    signedAppSyncPost(
      `http://${app.runtime.appsync.eventApis[0]?.dns}/event`,
      JSON.stringify({ channel: '/announcements/today', events: ['{"signed":true}'] }),
      { ...CREDENTIALS, secretAccessKey },
    );

  it("publishes to an IAM namespace with a request signed by one of the runtime's keys, its path the API's", async () => {
    const answer = await signedPublish(CREDENTIALS.secretAccessKey);
    expect(answer).toEqual({ status: 200, body: { successful: [{ identifier: expect.any(String), index: 0 }], failed: [] } });
  });

  it('fails if the signature is not of one of its keys, with 401 UnauthorizedException', async () => {
    const answer = await signedPublish('not-the-secret');
    expect(answer.status).toBe(401);
  });
});
