// The local DynamoDB's thread: the engine (local/dynamodb/engine/) on its SQLite database,
// behind a loopback port of its own that local functions call directly, so that DynamoDB
// work uses the second core instead of competing with the endpoint's event loop. A write's
// stream records are written in the write's own SQLite transaction (the stream tables are
// in the same database), so a write is never applied without its records, even when the
// process is killed. Started by DynamoDbHost; in a checkout it runs through tsx.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { DatabaseSync } from 'node:sqlite';
import { parentPort } from 'node:worker_threads';
import { AwsError } from '../endpoint/aws-error.js';
import { type GuardSettings, signatureError } from '../endpoint/guard.js';
import { hostPolicy, refusal } from '../endpoint/request-guard.js';
import { verifySignature } from '../endpoint/sigv4.js';
import { isRoleSessionKey, keyRing } from '../iam/session-keys.js';
import { type DataFolderKind, openDatabase } from '../store/data-folder.js';
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from '../store/idempotent-requests.js';
import { DynamoDbEngine, type EngineRequest } from './engine/engine.js';
import { operationOf, sendError, sendResult, withBody } from './engine/http.js';
import type { ItemChange } from './engine/item-operations.js';
import { KINESIS_RECORDS, KinesisDestinations } from './streams/kinesis-destinations.js';
import { type CapturedChange, StreamStore } from './streams/stream-store.js';

export interface EngineWorkerData {
  /** The SQLite file of the tables (and their streams); undefined: in memory. */
  readonly file?: string;
  /** What the file owes the disk. */
  readonly fileKind: DataFolderKind;
  readonly guard?: GuardSettings;
  readonly iam: boolean;
  readonly ttlDeleteToken: string;
  /** Lets a request carry a Step Functions task's key (IDEMPOTENCY_HEADER): known only to the runtime. */
  readonly idempotencyToken: string;
  readonly region: string;
  readonly accountId: string;
  /** `clock.now() - Date.now()` of the runtime's clock, kept up to date by the host. */
  readonly clockOffset: SharedArrayBuffer;
}

function startEngineThread(data: EngineWorkerData): void {
  const port = parentPort;
  if (!port) throw new Error('engine-worker.ts runs as a worker thread');
  const offset = new Float64Array(data.clockOffset);
  const clock = { now: () => Date.now() + (offset[0] ?? 0) };
  const db = openDatabase(data.file ?? ':memory:', data.fileKind);
  const { engine, streamsChanged, committedStreams } = engineOn(db, data, clock);
  const main = askMainThread(port);
  const allowed = new Set<string>();
  const policy = data.guard && hostPolicy({ bindAddress: data.guard.bindAddress, allowHosts: data.guard.allowHosts });
  const secrets = data.guard?.credentials && keyRing(data.guard.credentials);

  const server = createServer((req, res) =>
    withBody(req, res, (body) => {
      serve(req, res, body).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, error);
        else res.destroy();
      });
    }),
  );

  async function serve(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (policy && data.guard) {
      const refused = refusal(req.headers, policy, data.guard.endpointPort);
      if (refused) return sendError(res, new AwsError('AccessDeniedException', refused.message, 403));
    }
    if (secrets) {
      const problem = await verifySignature({ method: req.method ?? 'POST', url: req.url ?? '/', headers: req.headers, body }, secrets);
      if (problem) {
        // The engine answers DynamoDB's JSON protocol, as the endpoint would.
        const { code, status } = signatureError(problem, 'json');
        return sendError(res, new AwsError(code, problem.message, status));
      }
    }
    if (data.iam) {
      const denied = await authorize(main.ask, allowed, req, body);
      if (denied) return sendError(res, new AwsError('AccessDeniedException', denied));
    }
    const operation = operationOf(req);
    if (operation === undefined) return sendError(res, new AwsError('UnknownOperationException', ''));
    const serviceDelete = req.headers['x-switchyard-ttl-delete'] === data.ttlDeleteToken;
    const idempotencyKey = idempotencyKeyOf(req.headers[IDEMPOTENCY_HEADER], data.idempotencyToken);
    queued.push({ operation, body: body.toString('utf8'), serviceDelete, idempotencyKey, res });
    if (queued.length === 1) setImmediate(flush);
  }

  /**
   * The requests that arrived since the last flush, answered together in one SQLite
   * transaction (a group commit: one commit for all), each answer sent once it is committed.
   */
  const queued: (EngineRequest & { res: ServerResponse })[] = [];
  function flush(): void {
    const batch = queued.splice(0);
    const results = engine.handleAll(batch);
    for (const [i, request] of batch.entries()) sendResult(request.res, results[i] as { output: unknown });
    const committed = committedStreams();
    if (committed.length > 0) port?.postMessage({ kind: 'recordsCommitted', streams: committed });
  }

  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => port.postMessage({ port: (server.address() as { port: number }).port }));
  port.on('message', (message: { kind?: string; id?: number } | 'close') => {
    if (message === 'close') {
      server.close(() => {
        db.close();
        port.postMessage('closed');
      });
      server.closeIdleConnections();
    } else if (message.kind === 'streams') streamsChanged();
    else if (message.kind === 'reply') main.settle(message as Reply);
    else if (message.kind === 'iam-changed') allowed.clear();
  });
}

/**
 * The engine on the thread's database, with the tables' streams: their records written in
 * each write's transaction, and which streams got some (told to the main thread once the
 * request's transaction is committed).
 */
