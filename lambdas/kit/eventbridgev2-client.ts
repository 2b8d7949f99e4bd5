import { setTimeout as sleep } from 'node:timers/promises';
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { cbor } from '@smithy/core/cbor';
import { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError } from './errors.js';
import { NodeSha256 } from './node-sha256.js';

/**
 * EventBridge's Custom Event Bus API (`eventbridgev2`, 2025-05-15) as its model describes it:
 * Smithy RPC v2 CBOR (`POST /service/AWSEventsV2/operation/<Operation>`, header
 * `smithy-protocol: rpc-v2-cbor`, CBOR bodies), signed with SigV4 for the model's
 * `signingName`, which is `events`, not the endpoint prefix `eventsv2`.
 */
const SERVICE_PATH = '/service/AWSEventsV2/operation/';
const SIGNING_NAME = 'events';
const ENDPOINT_PREFIX = 'eventsv2';
/** The SDKs' service-specific endpoint variable: `AWS_ENDPOINT_URL_` and the model's serviceId (`EventBridgeV2`) upper-cased. */
const ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_EVENTBRIDGEV2';
/** Error codes another attempt of the same call may not meet (the model's `ThrottlingException`, `InternalException`). */
const TRANSIENT_CODES = new Set(['ThrottlingException', 'InternalException']);

/** Credentials to sign with, as an AWS SDK credential provider gives them (asked before each call: they may rotate). */
export type EventBridgeV2Credentials = () => Promise<{
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}>;

/** One entry of PutEvents, as the model's `PutEventsRequestEntry` has it. */
export interface PutEventsV2Entry {
  readonly Source: string;
  readonly DetailType: string;
  /** The detail as JSON text. @default - no detail: the event's detail is `{}` */
  readonly Detail?: string;
  /** @default - none */
  readonly Resources?: readonly string[];
  /** @default - no event group and no deduplication id */
  readonly SystemMetadata?: {
    /** The event's group: FIFO subscribers keep each group's order. @default - no group: unordered */
    readonly EventGroupId?: string;
    /** A repeat within 300 s is answered DEDUPLICATED. @default - deduplicated only under the request's CONTENT_BASED deduplication */
    readonly DeduplicationId?: string;
  };
}

/** PutEvents' input (`PutEventsRequest`). */
export interface PutEventsV2Input {
  readonly EventBusArn: string;
  readonly Entries: readonly PutEventsV2Entry[];
  /** @default - deduplicated by each entry's DeduplicationId only */
  readonly DeduplicationConfiguration?: { readonly DeduplicationType: 'CONTENT_BASED' };
}

/** One entry's outcome (`PutEventsResultEntry`): an EventId and SuccessCode, or an ErrorCode and ErrorMessage. */
export interface PutEventsV2ResultEntry {
  readonly EventId?: string;
  readonly SequenceNumber?: string;
  readonly SuccessCode?: 'PUBLISHED' | 'DEDUPLICATED';
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

/** PutEvents' output (`PutEventsResponse`). */
export interface PutEventsV2Output {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly PutEventsV2ResultEntry[];
}

/**
 * A call the Custom Event Bus API refused, or that could not be made: `name` is the error's
 * shape name from the answer's `__type` (`ResourceNotFoundException`, `InvalidInputException`,
 * `ThrottlingException`, ...), as an AWS SDK names its errors; `HttpError` when the answer had
 * no readable `__type`, `NetworkError` when no answer came.
 */
export class EventBridgeV2Error extends Error {
  constructor(
    override readonly name: string,
    message: string,
    /** The HTTP status of the answer (0 when no answer came). */
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }

  /** Whether another attempt of the same call may succeed: throttling, a server error, no answer. */
  get transient(): boolean {
    return TRANSIENT_CODES.has(this.name) || this.status === 0 || this.status >= 500;
  }
}

export interface EventBridgeV2ClientOptions {
  /**
   * The region calls are signed for and, without an endpoint, sent to.
   * @default - AWS_REGION, then AWS_DEFAULT_REGION (a ConfigError if neither is set)
   */
  readonly region?: string;
  /**
   * Where calls go.
   * @default - AWS_ENDPOINT_URL_EVENTBRIDGEV2, then AWS_ENDPOINT_URL (what the local runtime sets for its functions), then `https://eventsv2.<region>.amazonaws.com`
   */
  readonly endpoint?: string;
  /**
   * @default - the environment's credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), which Lambda and the local runtime set for every function
   */
  readonly credentials?: EventBridgeV2Credentials;
  /**
   * Attempts per call, counting the first, for a throttled call, a server error or no answer.
   * @default 3
   */
  readonly maxAttempts?: number;
  /** @default - process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * A small client of the Custom Event Bus API, built on what the kit already carries
 * (`@smithy/core`'s CBOR codec, `@smithy/signature-v4`, `@smithy/node-http-handler`): the
 * JavaScript SDK's `@aws-sdk/client-eventbridgev2` is not on the registry this project
 * reaches. Make one at module scope and reuse it: its HTTP agent keeps connections alive.
 */
export class EventBridgeV2Client {
  readonly endpoint: URL;
  readonly region: string;
  readonly #signer: SignatureV4;
  readonly #http = new NodeHttpHandler({ requestTimeout: 30_000 });
  readonly #maxAttempts: number;

