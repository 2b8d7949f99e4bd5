import WebSocket from 'ws';

export type EventMessage = { type: string; id?: string; event?: string; errors?: { errorType: string; message: string }[] } & Record<
  string,
  unknown
>;

/** A client of AppSync Events' WebSocket protocol: the auth headers as a `header-<base64url>` subprotocol; each message awaited in order (keep-alives skipped). */
export class EventClient {
  readonly #received: EventMessage[] = [];
  readonly #waiting: ((message: EventMessage) => void)[] = [];
  readonly socket: WebSocket;

  constructor(url: string, headers: Record<string, string>, protocol = 'aws-appsync-event-ws') {
    this.socket = new WebSocket(url, [protocol, `header-${Buffer.from(JSON.stringify(headers)).toString('base64url')}`]);
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as EventMessage;
      if (message.type === 'ka') return;
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message);
      else this.#received.push(message);
    });
  }

  async open(): Promise<void> {
    await new Promise((resolve, reject) => {
      this.socket.once('open', resolve);
      this.socket.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  next(): Promise<EventMessage> {
    const kept = this.#received.shift();
    return kept ? Promise.resolve(kept) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Whatever arrived and is not yet read. */
  get pending(): readonly EventMessage[] {
    return this.#received;
  }
}
