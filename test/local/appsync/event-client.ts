import WebSocket from 'ws';
import { MessageSocket } from './message-socket.js';

export type EventMessage = { type: string; id?: string; event?: string; errors?: { errorType: string; message: string }[] } & Record<
  string,
  unknown
>;

/** A client of AppSync Events' WebSocket protocol: the auth headers as a `header-<base64url>` subprotocol; each message awaited in order. */
export class EventClient extends MessageSocket<EventMessage> {
  constructor(url: string, headers: Record<string, string>, protocol = 'aws-appsync-event-ws') {
    super(new WebSocket(url, [protocol, `header-${Buffer.from(JSON.stringify(headers)).toString('base64url')}`]));
  }
}
