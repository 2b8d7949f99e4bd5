// Lambda's Node.js runtime (text log format) prefixes every console line a function writes
// with the time, the request id and the level; during init the request id is `undefined`.
// Libraries that write to process.stdout themselves (Powertools' logger) are not prefixed,
// as in Lambda. Plain JavaScript: the worker thread loads it without the TypeScript loader.
import { format } from 'node:util';

const LEVELS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };

/** @param {() => string | undefined} currentRequestId the request id of the invocation running now */
export function formatConsoleAsLambda(currentRequestId) {
  for (const [method, level] of Object.entries(LEVELS)) {
    const stream = level === 'INFO' || level === 'DEBUG' ? process.stdout : process.stderr;
    console[method] = (...args) => {
      let message = format(...args);
      if (method === 'trace') message = `Trace: ${message}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`;
      stream.write(`${new Date().toISOString()}\t${currentRequestId()}\t${level}\t${message}\n`);
    };
  }
}
