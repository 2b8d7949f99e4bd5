import { gunzipSync, inflateSync } from 'node:zlib';
import { OTLP_TRACES_PATH } from '../../contracts/otlp-env.js';
import { AwsError } from '../endpoint/aws-error.js';
import type { OperationAuthorizer, RawRequest, RawResponse, RestProtocolService } from '../endpoint/protocols.js';
import { decodeTracesJson } from './otlp-json-input.js';
import { OtlpDecodeError, type TracesData } from './otlp-model.js';
import { decodeTracesProtobuf, encodeStatusProtobuf, encodeTracesResponseProtobuf } from './otlp-protobuf.js';
import type { StoredOutcome } from './span-store.js';

/**
 * The largest request body, decompressed, the receiver reads: the OpenTelemetry Collector's
 * default `max_request_body_size` (20 MiB), which is the endpoint's own limit too.
 */
export const MAX_OTLP_BODY_BYTES = 20 * 1024 * 1024;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** gRPC's codes in a `google.rpc.Status`, as the Collector maps HTTP statuses to them. */
const INVALID_ARGUMENT = 3;
const PERMISSION_DENIED = 7;
const UNAVAILABLE = 14;

type Encoding = typeof PROTOBUF | typeof JSON_TYPE;

/** What the receiver hands a decoded request to: it keeps it (before the answer) and says what it left out. */
export type TracesSink = (request: TracesData, raw: { readonly body: Buffer; readonly contentType: Encoding }) => StoredOutcome;

/**
 * OTLP/HTTP's trace receiver at `POST /v1/traces` (https://opentelemetry.io/docs/specs/otlp/#otlphttp),
 * answering as the OpenTelemetry Collector's OTLP receiver does: protobuf or JSON by
 * `Content-Type` (415 for any other), gzip or deflate by `Content-Encoding` (400 for any
 * other); the answer in the request's encoding, an `ExportTraceServiceResponse` whose
 * `partialSuccess` counts the spans left out; every failure a 4xx or 5xx whose body is a
 * `google.rpc.Status` in that encoding: 400 for a body that does not decode or is over
 * MAX_OTLP_BODY_BYTES (the Collector reads past its limit as a read error, a 400), 403 when IAM
 * refuses a signed caller `xray:PutSpans` as X-Ray's OTLP endpoint would, 503 when the spans
 * could not be kept. It never answers a request it could not keep with 200.
 */
export class OtlpTracesReceiver implements RestProtocolService {
  /** The caller's IAM check (`xray:PutSpans`), which the service registry gives it; unsigned callers (a team's own SDK) are the runtime's own. */
  #authorize?: OperationAuthorizer;

  constructor(private readonly sink: TracesSink) {}

  /** IAM's check of each export (its module's authorizations), which the service registry gives it. */
  authorizeWith(authorize: OperationAuthorizer): void {
    this.#authorize = authorize;
  }

  handles(request: Pick<RawRequest, 'method' | 'path' | 'headers' | 'query'>): boolean {
    if (request.path !== OTLP_TRACES_PATH) return false;
    // A request signed for another service (an S3 object `traces` in a bucket `v1`) is that service's.
    const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(request.headers.authorization ?? ''))?.[1];
    return scope === undefined || scope === 'xray';
  }

  async handle(request: RawRequest): Promise<RawResponse> {
    if (request.method !== 'POST') {
      return { status: 405, headers: { 'content-type': 'text/plain', allow: 'POST' }, body: '405 method not allowed, supported: [POST]' };
    }
    const encoding = encodingOf(request.headers['content-type']);
    if (encoding === undefined) {
      return {
        status: 415,
        headers: { 'content-type': 'text/plain' },
        body: `415 unsupported media type, supported: [${JSON_TYPE}, ${PROTOBUF}]`,
      };
    }
    try {
      if (this.#authorize) await this.#authorize('PutSpans', {});
    } catch (error) {
      if (error instanceof AwsError) return statusResponse(encoding, error.status === 403 ? 403 : 400, error.message);
      throw error;
    }
    let data: TracesData;
    let body: Buffer;
    try {
      body = decompressed(request.body, headerOf(request.headers['content-encoding']));
      data = encoding === PROTOBUF ? decodeTracesProtobuf(body) : decodeTracesJson(utf8(body));
    } catch (error) {
      if (error instanceof OtlpDecodeError) return statusResponse(encoding, 400, error.message);
      throw error;
    }
    let outcome: StoredOutcome;
    try {
      outcome = this.sink(data, { body, contentType: encoding });
    } catch (error) {
      // The spans were not kept: a retryable answer, so that the exporter sends them again.
      return statusResponse(encoding, 503, `the spans could not be kept: ${(error as Error).message}`);
    }
    const partial =
      outcome.rejected === 0
        ? undefined
        : {
            rejectedSpans: outcome.rejected,
            errorMessage: `${outcome.rejected} span(s) have no valid trace id or span id (16 and 8 bytes, not all zero)`,
          };
    return { status: 200, headers: { 'content-type': encoding }, body: responseBody(encoding, partial) };
  }

  /** Errors the endpoint answers itself for this path: a body over its limit is a 400 as the Collector answers it. */
  errorResponse(error: AwsError): RawResponse {
    const status = error.status === 413 ? 400 : error.status;
    return statusResponse(
      JSON_TYPE,
      status,
      error.status === 413 ? `the request body is over the limit of ${MAX_OTLP_BODY_BYTES} bytes` : error.message,
    );
  }
}

function headerOf(value: string | readonly string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

/** The encoding a `Content-Type` names, its parameters (`; charset=utf-8`) aside. */
function encodingOf(header: string | readonly string[] | undefined): Encoding | undefined {
  const type = headerOf(header)?.split(';')[0]?.trim().toLowerCase();
  return type === PROTOBUF || type === JSON_TYPE ? type : undefined;
}

/** The body as sent, decompressed as `Content-Encoding` says and never past MAX_OTLP_BODY_BYTES. */
function decompressed(body: Buffer, contentEncoding: string | undefined): Buffer {
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'deflate') throw new OtlpDecodeError(`unsupported Content-Encoding: ${contentEncoding}`);
  try {
    const options = { maxOutputLength: MAX_OTLP_BODY_BYTES };
    return coding === 'gzip' ? gunzipSync(body, options) : inflateSync(body, options);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OtlpDecodeError(`the request body is over the limit of ${MAX_OTLP_BODY_BYTES} bytes once decompressed`);
    }
    throw new OtlpDecodeError(`the body is not valid ${coding}: ${(error as Error).message}`);
  }
}

function utf8(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new OtlpDecodeError('the JSON body is not valid UTF-8');
  }
}

function responseBody(encoding: Encoding, partial: { rejectedSpans: number; errorMessage: string } | undefined): Buffer | string {
  if (encoding === PROTOBUF) return Buffer.from(encodeTracesResponseProtobuf(partial));
  // OTLP/JSON writes int64 as a decimal string.
  return JSON.stringify(
    partial ? { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } } : {},
  );
}

/** A failure's body: a `google.rpc.Status` in the request's encoding, with the gRPC code the Collector maps the HTTP status to. */
function statusResponse(encoding: Encoding, status: number, message: string): RawResponse {
  const code = status === 400 ? INVALID_ARGUMENT : status === 403 ? PERMISSION_DENIED : UNAVAILABLE;
  const body = encoding === PROTOBUF ? Buffer.from(encodeStatusProtobuf(code, message)) : JSON.stringify({ code, message });
  return { status, headers: { 'content-type': encoding }, body };
}
