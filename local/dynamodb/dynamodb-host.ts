import { randomUUID } from 'node:crypto';
import { Agent, type IncomingMessage, request, type ServerResponse } from 'node:http';
import * as path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import type { GuardSettings } from '../endpoint/guard.js';
import type { DataFolderKind } from '../store/data-folder.js';
import { type Clock, systemClock } from '../time/clock.js';
import { startEngineThread, takeEarlyEngineThread } from './engine-thread.js';
import type { EngineWorkerData } from './engine-worker.js';

/** How often the runtime's clock is passed to the engine's thread (its records' times; the endpoint's requests pass it too). */
const CLOCK_SYNC_MS = 20;

/**
 * DynamoDB, served by the local engine (local/dynamodb/engine/, on node:sqlite) in a worker
 * thread on a loopback port of its own. Local functions are pointed straight at it
 * (AWS_ENDPOINT_URL_DYNAMODB), so their DynamoDB traffic never touches the endpoint's
 * thread; other clients reach it through the endpoint, which forwards `DynamoDB_20120810.*`
 * requests. With a folder, tables live on disk (`tables.sqlite`) and survive restarts.
 */
export class DynamoDbHost {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 64 });
  #answer?: (request: WorkerRequest) => Promise<unknown>;
  readonly #waiting: WorkerRequest[] = [];
  readonly #recordListeners = new Set<(streamArns: readonly string[]) => void>();

  private constructor(
    private readonly worker: Worker,
    /** Where the engine listens, e.g. `http://127.0.0.1:41234`. */
    readonly url: string,
    /** Marks a DeleteItem as made by the time-to-live sweep (header `x-switchyard-ttl-delete`), whose stream record names DynamoDB as its maker. */
    readonly ttlDeleteToken: string,
    /** Lets a request carry a Step Functions task's key (header IDEMPOTENCY_HEADER, local/store/idempotent-requests.ts): the engine does each keyed write once. */
    readonly idempotencyToken: string,
    /** The SQLite file of the tables and their streams; undefined when they are in memory. */
    readonly file: string | undefined,
    private readonly syncClock: () => void,
    private readonly clockTimer: NodeJS.Timeout,
  ) {
    worker.on('message', (message: WorkerRequest | { kind: 'recordsCommitted'; streams: string[] } | 'closed') => {
      if (typeof message !== 'object' || message === null || !('kind' in message)) return;
      if (message.kind === 'recordsCommitted') {
        for (const listener of this.#recordListeners) listener(message.streams);
        return;
      }
      if (this.#answer) this.#reply(message);
      else this.#waiting.push(message);
    });
  }

  /** Answers what the engine's thread asks (IAM decisions); requests that came before are answered now. */
  serve(answer: (request: WorkerRequest) => Promise<unknown>): void {
    this.#answer = answer;
    for (const waiting of this.#waiting.splice(0)) this.#reply(waiting);
  }

  /** Called with the streams that got records, after the write that made them is committed. */
  onRecordsCommitted(listener: (streamArns: readonly string[]) => void): void {
    this.#recordListeners.add(listener);
  }

  /** Tells the engine's thread that IAM's policies changed: the requests it saw allowed are asked about again. */
  forgetAuthorizations(): void {
    this.worker.postMessage({ kind: 'iam-changed' });
  }

  /** Tells the engine's thread that the streams changed (it reads them again from the database). */
  streamsChanged(): void {
    this.worker.postMessage({ kind: 'streams' });
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

  /** Starts the engine's thread and resolves once it answers a request. */
  static async start(
    options: {
      /** The data folder's DynamoDB folder: the tables are kept in `tables.sqlite` there. Without one, in memory. */
      folder?: string;
      /** What the folder's database owes the disk (DataFolderKind). @default 'kept' */
      folderKind?: DataFolderKind;
      /** The endpoint's Host, Origin and signature checks, applied to the engine's own port too. */
      guard?: GuardSettings;
      /** Ask the main thread (`authorize` requests) whether a role session may make each request. @default false */
      iam?: boolean;
      /** The runtime's clock (stream records' times, transaction tokens). @default the system clock */
      clock?: Clock;
      region?: string;
      accountId?: string;
    } = {},
  ): Promise<DynamoDbHost> {
    const ttlDeleteToken = randomUUID();
    const idempotencyToken = randomUUID();
    const clock = options.clock ?? systemClock;
    const clockOffset = new SharedArrayBuffer(8);
    const offset = new Float64Array(clockOffset);
    const syncClock = () => {
      offset[0] = clock.now() - Date.now();
    };
    syncClock();
    const file = options.folder ? path.join(options.folder, 'tables.sqlite') : undefined;
    const workerData: EngineWorkerData = {
      file,
      fileKind: options.folderKind ?? 'kept',
      guard: options.guard,
      iam: options.iam === true,
      ttlDeleteToken,
      idempotencyToken,
      region: options.region ?? 'us-east-1',
      accountId: options.accountId ?? '000000000000',
      clockOffset,
    };
    // The thread `switchyard dev` began before the runtime's modules loaded, else a new one; either opens its database once configured.
    const worker = (await takeEarlyEngineThread()) ?? (await startEngineThread());
    worker.postMessage({ kind: 'configure', data: workerData });
    const where = file ? ` in ${file}` : '';
    let failed: (error: Error) => void = () => {};
    const failure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    const onError = (error: Error) => failed(new Error(`DynamoDB failed while starting${where}: ${error.message}`));
    const onExit = (code: number) => failed(new Error(`DynamoDB stopped with code ${code} while starting${where}`));
    worker.on('error', onError);
    worker.on('exit', onExit);
    const timer = setInterval(syncClock, CLOCK_SYNC_MS);
    timer.unref();
    try {
      const port = await Promise.race([
        new Promise<number>((resolve) => {
          worker.once('message', (message: { port?: number }) => {
            if (message.port !== undefined) resolve(message.port);
          });
        }),
        failure,
      ]);
      const host = new DynamoDbHost(worker, `http://127.0.0.1:${port}`, ttlDeleteToken, idempotencyToken, file, syncClock, timer);
      await Promise.race([host.#answers(options.guard?.credentials?.[0]), failure]);
      return host;
    } catch (error) {
      clearInterval(timer);
      await worker.terminate();
      throw error;
    } finally {
      worker.off('error', onError);
      worker.off('exit', onExit);
    }
  }

  /**
   * Resolves once the engine answers ListTables (signed with the guard's key when it checks signatures).
   * Asked on the thread's loopback port, where the engine speaks only DynamoDB's JSON protocol, before
   * the module's own client of it exists: the SDK is that protocol's client (an allowed exception of
   * test/architecture.test.ts), and the worker's message channel carries only IAM's questions.
   */
  async #answers(
    credentials: { accessKeyId: string; secretAccessKey: string } = { accessKeyId: 'local', secretAccessKey: 'local' },
  ): Promise<void> {
    const client = new DynamoDBClient({ endpoint: this.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
    } catch (error) {
      throw new Error(`DynamoDB did not answer ListTables while starting: ${(error as Error).message}`);
    } finally {
      client.destroy();
    }
  }

  /** Forwards a request the endpoint received to the engine, streaming both ways. */
  get handler(): (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void {
    const { port } = new URL(this.url);
    return (req, res, body) => {
      this.syncClock();
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
    clearInterval(this.clockTimer);
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

/** What the engine's thread asks the main thread. */
export type WorkerRequest = { readonly id: number } & {
  /** May the role session signing with this key make this request? Answered `{ denied?: message, allowed? }`. */
  readonly kind: 'authorize';
  readonly accessKeyId: string;
  readonly operation: string;
  readonly body: string;
};
