import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import { AwsError } from '../../endpoint/aws-error.js';
import { errorMessageMember } from '../../endpoint/validation/model.js';
import type { DynamoDbEngine } from './engine.js';
import { DynamoDbError } from './errors.js';

const TARGET_PREFIX = 'DynamoDB_20120810.';
/** DynamoDB's JSON bodies are at most 16 MB. */
const MAX_BODY = 16 * 1024 * 1024;

/** The namespace DynamoDB names each error's `__type` in. */
function errorType(code: string): string {
  if (code === 'ValidationException') return `com.amazon.coral.validate#${code}`;
  if (
    [
      'SerializationException',
      'RequestEntityTooLarge',
      'UnknownOperationException',
      'IncompleteSignatureException',
      'InvalidSignatureException',
      'AccessDeniedException',
      'UnrecognizedClientException',
      'MissingAuthenticationTokenException',
    ].includes(code)
  ) {
    return `com.amazon.coral.service#${code}`;
  }
  return `com.amazonaws.dynamodb.v20120810#${code}`;
}

const REQUEST_ID_CHARACTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const REQUEST_ID_LENGTH = 52;
/** Each byte's character (the byte modulo the 36 characters, as before), so an id is a lookup per byte. */
const REQUEST_ID_BYTE = Buffer.from(Array.from({ length: 256 }, (_, byte) => REQUEST_ID_CHARACTERS.charCodeAt(byte % 36)));
/** Random bytes for 128 ids, drawn at once: one draw and a 52-element array per answer cost the engine's thread ~5 µs. */
const randomPool = Buffer.alloc(REQUEST_ID_LENGTH * 128);
let poolOffset = randomPool.length;

/** A request id as DynamoDB writes them: 52 capital letters and digits. */
function requestId(): string {
  if (poolOffset + REQUEST_ID_LENGTH > randomPool.length) {
    randomFillSync(randomPool);
    poolOffset = 0;
  }
  const id = Buffer.allocUnsafe(REQUEST_ID_LENGTH);
  for (let i = 0; i < REQUEST_ID_LENGTH; i++) id[i] = REQUEST_ID_BYTE[randomPool[poolOffset + i] as number] as number;
  poolOffset += REQUEST_ID_LENGTH;
  return id.toString('latin1');
}

/** Sends a JSON 1.0 answer with DynamoDB's headers (its request id, which SDKs read into `$metadata.requestId`; the CRC32 botocore checks). */
export function sendJson(res: ServerResponse, status: number, payload: unknown): void {
  // The text as it is, no Buffer of it: crc32 and byteLength read its UTF-8, and `end` sends the
  // head and the text as one string write (a Buffer body goes as a second chunk of a writev).
  const body = JSON.stringify(payload);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': String(Buffer.byteLength(body)),
    'x-amzn-requestid': requestId(),
    'x-amz-crc32': String(crc32(body)),
  });
  res.end(body);
}

/** DynamoDB's error body: `__type` and its text (in the member its shape declares), and whatever the error carries beside them. */
export function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof AwsError) {
    const members = error instanceof DynamoDbError ? error.members : {};
    const payload = { __type: errorType(error.code), [errorMessageMember('dynamodb', error.code)]: error.message, ...members };
    sendJson(res, error.status, payload);
    return;
  }
  console.error(`[dynamodb] a request failed inside the engine: ${(error as Error)?.stack ?? String(error)}`);
  sendJson(res, 500, {
    __type: errorType('InternalServerError'),
    message: `the local DynamoDB failed: ${(error as Error)?.message ?? String(error)}`,
  });
}

/** The operation a request names in its X-Amz-Target (`DynamoDB_20120810.PutItem`), or undefined. */
export function operationOf(req: IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
}

/** Sends the engine's result for a request: its output, or its error in DynamoDB's shape. */
export function sendResult(res: ServerResponse, result: { output: unknown } | { error: unknown }): void {
  if ('error' in result) sendError(res, result.error);
  else sendJson(res, 200, result.output);
}

/** Serves a request whose body has been read: the engine's answer, or its error in DynamoDB's shape. */
export function answer(engine: DynamoDbEngine, req: IncomingMessage, res: ServerResponse, body: Buffer, serviceDelete = false): void {
  const operation = operationOf(req);
  if (operation === undefined) {
    sendError(res, new AwsError('UnknownOperationException', ''));
    return;
  }
  let output: unknown;
  try {
    output = engine.handle(operation, body.toString('utf8'), serviceDelete);
  } catch (error) {
    sendError(res, error);
    return;
  }
  sendJson(res, 200, output);
}

/**
 * Reads a request's body and hands it to `serve`; a body over 16 MiB is answered 413 (read to
 * its end, not kept, so that the keep-alive connection serves the next request).
 */
export function withBody(req: IncomingMessage, res: ServerResponse, serve: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  });
  req.on('error', () => res.destroy());
  req.on('end', () => {
    if (size > MAX_BODY) {
      const message = 'Request body must be smaller than 16 MiB (16,777,216 bytes).';
      sendError(res, new DynamoDbError('RequestEntityTooLarge', message, { Message: message }, 413));
    } else serve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
  });
}

/** A request listener serving the engine (tests'; the worker adds its checks in front). */
export function engineListener(engine: DynamoDbEngine): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => withBody(req, res, (body) => answer(engine, req, res, body));
}
