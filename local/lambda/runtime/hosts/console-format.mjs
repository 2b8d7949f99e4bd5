// Lambda's Node.js runtime (text log format) prefixes every console line a function writes
// with the time, the request id and the level; during init the request id is `undefined`.
// With the JSON log format (LoggingConfig.LogFormat), each line is instead one JSON object
// (`timestamp`, `level`, `requestId`, `message`), and lines below the function's
// ApplicationLogLevel (INFO unless set) are dropped.
// Libraries that write to process.stdout themselves (Powertools' logger) are not prefixed,
// as in Lambda. Plain JavaScript: the worker thread loads it without the TypeScript loader.
import { format } from 'node:util';

/**
 * Lambda's runtime writes each console call as one record, so a multi-line message (an
 * object, a stack) is one log event. On stdout it marks the line breaks inside a record with
 * a carriage return (aws-lambda-nodejs-runtime-interface-client, StdoutLogger), as here.
 */
const RECORD_BREAK = '\r';

/**
 * A line written to stdout or stderr as the record it is, with its own line breaks back
 * (what CloudWatch Logs, the Invoke log tail and the console show). A carriage return
 * ending a line (CRLF written by the function itself) stays as it was.
 * @param {string} line
 */
export function logRecord(line) {
  return line.replace(/\r(?!$)/g, '\n');
}

const LEVELS = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
const SEVERITY = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };

/**
 * @param {() => string | undefined} currentRequestId the request id of the invocation running now
 * @param {{ logFormat?: string, applicationLogLevel?: string }} [logging] the function's LoggingConfig
 */
export function formatConsoleAsLambda(currentRequestId, logging = {}) {
  const json = logging.logFormat === 'JSON';
  const threshold = SEVERITY[logging.applicationLogLevel ?? 'INFO'] ?? SEVERITY.INFO;
  for (const [method, level] of Object.entries(LEVELS)) {
    const stream = level === 'INFO' || level === 'DEBUG' ? process.stdout : process.stderr;
    if (json && SEVERITY[level] < threshold) {
      console[method] = () => {};
      continue;
    }
    console[method] = (...args) => {
      let message = format(...args);
      if (method === 'trace') message = `Trace: ${message}\n${new Error().stack?.split('\n').slice(2).join('\n') ?? ''}`;
      const timestamp = new Date().toISOString();
      if (json) stream.write(`${JSON.stringify({ timestamp, level, requestId: currentRequestId(), message })}\n`);
      else stream.write(`${timestamp}\t${currentRequestId()}\t${level}\t${message.replaceAll('\n', RECORD_BREAK)}\n`);
    };
  }
}