  /** @throws ConfigError if no region is configured, or the endpoint is not an http(s) URL */
  constructor(options: EventBridgeV2ClientOptions = {}) {
    const env = options.env ?? process.env;
    const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
    if (!region) throw new ConfigError('the Custom Event Bus client needs a region: set AWS_REGION (Lambda sets it) or pass `region`');
    this.region = region;
    const endpoint = options.endpoint ?? env[ENDPOINT_VARIABLE] ?? env.AWS_ENDPOINT_URL;
    this.endpoint = endpointUrl(endpoint ?? `https://${ENDPOINT_PREFIX}.${region}.${dnsSuffixOf(region)}`);
    this.#signer = new SignatureV4({ service: SIGNING_NAME, region, credentials: options.credentials ?? fromEnv(), sha256: NodeSha256 });
    this.#maxAttempts = options.maxAttempts ?? 3;
  }

  /** PutEvents: each entry's outcome in the order sent (a call can succeed while entries fail). */
  putEvents(input: PutEventsV2Input): Promise<PutEventsV2Output> {
    return this.call('PutEvents', input) as Promise<PutEventsV2Output>;
  }

  /**
   * Calls an operation with its input as the model's shape; retried (jittered backoff) while the
   * error is transient.
   * @throws EventBridgeV2Error
   */
  async call(operation: string, input: object): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#callOnce(operation, input);
      } catch (error) {
        if (!(error instanceof EventBridgeV2Error) || !error.transient || attempt >= this.#maxAttempts) throw error;
        await sleep(Math.random() * 100 * 2 ** (attempt - 1));
      }
    }
  }

  async #callOnce(operation: string, input: object): Promise<unknown> {
    const body = cbor.serialize(input);
    const { endpoint } = this;
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: `${endpoint.pathname.replace(/\/$/, '')}${SERVICE_PATH}${operation}`,
      headers: {
        host: endpoint.host,
        'smithy-protocol': 'rpc-v2-cbor',
        'content-type': 'application/cbor',
        accept: 'application/cbor',
        'content-length': String(body.byteLength),
      },
      body,
    });
    let status: number;
    let payload: Uint8Array;
    try {
      const signed = await this.#signer.sign(request);
      const { response } = await this.#http.handle(signed as HttpRequest);
      status = response.statusCode;
      payload = await streamCollector(response.body);
    } catch (error) {
      throw new EventBridgeV2Error('NetworkError', `${operation} to ${endpoint.origin} failed: ${(error as Error).message}`, 0, {
        cause: error,
      });
    }
    if (status >= 200 && status < 300) return payload.byteLength === 0 ? {} : cbor.deserialize(payload);
    throw errorOf(operation, status, payload);
  }
}

/**
 * The typed error of a refused call, from its CBOR body: `__type` is the error's shape id,
 * `com.amazonaws.eventbridgev2#ResourceNotFoundException` (Smithy lets a server append
 * `:<suffix>`, which is not part of the name), its text in `Message` (the model's member) or `message`.
 */
function errorOf(operation: string, status: number, payload: Uint8Array): EventBridgeV2Error {
  let body: Record<string, unknown> = {};
  try {
    const decoded = payload.byteLength === 0 ? {} : cbor.deserialize(payload);
    if (decoded !== null && typeof decoded === 'object') body = decoded as Record<string, unknown>;
  } catch {
    // Not CBOR (a proxy's HTML page, say): named by its status below.
  }
  const type = typeof body.__type === 'string' ? body.__type : undefined;
  const name = type?.split('#').pop()?.split(':')[0];
  const text = typeof body.Message === 'string' ? body.Message : typeof body.message === 'string' ? body.message : undefined;
  if (!name)
    return new EventBridgeV2Error('HttpError', `${operation} answered HTTP ${status} with no error type${text ? `: ${text}` : ''}`, status);
  return new EventBridgeV2Error(name, `${operation}: ${name}${text ? `: ${text}` : ''}`, status);
}

function endpointUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new ConfigError(`the Custom Event Bus endpoint ${JSON.stringify(value)} is not a URL; expected http(s)://host[:port]`, {
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`the Custom Event Bus endpoint ${JSON.stringify(value)} is not an http(s) URL`);
  return url;
}

/** The DNS suffix of a region's partition (China's regions are under amazonaws.com.cn). */
function dnsSuffixOf(region: string): string {
  return region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
}
