import { SignatureV4 } from '@smithy/signature-v4';
import { MalformedXmlError, readXml, type XmlNode } from '../endpoint/model-protocols/xml-reading.js';
import { Sha256 } from '../endpoint/sigv4.js';
import { type ApiModel, apiModelNames, loadModel } from '../endpoint/validation/model.js';
import type { AwsServiceTarget } from './rest-api-integrations.js';

type Credentials = { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };

/** The runtime's own endpoint and the credentials its own clients sign with. */
export interface AwsEndpointAccess {
  /** `http://127.0.0.1:4566`. */
  readonly url: string;
  readonly credentials: Credentials;
  /** A session of an integration's execution role (IAM's principals): what a call with a role is signed with. @default - the runtime's own credentials */
  readonly roleCredentials?: (roleArn: string) => Credentials;
}

/** The integration request after mapping: what API Gateway sends the service. */
export interface MappedRequest {
  /** Bytes when a binary request passed through as it came (its Content-Type one of the API's binary media types). */
  readonly body: string | Buffer;
  /** The integration request's headers (`integration.request.header.*`), Content-Type among them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly querystring: Readonly<Record<string, string>>;
  readonly path: Readonly<Record<string, string>>;
}

export interface ServiceAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as the integration response's `$input` reads it. */
  readonly body: string;
  /** The body's bytes as the service sent them: what a binary answer passes through as (mapResponse). */
  readonly bytes?: Buffer;
}

/** The service could not be reached at all (no endpoint given, the connection refused). */
export class AwsIntegrationError extends Error {
  override readonly name = 'AwsIntegrationError';
}

/** How an `action/` URI is sent to a service: a JSON POST by X-Amz-Target, or a query request by `Action`. */
type ActionProtocol = { readonly kind: 'json'; readonly targetPrefix: string; readonly version: string } | { readonly kind: 'query' };

/**
 * The services the endpoint serves without an API model of its own (their protocols written by
 * hand): S3, reached by its `path/` URIs only, and Secrets Manager's JSON.
 */
const SERVED_WITHOUT_MODEL: Readonly<Record<string, ActionProtocol | undefined>> = {
  s3: undefined,
  secretsmanager: { kind: 'json', targetPrefix: 'secretsmanager', version: '1.1' },
};

let byService: ReadonlyMap<string, ActionProtocol | undefined> | undefined;

/**
 * What the endpoint serves, by the service an integration URI names (its endpoint prefix), with
 * how an `action/` URI reaches it: from the API models the endpoint serves, so a service given
 * a model is reached. A query-compatible JSON service (SQS) is sent query requests, as API
 * Gateway sends them; a REST service (Lambda, Scheduler) has none (its `path/` URI is sent).
 */
function servedServices(): ReadonlyMap<string, ActionProtocol | undefined> {
  if (byService) return byService;
  const served = new Map<string, ActionProtocol | undefined>(Object.entries(SERVED_WITHOUT_MODEL));
  for (const name of apiModelNames()) {
    const metadata = loadModel(name).metadata as ApiModel['metadata'] & { jsonVersion?: string; awsQueryCompatible?: object };
    const service = metadata.endpointPrefix ?? name;
    const protocol: ActionProtocol | undefined =
      metadata.protocol === 'query' || (metadata.protocol === 'json' && metadata.awsQueryCompatible)
        ? { kind: 'query' }
        : metadata.protocol === 'json' && metadata.targetPrefix
          ? { kind: 'json', targetPrefix: metadata.targetPrefix, version: metadata.jsonVersion ?? '1.0' }
          : undefined;
    // Two models of one prefix (SES v1's query API and v2's REST one, `email`): the one an action names wins.
    if (!served.has(service) || protocol !== undefined) served.set(service, protocol ?? served.get(service));
  }
  byService = served;
  return served;
}

/** Whether the endpoint serves the service an `AWS` integration's URI names (by its endpoint prefix). */
export const servedByEndpoint = (service: string): boolean => servedServices().has(service);

/**
 * Whether an `action/` URI of this service is sent: a JSON or query service names its operation
 * by X-Amz-Target or `Action`; a REST service (S3, Lambda) by method and path, which its
 * `path/` URI gives and an action name alone does not tell the local endpoint.
 */
export function sendsActionOf(service: string): boolean {
  return servedServices().get(service) !== undefined;
}

/**
 * Calls the local services as API Gateway calls AWS for an `AWS` integration: an HTTP request
 * to the runtime's one AWS endpoint (local/endpoint/), signed with the runtime's own
 * credentials. Going through the endpoint rather than the services' objects keeps one
 * implementation of each protocol: the same routing, input validation and error shapes an SDK
 * gets, so a template that builds a bad request gets the error AWS would give it; loopback
 * costs a millisecond and needs no second entry into the services.
 */
export class LoopbackAwsClient {
  readonly #signers = new Map<string, SignatureV4>();

  constructor(
    private readonly access: AwsEndpointAccess,
    private readonly region: string,
  ) {}

