// Runs dynalite in its own thread, so that DynamoDB work (expression parsing, LevelDB)
// uses the second core instead of competing with the endpoint's event loop. Plain
// JavaScript: worker_threads loads it without the TypeScript loader.
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';
import { hostPolicy, refusal } from '../endpoint/request-guard.mjs';
import { verifySignature } from '../endpoint/sigv4.mjs';
import { isRoleSessionKey, keyRing } from '../iam/session-keys.mjs';
import { captureChanges } from './change-capture.mjs';
import { returnValuesOnConditionCheckFailure } from './dynalite-conditions.mjs';

// dynalite opens its LevelDB lazily and, when that fails (another process still has the
// folder's LOCK), dies on the first request, which the endpoint then sees as ECONNREFUSED.
// The database is opened once here first: a lock held by a runtime that is still exiting is
// waited for; any other failure is reported, instead of a port that does not answer.
const failure = workerData.folder ? await openOnce(workerData.folder) : undefined;
if (failure) parentPort.postMessage({ error: failure });
else start();

/** Opens and closes the folder's LevelDB; what went wrong, if it cannot be opened. */
async function openOnce(folder) {
  const { Level } = createRequire(createRequire(import.meta.url).resolve('dynalite'))('level');
  const deadline = Date.now() + workerData.lockedWaitMs;
  for (;;) {
    const probe = new Level(folder);
    try {
      await probe.open();
      await probe.close();
      return undefined;
    } catch (error) {
      const cause = error.cause ?? error;
      if (cause.code !== 'LEVEL_LOCKED' || Date.now() > deadline) return `${cause.code ?? error.code}: ${cause.message}`;
      await sleep(100);
    }
  }
}

function start() {
  returnValuesOnConditionCheckFailure();
  const server = dynalite({ path: workerData.folder, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  server.keepAliveTimeout = 60_000;
  answerWhatDynaliteThrows(server);
  const main = askMainThread();
  const capture = captureChanges(server, { ask: main.ask, ttlDeleteToken: workerData.ttlDeleteToken });
  // Inside the guard: a request's signature is checked before IAM reads who signed it.
  const allowed = new Set();
  if (workerData.iam) authorizeRequests(server, main.ask, allowed);
  if (workerData.guard) guardRequests(server, workerData.guard);
  server.listen(0, '127.0.0.1', () => {
    parentPort.postMessage({ port: server.address().port });
    // Asked after the port (the first message the host reads), answered once the main thread serves: a kill's pending writes get their records.
    capture.recover().catch((error) => console.error(`[dynamodb] pending writes left by a kill could not be settled: ${error.stack}`));
  });
  parentPort.on('message', (message) => {
    if (message === 'close') server.close(() => parentPort.postMessage('closed'));
    else if (message?.kind === 'streams') capture.setStreams(message.streams);
    else if (message?.kind === 'reply') main.settle(message);
    else if (message?.kind === 'iam-changed') allowed.clear();
  });
}

/** Requests to the main thread (stream records to commit, time-to-live settings), each answered by a `reply` with its id. */
function askMainThread() {
  const pending = new Map();
  let next = 0;
  return {
    ask(message) {
      const id = ++next;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        parentPort.postMessage({ ...message, id });
      });
    },
    settle(reply) {
      const waiting = pending.get(reply.id);
      if (!waiting) return;
      pending.delete(reply.id);
      if (reply.error) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
      else waiting.resolve(reply.result);
    },
  };
}

/** DynamoDB's codes for each signature problem (sigv4.mjs). */
const SIGNATURE_ERRORS = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  unknownKey: 'UnrecognizedClientException',
  mismatch: 'InvalidSignatureException',
  expired: 'InvalidSignatureException',
};

/**
 * Local functions call this port directly, and anything on the machine (a web page too:
 * dynalite grants every origin CORS) can find it: it refuses what the endpoint refuses.
 * @param {import('../endpoint/guard.js').GuardSettings} settings
 */
