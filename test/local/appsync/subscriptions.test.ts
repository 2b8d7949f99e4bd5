import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartableRuntime } from '../restartable-runtime.js';
import { stackOutputs } from './graphql-client.js';
import { notesAssembly } from './notes-app.js';
import { RealtimeClient } from './realtime-client.js';

describe('AppSync subscriptions', () => {
  const app = restartableRuntime({ assembly: notesAssembly });
  let outputs: Record<string, string>;
  const clients: RealtimeClient[] = [];

  beforeAll(async () => {
    outputs = await stackOutputs(app.runtime, 'Notes');
  });
  // Registered after the runtime's afterAll, so run before it (vitest runs after-hooks in reverse): the sockets close before the runtime stops.
  afterAll(() => {
    for (const client of clients) client.socket.close();
  });

  const connect = async (headers: Record<string, string>, as: 'query' | 'subprotocol' = 'query') => {
    const client = new RealtimeClient(outputs.RealtimeUrl ?? '', { host: new URL(outputs.Url ?? '').host, ...headers }, as);
    clients.push(client);
    await client.open();
    client.send({ type: 'connection_init' });
    return client;
  };
  const start = (client: RealtimeClient, id: string, query: string, variables: Record<string, unknown> = {}) =>
    client.send({
      id,
      type: 'start',
      payload: { data: JSON.stringify({ query, variables }), extensions: { authorization: { 'x-api-key': outputs.ApiKey } } },
    });
  const mutate = (id: string) =>
    fetch(outputs.Url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': outputs.ApiKey ?? '' },
      body: JSON.stringify({ query: `mutation { putNote(id: "${id}", text: "live") { id text } }` }),
    });

  it("sends a mutation's result to the subscriptions that name it and whose arguments it matches", async () => {
    expect(outputs.RealtimeUrl).toBe(`${outputs.Url?.replace(/^http/, 'ws')}/realtime`);
    const client = await connect({ 'x-api-key': outputs.ApiKey ?? '' });
    expect(await client.next()).toEqual({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
    start(client, 'one', 'subscription($id: ID) { onPutNote(id: $id) { id text } }', { id: 'n9' });
    expect(await client.next()).toEqual({ type: 'start_ack', id: 'one' });
    start(client, 'all', 'subscription { onPutNote { id } }');
    expect(await client.next()).toEqual({ type: 'start_ack', id: 'all' });

    await mutate('n9');
    const first = [await client.next(), await client.next()];
    expect(first).toEqual(
      expect.arrayContaining([
        { type: 'data', id: 'one', payload: { data: { onPutNote: { id: 'n9', text: 'live' } } } },
        { type: 'data', id: 'all', payload: { data: { onPutNote: { id: 'n9' } } } },
      ]),
    );
    await mutate('n10');
    expect(await client.next()).toEqual({ type: 'data', id: 'all', payload: { data: { onPutNote: { id: 'n10' } } } });

    client.send({ type: 'stop', id: 'all' });
    expect(await client.next()).toEqual({ type: 'complete', id: 'all' });
  });

  it('takes the auth headers from a header-<base64url> subprotocol, as Amplify 6 sends them, and answers graphql-ws', async () => {
    const client = await connect({ 'x-api-key': outputs.ApiKey ?? '' }, 'subprotocol');
    expect(client.socket.protocol).toBe('graphql-ws');
    expect(await client.next()).toEqual({ type: 'connection_ack', payload: { connectionTimeoutMs: 300000 } });
    start(client, 'sub', 'subscription { onPutNote(id: "n11") { id text } }');
    expect(await client.next()).toEqual({ type: 'start_ack', id: 'sub' });
    await mutate('n11');
    expect(await client.next()).toEqual({ type: 'data', id: 'sub', payload: { data: { onPutNote: { id: 'n11', text: 'live' } } } });
  });

  it('fails a connection whose header subprotocol has no valid key with connection_error UnauthorizedException', async () => {
    const client = await connect({ 'x-api-key': 'da2-wrong' }, 'subprotocol');
    expect((await client.next()).type).toBe('connection_error');
  });

  it('fails a connection without a valid key with connection_error UnauthorizedException', async () => {
    const client = await connect({ 'x-api-key': 'da2-wrong' });
    expect(await client.next()).toEqual({
      type: 'connection_error',
      payload: { errors: [{ errorType: 'UnauthorizedException', message: 'You are not authorized to make this call.' }] },
    });
  });

  it('fails a start that does not validate against the schema, naming the field', async () => {
    const client = await connect({ 'x-api-key': outputs.ApiKey ?? '' });
    expect((await client.next()).type).toBe('connection_ack');
    start(client, 'bad', 'subscription { onNothing { id } }');
    expect(await client.next()).toEqual({
      type: 'error',
      id: 'bad',
      payload: { errors: [{ errorType: 'ValidationError', message: expect.stringContaining('onNothing') }] },
    });
  });
});
