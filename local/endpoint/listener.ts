import { createServer as createHttp1Server, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import {
  constants,
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type ServerHttp2Session,
} from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** What every request is answered by, whichever protocol brought it. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The connection preface every HTTP/2 client sends first (RFC 9113 section 3.4). A client
 * that speaks HTTP/2 to an `http://` endpoint starts with it ("prior knowledge"), as the AWS
 * SDKs' HTTP/2 handlers do (Bedrock Runtime's client, for example); no HTTP/1.1 request can.
 */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * How long a client may keep the endpoint waiting. The defaults are Node's HTTP server's
 * (`headersTimeout`, `requestTimeout`) and the keep-alive the endpoint has always had; AWS
 * documents no figures for its API endpoints, but they too close a connection that stalls.
 */
export interface ListenerTimeouts {
  /** From connecting, or the end of the last request, to the end of a request's headers. @default 60_000 */
  readonly headersMs?: number;
  /** From the start of a request until its whole body has arrived (not its answer: an Invoke may run 15 minutes). @default 300_000 */
  readonly requestMs?: number;
  /** A connection with no request in progress. @default 60_000 */
  readonly idleMs?: number;
}

/**
 * How large a request's head (its request line, URL included, and headers) may be. Node's
 * default of 16 KiB refuses requests the APIs' models allow: a REST API's list in the query
 * string (UntagResource's 200 tag keys of 128 characters, each percent-encoded) runs to about
 * 300 KiB. A longer one Node answers 431 (Request Header Fields Too Large).
 */
export const MAX_REQUEST_HEAD_BYTES = 512 * 1024;

/** Headers that name a connection: HTTP/2 forbids them (RFC 9113 section 8.2.2), and Node throws on them. */
const CONNECTION_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * One port that speaks HTTP/1.1 and cleartext HTTP/2 alike: each connection's first bytes
 * choose the server it goes to (Node's `allowHTTP1` chooses only over TLS, by ALPN). An
 * HTTP/2 request reaches the handler as the HTTP/1 one would, through Node's compatibility
 * API, with its `:authority` as `host` and no pseudo-headers, so that the services, the
 * guard and the signature check read both alike.
 */
export class DualProtocolListener {
  readonly #http1;
  readonly #http2;
  readonly #tcp = createTcpServer((socket) => this.#choose(socket));
  /** Every open connection, whichever server has it or none yet (one that has sent nothing). */
  readonly #sockets = new Set<Socket>();

  readonly #timeouts: Required<ListenerTimeouts>;

  constructor(handler: RequestHandler, timeouts: ListenerTimeouts = {}) {
    const { headersMs = 60_000, requestMs = 300_000, idleMs = 60_000 } = timeouts;
    this.#timeouts = { headersMs, requestMs, idleMs };
    this.#http1 = createHttp1Server(
      {
        headersTimeout: headersMs,
        requestTimeout: requestMs,
        keepAliveTimeout: idleMs,
        // How often Node looks for connections past those limits (its default, 30 s, unless a limit is shorter).
        connectionsCheckingInterval: Math.min(30_000, headersMs, requestMs),
        maxHeaderSize: MAX_REQUEST_HEAD_BYTES,
      },
      handler,
    );
    this.#http2 = createHttp2Server({ settings: { maxHeaderListSize: MAX_REQUEST_HEAD_BYTES } }, (req, res) => {
      bodyDeadline(req, requestMs);
      handler(asHttp1Request(req), asHttp1Response(res));
    });
    this.#http2.on('session', (session) => closeWhenIdle(session, idleMs));
  }

  /** Who takes an HTTP/1 request to switch protocols (a WebSocket); without one Node closes such a connection. */
  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void {
    this.#http1.on('upgrade', handler);
  }

  /** Listens; resolves with the address it listens on. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#tcp.once('error', reject);
      this.#tcp.listen(port, host, () => {
        this.#tcp.off('error', reject);
        // Node's HTTP server enforces headersTimeout and requestTimeout only once it has
        // emitted 'listening' (that is when it starts tracking connections); this one never
        // listens itself, since it gets its connections from #choose, so it is told here.
        // Without it a client that never finishes its headers or body holds its socket forever.
        this.#http1.emit('listening');
        resolve();
      });
    });
    return this.#tcp.address() as AddressInfo;
  }

  /** Stops listening and ends every connection, of either protocol. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
    // Stops the HTTP/1 server's connection checks (it was never listening: the callback's error says only that).
    this.#http1.close(() => {});
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** Reads until the first bytes tell the protocol apart, puts them back and hands the socket to that server. */
  #choose(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    // Until its first bytes choose a server, neither server's timeouts cover the socket: one
    // that says nothing (or only part of the HTTP/2 preface) is closed as a stalled request would be.
    const stalled = () => socket.destroy();
    socket.setTimeout(this.#timeouts.headersMs, stalled);
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, HTTP2_PREFACE.length);
      const http2 = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
      if (http2 && compared < HTTP2_PREFACE.length) return; // the preface so far: wait for the rest
      socket.off('data', onData);
      socket.setTimeout(0, stalled);
      socket.pause();
      socket.unshift(seen);
      if (http2) {
        // The HTTP/2 session reads the bytes put back itself, then the socket's handle: a
        // flowing socket would hand them to nobody before it does.
        this.#http2.emit('connection', socket);
      } else {
        this.#http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
    // A connection that closes or fails before it says anything has nothing to answer.
    socket.on('error', () => socket.destroy());
  }
}

