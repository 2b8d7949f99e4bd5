import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { accessKeyOf, asCaller } from '../iam/caller.js';
import { jsonDepth, MAX_JSON_DEPTH, utf8Text } from '../json/json-depth.js';
import { AwsError } from './aws-error.js';
import type { EndpointGuard } from './guard.js';
import { DualProtocolListener, type ListenerTimeouts } from './listener.js';
import type { JsonProtocolService, QueryProtocolService, RawRequest, RawResponse, RestProtocolService } from './protocols.js';
import { isLoopbackAddress } from './request-guard.js';
import { parseTraceHeader, traceHeaderFromTraceparent, withTraceHeader } from './trace-header.js';

/**
 * Request bodies above this are refused before they are read into memory (PutEvents allows
 * 256 KiB; DynamoDB 16 MiB); a REST service may declare a larger limit of its own (SES v2's
 * 40 MB messages: RestProtocolService.maxBodyBytes).
 */
const MAX_BODY_BYTES = 20 * 1024 * 1024;

export interface EndpointOptions {
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Host, Origin and (opt-in) signature checks before any service sees a request. */
  readonly guard?: EndpointGuard;
  /** How long a client may take to send a request, and keep a connection idle (see ListenerTimeouts). */
  readonly timeouts?: ListenerTimeouts;
  /** Called as each request arrives, before it is routed (the warm-up's clock hears of it: ActivityClock.requestArrived). */
  readonly onRequest?: () => void;
}

/** One of the app's HTTP front doors (see `EndpointServices.httpApis`). */
export interface AppHttpService {
  handles(host: string | undefined, url: string): boolean;
  handle(request: {
    method: string;
    host: string | undefined;
    url: string;
    headers: Readonly<Record<string, readonly string[] | undefined>>;
    rawHeaders?: readonly string[];
    body: Buffer;
    sourceIp: string;
    protocol: string;
    /** The port the request came in on (`x-forwarded-port` of the events built from it). */
    port?: number;
  }): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }>;
  /** Takes a request to switch to a WebSocket (AppSync's real-time endpoint), after the endpoint's Host and Origin checks. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

/** What the endpoint serves; mounted after it listens, because resource URLs contain its port. */
export interface EndpointServices {
  readonly jsonServices: readonly JsonProtocolService[];
  readonly restServices?: readonly RestProtocolService[];
  /**
   * Services that take the raw Node request themselves (DynamoDB, whose engine's thread
   * parses its own bodies), chosen by X-Amz-Target prefix.
   */
  readonly passthrough?: ReadonlyMap<string, (req: IncomingMessage, res: ServerResponse, body?: Buffer) => void>;
  /** Services that answer form-encoded query-protocol requests (SQS for older AWS CLIs), by `Action`. */
  readonly queryServices?: readonly QueryProtocolService[];
  /**
   * The app's own HTTP front doors (API Gateway's APIs, Lambda function URLs): chosen by Host
   * or path before any AWS protocol, the first that handles a request answers it, and never
   * asked for an AWS signature by the endpoint (their callers, webhooks among them, do not
   * sign with SigV4; a function URL of auth type AWS_IAM asks for one itself).
   */
  readonly httpApis?: readonly AppHttpService[];
  /** The local console's page and assets (GET `/` from a browser, `/console/...`); see local/console-site/. */
  readonly console?: {
    handles(req: IncomingMessage): boolean;
    handle(req: IncomingMessage): Promise<RawResponse>;
  };
  /** Called for every request that failed on our side (a bug), for the console log. */
  readonly onInternalError?: (error: unknown) => void;
  /**
   * An MCP server over Streamable HTTP at its path (`switchyard dev`'s, cli/mcp/http.ts), for
   * clients on this machine only: MCP clients cannot sign, so it answers loopback alone (after
   * the Host and Origin checks that keep a web page out).
   */
  readonly mcp?: PathHandler;
  /** The runtime's read API (local/read-api/), for requests under its path prefix. */
  readonly readApi?: {
    handles(rawPath: string): boolean;
    handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  };
}

