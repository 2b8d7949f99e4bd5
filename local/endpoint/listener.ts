import { createServer as createHttp1Server, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';

/** What every request is answered by, whichever protocol brought it. */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The connection preface every HTTP/2 client sends first (RFC 9113 section 3.4). A client
 * that speaks HTTP/2 to an `http://` endpoint starts with it ("prior knowledge"), as the AWS
 * SDKs' HTTP/2 handlers do (Bedrock Runtime's client, for example); no HTTP/1.1 request can.
 */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

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

  constructor(handler: RequestHandler) {
    this.#http1 = createHttp1Server(handler);
    this.#http1.keepAliveTimeout = 60_000;
    this.#http2 = createHttp2Server((req, res) => handler(asHttp1Request(req), asHttp1Response(res)));
  }

  /** Listens; resolves with the address it listens on. */
  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#tcp.once('error', reject);
      this.#tcp.listen(port, host, () => {
        this.#tcp.off('error', reject);
        resolve();
      });
    });
    return this.#tcp.address() as AddressInfo;
  }

  /** Stops listening and ends every connection, of either protocol. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  /** Reads until the first bytes tell the protocol apart, puts them back and hands the socket to that server. */
  #choose(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, HTTP2_PREFACE.length);
      const http2 = seen.subarray(0, compared).equals(HTTP2_PREFACE.subarray(0, compared));
      if (http2 && compared < HTTP2_PREFACE.length) return; // the preface so far: wait for the rest
      socket.off('data', onData);
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
  // writeHead takes raw header arrays too ([name, value, ...]); services here pass objects, and dynalite's proxied answer an object.
  const entries = Array.isArray(headers) ? pairs(headers) : Object.entries(headers);
  return Object.fromEntries(entries.filter(([name]) => !CONNECTION_HEADERS.has(String(name).toLowerCase()))) as OutgoingHttpHeaders;
}

function pairs(raw: readonly unknown[]): [string, unknown][] {
  const result: [string, unknown][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) result.push([String(raw[i]), raw[i + 1]]);
  return result;
}