/**
 * HTTP/2's counterpart of HTTP/1's requestTimeout, which Node's HTTP/2 server lacks: a
 * stream whose body has not fully arrived `ms` after its headers is answered 408 (as Node
 * answers an HTTP/1 request) and closed, so that a client trickling a body cannot hold a
 * request open forever. A stream whose body has arrived is never cut, however long its answer takes.
 */
function bodyDeadline(req: Http2ServerRequest, ms: number): void {
  const stream = req.stream;
  const timer = setTimeout(() => {
    if (stream.destroyed || stream.readableEnded) return;
    if (!stream.headersSent) stream.respond({ ':status': 408 }, { endStream: true });
    stream.close(constants.NGHTTP2_NO_ERROR);
  }, ms);
  timer.unref();
  stream.once('end', () => clearTimeout(timer));
  stream.once('close', () => clearTimeout(timer));
}

/**
 * HTTP/1's keep-alive timeout for an HTTP/2 connection (Node's HTTP/2 server has none by
 * default): closed with GOAWAY once it has had no open stream for `ms`. A stream in progress
 * keeps it open, however quiet.
 */
function closeWhenIdle(session: ServerHttp2Session, ms: number): void {
  let open = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(() => session.close(), ms);
    timer.unref();
  };
  arm();
  session.on('stream', (stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      open--;
      if (open === 0 && !session.closed && !session.destroyed) arm();
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/** The HTTP/2 request as the handler reads an HTTP/1 one: `host` from `:authority`, no pseudo-headers. */
function asHttp1Request(req: Http2ServerRequest): IncomingMessage {
  // The compatibility request reads its method and path from its own header object, so that
  // object stays as it is: the headers the handler sees are a copy, set on the instance.
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith(':') && value !== undefined) headers[name] = value;
  }
  headers.host ??= req.authority;
  const distinct = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value : [value]]));
  Object.defineProperty(req, 'headers', { value: headers });
  Object.defineProperty(req, 'headersDistinct', { value: distinct });
  return req as unknown as IncomingMessage;
}

/** The HTTP/2 response as the handler writes an HTTP/1 one: connection headers (a proxied `keep-alive`) left out. */
function asHttp1Response(res: Http2ServerResponse): ServerResponse {
  const writeHead = res.writeHead.bind(res);
  const setHeader = res.setHeader.bind(res);
  Object.defineProperty(res, 'writeHead', {
    value: (status: number, ...rest: unknown[]) => {
      const last = rest.at(-1);
      const headers = typeof last === 'object' && last !== null ? withoutConnectionHeaders(last as OutgoingHttpHeaders) : undefined;
      return headers === undefined ? writeHead(status) : writeHead(status, headers);
    },
  });
  Object.defineProperty(res, 'setHeader', {
    value: (name: string, value: number | string | readonly string[]) =>
      CONNECTION_HEADERS.has(name.toLowerCase()) ? res : setHeader(name, value),
  });
  return res as unknown as ServerResponse;
}

function withoutConnectionHeaders(headers: OutgoingHttpHeaders | readonly unknown[]): OutgoingHttpHeaders {
  // writeHead takes raw header arrays too ([name, value, ...]); services here pass objects, and the DynamoDB engine's proxied answer an object.
  const entries = Array.isArray(headers) ? pairs(headers) : Object.entries(headers);
  return Object.fromEntries(entries.filter(([name]) => !CONNECTION_HEADERS.has(String(name).toLowerCase()))) as OutgoingHttpHeaders;
}

function pairs(raw: readonly unknown[]): [string, unknown][] {
  const result: [string, unknown][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) result.push([String(raw[i]), raw[i + 1]]);
  return result;
}
