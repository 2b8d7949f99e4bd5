import { AwsError } from '../endpoint/aws-error.js';

// The parts of an Invoke request and answer Lambda's REST API carries in headers.

/** How much of the invocation's log `LogType: Tail` returns. */
const LOG_TAIL_BYTES = 4096;
/** Invoke's limit on `ClientContext` (base64 data). */
const MAX_CLIENT_CONTEXT_BYTES = 3583;

/** The last 4 KB of an invocation's log, base64-encoded, as Invoke's `X-Amz-Log-Result`. */
export function logTail(lines: readonly string[]): string {
  const log = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'utf8');
  return log.subarray(Math.max(0, log.length - LOG_TAIL_BYTES)).toString('base64');
}

/** Invoke's `X-Amz-Client-Context`: base64 JSON, which the function gets decoded as `context.clientContext`. */
export function decodeClientContext(encoded: string | undefined): unknown {
  if (encoded === undefined || encoded === '') return undefined;
  if (Buffer.byteLength(encoded) > MAX_CLIENT_CONTEXT_BYTES) {
    throw new AwsError(
      'InvalidRequestContentException',
      `Client context must be at most ${MAX_CLIENT_CONTEXT_BYTES} bytes of base64-encoded data; it is ${Buffer.byteLength(encoded)} bytes`,
    );
  }
  const invalid = new AwsError('InvalidRequestContentException', 'Client context must be a valid Base64-encoded JSON object.');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) throw invalid;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid;
    return parsed;
  } catch {
    throw invalid;
  }
}
