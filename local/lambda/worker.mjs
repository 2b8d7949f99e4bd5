// Runs one Lambda function's bundle inside a worker thread, one invocation at a time,
// as one Lambda execution environment does. Plain JavaScript: it is loaded by
// worker_threads directly, without the TypeScript loader the runtime runs under.
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { entry, handlerName, functionName, functionVersion, invokedFunctionArn, memoryLimitInMB, logGroupName, logStreamName } = workerData;

function serializeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  // Lambda reports a thrown non-Error by its JavaScript type.
  return { errorType: typeof error, errorMessage: typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error)), trace: [] };
}

let handler;
try {
  const module = await import(pathToFileURL(entry).href);
  handler = module[handlerName];
  if (typeof handler !== 'function') {
    const error = new Error(`${entry.split('/').pop()}.${handlerName} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: serializeError(error) });
}

parentPort.on('message', async (message) => {
  if (message.type !== 'invoke') return;
  const { id, event, requestId, deadline } = message;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion,
    invokedFunctionArn,
    memoryLimitInMB,
    awsRequestId: requestId,
    logGroupName,
    logStreamName,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    // Lambda serializes the result as JSON; undefined becomes null.
    parentPort.postMessage({ type: 'result', id, payload: JSON.stringify(result ?? null) });
  } catch (error) {
    parentPort.postMessage({ type: 'error', id, error: serializeError(error) });
  }
});
