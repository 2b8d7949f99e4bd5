import type { IncomingMessage, ServerResponse } from 'node:http';
// @ts-expect-error -- dynalite ships no types
import dynalite from 'dynalite';

/**
 * DynamoDB, served by dynalite (a DynamoDB implementation on LevelDB) inside this
 * process: requests are handed to its request listener without a second hop. With a
 * folder, tables live on disk in the data folder and survive restarts.
 */
export class DynamoDbHost {
  readonly #server: { listeners(event: 'request'): ((req: IncomingMessage, res: ServerResponse) => void)[]; close(cb?: () => void): void };

  constructor(options: { folder?: string } = {}) {
    this.#server = dynalite({ path: options.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  }

  /** The request listener the endpoint passes `DynamoDB_20120810.*` requests to. */
  get handler(): (req: IncomingMessage, res: ServerResponse) => void {
    const [listener] = this.#server.listeners('request');
    if (!listener) throw new Error('dynalite exposes no request listener');
    return listener;
  }
}
