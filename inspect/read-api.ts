import { createRequire } from 'node:module';
import { READ_API_PREFIX, type ReadApiError } from '../clients/read-api-contract.js';
import { errorCode, noLocalRuntime, type Target } from './aws.js';
import { CliError } from './errors.js';

// node:http required, not imported: an ES module import of it builds its ES facade, which
// reads every export, undici's lazy ones too (about 15 ms of a command's start).
const { request: httpRequest } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

/**
 * GET <endpoint>/_switchyard/v1<path> from the local runtime's read API: its JSON, or a
 * one-line CliError (no runtime there, not a Switchyard runtime, refused, or the API's own
 * error). `notFound` words a 404 NotFound for what was asked.
 */
export function getReadApi<T>(target: Extract<Target, { kind: 'local' }>, pathAndQuery: string, notFound?: () => CliError): Promise<T> {
  return readApiCall<T>(target, 'GET', pathAndQuery, undefined, notFound);
}

/** POST <endpoint>/_switchyard/v1<path> with a JSON body: the read API's actions (a fork), answered and refused as a GET is. */
export function postReadApi<T>(target: Extract<Target, { kind: 'local' }>, path: string, body: unknown): Promise<T> {
  return readApiCall<T>(target, 'POST', path, JSON.stringify(body));
}

async function readApiCall<T>(
  target: Extract<Target, { kind: 'local' }>,
  method: 'GET' | 'POST',
  pathAndQuery: string,
  body: string | undefined,
  notFound?: () => CliError,
): Promise<T> {
  let response: { status: number; text: string };
  try {
    response = await httpCall(`${target.endpoint}${READ_API_PREFIX}${pathAndQuery}`, method, body);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH')
      throw noLocalRuntime({ ...target, endpoints: undefined });
    throw new CliError(`cannot reach the local runtime at ${target.endpoint}: ${(error as Error).message}`);
  }
  const text = response.text;
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    throw new CliError(`${target.endpoint} answered ${response.status} without the read API's JSON: is it a Switchyard local runtime?`);
  }
  if (response.status === 404 && (answer as ReadApiError).error === 'NotFound' && notFound) throw notFound();
  if (response.status === 403) {
    // The endpoint's guard: a foreign Host or Origin, or (from another machine, under --verify-signatures) no signature.
    throw new CliError(
      `${target.endpoint} refused the ${method === 'GET' ? 'read' : 'request'}: ${(answer as { message?: string }).message ?? text}`,
    );
  }
  if (response.status !== 200 && typeof (answer as Partial<ReadApiError>).error !== 'string') {
    throw new CliError(
      `${target.endpoint} does not serve the read API (${READ_API_PREFIX}): is it an older Switchyard runtime, or another endpoint?`,
    );
  }
  if (response.status !== 200) {
    const error = answer as ReadApiError;
    throw new CliError(`the read API answered ${response.status}: ${error.message ?? text}`, response.status === 400 ? 2 : 1);
  }
  return answer as T;
}

/** A GET with node:http (fetch refuses some ports a runtime may listen on). */
export function httpGet(url: string): Promise<{ status: number; text: string }> {
  return httpCall(url, 'GET', undefined);
}

function httpCall(url: string, method: 'GET' | 'POST', body: string | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': 'application/json' };
    const request = httpRequest(url, { method, headers, timeout: 60_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 60 s')));
    request.on('error', reject);
    request.end(body);
  });
}
