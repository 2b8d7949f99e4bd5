// Runs one Lambda function's code inside a worker thread, one invocation at a time, as one
// Lambda execution environment does: module resolution as the managed runtime has it
// (module-resolution.mjs), the handler loaded as the runtime interface client loads it
// (user-function.mjs), then invocations with Lambda's context object. Plain JavaScript:
// it is loaded by worker_threads directly, without the TypeScript loader the runtime runs under.
import { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { formatConsoleAsLambda, logRecord } from './console-format.mjs';
import { resolveHostPrefixes } from './endpoint-host-prefix.mjs';
import { installModuleResolution } from './module-resolution.mjs';
import { loadHandler, runtimeError } from './user-function.mjs';

const {
  taskRoot,
  handlerString,
  runtime,
  layerRoots,
  sdkRoots,
  sdkUnavailable,
  functionName,
  functionVersion,
  invokedFunctionArn,
  memoryLimitInMB,
  logGroupName,
  logStreamName,
  logging,
} = workerData;

/**
 * nodejs24.x runs the new runtime interface client: async handlers only, a context without
 * done/succeed/fail. Older Node.js runtimes keep callback handlers and those methods.
 */
const legacyCallbacks = /^nodejs(\d+)/.test(runtime) && Number(/^nodejs(\d+)/.exec(runtime)[1]) < 24;

function serializeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: traceOf(error),
    };
  }
  // Lambda reports a thrown non-Error by its JavaScript type.
  return { errorType: typeof error, errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)), trace: [] };
}

/** This runtime's own modules (this worker and what it imports), as a stack names them: by URL, or by path when loaded as CommonJS. */
const RUNTIME_FOLDER = new URL('.', import.meta.url);
const RUNTIME_FILES = [RUNTIME_FOLDER.href, fileURLToPath(RUNTIME_FOLDER)];

/**
 * An error's stack as the trace Lambda reports: the function's frames, up to the frame of the
 * runtime that called the handler. Lambda's trace ends in one frame of its own runtime
 * interface client (`at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:...)`),
 * which the clients leave out (clients/lambda-error.ts); this worker's frames and Node's
 * message-port frames below them are not Lambda's, so they are not sent. A stack with no frame
 * of the function's above the runtime's (the runtime's own errors, Runtime.*) is kept whole.
 */
function traceOf(error) {
  const lines = (error.stack ?? '').split('\n');
  const isFrame = (line) => /^\s+at /.test(line);
  const runtimeAt = lines.findIndex((line) => isFrame(line) && RUNTIME_FILES.some((file) => line.includes(file)));
  return runtimeAt > 0 && lines.slice(0, runtimeAt).some(isFrame) ? lines.slice(0, runtimeAt) : lines;
}

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

/** The `awslambda` global the runtime gives function code, for response streaming. */
globalThis.awslambda = {
  streamifyResponse(handler, options) {
    handler[STREAMING] = 'response';
    if (options?.highWaterMark !== undefined) handler[HIGH_WATER_MARK] = options.highWaterMark;
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.setContentType('application/vnd.awslambda.http-integration-response');
      stream.write(JSON.stringify(prelude));
      stream.write(new Uint8Array(8));
      return stream;
    },
  },
};

/**
 * What the function writes while an invocation runs, kept for Invoke's log tail; the
 * writes still go to the console as they are.
 */
let captured;
for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream);
  stream.write = (chunk, ...rest) => {
    if (captured !== undefined) captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return write(chunk, ...rest);
  };
}

/**
 * The lines captured since the invocation started, ending the capture (none when it was not
 * asked for), and how many of them ended with a line end: the lines the parent's console
 * reader gets for them, which it waits for before END and REPORT (they travel apart from the answer).
 */
function takeLogLines() {
  if (captured === undefined) return {};
  const text = captured;
  captured = undefined;
  const lines = text.split('\n');
  const consoleLines = lines.length - 1;
  if (lines.at(-1) === '') lines.pop();
  return { logLines: lines.map(logRecord), consoleLines };
}

/** The invocation running now, for the prefix of its console lines (`undefined` during init, as in Lambda). */
let runningRequestId;
const initStarted = performance.now();
let handler;
let streaming = false;
try {
  resolveHostPrefixes(process.env.AWS_ENDPOINT_URL);
  formatConsoleAsLambda(() => runningRequestId, logging);
  installModuleResolution({ taskRoot, layerRoots, sdkRoots, sdkUnavailable, runtime });
  handler = await loadHandler(taskRoot, handlerString);
  if (handler[STREAMING]) {
    if (handler[STREAMING] !== 'response') throw runtimeError('Runtime.MalformedStreamingHandler', 'Only response streaming is supported.');
    streaming = true;
  }
  if (!legacyCallbacks && !streaming && handler.length >= 3) {
    throw runtimeError(
      'Runtime.CallbackHandlerDeprecated',
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  }
  parentPort.postMessage({ type: 'ready', initDurationMs: performance.now() - initStarted });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serializeError(error), initDurationMs: performance.now() - initStarted });
}

/**
 * Runs a response-streaming handler for a buffered Invoke: what it writes to the stream,
 * once the stream ends, is the response (as Invoke answers for a streaming function).
 */
