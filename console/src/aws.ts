import { SIGNATURE_ERRORS } from './credentials.js';
import { signedHeaders } from './signer.js';

/**
 * The AWS APIs the console calls, over their JSON protocols, on this origin (the runtime's
 * endpoint): the same requests an SDK sends, signed with SigV4, so the console is a client
 * like the CLI. A small fetch-based caller instead of the SDK's browser clients: four SDK
 * clients would be most of a megabyte; these are a few hundred bytes each.
 */
const SERVICES = {
  sfn: { target: 'AWSStepFunctions', version: '1.0', signingName: 'states' },
  sqs: { target: 'AmazonSQS', version: '1.0', signingName: 'sqs' },
  logs: { target: 'Logs_20140328', version: '1.1', signingName: 'logs' },
  events: { target: 'AWSEvents', version: '1.1', signingName: 'events' },
} as const;

export type Service = keyof typeof SERVICES;

/** An error an AWS API answered: its code (`__type` without the namespace) and message. */
export class AwsCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(`${code}: ${message}`);
    this.name = 'AwsCallError';
  }

  /** The endpoint checks signatures and this one was missing or wrong. */
  get isSignatureProblem(): boolean {
    return SIGNATURE_ERRORS.has(this.code);
  }
}

/** Listeners told when a call fails for its signature (the page then asks for credentials). */
const signatureListeners = new Set<(error: AwsCallError) => void>();
export function onSignatureProblem(listener: (error: AwsCallError) => void): void {
  signatureListeners.add(listener);
}

export async function call<T = Record<string, unknown>>(service: Service, operation: string, input: object = {}): Promise<T> {
  const { target, version, signingName } = SERVICES[service];
  const body = JSON.stringify(input);
  const headers = await signedHeaders(
    signingName,
    { 'content-type': `application/x-amz-json-${version}`, 'x-amz-target': `${target}.${operation}` },
    body,
  );
  const response = await fetch('/', { method: 'POST', headers, body, credentials: 'omit', cache: 'no-store' });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    throw new AwsCallError('InternalFailure', `${operation} answered ${response.status} with a body that is not JSON`, response.status);
  }
  if (!response.ok) {
    const type = String(parsed.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError');
    const code = type.slice(type.lastIndexOf('#') + 1).split(':')[0] ?? type;
    const error = new AwsCallError(code, String(parsed.message ?? parsed.Message ?? ''), response.status);
    if (error.isSignatureProblem) for (const listener of signatureListeners) listener(error);
    throw error;
  }
  return parsed as T;
}

/** Every page of a paginated operation, concatenated by `itemsKey`. */
export async function all<T>(
  service: Service,
  operation: string,
  input: Record<string, unknown>,
  itemsKey: string,
  tokenKeys: { request: string; response: string } = { request: 'nextToken', response: 'nextToken' },
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await call<Record<string, unknown>>(service, operation, { ...input, ...(token ? { [tokenKeys.request]: token } : {}) });
    items.push(...((page[itemsKey] as T[] | undefined) ?? []));
    token = page[tokenKeys.response] as string | undefined;
  } while (token);
  return items;
}

export { toDate } from './wire.js';
