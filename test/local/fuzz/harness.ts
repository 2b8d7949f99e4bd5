import { request } from 'node:http';
import fc from 'fast-check';

/**
 * Sending fuzzed requests and judging the answers: the protocol-level properties every
 * answer must have, whatever the input.
 */

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** The fixed seed every run uses, and the random one printed when it fails. */
const FIXED_SEED = 20_261_122;

/**
 * Runs per property and seed: `npm run test:fuzz` (FUZZ_RUNS=60, which CI runs; npm test runs no
 * fuzzer, vitest.config.ts) and `FUZZ_RUNS=1000` for a deep run by hand; 3 when a file is run
 * alone without FUZZ_RUNS, every operation fuzzed with both seeds in seconds.
 */
export const FUZZ_RUNS = fuzzRuns(process.env.FUZZ_RUNS);

function fuzzRuns(setting: string | undefined): number {
  if (setting === undefined) return 3;
  const runs = Number(setting);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`FUZZ_RUNS is "${setting}"; it must be a whole number of runs, 1 or more (FUZZ_RUNS=60)`);
  return runs;
}

/**
 * Checks a property with the fixed seed and a random one (or only `FUZZ_SEED` when set),
 * naming the seed that failed so the run can be replayed.
 */
export async function assertWithSeeds<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs = FUZZ_RUNS): Promise<void> {
  const replay = process.env.FUZZ_SEED;
  const seeds = replay === undefined ? [FIXED_SEED, Math.floor(Math.random() * 2 ** 31)] : [Number(replay)];
  for (const seed of seeds) {
    try {
      await fc.assert(fc.asyncProperty(arbitrary, check), { seed, numRuns: runs, endOnFailure: true });
    } catch (error) {
      const cause = (error as Error).cause;
      const reason = cause instanceof Error ? `\n${cause.message}` : '';
      throw new Error(`fuzz property failed; replay with FUZZ_SEED=${seed}${reason}\n${(error as Error).message.slice(0, 2000)}`);
    }
  }
}

/** Sends one request; a reset, a hang (over 25 s: a valid ReceiveMessage may long-poll 20 s) or a malformed answer fails it. */
const ANSWER_TIMEOUT_MS = 25_000;

export function send(
  baseUrl: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  const { hostname, port } = new URL(baseUrl);
  const body = options.body ?? '';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        // The path exactly as generated: a URL object would resolve `.` and `..` segments.
        hostname,
        port,
        path: options.path ?? '/',
        method: options.method ?? 'POST',
        headers: { 'content-length': String(Buffer.byteLength(body)), ...options.headers },
        // A fresh connection per request: one request's failure cannot hide in another's socket.
        agent: false,
        timeout: ANSWER_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS / 1000} s to ${options.method ?? 'POST'} ${options.path ?? '/'}`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A SigV4 header in form only: the endpoint does not check signatures, dynalite wants one there. */
const AUTHORIZATION = (service: string) =>
  `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;

export function jsonRequest(baseUrl: string, target: string, version: '1.0' | '1.1', body: string): Promise<Answer> {
  const headers = {
    'x-amz-target': target,
    'content-type': `application/x-amz-json-${version}`,
    authorization: AUTHORIZATION('any'),
    'x-amz-date': '20260101T000000Z',
  };
  return send(baseUrl, { headers, body });
}

export function formRequest(baseUrl: string, form: URLSearchParams | string, signingName?: string): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  if (signingName)
    headers.authorization = `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${signingName}/aws4_request, SignedHeaders=host, Signature=0`;
  return send(baseUrl, { headers, body: form.toString() });
}

const describeCase = (what: unknown, answer: Answer) =>
  `${typeof what === 'string' ? what : JSON.stringify(what)?.slice(0, 500)}\n-> ${answer.status} ${answer.body.slice(0, 500)}`;

/** Errors AWS itself answers with an empty message (the local services reproduce that). */
const AWS_ERRORS_WITHOUT_MESSAGE = new Set(['ParameterNotFound', 'InvalidCiphertextException']);

/** An answer of AWS's JSON protocols: 2xx, or a 4xx with `__type`, `message` and `x-amzn-errortype`. */
export function expectJsonAnswer(
  answer: Answer,
  input: unknown,
  invalid: string | undefined,
  options: { requireMessage?: boolean; requireErrorTypeHeader?: boolean } = {},
): void {
  if (answer.status >= 500) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  if (invalid !== undefined && answer.status < 300)
    throw new Error(`accepted an invalid input (${invalid}): ${describeCase(input, answer)}`);
  if (answer.status < 300) return;
  if (answer.status < 400) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new Error(`error answer is not JSON: ${describeCase(input, answer)}`);
  }
  if (typeof body.__type !== 'string' || body.__type === '') throw new Error(`error without __type: ${describeCase(input, answer)}`);
  // SDKs read `message` or `Message` (DynamoDB answers the latter).
  const message = body.message ?? body.Message;
  const blankAllowed = AWS_ERRORS_WITHOUT_MESSAGE.has(body.__type);
  if (options.requireMessage !== false && (typeof message !== 'string' || (message === '' && !blankAllowed))) {
    throw new Error(`error without message: ${describeCase(input, answer)}`);
  }
  if (options.requireErrorTypeHeader !== false && typeof answer.headers['x-amzn-errortype'] !== 'string')
    throw new Error(`error without x-amzn-errortype: ${describeCase(input, answer)}`);
}

/** An answer of the query protocols: 2xx XML, or a 4xx `ErrorResponse` with Type, Code, Message and RequestId. */
export function expectQueryAnswer(answer: Answer, input: unknown, invalid: string | undefined): void {
  if (answer.status >= 500) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  if (invalid !== undefined && answer.status < 300)
    throw new Error(`accepted an invalid input (${invalid}): ${describeCase(input, answer)}`);
  if (!String(answer.headers['content-type'] ?? '').includes('xml')) throw new Error(`answer is not XML: ${describeCase(input, answer)}`);
  if (answer.status < 300) return;
  if (answer.status < 400) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  const shape =
    /^<\?xml[^>]*\?>\s*<ErrorResponse[^>]*>\s*<Error>\s*<Type>(Sender|Receiver)<\/Type>\s*<Code>[^<]+<\/Code>\s*<Message>[^<]*<\/Message>[\s\S]*<\/Error>\s*<RequestId>[^<]+<\/RequestId>\s*<\/ErrorResponse>\s*$/;
  if (!shape.test(answer.body)) throw new Error(`error is not an ErrorResponse: ${describeCase(input, answer)}`);
}

/** An answer of a REST-JSON API (Lambda): 2xx, or a 4xx with `x-amzn-errortype` and a JSON `message`. */
export function expectRestJsonAnswer(answer: Answer, input: unknown, invalid: string | undefined): void {
  if (answer.status >= 500) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  if (invalid !== undefined && answer.status < 300)
    throw new Error(`accepted an invalid input (${invalid}): ${describeCase(input, answer)}`);
  if (answer.status < 300) return;
  if (answer.status < 400) throw new Error(`status ${answer.status} for ${describeCase(input, answer)}`);
  if (typeof answer.headers['x-amzn-errortype'] !== 'string')
    throw new Error(`error without x-amzn-errortype: ${describeCase(input, answer)}`);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    throw new Error(`error answer is not JSON: ${describeCase(input, answer)}`);
  }
  if (typeof body.message !== 'string' && typeof body.Message !== 'string')
    throw new Error(`error without message: ${describeCase(input, answer)}`);
}
