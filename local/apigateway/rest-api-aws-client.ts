import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../endpoint/sigv4.js';
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
  readonly body: string;
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
}

/** The service could not be reached at all (no endpoint given, the connection refused). */
export class AwsIntegrationError extends Error {
  override readonly name = 'AwsIntegrationError';
}

/** The X-Amz-Target prefix and JSON version of each JSON-protocol service an `action/` URI can name. */
const JSON_SERVICES: Readonly<Record<string, readonly [string, '1.0' | '1.1']>> = {
  events: ['AWSEvents', '1.1'],
  states: ['AWSStepFunctions', '1.0'],
  dynamodb: ['DynamoDB_20120810', '1.0'],
  logs: ['Logs_20140328', '1.1'],
  ssm: ['AmazonSSM', '1.1'],
  kms: ['TrentService', '1.1'],
  secretsmanager: ['secretsmanager', '1.1'],
};

/** Query-protocol services: `Action=...` form posts, answered in XML (or JSON when asked, as API Gateway asks). */
const QUERY_SERVICES = new Set(['sqs', 'sns']);

/**
 * Whether an `action/` URI of this service is sent: a JSON or query service names its operation
 * by X-Amz-Target or `Action`; a REST service (S3, Lambda) by method and path, which its
 * `path/` URI gives and an action name alone does not tell the local endpoint.
 */
export function sendsActionOf(service: string): boolean {
  return Object.hasOwn(JSON_SERVICES, service) || QUERY_SERVICES.has(service);
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
    const text = await response.text();
    const headers = Object.fromEntries(response.headers.entries());
    const xml = /[/+]xml\b/.test(headers['content-type'] ?? '');
    // API Gateway asks query services for JSON (Accept: application/json), which AWS answers with the XML's shape in JSON.
    if (QUERY_SERVICES.has(target.service) && xml) {
      return {
        status: response.status,
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(xmlToJson(text)),
      };
    }
    return { status: response.status, headers, body: text };
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
  readonly body: string;
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
    const json = JSON_SERVICES[target.service];
    if (json) {
      const [prefix, version] = json;
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
 * ones null, repeated ones a list (`{"SendMessageResponse":{"SendMessageResult":{"MessageId":...}}}`).
 */
function xmlToJson(xml: string): unknown {
  const root: XmlNode = { name: '', children: [], text: '' };
  const stack: XmlNode[] = [root];
  const tokens = /<\?[^>]*\?>|<!--[\s\S]*?-->|<(\/?)([\w:.-]+)[^>]*?(\/?)>|([^<]+)/g;
  for (const token of xml.matchAll(tokens)) {
    const [, closing, name, selfClosing, text] = token;
    const top = stack.at(-1) as XmlNode;
    if (text !== undefined) top.text += text;
    else if (name === undefined) continue;
    else if (closing) {
      if (stack.length > 1) stack.pop();
    } else {
      const node: XmlNode = { name, children: [], text: '' };
      top.children.push(node);
      if (!selfClosing) stack.push(node);
    }
  }
  return jsonOfNode(root);
}

interface XmlNode {
  readonly name: string;
  readonly children: XmlNode[];
  text: string;
}

function jsonOfNode(node: XmlNode): unknown {
  if (node.children.length === 0) {
    const text = node.text.trim() === '' ? '' : decodeEntities(node.text);
    return text === '' ? null : text;
  }
  const groups = new Map<string, unknown[]>();
  for (const child of node.children) groups.set(child.name, [...(groups.get(child.name) ?? []), jsonOfNode(child)]);
  return Object.fromEntries([...groups].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}

function decodeEntities(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-f]+|#\d+);/gi, (_, entity: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (entity[0] !== '#') return named[entity.toLowerCase()] ?? '';
    return String.fromCodePoint(entity[1]?.toLowerCase() === 'x' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1)));
  });
}
