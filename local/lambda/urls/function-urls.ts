/**
 * Lambda function URLs as the local endpoint serves them: `http://<url-id>.lambda-url.<region>.localhost:<port>/<path>`
 * or `http://<endpoint>/_aws/lambda-url/<url-id>/<path>`, standing in for
 * `https://<url-id>.lambda-url.<region>.on.aws/<path>`. Lambda builds the event of API
 * Gateway's payload format 2.0 from the request and reads the function's answer back as that
 * format's response, answers CORS preflights of a URL with a CORS configuration itself, and
 * lets a caller in as the URL's auth type and the function's resource policy say.
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html
 */

import { isPreflight, preflightResponse, withCors } from '../../apigateway/cors.js';
import { type HttpApiRequest, type HttpResponse, lambdaEvent, v2Answer } from '../../apigateway/payload.js';
import { MALFORMED, streamedResponse } from '../../apigateway/proxy-event-v1.js';
import { AwsError } from '../../endpoint/aws-error.js';
import type { AppHttpService } from '../../endpoint/server.js';
import type { Clock } from '../../time/clock.js';
import type { InvokeOutcome } from '../runtime/function-runtime.js';
import type { FunctionUrlDefinition } from './function-url-definitions.js';

/** The path-style local form: `/_aws/lambda-url/<url-id>/<path>`. */
const PATH_PREFIX = '/_aws/lambda-url/';
/** The host-style local name: `<url-id>.lambda-url.<region>.localhost`. */
const HOST_STYLE = /^([a-z0-9]+)\.lambda-url\.[a-z0-9-]+\.localhost$/;
/** A function URL takes requests up to Invoke's synchronous payload limit (6 MB). */
const MAX_REQUEST_BYTES = 6 * 1024 * 1024;
/** Lambda's refusal of a caller it does not let in (as recorded on AWS, test_lambda.py's TestLambdaPermissions). */
const FORBIDDEN =
  'Forbidden. For troubleshooting Function URL authorization issues, see: https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html';

/** What IAM made of a URL's caller: refused (with why, for the runtime log), or let in (as whom, for an AWS_IAM URL's event). */
export type UrlAuthorization =
  | { readonly refused: string; readonly iam?: undefined }
  | { readonly refused?: undefined; readonly iam?: Readonly<Record<string, string | null>> };

export interface FunctionUrlsOptions {
  readonly urls: readonly FunctionUrlDefinition[];
  /** Invokes the function synchronously; `throttle` answers TooManyRequestsException at its reserved concurrency instead of waiting. */
  readonly invoke: (functionName: string, event: unknown, options: { readonly throttle: boolean }) => Promise<InvokeOutcome>;
  /**
   * Whether the request's caller may invoke the URL: `lambda:InvokeFunctionUrl` and
   * `lambda:InvokeFunction`, as its auth type and the function's resource policy decide.
   */
  readonly authorize: (url: FunctionUrlDefinition) => Promise<UrlAuthorization>;
  readonly accountId: string;
  readonly region: string;
  readonly clock: Clock;
  readonly log: (line: string) => void;
}

type UrlRequest = Parameters<AppHttpService['handle']>[0];

/** Where a function URL answers locally, for the start-up report. */
export interface FunctionUrlAddress {
  readonly definition: FunctionUrlDefinition;
  /** The path-style URL on the endpoint. */
  readonly url: string;
  /** The host-style URL, which clients that resolve `*.localhost` to this machine reach too. */
  readonly hostUrl: string;
}

/** The function URLs in front of the local functions: the template's, and those Lambda's API made (function-url-api.ts). */
export class FunctionUrls implements AppHttpService {
  #template: readonly FunctionUrlDefinition[];
  #made: readonly FunctionUrlDefinition[] = [];
  #urls: ReadonlyMap<string, FunctionUrlDefinition> = new Map();
  /** Ids of URLs served once and deleted since: AWS still knows such an id, and refuses its callers as unauthorized. */
  readonly #deleted = new Set<string>();

  constructor(private readonly options: FunctionUrlsOptions) {
    this.#template = options.urls;
    this.#index();
  }

  /** Takes a reloaded app's URLs (`switchyard dev`): a new URL answers from now on, a removed one no longer. */
  reload(urls: readonly FunctionUrlDefinition[]): void {
    this.#template = urls;
    this.#index();
  }