function engineOn(db: DatabaseSync, data: EngineWorkerData, clock: { now: () => number }) {
  const streamStore = new StreamStore(db, clock, data.region, data.accountId);
  let streams = streamStore.enabledByTable();
  const kinesis = new KinesisDestinations(db, clock, data.region);
  let destinations = kinesis.enabledByTable();
  const touched = new Set<string>();
  streamStore.onRecords((arn) => touched.add(arn));
  const engine = new DynamoDbEngine(db, {
    region: data.region,
    accountId: data.accountId,
    now: clock.now,
    streams: {
      of: (table) => streams[table],
      enable: (table, viewType, keySchema, fresh) => {
        const existing = streamStore.enabledByTable()[table];
        // The template's tables keep the stream (and label) the runtime declared for them; UpdateTable always starts a new one.
        if (fresh || existing?.viewType !== viewType) streamStore.enable(table, viewType, keySchema);
        streams = streamStore.enabledByTable();
        return streams[table] as { arn: string; label: string; viewType: string };
      },
      disable: (table) => {
        streamStore.disableTable(table);
        streams = streamStore.enabledByTable();
      },
    },
    kinesisDestinations: {
      of: (table) => kinesis.of(table),
      enable: (table, streamArn, precision) => {
        kinesis.enable(table, streamArn, precision);
        destinations = kinesis.enabledByTable();
      },
      disable: (table, streamArn) => {
        kinesis.disable(table, streamArn);
        destinations = kinesis.enabledByTable();
      },
    },
    onChanges: (changes, { serviceDelete }) => {
      const recorded = changes.filter((change) => streams[change.table] !== undefined || destinations[change.table] !== undefined);
      if (recorded.length === 0) return;
      const capturedChanges = recorded.map((change) => captured(change, serviceDelete));
      streamStore.append(capturedChanges);
      // The main thread's outbox is told as the streams' readers are, once the write is committed.
      if (kinesis.append(capturedChanges, destinations) > 0) touched.add(KINESIS_RECORDS);
    },
  });
  return {
    engine,
    /** The main thread changed the streams: read them again. */
    streamsChanged: () => {
      streams = streamStore.enabledByTable();
      destinations = kinesis.enabledByTable();
    },
    /** The streams that got records since last asked. */
    committedStreams: () => {
      const arns = [...touched];
      touched.clear();
      return arns;
    },
  };
}

/** A change as the stream store records it: the event its images make, and who made it. */
function captured(change: ItemChange, serviceDelete: boolean): CapturedChange {
  const eventName = change.oldImage === undefined ? 'INSERT' : change.newImage === undefined ? 'REMOVE' : 'MODIFY';
  return {
    table: change.table,
    eventName,
    keys: change.keys,
    ...(change.newImage ? { newImage: change.newImage } : {}),
    ...(change.oldImage ? { oldImage: change.oldImage } : {}),
    ...(serviceDelete && eventName === 'REMOVE' ? { userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } } : {}),
  };
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: { code: string; message: string };
}

/** Requests to the main thread (IAM decisions), each answered by a `reply` with its id. */
function askMainThread(port: NonNullable<typeof parentPort>) {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let next = 0;
  return {
    ask(message: Record<string, unknown>): Promise<unknown> {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        port.postMessage({ ...message, id });
      });
    },
    settle(reply: Reply): void {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply.result);
    },
  };
}

/**
 * IAM for the requests role sessions sign (local functions call this port directly): the
 * main thread decides (local/iam); the administrator's requests (any other key) go on. A
 * request the policies allowed once is allowed again without asking (a round trip per
 * request costs the pipeline a fifth of its throughput); `iam-changed` forgets them.
 * Answers the refusal's message, or undefined when the request may go on.
 */
async function authorize(
  ask: (message: Record<string, unknown>) => Promise<unknown>,
  allowed: Set<string>,
  req: IncomingMessage,
  body: Buffer,
): Promise<string | undefined> {
  const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
  const target = req.headers['x-amz-target'];
  if (!isRoleSessionKey(accessKeyId) || typeof target !== 'string') return undefined;
  const operation = target.slice(target.indexOf('.') + 1);
  const key = authorizationKey(accessKeyId as string, operation, body);
  if (key !== undefined && allowed.has(key)) return undefined;
  let verdict: { denied?: string; allowed?: boolean } | undefined;
  try {
    verdict = (await ask({ kind: 'authorize', accessKeyId, operation, body: body.toString('utf8') })) as typeof verdict;
  } catch (error) {
    throw new AwsError('InternalServerError', `the local IAM check failed: ${(error as Error).message}`, 500);
  }
  if (verdict?.denied) return verdict.denied;
  if (verdict?.allowed && key !== undefined) allowed.add(key);
  return undefined;
}

/** What IAM decides a request on: who signed it, the operation, the tables (and index, stream, statements) it names. */
function authorizationKey(accessKeyId: string, operation: string, body: Buffer): string | undefined {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof input !== 'object' || input === null) return undefined;
  const transact = Array.isArray(input.TransactItems)
    ? input.TransactItems.map((item: Record<string, { TableName?: unknown } | undefined> | null) =>
        Object.entries(item ?? {}).map(([kind, request]) => `${kind}:${String(request?.TableName)}`),
      )
    : [];
  const batch = input.RequestItems && typeof input.RequestItems === 'object' ? Object.keys(input.RequestItems) : [];
  // A PartiQL statement's text names its tables and what it does to them.
  const statements = [input.Statements, input.TransactStatements].flatMap((list) =>
    Array.isArray(list) ? list.map((member: { Statement?: unknown } | null) => member?.Statement) : [],
  );
  return JSON.stringify([
    accessKeyId,
    operation,
    input.TableName,
    input.IndexName,
    input.StreamArn,
    batch,
    transact,
    input.Statement,
    statements,
  ]);
}

// Configured by its first message (DynamoDbHost.start): the thread may be begun before the runtime knows its options (engine-thread.ts).
parentPort?.once('message', (message: { readonly kind: 'configure'; readonly data: EngineWorkerData }) => startEngineThread(message.data));