function guardRequests(server, settings) {
  const policy = hostPolicy({ bindAddress: settings.bindAddress, allowHosts: settings.allowHosts });
  const secrets = settings.credentials && keyRing(settings.credentials);
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  const handle = (req, res) => {
    for (const handler of handlers) handler.call(server, req, res);
  };
  server.on('request', (req, res) => {
    const refused = refusal(req.headers, policy, settings.endpointPort);
    if (refused) return answer(res, 403, 'AccessDeniedException', refused.message);
    if (!secrets) return handle(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const problem = await verifySignature({ method: req.method, url: req.url, headers: req.headers, body }, secrets);
      if (problem) return answer(res, 400, SIGNATURE_ERRORS[problem.kind], problem.message);
      // dynalite reads the request as a stream: it gets one that replays the body already read.
      const replay = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
      replay.end(body);
      handle(replay, res);
    });
  });
}

/**
 * IAM for the requests role sessions sign (local functions call this port directly): the
 * main thread decides (local/iam), and a refusal is answered as DynamoDB answers one.
 * The administrator's requests (any other key) go straight on.
 */
function authorizeRequests(server, ask, allowed) {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  const handle = (req, res) => {
    for (const handler of handlers) handler.call(server, req, res);
  };
  server.on('request', (req, res) => {
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
    const target = req.headers['x-amz-target'];
    if (!isRoleSessionKey(accessKeyId) || typeof target !== 'string') return handle(req, res);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const operation = target.slice(target.indexOf('.') + 1);
      const key = authorizationKey(accessKeyId, operation, body);
      if (key === undefined || !allowed.has(key)) {
        let verdict;
        try {
          verdict = await ask({ kind: 'authorize', accessKeyId, operation, body: body.toString('utf8') });
        } catch (error) {
          return answer(res, 500, 'InternalServerError', `the local IAM check failed: ${error.message}`);
        }
        if (verdict?.denied) return answer(res, 400, 'AccessDeniedException', verdict.denied);
        if (verdict?.allowed && key !== undefined) allowed.add(key);
      }
      const replay = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
      replay.end(body);
      handle(replay, res);
    });
  });
}

/**
 * What IAM decides a request on: who signed it, the operation and the tables (and index,
 * stream) it names. A request the policies allowed once is allowed again without asking the
 * main thread (a round trip per request costs the pipeline a fifth of its throughput); the
 * main thread says `iam-changed` when the policies change. Undefined for a body that is not JSON.
 */
function authorizationKey(accessKeyId, operation, body) {
  let input;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof input !== 'object' || input === null) return undefined;
  const transact = Array.isArray(input.TransactItems)
    ? input.TransactItems.map((item) => Object.entries(item ?? {}).map(([kind, request]) => `${kind}:${request?.TableName}`))
    : [];
  const batch = input.RequestItems && typeof input.RequestItems === 'object' ? Object.keys(input.RequestItems) : [];
  return JSON.stringify([accessKeyId, operation, input.TableName, input.IndexName, input.StreamArn, batch, transact]);
}

function answer(res, status, code, message) {
  const body = JSON.stringify({ __type: `com.amazon.coral.service#${code}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': code,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * dynalite throws, where no one catches it, an error its request checks did not expect (GetItem
 * with a null attribute value: `Key: {"pk": null}`) and any error of the request stream (a
 * client that went away); either would end this thread and DynamoDB with it. The first comes
 * from a request DynamoDB cannot read and is answered as DynamoDB answers one; the second
 * has no one left to answer.
 */
function answerWhatDynaliteThrows(server) {
  const [handleRequest] = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const on = req.on.bind(req);
    req.on = (event, listener) => {
      if (event === 'error') return on(event, () => res.destroy());
      return on(event, event === 'end' ? answerCrash(listener, res) : listener);
    };
    handleRequest(req, res);
  });
}

function answerCrash(listener, res) {
  return function (...args) {
    try {
      return listener.apply(this, args);
    } catch (error) {
      if (res.headersSent) return res.destroy();
      const nullValue = error instanceof TypeError && /null/.test(error.message);
      const body = JSON.stringify({
        __type: 'com.amazon.coral.validate#ValidationException',
        message: nullValue
          ? 'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes'
          : 'One or more parameter values were invalid: the request has a value DynamoDB cannot read',
      });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    }
  };
}
