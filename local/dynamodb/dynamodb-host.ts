import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GuardSettings } from '../endpoint/guard.js';

const WORKER_SCRIPT = path.join(import.meta.dirname, 'dynalite-worker.mjs');

/**
 * DynamoDB, served by dynalite (a DynamoDB implementation on LevelDB) in a worker thread
 * on a loopback port of its own. Local functions are pointed straight at it
 * (AWS_ENDPOINT_URL_DYNAMODB), so their DynamoDB traffic never touches the endpoint's
 * thread; other clients reach it through the endpoint, which forwards
 * `DynamoDB_20120810.*` requests. With a folder, tables live on disk and survive restarts.
 */
export class DynamoDbHost {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(
    private readonly worker: Worker,
    /** Where dynalite listens, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
  ) {}

  /** @param options.guard the endpoint's Host, Origin and signature checks, applied to dynalite's own port too */
  static async start(options: { folder?: string; guard?: GuardSettings } = {}): Promise<DynamoDbHost> {
    const worker = new Worker(WORKER_SCRIPT, { workerData: { folder: options.folder, guard: options.guard } });
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', (message: { port: number }) => resolve(message.port));
      worker.once('error', reject);
    });
    return new DynamoDbHost(worker, `http://127.0.0.1:${port}`);
  }

  /** Forwards a request the endpoint received to dynalite, streaming both ways. */
  get handler(): (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void {
    const { port } = new URL(this.url);
    return (req, res, body) => {
      const upstream = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: this.#agent },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: error.message }));
      });
      // The endpoint has already read the body when it checked the signature.
      if (body) upstream.end(body);
      else req.pipe(upstream);
    };
  }

  async stop(): Promise<void> {
    this.#agent.destroy();
    await new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.postMessage('close');
      setTimeout(resolve, 2000).unref();
    });
    await this.worker.terminate();
  }
}
