// The HTTP plumbing of change capture (change-capture.mjs): requests handed to dynalite in
// its own thread, with a body already read or made here, and the answers sent to the client.
// Plain JavaScript: dynalite's worker thread loads it without the TypeScript loader.
import { PassThrough } from 'node:stream';
import { crc32 } from 'node:zlib';

const INTERNAL_AUTHORIZATION =
  'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date, Signature=0';

/** Asks dynalite (`inner`: its request listeners) for `operation` with `input`, from this thread; resolves with its answer. */
export function callDynalite(inner, operation, input) {
  return new Promise((resolve) => {
    const body = Buffer.from(JSON.stringify(input));
    const req = Object.assign(new PassThrough(), {
      method: 'POST',
      url: '/',
      headers: {
        'x-amz-target': `DynamoDB_20120810.${operation}`,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(body.length),
        // dynalite refuses a request without one; these calls never leave this thread.
        authorization: INTERNAL_AUTHORIZATION,
        'x-amz-date': '20260101T000000Z',
      },
    });
    inner(req, recorder(resolve));
    req.end(body);
  });
}

/** Hands a request whose body was already read to dynalite, as a stream that replays it. */
export function replay(inner, req, body, res) {
  const copy = Object.assign(new PassThrough(), { headers: req.headers, method: req.method, url: req.url });
  inner(copy, res);
  copy.end(body);
}

/** Hands a request whose body was already read to dynalite and resolves with its answer, which the client has not seen. */
export function answerOf(inner, req, body) {
  return new Promise((resolve) => replay(inner, req, body, recorder(resolve)));
}

/** A response object that keeps what dynalite answers, for a request made or checked here. */
function recorder(resolve) {
  const headers = {};
  return {
    statusCode: 200,
    headersSent: false,
    setHeader(name, value) {
      headers[name.toLowerCase()] = value;
    },
    getHeader(name) {
      return headers[name.toLowerCase()];
    },
    writeHead(status, more) {
      this.statusCode = status;
      for (const [name, value] of Object.entries(more ?? {})) headers[name.toLowerCase()] = value;
      return this;
    },
    end(body) {
      this.headersSent = true;
      resolve({
        status: this.statusCode,
        headers,
        body: body === undefined ? '' : Buffer.isBuffer(body) ? body.toString('utf8') : String(body),
      });
    },
    destroy() {
      resolve({ status: 500, headers, body: '' });
    },
  };
}

/** Sends the client an answer dynalite gave, as it gave it. */
export function forward(res, answer) {
  res.writeHead(answer.status, answer.headers);
  return res.end(answer.body);
}

/** Sends the client a successful answer made here. */
export function sendOutput(res, out) {
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(out),
    'x-amz-crc32': String(crc32Of(out)),
  });
  res.end(out);
}

export function send(res, status, code, message) {
  const body = JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${code}`, message });
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(body),
    'x-amz-crc32': String(crc32Of(body)),
  });
  res.end(body);
}

export function crc32Of(text) {
  return crc32(Buffer.from(text, 'utf8'));
}
