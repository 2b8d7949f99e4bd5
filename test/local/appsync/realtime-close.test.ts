import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AuthServices } from '../../../local/appsync/auth.js';
import type { EventApiDefinition } from '../../../local/appsync/event-api/definitions.js';
import { EventApiService } from '../../../local/appsync/event-api/event-api-service.js';
import { Realtime, type RealtimeResolverEnvironment } from '../../../local/appsync/realtime.js';

type Upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A socket connected through `upgrade`, which has sent nothing: no connection_init, no subscription. */
async function idleSocket(upgrade: Upgrade, protocol: string): Promise<WebSocket> {
  const server = createServer().on('upgrade', upgrade);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, protocol);
  await once(socket, 'open');
  return socket;
}

// The services touch neither until a message comes.
const auth = {} as AuthServices;

describe("AppSync's WebSocket services closing", () => {
  it('closes an Event API connection that holds no subscription', async () => {
    const service = new EventApiService([{ id: 'api' } as EventApiDefinition], auth);
    const socket = await idleSocket((req, s, head) => service.upgrade('api', req, s, head), 'aws-appsync-event-ws');
    const closed = once(socket, 'close');
    service.close();
    await closed;
    expect(socket.readyState).toBe(WebSocket.CLOSED);
  });

  it('closes a GraphQL real-time connection that holds no subscription', async () => {
    const realtime = new Realtime(auth, {} as RealtimeResolverEnvironment);
    const api = {} as Parameters<Realtime['upgrade']>[0];
    const socket = await idleSocket((req, s, head) => realtime.upgrade(api, req, s, head), 'graphql-ws');
    const closed = once(socket, 'close');
    realtime.close();
    await closed;
    expect(socket.readyState).toBe(WebSocket.CLOSED);
  });
});
