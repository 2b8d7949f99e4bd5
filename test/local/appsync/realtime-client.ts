import WebSocket from 'ws';

export type Message = { type: string; id?: string; payload?: Record<string, unknown> };

/** A client of AppSync's real-time protocol, as Amplify speaks it: its messages in order, each awaited. */
export class RealtimeClient {
  readonly #received: Message[] = [];
  readonly #waiting: ((message: Message) => void)[] = [];
  readonly socket: WebSocket;

  /** `as: 'subprotocol'`: the headers as Amplify 6 sends them, a `header-<base64url>` subprotocol and no query. */
  constructor(url: string, headers: Record<string, string>, as: 'query' | 'subprotocol' = 'query') {
    const json = Buffer.from(JSON.stringify(headers));
    this.socket =
      as === 'query'
        ? new WebSocket(`${url}?header=${encodeURIComponent(json.toString('base64'))}&payload=e30=`, 'graphql-ws')
        : new WebSocket(url, ['graphql-ws', `header-${json.toString('base64url')}`]);
    this.socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Message;
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

  next(): Promise<Message> {
    const kept = this.#received.shift();
    return kept ? Promise.resolve(kept) : new Promise((resolve) => this.#waiting.push(resolve));
  }
}