  async send(target: AwsServiceTarget, mapped: MappedRequest, signal: AbortSignal): Promise<ServiceAnswer> {
    const request = httpRequestOf(target, mapped);
    // The path is set, not resolved against the endpoint's URL: `//` would read as a host of its own.
    const url = new URL(this.access.url);
    url.pathname = request.path;
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
    const query = Object.fromEntries(url.searchParams);
    const signed = await this.#signer(target.service, target.roleArn).sign({
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port === '' ? {} : { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...request.headers, host: url.host },
      body: request.body,
    });
    let response: Response;
    try {
      const { host: _host, ...headers } = signed.headers;
      response = await fetch(url, {
        method: request.method,
        headers,
        ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
        signal,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      throw new AwsIntegrationError(`the local ${target.service} service could not be reached at ${this.access.url}`, { cause: error });
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const headers = Object.fromEntries(response.headers.entries());
    const xml = /[/+]xml\b/.test(headers['content-type'] ?? '');
    // API Gateway asks query services for JSON (Accept: application/json), which AWS answers with the XML's shape in JSON;
    // a caller that does not (an AppSync HTTP data source sends its resolver's headers) gets the XML.
    if (servedServices().get(target.service)?.kind === 'query' && xml && /\bjson\b/.test(request.headers.accept ?? '')) {
      return {
        status: response.status,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(xmlToJson(text)),
      };
    }
    return { status: response.status, headers, body: text, bytes };
  }

  #signer(service: string, roleArn: string | undefined): SignatureV4 {
    const key = `${service} ${roleArn ?? ''}`;
    let signer = this.#signers.get(key);
    if (!signer) {
      const credentials =
        roleArn !== undefined && this.access.roleCredentials ? this.access.roleCredentials(roleArn) : this.access.credentials;
      // S3 signs the path as sent, the other services its escaped form (as the SDKs' signers do).
      signer = new SignatureV4({
        service,
        region: this.region,
        credentials,
        sha256: Sha256,
        uriEscapePath: service !== 's3',
      });
      this.#signers.set(key, signer);
    }
    return signer;
  }
}

interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
}

/**
 * The HTTP request API Gateway sends for a target, to the runtime's endpoint in place of the
 * service's host. An `action/` URI: for a JSON service a POST with
 * `X-Amz-Target: <prefix>.<Action>` (unless the integration sets its own) and the mapped body;
 * for a query service (SQS, SNS) `Action` and the URI's parameters in the query string, beside
 * the mapped query string and body (the service reads a form body too). A `path/` URI: that
 * path (`path//` and `path/` are the root) with the integration's method, the URI's query
 * string and the mapped one, the mapped headers and body; `{name}` filled from the
 * `integration.request.path` parameters; S3's virtual-hosted style (`{bucket}.s3`) sent
 * path-style, as the local endpoint has one host.
 */
export function httpRequestOf(target: AwsServiceTarget, mapped: MappedRequest): HttpRequest {
  const headers: Record<string, string> = { accept: 'application/json', ...lowerCased(mapped.headers) };
  const fill = (text: string, encode: (value: string) => string) =>
    text.replace(/\{([^}]+)\}/g, (whole, name: string) => (mapped.path[name] === undefined ? whole : encode(mapped.path[name] as string)));
  const uriQuery = Object.fromEntries(Object.entries(target.query ?? {}).map(([name, value]) => [name, fill(value, String)]));
  const query = { ...uriQuery, ...mapped.querystring };
  if (target.action !== undefined) {
    const protocol = servedServices().get(target.service);
    if (protocol?.kind === 'json') {
      const { targetPrefix: prefix, version } = protocol;
      return {
        method: 'POST',
        path: '/',
        query,
        headers: {
          ...headers,
          'content-type': `application/x-amz-json-${version}`,
          'x-amz-target': headers['x-amz-target'] ?? `${prefix}.${target.action}`,
        },
        body: mapped.body,
      };
    }
    return { method: target.httpMethod, path: '/', query: { Action: target.action, ...query }, headers, body: mapped.body };
  }
  const path = fill(target.path ?? '', encodeURIComponent).replace(/^\/+/, '');
  const bucket = target.service === 's3' && target.subdomain !== undefined ? `${fill(target.subdomain, encodeURIComponent)}/` : '';
  return { method: target.httpMethod, path: `/${bucket}${path}`, query, headers, body: mapped.body };
}

function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * A query service's XML answer as JSON: each element a key, text elements strings, empty
 * ones null, repeated ones a list (`{"SendMessageResponse":{"SendMessageResult":{"MessageId":...}}}`);
 * an answer that is not XML, as it is. Read by the endpoint's one XML reader.
 */
function xmlToJson(xml: string): unknown {
  let element: XmlNode;
  try {
    element = readXml(xml);
  } catch (error) {
    if (error instanceof MalformedXmlError) return xml;
    throw error;
  }
  return { [element.name]: jsonOfNode(element) };
}

function jsonOfNode(node: XmlNode): unknown {
  if (node.children.length === 0) return node.text.trim() === '' ? null : node.text;
  const groups = new Map<string, unknown[]>();
  for (const child of node.children) groups.set(child.name, [...(groups.get(child.name) ?? []), jsonOfNode(child)]);
  return Object.fromEntries([...groups].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}
