import type WebSocket from 'ws';

/** A WebSocket's JSON messages in the order they came, each awaited once; keep-alives (`ka`) skipped. The real-time clients' one reader. */
export class MessageSocket<M extends { type: string }> {
  readonly #received: M[] = [];
  readonly #waiting: ((message: M) => void)[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as M;
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

  next(): Promise<M> {
    const kept = this.#received.shift();
    return kept ? Promise.resolve(kept) : new Promise((resolve) => this.#waiting.push(resolve));
  }
}