/** What answers the requests for one path of the endpoint, taking the Node request itself. */
export interface PathHandler {
  handles(rawPath: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/**
 * One AWS-compatible HTTP endpoint for every local service, over HTTP/1.1 and cleartext
 * HTTP/2 on the same port (newer SDK clients speak HTTP/2). Any credentials are
 * accepted unless the guard verifies signatures (see guard.ts); the service is chosen by
 * X-Amz-Target (JSON protocols), by path (Lambda's REST API) or by `Action` (query).
 */
export class Endpoint {
  #server?: DualProtocolListener;
  #services?: EndpointServices;
  #jsonByPrefix: ReadonlyMap<string, JsonProtocolService> = new Map();
  #port = 0;

  constructor(private readonly options: EndpointOptions) {}

  /** Starts answering with these services (until then every request gets ServiceUnavailable). */
  mount(services: EndpointServices): void {
    this.#services = services;
    this.#jsonByPrefix = new Map(services.jsonServices.map((service) => [service.targetPrefix, service]));
  }

  /** Starts listening; resolves with the base URL (`http://127.0.0.1:<port>`). */
  async start(): Promise<string> {
    const server = new DualProtocolListener((req, res) => {
      this.options.onRequest?.();
      // A request's X-Ray header is the trace of everything the service does for it (the messages, events and executions it creates).
      // Else its W3C traceparent (an OpenTelemetry SDK's), as X-Ray's header; a malformed one is ignored: a new trace, never an error.
      const traceHeader = header(req, 'x-amzn-trace-id');
      const valid = parseTraceHeader(traceHeader) ? traceHeader : traceHeaderFromTraceparent(header(req, 'traceparent'));
      // Who signed the request, for the services' IAM checks (local/iam/caller.ts).
      const caller = { accessKeyId: accessKeyOf(header(req, 'authorization'), req.url) };
      asCaller(caller, () => withTraceHeader(valid, () => this.#route(req, res))).catch((error: unknown) => {
        if (error instanceof AwsError) return send(res, this.#errorInProtocolShape(req, error));
        // Nobody is there to answer, and it is no failure of the runtime's.
        if (error instanceof ClientLeft) return void res.destroy();
        this.#services?.onInternalError?.(error);
        if (!res.headersSent) send(res, jsonError(new AwsError('InternalFailure', 'internal error in the local runtime', 500), '1.1'));
        else res.destroy();
      });
    }, this.options.timeouts);
    server.onUpgrade((req, socket, head) => this.#upgrade(req, socket, head));
    const { address, port } = await server.listen(this.options.port, this.options.host ?? '127.0.0.1');
    this.#server = server;
    this.#port = port;
    return `http://${address}:${port}`;
  }

  /** A WebSocket request: to the front door that takes it, past the Host and Origin checks; any other is answered and closed. */
  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const api = this.#services?.httpApis?.find((candidate) => candidate.upgrade && candidate.handles(header(req, 'host'), req.url ?? '/'));
    const refused = this.options.guard?.refuse(req, this.#port, { anyOrigin: true });
    if (api?.upgrade && !refused) api.upgrade(req, socket, head);
    else socket.end(`HTTP/1.1 ${refused ? '403 Forbidden' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }

  /** What the guard lets in, for the start-up report. */
  trust(url: string): string[] {
    return this.options.guard?.describe(url) ?? [];
  }

  async stop(): Promise<void> {
    await this.#server?.close();
  }

  /**
   * The runtime's own surfaces, after the Host and Origin checks: the read API and /mcp.
   * Whether one of them answered the request.
   */
  async #ownSurface(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const guard = this.options.guard;
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    // The read API passed the Host and Origin checks; with signatures verified, a client on
    // this machine may read unsigned (a browser's EventSource cannot sign), any other must sign.
    const readApi = this.#services?.readApi;
    if (readApi?.handles(rawPath)) {
      if (guard?.verifiesSignatures && !isLoopbackAddress(req.socket.remoteAddress ?? '')) {
        const unsigned = await guard.checkSignature(req, await readBody(req));
        if (unsigned) send(res, unsigned);
        else await readApi.handle(req, res);
      } else await readApi.handle(req, res);
      return true;
    }
    const mcp = this.#services?.mcp;
    if (!mcp?.handles(rawPath)) return false;
    if (isLoopbackAddress(req.socket.remoteAddress ?? '')) await mcp.handle(req, res);
    else send(res, jsonError(new AwsError('AccessDeniedException', 'the MCP server answers clients on this machine only', 403), '1.1'));
    return true;
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const guard = this.options.guard;
    // An app's API (API Gateway, a function URL) answers web pages of any origin, as on AWS, where its CORS settings decide what a page may read.
    const forApi = this.#services?.httpApis?.find((api) => api.handles(header(req, 'host'), req.url ?? '/'));
    const refused = guard?.refuse(req, this.#port, { anyOrigin: forApi !== undefined });
    if (refused) return send(res, refused);
    if (await this.#ownSurface(req, res)) return;
    if (forApi) return this.#httpApi(req, res, forApi);
    // The console's files hold no data and a browser cannot sign a page load: they are served
    // unsigned (after the Host and Origin checks); every call they make is signed as any other.
    const site = this.#services?.console;
    if (site?.handles(req)) return send(res, await site.handle(req));
    // A signature covers the body: it is read (and checked) before any service, DynamoDB's engine included, sees the request.
    const limit = this.#bodyLimit(req);
    const signedBody = guard?.verifiesSignatures ? await readBody(req, limit) : undefined;
    const badSignature = signedBody && (await guard?.checkSignature(req, signedBody));
    if (badSignature) return send(res, badSignature);
    const services = this.#services;
    if (!services) return send(res, jsonError(new AwsError('ServiceUnavailable', 'the local runtime is still starting', 503), '1.1'));
    const target = header(req, 'x-amz-target');
    const prefix = target?.split('.')[0];
    const passthrough = prefix === undefined ? undefined : services.passthrough?.get(prefix);
    if (passthrough) return passthrough(req, res, signedBody);

    const url = new URL(req.url ?? '/', 'http://local');
    // The path as sent: URL parsing would resolve `.` and `..` segments, so that a function
    // named `.` (`/functions/.`) would reach ListFunctions instead of GetFunction.
    const rawPath = (req.url ?? '/').split('?')[0] || '/';
    const request: RawRequest = {
      method: req.method ?? 'GET',
      path: decodePath(rawPath),
      query: url.searchParams,
      headers: req.headers,
      body: signedBody ?? (await readBody(req, limit)),
      sourceIp: req.socket.remoteAddress,
    };

    if (target !== undefined) return send(res, await this.#json(target, request.body));
    const rest = services.restServices?.find((service) => service.handles(request));
    if (rest) return send(res, await rest.handle(request));
    const formPost = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    // A request with `Action` in its query string is a query request too, whatever its method: the
    // UnsubscribeURL SNS sends subscribers (a GET), an API Gateway `AWS` integration's `action/` URI
    // or mapped query string (a POST whose body may be JSON). The services read the query string's
    // parameters and a form body's alike, the body's first.
    if (formPost || url.searchParams.has('Action')) {
      const form = new URLSearchParams(formPost ? request.body.toString('utf8') : '');
      const inBody = new Set(form.keys());
      for (const [name, value] of url.searchParams) if (!inBody.has(name)) form.append(name, value);
      const action = form.get('Action') ?? '';
      // SQS and SNS both have AddPermission and RemovePermission: the signature's credential scope tells them apart.
      const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
      const candidates = services.queryServices?.filter((service) => service.handles(action)) ?? [];
      const query =
        candidates.find((service) => service.signingName === scope) ??
        candidates.find((service) => service.signingName === undefined) ??
        candidates[0];
      if (query) return send(res, await query.handle(form, request));
      // SQS's and SNS's common errors: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
      if (action === '') throw new AwsError('MissingAction', 'The request must contain the parameter Action.');
      throw new AwsError('InvalidAction', `The action ${action} is not valid for this endpoint.`);
    }
    // The signature's scope names the service the client meant (`s3vectors`): the answer names it too.
    const signedFor = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
    const which = signedFor ? ` (a request signed for ${signedFor}, a service the local runtime does not run)` : '';
    send(
      res,
      jsonError(new AwsError('UnknownOperationException', `no local service answers ${request.method} ${request.path}${which}`), '1.1'),
    );
  }

  /**
   * The largest body the request may carry: the limit the REST service that will answer it
   * declares (found as #route finds it, by method and path), else the endpoint's.
   */
  #bodyLimit(req: IncomingMessage): number {
    if (header(req, 'x-amz-target') !== undefined) return MAX_BODY_BYTES;
    let path: string;
    try {
      path = decodeURIComponent((req.url ?? '/').split('?')[0] || '/');
    } catch {
      // A broken escape is answered InvalidURI by #route; the body is not what fails it.
      return MAX_BODY_BYTES;
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const rest = this.#services?.restServices?.find((service) =>
      service.handles({ method: req.method ?? 'GET', path, headers: req.headers, query: url.searchParams }),
    );
    return rest?.maxBodyBytes ?? MAX_BODY_BYTES;
  }

  async #httpApi(req: IncomingMessage, res: ServerResponse, api: AppHttpService): Promise<void> {
    const response = await api.handle({
      method: req.method ?? 'GET',
      host: header(req, 'host'),
      url: req.url ?? '/',
      headers: req.headersDistinct,
      rawHeaders: req.rawHeaders,
      body: await readBody(req),
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
      protocol: `HTTP/${req.httpVersion}`,
      port: req.socket.localPort,
    });
    res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
    res.end(response.body);
  }

  /** An error the endpoint answers itself, in the shape the request's protocol reads: JSON by X-Amz-Target, XML for a query request. */
  #errorInProtocolShape(req: IncomingMessage, error: AwsError): RawResponse {
    const target = header(req, 'x-amz-target');
    if (target !== undefined) {
      const service = this.#jsonByPrefix.get(target.slice(0, target.indexOf('.')));
      return service ? jsonError(error, service.jsonVersion, service) : jsonError(error, '1.1');
    }
    const formPost = (header(req, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
    if (formPost || /[?&]Action=/.test(req.url ?? '')) {
      const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(header(req, 'authorization') ?? '')?.[1];
      const services = this.#services?.queryServices?.filter((service) => service.errorResponse) ?? [];
      const query =
        services.find((service) => service.signingName === scope) ?? services.find((service) => service.signingName === undefined);
      if (query?.errorResponse) return query.errorResponse(error);
    }
    const url = new URL(req.url ?? '/', 'http://local');
    const rest = this.#services?.restServices?.find(
      (service) =>
        service.errorResponse !== undefined &&
        service.handles({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, query: url.searchParams }),
    );
    if (rest?.errorResponse) return rest.errorResponse(error, req.method ?? 'GET', url.pathname);
    return jsonError(error, '1.1');
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
        new AwsError(
          'UnknownOperationException',
          `${operationName} is not supported by the local ${service.serviceName ?? prefix} service`,
        ),
        service.jsonVersion,
        service,
      );
    }
    let text: string;
    try {
      text = utf8Text(body);
    } catch {
      return jsonError(new AwsError('SerializationException', 'request body is not valid UTF-8'), service.jsonVersion, service);
    }
    // Operations walk what they are given; nothing an AWS API takes nests this deep (see MAX_JSON_DEPTH).
    if (jsonDepth(text) > MAX_JSON_DEPTH) {
      return jsonError(
        new AwsError('SerializationException', `request body is nested more than ${MAX_JSON_DEPTH} levels deep`),
        service.jsonVersion,
        service,
      );
    }
    let input: unknown;
    try {
      input = body.length === 0 ? {} : JSON.parse(text);
    } catch {
      return jsonError(new AwsError('SerializationException', 'request body is not valid JSON'), service.jsonVersion, service);
    }
    // Every JSON-protocol input is a structure: `5`, `[]` or `"x"` cannot be read as one; a
    // `null` body is an empty request (its required members are then reported missing).
    if (input !== null && (typeof input !== 'object' || Array.isArray(input))) {
      const got = Array.isArray(input) ? 'an array' : `a ${typeof input}`;
      return jsonError(
        new AwsError('SerializationException', `request body must be a JSON object (the ${operationName} request), not ${got}`),
        service.jsonVersion,
        service,
      );
    }
    try {
      service.validate?.(operationName, input ?? {});
      await service.authorize?.(operationName, input ?? {});
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
function jsonError(error: AwsError, jsonVersion: '1.0' | '1.1', service?: JsonProtocolService): RawResponse {
  const name = service?.errorType?.(error) ?? error.code;
  const type = service?.errorNamespace ? `${service.errorNamespace}#${name}` : name;
  return {
    status: error.status,
    headers: {
      'content-type': `application/x-amz-json-${jsonVersion}`,
      'x-amzn-errortype': name,
      ...service?.errorHeaders?.(error),
    },
    body: JSON.stringify({ __type: type, message: error.message, Message: error.message }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The whole body; over `limit`, the rest is read and dropped before the 413 is
 * answered, so that the client finishes sending and the keep-alive socket stays in step
 * (leaving the loop early would destroy the request and its socket; a client still writing
 * would see a reset instead of the answer). Node's requestTimeout bounds a body that never ends.
 */
async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= limit) chunks.push(chunk as Buffer);
    }
  } catch (error) {
    // The socket closed (HTTP/1.1) or the stream was reset (HTTP/2) before the body ended.
    if (req.readableAborted || (req as { aborted?: boolean }).aborted === true) throw new ClientLeft();
    throw error;
  }
  if (size > limit) {
    throw new AwsError('RequestEntityTooLarge', `Request body of ${size} bytes is over the local endpoint's limit of ${limit} bytes.`, 413);
  }
  return Buffer.concat(chunks);
}

/** The client went away before its whole request had arrived: nothing runs, nothing is answered. */
class ClientLeft extends Error {}

/** The path with percent-escapes decoded; a broken escape (`%zz`, a cut UTF-8 sequence) is the client's error, not ours. */
function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new AwsError('InvalidURI', `Couldn't parse the specified URI: the path ${pathname} has a malformed percent-encoding.`, 400);
  }
}

function send(res: ServerResponse, response: RawResponse): void | Promise<void> {
  const body = response.body ?? '';
  if (response.stream) return sendStream(res, response.status, response.headers ?? {}, response.stream);
  // A service that names its request id in the body (SQS's XML) sets the header itself.
  res.writeHead(response.status, {
    'x-amzn-requestid': crypto.randomUUID(),
    ...response.headers,
    // A HEAD answer (S3's HeadObject) states the length of the body it does not send.
    'content-length': response.headers?.['content-length'] ?? Buffer.byteLength(body),
  });
  res.end(body);
}

/** A body sent as its parts come (a model's answer streaming); a part that fails ends the connection, as a broken stream would. */
async function sendStream(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Buffer>,
): Promise<void> {
  res.writeHead(status, { 'x-amzn-requestid': crypto.randomUUID(), ...headers });
  try {
    for await (const part of body) res.write(part);
    res.end();
  } catch (error) {
    res.destroy(error as Error);
  }
}