  templateUrls(): readonly FunctionUrlDefinition[] {
    return this.#template;
  }

  /** Serves the URLs Lambda's API made (all of them: what it no longer gives answers no more). */
  setMade(urls: readonly FunctionUrlDefinition[]): void {
    this.#made = urls;
    this.#index();
  }

  #index(): void {
    const before = this.#urls;
    this.#urls = new Map([...this.#template, ...this.#made].map((url) => [url.urlId, url]));
    for (const urlId of before.keys()) if (!this.#urls.has(urlId)) this.#deleted.add(urlId);
    for (const urlId of this.#urls.keys()) this.#deleted.delete(urlId);
  }

  addresses(endpointUrl: string): FunctionUrlAddress[] {
    const port = new URL(endpointUrl).port;
    return [...this.#urls.values()].map((definition) => ({
      definition,
      url: `${endpointUrl}${PATH_PREFIX}${definition.urlId}/`,
      hostUrl: `http://${definition.urlId}.lambda-url.${this.options.region}.localhost:${port}/`,
    }));
  }

  handles(host: string | undefined, url: string): boolean {
    return url.startsWith(PATH_PREFIX) || HOST_STYLE.test(hostname(host));
  }

  async handle(request: UrlRequest): Promise<HttpResponse> {
    const { urlId, rawPath, rawQueryString } = addressOf(request.host, request.url);
    const url = this.#urls.get(urlId);
    // As AWS answers a URL id it never gave out (`{"Message":null}`) and one whose config was deleted.
    if (url === undefined) return accessDenied(this.#deleted.has(urlId) ? FORBIDDEN : null);
    // A browser's preflight carries no credentials: a URL with CORS settings answers it itself, whatever its auth type.
    if (url.cors && isPreflight(request.method, request.headers)) return preflightResponse(url.cors, request.headers);
    if (request.body.length > MAX_REQUEST_BYTES) {
      return message(413, `Request must be smaller than ${MAX_REQUEST_BYTES} bytes for the InvokeFunction operation`);
    }
    const access = await this.options.authorize(url);
    if (access.refused !== undefined) {
      this.options.log(`[lambda] function URL ${url.urlId} (${url.resource}): 403 Forbidden: ${access.refused}`);
      return accessDenied(FORBIDDEN);
    }
    const event = this.#event(url, { ...request, rawPath, rawQueryString }, hostOf(request, url.urlId, this.options.region), access.iam);
    const response = await this.#invoke(url, event);
    return url.cors ? withCors(url.cors, request.headers, response) : response;
  }

  #event(url: FunctionUrlDefinition, request: HttpApiRequest, host: string, iam: UrlAuthorization['iam']): Record<string, unknown> {
    const now = this.options.clock.now();
    const event = lambdaEvent(request, {
      accountId: this.options.accountId,
      apiId: url.urlId,
      domainName: host,
      // Function URLs have no routes or stages: Lambda sets both to `$default` as placeholders.
      stage: '$default',
      routeKey: '$default',
      pathParameters: {},
      stageVariables: {},
      requestId: crypto.randomUUID(),
      now,
    });
    const context = event.requestContext as Record<string, unknown>;
    event.requestContext = { ...context, authentication: null, ...(iam ? { authorizer: { iam } } : {}) };
    return event;
  }

  async #invoke(url: FunctionUrlDefinition, event: Record<string, unknown>): Promise<HttpResponse> {
    const target = url.qualifier === undefined ? url.functionName : `${url.functionName}:${url.qualifier}`;
    let outcome: InvokeOutcome;
    try {
      outcome = await this.options.invoke(target, event, { throttle: true });
    } catch (error) {
      if (error instanceof AwsError && error.code === 'TooManyRequestsException') return message(429, 'Rate Exceeded.');
      if (!(error instanceof AwsError)) throw error;
      this.options.log(`[lambda] function URL ${url.urlId} (${url.resource}): 502: ${error.code}: ${error.message}`);
      return internalError();
    }
    const requestId = { 'x-amzn-requestid': outcome.requestId };
    if (!outcome.ok) {
      this.options.log(
        `[lambda] function URL ${url.urlId} (${url.resource}): 502: ${target} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      );
      return withHeaders(internalError(), requestId);
    }
    const answer = url.invokeMode === 'RESPONSE_STREAM' ? streamedAnswer(outcome.payload) : bufferedAnswer(outcome.payload);
    if (answer === undefined) {
      this.options.log(`[lambda] function URL ${url.urlId} (${url.resource}): 502: ${target} answered a malformed response`);
      return withHeaders(internalError(), requestId);
    }
    return withHeaders(answer, requestId);
  }
}

/**
 * The function's answer as Lambda reads it for a BUFFERED URL: an object with `statusCode`
 * is the response field by field (payload format 2.0), `application/json` unless its headers
 * name a type; any other JSON is the body, 200 and `application/json`: a string as its text,
 * anything else as compact JSON (`{"hello":"world"}`, `["hello",3,true]`, `3.1`, `true`, as
 * recorded on AWS in test_lambda.py's test_lambda_url_invocation). Undefined when malformed.
 */
function bufferedAnswer(payload: string): HttpResponse | undefined {
  const answer = v2Answer(payload);
  if (answer === undefined) return undefined;
  if ('response' in answer) {
    const { headers } = answer.response;
    return { ...answer.response, headers: { 'content-type': 'application/json', ...headers } };
  }
  const { unstructured } = answer;
  const body = typeof unstructured === 'string' ? unstructured : (JSON.stringify(unstructured) ?? '');
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
}

/**
 * A RESPONSE_STREAM URL's answer: the metadata `awslambda.HttpResponseStream.from` wrote
 * (status, headers, cookies), 8 null bytes, then the body; a stream without them is the body
 * as written, 200, `application/octet-stream` (unverified against AWS).
 */
function streamedAnswer(payload: string): HttpResponse | undefined {
  const streamed = streamedResponse(payload);
  if (streamed !== MALFORMED) return streamed;
  if (payload.includes('\0'.repeat(8))) return undefined;
  return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(payload, 'utf8') };
}

/** Lambda's own answers at a function URL: `{"Message": ...}`. */
function message(status: number, text: string | null): HttpResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ Message: text })) };
}

/** A refused caller, or a URL id Lambda does not serve: 403 with the error type in `x-amzn-ErrorType`, as AWS answers. */
function accessDenied(text: string | null): HttpResponse {
  return withHeaders(message(403, text), { 'x-amzn-errortype': 'AccessDeniedException' });
}

/**
 * A function that failed or answered a malformed response: 502 with the bare text `Internal
 * Server Error` (as recorded on AWS, test_lambda_url_invocation_exception; its content type was
 * not recorded).
 */
function internalError(): HttpResponse {
  return { status: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from('Internal Server Error') };
}

function withHeaders(response: HttpResponse, headers: Record<string, string>): HttpResponse {
  return { ...response, headers: { ...response.headers, ...headers } };
}

/**
 * The URL's host as its event names it (`requestContext.domainName`, equal to the `host`
 * header on AWS): the Host a host-style request was sent to, port included; for a path-style
 * one, the host-style address of the same URL on the endpoint's port.
 */
function hostOf(request: UrlRequest, urlId: string, region: string): string {
  const host = (request.host ?? '').toLowerCase();
  if (HOST_STYLE.test(hostname(host))) return host;
  const port = /:(\d+)$/.exec(host)?.[1];
  return `${urlId}.lambda-url.${region}.localhost${port ? `:${port}` : ''}`;
}

function hostname(host: string | undefined): string {
  return (host ?? '').replace(/:\d+$/, '').toLowerCase();
}

/** The URL id and the path as the function sees it, from the Host or the path-style prefix. */
function addressOf(host: string | undefined, url: string): { urlId: string; rawPath: string; rawQueryString: string } {
  const at = url.indexOf('?');
  const path = at < 0 ? url : url.slice(0, at);
  const rawQueryString = at < 0 ? '' : url.slice(at + 1);
  if (path.startsWith(PATH_PREFIX)) {
    const rest = path.slice(PATH_PREFIX.length);
    const slash = rest.indexOf('/');
    return { urlId: slash < 0 ? rest : rest.slice(0, slash), rawPath: slash < 0 ? '/' : rest.slice(slash), rawQueryString };
  }
  return { urlId: HOST_STYLE.exec(hostname(host))?.[1] ?? '', rawPath: path || '/', rawQueryString };
}
