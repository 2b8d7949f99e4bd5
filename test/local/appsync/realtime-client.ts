import WebSocket from 'ws';
import { MessageSocket } from './message-socket.js';

export type Message = { type: string; id?: string; payload?: Record<string, unknown> };

/** A client of AppSync's real-time protocol, as Amplify speaks it: its messages in order, each awaited. */
export class RealtimeClient extends MessageSocket<Message> {
  /** `as: 'subprotocol'`: the headers as Amplify 6 sends them, a `header-<base64url>` subprotocol and no query. */
  constructor(url: string, headers: Record<string, string>, as: 'query' | 'subprotocol' = 'query') {
    const json = Buffer.from(JSON.stringify(headers));
    super(
      as === 'query'
        ? new WebSocket(`${url}?header=${encodeURIComponent(json.toString('base64'))}&payload=e30=`, 'graphql-ws')
        : new WebSocket(url, ['graphql-ws', `header-${json.toString('base64url')}`]),
    );
  }
}
