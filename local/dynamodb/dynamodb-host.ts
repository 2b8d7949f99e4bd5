import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
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
  #answer?: (request: WorkerRequest) => Promise<unknown>;
  readonly #waiting: WorkerRequest[] = [];

  private constructor(
    private readonly worker: Worker,
    /** Where dynalite listens, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    /** Marks a DeleteItem as made by the time-to-live sweep (header `x-switchyard-ttl-delete`), whose stream record names DynamoDB as its maker. */
    readonly ttlDeleteToken: string,
  ) {
    worker.on('message', (message: WorkerRequest | 'closed') => {
      if (typeof message !== 'object' || message === null || !('kind' in message)) return;
      if (this.#answer) this.#reply(message);
      else this.#waiting.push(message);
    });
  }

  /**
   * Answers what dynalite's thread asks (stream records to commit before a write is
   * acknowledged, time-to-live settings); requests that came before are answered now.
   */
  serve(answer: (request: WorkerRequest) => Promise<unknown>): void {
    this.#answer = answer;
    for (const waiting of this.#waiting.splice(0)) this.#reply(waiting);
  }

  /** Tells dynalite's thread that IAM's policies changed: the requests it saw allowed are asked about again. */
  forgetAuthorizations(): void {
    this.worker.postMessage({ kind: 'iam-changed' });
  }

  /** Tells dynalite's thread which tables have a stream (by table name). */
  setStreams(streams: Readonly<Record<string, { viewType: string; arn: string; label: string }>>): void {
    this.worker.postMessage({ kind: 'streams', streams });
  }

  #reply(message: WorkerRequest): void {
    (this.#answer as (request: WorkerRequest) => Promise<unknown>)(message).then(
      (result) => this.worker.postMessage({ kind: 'reply', id: message.id, result }),
      (error: { code?: string; message?: string }) =>
        this.worker.postMessage({
          kind: 'reply',
          id: message.id,
          error: { code: error.code ?? 'InternalServerError', message: String(error.message) },
        }),
    );
  }

  /**
   * Starts dynalite and resolves once it answers a request: start-up uses it right away
   * (ensureTables), and a worker that died after printing its port would answer nothing.
   */
  static async start(
    options: {
      folder?: string;
      /** How long a LevelDB lock held by a runtime that is still exiting is waited for. @default 10_000 */
      lockedWaitMs?: number;
      /** The endpoint's Host, Origin and signature checks, applied to dynalite's own port too. */
      guard?: GuardSettings;
      /** Ask the main thread (`authorize` requests) whether a role session may make each request. @default false */
      iam?: boolean;
    } = {},
  ): Promise<DynamoDbHost> {
    const ttlDeleteToken = randomUUID();
    const worker = new Worker(WORKER_SCRIPT, {
      workerData: {
        folder: options.folder,
        lockedWaitMs: options.lockedWaitMs ?? 10_000,
        guard: options.guard,
        iam: options.iam === true,
        ttlDeleteToken,
      },
    });
    const where = options.folder ? ` in ${options.folder}` : '';
    let failed: (error: Error) => void = () => {};
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    const onError = (error: Error) => failed(new Error(`DynamoDB (dynalite) failed while starting${where}: ${error.message}`));
    const onExit = (code: number) => failed(new Error(`DynamoDB (dynalite) stopped with code ${code} while starting${where}`));
    worker.on('error', onError);
    worker.on('exit', onExit);
    try {
      const port = await Promise.race([
        new Promise<number>((resolve) => {
          worker.once('message', (message: { port?: number; error?: string }) => {
            if (message.port !== undefined) resolve(message.port);
            else failed(new Error(`DynamoDB (dynalite) could not open its tables${where}: ${message.error}`));
          });
        }),
        failure,
      ]);
      const host = new DynamoDbHost(worker, `http://127.0.0.1:${port}`, ttlDeleteToken);
      await Promise.race([host.#answers(options.guard?.credentials?.[0]), failure]);
      return host;
    } catch (error) {
      await worker.terminate();
      throw error;
    } finally {
      worker.off('error', onError);
      worker.off('exit', onExit);
    }
  }

  /** Resolves once dynalite answers ListTables, which reads its LevelDB (signed with the guard's key when it checks signatures). */
  async #answers(
    credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'local', secretAccessKey: 'local' },
  ): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
    } catch (error) {
      throw new Error(`DynamoDB (dynalite) did not answer ListTables while starting: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }

  /** Forwards a request the endpoint received to dynalite, streaming both ways. */
  get handler(): (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void {
    const { port } = new URL(this.url);
    return (req, res, body) => {
      const upstream = request(
        { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers, agent: this.#agent },
        (answer) => {
          if (answer.statusCode === 400 || answer.statusCode === 413) return withMessage(answer, res);
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
      this.worker.on('message', (message) => {
        if (message === 'closed') resolve();
      });
      this.worker.once('exit', () => resolve());
      this.worker.postMessage('close');
      setTimeout(resolve, 2000).unref();
    });
    await this.worker.terminate();
  }
}

/** What dynalite's thread asks the main thread (local/dynamodb/change-capture.mjs). */
export type WorkerRequest = { readonly id: number } & (
  | {
      readonly kind: 'records';
      readonly records: readonly CapturedChange[];
      /** The pending write these records settle (see `writeBegins`). */
      readonly pendingId?: number;
    }
  /** A write to tables with a stream is about to be passed to dynalite: its items and their images before it. */
  | { readonly kind: 'writeBegins'; readonly items: readonly PendingItem[] }
  /** dynalite refused the write: nothing changed, no record. */
  | { readonly kind: 'writeEnded'; readonly pendingId?: number }
  /** The writes a kill left pending, to settle at start-up. */
  | { readonly kind: 'pendingWrites' }
  | {
      readonly kind: 'streamEnabled';
      readonly table: string;
      readonly viewType: string;
      readonly keySchema: readonly { AttributeName: string; KeyType: string }[];
      /** Set by UpdateTable: a new stream even if the table had one with this view type. */
      readonly fresh?: boolean;
    }
  | { readonly kind: 'tableDeleted'; readonly table: string }
  /** May the role session signing with this key make this request? Answered `{ denied?: message }`. */
  | { readonly kind: 'authorize'; readonly accessKeyId: string; readonly operation: string; readonly body: string }
  | { readonly kind: 'timeToLive'; readonly operation: 'UpdateTimeToLive' | 'DescribeTimeToLive'; readonly input: Record<string, unknown> }
);

/** One item of a pending write: its table, its key and its image before the write (null: it did not exist). */
export interface PendingItem {
  readonly table: string;
  readonly key: Record<string, unknown>;
  readonly before: Record<string, unknown> | null;
}

/** One write's effect on one item, as change capture saw it (images in DynamoDB JSON). */
export interface CapturedChange {
  readonly table: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: Record<string, unknown>;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  readonly userIdentity?: { readonly type: string; readonly principalId: string };
}

const SERIALIZATION_EXCEPTION = 'com.amazon.coral.service#SerializationException';

/**
 * dynalite answers a body that is empty or not JSON with a bare
 * `{"__type":"...#SerializationException"}`, and one over 16 MiB with an empty 413; an SDK
 * error without a message tells the user nothing. The message is added, with the body's
 * CRC32 (`x-amz-crc32`, which botocore checks) and length recomputed.
 */
function withMessage(answer: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  answer.on('data', (chunk: Buffer) => chunks.push(chunk));
  answer.on('end', () => {
    let body = Buffer.concat(chunks);
    const status = answer.statusCode ?? 400;
    if (status === 413) {
      const message = 'Request body must be smaller than 16 MiB (16,777,216 bytes).';
      body = Buffer.from(JSON.stringify({ __type: 'com.amazon.coral.service#RequestEntityTooLarge', Message: message, message }));
    }
    try {
      const error = JSON.parse(body.toString('utf8')) as { __type?: string; message?: string; Message?: string };
      if (error.__type === SERIALIZATION_EXCEPTION && error.message === undefined && error.Message === undefined) {
        const message = 'The request body could not be read as a JSON object: it is empty or not valid JSON.';
        body = Buffer.from(JSON.stringify({ __type: SERIALIZATION_EXCEPTION, Message: message, message }));
      }
    } catch {
      // Not JSON: passed on as dynalite wrote it.
    }
    const { 'transfer-encoding': _chunked, ...headers } = answer.headers;
    res.writeHead(status, {
      ...headers,
      'content-type': answer.headers['content-type'] ?? 'application/x-amz-json-1.0',
      'content-length': String(body.length),
      'x-amz-crc32': String(crc32(body)),
    });
    res.end(body);
  });
}