async function invokeStreaming(event, context) {
  const chunks = [];
  const stream = new Writable({
    highWaterMark: handler[HIGH_WATER_MARK],
    write(chunk, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  stream.setContentType = () => {};
  try {
    await handler(event, stream, context);
    if (!stream.writableEnded) stream.end();
    await finished(stream);
    return { result: Buffer.concat(chunks).toString('utf8') };
  } catch (error) {
    return { error };
  }
}

function respond(id, outcome, options = {}) {
  const memoryUsedMb = Math.ceil(getHeapStatistics().used_heap_size / (1024 * 1024));
  const { logLines, consoleLines } = takeLogLines();
  if (outcome.error !== undefined) {
    parentPort.postMessage({ type: 'error', id, error: serializeError(outcome.error), memoryUsedMb, logLines, consoleLines });
    return;
  }
  let payload;
  try {
    // Lambda serializes the result as JSON (undefined becomes null); a stream's bytes go as they are.
    payload = options.raw ? outcome.result : JSON.stringify(outcome.result ?? null);
  } catch {
    parentPort.postMessage({
      type: 'error',
      id,
      error: serializeError(runtimeError('Runtime.JSONStringifyError', 'Unable to stringify response body')),
      memoryUsedMb,
      logLines,
      consoleLines,
    });
    return;
  }
  parentPort.postMessage({ type: 'result', id, payload, memoryUsedMb, logLines, consoleLines });
}

/**
 * What runs once this worker's event loop has nothing left to do: the older runtimes'
 * `beforeExit` listener, one at a time, replaced as their BeforeExitListener is. The port to
 * the runtime is the one thing this worker keeps open for itself, so it stops counting
 * while an answer waits for the loop to empty.
 */
let onEmptyEventLoop;
process.on('beforeExit', () => {
  const run = onEmptyEventLoop;
  onEmptyEventLoop = undefined;
  parentPort.ref();
  if (run) setImmediate(run);
});

function whenEventLoopEmpty(run) {
  onEmptyEventLoop = run;
  parentPort.unref();
}

function stopWaitingForEmptyEventLoop() {
  onEmptyEventLoop = undefined;
  parentPort.ref();
}

/**
 * Runs a handler of the older runtimes (nodejs22.x and before) as their runtime interface
 * client does: `context.done`/`succeed`/`fail` and a returned promise answer at once; the
 * callback answers an error at once and a result once the event loop is empty, unless the
 * function set `context.callbackWaitsForEmptyEventLoop = false`; a handler that returns
 * no promise and calls nothing answers null when the event loop empties (an async one that
 * never settles fails with Runtime.NodeJsExit). Only the first answer counts.
 */
function invokeLegacy(event, context) {
  return new Promise((resolve) => {
    let settled = false;
    let waitsForEmptyEventLoop = true;
    const answer = (outcome) => {
      if (settled) return;
      settled = true;
      stopWaitingForEmptyEventLoop();
      resolve(outcome);
    };
    const done = (error, result) => answer(error === undefined || error === null ? { result } : { error });
    const callback = (error, result) => {
      if ((error !== undefined && error !== null) || !waitsForEmptyEventLoop) done(error, result);
      else if (!settled) whenEventLoopEmpty(() => done(null, result));
    };
    Object.defineProperty(context, 'callbackWaitsForEmptyEventLoop', {
      enumerable: true,
      get: () => waitsForEmptyEventLoop,
      set: (value) => {
        waitsForEmptyEventLoop = value;
      },
    });
    context.done = done;
    context.succeed = (result) => done(null, result);
    context.fail = (error) => done(error ?? 'handled', null);
    // Until something answers, the default listener answers when the event loop empties: null
    // for a handler that is not async, Runtime.NodeJsExit for an async one that never settled.
    const isAsync = handler.constructor.name === 'AsyncFunction';
    whenEventLoopEmpty(() =>
      answer(isAsync ? { error: runtimeError('Runtime.NodeJsExit', 'Runtime exited without providing a reason') } : { result: null }),
    );
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(context.succeed, context.fail);
    } catch (error) {
      callback(error);
    }
  });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const { id, event, requestId, deadline, clientContext } = message;
  runningRequestId = requestId;
  // As Lambda sets it for each invocation: the AWS SDK sends it on as X-Amzn-Trace-Id (with AWS_LAMBDA_FUNCTION_NAME set).
  if (message.traceHeader) process.env._X_AMZN_TRACE_ID = message.traceHeader;
  else delete process.env._X_AMZN_TRACE_ID;
  captured = message.captureLog ? '' : undefined;
  const context = {
    functionName,
    functionVersion: message.functionVersion ?? functionVersion,
    invokedFunctionArn: message.invokedFunctionArn ?? invokedFunctionArn,
    clientContext,
    identity: undefined,
    memoryLimitInMB,
    awsRequestId: requestId,
    logGroupName,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  if (streaming) {
    respond(id, await invokeStreaming(event, context), { raw: true });
    return;
  }
  if (legacyCallbacks) {
    respond(id, await invokeLegacy(event, context));
    return;
  }
  try {
    respond(id, { result: await handler(event, context) });
  } catch (error) {
    respond(id, { error });
  }
});
