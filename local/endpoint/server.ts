import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError } from '../aws-error.js';
import type { JsonProtocolService, RawRequest, RawResponse, RestProtocolService } from './protocols.js';

/** Request bodies above this are refused before they are read into memory (PutEvents allows 256 KiB; DynamoDB 16 MiB). */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface EndpointOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

/** What the endpoint serves; mounted after it listens, because resource URLs contain its port. */
export interface EndpointServices {
  readonly jsonServices: readonly JsonProtocolService[];
  readonly restServices?: readonly RestProtocolService[];
  /**
   * Services that take the raw Node request themselves (dynalite, which parses its
   * own bodies), chosen by X-Amz-Target prefix.
   */
  readonly passthrough?: ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** Services that answer form-encoded query-protocol requests (SQS for older AWS CLIs), by `Action`. */
  readonly queryServices?: readonly {
    /** The service of a SigV4 credential scope (`sns`): chosen first when two services share an action name. */
    readonly signingName?: string;
    handles(action: string): boolean;
    handle(form: URLSearchParams, request: RawRequest): Promise<RawResponse>;
  }[];
  /** Called for every request that failed on our side (a bug), for the console log. */
  readonly onInternalError?: (error: unknown) => void;
}

/**
 * One AWS-compatible HTTP endpoint for every local service. Any credentials are
 * accepted (requests are not signature-checked); the service is chosen by
 * X-Amz-Target (JSON protocols), by path (Lambda's REST API) or by `Action` (query).
 */
export class Endpoint {
  #server?: Server;
  #services?: EndpointServices;
  #jsonByPrefix: ReadonlyMap<string, JsonProtocolService> = new Map();

  constructor(private readonly options: EndpointOptions) {}

  /** Starts answering with these services (until then every request gets ServiceUnavailable). */
  mount(services: EndpointServices): void {
    this.#services = services;
    this.#jsonByPrefix = new Map(services.jsonServices.map((service) => [service.targetPrefix, service]));
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        if (error instanceof AwsError) return send(res, jsonError(error, '1.1'));
        this.#services?.onInternalError?.(error);
        if (!res.headersSent) send(res, jsonError(new AwsError('InternalFailure', 'internal error in the local runtime', 500), '1.1'));
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const { address, port } = server.address() as AddressInfo;
    return `http://${address}:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const services = this.#services;
    if (!services) return send(res, jsonError(new AwsError('ServiceUnavailable', 'the local runtime is still starting', 503), '1.1'));
    const target = header(req, 'x-amz-target');
    const prefix = target?.split('.')[0];
    const passthrough = prefix === undefined ? undefined : services.passthrough?.get(prefix);
    if (passthrough) return passthrough(req, res);

    const url = new URL(req.url ?? '/', 'http://local');
    const request: RawRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body: await readBody(req),
    };

    if (target !== undefined) return send(res, await this.#json(target, request.body));
    const rest = services.restServices?.find((service) => service.handles(request));
    if (rest) return send(res, await rest.handle(request));
    const formPost = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    // A GET with `Action` in the query string is a query request too (the UnsubscribeURL SNS sends subscribers).
    if (formPost || (request.method === 'GET' && url.searchParams.has('Action'))) {
      const form = formPost ? new URLSearchParams(request.body.toString('utf8')) : url.searchParams;
      const action = form.get('Action') ?? '';
      // SQS and SNS both have AddPermission and RemovePermission: the signature's credential scope tells them apart.
      const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
      const candidates = services.queryServices?.filter((service) => service.handles(action)) ?? [];
      const query =
        candidates.find((service) => service.signingName === scope) ??
        candidates.find((service) => service.signingName === undefined) ??
        candidates[0];
      if (query) return send(res, await query.handle(form, request));
    }
    send(res, jsonError(new AwsError('UnknownOperationException', `no local service answers ${request.method} ${request.path}`), '1.1'));
  }

  async #json(target: string, body: Buffer): Promise<RawResponse> {
    const dot = target.indexOf('.');
    const prefix = target.slice(0, dot);
    const operationName = target.slice(dot + 1);
    const service = this.#jsonByPrefix.get(prefix);
    if (service === undefined) {
      return jsonError(
        new AwsError('UnknownOperationException', `the local runtime does not serve ${prefix} (X-Amz-Target ${target})`),
        '1.1',
      );
    }
    const operation = Object.hasOwn(service.operations, operationName) ? service.operations[operationName] : undefined;
    if (operation === undefined) {
      return jsonError(
        new AwsError('UnknownOperationException', `${operationName} is not supported by the local ${prefix} service`),
        service.jsonVersion,
        service,
      );
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch {
      return jsonError(new AwsError('SerializationException', 'request body is not valid JSON'), service.jsonVersion, service);
    }
    try {
      service.validate?.(operationName, input);
      // A JSON `null` body is an empty request to AWS.
      const output = await operation((input ?? {}) as never);
      return {
        status: 200,
        headers: { 'content-type': `application/x-amz-json-${service.jsonVersion}` },
        body: JSON.stringify(output ?? {}),
      };
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error, service.jsonVersion, service);
      throw error;
    }
  }
}

/** AWS JSON protocol error: `__type` (which the SDK maps to an exception class) and `message`. */
export function jsonError(error: AwsError, jsonVersion: '1.0' | '1.1', service?: JsonProtocolService): RawResponse {
  const type = service?.errorNamespace ? `${service.errorNamespace}#${error.code}` : error.code;
  return {
    status: error.status,
    headers: {
      'content-type': `application/x-amz-json-${jsonVersion}`,
      'x-amzn-errortype': error.code,
      ...service?.errorHeaders?.(error),
    },
    body: JSON.stringify({ __type: type, message: error.message, Message: error.message }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new AwsError('RequestEntityTooLarge', `request body over ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: RawResponse): void {
  const body = response.body ?? '';
  // A service that names its request id in the body (SQS's XML) sets the header itself.
  res.writeHead(response.status, {
    'x-amzn-requestid': crypto.randomUUID(),
    ...response.headers,
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
